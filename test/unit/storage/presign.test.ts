// Presigned URLs against public vectors: AWS's SigV4 query-auth example (S3 API reference, "Authenticating
// Requests: Using Query Parameters") and the official OBS SDK (npm esdk-obs-nodejs) as the oracle for OBS query auth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../../src/storage/dialect';
import { StorageError } from '../../../src/storage/errors';
import { objectAddress, presignGet, presignObs, presignV4 } from '../../../src/storage/signing/presign';

const AWS_EXAMPLE = {
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  date: new Date('2013-05-24T00:00:00Z'),
};

void test('SigV4 presign: the AWS example (GET examplebucket/test.txt, 86400 s) stage by stage', () => {
  const r = presignV4({ method: 'GET', origin: 'https://examplebucket.s3.amazonaws.com', path: '/test.txt' }, {
    ...AWS_EXAMPLE, region: 'us-east-1', expiresInSeconds: 86400,
  });
  assert.equal(r.canonicalRequest, [
    'GET',
    '/test.txt',
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host',
    'host:examplebucket.s3.amazonaws.com',
    '',
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n'));
  assert.equal(r.stringToSign, [
    'AWS4-HMAC-SHA256',
    '20130524T000000Z',
    '20130524/us-east-1/s3/aws4_request',
    '3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04',
  ].join('\n'));
  assert.equal(r.signature, 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  assert.ok(r.url.endsWith('&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'));
});

void test('presignGet in the S3 dialect with virtual addressing gives the AWS example URL', () => {
  const r = presignGet({
    endpoint: 'https://s3.amazonaws.com', addressing: 'virtual', dialect: DIALECTS.s3, ...AWS_EXAMPLE,
    bucket: 'examplebucket', key: 'test.txt', expiresInSeconds: 86400, now: AWS_EXAMPLE.date,
  });
  assert.equal(r.url, 'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256'
    + '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z'
    + '&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  assert.deepEqual(r.requiredHeaders, []);
  assert.equal(r.expiresAt.toISOString(), '2013-05-25T00:00:00.000Z');
});

void test('an SSE-C link signs the three headers and carries their names, never the key', () => {
  const key = Buffer.alloc(32, 7);
  const r = presignGet({
    endpoint: 'http://127.0.0.1:8000', dialect: DIALECTS.s3, ...AWS_EXAMPLE,
    bucket: 'b', key: 'dir/a b.txt', expiresInSeconds: 60, now: AWS_EXAMPLE.date, sseCustomerKey: key,
  });
  assert.ok(r.url.startsWith('http://127.0.0.1:8000/b/dir/a%20b.txt?'), r.url);
  assert.match(r.url, /X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption-customer-algorithm%3Bx-amz-server-side-encryption-customer-key%3Bx-amz-server-side-encryption-customer-key-md5&/);
  assert.deepEqual(r.requiredHeaders, [
    'x-amz-server-side-encryption-customer-algorithm', 'x-amz-server-side-encryption-customer-key', 'x-amz-server-side-encryption-customer-key-MD5',
  ]);
  for (const form of [key.toString('base64'), encodeURIComponent(key.toString('base64')), key.toString('hex')]) {
    assert.ok(!r.url.includes(form), 'the key is not in the URL');
  }
});

void test('addressing follows the transport: IPs and localhost path-style, OBS host names virtual', () => {
  assert.deepEqual(objectAddress('http://localhost:7480', 'auto', DIALECTS.s3, 'b', 'k'), { origin: 'http://localhost:7480', path: '/b/k' });
  assert.deepEqual(objectAddress('https://obs.cn-north-4.myhuaweicloud.com', 'auto', DIALECTS.obs, 'b', 'k'), { origin: 'https://b.obs.cn-north-4.myhuaweicloud.com', path: '/k' });
  assert.deepEqual(objectAddress('https://s3.example.com', 'auto', DIALECTS.s3, 'b', 'k'), { origin: 'https://s3.example.com', path: '/b/k' });
  assert.deepEqual(objectAddress('https://s3.example.com', 'virtual', DIALECTS.s3, 'b.c', 'k'), { origin: 'https://b.c.s3.example.com', path: '/k' });
});

void test('a lifetime outside 1 s .. 7 days, or a folder key, is refused before anything is signed', () => {
  for (const [expiresInSeconds, key] of [[0, 'k'], [604_801, 'k'], [1.5, 'k'], [60, ''], [60, 'dir/']] as const) {
    assert.throws(() => presignGet({
      endpoint: 'http://127.0.0.1:8000', dialect: DIALECTS.s3, ...AWS_EXAMPLE, bucket: 'b', key, expiresInSeconds, now: new Date(),
    }), (e: unknown) => e instanceof StorageError && e.code === 'InvalidArgument');
  }
});

type Sdk = new (cfg: Record<string, unknown>) => { createSignedUrlSync(p: Record<string, unknown>): { SignedUrl: string } };
let ObsClient: Sdk | undefined;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ObsClient = require('esdk-obs-nodejs') as Sdk;
} catch {
  ObsClient = undefined;
}

const OBS_CASES: Array<{ name: string; key: string; token?: string; headers?: Record<string, string> }> = [
  { name: 'a key with a space and a plus', key: 'dir/a b+c.txt' },
  { name: 'SSE-C headers in the string to sign', key: 'k', headers: {
    'x-obs-server-side-encryption-customer-algorithm': 'AES256',
    'x-obs-server-side-encryption-customer-key': 'a2V5',
    'x-obs-server-side-encryption-customer-key-MD5': 'bWQ1',
  } },
  { name: 'a security token', key: 'k', token: 'TOK' },
];

for (const c of OBS_CASES) {
  void test(`OBS query auth equals the official SDK's signed URL: ${c.name}`, async () => {
    assert.ok(ObsClient, 'esdk-obs-nodejs (a devDependency) is installed');
    const sdk = new ObsClient({ access_key_id: 'AK', secret_access_key: 'SK', security_token: c.token, server: 'https://obs.cn-north-4.myhuaweicloud.com' });
    await new Promise((r) => setTimeout(r, 20)); // the SDK initialises asynchronously
    const theirs = new URL(sdk.createSignedUrlSync({ Method: 'GET', Bucket: 'bucket', Key: c.key, Expires: 3600, Headers: c.headers }).SignedUrl);
    const expires = Number(theirs.searchParams.get('Expires'));
    const ours = new URL(presignObs(
      { method: 'GET', origin: 'https://bucket.obs.cn-north-4.myhuaweicloud.com', path: `/${c.key.replace(/ /g, '%20').replace(/\+/g, '%2B')}`, bucket: 'bucket', key: c.key, headers: c.headers },
      { credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: c.token }, expires },
    ).url);
    assert.equal(ours.searchParams.get('Signature'), theirs.searchParams.get('Signature'));
    assert.equal(ours.pathname, theirs.pathname);
    assert.equal(ours.searchParams.get('AccessKeyId'), 'AK');
    assert.equal(ours.searchParams.get('x-obs-security-token'), c.token ?? null);
  });
}

void test('presignGet in the OBS dialect: absolute Expires and the OBS parameters', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const r = presignGet({
    endpoint: 'https://obs.cn-north-4.myhuaweicloud.com', dialect: DIALECTS.obs, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
    bucket: 'bucket', key: 'k', expiresInSeconds: 300, now,
  });
  const u = new URL(r.url);
  assert.equal(u.host, 'bucket.obs.cn-north-4.myhuaweicloud.com');
  assert.equal(u.searchParams.get('Expires'), String(now.getTime() / 1000 + 300));
  assert.deepEqual([...u.searchParams.keys()], ['AccessKeyId', 'Expires', 'Signature']);
});
