// Multipart upload: initiate, parts (data and copy), complete, abort, and the two listings.

import { createHash } from 'node:crypto';
import { errorFromResponse, isStorageError, StorageError } from '../errors';
import { hasConditions, unquoteEtag } from '../conditions';
import { md5Base64 } from '../digest';
import { withRetry } from '../retry';
import { header, ResponseHeaders, Transport, TransportResponse } from '../transport';
import { parseEncryption, sseCustomerHeaders } from '../sse';
import {
  buildCompleteMultipartXml, parseCompleteMultipart, parseInitiateMultipart, parseListMultipartUploads, parseListParts,
} from '../xml';
import {
  CompletedPart, CompleteResult, CopySource, ListAllUploadsOptions, ListPartsResult, ListUploadsOptions, ListUploadsResult,
  MultipartUploadInfo, MultipartUploadInit, ObjectHead, PartCopyOptions, PartWriteOptions, RequestOptions, WriteOptions,
} from '../types';
import { sendConditional } from './conditionalRequest';
import { objectWriteHeaders } from './writeObject';
import { copySourceHeaders, requireCopyEtag } from './copyObject';
import { headObject } from './readObject';

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

/**
 * Uploads one part. A Uint8Array body gets Content-MD5 and is retried; a stream needs `contentLength` and is sent
 * once (UNSIGNED-PAYLOAD). Every part of an SSE-C upload must carry the key.
 */
export async function uploadPart(
  t: Transport, bucket: string, key: string, uploadId: string, partNumber: number,
  body: Uint8Array | AsyncIterable<Uint8Array>, opts?: PartWriteOptions & { contentLength?: number },
): Promise<CompletedPart> {
  const headers: Record<string, string> = opts?.sseCustomerKey ? sseCustomerHeaders(opts.sseCustomerKey, t.dialect) : {};
  if (body instanceof Uint8Array) {
    headers['content-md5'] = md5Base64(body);
  } else if (opts?.contentLength !== undefined) {
    headers['content-length'] = String(opts.contentLength);
  }
  const res = await t.send({
    operation: 'uploadPart', method: 'PUT', bucket, key, body, headers, signal: opts?.signal, query: partQuery(partNumber, uploadId),
  });
  const etag = header(res.headers, 'etag');
  if (!etag) {
    // Complete needs every part's ETag: a part without one cannot be used.
    throw new StorageError({
      code: 'Unknown', operation: 'uploadPart', bucket, key, status: res.status,
      message: `uploadPart ${partNumber} (${bucket}/${key}): the server answered ${res.status} without an ETag`,
    });
  }
  return { partNumber, etag };
}

/**
 * Copies a byte range of an existing object into a part. Note RGW 16 ignores the copy-source SSE-C headers and
 * decrypts the source with the target key: same-key copies work there, re-keying does not.
 */
export async function uploadPartCopy(
  t: Transport, bucket: string, key: string, uploadId: string, partNumber: number, source: CopySource, opts?: PartCopyOptions,
): Promise<CompletedPart> {
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
  /** SSE-C key of the upload, for the HEADs: the real ETag when the answer has none (RGW), the check after a lost answer. */
  sseCustomerKey?: Uint8Array;
  /** Complete only if the object still has this ETag (the If-Match policy of putObject; RGW 16 ignores it on Complete). */
  ifMatch?: string;
  /** `*`: complete only if the object does not exist (RGW 16 ignores it on Complete). */
  ifNoneMatch?: string;
}

/**
 * The ETag S3 gives the object a multipart upload completes: the MD5 of the parts' binary MD5s, then `-<part count>`
 * (RGW and AWS alike). `undefined` when a part ETag is not a plain MD5 (gateways that answer other ETags): then the
 * final ETag cannot be predicted.
 */
export function expectedMultipartEtag(parts: CompletedPart[]): string | undefined {
  const md5 = createHash('md5');
  for (const p of [...parts].sort((a, b) => a.partNumber - b.partNumber)) {
    const hex = unquoteEtag(p.etag);
    if (!/^[0-9a-f]{32}$/i.test(hex)) {
      return undefined;
    }
    md5.update(Buffer.from(hex, 'hex'));
  }
  return `"${md5.digest('hex')}-${parts.length}"`;
}

function versionIdOf(headers: ResponseHeaders): string | undefined {
  return header(headers, 'x-amz-version-id') ?? header(headers, 'x-obs-version-id');
}

function fromHead(head: ObjectHead, answered?: CompleteResult): CompleteResult {
  const out: CompleteResult = {
    etag: head.etag,
    encryption: answered && answered.encryption.type !== 'none' ? answered.encryption : head.encryption,
  };
  const versionId = answered?.versionId ?? head.versionId;
  if (versionId) {
    out.versionId = versionId;
  }
  return out;
}

