import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyWithFallback, downloadObject, isStorageError, StorageClient, uploadObject } from '../../../src/storage';
import { keyFingerprint } from '../../../src/storage';
import { createBucket, haveRgw, makeClient, MiB, removeBucket, sha256, sha256Of, skipReason, sseKey } from './rgw';

describe('transfer: copy with verification and streamed fallback against RGW', { skip: skipReason }, () => {
  let client: StorageClient;
  let bucket: string;
  const keyA = sseKey();
  const keyB = sseKey();
  const big = randomBytes(12 * MiB);
  const small = randomBytes(1 * MiB + 123);

  before(async () => {
    if (!haveRgw) {
      return;
    }
    client = makeClient();
    bucket = await createBucket('xfer-copy');
    await uploadObject(client, bucket, 'big-a.bin', { kind: 'bytes', data: big }, { encryption: { type: 'sse-c', key: keyA }, multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    await uploadObject(client, bucket, 'small-a.bin', { kind: 'bytes', data: small }, { encryption: { type: 'sse-c', key: keyA }, contentType: 'application/x-test', metadata: { origin: 'copy-test' } });
    await uploadObject(client, bucket, 'plain.bin', { kind: 'bytes', data: small });
  });

  after(async () => {
    if (!haveRgw) {
      return;
    }
    await removeBucket(client, bucket);
    await client.dispose();
  });

  const readWith = async (key: string, sseCustomerKey?: Uint8Array): Promise<string> =>
    (await sha256Of((await downloadObject(client, bucket, key, { sseCustomerKey })).body)).hex;

  it('runs a forced multipart copy with the same SSE-C key server-side', async () => {
    const res = await copyWithFallback(client, { bucket, key: 'big-a.bin', sseCustomerKey: keyA }, { bucket, key: 'big-copy.bin' }, {
      encryption: { type: 'sse-c', key: keyA }, multipartCopyThreshold: 5 * MiB, partSize: 5 * MiB,
    });
    assert.equal(res.path, 'server-multipart-copy');
    assert.equal(res.fallbackReason, undefined);
    assert.equal(res.encryption.type === 'sse-c' && res.encryption.keyMd5, keyFingerprint(keyA));
    assert.equal(await readWith('big-copy.bin', keyA), sha256(big));
    assert.deepEqual(await client.listAllMultipartUploads(bucket), []);
  });

  it('re-keys A -> B through the streamed path when RGW answers NotImplemented', async () => {
    const res = await copyWithFallback(client, { bucket, key: 'small-a.bin', sseCustomerKey: keyA }, { bucket, key: 'small-b.bin' }, {
      encryption: { type: 'sse-c', key: keyB },
    });
    assert.equal(res.path, 'streamed');
    assert.equal(res.fallbackReason, 'not-implemented');
    assert.match(res.fallbackDetail ?? '', /NotImplemented/);
    assert.equal(res.encryption.type === 'sse-c' && res.encryption.keyMd5, keyFingerprint(keyB));
    assert.equal(await readWith('small-b.bin', keyB), sha256(small));
    await assert.rejects(readWith('small-b.bin', keyA), (e) => isStorageError(e, 'KeyWrong'));
    const head = await client.headObject(bucket, 'small-b.bin', { sseCustomerKey: keyB });
    assert.equal(head.contentType, 'application/x-test');
    assert.equal(head.metadata.origin, 'copy-test');
    assert.equal(client.profile.quirks.encryptedCopyNotImplemented, true);

    // The connection remembers: the next encrypted copy skips the doomed server-side attempt.
    const again = await copyWithFallback(client, { bucket, key: 'small-a.bin', sseCustomerKey: keyA }, { bucket, key: 'small-b2.bin' }, {
      encryption: { type: 'sse-c', key: keyB },
    });
    assert.equal(again.fallbackReason, 'known-unsupported');
    assert.equal(await readWith('small-b2.bin', keyB), sha256(small));
  });

  it('re-keys a forced multipart copy through the streamed path when UploadPartCopy is refused', async () => {
    const res = await copyWithFallback(client, { bucket, key: 'big-a.bin', sseCustomerKey: keyA }, { bucket, key: 'big-b.bin' }, {
      encryption: { type: 'sse-c', key: keyB }, multipartCopyThreshold: 5 * MiB, partSize: 5 * MiB,
    });
    assert.equal(res.path, 'streamed');
    assert.equal(res.fallbackReason, 'part-copy-rejected');
    assert.equal(await readWith('big-b.bin', keyB), sha256(big));
    await assert.rejects(readWith('big-b.bin', keyA), (e) => isStorageError(e, 'KeyWrong'));
    assert.deepEqual(await client.listAllMultipartUploads(bucket), []);
    assert.equal(client.profile.quirks.rekeyingPartCopyRejected, true);

    // The connection remembers: the next re-keying copy of a big object does not start a doomed multipart copy.
    const again = await copyWithFallback(client, { bucket, key: 'big-a.bin', sseCustomerKey: keyA }, { bucket, key: 'big-b2.bin' }, {
      encryption: { type: 'sse-c', key: keyB }, multipartCopyThreshold: 5 * MiB, partSize: 5 * MiB,
    });
    assert.equal(again.fallbackReason, 'known-unsupported');
    assert.equal(await readWith('big-b2.bin', keyB), sha256(big));
  });

  it('detects a plain -> SSE-C server-side copy that RGW left unencrypted and redoes it streamed', async () => {
    const res = await copyWithFallback(client, { bucket, key: 'plain.bin' }, { bucket, key: 'now-encrypted.bin' }, {
      encryption: { type: 'sse-c', key: keyB },
    });
    assert.equal(res.path, 'streamed');
    assert.equal(res.fallbackReason, 'encryption-not-applied');
    const head = await client.headObject(bucket, 'now-encrypted.bin', { sseCustomerKey: keyB });
    assert.equal(head.encryption.type === 'sse-c' && head.encryption.keyMd5, keyFingerprint(keyB));
    await assert.rejects(client.headObject(bucket, 'now-encrypted.bin'), (e) => isStorageError(e, 'KeyMissing'));
    assert.equal(await readWith('now-encrypted.bin', keyB), sha256(small));
  });

  it('keeps a plain -> plain copy server-side', async () => {
    const res = await copyWithFallback(client, { bucket, key: 'plain.bin' }, { bucket, key: 'plain-copy.bin' });
    assert.equal(res.path, 'server-copy');
    assert.equal(await readWith('plain-copy.bin'), sha256(small));
  });

  it("mode 'server' refuses to fall back", async () => {
    await assert.rejects(
      copyWithFallback(client, { bucket, key: 'small-a.bin', sseCustomerKey: keyA }, { bucket, key: 'never.bin' }, {
        encryption: { type: 'sse-c', key: keyB }, mode: 'server',
      }),
      (e) => isStorageError(e, 'NotImplemented'),
    );
  });
});
