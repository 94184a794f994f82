// The product's own words when an SSE-C object no stored key opens is opened (instead of VS Code's generic "could not
// be opened"): which object, how many keys were tried, the object's key MD5 when the server told it, with the
// actions "Import Key..." and "Show Log". Also logged, so the log says what the person was shown.
import * as vscode from 'vscode';
import type { NoKeyOpensObjectError } from '../keys/access';
import { shortFingerprint } from '../keys/keyMaterial';
import { Disposable } from './disposable';
import type { Log } from './log';

const IMPORT = 'Import Key...';
const SHOW_LOG = 'Show Log';
/** One open can read a file more than once: one message per object in this window of time. */
const QUIET_MS = 5000;

export function noKeyMessage(err: NoKeyOpensObjectError): string {
  const tried = err.triedKeys === 0
    ? 'no SSE-C key is stored here'
    : `none of the ${err.triedKeys} stored key${err.triedKeys === 1 ? '' : 's'} opens it`;
  const md5 = err.keyMd5 ? ` Its key has the MD5 ${err.keyMd5} (${shortFingerprint(err.keyMd5)}).` : '';
  return `Cannot open ${err.bucket}/${err.key}: it is encrypted with a customer key (SSE-C) and ${tried}.${md5} Import its key to open it.`;
}

export class KeyMessages extends Disposable {
  private readonly lastShown = new Map<string, number>();

  constructor(refusedReads: vscode.Event<{ uri: vscode.Uri; error: unknown }>, private readonly log: Log) {
    super();
    this._register(refusedReads(({ uri, error }) => this.noKey(uri, error as NoKeyOpensObjectError)));
  }

  private noKey(uri: vscode.Uri, err: NoKeyOpensObjectError): void {
    const id = uri.toString();
    const now = Date.now();
    if (now - (this.lastShown.get(id) ?? -Infinity) < QUIET_MS) {
      return;
    }
    this.lastShown.set(id, now);
    if (this.lastShown.size > 100) {
      this.lastShown.delete(this.lastShown.keys().next().value ?? '');
    }
    const message = noKeyMessage(err);
    this.log.warn('keys', `shown: ${message} [actions: ${IMPORT}, ${SHOW_LOG}]`);
    void vscode.window.showErrorMessage(message, IMPORT, SHOW_LOG).then(async (choice) => {
      if (choice === SHOW_LOG) {
        this.log.show();
      } else if (choice === IMPORT) {
        const imported = await vscode.commands.executeCommand<{ fingerprint: string } | undefined>('obs.importKey');
        if (imported) {
          await vscode.commands.executeCommand('vscode.open', uri);
        }
      }
    });
  }
}
