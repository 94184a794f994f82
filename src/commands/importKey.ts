// obs.importKey: { label, key } with the key as base64 or hex of exactly 32 bytes -> { fingerprint, label }.
import * as vscode from 'vscode';
import { parseKey, shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import { InvalidArgumentError, optionalString, type CommandDefinition } from './runner';

interface Args { label: string; key: string }

export function importKeyCommand(ring: KeyRing): CommandDefinition<Args, { fingerprint: string; label: string }> {
  return {
    id: 'obs.importKey',
    parse(a) {
      if (typeof a.key !== 'string') {
        throw new InvalidArgumentError('The key is missing. Pass it as base64 or hex text of exactly 32 bytes.');
      }
      return { label: optionalString(a, 'label') ?? '', key: a.key };
    },
    async prompt() {
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
      return label ? { label, key } : undefined;
    },
    async run(a) {
      const entry = await ring.add(a.label, a.key);
      return { fingerprint: entry.fingerprint, label: entry.label };
    },
    done: (r) => `Key "${r.label}" stored (fingerprint ${shortFingerprint(r.fingerprint)}).`,
  };
}
