// obs.whichKey: { location } -> { encryption, fingerprint?, keyLabel?, opensWith }: which encryption an object has and
// which stored key opens it. `opensWith` is "none" only for an SSE-C object no stored key opens; an object that needs
// no customer key opens with what is stored ("stored") and has no fingerprint.
import * as vscode from 'vscode';
import type { ObjectLocation } from '../objects';
import type { WhichKey } from '../vscode/whichKey';
import { fromUri, SCHEME } from '../vscode/uri';
import { toLocation } from './jobs';
import { InvalidArgumentError, type CommandDefinition } from './runner';

export interface WhichKeyResult {
  encryption: string;
  fingerprint?: string;
  keyLabel?: string;
  opensWith: 'stored' | 'none';
}

function objectLocation(v: unknown): ObjectLocation {
  const loc = toLocation(v, 'location');
  if (loc.key === '' || loc.key.endsWith('/')) {
    throw new InvalidArgumentError(`location must name an object, not a folder (${loc.bucket}/${loc.key}).`);
  }
  return loc;
}

/** The object a menu names: a tree item, an explorer URI, or else the active editor's. */
function invoked(invocation: unknown[]): ObjectLocation | undefined {
  const [first] = invocation;
  const node = first as { kind?: string; uri?: vscode.Uri } | undefined;
  const uri = first instanceof vscode.Uri ? first : node?.kind === 'object' ? node.uri : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== SCHEME) {
    return undefined;
  }
  const loc = fromUri(uri);
  return loc.bucket && loc.key && !loc.key.endsWith('/') ? { connection: loc.connectionId, bucket: loc.bucket, key: loc.key } : undefined;
}

export function whichKeyCommand(whichKey: WhichKey): CommandDefinition<{ location: ObjectLocation }, WhichKeyResult> {
  return {
    id: 'obs.whichKey',
    parse: (a) => ({ location: objectLocation(a.location) }),
    async prompt(invocation) {
      const found = invoked(invocation);
      if (found) {
        return { location: found };
      }
      const text = await vscode.window.showInputBox({ prompt: 'Which key opens… (obs://connection/bucket/key)', value: 'obs://', ignoreFocusOut: true });
      return text ? { location: objectLocation(text) } : undefined;
    },
    async run({ location }) {
      const info = await whichKey.lookup({ connectionId: location.connection, bucket: location.bucket, key: location.key });
      const fingerprint = info.encryption.type === 'sse-c' && info.encryption.keyMd5 ? info.encryption.keyMd5 : undefined;
      return {
        encryption: info.label,
        ...(fingerprint ? { fingerprint } : {}),
        ...(info.keyLabel ? { keyLabel: info.keyLabel } : {}),
        opensWith: info.opensWithStoredKey ? 'stored' : 'none',
      };
    },
    done: (r, a) => `${a.location.bucket}/${a.location.key}: ${r.encryption}.`,
  };
}
