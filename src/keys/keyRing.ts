// The key ring: SSE-C keys named by fingerprint. The storage behind it is injected (SecretStorage in the
// extension, a Map in unit tests), so this file stays free of `vscode`.
import { keyFingerprint } from '../storage';
import { KeyFormatError, parseKey } from './keyMaterial';

/** Minimal secret store: exactly the part of VS Code's SecretStorage the ring needs. */
export interface SecretStore {
  get(name: string): Thenable<string | undefined> | Promise<string | undefined>;
  store(name: string, value: string): Thenable<void> | Promise<void>;
  delete(name: string): Thenable<void> | Promise<void>;
}

export interface KeyEntry {
  fingerprint: string;
  label: string;
  createdAt: string;
}

const INDEX = 'obs.sseKeys.index';
const entryName = (fingerprint: string) => `obs.sseKey.${fingerprint}`;

export class KeyRing {
  private writeChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly secrets: SecretStore) {}

  async list(): Promise<KeyEntry[]> {
    const raw = await this.secrets.get(INDEX);
    if (!raw) {
      return [];
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      return Array.isArray(parsed) ? (parsed as KeyEntry[]).filter((e) => typeof e?.fingerprint === 'string') : [];
    } catch {
      return [];
    }
  }

  async get(fingerprint: string): Promise<Uint8Array | undefined> {
    const raw = await this.secrets.get(entryName(fingerprint));
    if (!raw) {
      return undefined;
    }
    const key = parseKey(raw);
    // A stored value that no longer matches its name is treated as absent rather than used for the wrong object.
    return keyFingerprint(key) === fingerprint ? key : undefined;
  }

  /** All usable keys, in the ring's order (newest first). */
  async all(): Promise<Array<{ entry: KeyEntry; key: Uint8Array }>> {
    const out: Array<{ entry: KeyEntry; key: Uint8Array }> = [];
    for (const entry of await this.list()) {
      const key = await this.get(entry.fingerprint);
      if (key) {
        out.push({ entry, key });
      }
    }
    return out;
  }

  /**
   * Stores a key. The key value is written before the index so a failure never leaves an index entry
   * without its key; if the index write fails, the key value is removed again.
   */
  async add(label: string, keyText: string | Uint8Array): Promise<KeyEntry> {
    const key = parseKey(keyText);
    const trimmed = label.trim();
    if (!trimmed) {
      throw new KeyFormatError('A key needs a label so you can recognise it later.');
    }
    return this.serialized(async () => {
      const fingerprint = keyFingerprint(key);
      const index = await this.list();
      const existing = index.find((e) => e.fingerprint === fingerprint);
      if (existing) {
        return existing;
      }
      const entry: KeyEntry = { fingerprint, label: trimmed, createdAt: new Date().toISOString() };
      await this.secrets.store(entryName(fingerprint), Buffer.from(key).toString('base64'));
      try {
        await this.secrets.store(INDEX, JSON.stringify([entry, ...index]));
      } catch (err) {
        await Promise.resolve(this.secrets.delete(entryName(fingerprint))).catch(() => undefined);
        throw err;
      }
      return entry;
    });
  }

  async remove(fingerprint: string): Promise<boolean> {
    return this.serialized(async () => {
      const index = await this.list();
      const rest = index.filter((e) => e.fingerprint !== fingerprint);
      if (rest.length === index.length) {
        return false;
      }
      await this.secrets.store(INDEX, JSON.stringify(rest));
      await this.secrets.delete(entryName(fingerprint));
      return true;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writeChain.then(work, work);
    this.writeChain = next.catch(() => undefined);
    return next;
  }
}
