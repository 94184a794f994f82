// The SSE-aware operations, as test cases shared by the direct S3 run (RGW) and the OBS run (through the gateway).

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StorageClient, StorageError } from '../../../src/storage';
import { collect, RgwEnv } from './env';

export interface CaseContext {
  env: RgwEnv;
  client: StorageClient;
  bucket: string;
}

export async function readAll(client: StorageClient, bucket: string, key: string, sseCustomerKey?: Uint8Array): Promise<Buffer> {
  const got = await client.getObject(bucket, key, sseCustomerKey ? { sseCustomerKey } : {});
  return collect(got.body);
}

export async function rejectsWith(p: Promise<unknown>, code: string, status?: number): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StorageError, `expected a StorageError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (status !== undefined) {
      assert.equal(e.status, status, e.message);
    }
    return e;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** Registers the operation cases; `ctx()` is read when each case runs (after `before`). */
export function operationCases(ctx: () => CaseContext): void {
  const K1 = randomBytes(32);
  const K2 = randomBytes(32);

  it('putObject + headObject + getObject with SSE-C', async () => {
    const { client, bucket } = ctx();
    const data = randomBytes(1500);
    const put = await client.putObject(bucket, 'ssec/one.bin', data, { encryption: { type: 'sse-c', key: K1 } });
    assert.equal(put.encryption.type, 'sse-c');
    const head = await client.headObject(bucket, 'ssec/one.bin', { sseCustomerKey: K1 });
    assert.equal(head.size, data.length);
    assert.deepEqual(head.encryption, { type: 'sse-c', algorithm: 'AES256', keyMd5: put.encryption.type === 'sse-c' ? put.encryption.keyMd5 : '' });
    assert.deepEqual(await readAll(client, bucket, 'ssec/one.bin', K1), data);
  });

  it('putObject + getObject with SSE-KMS (named key); no key id is refused by RGW (no default key)', async () => {
    const { client, bucket, env } = ctx();
    const data = randomBytes(700);
    const put = await client.putObject(bucket, 'kms/one.bin', data, { encryption: { type: 'kms', keyId: env.kmsKey1 } });
    assert.equal(put.encryption.type, 'kms');
    const head = await client.headObject(bucket, 'kms/one.bin');
    assert.equal(head.encryption.type, 'kms');
    assert.equal(head.encryption.type === 'kms' ? head.encryption.keyId : undefined, env.kmsKey1);
    assert.deepEqual(await readAll(client, bucket, 'kms/one.bin'), data);
    const err = await rejectsWith(client.putObject(bucket, 'kms/nokey.bin', data, { encryption: { type: 'kms' } }), 'InvalidArgument', 400);
    assert.match(err.message, /putObject/);
  });

  // RGW 16 answers 200 to SSE-C and SSE-KMS appends but stores the data in clear (measured: readable without the
  // key, no SSE in HEAD; ../shared/reference/ceph-rgw.md says otherwise). The client must catch that (NotEncrypted).
  it('appendObject with SSE-C: RGW stores it in clear, the client reports NotEncrypted', async () => {
    const { client, bucket } = ctx();
    const a = Buffer.from('first chunk|');
    const err = await rejectsWith(client.appendObject(bucket, 'append/ssec.log', 0, a, { encryption: { type: 'sse-c', key: K1 } }), 'NotEncrypted');
    assert.match(err.message, /appendObject/);
    assert.match(err.message, /append\/ssec\.log/);
    assert.deepEqual(await readAll(client, bucket, 'append/ssec.log'), a, 'RGW now encrypts appends: make this test expect success');
  });

  it('appendObject with SSE-KMS: RGW stores it in clear, the client reports NotEncrypted', async () => {
    const { client, bucket, env } = ctx();
    await rejectsWith(client.appendObject(bucket, 'append/kms.log', 0, Buffer.from('kms-a|'), { encryption: { type: 'kms', keyId: env.kmsKey2 } }), 'NotEncrypted');
    assert.equal((await client.headObject(bucket, 'append/kms.log')).encryption.type, 'none');
  });

  it('appendObject twice (no encryption), read the concatenation; the SSE-C key still travels on every append', async () => {
    const { client, bucket } = ctx();
    const a = Buffer.from('first chunk|');
    const b = randomBytes(333);
    const r1 = await client.appendObject(bucket, 'append/plain.log', 0, a);
    assert.equal(r1.nextPosition, a.length);
    const r2 = await client.appendObject(bucket, 'append/plain.log', r1.nextPosition, b);
    assert.equal(r2.nextPosition, a.length + b.length);
    assert.deepEqual(await readAll(client, bucket, 'append/plain.log'), Buffer.concat([a, b]));
    const head = await client.headObject(bucket, 'append/plain.log');
    assert.equal(head.size, a.length + b.length);
    assert.equal(head.nextAppendPosition, a.length + b.length);
    // A later append with the key on the (clear) SSE-C object from above is accepted: RGW ignores the key.
    const r3 = await client.appendObject(bucket, 'append/ssec.log', 12, b, { encryption: { type: 'sse-c', key: K1 } });
    assert.equal(r3.nextPosition, 12 + b.length);
  });

  it('copyObject: an encrypted source answers 501 NotImplemented on RGW 16 (SSE-C re-key, SSE-C to KMS, KMS to KMS)', async () => {
    const { client, bucket, env } = ctx();
    await client.putObject(bucket, 'copy/src-ssec', Buffer.from('secret source'), { encryption: { type: 'sse-c', key: K1 } });
    await client.putObject(bucket, 'copy/src-kms', Buffer.from('kms source'), { encryption: { type: 'kms', keyId: env.kmsKey1 } });
    const e1 = await rejectsWith(
      client.copyObject({ bucket, key: 'copy/src-ssec', sseCustomerKey: K1 }, bucket, 'copy/dst-rekey', { encryption: { type: 'sse-c', key: K2 } }),
      'NotImplemented', 501);
    assert.match(e1.message, /copyObject/);
    await rejectsWith(
      client.copyObject({ bucket, key: 'copy/src-ssec', sseCustomerKey: K1 }, bucket, 'copy/dst-kms', { encryption: { type: 'kms', keyId: env.kmsKey2 } }),
      'NotImplemented', 501);
    await rejectsWith(
      client.copyObject({ bucket, key: 'copy/src-kms' }, bucket, 'copy/dst-kms2', { encryption: { type: 'kms', keyId: env.kmsKey2 } }),
      'NotImplemented', 501);
  });

  it('copyObject: plain to plain works; plain to SSE-C is caught as NotEncrypted (RGW stores it in clear)', async () => {
    const { client, bucket } = ctx();
    const data = Buffer.from('plain source');
    await client.putObject(bucket, 'copy/plain', data);
    const res = await client.copyObject({ bucket, key: 'copy/plain' }, bucket, 'copy/plain-copy');
    assert.ok(res.etag.length > 0);
    assert.deepEqual(await readAll(client, bucket, 'copy/plain-copy'), data);
    await rejectsWith(client.copyObject({ bucket, key: 'copy/plain' }, bucket, 'copy/plain-to-ssec', { encryption: { type: 'sse-c', key: K2 } }), 'NotEncrypted');
  });

  it('multipart with SSE-C: initiate, uploadPart (5 MiB), uploadPartCopy (same key), complete, read back', async () => {
    const { client, bucket } = ctx();
    const src = randomBytes(64 * 1024);
    await client.putObject(bucket, 'mp/source', src, { encryption: { type: 'sse-c', key: K1 } });
    const init = await client.initiateMultipartUpload(bucket, 'mp/ssec', { encryption: { type: 'sse-c', key: K1 } });
    assert.ok(init.uploadId);
    const part1 = randomBytes(5 * 1024 * 1024);
    const p1 = await client.uploadPart(bucket, 'mp/ssec', init.uploadId, 1, part1, { sseCustomerKey: K1 });
    const p2 = await client.uploadPartCopy(bucket, 'mp/ssec', init.uploadId, 2,
      { bucket, key: 'mp/source', sseCustomerKey: K1 }, { sseCustomerKey: K1, range: { start: 100, end: 10_099 } });
    assert.ok(p1.etag && p2.etag);
    const done = await client.completeMultipartUpload(bucket, 'mp/ssec', init.uploadId, [p2, p1], { sseCustomerKey: K1 });
    assert.ok(done.etag.length > 0);
    const back = await readAll(client, bucket, 'mp/ssec', K1);
    assert.equal(back.length, part1.length + 10_000);
    assert.ok(back.subarray(0, part1.length).equals(part1));
    assert.ok(back.subarray(part1.length).equals(src.subarray(100, 10_100)));
    const head = await client.headObject(bucket, 'mp/ssec', { sseCustomerKey: K1 });
    assert.equal(head.encryption.type, 'sse-c');
  });

  it('multipart with SSE-KMS: initiate with a key id, uploadPart, complete, head reports KMS', async () => {
    const { client, bucket, env } = ctx();
    const init = await client.initiateMultipartUpload(bucket, 'mp/kms', { encryption: { type: 'kms', keyId: env.kmsKey2 } });
    const data = randomBytes(200_000);
    const p1 = await client.uploadPart(bucket, 'mp/kms', init.uploadId, 1, data);
    await client.completeMultipartUpload(bucket, 'mp/kms', init.uploadId, [p1]);
    const head = await client.headObject(bucket, 'mp/kms');
    assert.equal(head.encryption.type, 'kms');
    assert.deepEqual(await readAll(client, bucket, 'mp/kms'), data);
  });

  it('uploadPartCopy re-keying (source K1, target K2) is refused by RGW 16', async () => {
    const { client, bucket } = ctx();
    await client.putObject(bucket, 'mp/rekey-src', randomBytes(1000), { encryption: { type: 'sse-c', key: K1 } });
    const init = await client.initiateMultipartUpload(bucket, 'mp/rekey', { encryption: { type: 'sse-c', key: K2 } });
    try {
      await assert.rejects(client.uploadPartCopy(bucket, 'mp/rekey', init.uploadId, 1,
        { bucket, key: 'mp/rekey-src', sseCustomerKey: K1 }, { sseCustomerKey: K2 }),
      (e: unknown) => e instanceof StorageError && e.status === 400);
    } finally {
      await client.abortMultipartUpload(bucket, 'mp/rekey', init.uploadId);
    }
  });
}
