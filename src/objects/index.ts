// The objects floor: the only way adapters (src/vscode, src/commands) reach the store.
import { EncryptedObjectAccess, KeyMemo, type EncryptionFor, type KeySource } from '../keys/access';
import { StorageClient, type ConnectionConfig } from '../storage';
import { ObjectsService } from './service';

export * from './service';

/** One connection's objects service and the client under it. */
export interface ObjectsSession {
  readonly objects: ObjectsService;
  /** Operations started and not yet settled. */
  readonly active: number;
  /** Waits until every started operation has settled, then closes the client's connections. */
  retire(): Promise<void>;
}

/** `encryptionFor(bucket, key)`: the encryption of a new object there (the governing rule's, else the connection default). */
export function openObjects(config: ConnectionConfig, keys: KeySource, encryptionFor: EncryptionFor): ObjectsSession {
  const client = new StorageClient(config);
  const service = new ObjectsService(client, new EncryptedObjectAccess(client, keys, encryptionFor, new KeyMemo()));
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
export * from './transfers';
