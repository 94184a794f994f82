// The upload journal: which uploads are leftovers, and what a sweep does with them (a fake store and cleaner).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UploadJournal, type UploadCleaner, type UploadEntry, type UploadStore } from '../../../src/objects/uploads';

class MemoryStore implements UploadStore {
  readonly files = new Map<string, UploadEntry>();
  async put(e: UploadEntry): Promise<void> {
    this.files.set(`${e.connection}/${e.uploadId}`, structuredClone(e));
  }
  async remove(connection: string, uploadId: string): Promise<void> {
    this.files.delete(`${connection}/${uploadId}`);
  }
  async list(connection: string): Promise<UploadEntry[]> {
    return [...this.files.values()].filter((e) => e.connection === connection);
  }
}

const ref = (uploadId: string, key = 'k') => ({ bucket: 'b', key, uploadId });

test('started uploads are journaled without key material, ended ones are forgotten', async () => {
  const store = new MemoryStore();
  const j = new UploadJournal('c1', store, undefined, 100, () => true);
  j.started(ref('u1'));
  j.started(ref('u2'));
  await j.flush();
  assert.deepEqual([...store.files.keys()].sort(), ['c1/u1', 'c1/u2']);
  assert.deepEqual(Object.keys(store.files.get('c1/u1') ?? {}).sort(), ['bucket', 'connection', 'key', 'owner', 'startedAt', 'state', 'uploadId']);
  j.ended(ref('u1'));
  await j.flush();
  assert.deepEqual([...store.files.keys()], ['c1/u2']);
  assert.equal(j.isActive('u2'), true);
  assert.deepEqual(await j.leftovers(), [], 'an upload in flight is never a leftover');
});

test('an upload whose abort did not get through is a leftover; so is one of a process that is gone', async () => {
  const store = new MemoryStore();
  await store.put({ ...ref('dead'), connection: 'c1', owner: 7, state: 'active', startedAt: '' });
  await store.put({ ...ref('live'), connection: 'c1', owner: 8, state: 'active', startedAt: '' });
  await store.put({ ...ref('other'), connection: 'c2', owner: 7, state: 'active', startedAt: '' });
  const j = new UploadJournal('c1', store, undefined, 100, (pid) => pid !== 7);
  j.started(ref('mine'));
  j.abandoned(ref('mine'));
  assert.equal(j.hasAbandoned, true);
  assert.deepEqual((await j.leftovers()).map((e) => e.uploadId).sort(), ['dead', 'mine']);
});

test('a sweep aborts the leftovers the server still lists, forgets the gone ones, keeps the ones it could not abort', async () => {
  const store = new MemoryStore();
  const errors: string[] = [];
  const j = new UploadJournal('c1', store, (m) => errors.push(m), 100, () => true);
  for (const id of ['listed', 'gone', 'stuck']) {
    j.started(ref(id, `key-${id}`));
    j.abandoned(ref(id, `key-${id}`));
  }
  const aborted: string[] = [];
  const cleaner: UploadCleaner = {
    listUnfinishedUploads: async () => [{ key: 'key-listed', uploadId: 'listed' }, { key: 'key-stuck', uploadId: 'stuck' }, { key: 'x', uploadId: 'not-ours' }],
    abortUpload: async (u) => {
      if (u.uploadId === 'stuck') {
        throw new Error('connection refused');
      }
      aborted.push(u.uploadId);
    },
  };
  assert.deepEqual(await j.sweep(cleaner), { aborted: 1, gone: 1, failed: 1 });
  assert.deepEqual(aborted, ['listed'], 'only journaled leftovers are aborted');
  assert.deepEqual([...store.files.keys()], ['c1/stuck']);
  assert.equal(j.hasAbandoned, true);
  assert.match(errors.join('\n'), /key-stuck not aborted: connection refused/);
  // The server is back: the next sweep finishes the job.
  cleaner.abortUpload = async (u) => {
    aborted.push(u.uploadId);
  };
  assert.deepEqual(await j.sweep(cleaner), { aborted: 1, gone: 0, failed: 0 });
  assert.equal(store.files.size, 0);
  assert.equal(j.hasAbandoned, false);
});

test('a store that cannot be listed keeps every entry', async () => {
  const store = new MemoryStore();
  const j = new UploadJournal('c1', store, () => undefined, 100, () => true);
  j.started(ref('u'));
  j.abandoned(ref('u'));
  const r = await j.sweep({ listUnfinishedUploads: async () => { throw new Error('unreachable'); }, abortUpload: async () => undefined });
  assert.deepEqual(r, { aborted: 0, gone: 0, failed: 1 });
  assert.equal(store.files.size, 1);
});
