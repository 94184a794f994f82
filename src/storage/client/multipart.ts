// Multipart upload: initiate, parts (data and copy), complete, abort, and the two listings.

import { errorFromResponse, StorageError } from '../errors';
import { header, md5Base64, Transport } from '../transport';
import { parseEncryption, sseCustomerHeaders } from '../sse';
import {
  buildCompleteMultipartXml, parseCompleteMultipart, parseInitiateMultipart, parseListMultipartUploads, parseListParts,
} from '../xml';
import {
  CompletedPart, CopySource, ListPartsResult, ListUploadsOptions, ListUploadsResult, MultipartUploadInit,
  PartCopyOptions, PartWriteOptions, RequestOptions, WriteOptions,
} from '../types';
import { objectWriteHeaders } from './objects';
import { copySourceHeaders, requireCopyEtag } from './copy';
import { headObject } from './objects-read';

/** Starts an upload; encryption, content type and metadata are fixed here. */
export async function initiateMultipartUpload(t: Transport, bucket: string, key: string, opts?: WriteOptions): Promise<MultipartUploadInit> {
  const res = await t.send({
    operation: 'initiateMultipartUpload', method: 'POST', bucket, key, query: [['uploads', '']],
    headers: objectWriteHeaders(t.dialect, opts), signal: opts?.signal,
  });
  const { uploadId } = parseInitiateMultipart(res.body.toString('utf8'));
  if (!uploadId) {
    throw new StorageError({ code: 'Unknown', operation: 'initiateMultipartUpload', bucket, key, message: 'initiateMultipartUpload: no UploadId in the answer' });
  }
  return { uploadId, encryption: parseEncryption(res.headers) };
}

function partQuery(partNumber: number, uploadId: string): Array<[string, string]> {
  return [['partNumber', String(partNumber)], ['uploadId', uploadId]];
}

function checkPartNumber(partNumber: number, operation: string): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new StorageError({ code: 'InvalidArgument', operation, message: `${operation}: part number ${partNumber} is outside 1..10000` });
  }
}

/**
 * Uploads one part. A Uint8Array body gets Content-MD5 and is retried; a stream needs `contentLength` and is sent
 * once (UNSIGNED-PAYLOAD). Every part of an SSE-C upload must carry the key.
 */
export async function uploadPart(
  t: Transport, bucket: string, key: string, uploadId: string, partNumber: number,
  body: Uint8Array | AsyncIterable<Uint8Array>, opts?: PartWriteOptions & { contentLength?: number },
): Promise<CompletedPart> {
  checkPartNumber(partNumber, 'uploadPart');
  const headers: Record<string, string> = opts?.sseCustomerKey ? sseCustomerHeaders(opts.sseCustomerKey, t.dialect) : {};
  if (body instanceof Uint8Array) {
    headers['content-md5'] = md5Base64(body);
  } else if (opts?.contentLength !== undefined) {
    headers['content-length'] = String(opts.contentLength);
  }
  const res = await t.send({
    operation: 'uploadPart', method: 'PUT', bucket, key, body, headers, signal: opts?.signal, query: partQuery(partNumber, uploadId),
  });
  return { partNumber, etag: header(res.headers, 'etag') ?? '' };
}

/**
 * Copies a byte range of an existing object into a part. Note RGW 16 ignores the copy-source SSE-C headers and
 * decrypts the source with the target key: same-key copies work there, re-keying does not.
 */
export async function uploadPartCopy(
  t: Transport, bucket: string, key: string, uploadId: string, partNumber: number, source: CopySource, opts?: PartCopyOptions,
): Promise<CompletedPart> {
  checkPartNumber(partNumber, 'uploadPartCopy');
  const headers: Record<string, string> = {
    ...copySourceHeaders(source, t.dialect),
    ...(opts?.sseCustomerKey ? sseCustomerHeaders(opts.sseCustomerKey, t.dialect) : {}),
  };
  if (opts?.range) {
    headers[`${t.dialect.prefix}copy-source-range`] = `bytes=${opts.range.start}-${opts.range.end}`;
  }
  const res = await t.send({
    operation: 'uploadPartCopy', method: 'PUT', bucket, key, headers, signal: opts?.signal, query: partQuery(partNumber, uploadId),
  });
  return { partNumber, etag: requireCopyEtag(res, 'uploadPartCopy', bucket, key).etag };
}

