// Deleting objects: one (DELETE) or many (DeleteObjects, batched).

import { isStorageError } from '../errors';
import { md5Base64 } from '../digest';
import { Transport } from '../transport';
import { buildDeleteXml, parseDeleteResult, XML_INVALID_CHARS } from '../xml';
import { DeleteObjectsResult, DeleteOptions, RequestOptions } from '../types';

export const DELETE_BATCH = 1000;

export async function deleteObject(t: Transport, bucket: string, key: string, opts?: DeleteOptions): Promise<void> {
  await t.send({
    operation: 'deleteObject', method: 'DELETE', bucket, key, signal: opts?.signal,
    query: opts?.versionId ? [['versionId', opts.versionId]] : [],
  });
}

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
