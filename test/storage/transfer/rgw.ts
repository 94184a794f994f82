// Shared set-up for the transfer integration tests: a client for the RGW named by the env (RGW_HTTP_ENDPOINT etc.,
// from `.state/rgw-<name>/env.sh`), a scratch bucket, data generators that never hold a whole object.

import { createHash, randomBytes } from 'node:crypto';
import { StorageClient } from '../../../src/storage/client';
import { ConnectionConfig } from '../../../src/storage/types';
import { transportOf } from '../../../src/storage/transfer/wire';
import { listMultipartUploads } from '../../../src/storage/transfer';

export const MiB = 1024 * 1024;

export const haveRgw = Boolean(process.env.RGW_HTTP_ENDPOINT && process.env.RGW_ACCESS_KEY && process.env.RGW_SECRET_KEY);
export const skipReason = haveRgw ? false : 'no RGW env (source .state/rgw-<name>/env.sh)';

export function config(endpoint = process.env.RGW_HTTP_ENDPOINT ?? '', extra: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    endpoint,
    region: process.env.RGW_REGION ?? 'us-east-1',
    credentials: { accessKeyId: process.env.RGW_ACCESS_KEY ?? '', secretAccessKey: process.env.RGW_SECRET_KEY ?? '' },
    // The local RGW allows SSE over plain http; the fault proxy only speaks http.
    allowInsecureSse: true,
    ...extra,
  };
}

export function makeClient(endpoint?: string, extra?: Partial<ConnectionConfig>): StorageClient {
  return new StorageClient(config(endpoint, extra));
}

export async function createBucket(client: StorageClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await transportOf(client).send({ operation: 'createBucket', method: 'PUT', bucket: name });
  return name;
}

/** Deletes every object and upload, then the bucket (best effort). */
export async function removeBucket(client: StorageClient, bucket: string): Promise<void> {
  try {
    const t = transportOf(client);
    for (const u of await listMultipartUploads(t, bucket)) {
      await t.send({ operation: 'abort', method: 'DELETE', bucket, key: u.key, query: [['uploadId', u.uploadId]], acceptStatus: [404] });
    }
    let continuation: string | undefined;
    do {
      const page = await client.listObjects(bucket, { continuation, maxKeys: 1000 });
      for (const o of page.objects) {
        await client.deleteObject(bucket, o.key);
      }
      continuation = page.isTruncated ? page.nextContinuation : undefined;
    } while (continuation);
    await t.send({ operation: 'deleteBucket', method: 'DELETE', bucket, acceptStatus: [404, 409] });
  } catch {
    // leave it to the server's data dir being wiped
  }
}

export function sseKey(): Uint8Array {
  return randomBytes(32);
}

/** A random stream of `size` bytes in `chunk`-sized pieces; `digest()` is its SHA-256 once fully read. */
export function randomSource(size: number, chunk = 256 * 1024): { stream: AsyncIterable<Uint8Array>; digest(): string } {
  const hash = createHash('sha256');
  let result: string | undefined;
  async function* gen(): AsyncGenerator<Uint8Array> {
    let left = size;
    while (left > 0) {
      const n = Math.min(chunk, left);
      const b = randomBytes(n);
      hash.update(b);
      left -= n;
      yield b;
    }
    result = hash.digest('hex');
  }
  return {
    stream: gen(),
    digest: () => {
      if (result === undefined) {
        throw new Error('source not fully read');
      }
      return result;
    },
  };
}

export async function sha256Of(body: AsyncIterable<Uint8Array>): Promise<{ hex: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of body) {
    h.update(c);
    size += c.byteLength;
  }
  return { hex: h.digest('hex'), size };
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
