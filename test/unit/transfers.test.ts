// The objects floor's many-file transfers over a fake objects service: which keys an upload writes, where a download
// lands (never outside the target folder), what a cancel leaves, and how results are counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadMany, uploadMany, type TransferEnvironment } from '../../src/objects/transfers';
import type { ObjectsService } from '../../src/objects/service';
import { StorageError } from '../../src/storage';

const loc = (key: string) => ({ connection: 'c', bucket: 'b', key });

function fakeEnv(service: Partial<ObjectsService>): TransferEnvironment {
  return { objects: async () => service as ObjectsService, key: async () => undefined };
}

void test('an upload puts a file at <prefix><name> and a folder at <prefix><folder>/<path>; an existing object is skipped, not failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'transfers-'));
  mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'a.txt'), 'a');
  writeFileSync(join(dir, 'tree', 'sub', 'b.txt'), 'bb');
  writeFileSync(join(dir, 'one.txt'), 'one');
  const written: string[] = [];
  const env = fakeEnv({
    upload: async (_path: string, _bucket: string, key: string) => {
      if (key === 'up/one.txt') {
        throw new StorageError({ code: 'PreconditionFailed', operation: 'upload', message: 'exists' });
      }
      written.push(key);
      return { size: 1, etag: 'e', encryption: { type: 'none' }, path: 'upload' };
    },
  });
  const r = await uploadMany(env, [join(dir, 'tree'), join(dir, 'one.txt')], loc('up'), { overwrite: false });
  assert.deepEqual(written.sort(), ['up/tree/a.txt', 'up/tree/sub/b.txt']);
  assert.deepEqual([r.planned, r.done, r.skipped, r.failed], [3, 2, 1, 0]);
  assert.match(r.items.find((i) => i.status === 'skipped')?.reason ?? '', /overwrite is false/);
});

void test('a download never writes outside the target folder, whatever the keys say', async () => {
  const into = mkdtempSync(join(tmpdir(), 'transfers-into-'));
  const downloaded: string[] = [];
  const env = fakeEnv({
    listAll: async () => ['p/ok.txt', 'p/../../evil.txt', 'p/a/./b.txt', 'p/dir/'].map((key) => ({ key, size: 1, etag: 'e', lastModified: new Date(0) })),
    download: async (_bucket: string, key: string, path: string) => {
      downloaded.push(path);
      writeFileSync(path, key);
      return { size: 1, etag: 'e', encryption: { type: 'none' }, path: 'download' };
    },
  });
  const r = await downloadMany(env, [loc('p/')], into, { overwrite: false });
  assert.deepEqual(downloaded, [join(into, 'p', 'ok.txt')]);
  assert.deepEqual([r.planned, r.done, r.failed], [3, 1, 2]);
  assert.ok(r.items.filter((i) => i.status === 'failed').every((i) => /outside/.test(i.error ?? '')), JSON.stringify(r.items));
  assert.deepEqual(readdirSync(into), ['p']);
});

void test('a cancel ends the work in flight, starts nothing more, and reports cancelled', async () => {
  const into = mkdtempSync(join(tmpdir(), 'transfers-cancel-'));
  const ac = new AbortController();
  let started = 0;
  const env = fakeEnv({
    listAll: async () => Array.from({ length: 20 }, (_, i) => ({ key: `p/o${i}`, size: 10, etag: 'e', lastModified: new Date(0) })),
    download: async (_b: string, _k: string, _p: string, opts?: { signal?: AbortSignal }) => {
      started++;
      if (started === 3) {
        ac.abort();
      }
      if (opts?.signal?.aborted) {
        throw new StorageError({ code: 'Aborted', operation: 'download', message: 'aborted' });
      }
      return { size: 10, etag: 'e', encryption: { type: 'none' }, path: 'download' };
    },
  });
  const r = await downloadMany(env, [loc('p/')], into, { overwrite: false, signal: ac.signal, concurrency: 1 });
  assert.equal(r.cancelled, true);
  assert.equal(started, 3);
  assert.deepEqual([r.planned, r.done, r.failed], [20, 2, 0]);
});
