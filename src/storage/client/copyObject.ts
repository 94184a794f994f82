// Server-side copy: CopyObject and the copy-source header pieces shared with UploadPartCopy.

import { sendConditional } from './conditionalRequest';
import { encodeKey } from '../encode';
import { errorFromResponse, StorageError } from '../errors';
import { Dialect } from '../dialect';
import { header, Transport, TransportResponse } from '../transport';
import { encryptionHeaders, parseEncryption, sseCustomerHeaders } from '../sse';
import { parseCopyResult, parseErrorXml } from '../xml';
import { CopyOptions, CopyResult, CopySource } from '../types';
import { verifyEncryption } from '../verifyEncryption';
import { headObject } from './readObject';

/** `x-…-copy-source: /bucket/encoded-key[?versionId=…]` plus the copy-source SSE-C triplet when the source has a key. */
export function copySourceHeaders(source: CopySource, dialect: Dialect): Record<string, string> {
  let value = `/${source.bucket}/${encodeKey(source.key)}`;
  if (source.versionId) {
    value += `?versionId=${encodeURIComponent(source.versionId)}`;
  }
  return {
    [dialect.copySourceHeader]: value,
    ...(source.sseCustomerKey ? sseCustomerHeaders(source.sseCustomerKey, dialect, true) : {}),
  };
}

/**
 * A copy may answer 200 and still have failed: success only when the body carries an ETag. Returns the ETag or
 * throws the error the body describes (its own code: NotImplemented stays NotImplemented; a code we do not know is
 * ServerError). A 200 with neither is ServerError too: the server failed after answering, and a copy may be repeated.
 */
export function requireCopyEtag(res: TransportResponse, operation: string, bucket: string, key: string): { etag: string; lastModified?: Date } {
  const text = res.body.toString('utf8');
  const parsed = parseCopyResult(text);
  if (parsed.etag) {
    return { etag: parsed.etag, lastModified: parsed.lastModified };
  }
  if (parseErrorXml(text)) {
    throw errorFromResponse({ status: res.status, headers: res.headers, body: text }, { operation, method: 'PUT', bucket, key });
  }
  throw new StorageError({
    code: 'ServerError', operation, bucket, key, status: res.status,
    message: `${operation} (${bucket}/${key}): the server answered ${res.status} without an ETag, so the copy did not happen`,
  });
}

export async function copyObject(t: Transport, source: CopySource, bucket: string, key: string, opts?: CopyOptions): Promise<CopyResult> {
  const d = t.dialect;
  const headers: Record<string, string> = {
    ...copySourceHeaders(source, d),
    ...encryptionHeaders(opts?.encryption, d),
    [d.metadataDirectiveHeader]: opts?.metadataDirective ?? 'COPY',
  };
  if (opts?.metadataDirective === 'REPLACE') {
    if (opts.contentType) {
      headers['content-type'] = opts.contentType;
    }
    for (const [name, value] of Object.entries(opts.metadata ?? {})) {
      headers[d.metadataPrefix + name.toLowerCase()] = value;
    }
  }
  // copy-source-if-match follows the one If-Match policy (RGW compares it unquoted too): the condition is on the
  // source, so a 412 is checked against the source's current ETag.
  const res = await sendConditional(t, { operation: 'copyObject', bucket: source.bucket, key: source.key, signal: opts?.signal },
    { ifMatch: opts?.sourceIfMatch || undefined },
    (condition) => t.send({
      operation: 'copyObject', method: 'PUT', bucket, key, signal: opts?.signal,
      headers: condition['if-match'] === undefined ? headers : { ...headers, [`${d.prefix}copy-source-if-match`]: condition['if-match'] },
    }));
  const { etag, lastModified } = requireCopyEtag(res, 'copyObject', bucket, key);
  const encryption = await verifyEncryption((b, k, o) => headObject(t, b, k, o), { operation: 'copyObject', bucket, key }, opts?.encryption, parseEncryption(res.headers), opts?.signal);
  const out: CopyResult = { etag, encryption };
  if (lastModified) {
    out.lastModified = lastModified;
  }
  const version = header(res.headers, `${d.prefix}version-id`);
  if (version) {
    out.versionId = version;
  }
  return out;
}
