// "Which key?": an object's encryption and whether a stored key opens it, for the tree, the file decorations, the
// status bar and obs.whichKey. Answers are cached per object and ETag, so a refresh does not HEAD every object
// again; key changes (this window's or another's) drop the SSE-C answers, writes through obs:// drop their object's.
import * as vscode from 'vscode';
import type { KeyRing } from '../keys/keyRing';
import { encryptionLabel } from '../keys/labels';
import type { KeyAnswer } from '../objects';
import type { ConnectionManager } from './connections';
import { Disposable } from './disposable';
import { fromUri, toUri, type ObsLocation } from './uri';

export interface ObjectKeyInfo extends KeyAnswer {
  /** The stored key's label, when a stored key opens an SSE-C object. */
  keyLabel?: string;
  /** The one human label (src/keys/labels.ts). */
  label: string;
}

type Located = Required<Pick<ObsLocation, 'bucket'>> & ObsLocation;

/** Background lookups at once (each is a HEAD, or one per stored key for an SSE-C object). */
const LOOKUP_CONCURRENCY = 4;
/** Answers kept at most (oldest dropped first). */
const MAX_ENTRIES = 20_000;

/** ETags compared without their quotes (listings and HEAD answers may differ there). */
const bare = (etag: string | undefined): string | undefined => etag?.replace(/^"|"$/g, '');

const id = (l: Located): string => `${l.connectionId}\u0000${l.bucket}\u0000${l.key}`;

export class WhichKey extends Disposable {
  private readonly answers = new Map<string, KeyAnswer>();
  private labels = new Map<string, string>();
  private readonly pending = new Map<string, { loc: Located; etag?: string }>();
  private readonly inFlight = new Set<string>();
  private running = 0;
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri[] | undefined>());
  /** Fires with the objects whose answer changed, or undefined when any may have (keys changed). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly connections: ConnectionManager,
    private readonly ring: KeyRing,
    fileChanges: vscode.Event<vscode.FileChangeEvent[]>,
  ) {
    super();
    this._register(fileChanges((events) => this.forget(events.map((e) => fromUri(e.uri)).filter((l): l is Located => !!l.bucket))));
    const sub = ring.onDidChange(() => void this.keysChanged());
    this._register({ dispose: () => sub.dispose() });
    void this.keysChanged();
  }

  /** The cached answer; with an ETag (from a listing), only an answer for that version of the object. */
  cached(loc: Located, etag?: string): ObjectKeyInfo | undefined {
    const a = this.answers.get(id(loc));
    return a && (etag === undefined || bare(a.etag) === bare(etag)) ? this.describe(a) : undefined;
  }

  /**
   * Asks the store (HEAD, then the stored keys for an SSE-C object) and caches the answer. `etag` is the listed one:
   * it names the version when the server does not tell it (an SSE-C object no stored key opens).
   */
  async lookup(loc: Located, opts: { etag?: string; signal?: AbortSignal } = {}): Promise<ObjectKeyInfo> {
    const s = await this.connections.session(loc.connectionId);
    const answer = await s.objects.whichKey(loc.bucket, loc.key, { signal: opts.signal });
    this.store(loc, { ...answer, etag: answer.etag ?? opts.etag });
    this.changed.fire([toUri(loc)]);
    return this.describe(answer);
  }

  /**
   * Asks in the background, a few at a time, once per object however often it is requested; the answer arrives
   * through onDidChange. Failures are dropped: opening the object reports them.
   */
  request(loc: Located, etag?: string): void {
    const k = id(loc);
    if (this.pending.has(k)) {
      return;
    }
    this.pending.set(k, { loc, etag });
    while (this.running < LOOKUP_CONCURRENCY && this.pending.size > this.running) {
      this.running++;
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const next = [...this.pending.entries()].find(([k]) => !this.inFlight.has(k));
        if (!next) {
          return;
        }
        const [k, { loc, etag }] = next;
        this.inFlight.add(k);
        await this.lookup(loc, { etag }).catch(() => undefined);
        this.inFlight.delete(k);
        this.pending.delete(k);
      }
    } finally {
      this.running--;
    }
  }

  /** Forgets what is known about these objects (they were written, moved or deleted). */
  forget(locs: Located[]): void {
    locs.forEach((l) => this.answers.delete(id(l)));
    if (locs.length) {
      this.changed.fire(locs.map((l) => toUri(l)));
    }
  }

  keyLabel(fingerprint: string): string | undefined {
    return this.labels.get(fingerprint);
  }

  describe(a: KeyAnswer): ObjectKeyInfo {
    const keyLabel = a.encryption.type === 'sse-c' && a.opensWithStoredKey ? this.labels.get(a.encryption.keyMd5) : undefined;
    const label = encryptionLabel(a.encryption, a.encryption.type === 'sse-c' ? { stored: a.opensWithStoredKey, label: keyLabel } : undefined) ?? '?';
    return { ...a, keyLabel, label };
  }

  private store(loc: Located, answer: KeyAnswer): void {
    const k = id(loc);
    this.answers.delete(k);
    this.answers.set(k, answer);
    if (this.answers.size > MAX_ENTRIES) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) {
        this.answers.delete(oldest);
      }
    }
  }

  private async keysChanged(): Promise<void> {
    this.labels = new Map((await this.ring.list()).map((e) => [e.fingerprint, e.label]));
    // A new key may open what none did; a removed one no longer opens what it did. Other answers stay.
    for (const [k, a] of [...this.answers]) {
      if (a.encryption.type === 'sse-c') {
        this.answers.delete(k);
      }
    }
    this.changed.fire(undefined);
  }
}
