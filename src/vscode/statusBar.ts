// The status bar item: the active editor's obs:// object, its encryption and the key that opens it. Hidden for
// anything else. A click asks "which key" again (obs.whichKey).
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { fromUri, SCHEME } from './uri';
import type { ObjectKeyInfo, WhichKey } from './whichKey';

export class EncryptionStatus extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('obs.encryption', vscode.StatusBarAlignment.Right, 100));

  constructor(private readonly whichKey: WhichKey) {
    super();
    this.item.name = 'Encrypted Buckets: encryption';
    this.item.command = 'obs.whichKey';
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this._register(whichKey.onDidChange(() => this.update()));
    this.update();
  }

  /** What the item shows now (for tests: text and tooltip, or undefined when hidden). */
  get shown(): { text: string; tooltip: string } | undefined {
    return this.visible ? { text: this.item.text, tooltip: String(this.item.tooltip ?? '') } : undefined;
  }

  private visible = false;

  private update(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const loc = uri?.scheme === SCHEME ? fromUri(uri) : undefined;
    if (!loc?.bucket || loc.key === '') {
      this.hide();
      return;
    }
    const at = { ...loc, bucket: loc.bucket };
    const info = this.whichKey.cached(at);
    if (!info) {
      this.whichKey.request(at);
      this.show('$(sync~spin) checking encryption…', `${loc.bucket}/${loc.key}`);
      return;
    }
    this.show(`${iconOf(info)} ${info.label}`, `${loc.bucket}/${loc.key}: ${info.label}${info.keyLabel ? ` — opens with the stored key "${info.keyLabel}"` : ''}`);
  }

  private show(text: string, tooltip: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
    this.visible = true;
  }

  private hide(): void {
    this.item.hide();
    this.visible = false;
  }
}

function iconOf(info: ObjectKeyInfo): string {
  switch (info.encryption.type) {
    case 'none':
      return '$(unlock)';
    case 'sse-c':
      return info.opensWithStoredKey ? '$(key)' : '$(warning)';
    default:
      return '$(lock)';
  }
}
