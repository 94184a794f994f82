// The local RGW this suite talks to (scripts/test.sh sources .state/rgw-<name>/env.sh before running us).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface RgwEnv {
  httpEndpoint: string;
  httpsEndpoint: string;
  caFile: string;
  accessKey: string;
  secretKey: string;
  otherAccessKey: string;
  otherSecretKey: string;
  region: string;
  kmsKey1: string;
  kmsKey2: string;
}

const env = process.env;

/** The RGW from the environment, or undefined (callers skip with `RGW_SKIP`). */
export const RGW: RgwEnv | undefined = env.RGW_HTTP_ENDPOINT && env.RGW_ACCESS_KEY && env.RGW_SECRET_KEY
  ? {
    httpEndpoint: env.RGW_HTTP_ENDPOINT,
    httpsEndpoint: env.RGW_HTTPS_ENDPOINT ?? '',
    caFile: env.RGW_CA_FILE ?? '',
    accessKey: env.RGW_ACCESS_KEY,
    secretKey: env.RGW_SECRET_KEY,
    otherAccessKey: env.RGW_OTHER_ACCESS_KEY ?? '',
    otherSecretKey: env.RGW_OTHER_SECRET_KEY ?? '',
    region: env.RGW_REGION ?? 'us-east-1',
    kmsKey1: env.RGW_KMS_KEY_1 ?? 'testkey-1',
    kmsKey2: env.RGW_KMS_KEY_2 ?? 'testkey-2',
  }
  : undefined;

/** Pass as `{ skip: RGW_SKIP }` to describe(): false when the RGW is configured, else the reason. */
export const RGW_SKIP: string | false = RGW ? false
  : 'no RGW: RGW_HTTP_ENDPOINT / RGW_ACCESS_KEY / RGW_SECRET_KEY not set (run via npm test, or source .state/rgw-<name>/env.sh)';

export function rgw(): RgwEnv {
  if (!RGW) {
    throw new Error(String(RGW_SKIP));
  }
  return RGW;
}

export function caPem(): string | undefined {
  const f = RGW?.caFile;
  return f ? readFileSync(f, 'utf8') : undefined;
}

/** A bucket name unique to this run and file: lowercase, DNS-safe, short. */
export function uniqueBucket(tag: string): string {
  return `eb-${tag}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

export function sseKey(): Buffer {
  return randomBytes(32);
}

export async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) {
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks);
}
