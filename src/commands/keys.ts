// The key ring's commands: obs.listKeys, obs.renameKey, obs.removeKey, obs.exportKey. Never a key byte in a result,
// a message or the log; an export goes only to the clipboard, after a modal warning.
import * as vscode from 'vscode';
import { keyToBase64, shortFingerprint } from '../keys/keyMaterial';
import type { KeyEntry, KeyRing } from '../keys/keyRing';
import { connectionDefaultId } from '../keys/rules';
import { usersOfKey } from '../vscode/config';
import { InvalidArgumentError, requireString, type CommandDefinition } from './runner';

export interface ListedKey {
  fingerprint: string;
  label: string;
  createdAt: string;
  /** Rule ids (`connection/bucket/prefix`) and connection defaults (`connection:<id>`) that use the key. */
  usedBy: string[];
}

/** What a menu passes for a key: a Keys view item (or the key picked in obs.listKeys). */
interface KeyItem {
  kind: 'key';
  fingerprint: string;
}

const FINGERPRINT = /^[A-Za-z0-9+/]{22}==$/;

function fingerprintArg(a: Record<string, unknown>): string {
  const fp = requireString(a, 'fingerprint', 'Which key? Pass { fingerprint } (as obs.listKeys returns it).');
  if (!FINGERPRINT.test(fp)) {
    throw new InvalidArgumentError('fingerprint must be a key fingerprint: base64 MD5 of the key, 24 characters ending in "==".');
  }
  return fp;
}

async function existing(ring: KeyRing, fingerprint: string): Promise<KeyEntry> {
  const entry = await ring.find(fingerprint);
  if (!entry) {
    throw new InvalidArgumentError(`No stored key has the fingerprint ${shortFingerprint(fingerprint)} (see "Encrypted Buckets: List Keys").`);
  }
  return entry;
}

export function keyName(e: { label: string; fingerprint: string }): string {
  return `"${e.label}" (${shortFingerprint(e.fingerprint)})`;
}

/** `rule local/bkt/a/` / `the default of connection local`, for messages. */
export function describeUsers(users: string[]): string {
  const prefix = connectionDefaultId('');
  return users.map((u) => (u.startsWith(prefix) ? `the default of connection ${u.slice(prefix.length)}` : `rule ${u}`)).join(', ');
}

/** The key a menu item names, or one the user picks. */
export async function pickKey(ring: KeyRing, invocation: unknown[], placeHolder: string): Promise<KeyEntry | undefined> {
  const [first] = invocation;
  if ((first as KeyItem | undefined)?.kind === 'key') {
    return ring.find((first as KeyItem).fingerprint);
  }
  const keys = await ring.list();
  if (keys.length === 0) {
    void vscode.window.showInformationMessage('No SSE-C keys are stored. Import or generate one first.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    keys.map((k) => {
      const users = usersOfKey(k.fingerprint);
      return { label: k.label, description: shortFingerprint(k.fingerprint), detail: users.length ? `used by ${describeUsers(users)}` : 'not used by any rule or connection default', entry: k };
    }),
    { placeHolder, ignoreFocusOut: true },
  );
  return pick?.entry;
}

export function listKeysCommand(ring: KeyRing): CommandDefinition<Record<string, never>, ListedKey[] | undefined> {
  return {
    id: 'obs.listKeys',
    parse: () => ({}),
    async prompt(invocation) {
      // From the palette: pick a key, then what to do with it.
      const entry = await pickKey(ring, invocation, 'Stored SSE-C keys');
      if (!entry) {
        return undefined;
      }
      const actions: Array<{ label: string; command: string }> = [
        { label: 'Rename…', command: 'obs.renameKey' },
        { label: 'Use for New Objects in…', command: 'obs.addRule' },
        { label: 'Copy Key to Clipboard…', command: 'obs.exportKey' },
        { label: 'Remove…', command: 'obs.removeKey' },
      ];
      const action = await vscode.window.showQuickPick(actions, { placeHolder: `Key ${keyName(entry)}` });
      if (action) {
        const item: KeyItem = { kind: 'key', fingerprint: entry.fingerprint };
        await vscode.commands.executeCommand(action.command, item);
      }
      return undefined;
    },
    run: async () => (await ring.list()).map((e) => ({ fingerprint: e.fingerprint, label: e.label, createdAt: e.createdAt, usedBy: usersOfKey(e.fingerprint) })),
  };
}

