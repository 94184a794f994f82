// obs.generateKey: { label } -> a new random 32-byte SSE-C key in secret storage; returns { fingerprint, label }.
import * as vscode from 'vscode';
import { generateKey, keyToBase64, shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import { InvalidArgumentError, type CommandDefinition } from './runner';

interface Args { label: string }

export function generateKeyCommand(ring: KeyRing): CommandDefinition<Args, { fingerprint: string; label: string }> {
  return {
    id: 'obs.generateKey',
    parse(a) {
      const label = typeof a.label === 'string' ? a.label.trim() : '';
      if (!label) {
        throw new InvalidArgumentError('A generated key needs a label.');
      }
      return { label };
    },
    async prompt() {
      const label = await vscode.window.showInputBox({ prompt: 'A label for the new SSE-C key', ignoreFocusOut: true });
      return label?.trim() ? { label: label.trim() } : undefined;
    },
    async run(a, ctx) {
      const entry = await ring.add(a.label, generateKey());
      if (ctx.interactive) {
        // The server never keeps customer keys: losing this key loses the data. Offer a backup right away.
        const choice = await vscode.window.showWarningMessage(
          `Key "${entry.label}" (${shortFingerprint(entry.fingerprint)}) was generated and stored. Objects encrypted with it cannot be read without it: keep a backup somewhere safe.`,
          { modal: true },
          'Copy key to clipboard',
        );
        const key = choice ? await ring.get(entry.fingerprint) : undefined;
        if (key) {
          await vscode.env.clipboard.writeText(keyToBase64(key));
        }
      }
      return { fingerprint: entry.fingerprint, label: entry.label };
    },
  };
}
