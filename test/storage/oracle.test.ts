// Oracle: for the same inputs, our OBS-dialect requests must sign and carry SSE exactly like Huawei's official SDK.
// Both clients talk to a local capturing server; no object store is needed.
//
// Per operation it checks:
//   1. an independent implementation of the OBS string-to-sign (test/obs-gateway/obsAuth.ts) reproduces the SDK's
//      Authorization and ours exactly (both are valid signatures);
//   2. the SSE headers (names and values) and every other signed part are identical;
//   3. the strings to sign are identical;
//   4. the Authorization headers as sent are byte-identical: both clients carry the date in `Date`.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageClient } from '../../src/storage';
import {
  ArrivedRequest, canonicalHeaderLines, canonicalResource, parseAuthorization, resourceParts, signString, stringToSign,
} from '../obs-gateway/obsAuth';
import { Captured, CaptureServer, startCaptureServer } from './support/captureServer';
import { ObsSdk } from './support/obsSdk';
import { collect } from './support/env';

const AK = 'ORACLEACCESSKEY';
const SK = 'oracle/secret+key=42';
const BUCKET = 'oracle-bkt';
const KEY = 'dir/a b+c ü(1)';
const DST = 'copy target ~x';
const K1 = Buffer.alloc(32, 0x11);
const K2 = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1));
const BODY = Buffer.from('hello oracle');

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

function arrived(c: Captured): ArrivedRequest {
  const host = c.host.replace(/:\d+$/, '');
  const hostBucket = host.endsWith('.localhost') ? host.slice(0, -'.localhost'.length) : undefined;
  return { method: c.method, url: c.url, headers: c.headers, hostBucket };
}

function one(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(',') : h;
}

/** SSE headers of a request: name -> value (lower-case names). */
function sseHeaders(c: Captured): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers)) {
    if (/server-side-(data-)?encryption|sse-kms/.test(k)) {
      out[k] = one(v) ?? '';
    }
  }
  return out;
}

/** Our request as it would look had the date travelled in `Date` (as the SDK sends it). */
function withDateHeader(c: Captured): ArrivedRequest {
  const a = arrived(c);
  const headers = { ...a.headers };
  const obsDate = one(headers['x-obs-date']);
  if (obsDate !== undefined) {
    delete headers['x-obs-date'];
    headers.date = obsDate;
  }
  return { ...a, headers };
}

