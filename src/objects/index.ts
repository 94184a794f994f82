// The objects floor: the only way adapters (src/vscode, src/commands) reach the store.
import { EncryptedObjectAccess, KeyMemo, type EncryptionFor, type KeySource } from '../keys/access';
import { StorageClient, type ConnectionConfig } from '../storage';
import { ObjectsService } from './service';
import type { UploadJournal } from './uploads';

export * from './service';

/** One connection's objects service and the client under it. */
export interface ObjectsSession {
  readonly objects: ObjectsService;
  /** The journal of this connection's multipart uploads, when uploads are journaled. */
  readonly uploads?: UploadJournal;
  /** Operations started and not yet settled. */
  readonly active: number;
  /** Waits until every started operation has settled, then closes the client's connections. */
  retire(): Promise<void>;
}

/** Abandoned uploads of this process are retried at most this often, on the next use of the connection. */
const SWEEP_INTERVAL_MS = 5_000;

/**
 * `encryptionFor(bucket, key)`: the encryption of a new object there (the governing rule's, else the connection
 * default). With `uploads`, every multipart upload is journaled, and leftovers are aborted when the session opens
 * and on later use (see uploads.ts).
 */
export function openObjects(config: ConnectionConfig, keys: KeySource, encryptionFor: EncryptionFor, uploads?: UploadJournal): ObjectsSession {
  const client = new StorageClient({ ...config, uploads });
  const service = new ObjectsService(client, new EncryptedObjectAccess(client, keys, encryptionFor, new KeyMemo()));
  let lastSweep = -Infinity;
  let sweeping = false;
  const sweep = (): void => {
    if (!uploads || sweeping) {
      return;
    }
    sweeping = true;
    lastSweep = Date.now();
    void uploads.sweep(service).finally(() => {
      sweeping = false;
    });
  };
  sweep();
  let active = 0;
  const waiters: Array<() => void> = [];
  const settled = (): void => {
    active--;
    if (active === 0) {
      waiters.splice(0).forEach((w) => w());
    }
  };
  // Every call is counted, so a connection whose settings change is closed only after its work has finished
  // (a save or a move in flight is not cut off by an unrelated settings edit).
  const objects = new Proxy(service, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return (...args: unknown[]): Promise<unknown> => {
        if (uploads?.hasAbandoned && Date.now() - lastSweep > SWEEP_INTERVAL_MS) {
          sweep();
        }
        active++;
        try {
          return Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)).finally(settled);
        } catch (e) {
          settled();
          return Promise.reject(e);
        }
      };
    },
  });
  return {
    objects,
    uploads,
    get active() {
      return active;
    },
    async retire() {
      if (active > 0) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      await client.dispose();
    },
  };
}
export * from './jobs';
export * from './uploads';
export * from './transfers';
