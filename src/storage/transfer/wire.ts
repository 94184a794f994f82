// Thin wire operations the transfer layer needs, written over the public Transport API. They stand in until the
// storage client offers them itself (multipart, UploadPartCopy, ListMultipartUploads, a PUT with explicit
// conditional headers); each is one request, no policy.

import { StorageClient } from '../client';
import { objectWriteHeaders } from '../client/objects';
import { encodeKey, QueryParams } from '../encode';
import { StorageError } from '../errors';
import { encryptionHeaders, parseEncryption, sseCustomerHeaders } from '../sse';
import { header, md5Base64, ResponseHeaders, Transport } from '../transport';
import { CopySource, EncryptionSpec, ObjectEncryption } from '../types';
import { parseErrorXml, parseXml, text } from '../xml';

/**
 * The client's transport. StorageClient keeps it private; the transfer layer needs raw requests for operations the
 * client does not have yet (see the report's requests to the storage core).
 */
export function transportOf(client: StorageClient): Transport {
  return (client as unknown as { transport: Transport }).transport;
}

function node(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function leaf(v: unknown): string | undefined {
  const s = text(v)?.trim();
  return s === '' ? undefined : s;
}

function versionOf(h: ResponseHeaders): string | undefined {
  return header(h, 'x-amz-version-id') ?? header(h, 'x-obs-version-id');
}

export interface WriteMeta {
  encryption?: EncryptionSpec;
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface WriteAnswer {
  etag: string;
  encryption: ObjectEncryption;
  versionId?: string;
}

/** PUT of a whole object with exactly the conditional headers given (no retry policy on 412 here). */
export async function putObjectRaw(
  t: Transport, bucket: string, key: string, body: Uint8Array, meta: WriteMeta,
  conditions: Record<string, string>, signal?: AbortSignal,
): Promise<WriteAnswer> {
  const headers = { ...objectWriteHeaders(t.dialect, meta), ...conditions, 'content-md5': md5Base64(body) };
  const res = await t.send({ operation: 'putObject', method: 'PUT', bucket, key, body, headers, signal });
  return { etag: header(res.headers, 'etag') ?? '', encryption: parseEncryption(res.headers), versionId: versionOf(res.headers) };
}

export async function initiateMultipart(t: Transport, bucket: string, key: string, meta: WriteMeta, signal?: AbortSignal): Promise<{ uploadId: string }> {
  const res = await t.send({
    operation: 'createMultipartUpload', method: 'POST', bucket, key, query: [['uploads', '']],
    headers: objectWriteHeaders(t.dialect, meta), signal,
  });
  const r = node(parseXml(res.body.toString('utf8')).InitiateMultipartUploadResult);
  const uploadId = leaf(r.UploadId);
  if (!uploadId) {
    throw new StorageError({ code: 'Unknown', operation: 'createMultipartUpload', bucket, key, message: 'createMultipartUpload: the answer has no UploadId' });
  }
  return { uploadId };
}

function sseCHeaders(t: Transport, spec: EncryptionSpec | undefined): Record<string, string> {
  return spec?.type === 'sse-c' ? sseCustomerHeaders(spec.key, t.dialect) : {};
}

/** UploadPart from a buffered part (replayable: the transport may retry it), with Content-MD5 and the SSE-C key. */
export async function uploadPart(
  t: Transport, bucket: string, key: string, uploadId: string, partNumber: number, body: Uint8Array,
  encryption: EncryptionSpec | undefined, signal?: AbortSignal,
): Promise<string> {
  const res = await t.send({
    operation: 'uploadPart', method: 'PUT', bucket, key, body, signal,
    query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
    headers: { ...sseCHeaders(t, encryption), 'content-md5': md5Base64(body) },
  });
  const etag = header(res.headers, 'etag');
  if (!etag) {
    throw new StorageError({ code: 'Unknown', operation: 'uploadPart', bucket, key, message: `uploadPart ${partNumber}: the answer has no ETag` });
  }
  return etag;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function completeXml(parts: Array<{ partNumber: number; etag: string }>): string {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  return '<CompleteMultipartUpload>'
    + sorted.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('')
    + '</CompleteMultipartUpload>';
}

/** CompleteMultipartUpload. RGW answers an empty ETag; a 200 with an `<Error>` body is a failure. */
export async function completeMultipart(
  t: Transport, bucket: string, key: string, uploadId: string, parts: Array<{ partNumber: number; etag: string }>,
  conditions: Record<string, string>, signal?: AbortSignal,
): Promise<WriteAnswer> {
  const body = Buffer.from(completeXml(parts), 'utf8');
  const res = await t.send({
    operation: 'completeMultipartUpload', method: 'POST', bucket, key, body, signal,
    query: [['uploadId', uploadId]], headers: { ...conditions, 'content-type': 'application/xml' },
  });
  const xml = res.body.toString('utf8');
  const err = parseErrorXml(xml);
  if (err?.code) {
    throw new StorageError({
      code: err.code === 'PreconditionFailed' ? 'PreconditionFailed' : 'ServerError', operation: 'completeMultipartUpload',
      bucket, key, status: res.status, serverCode: err.code, requestId: err.requestId,
      message: `completeMultipartUpload failed (${bucket}/${key}): HTTP ${res.status} with error ${err.code}`,
    });
  }
  const r = node(parseXml(xml).CompleteMultipartUploadResult);
  return { etag: leaf(r.ETag) ?? header(res.headers, 'etag') ?? '', encryption: parseEncryption(res.headers), versionId: versionOf(res.headers) };
}

export async function abortMultipart(t: Transport, bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
  await t.send({
    operation: 'abortMultipartUpload', method: 'DELETE', bucket, key, query: [['uploadId', uploadId]], signal, acceptStatus: [404],
  });
}

export interface UploadListing {
  key: string;
  uploadId: string;
}

/** Every in-progress multipart upload under `prefix` (all pages). */
export async function listMultipartUploads(t: Transport, bucket: string, prefix = '', signal?: AbortSignal): Promise<UploadListing[]> {
  const out: UploadListing[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const query: QueryParams = [['uploads', '']];
    if (prefix) {
      query.push(['prefix', prefix]);
    }
    if (keyMarker !== undefined) {
      query.push(['key-marker', keyMarker]);
    }
    if (uploadIdMarker !== undefined) {
      query.push(['upload-id-marker', uploadIdMarker]);
    }
    const res = await t.send({ operation: 'listMultipartUploads', method: 'GET', bucket, query, signal });
    const r = node(parseXml(res.body.toString('utf8')).ListMultipartUploadsResult);
    const uploads = r.Upload === undefined ? [] : Array.isArray(r.Upload) ? r.Upload : [r.Upload];
    for (const u of uploads.map(node)) {
      out.push({ key: text(u.Key) ?? '', uploadId: leaf(u.UploadId) ?? '' });
    }
    if ((leaf(r.IsTruncated) ?? '').toLowerCase() !== 'true') {
      break;
    }
    keyMarker = text(r.NextKeyMarker);
    uploadIdMarker = leaf(r.NextUploadIdMarker);
  }
  return out;
}

function copySourceValue(src: CopySource): string {
  const base = `/${src.bucket}/${encodeKey(src.key)}`;
  return src.versionId ? `${base}?versionId=${encodeURIComponent(src.versionId)}` : base;
}

function copySourceHeaders(t: Transport, src: CopySource): Record<string, string> {
  const h: Record<string, string> = { [t.dialect.copySourceHeader]: copySourceValue(src) };
  if (src.sseCustomerKey) {
    Object.assign(h, sseCustomerHeaders(src.sseCustomerKey, t.dialect, true));
  }
  return h;
}

/** CopyObjectResult / CopyPartResult ETag; a 200 without one is a failed copy. */
function copyEtag(operation: string, bucket: string, key: string, status: number, body: string): string {
  const err = parseErrorXml(body);
  const doc = parseXml(body);
  const r = node(doc.CopyObjectResult ?? doc.CopyPartResult);
  const etag = leaf(r.ETag);
  if (!etag || err?.code) {
    throw new StorageError({
      code: err?.code === 'NotImplemented' ? 'NotImplemented' : 'ServerError', operation, bucket, key, status, serverCode: err?.code,
      message: `${operation} failed (${bucket}/${key}): HTTP ${status}${err?.code ? ` ${err.code}` : ' without an ETag in the answer'}`,
    });
  }
  return etag;
}

export interface CopyMeta extends WriteMeta {
  metadataDirective?: 'COPY' | 'REPLACE';
}

export async function copyObjectRaw(
  t: Transport, src: CopySource, bucket: string, key: string, meta: CopyMeta, signal?: AbortSignal,
): Promise<WriteAnswer> {
  const headers: Record<string, string> = { ...copySourceHeaders(t, src), ...encryptionHeaders(meta.encryption, t.dialect) };
  if (meta.metadataDirective === 'REPLACE') {
    Object.assign(headers, objectWriteHeaders(t.dialect, { contentType: meta.contentType, metadata: meta.metadata }));
    headers[t.dialect.metadataDirectiveHeader] = 'REPLACE';
  }
  const res = await t.send({ operation: 'copyObject', method: 'PUT', bucket, key, headers, signal });
  const etag = copyEtag('copyObject', bucket, key, res.status, res.body.toString('utf8'));
  return { etag, encryption: parseEncryption(res.headers), versionId: versionOf(res.headers) };
}

export async function uploadPartCopy(
  t: Transport, src: CopySource, bucket: string, key: string, uploadId: string, partNumber: number,
  range: { start: number; end: number }, targetEncryption: EncryptionSpec | undefined, signal?: AbortSignal,
): Promise<string> {
  const headers: Record<string, string> = {
    ...copySourceHeaders(t, src), ...sseCHeaders(t, targetEncryption),
    [`${t.dialect.prefix}copy-source-range`]: `bytes=${range.start}-${range.end}`,
  };
  const res = await t.send({
    operation: 'uploadPartCopy', method: 'PUT', bucket, key, headers, signal,
    query: [['partNumber', String(partNumber)], ['uploadId', uploadId]],
  });
  return copyEtag('uploadPartCopy', bucket, key, res.status, res.body.toString('utf8'));
}
