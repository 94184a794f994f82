// Bucket setup and teardown for integration tests. The storage client has no create/delete bucket operation, so
// these are plain SigV4 requests (signed with the product's signer) straight to the RGW.

import { request } from 'node:http';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex, signV4 } from '../../../src/storage/signing/sigv4';
import { StorageClient } from '../../../src/storage';
import { RgwEnv } from './env';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function rawS3(env: RgwEnv, method: string, path: string, query: Array<[string, string]> = [], body?: Buffer): Promise<RawResponse> {
  const url = new URL(env.httpEndpoint);
  const payload = body ?? Buffer.alloc(0);
  const signed = signV4(
    { method, path, query, headers: { host: url.host } },
    { accessKeyId: env.accessKey, secretAccessKey: env.secretKey, region: env.region, date: new Date(), payloadHash: sha256Hex(payload) },
  );
  const qs = query.map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  return new Promise((resolve, reject) => {
    const req = request({
      hostname: url.hostname, port: url.port, method, path: qs ? `${path}?${qs}` : path,
      headers: { ...signed.headers, host: url.host, 'content-length': String(payload.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function createBucket(env: RgwEnv, bucket: string): Promise<void> {
  const res = await rawS3(env, 'PUT', `/${bucket}`);
  if (res.status !== 200) {
    throw new Error(`create bucket ${bucket}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
  }
}

/** Aborts uploads, deletes every object, deletes the bucket. Best effort: teardown never fails a test. */
export async function destroyBucket(env: RgwEnv, client: StorageClient, bucket: string): Promise<void> {
  try {
    for (;;) {
      const ups = await client.listMultipartUploads(bucket);
      await Promise.all(ups.uploads.map((u) => client.abortMultipartUpload(bucket, u.key, u.uploadId).catch(() => undefined)));
      if (!ups.isTruncated || ups.uploads.length === 0) {
        break;
      }
    }
    let continuation: string | undefined;
    do {
      const page = await client.listObjects(bucket, { continuation });
      for (const o of page.objects) {
        await client.deleteObject(bucket, o.key).catch(() => undefined);
      }
      continuation = page.isTruncated ? page.nextContinuation : undefined;
    } while (continuation);
    await rawS3(env, 'DELETE', `/${bucket}`);
  } catch {
    // ignore: the RGW instance is wiped when it stops
  }
}

/** Runs /usr/bin/aws s3api against the RGW. Resolves with exit code, stdout and stderr (never rejects). */
export function aws(env: RgwEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/aws', ['--endpoint-url', env.httpEndpoint, '--region', env.region, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(),
        AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '',
      },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Writes bytes to a private temp file (for `fileb://` arguments). */
export function tempFile(data: Buffer, dir = tmpdir()): string {
  const f = join(dir, `eb-${randomBytes(6).toString('hex')}`);
  writeFileSync(f, data, { mode: 0o600 });
  return f;
}
