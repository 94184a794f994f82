import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ByteCounter, downloadObject, isStorageError, StorageClient, uploadObject } from '../../../src/storage';
import { keyFingerprint } from '../../../src/storage';
import { expectedMultipartEtag } from '../../../src/storage/client/multipart';
import { FaultProxy } from '../../support/faultProxy';
import { createBucket, haveRgw, makeClient, MiB, randomSource, removeBucket, sha256, sha256Of, skipReason, sseKey } from './rgw';

describe('transfer: upload and download against RGW', { skip: skipReason }, () => {
  let client: StorageClient;
  let bucket: string;

  before(async () => {
    if (!haveRgw) {
      return;
    }
    client = makeClient();
    bucket = await createBucket('xfer-up');
  });

  after(async () => {
    if (!haveRgw) {
      return;
    }
    await removeBucket(client, bucket);
    await client.dispose();
  });

  it('round-trips a 64 MiB SSE-C multipart upload byte for byte within its memory bound', async () => {
    const key = sseKey();
    const size = 64 * MiB;
    const src = randomSource(size);
    const memory = new ByteCounter();
    const progress: number[] = [];
    const res = await uploadObject(client, bucket, 'big.bin', { kind: 'stream', stream: src.stream, size }, {
      encryption: { type: 'sse-c', key }, memory, concurrency: 4, partSize: 8 * MiB,
      onProgress: (p) => progress.push(p.partsDone),
    });
    assert.equal(res.multipart, true);
    assert.equal(res.parts, 8);
    assert.equal(res.encryption.type, 'sse-c');
    assert.ok(res.etag.length > 0, 'ETag from HEAD after the empty Complete answer');
    assert.ok(memory.peak <= 4 * 8 * MiB, `peak ${memory.peak} exceeds parts in flight x part size`);
    assert.ok(memory.peak >= 8 * MiB);
    assert.equal(memory.held, 0);
    assert.equal(progress.at(-1), 8);

    const dlMemory = new ByteCounter();
    const dl = await downloadObject(client, bucket, 'big.bin', { sseCustomerKey: key, rangeSize: 8 * MiB, concurrency: 3, memory: dlMemory });
    assert.equal(dl.head.size, size);
    const got = await sha256Of(dl.body);
    assert.equal(got.size, size);
    assert.equal(got.hex, src.digest());
    assert.ok(dlMemory.peak <= 3 * 8 * MiB, `download peak ${dlMemory.peak}`);
    assert.equal(dlMemory.held, 0);

    await assert.rejects(downloadObject(client, bucket, 'big.bin', { sseCustomerKey: sseKey() }), (e) => isStorageError(e, 'KeyWrong'));
  });

  it('cancelling at about half aborts the multipart upload and keeps the old object', async () => {
    const key = sseKey();
    const old = randomBytes(100_000);
    await uploadObject(client, bucket, 'keep.bin', { kind: 'bytes', data: old }, { encryption: { type: 'sse-c', key } });
    const size = 40 * MiB;
    const src = randomSource(size);
    const ac = new AbortController();
    await assert.rejects(
      uploadObject(client, bucket, 'keep.bin', { kind: 'stream', stream: src.stream, size }, {
        encryption: { type: 'sse-c', key }, partSize: 5 * MiB, concurrency: 2, signal: ac.signal,
        onProgress: (p) => {
          if (p.bytes >= size / 2) {
            ac.abort();
          }
        },
      }),
      (e) => isStorageError(e, 'Aborted'),
    );
    assert.deepEqual(await client.listAllMultipartUploads(bucket, { prefix: 'keep.bin' }), []);
    const dl = await downloadObject(client, bucket, 'keep.bin', { sseCustomerKey: key });
    assert.equal((await sha256Of(dl.body)).hex, sha256(old));
    assert.equal(dl.head.encryption.type === 'sse-c' && dl.head.encryption.keyMd5, keyFingerprint(key));
  });

  it('RGW names a completed SSE-C multipart object with the ETag its parts make (what a lost Complete is checked against)', async () => {
    const key = sseKey();
    const { uploadId } = await client.initiateMultipartUpload(bucket, 'etag.bin', { encryption: { type: 'sse-c', key } });
    const parts = [
      await client.uploadPart(bucket, 'etag.bin', uploadId, 1, randomBytes(5 * MiB), { sseCustomerKey: key }),
      await client.uploadPart(bucket, 'etag.bin', uploadId, 2, randomBytes(1000), { sseCustomerKey: key }),
    ];
    const done = await client.completeMultipartUpload(bucket, 'etag.bin', uploadId, parts, { sseCustomerKey: key });
    assert.equal(done.etag, expectedMultipartEtag(parts));
    assert.equal(done.encryption.type === 'sse-c' && done.encryption.keyMd5, keyFingerprint(key));
  });

  it('uses one PUT below the threshold (SSE-KMS) and reads it back', async () => {
    const data = randomBytes(3 * MiB);
    const res = await uploadObject(client, bucket, 'small.bin', { kind: 'bytes', data }, { encryption: { type: 'kms', keyId: process.env.RGW_KMS_KEY_1 } });
    assert.equal(res.multipart, false);
    assert.equal(res.encryption.type, 'kms');
    const dl = await downloadObject(client, bucket, 'small.bin');
    assert.equal((await sha256Of(dl.body)).hex, sha256(data));
  });

  it('uploads and downloads an empty object', async () => {
    const key = sseKey();
    await uploadObject(client, bucket, 'empty.bin', { kind: 'bytes', data: new Uint8Array(0) }, { encryption: { type: 'sse-c', key } });
    const dl = await downloadObject(client, bucket, 'empty.bin', { sseCustomerKey: key });
    assert.equal(dl.head.size, 0);
    assert.equal((await sha256Of(dl.body)).size, 0);
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;
    let proxied: StorageClient;

    before(async () => {
      if (!haveRgw) {
        return;
      }
      proxy = new FaultProxy({ upstream: process.env.RGW_HTTP_ENDPOINT ?? '' });
      proxied = makeClient(await proxy.start());
    });

    after(async () => {
      if (!haveRgw) {
        return;
      }
      await proxied.dispose();
      await proxy.close();
    });

    it('retries a part whose connection is reset in the middle and completes', async () => {
      const key = sseKey();
      const size = 12 * MiB;
      const src = randomSource(size);
      proxy.resetNext({ afterBytes: 1 * MiB, match: (r) => r.method === 'PUT' && r.url.includes('partNumber=2') });
      const res = await uploadObject(proxied, bucket, 'reset.bin', { kind: 'stream', stream: src.stream, size }, {
        encryption: { type: 'sse-c', key }, partSize: 5 * MiB, multipartThreshold: 5 * MiB,
      });
      assert.equal(proxy.stats.resets, 1);
      assert.equal(proxy.pending.resets, 0);
      assert.equal(res.parts, 3);
      const dl = await downloadObject(client, bucket, 'reset.bin', { sseCustomerKey: key });
      assert.equal((await sha256Of(dl.body)).hex, src.digest());
    });

    it('recovers a Complete whose answer is lost: the client repeats it (RGW answers the repeat with 200)', async () => {
      const key = sseKey();
      const size = 11 * MiB;
      const src = randomSource(size);
      const isComplete = (r: { method: string; url: string }): boolean => r.method === 'POST' && r.url.includes('uploadId=');
      const completes = (): number => proxy.stats.log.filter((l) => l.startsWith('POST ') && l.includes('uploadId=')).length;
      const resetsBefore = proxy.stats.resets;
      const completesBefore = completes();
      proxy.resetNext({ afterBytes: 0, direction: 'response', match: isComplete });
      const res = await uploadObject(proxied, bucket, 'lost-complete.bin', { kind: 'stream', stream: src.stream, size }, {
        encryption: { type: 'sse-c', key }, partSize: 5 * MiB, multipartThreshold: 5 * MiB,
      });
      assert.equal(proxy.stats.resets - resetsBefore, 1);
      assert.equal(completes() - completesBefore, 2);
      assert.equal(res.parts, 3);
      const dl = await downloadObject(client, bucket, 'lost-complete.bin', { sseCustomerKey: key });
      assert.equal(dl.head.etag, res.etag);
      assert.equal((await sha256Of(dl.body)).hex, src.digest());
      assert.deepEqual(await client.listAllMultipartUploads(bucket, { prefix: 'lost-complete.bin' }), []);
    });

    it('retries three 503 SlowDown answers in a row with backoff', async () => {
      const size = 11 * MiB;
      const src = randomSource(size);
      const before = proxy.stats.slowDowns;
      proxy.slowDownNext({ count: 3, match: (r) => r.method === 'PUT' && r.url.includes('partNumber=1') });
      const t0 = Date.now();
      const res = await uploadObject(proxied, bucket, 'slow.bin', { kind: 'stream', stream: src.stream, size }, {
        partSize: 5 * MiB, multipartThreshold: 5 * MiB, concurrency: 1,
      });
      assert.equal(proxy.stats.slowDowns - before, 3);
      assert.equal(proxy.pending.slowDowns, 0);
      // Backoff between the attempts: at least the three minimum waits (50 + 100 + 125 ms).
      assert.ok(Date.now() - t0 >= 275, `took only ${Date.now() - t0} ms`);
      assert.equal(res.parts, 3);
      const dl = await downloadObject(client, bucket, 'slow.bin');
      assert.equal((await sha256Of(dl.body)).hex, src.digest());
    });

    it('resumes a parallel ranged download whose range connection is reset', async () => {
      const key = sseKey();
      const size = 10 * MiB;
      const src = randomSource(size);
      await uploadObject(client, bucket, 'ranged.bin', { kind: 'stream', stream: src.stream, size }, { encryption: { type: 'sse-c', key } });
      const resetsBefore = proxy.stats.resets;
      proxy.resetNext({ afterBytes: 300_000, direction: 'response', match: (r) => r.method === 'GET' && r.url.includes('ranged.bin') });
      const dl = await downloadObject(proxied, bucket, 'ranged.bin', { sseCustomerKey: key, parallelThreshold: 1 * MiB, rangeSize: 2 * MiB });
      assert.equal((await sha256Of(dl.body)).hex, src.digest());
      assert.equal(proxy.stats.resets - resetsBefore, 1);
    });
  });
});
