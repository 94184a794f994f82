// The Keys view (obs.keys, second view in the container): each stored SSE-C key with its label, short fingerprint
// and what uses it (rules and connection defaults, as children). Context menu: rename, remove, copy to clipboard,
// "Use for New Objects in…". Follows key changes from any window, and rule and connection changes.
import * as vscode from 'vscode';
import { shortFingerprint } from '../keys/keyMaterial';
import type { KeyEntry, KeyRing } from '../keys/keyRing';
import { connectionDefaultId } from '../keys/rules';
import { onConnectionsChanged, onEncryptionRulesChanged, usersOfKey } from './config';
import { Disposable } from './disposable';

export class KeyNode {
  readonly kind = 'key';
  constructor(readonly entry: KeyEntry, readonly usedBy: string[]) {}
  get fingerprint(): string {
    return this.entry.fingerprint;
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.entry.label, this.usedBy.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `k:${this.entry.fingerprint}`;
    item.description = `${shortFingerprint(this.entry.fingerprint)}${this.usedBy.length ? ` · used by ${this.usedBy.length}` : ' · unused'}`;
    item.tooltip = new vscode.MarkdownString([
      `**${this.entry.label}**`,
      `Fingerprint (base64 MD5): \`${this.entry.fingerprint}\``,
      `Stored: ${this.entry.createdAt}`,
      this.usedBy.length ? `Used for new objects by: ${this.usedBy.map((u) => `\`${u}\``).join(', ')}` : 'Not used by any rule or connection default.',
    ].join('\n\n'));
    item.contextValue = 'key';
    item.iconPath = new vscode.ThemeIcon('key');
    return item;
  }
}

/** A rule or a connection default that uses a key. */
export class KeyUseNode {
  readonly kind = 'keyUse';
  constructor(readonly fingerprint: string, readonly use: string) {}
  toTreeItem(): vscode.TreeItem {
    const isDefault = this.use.startsWith(connectionDefaultId(''));
    const item = new vscode.TreeItem(isDefault ? `default of connection ${this.use.slice(connectionDefaultId('').length)}` : this.use, vscode.TreeItemCollapsibleState.None);
    item.id = `u:${this.fingerprint}:${this.use}`;
    item.description = isDefault ? 'connection default' : 'rule';
    item.contextValue = isDefault ? 'keyUse.default' : 'keyUse.rule';
    item.iconPath = new vscode.ThemeIcon(isDefault ? 'server' : 'symbol-ruler');
    return item;
  }
}

export type KeysViewNode = KeyNode | KeyUseNode;

export class KeysViewProvider extends Disposable implements vscode.TreeDataProvider<KeysViewNode> {
  private readonly changed = this._register(new vscode.EventEmitter<KeysViewNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly ring: KeyRing) {
    super();
    const sub = ring.onDidChange(() => this.changed.fire(undefined));
    this._register({ dispose: () => sub.dispose() });
    this._register(onEncryptionRulesChanged(() => this.changed.fire(undefined)));
    this._register(onConnectionsChanged(() => this.changed.fire(undefined)));
  }

  getTreeItem(node: KeysViewNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: KeysViewNode): Promise<KeysViewNode[]> {
    if (!node) {
      return (await this.ring.list()).map((e) => new KeyNode(e, usersOfKey(e.fingerprint)));
    }
    return node.kind === 'key' ? node.usedBy.map((u) => new KeyUseNode(node.fingerprint, u)) : [];
  }
}
