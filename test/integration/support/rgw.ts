// What the test RGW (test/server/start.sh) exported into the environment, and awscli as an independent client.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function need(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run the integration tests through npm test (it starts the RGW)`);
  }
  return v;
}

export const rgw = {
  get http() { return need('RGW_HTTP_ENDPOINT'); },
  get https() { return need('RGW_HTTPS_ENDPOINT'); },
  get caFile() { return need('RGW_CA_FILE'); },
  get accessKey() { return need('RGW_ACCESS_KEY'); },
  get secretKey() { return need('RGW_SECRET_KEY'); },
  get region() { return process.env.RGW_REGION || 'us-east-1'; },
  get kms1() { return process.env.RGW_KMS_KEY_1 || 'testkey-1'; },
  get kms2() { return process.env.RGW_KMS_KEY_2 || 'testkey-2'; },
  /** A second RGW user (another account's credentials). */
  get otherAccessKey() { return need('RGW_OTHER_ACCESS_KEY'); },
  get otherSecretKey() { return need('RGW_OTHER_SECRET_KEY'); },
};

export interface AwsResult {
  code: number;
  stdout: string;
  stderr: string;
}

const AWS = '/usr/bin/aws';

/** Runs Debian's awscli against the test RGW. Never throws on a non-zero exit: callers assert on `code`. */
export function aws(args: string[], endpoint = rgw.http, user: 'main' | 'other' = 'main'): Promise<AwsResult> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: user === 'other' ? rgw.otherAccessKey : rgw.accessKey,
    AWS_SECRET_ACCESS_KEY: user === 'other' ? rgw.otherSecretKey : rgw.secretKey,
    AWS_DEFAULT_REGION: rgw.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  return new Promise((resolve) => {
    execFile(AWS, ['--endpoint-url', endpoint, '--no-cli-pager', ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function awsOk(args: string[], endpoint?: string, user: 'main' | 'other' = 'main'): Promise<string> {
  const r = await aws(args, endpoint, user);
  if (r.code !== 0) {
    throw new Error(`aws ${args.slice(0, 2).join(' ')} failed (exit ${r.code}): ${r.stderr.slice(0, 400)}`);
  }
  return r.stdout;
}

const scratch = mkdtempSync(join(tmpdir(), 'obs-it-'));
let n = 0;

/** Writes bytes to a scratch file and returns its path (awscli reads bodies and keys from files). */
export function scratchFile(data: Uint8Array | string): string {
  const p = join(scratch, `f${++n}`);
  writeFileSync(p, data);
  return p;
}

export function newKey(): { raw: Buffer; file: string; base64: string } {
  const raw = randomBytes(32);
  return { raw, file: scratchFile(raw), base64: raw.toString('base64') };
}

export function scratchPath(name: string): string {
  return join(scratch, name);
}

export function uniqueBucket(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
