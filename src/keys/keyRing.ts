// The key ring: SSE-C keys named by fingerprint. The storage behind it is injected (SecretStorage in the
// extension, a Map in unit tests), so this file stays free of `vscode`.
//
// SecretStorage cannot enumerate its entries, so an index (one JSON list) names the keys. Every window of VS Code
// shares it and writes it whole, so two windows writing at once could each drop the other's change. The ring
// therefore remembers what this window added, renamed or removed (for a while) and writes it again whenever the
// index changes under it (SecretStorage's change event, or a check shortly after each write): nothing is lost.
import { keyFingerprint } from '../storage';
import { KeyFormatError, parseKey } from './keyMaterial';

/** Minimal secret store: exactly the part of VS Code's SecretStorage the ring needs. */
export interface SecretStore {
  get(name: string): Thenable<string | undefined> | Promise<string | undefined>;
  store(name: string, value: string): Thenable<void> | Promise<void>;
  delete(name: string): Thenable<void> | Promise<void>;
  /** VS Code's SecretStorage.onDidChange: a secret changed, in this window or another one. */
  onDidChange?: (listener: (e: { key: string }) => unknown) => { dispose(): unknown };
}

export interface KeyEntry {
  fingerprint: string;
  label: string;
  createdAt: string;
}

const INDEX = 'obs.sseKeys.index';
const entryName = (fingerprint: string) => `obs.sseKey.${fingerprint}`;
/** How long this window keeps re-applying its own index changes when another window's write dropped them. */
const KEEP_CHANGES_MS = 60_000;
/** How soon after a write the index is read again to see whether another window overwrote it. */
const RECHECK_MS = 150;

type Change = { kind: 'put'; entry: KeyEntry; at: number } | { kind: 'remove'; fingerprint: string; at: number };

export class KeyRing {
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  /** This window's recent index changes, by fingerprint. */
  private readonly changes = new Map<string, Change>();
  private lastIndex: string | undefined;
  private readonly subscription?: { dispose(): unknown };
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly secrets: SecretStore, private readonly now: () => number = Date.now) {
    this.subscription = secrets.onDidChange?.((e) => {
      if (e.key === INDEX) {
        void this.indexChanged();
      }
    });
  }

  /** Called after any change to the keys (this window's or another's). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.subscription?.dispose();
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
    this.listeners.clear();
  }

  async list(): Promise<KeyEntry[]> {
    return parseIndex(await this.secrets.get(INDEX));
  }

  async find(fingerprint: string): Promise<KeyEntry | undefined> {
    return (await this.list()).find((e) => e.fingerprint === fingerprint);
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
    const trimmed = checkLabel(label);
    return this.serialized(async () => {
      const fingerprint = keyFingerprint(key);
      const index = await this.list();
      const existing = index.find((e) => e.fingerprint === fingerprint);
      if (existing) {
        return existing;
      }
      const entry: KeyEntry = { fingerprint, label: trimmed, createdAt: new Date(this.now()).toISOString() };
      await this.secrets.store(entryName(fingerprint), Buffer.from(key).toString('base64'));
      try {
        await this.writeIndex([entry, ...index]);
      } catch (err) {
        await Promise.resolve(this.secrets.delete(entryName(fingerprint))).catch(() => undefined);
        throw err;
      }
      this.record({ kind: 'put', entry, at: this.now() });
      return entry;
    });
  }

  /** Gives a stored key a new label; undefined when no key has that fingerprint. */
  async rename(fingerprint: string, label: string): Promise<KeyEntry | undefined> {
    const trimmed = checkLabel(label);
    return this.serialized(async () => {
      const index = await this.list();
      const at = index.findIndex((e) => e.fingerprint === fingerprint);
      if (at < 0) {
        return undefined;
      }
      const entry = { ...index[at], label: trimmed };
      await this.writeIndex(index.map((e, i) => (i === at ? entry : e)));
      this.record({ kind: 'put', entry, at: this.now() });
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
      // The value goes first: another window that sees it gone never lists the key again.
      await this.secrets.delete(entryName(fingerprint));
      await this.writeIndex(rest);
      this.record({ kind: 'remove', fingerprint, at: this.now() });
      return true;
    });
  }

  private async writeIndex(index: KeyEntry[]): Promise<void> {
    const text = JSON.stringify(index);
    await this.secrets.store(INDEX, text);
    this.lastIndex = text;
  }

  private record(change: Change): void {
    this.changes.set(change.kind === 'put' ? change.entry.fingerprint : change.fingerprint, change);
    this.fire();
    // Another window may have written the index from what it read before this write: look again shortly.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.indexChanged();
    }, RECHECK_MS);
    this.timers.add(timer);
  }

  /** The index changed (or may have): re-apply this window's recent changes another window's write dropped. */
  private async indexChanged(): Promise<void> {
    const changed = await this.serialized(async () => {
      const raw = await this.secrets.get(INDEX);
      const seen = raw !== this.lastIndex;
      this.lastIndex = raw;
      const index = parseIndex(raw);
      let repaired = index;
      // For a key this window touched lately, the index follows the key value: listed exactly while it is stored.
      for (const [fp, c] of [...this.changes]) {
        if (this.now() - c.at > KEEP_CHANGES_MS) {
          this.changes.delete(fp);
          continue;
        }
        const stored = (await this.secrets.get(entryName(fp))) !== undefined;
        const listed = repaired.some((e) => e.fingerprint === fp);
        if (!stored && listed) {
          repaired = repaired.filter((e) => e.fingerprint !== fp);
        } else if (stored && !listed && c.kind === 'put') {
          repaired = [c.entry, ...repaired];
        }
      }
      if (JSON.stringify(repaired) !== JSON.stringify(index)) {
        await this.writeIndex(repaired);
        return true;
      }
      return seen;
    }).catch(() => false);
    if (changed) {
      this.fire();
    }
  }

  private fire(): void {
    this.listeners.forEach((l) => l());
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writeChain.then(work, work);
    this.writeChain = next.catch(() => undefined);
    return next;
  }
}

function checkLabel(label: string): string {
  const trimmed = label.trim();
  if (!trimmed) {
    throw new KeyFormatError('A key needs a label so you can recognise it later.');
  }
  return trimmed;
}

function parseIndex(raw: string | undefined): KeyEntry[] {
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
