// No orphan uploads. Every multipart upload the product starts is journaled (connection, bucket, key, upload id,
// the process that owns it; never key material) until it is completed or aborted. A transfer that fails aborts its
// upload; when that abort cannot reach the server (an outage), the entry stays "abandoned" and the next use of the
// connection aborts it. Uploads left by a window that died (its process is gone) are aborted the same way.
import type { UploadRef, UploadWatcher } from '../storage';

export interface UploadEntry extends UploadRef {
  connection: string;
  /** The process (extension host) that started it. */
  owner: number;
  state: 'active' | 'abandoned';
  startedAt: string;
}

/** Where the journal lives (the extension's global storage); one record per upload. */
export interface UploadStore {
  put(entry: UploadEntry): Promise<void>;
  remove(connection: string, uploadId: string): Promise<void>;
  list(connection: string): Promise<UploadEntry[]>;
}

/** The store calls the journal needs to clean up: listing what is really unfinished, and aborting. */
export interface UploadCleaner {
  listUnfinishedUploads(bucket: string, prefix?: string): Promise<Array<{ key: string; uploadId: string }>>;
  abortUpload(u: UploadRef): Promise<void>;
}

/** Whether a process (another window's extension host) is still running. */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
};

export class UploadJournal implements UploadWatcher {
  private writes: Promise<void> = Promise.resolve();
  /** This process's uploads still in flight, by upload id. */
  private readonly active = new Set<string>();
  /** This process's uploads whose abort has not got through yet. */
  private readonly abandonedHere = new Set<string>();

  constructor(
    private readonly connection: string,
    private readonly store: UploadStore,
    private readonly onError: (message: string) => void = () => undefined,
    private readonly owner = process.pid,
    private readonly alive: (pid: number) => boolean = processAlive,
  ) {}

  started(u: UploadRef): void {
    this.active.add(u.uploadId);
    this.write(() => this.store.put(this.entry(u, 'active')));
  }

  abandoned(u: UploadRef): void {
    if (this.active.delete(u.uploadId)) {
      this.abandonedHere.add(u.uploadId);
    }
    this.write(() => this.store.put(this.entry(u, 'abandoned')));
  }

  ended(u: UploadRef): void {
    this.active.delete(u.uploadId);
    this.abandonedHere.delete(u.uploadId);
    this.write(() => this.store.remove(this.connection, u.uploadId));
  }

  /** Whether this process left an upload it could not abort (the next use retries). */
  get hasAbandoned(): boolean {
    return this.abandonedHere.size > 0;
  }

  /** Waits for the journal's pending writes. */
  async flush(): Promise<void> {
    await this.writes;
  }

  /** Journaled uploads no live transfer owns: abandoned ones, and those of processes that are gone. */
  async leftovers(): Promise<UploadEntry[]> {
    await this.flush();
    const entries = await this.store.list(this.connection);
    return entries.filter((e) => !this.active.has(e.uploadId) && (e.state === 'abandoned' || (e.owner !== this.owner && !this.alive(e.owner))));
  }

  /** Every journaled upload of this connection (ours, whatever their state). */
  async entries(): Promise<UploadEntry[]> {
    await this.flush();
    return this.store.list(this.connection);
  }

  /** Whether an upload id is one this process is still writing. */
  isActive(uploadId: string): boolean {
    return this.active.has(uploadId);
  }

  /**
   * Aborts the leftovers that the server still lists; forgets those it no longer has. Returns what it did; a
   * failure keeps the entry for the next sweep.
   */
  async sweep(store: UploadCleaner): Promise<{ aborted: number; gone: number; failed: number }> {
    const out = { aborted: 0, gone: 0, failed: 0 };
    const left = await this.leftovers();
    const byBucket = new Map<string, UploadEntry[]>();
    for (const e of left) {
      byBucket.set(e.bucket, [...(byBucket.get(e.bucket) ?? []), e]);
    }
    for (const [bucket, entries] of byBucket) {
      let listed: Set<string>;
      try {
        listed = new Set((await store.listUnfinishedUploads(bucket)).map((u) => u.uploadId));
      } catch (e) {
        out.failed += entries.length;
        this.onError(`unfinished uploads in ${bucket} not checked: ${(e as Error).message}`);
        continue;
      }
      for (const e of entries) {
        try {
          if (listed.has(e.uploadId)) {
            await store.abortUpload(e);
            out.aborted++;
          } else {
            out.gone++;
          }
          this.ended(e);
        } catch (err) {
          out.failed++;
          this.onError(`upload of ${bucket}/${e.key} not aborted: ${(err as Error).message}`);
        }
      }
    }
    await this.flush();
    return out;
  }

  private entry(u: UploadRef, state: UploadEntry['state']): UploadEntry {
    return { connection: this.connection, bucket: u.bucket, key: u.key, uploadId: u.uploadId, owner: this.owner, state, startedAt: new Date().toISOString() };
  }

  private write(op: () => Promise<void>): void {
    this.writes = this.writes.then(op).catch((e: unknown) => this.onError(`upload journal not written: ${(e as Error).message}`));
  }
}
