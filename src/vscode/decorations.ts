// A file decoration (badge + tooltip) on obs:// objects that are encrypted: in editor tabs, in the explorer when a
// bucket is opened as a folder, and on the tree's items. The answers come from "which key" (cached per object).
import * as vscode from 'vscode';
import type { ObjectKeyInfo, WhichKey } from './whichKey';
import { Disposable } from './disposable';
import { fromUri, SCHEME } from './uri';

export class EncryptionDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this.changed.event;

  constructor(private readonly whichKey: WhichKey) {
    super();
    this._register(whichKey.onDidChange((uris) => this.changed.fire(uris)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== SCHEME) {
      return undefined;
    }
    const loc = fromUri(uri);
    // Folders (a trailing "/", or what the explorer shows without one) are not asked: the store answers 404.
    if (!loc.bucket || loc.key === '' || loc.key.endsWith('/')) {
      return undefined;
    }
    const info = this.whichKey.cached({ ...loc, bucket: loc.bucket });
    if (!info) {
      this.whichKey.request({ ...loc, bucket: loc.bucket });
      return undefined;
    }
    return decorationOf(info);
  }
}

export function decorationOf(info: ObjectKeyInfo): vscode.FileDecoration | undefined {
  switch (info.encryption.type) {
    case 'none':
      return undefined;
    case 'sse-c':
      return info.opensWithStoredKey
        ? new vscode.FileDecoration('C', info.label)
        : new vscode.FileDecoration('!', info.label, new vscode.ThemeColor('list.warningForeground'));
    default:
      return new vscode.FileDecoration('K', info.label);
  }
}