/** One Complete request; a 200 carrying an `<Error>` throws that error with its own code. */
async function sendComplete(
  t: Transport, bucket: string, key: string, uploadId: string, body: Buffer, headers: Record<string, string>, signal?: AbortSignal,
): Promise<{ res: TransportResponse; etag?: string }> {
  const res = await t.send({
    operation: 'completeMultipartUpload', method: 'POST', bucket, key, body, signal, noRetry: true, query: [['uploadId', uploadId]], headers,
  });
  const text = res.body.toString('utf8');
  const parsed = parseCompleteMultipart(text);
  if (parsed.error) {
    throw errorFromResponse({ status: res.status, headers: res.headers, body: text }, { operation: 'completeMultipartUpload', method: 'POST', bucket, key });
  }
  return { res, etag: parsed.etag };
}

/**
 * Completes an upload: parts sorted ascending, their ETags XML-escaped, the caller's conditions as given. A 200
 * carrying an `<Error>` is a failure with that error's code (PreconditionFailed stays PreconditionFailed). RGW answers
 * an empty ETag, so the object is then HEADed for the real one (best effort: the upload is complete either way, and
 * the ETag stays empty if that HEAD fails).
 *
 * The transport never repeats a Complete on its own. Here it is repeated under the one retry policy (retry.ts), up to
 * the connection's attempts: after a network failure or timeout, a 5xx, throttling, or a 200 with InternalError the
 * outcome is open.
 * If the lost attempt did complete the upload, RGW 16 answers the repeat with 200 and the ETag again (measured);
 * other servers may find the upload gone (NoSuchUpload) or, with conditions, the object replaced (PreconditionFailed).
 * Then the object is HEADed and accepted only if its ETag is exactly the
 * one these parts produce (`expectedMultipartEtag`): that ETag is derived from the part ETags, so a match means the
 * object consists of exactly these parts, ours or byte-identical ones. Anything else (another ETag, one that cannot
 * be predicted, a failed HEAD) keeps the repeat's error: a success that cannot be proven is never reported.
 * Timestamps are not used: clocks differ, and S3 dates a multipart object by the upload's initiation.
 */
export async function completeMultipartUpload(
  t: Transport, bucket: string, key: string, uploadId: string, parts: CompletedPart[], opts?: CompleteOptions,
): Promise<CompleteResult> {
  const body = Buffer.from(buildCompleteMultipartXml(parts), 'utf8');
  const base: Record<string, string> = { 'content-type': 'application/xml', 'content-md5': md5Base64(body) };
  const conditions = { ifMatch: opts?.ifMatch, ifNoneMatch: opts?.ifNoneMatch };
  const ctx = { operation: 'completeMultipartUpload', bucket, key, signal: opts?.signal };
  const answer = await sendConditional(t, ctx, conditions, (condition) => withRetry({ attempts: t.maxAttempts, signal: opts?.signal, ctx },
    async (attempt) => {
      try {
        return await sendComplete(t, bucket, key, uploadId, body, { ...base, ...condition }, opts?.signal);
      } catch (caught) {
        const e = await unknownUpload(t, bucket, key, uploadId, caught, opts?.signal);
        if (isStorageError(e, 'PreconditionFailed') && hasConditions(conditions)) {
          // A 412 proves this server evaluates conditions on Complete.
          t.profile.learn('conditionalCompleteIgnored', false);
        }
        if (attempt > 1 && (isStorageError(e, 'NoSuchUpload') || isStorageError(e, 'PreconditionFailed'))) {
          return { recovered: await recoverLostComplete(t, bucket, key, parts, e, opts) };
        }
        throw e;
      }
    }));
  if ('recovered' in answer) {
    return answer.recovered;
  }
  // Quoted like every other ETag the client returns: RGW answers a repeated Complete with a bare one.
  const etag = answer.etag === undefined || /^(W\/)?".*"$/.test(answer.etag) ? answer.etag ?? '' : `"${answer.etag}"`;
  const out: CompleteResult = { etag, encryption: parseEncryption(answer.res.headers) };
  const versionId = versionIdOf(answer.res.headers);
  if (versionId) {
    out.versionId = versionId;
  }
  if (out.etag) {
    return out;
  }
  try {
    return fromHead(await headObject(t, bucket, key, { signal: opts?.signal, sseCustomerKey: opts?.sseCustomerKey }), out);
  } catch {
    return out;
  }
}

/**
 * RGW 16 answers a Complete for an upload id it does not know with 500 InternalError ("This multipart completion is
 * already in progress"), which alone would be retried as a server failure. A 5xx on Complete is therefore checked
 * with one ListParts: when that says 404 NoSuchUpload (RGW: NoSuchKey), the upload does not exist (or no longer does) and the failure is
 * NoSuchUpload, which is not retried (a repeat after a lost answer then checks the object, see below). A real
 * concurrent completion still lists its parts and stays a retried ServerError.
 */