export function renameKeyCommand(ring: KeyRing): CommandDefinition<{ fingerprint: string; label: string }, { fingerprint: string; label: string }> {
  return {
    id: 'obs.renameKey',
    parse: (a) => ({ fingerprint: fingerprintArg(a), label: requireString(a, 'label', 'The new label is missing: pass { fingerprint, label }.') }),
    async prompt(invocation) {
      const entry = await pickKey(ring, invocation, 'Key to rename');
      const label = entry && (await vscode.window.showInputBox({ prompt: `New label for key ${shortFingerprint(entry.fingerprint)}`, value: entry.label, ignoreFocusOut: true }));
      return entry && label?.trim() ? { fingerprint: entry.fingerprint, label } : undefined;
    },
    async run(a) {
      await existing(ring, a.fingerprint);
      const entry = await ring.rename(a.fingerprint, a.label);
      if (!entry) {
        throw new InvalidArgumentError(`No stored key has the fingerprint ${shortFingerprint(a.fingerprint)}.`);
      }
      return { fingerprint: entry.fingerprint, label: entry.label };
    },
  };
}

export function removeKeyCommand(ring: KeyRing): CommandDefinition<{ fingerprint: string; force: boolean }, { removed: boolean }> {
  return {
    id: 'obs.removeKey',
    parse: (a) => {
      if (a.force !== undefined && typeof a.force !== 'boolean') {
        throw new InvalidArgumentError('force must be true or false.');
      }
      return { fingerprint: fingerprintArg(a), force: a.force === true };
    },
    async prompt(invocation) {
      const entry = await pickKey(ring, invocation, 'Key to remove');
      if (!entry) {
        return undefined;
      }
      const users = usersOfKey(entry.fingerprint);
      const button = users.length ? 'Remove Anyway' : 'Remove';
      const answer = await vscode.window.showWarningMessage(
        `Remove SSE-C key ${keyName(entry)} from this machine?`,
        {
          modal: true,
          detail: [
            users.length ? `It is used by ${describeUsers(users)}: new objects there cannot be written until those use another key.` : '',
            'Objects encrypted with this key become unreadable unless you have a backup of the key (the server never keeps it). Nothing on the server is changed or deleted.',
          ].filter(Boolean).join('\n\n'),
        },
        button,
      );
      return answer === button ? { fingerprint: entry.fingerprint, force: users.length > 0 } : undefined;
    },
    async run(a) {
      const entry = await ring.find(a.fingerprint);
      if (!entry) {
        return { removed: false };
      }
      const users = usersOfKey(a.fingerprint);
      if (users.length > 0 && !a.force) {
        throw new InvalidArgumentError(
          `Key ${keyName(entry)} is used by ${describeUsers(users)}. Change ${users.length === 1 ? 'it' : 'them'} to another key first, or pass force: true.`,
        );
      }
      return { removed: await ring.remove(a.fingerprint) };
    },
    done: (r, a) => (r.removed ? `Key ${shortFingerprint(a.fingerprint)} removed.` : undefined),
  };
}

export function exportKeyCommand(ring: KeyRing): CommandDefinition<{ fingerprint: string }, { copied: boolean }> {
  return {
    id: 'obs.exportKey',
    parse: (a) => ({ fingerprint: fingerprintArg(a) }),
    async prompt(invocation) {
      const entry = await pickKey(ring, invocation, 'Key to copy to the clipboard');
      return entry ? { fingerprint: entry.fingerprint } : undefined;
    },
    async run(a) {
      const entry = await existing(ring, a.fingerprint);
      // Always asked, also from a script or a keybinding: the key leaves secret storage only with a person's yes.
      const answer = await vscode.window.showWarningMessage(
        `Copy SSE-C key ${keyName(entry)} to the clipboard?`,
        {
          modal: true,
          detail: 'Anyone with this key can read every object encrypted with it. Paste it only into a password manager or another trusted place, then clear the clipboard.',
        },
        'Copy to Clipboard',
      );
      if (answer !== 'Copy to Clipboard') {
        return { copied: false };
      }
      const key = await ring.get(a.fingerprint);
      if (!key) {
        throw new InvalidArgumentError(`The value of key ${keyName(entry)} is no longer in secret storage.`);
      }
      await vscode.env.clipboard.writeText(keyToBase64(key));
      return { copied: true };
    },
    done: (r) => (r.copied ? 'The key is on the clipboard.' : undefined),
  };
}
