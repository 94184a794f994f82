// Shared set-up for the transfer integration tests: a client for the RGW named by the env (RGW_HTTP_ENDPOINT etc.,
// from `.state/rgw-<name>/env.sh`), a scratch bucket, data generators that never hold a whole object.

import { createHash, randomBytes } from 'node:crypto';
import { ConnectionConfig, StorageClient } from '../../../src/storage';
import { rgw } from '../support/env';
import { createBucket as createRgwBucket, destroyBucket } from '../support/rgwAdmin';

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

/** A fresh bucket `<prefix>-<random>` (the client has no bucket creation: a signed request from the test support). */
export async function createBucket(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await createRgwBucket(rgw(), name);
  return name;
}

/** Aborts every upload, deletes every object, then the bucket (best effort). */
export async function removeBucket(client: StorageClient, bucket: string): Promise<void> {
  await destroyBucket(rgw(), client, bucket);
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
