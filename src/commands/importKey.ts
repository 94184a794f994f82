// obs.importKey: { label, key } with the key as base64 or hex of exactly 32 bytes -> { fingerprint }.
import * as vscode from 'vscode';
import { parseKey, shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import { InvalidArgumentError, scriptable } from './util';

export function registerImportKey(ring: KeyRing): vscode.Disposable {
  const importKey = async (a: { label?: string; key?: unknown }) => {
    if (typeof a.key !== 'string') {
      throw new InvalidArgumentError('The key is missing. Pass it as base64 or hex text of exactly 32 bytes.');
    }
    const entry = await ring.add(a.label ?? '', a.key);
    return { fingerprint: entry.fingerprint, label: entry.label };
  };
  const interactive = async () => {
    const key = await vscode.window.showInputBox({
      prompt: 'SSE-C key: 32 bytes as base64 or hex. It is stored only in VS Code secret storage.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          parseKey(v);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (key === undefined) {
      return undefined;
    }
    const label = await vscode.window.showInputBox({ prompt: 'A label for this key', ignoreFocusOut: true, value: 'imported key' });
    if (!label) {
      return undefined;
    }
    const res = await importKey({ label, key });
    void vscode.window.showInformationMessage(`Key "${res.label}" stored (fingerprint ${shortFingerprint(res.fingerprint)}).`);
    return res;
  };
  return vscode.commands.registerCommand('obs.importKey', scriptable(interactive, importKey));
}
