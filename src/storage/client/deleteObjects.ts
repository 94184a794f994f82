// Bucket-level writes and configuration: DeleteObjects (batched), default encryption.

import { isStorageError } from '../errors';
import { md5Base64, Transport } from '../transport';
import { buildDeleteXml, parseBucketEncryption, parseDeleteResult, XML_INVALID_CHARS } from '../xml';
import { deleteObject } from './objects';
import { BucketEncryption, DeleteObjectsResult, RequestOptions } from '../types';

export const DELETE_BATCH = 1000;

/**
 * Deletes many objects, 1000 per request (quiet mode: the server reports failures only). Keys with characters XML
 * cannot carry (most control characters) are deleted one by one instead: RGW rejects the whole batch otherwise.
 */
export async function deleteObjects(
  t: Transport, bucket: string, objects: Array<string | { key: string; versionId?: string }>, opts?: RequestOptions,
): Promise<DeleteObjectsResult> {
  const all = objects.map((o) => (typeof o === 'string' ? { key: o } : o));
  const list = all.filter((o) => !XML_INVALID_CHARS.test(o.key));
  const result: DeleteObjectsResult = { deleted: [], errors: [] };
  for (const o of all.filter((x) => XML_INVALID_CHARS.test(x.key))) {
    try {
      await deleteObject(t, bucket, o.key, { signal: opts?.signal, versionId: o.versionId });
      result.deleted.push(o.versionId ? { key: o.key, versionId: o.versionId } : { key: o.key });
    } catch (e) {
      if (!isStorageError(e) || e.status === undefined) {
        throw e;
      }
      result.errors.push({ key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}), code: e.serverCode ?? e.code, message: e.message });
    }
  }
  for (let i = 0; i < list.length; i += DELETE_BATCH) {
    const batch = list.slice(i, i + DELETE_BATCH);
    const body = Buffer.from(buildDeleteXml(batch, true), 'utf8');
    const res = await t.send({
      operation: 'deleteObjects', method: 'POST', bucket, body, query: [['delete', '']], signal: opts?.signal,
      headers: { 'content-type': 'application/xml', 'content-md5': md5Base64(body) },
    });
    const parsed = parseDeleteResult(res.body.toString('utf8'));
    const failed = new Set(parsed.errors.map((e) => `${e.key}\u0000${e.versionId ?? ''}`));
    result.errors.push(...parsed.errors);
    // Quiet mode lists no successes: everything not reported as failed was deleted.
    for (const o of batch) {
      if (!failed.has(`${o.key}\u0000${o.versionId ?? ''}`)) {
        result.deleted.push(o.versionId ? { key: o.key, versionId: o.versionId } : { key: o.key });
      }
    }
  }
  return result;
}

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
