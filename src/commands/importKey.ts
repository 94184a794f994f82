// obs.importKey: { label, key } (base64 or hex text of exactly 32 bytes) or { label, file } (a local file holding the
// raw 32 bytes, or the key as base64 / hex text) -> { fingerprint, label }.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { parseKey, shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import { InvalidArgumentError, optionalString, type CommandDefinition } from './runner';

type Args = { label: string; key: string } | { label: string; file: string };

/** A key file is small: anything bigger is not a key, and is not read into memory. */
const MAX_KEY_FILE_BYTES = 4096;

async function readKeyFile(path: string): Promise<Uint8Array> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new InvalidArgumentError(`The key file ${path} cannot be read${typeof code === 'string' ? ` (${code})` : ''}.`);
  }
  if (data.length > MAX_KEY_FILE_BYTES) {
    throw new InvalidArgumentError(`The file ${path} holds ${data.length} bytes: not a key file (a key is 32 bytes, or 44 to 66 characters of text).`);
  }
  return data;
}

export function importKeyCommand(ring: KeyRing): CommandDefinition<Args, { fingerprint: string; label: string }> {
  return {
    id: 'obs.importKey',
    parse(a) {
      const label = optionalString(a, 'label');
      const file = optionalString(a, 'file');
      if (a.key !== undefined && file !== undefined) {
        throw new InvalidArgumentError('Pass either key (the key as text) or file (a path), not both.');
      }
      if (file !== undefined) {
        if (file === '') {
          throw new InvalidArgumentError('file must be the path of a local file holding the key.');
        }
        // Without a label, the file's name is the natural one.
        return { label: label ?? basename(file), file };
      }
      if (typeof a.key !== 'string') {
        throw new InvalidArgumentError('The key is missing. Pass it as base64 or hex text of exactly 32 bytes, or pass file: a path.');
      }
      return { label: label ?? '', key: a.key };
    },
    async prompt() {
      const from = await vscode.window.showQuickPick(
        [
          { label: 'Paste the key', description: 'base64 or hex text', file: false },
          { label: 'From a file…', description: 'the raw 32 bytes, or base64 / hex text', file: true },
        ],
        { placeHolder: 'Import an SSE-C key: it is stored only in VS Code secret storage', ignoreFocusOut: true },
      );
      if (!from) {
        return undefined;
      }
      let source: { key: string } | { file: string };
      let suggested = 'imported key';
      if (from.file) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Import Key', title: 'SSE-C key file' });
        if (!picked?.[0]) {
          return undefined;
        }
        source = { file: picked[0].fsPath };
        suggested = basename(picked[0].fsPath);
      } else {
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
        source = { key };
      }
      const label = await vscode.window.showInputBox({ prompt: 'A label for this key', ignoreFocusOut: true, value: suggested });
      return label ? { label, ...source } : undefined;
    },
    async run(a) {
      const entry = await ring.add(a.label, 'file' in a ? await readKeyFile(a.file) : a.key);
      return { fingerprint: entry.fingerprint, label: entry.label };
    },
    done: (r) => `Key "${r.label}" stored (fingerprint ${shortFingerprint(r.fingerprint)}).`,
  };
}