export interface CompleteOptions extends RequestOptions {
  /** SSE-C key, used for the HEAD that fetches the real ETag when the server answers an empty one (RGW). */
  sseCustomerKey?: Uint8Array;
}

/**
 * Completes an upload (parts sorted ascending). Not retried automatically: a lost answer may mean success.
 * A 200 carrying an `<Error>` is a failure. RGW answers an empty ETag, so the object is HEADed for the real one.
 */
export async function completeMultipartUpload(
  t: Transport, bucket: string, key: string, uploadId: string, parts: CompletedPart[], opts?: CompleteOptions,
): Promise<{ etag: string }> {
  const body = Buffer.from(buildCompleteMultipartXml(parts), 'utf8');
  const res = await t.send({
    operation: 'completeMultipartUpload', method: 'POST', bucket, key, body, signal: opts?.signal, noRetry: true,
    query: [['uploadId', uploadId]], headers: { 'content-type': 'application/xml', 'content-md5': md5Base64(body) },
  });
  const text = res.body.toString('utf8');
  const parsed = parseCompleteMultipart(text);
  if (parsed.error) {
    throw errorFromResponse({ status: res.status, headers: res.headers, body: text }, { operation: 'completeMultipartUpload', method: 'POST', bucket, key });
  }
  if (parsed.etag) {
    return { etag: parsed.etag };
  }
  const head = await headObject(t, bucket, key, { signal: opts?.signal, sseCustomerKey: opts?.sseCustomerKey });
  return { etag: head.etag };
}

export async function abortMultipartUpload(t: Transport, bucket: string, key: string, uploadId: string, opts?: RequestOptions): Promise<void> {
  await t.send({ operation: 'abortMultipartUpload', method: 'DELETE', bucket, key, query: [['uploadId', uploadId]], signal: opts?.signal });
}

export async function listParts(
  t: Transport, bucket: string, key: string, uploadId: string, opts?: RequestOptions & { partNumberMarker?: number; maxParts?: number },
): Promise<ListPartsResult> {
  const query: Array<[string, string]> = [['uploadId', uploadId]];
  if (opts?.partNumberMarker !== undefined) {
    query.push(['part-number-marker', String(opts.partNumberMarker)]);
  }
  if (opts?.maxParts !== undefined) {
    query.push(['max-parts', String(opts.maxParts)]);
  }
  const res = await t.send({ operation: 'listParts', method: 'GET', bucket, key, query, signal: opts?.signal });
  const r = parseListParts(res.body.toString('utf8'));
  const out: ListPartsResult = { parts: r.parts.map((p) => (p.lastModified ? p : { partNumber: p.partNumber, etag: p.etag, size: p.size })), isTruncated: r.isTruncated };
  if (r.isTruncated && r.nextPartNumberMarker !== undefined) {
    out.nextPartNumberMarker = r.nextPartNumberMarker;
  }
  return out;
}

export async function listMultipartUploads(t: Transport, bucket: string, opts?: ListUploadsOptions): Promise<ListUploadsResult> {
  const query: Array<[string, string]> = [['uploads', ''], ['encoding-type', 'url']];
  const add = (k: string, v: string | number | undefined): void => {
    if (v !== undefined && v !== '') {
      query.push([k, String(v)]);
    }
  };
  add('prefix', opts?.prefix);
  add('delimiter', opts?.delimiter);
  add('max-uploads', opts?.maxUploads);
  add('key-marker', opts?.keyMarker);
  add('upload-id-marker', opts?.uploadIdMarker);
  const res = await t.send({ operation: 'listMultipartUploads', method: 'GET', bucket, query, signal: opts?.signal });
  const r = parseListMultipartUploads(res.body.toString('utf8'));
  const out: ListUploadsResult = {
    uploads: r.uploads.map((u) => (u.initiated ? u : { key: u.key, uploadId: u.uploadId })),
    prefixes: r.prefixes, isTruncated: r.isTruncated,
  };
  if (r.nextKeyMarker) {
    out.nextKeyMarker = r.nextKeyMarker;
  }
  if (r.nextUploadIdMarker) {
    out.nextUploadIdMarker = r.nextUploadIdMarker;
  }
  return out;
}
