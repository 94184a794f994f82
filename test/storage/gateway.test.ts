// The same operations in the OBS dialect, through the OBS test gateway (test/obs-gateway) in front of the RGW:
// our client with `dialect: 'obs'`, and Huawei's SDK in OBS mode (negotiated, virtual-hosted).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { StorageClient } from '../../src/storage';
import { Gateway, startGateway } from '../obs-gateway/gateway';
import { RGW_SKIP, rgw, RgwEnv, uniqueBucket } from './support/env';
import { createBucket, destroyBucket } from './support/rgwAdmin';
import { CaseContext, operationCases, readAll, rejectsWith } from './support/operationCases';
import { ObsSdk } from './support/obsSdk';

function obsClient(gw: Gateway, env: RgwEnv, secret = env.secretKey): StorageClient {
  return new StorageClient({
    endpoint: gw.endpoint, dialect: 'obs', allowInsecureSse: true, maxAttempts: 1,
    credentials: { accessKeyId: env.accessKey, secretAccessKey: secret },
  });
}

function rawRequest(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ hostname: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('OBS dialect through the OBS gateway', { skip: RGW_SKIP }, () => {
  let gw: Gateway;
  let c: CaseContext;
  before(async () => {
    const env = rgw();
    gw = await startGateway({ upstream: env.httpEndpoint, accessKey: env.accessKey, secretKey: env.secretKey, region: env.region });
    const bucket = uniqueBucket('gw');
    await createBucket(env, bucket);
    c = { env, client: obsClient(gw, env), bucket };
  });
  after(async () => {
    if (c) {
      await destroyBucket(c.env, c.client, c.bucket);
      await c.client.dispose();
    }
    await gw?.close();
  });

  it('the gateway answers the protocol probe and rejects S3 signatures and bad OBS signatures', async () => {
    const probe = await rawRequest(gw.port, 'HEAD', '/?apiversion', { host: `${c.bucket}.localhost` });
    assert.equal(probe.status, 200);
    assert.equal(probe.headers['x-obs-api'], '3.0');
    const date = new Date().toUTCString();
    const bad = await rawRequest(gw.port, 'GET', `/${c.bucket}/x`, { date, authorization: `OBS ${c.env.accessKey}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=` });
    assert.equal(bad.status, 403);
    assert.match(bad.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    const s3 = await rawRequest(gw.port, 'GET', `/${c.bucket}/x`, { date, authorization: `AWS ${c.env.accessKey}:AAAA` });
    assert.equal(s3.status, 403);
    const wrong = obsClient(gw, c.env, 'not-the-secret');
    try {
      const err = await rejectsWith(wrong.headObject(c.bucket, 'x'), 'BadCredentials', 403);
      assert.match(err.message, /headObject/);
    } finally {
      await wrong.dispose();
    }
  });

  it('our OBS requests go out as OBS (POST append, x-obs-* headers) and come back translated', async () => {
    const before = gw.log.length;
    const r1 = await c.client.appendObject(c.bucket, 'obs/append', 0, Buffer.from('abc'));
    const r2 = await c.client.appendObject(c.bucket, 'obs/append', r1.nextPosition, Buffer.from('def'));
    assert.equal(r2.nextPosition, 6);
    const appends = gw.log.slice(before).filter((e) => e.url.includes('append'));
    assert.equal(appends.length, 2);
    assert.ok(appends.every((e) => e.method === 'POST' && e.upstreamMethod === 'PUT' && e.status === 200));
    assert.equal((await readAll(c.client, c.bucket, 'obs/append')).toString(), 'abcdef');
    const head = await c.client.headObject(c.bucket, 'obs/append');
    assert.equal(head.nextAppendPosition, 6);
  });

  operationCases(() => c);
});

describe('esdk-obs-nodejs in OBS mode through the gateway, interop with our OBS client', { skip: RGW_SKIP }, () => {
  let env: RgwEnv;
  let gw: Gateway;
  let client: StorageClient;
  let sdk: ObsSdk;
  let bucket: string;
  const key = randomBytes(32);

  before(async () => {
    env = rgw();
    gw = await startGateway({ upstream: env.httpEndpoint, accessKey: env.accessKey, secretKey: env.secretKey, region: env.region });
    bucket = uniqueBucket('gwsdk');
    await createBucket(env, bucket);
    client = obsClient(gw, env);
    // `localhost`: the SDK negotiates OBS and uses Host: <bucket>.localhost (its agent resolves that to loopback).
    sdk = await ObsSdk.create({ server: gw.endpoint, accessKey: env.accessKey, secretKey: env.secretKey });
  });
  after(async () => {
    sdk?.close();
    if (client) {
      await destroyBucket(env, client, bucket);
      await client.dispose();
    }
    await gw?.close();
  });

  it('the SDK writes with SSE-C in OBS mode (virtual-hosted), we read it; we write, the SDK reads', async () => {
    const before = gw.log.length;
    const text = 'sdk over obs ' + randomBytes(6).toString('hex');
    await sdk.ok('putObject', { Bucket: bucket, Key: 'sdk/ssec', Body: text, SseC: 'AES256', SseCKey: key });
    const sdkPut = gw.log.slice(before).find((e) => e.method === 'PUT');
    assert.ok(sdkPut?.host.startsWith(`${bucket}.localhost`), 'the SDK did not use virtual-hosted addressing');
    assert.equal((await readAll(client, bucket, 'sdk/ssec', key)).toString('utf8'), text);

    const ours = 'ours over obs ' + randomBytes(6).toString('hex');
    await client.putObject(bucket, 'sdk/by-us', Buffer.from(ours), { encryption: { type: 'sse-c', key } });
    const got = await sdk.ok('getObject', { Bucket: bucket, Key: 'sdk/by-us', SseC: 'AES256', SseCKey: key });
    assert.equal(got.Content, ours);
    const meta = await sdk.ok('getObjectMetadata', { Bucket: bucket, Key: 'sdk/by-us', SseC: 'AES256', SseCKey: key });
    assert.equal(meta.SseC, 'AES256');
  });

  it('the SDK writes with SSE-KMS (kms), we see KMS and the key id; the SDK reads ours', async () => {
    await sdk.ok('putObject', { Bucket: bucket, Key: 'sdk/kms', Body: 'sdk kms', SseKms: 'kms', SseKmsKey: env.kmsKey1 });
    const head = await client.headObject(bucket, 'sdk/kms');
    assert.deepEqual(head.encryption, { type: 'kms', keyId: env.kmsKey1 });
    await client.putObject(bucket, 'sdk/kms-ours', Buffer.from('ours kms'), { encryption: { type: 'kms', keyId: env.kmsKey2 } });
    const meta = await sdk.ok('getObjectMetadata', { Bucket: bucket, Key: 'sdk/kms-ours' });
    assert.equal(meta.SseKms, 'kms');
    assert.equal(meta.SseKmsKey, env.kmsKey2);
  });

  it('the SDK appends twice (POST ?append) and we read the concatenation', async () => {
    const r1 = await sdk.ok('appendObject', { Bucket: bucket, Key: 'sdk/log', Position: 0, Body: 'one|' });
    await sdk.ok('appendObject', { Bucket: bucket, Key: 'sdk/log', Position: Number(r1.NextPosition), Body: 'two' });
    assert.equal((await readAll(client, bucket, 'sdk/log')).toString(), 'one|two');
  });
});
