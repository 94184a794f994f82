import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { downloadObject, isStorageError, saveObject, StorageClient, uploadObject } from '../../../src/storage';
import { createBucket, haveRgw, makeClient, MiB, removeBucket, sha256, sha256Of, skipReason, sseKey } from './rgw';

describe('transfer: conditional save against RGW', { skip: skipReason }, () => {
  let client: StorageClient;
  let bucket: string;
  const key = sseKey();
  const enc = { type: 'sse-c' as const, key };

  before(async () => {
    if (!haveRgw) {
      return;
    }
    client = makeClient();
    bucket = await createBucket('xfer-save');
  });

  after(async () => {
    if (!haveRgw) {
      return;
    }
    await removeBucket(client, bucket);
    await client.dispose();
  });

  const content = async (name: string): Promise<string> =>
    (await sha256Of((await downloadObject(client, bucket, name, { sseCustomerKey: key })).body)).hex;

  it('fails with PreconditionFailed on a stale ETag and leaves the newer object untouched', async () => {
    await uploadObject(client, bucket, 'doc.txt', { kind: 'bytes', data: Buffer.from('version 1') }, { encryption: enc });
    const opened = await client.headObject(bucket, 'doc.txt', { sseCustomerKey: key });
    const newer = Buffer.from('version 2, written by someone else');
    await uploadObject(client, bucket, 'doc.txt', { kind: 'bytes', data: newer }, { encryption: enc });
    await assert.rejects(
      saveObject(client, bucket, 'doc.txt', { kind: 'bytes', data: Buffer.from('my edit') }, { expectedEtag: opened.etag, encryption: enc }),
      (e) => isStorageError(e, 'PreconditionFailed') && /changed on the server/.test(e.message),
    );
    assert.equal(await content('doc.txt'), sha256(newer));
  });

  it('succeeds with the current (quoted) ETag despite the quoting quirk, and remembers the form', async () => {
    const fresh = makeClient();
    try {
      const opened = await fresh.headObject(bucket, 'doc.txt', { sseCustomerKey: key });
      assert.match(opened.etag, /^".*"$/);
      const edit = Buffer.from('my edit, saved');
      const res = await saveObject(fresh, bucket, 'doc.txt', { kind: 'bytes', data: edit }, { expectedEtag: opened.etag, encryption: enc });
      assert.equal(fresh.profile.quirks.ifMatchUnquoted, true);
      assert.equal(await content('doc.txt'), sha256(edit));
      // Second save on the same connection goes straight out unquoted.
      const edit2 = Buffer.from('second edit');
      await saveObject(fresh, bucket, 'doc.txt', { kind: 'bytes', data: edit2 }, { expectedEtag: res.etag, encryption: enc });
      assert.equal(await content('doc.txt'), sha256(edit2));
    } finally {
      await fresh.dispose();
    }
  });

  it('guards a multipart save: stale ETag fails before upload, current ETag succeeds', async () => {
    const opened = await client.headObject(bucket, 'doc.txt', { sseCustomerKey: key });
    await uploadObject(client, bucket, 'doc.txt', { kind: 'bytes', data: Buffer.from('interloper') }, { encryption: enc });
    const data = randomBytes(11 * MiB);
    await assert.rejects(
      saveObject(client, bucket, 'doc.txt', { kind: 'bytes', data }, { expectedEtag: opened.etag, encryption: enc, multipartThreshold: 5 * MiB, partSize: 5 * MiB }),
      (e) => isStorageError(e, 'PreconditionFailed'),
    );
    assert.deepEqual(await client.listAllMultipartUploads(bucket), []);
    const current = await client.headObject(bucket, 'doc.txt', { sseCustomerKey: key });
    const res = await saveObject(client, bucket, 'doc.txt', { kind: 'bytes', data }, { expectedEtag: current.etag, encryption: enc, multipartThreshold: 5 * MiB, partSize: 5 * MiB });
    assert.equal(res.multipart, true);
    assert.equal(await content('doc.txt'), sha256(data));
  });

  it('RGW ignores If-None-Match: * on CompleteMultipartUpload (why a multipart save checks right before Complete)', async () => {
    const fresh = makeClient();
    try {
      await uploadObject(fresh, bucket, 'complete.txt', { kind: 'bytes', data: Buffer.from('exists') }, { encryption: enc });
      const { uploadId } = await fresh.initiateMultipartUpload(bucket, 'complete.txt', { encryption: enc });
      const part = await fresh.uploadPart(bucket, 'complete.txt', uploadId, 1, randomBytes(5 * MiB), { sseCustomerKey: key });
      // Create-only, yet the object exists: a conforming server answers 412; RGW completes and replaces it.
      await fresh.completeMultipartUpload(bucket, 'complete.txt', uploadId, [part], { ifNoneMatch: '*', sseCustomerKey: key });
      assert.equal((await fresh.headObject(bucket, 'complete.txt', { sseCustomerKey: key })).size, 5 * MiB);
      assert.equal(fresh.profile.quirks.conditionalCompleteIgnored, true);
    } finally {
      await fresh.dispose();
    }
  });

  it('create-only saves fail when the object exists and succeed when it does not', async () => {
    await assert.rejects(
      saveObject(client, bucket, 'doc.txt', { kind: 'bytes', data: Buffer.from('x') }, { createOnly: true, encryption: enc }),
      (e) => isStorageError(e, 'PreconditionFailed') && /already exists/.test(e.message),
    );
    await saveObject(client, bucket, 'new.txt', { kind: 'bytes', data: Buffer.from('new') }, { createOnly: true, encryption: enc });
    assert.equal(await content('new.txt'), sha256(Buffer.from('new')));
  });
});