async function unknownUpload(t: Transport, bucket: string, key: string, uploadId: string, e: unknown, signal?: AbortSignal): Promise<unknown> {
  if (!isStorageError(e, 'ServerError') || e.status === undefined || e.status < 500) {
    return e;
  }
  try {
    await t.send({ operation: 'listParts', method: 'GET', bucket, key, query: [['uploadId', uploadId], ['max-parts', '1']], signal });
    return e;
  } catch (listErr) {
    // RGW 16 answers ListParts for an unknown upload id with 404 NoSuchKey, AWS with 404 NoSuchUpload.
    if (!isStorageError(listErr) || listErr.status !== 404 || (listErr.code !== 'NoSuchUpload' && listErr.code !== 'NoSuchKey')) {
      return isStorageError(listErr, 'Aborted') ? listErr : e;
    }
    return new StorageError({
      code: 'NoSuchUpload', operation: 'completeMultipartUpload', status: 404, serverCode: 'NoSuchUpload', requestId: listErr.requestId,
      bucket, key, message: `completeMultipartUpload failed (${bucket}/${key}): the server does not know upload id ${uploadId} `
        + `(it answered ${e.status} ${e.serverCode ?? ''} to Complete; ListParts says NoSuchUpload)`,
    });
  }
}

/** After a lost answer: the object proves the upload completed (its ETag is the one these parts make), or `err` stands. */
async function recoverLostComplete(
  t: Transport, bucket: string, key: string, parts: CompletedPart[], err: StorageError, opts?: CompleteOptions,
): Promise<CompleteResult> {
  const expected = expectedMultipartEtag(parts);
  let why = 'the expected ETag cannot be predicted from the part ETags';
  if (expected !== undefined) {
    try {
      const head = await headObject(t, bucket, key, { signal: opts?.signal, sseCustomerKey: opts?.sseCustomerKey });
      if (unquoteEtag(head.etag).toLowerCase() === unquoteEtag(expected)) {
        return fromHead(head);
      }
      why = `the object's ETag ${head.etag} is not the ${expected} these parts make`;
    } catch (e) {
      if (isStorageError(e, 'Aborted')) {
        throw e;
      }
      why = `the object could not be checked (${isStorageError(e) ? e.code : 'error'})`;
    }
  }
  throw new StorageError({
    code: err.code, operation: err.operation, status: err.status, serverCode: err.serverCode, serverMessage: err.serverMessage,
    requestId: err.requestId, hostId: err.hostId, indicator: err.indicator, resource: err.resource, bucket, key,
    message: `${err.message}; an earlier attempt's answer was lost and ${why}, so it is unknown whether that attempt completed the upload`,
  });
}

/**
 * Aborts an upload. One that is already gone (404 NoSuchUpload, or a 404 without a body) counts as aborted: that is
 * the state asked for, and it is what the transport's repeat of an abort whose answer was lost finds. Any other
 * failure, a missing bucket included, is thrown.
 */
export async function abortMultipartUpload(t: Transport, bucket: string, key: string, uploadId: string, opts?: RequestOptions): Promise<void> {
  try {
    await t.send({ operation: 'abortMultipartUpload', method: 'DELETE', bucket, key, query: [['uploadId', uploadId]], signal: opts?.signal });
  } catch (e) {
    if (isStorageError(e) && e.status === 404 && (e.serverCode === undefined || e.serverCode === 'NoSuchUpload')) {
      return;
    }
    throw e;
  }
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

/**
 * Every upload in progress under `prefix`: all pages, following key-marker / upload-id-marker. A truncated page
 * without next markers continues after its last upload; one that would not move the markers on is an error, not a
 * silently short list.
 */
export async function listAllMultipartUploads(t: Transport, bucket: string, opts?: ListAllUploadsOptions): Promise<MultipartUploadInfo[]> {
  const out: MultipartUploadInfo[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await listMultipartUploads(t, bucket, { prefix: opts?.prefix, keyMarker, uploadIdMarker, signal: opts?.signal });
    out.push(...page.uploads);
    if (!page.isTruncated) {
      return out;
    }
    const last = page.uploads.at(-1);
    const nextKey = page.nextKeyMarker ?? last?.key;
    const nextId = page.nextUploadIdMarker ?? last?.uploadId;
    if (nextKey === undefined || (nextKey === keyMarker && nextId === uploadIdMarker)) {
      throw new StorageError({
        code: 'Unknown', operation: 'listMultipartUploads', bucket,
        message: `listMultipartUploads (bucket ${bucket}): the listing is truncated but names no next page`,
      });
    }
    keyMarker = nextKey;
    uploadIdMarker = nextId;
  }
}
