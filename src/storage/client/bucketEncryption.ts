// A bucket's default encryption (GetBucketEncryption).

import { isStorageError } from '../errors';
import { Transport } from '../transport';
import { parseBucketEncryption } from '../xml';
import { BucketEncryption, RequestOptions } from '../types';

/** Codes that mean "this bucket has no default encryption" rather than a failure. */
const ABSENT = new Set(['NoSuchEncryptionConfiguration', 'ServerSideEncryptionConfigurationNotFoundError']);

/** The bucket's default encryption, or `undefined` when none is configured. */
export async function getBucketEncryption(t: Transport, bucket: string, opts?: RequestOptions): Promise<BucketEncryption | undefined> {
  let text: string;
  try {
    const res = await t.send({ operation: 'getBucketEncryption', method: 'GET', bucket, query: [['encryption', '']], signal: opts?.signal });
    text = res.body.toString('utf8');
  } catch (e) {
    if (isStorageError(e) && e.serverCode !== undefined && ABSENT.has(e.serverCode)) {
      return undefined;
    }
    throw e;
  }
  const r = parseBucketEncryption(text);
  if (!r.algorithm) {
    return undefined;
  }
  const out: BucketEncryption = { algorithm: /kms/i.test(r.algorithm) ? 'kms' : 'service' };
  if (r.kmsKeyId) {
    out.kmsKeyId = r.kmsKeyId;
  }
  if (r.dataAlgorithm) {
    out.dataAlgorithm = r.dataAlgorithm;
  }
  if (r.projectId) {
    out.projectId = r.projectId;
  }
  return out;
}