describe('oracle: OBS dialect vs esdk-obs-nodejs 3.26.8', () => {
  let cap: CaptureServer;
  let sdk: ObsSdk;
  let dir: string;
  const clients: StorageClient[] = [];

  before(async () => {
    cap = await startCaptureServer();
    // `localhost` is not an IPv4 literal, so the SDK negotiates (HEAD /?apiversion -> x-obs-api: 3.0) and then
    // speaks OBS with virtual-hosted addressing (Host: <bucket>.localhost).
    sdk = await ObsSdk.create({ server: `http://localhost:${cap.port}`, accessKey: AK, secretKey: SK });
    dir = mkdtempSync(join(tmpdir(), 'eb-oracle-'));
  });

  after(async () => {
    sdk.close();
    await Promise.all(clients.map((c) => c.dispose()));
    await cap.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function ours(date?: Date): StorageClient {
    const c = new StorageClient({
      endpoint: `http://localhost:${cap.port}`, dialect: 'obs', allowInsecureSse: true, maxAttempts: 1,
      credentials: { accessKeyId: AK, secretAccessKey: SK },
      ...(date ? { now: () => date } : {}),
    });
    clients.push(c);
    return c;
  }

  /** A file holding BODY: the SDK forces `Content-Type: application/json` on `Body`, but not on `SourceFile`. */
  function bodyFile(): string {
    const f = join(dir, 'body');
    writeFileSync(f, BODY);
    return f;
  }

  /** Runs the SDK call, then ours with the SDK's date, and compares the first request each one sent. */
  async function compare(
    sdkCall: () => Promise<unknown>, ourCall: (c: StorageClient) => Promise<unknown>,
  ): Promise<{ theirs: Captured; mine: Captured }> {
    cap.take();
    await sdkCall();
    const theirs = cap.take()[0];
    assert.ok(theirs, 'the SDK sent no request');
    const date = one(theirs.headers.date);
    assert.ok(date, 'the SDK sent no Date header');
    assert.equal(parseAuthorization(one(theirs.headers.authorization))?.scheme, 'OBS', 'the SDK did not speak OBS');
    await ourCall(ours(new Date(date)));
    const mine = cap.take()[0];
    assert.ok(mine, 'our client sent no request');

    // 1. Both signatures verify under the independent OBS rules.
    const theirSig = parseAuthorization(one(theirs.headers.authorization))?.signature;
    const mySig = parseAuthorization(one(mine.headers.authorization));
    assert.equal(signString(SK, stringToSign(arrived(theirs))), theirSig, 'obsAuth.ts does not reproduce the SDK signature');
    assert.equal(mySig?.scheme, 'OBS');
    assert.equal(mySig?.accessKey, AK);
    assert.equal(signString(SK, stringToSign(arrived(mine))), mySig?.signature, 'our Authorization does not verify');

    // 2. Same method, SSE headers, signed headers and canonical resource.
    assert.equal(mine.method, theirs.method);
    assert.deepEqual(sseHeaders(mine), sseHeaders(theirs), 'SSE headers differ');
    const normalized = withDateHeader(mine);
    assert.equal(canonicalHeaderLines(normalized.headers), canonicalHeaderLines(arrived(theirs).headers), 'signed x-obs-* headers differ');
    assert.equal(canonicalResource(resourceParts(normalized)), canonicalResource(resourceParts(arrived(theirs))), 'canonical resource differs');

    // 3. Same string to sign, hence the same Authorization, once the date travels the same way.
    assert.equal(stringToSign(normalized), stringToSign(arrived(theirs)), 'string to sign differs');
    assert.equal(`OBS ${AK}:${signString(SK, stringToSign(normalized))}`, one(theirs.headers.authorization));
    // 4. And as sent: our transport carries the date in `Date`, like the SDK, so the headers are identical.
    assert.equal(one(mine.headers.authorization), one(theirs.headers.authorization), 'Authorization differs');
    return { theirs, mine };
  }

  it('putObject with SSE-C', async () => {
    const { mine } = await compare(
      () => sdk.ok('putObject', { Bucket: BUCKET, Key: KEY, SourceFile: bodyFile(), ContentMD5: md5(BODY), ContentType: 'text/plain', SseC: 'AES256', SseCKey: K1 }),
      (c) => c.putObject(BUCKET, KEY, BODY, { contentType: 'text/plain', encryption: { type: 'sse-c', key: K1 } }),
    );
    assert.equal(one(mine.headers['x-obs-server-side-encryption-customer-key']), K1.toString('base64'));
    assert.equal(one(mine.headers['x-obs-server-side-encryption-customer-key-md5']), md5(K1));
  });

  it('putObject with SSE-KMS and a key id', async () => {
    const { mine } = await compare(
      () => sdk.ok('putObject', { Bucket: BUCKET, Key: KEY, SourceFile: bodyFile(), ContentMD5: md5(BODY), ContentType: 'text/plain', SseKms: 'kms', SseKmsKey: 'testkey-1' }),
      (c) => c.putObject(BUCKET, KEY, BODY, { contentType: 'text/plain', encryption: { type: 'kms', keyId: 'testkey-1' } }),
    );
    assert.equal(one(mine.headers['x-obs-server-side-encryption']), 'kms');
  });

  it('putObject with SSE-KMS and no key id', async () => {
    const { mine } = await compare(
      () => sdk.ok('putObject', { Bucket: BUCKET, Key: KEY, SourceFile: bodyFile(), ContentMD5: md5(BODY), ContentType: 'text/plain', SseKms: 'kms' }),
      (c) => c.putObject(BUCKET, KEY, BODY, { contentType: 'text/plain', encryption: { type: 'kms' } }),
    );
    assert.equal(mine.headers['x-obs-server-side-encryption-kms-key-id'], undefined);
  });

  it('appendObject with SSE-C: first append (position 0) and a later one', async () => {
    const noExt = 'log/append-me';
    const first = await compare(
      () => sdk.ok('appendObject', { Bucket: BUCKET, Key: noExt, Position: 0, SourceFile: bodyFile(), ContentMD5: md5(BODY), SseC: 'AES256', SseCKey: K1 }),
      (c) => c.appendObject(BUCKET, noExt, 0, BODY, { encryption: { type: 'sse-c', key: K1 } }),
    );
    assert.equal(first.mine.method, 'POST');
    assert.match(first.mine.url, /\?append&position=0$/);
    await compare(
      () => sdk.ok('appendObject', { Bucket: BUCKET, Key: noExt, Position: BODY.length, SourceFile: bodyFile(), ContentMD5: md5(BODY), SseC: 'AES256', SseCKey: K1 }),
      (c) => c.appendObject(BUCKET, noExt, BODY.length, BODY, { encryption: { type: 'sse-c', key: K1 } }),
    );
  });

  it('getObject with SSE-C', async () => {
    await compare(
      () => sdk.ok('getObject', { Bucket: BUCKET, Key: KEY, SseC: 'AES256', SseCKey: K1 }),
      async (c) => collect((await c.getObject(BUCKET, KEY, { sseCustomerKey: K1 })).body),
    );
  });

  it('getObjectMetadata / headObject with SSE-C', async () => {
    await compare(
      () => sdk.ok('getObjectMetadata', { Bucket: BUCKET, Key: KEY, SseC: 'AES256', SseCKey: K1 }),
      (c) => c.headObject(BUCKET, KEY, { sseCustomerKey: K1 }),
    );
  });

  it('copyObject: SSE-C source key, new SSE-C target key', async () => {
    // The SDK's copyObject() wrapper percent-encodes `bucket/key` as one component (`/` -> %2F); ours sends
    // `/bucket/encoded-key` (the documented form). Run the SDK's CopyObject model with our copy-source value so
    // that the inputs are the same; the wrapper's own form is checked against ours separately below.
    const source = `/${BUCKET}/${encodeURIComponent(KEY).replace(/%2F/g, '/').replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}`;
    const { mine } = await compare(
      () => sdk.exec('CopyObject', {
        Bucket: BUCKET, Key: DST, CopySource: source, MetadataDirective: 'COPY',
        CopySourceSseC: 'AES256', CopySourceSseCKey: K1, SseC: 'AES256', SseCKey: K2,
      }),
      (c) => c.copyObject({ bucket: BUCKET, key: KEY, sseCustomerKey: K1 }, BUCKET, DST, { encryption: { type: 'sse-c', key: K2 } }),
    );
    assert.equal(one(mine.headers['x-obs-copy-source']), source);
    assert.equal(one(mine.headers['x-obs-copy-source-server-side-encryption-customer-key']), K1.toString('base64'));
    assert.equal(one(mine.headers['x-obs-server-side-encryption-customer-key']), K2.toString('base64'));
  });

  it('copyObject: SSE-C source to SSE-KMS target; the SDK wrapper names the same source', async () => {
    cap.take();
    await sdk.ok('copyObject', {
      Bucket: BUCKET, Key: DST, CopySource: `${BUCKET}/${KEY}`, MetadataDirective: 'COPY',
      CopySourceSseC: 'AES256', CopySourceSseCKey: K1, SseKms: 'kms', SseKmsKey: 'testkey-2',
    });
    const theirs = cap.take()[0];
    const c = ours();
    await c.copyObject({ bucket: BUCKET, key: KEY, sseCustomerKey: K1 }, BUCKET, DST, { encryption: { type: 'kms', keyId: 'testkey-2' } });
    const mine = cap.take()[0];
    assert.deepEqual(sseHeaders(mine), sseHeaders(theirs));
    const named = (v: string | string[] | undefined): string => decodeURIComponent(one(v) ?? '').replace(/^\//, '');
    assert.equal(named(mine.headers['x-obs-copy-source']), named(theirs.headers['x-obs-copy-source']));
  });

  it('initiateMultipartUpload with SSE-C and with SSE-KMS', async () => {
    await compare(
      () => sdk.ok('initiateMultipartUpload', { Bucket: BUCKET, Key: KEY, ContentType: 'text/plain', SseC: 'AES256', SseCKey: K1 }),
      (c) => c.initiateMultipartUpload(BUCKET, KEY, { contentType: 'text/plain', encryption: { type: 'sse-c', key: K1 } }),
    );
    await compare(
      () => sdk.ok('initiateMultipartUpload', { Bucket: BUCKET, Key: KEY, ContentType: 'text/plain', SseKms: 'kms', SseKmsKey: 'testkey-1' }),
      (c) => c.initiateMultipartUpload(BUCKET, KEY, { contentType: 'text/plain', encryption: { type: 'kms', keyId: 'testkey-1' } }),
    );
  });

  it('uploadPart with SSE-C', async () => {
    const { mine } = await compare(
      () => sdk.ok('uploadPart', { Bucket: BUCKET, Key: KEY, PartNumber: 1, UploadId: 'UPLOAD-0001', SourceFile: bodyFile(), ContentMD5: md5(BODY), SseC: 'AES256', SseCKey: K1 }),
      (c) => c.uploadPart(BUCKET, KEY, 'UPLOAD-0001', 1, BODY, { sseCustomerKey: K1 }),
    );
    assert.match(mine.url, /\?partNumber=1&uploadId=UPLOAD-0001$/);
  });

  it('uploadPartCopy (copyPart) with copy-source SSE-C and a target key', async () => {
    const source = `/${BUCKET}/${encodeURIComponent(KEY).replace(/%2F/g, '/').replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}`;
    await compare(
      () => sdk.exec('CopyPart', {
        Bucket: BUCKET, Key: DST, PartNumber: 2, UploadId: 'UPLOAD-0001', CopySource: source, CopySourceRange: 'bytes=0-4',
        SseC: 'AES256', SseCKey: K2, CopySourceSseC: 'AES256', CopySourceSseCKey: K1,
      }),
      (c) => c.uploadPartCopy(BUCKET, DST, 'UPLOAD-0001', 2, { bucket: BUCKET, key: KEY, sseCustomerKey: K1 }, { sseCustomerKey: K2, range: { start: 0, end: 4 } }),
    );
  });
});
