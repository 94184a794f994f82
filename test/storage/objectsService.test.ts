// The objects service against the real RGW (no VS Code): encryption kept or changed exactly as asked, nothing
// overwritten that was not proven absent, files in and out through the transfer engine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFingerprint } from '../../src/storage';
import { openObjects, type ObjectsSession } from '../../src/objects';
import { StorageClient } from '../../src/storage';
import { config, createBucket, removeBucket, skipReason } from './transfer/rgw';
import { rgw } from './support/env';
import { sameEverywhere } from '../../src/keys/rules';

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('objects service on RGW', { skip: skipReason }, () => {
  let bucket: string;
  let session: ObjectsSession;
  let client: StorageClient; // the independent view: HEAD/GET with explicit keys
  const dir = mkdtempSync(join(tmpdir(), 'objects-service-'));

  before(async () => {
    bucket = await createBucket('objsvc');
    client = new StorageClient(config());
    const keys = [KEY_A, KEY_B].map((key) => ({ fingerprint: keyFingerprint(key), key }));
    session = openObjects(config(), {
      candidates: async () => keys,
      byFingerprint: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
    }, sameEverywhere({ type: 'sse-c', keyFingerprint: keyFingerprint(KEY_A) }));
  });

  after(async () => {
    await session.retire();
    await removeBucket(client, bucket);
    await client.dispose();
  });

  it('upload of a local file gets the default (SSE-C key A); download opens it with the stored key', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const src = join(dir, 'up.bin');
    writeFileSync(src, data);
    const up = await session.objects.upload(src, bucket, 'files/up.bin', { overwrite: false });
    assert.equal(up.encryption.type, 'sse-c');
    const head = await client.headObject(bucket, 'files/up.bin', { sseCustomerKey: KEY_A });
    assert.equal(head.encryption.type === 'sse-c' && head.encryption.keyMd5, keyFingerprint(KEY_A));
    await assert.rejects(session.objects.upload(src, bucket, 'files/up.bin', { overwrite: false }), (e: { code?: string }) => e.code === 'PreconditionFailed');
    const out = join(dir, 'down.bin');
    await session.objects.download(bucket, 'files/up.bin', out);
    assert.equal(sha(readFileSync(out)), sha(data));
  });

  it("download: once a folder's key is known, each object costs one GET; a wrong guess, a plaintext and an SSE-KMS object still arrive intact", async () => {
    const bodies: Record<string, Buffer> = {};
    const put = async (name: string, encryption: Parameters<StorageClient['putObject']>[3]): Promise<void> => {
      bodies[name] = randomBytes(20_000 + name.length);
      await client.putObject(bucket, `guess/${name}`, bodies[name], encryption);
    };
    await put('a.bin', { encryption: { type: 'sse-c', key: KEY_A } });
    await put('b.bin', { encryption: { type: 'sse-c', key: KEY_A } });
    await put('c.bin', { encryption: { type: 'sse-c', key: KEY_B } });
    await put('p.txt', { encryption: { type: 'none' } });
    await put('k.txt', { encryption: { type: 'kms', keyId: rgw().kmsKey1 } });
    const lines: string[] = [];
    const keys = [KEY_A, KEY_B].map((key) => ({ fingerprint: keyFingerprint(key), key }));
    const counted = openObjects(config(undefined, { log: (l) => lines.push(l) }), {
      candidates: async () => keys,
      byFingerprint: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
    }, sameEverywhere({ type: 'none' }));
    try {
      const requests = async (name: string): Promise<string[]> => {
        lines.length = 0;
        const out = join(dir, `guess-${name}`);
        const res = await counted.objects.download(bucket, `guess/${name}`, out);
        assert.equal(sha(readFileSync(out)), sha(bodies[name]), `${name} arrives byte-identical`);
        assert.equal(res.size, bodies[name].length);
        return lines.map((l) => l.split(' ')[0]);
      };
      assert.ok((await requests('a.bin')).includes('HEAD'), 'the first object of the folder is opened the long way');
      assert.deepEqual(await requests('b.bin'), ['GET'], 'the next one: a single keyed GET');
      assert.ok((await requests('c.bin')).length >= 2, 'a wrong guess falls back to opening it');
      assert.ok((await requests('p.txt')).length >= 1);
      assert.ok((await requests('k.txt')).length >= 1);
    } finally {
      await counted.retire();
    }
  });

  it('copy with "keep" keeps the SSE-C key; copy to SSE-KMS re-encrypts; both verified by an independent HEAD', async () => {
    await client.putObject(bucket, 'copy/src.txt', Buffer.from('copy me\n'), { encryption: { type: 'sse-c', key: KEY_B } });
    await session.objects.copy({ bucket, key: 'copy/src.txt' }, { bucket, key: 'copy/kept.txt' }, { encryption: { type: 'keep' }, overwrite: false });
    const kept = await client.headObject(bucket, 'copy/kept.txt', { sseCustomerKey: KEY_B });
    assert.equal(kept.encryption.type === 'sse-c' && kept.encryption.keyMd5, keyFingerprint(KEY_B));
    await session.objects.copy({ bucket, key: 'copy/src.txt' }, { bucket, key: 'copy/kms.txt' }, { encryption: { type: 'kms', keyId: rgw().kmsKey1 }, overwrite: false });
    const kms = await client.headObject(bucket, 'copy/kms.txt');
    assert.equal(kms.encryption.type, 'kms');
    const got = await session.objects.read(bucket, 'copy/kms.txt');
    assert.equal(Buffer.from(got.data).toString(), 'copy me\n');
  });

  it('a copy onto an existing SSE-C object without overwrite is refused and the target keeps its bytes', async () => {
    const foreign = randomBytes(32); // not a stored key
    await client.putObject(bucket, 'guard/target.txt', Buffer.from('keep me'), { encryption: { type: 'sse-c', key: foreign } });
    await client.putObject(bucket, 'guard/src.txt', Buffer.from('other'), { encryption: { type: 'none' } });
    await assert.rejects(session.objects.copy({ bucket, key: 'guard/src.txt' }, { bucket, key: 'guard/target.txt' }, { encryption: { type: 'keep' }, overwrite: false }),
      (e: { code?: string }) => e.code === 'PreconditionFailed');
    await assert.rejects(session.objects.rename(bucket, 'guard/src.txt', bucket, 'guard/target.txt', { overwrite: false }),
      (e: { code?: string }) => e.code === 'PreconditionFailed');
    const res = await client.getObject(bucket, 'guard/target.txt', { sseCustomerKey: foreign });
    const chunks: Uint8Array[] = [];
    for await (const c of res.body) {
      chunks.push(c);
    }
    assert.equal(Buffer.concat(chunks).toString(), 'keep me');
  });

  it('a folder is renamed object by object (keys kept) and deleted in one DeleteObjects batch', async () => {
    for (let i = 0; i < 5; i++) {
      await client.putObject(bucket, `dir/a/${i}.txt`, Buffer.from(`n${i}`), { encryption: { type: 'sse-c', key: KEY_A } });
    }
    const moved = await session.objects.rename(bucket, 'dir/a', bucket, 'dir/b', { overwrite: false });
    assert.equal(moved.moved, 5);
    const listed = await session.objects.listFolder(bucket, 'dir/b');
    assert.deepEqual(listed.map((e) => e.name).sort(), ['0.txt', '1.txt', '2.txt', '3.txt', '4.txt']);
    assert.equal((await session.objects.listFolder(bucket, 'dir/a')).length, 0);
    await assert.rejects(session.objects.rename(bucket, 'dir/b', bucket, 'dir/b/inner', { overwrite: false }), (e: { code?: string }) => e.code === 'InvalidArgument');
    const del = await session.objects.delete(bucket, 'dir/b', { recursive: true });
    assert.deepEqual(del, { deleted: 5, batches: 1 });
  });

  it('a write to a key ending in "/" is refused before any request', async () => {
    await assert.rejects(session.objects.write(bucket, 'folder/', Buffer.from('x'), { create: true, overwrite: true }),
      (e: { code?: string; message?: string }) => e.code === 'InvalidArgument' && /folder/.test(e.message ?? ''));
  });

  it('an upload to a key ending in "/" is refused too, and no folder marker gets the data', async () => {
    const src = join(dir, 'marker.bin');
    writeFileSync(src, 'data for a folder marker');
    await assert.rejects(session.objects.upload(src, bucket, 'upfolder/', { overwrite: true }),
      (e: { code?: string; message?: string }) => e.code === 'InvalidArgument' && /key "upfolder\/" names a folder/.test(e.message ?? ''));
    const listed = await client.listObjects(bucket, { prefix: 'upfolder/' });
    assert.deepEqual(listed.objects, []);
  });

  it('a settings-style retire waits for work in flight instead of cutting it off', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const other = openObjects(config(), { candidates: async () => [], byFingerprint: async () => undefined }, sameEverywhere({ type: 'none' }));
    const write = other.objects.write(bucket, 'retire/big.bin', data, { create: true, overwrite: false });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(other.active > 0, 'the write is in flight');
    await other.retire();
    const done = await write;
    assert.equal(done.size, data.byteLength);
    assert.equal(done.multipart, true);
  });
});
