// obs.generateKey: { label } -> a new random 32-byte SSE-C key in secret storage; returns { fingerprint }.
import * as vscode from 'vscode';
import { generateKey, keyToBase64, shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import { InvalidArgumentError, scriptable } from './util';

export function registerGenerateKey(ring: KeyRing): vscode.Disposable {
  const generate = async (a: { label?: string }) => {
    if (!a.label?.trim()) {
      throw new InvalidArgumentError('A generated key needs a label.');
    }
    const entry = await ring.add(a.label, generateKey());
    return { fingerprint: entry.fingerprint, label: entry.label };
  };
  const interactive = async () => {
    const label = await vscode.window.showInputBox({ prompt: 'A label for the new SSE-C key', ignoreFocusOut: true });
    if (!label) {
      return undefined;
    }
    const res = await generate({ label });
    // The server never keeps customer keys: losing this key loses the data. Offer a backup right away.
    const choice = await vscode.window.showWarningMessage(
      `Key "${res.label}" (${shortFingerprint(res.fingerprint)}) was generated and stored. Objects encrypted with it cannot be read without it: keep a backup somewhere safe.`,
      { modal: true },
      'Copy key to clipboard',
    );
    if (choice) {
      const key = await ring.get(res.fingerprint);
      if (key) {
        await vscode.env.clipboard.writeText(keyToBase64(key));
      }
    }
    return res;
  };
  return vscode.commands.registerCommand('obs.generateKey', scriptable(interactive, generate));
}
