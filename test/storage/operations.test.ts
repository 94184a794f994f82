// The eight SSE-aware operations against the real RGW in the S3 dialect, and interop with awscli and with
// Huawei's SDK (which speaks AWS V2 over an IP endpoint): what one writes with a key, the other reads with it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StorageClient } from '../../src/storage';
import { RGW_SKIP, rgw, RgwEnv, uniqueBucket } from './support/env';
import { aws, createBucket, destroyBucket, tempFile } from './support/rgwAdmin';
import { CaseContext, operationCases, readAll } from './support/operationCases';
import { ObsSdk } from './support/obsSdk';

describe('storage operations on RGW (S3 dialect)', { skip: RGW_SKIP }, () => {
  let c: CaseContext;
  before(async () => {
    const env = rgw();
    const bucket = uniqueBucket('ops');
    await createBucket(env, bucket);
    const client = new StorageClient({
      endpoint: env.httpEndpoint, region: env.region, dialect: 's3', allowInsecureSse: true,
      credentials: { accessKeyId: env.accessKey, secretAccessKey: env.secretKey },
    });
    c = { env, client, bucket };
  });
  after(async () => {
    if (c) {
      await destroyBucket(c.env, c.client, c.bucket);
      await c.client.dispose();
    }
  });
  operationCases(() => c);
});

describe('interop on RGW: awscli and esdk-obs-nodejs (V2) vs our client', { skip: RGW_SKIP }, () => {
  let env: RgwEnv;
  let client: StorageClient;
  let bucket: string;
  let dir: string;
  let sdk: ObsSdk;
  const key = randomBytes(32);

  before(async () => {
    env = rgw();
    bucket = uniqueBucket('interop');
    await createBucket(env, bucket);
    client = new StorageClient({
      endpoint: env.httpEndpoint, region: env.region, dialect: 's3', allowInsecureSse: true,
      credentials: { accessKeyId: env.accessKey, secretAccessKey: env.secretKey },
    });
    dir = mkdtempSync(join(tmpdir(), 'eb-interop-'));
    // An IPv4 endpoint: the SDK uses path style and AWS V2 signing with x-amz-* headers.
    sdk = await ObsSdk.create({ server: env.httpEndpoint, accessKey: env.accessKey, secretKey: env.secretKey });
  });
  after(async () => {
    sdk?.close();
    if (client) {
      await destroyBucket(env, client, bucket);
      await client.dispose();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const sseArgs = (): string[] => ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${tempFile(key, dir)}`];

  it('awscli writes with an SSE-C key, we read it with the same key', async () => {
    const data = randomBytes(4096);
    const r = await aws(env, ['s3api', 'put-object', '--bucket', bucket, '--key', 'aws/written by aws', '--body', tempFile(data, dir), ...sseArgs()]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await readAll(client, bucket, 'aws/written by aws', key), data);
    const head = await client.headObject(bucket, 'aws/written by aws', { sseCustomerKey: key });
    assert.equal(head.encryption.type, 'sse-c');
  });

  it('we write with an SSE-C key, awscli reads it with the same key', async () => {
    const data = randomBytes(4096);
    await client.putObject(bucket, 'aws/written by us', data, { encryption: { type: 'sse-c', key } });
    const out = join(dir, 'out.bin');
    const r = await aws(env, ['s3api', 'get-object', '--bucket', bucket, '--key', 'aws/written by us', ...sseArgs(), out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(out), data);
    const wrong = await aws(env, ['s3api', 'get-object', '--bucket', bucket, '--key', 'aws/written by us', out]);
    assert.notEqual(wrong.code, 0, 'awscli read an SSE-C object without the key');
  });

  it('we write with SSE-KMS, awscli reads it and sees the key id', async () => {
    await client.putObject(bucket, 'aws/kms', Buffer.from('kms for aws'), { encryption: { type: 'kms', keyId: env.kmsKey1 } });
    const r = await aws(env, ['s3api', 'head-object', '--bucket', bucket, '--key', 'aws/kms']);
    assert.equal(r.code, 0, r.stderr);
    const head = JSON.parse(r.stdout) as { ServerSideEncryption?: string; SSEKMSKeyId?: string };
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, env.kmsKey1);
  });

  it('esdk-obs-nodejs writes with an SSE-C key, we read it; we write, it reads', async () => {
    const text = 'written by the Huawei SDK ' + randomBytes(8).toString('hex');
    await sdk.ok('putObject', { Bucket: bucket, Key: 'sdk/by-sdk', Body: text, SseC: 'AES256', SseCKey: key });
    assert.equal((await readAll(client, bucket, 'sdk/by-sdk', key)).toString('utf8'), text);

    const ours = 'written by us ' + randomBytes(8).toString('hex');
    await client.putObject(bucket, 'sdk/by-us', Buffer.from(ours), { encryption: { type: 'sse-c', key } });
    const got = await sdk.ok('getObject', { Bucket: bucket, Key: 'sdk/by-us', SseC: 'AES256', SseCKey: key });
    assert.equal(got.Content, ours);
    const meta = await sdk.ok('getObjectMetadata', { Bucket: bucket, Key: 'sdk/by-us', SseC: 'AES256', SseCKey: key });
    assert.equal(meta.SseC, 'AES256');
  });

  it('esdk-obs-nodejs writes with SSE-KMS, we read it and see the key', async () => {
    await sdk.ok('putObject', { Bucket: bucket, Key: 'sdk/kms', Body: 'sdk kms', SseKms: 'kms', SseKmsKey: env.kmsKey2 });
    const head = await client.headObject(bucket, 'sdk/kms');
    assert.deepEqual(head.encryption, { type: 'kms', keyId: env.kmsKey2 });
    assert.equal((await readAll(client, bucket, 'sdk/kms')).toString('utf8'), 'sdk kms');
  });
});
