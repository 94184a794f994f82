// Presigned GET URLs (query-string authentication): SigV4 query auth for S3-compatible servers, the OBS query
// signature (AccessKeyId / Expires / Signature) for OBS. Pure: the caller supplies the date; nothing is sent.
// An SSE-C object's three headers are signed (their names only appear in the URL, never the key): a reader must
// send exactly those headers, with the key, to open it.

import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { Dialect } from '../dialect';
import { buildQuery, encodeKey, QueryParams } from '../encode';
import { StorageError } from '../errors';
import { sseCustomerHeaders } from '../sse';
import { Addressing, Credentials } from '../types';
import { obsStringToSign } from './obs';
import { amzDate, canonicalQuery, canonicalRequest, credentialScope, signingKey, stringToSign, UNSIGNED_PAYLOAD } from './sigv4';

/** SigV4's limit (7 days); used for both dialects (OBS documents no maximum). */
export const MAX_PRESIGN_SECONDS = 604_800;

export interface PresignV4Request {
  method: string;
  /** `https://host[:port]` as the reader will send it (a default port is left out). */
  origin: string;
  /** Path exactly as on the wire (already percent-encoded). */
  path: string;
  query?: QueryParams;
  /** Headers the reader will send, signed besides `host` (e.g. the SSE-C headers). */
  headers?: Record<string, string>;
}

export interface PresignV4Params {
  credentials: Credentials;
  region: string;
  date: Date;
  expiresInSeconds: number;
  service?: string;
}

export interface PresignV4Result {
  url: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
}

/** SigV4 query auth: X-Amz-Algorithm/Credential/Date/Expires/SignedHeaders in the canonical query, Signature appended. */
export function presignV4(req: PresignV4Request, p: PresignV4Params): PresignV4Result {
  const host = new URL(req.origin).host;
  const headers: Record<string, string> = { host, ...(req.headers ?? {}) };
  const signedHeaders = Object.keys(headers).map((h) => h.toLowerCase()).sort().join(';');
  const scope = credentialScope(p.date, p.region, p.service ?? 's3');
  const query: QueryParams = [
    ...(req.query ?? []),
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${p.credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate(p.date)],
    ['X-Amz-Expires', String(p.expiresInSeconds)],
    ['X-Amz-SignedHeaders', signedHeaders],
    ...(p.credentials.sessionToken ? [['X-Amz-Security-Token', p.credentials.sessionToken] as [string, string]] : []),
  ];
  const creq = canonicalRequest({ method: req.method, path: req.path, query, headers }, UNSIGNED_PAYLOAD);
  const sts = stringToSign(creq.text, p.date, scope);
  const signature = createHmac('sha256', signingKey(p.credentials.secretAccessKey, p.date, p.region, p.service ?? 's3')).update(sts, 'utf8').digest('hex');
  return {
    url: `${req.origin}${req.path}?${canonicalQuery(query)}&X-Amz-Signature=${signature}`,
    canonicalRequest: creq.text, stringToSign: sts, signature, signedHeaders,
  };
}

export interface PresignObsRequest {
  method: string;
  origin: string;
  path: string;
  /** Bucket of the canonical resource (always present, also for path-style URLs). */
  bucket: string;
  /** Object key (raw); encoded for the resource exactly as on the wire. */
  key: string;
  /** `x-obs-*` (and Content-Type / Content-MD5) headers the reader will send; they are part of the string to sign. */
  headers?: Record<string, string>;
}

export interface PresignObsParams {
  credentials: Credentials;
  /** Absolute expiry, Unix seconds (it takes the Date slot of the string to sign). */
  expires: number;
}

export interface PresignObsResult {
  url: string;
  stringToSign: string;
  signature: string;
}

/** OBS query auth: StringToSign as for the header signature with Expires in the Date slot; Base64(HMAC-SHA1). */
export function presignObs(req: PresignObsRequest, p: PresignObsParams): PresignObsResult {
  const token: QueryParams = p.credentials.sessionToken ? [['x-obs-security-token', p.credentials.sessionToken]] : [];
  const sts = obsStringToSign({
    method: req.method, bucket: req.bucket, encodedKey: encodeKey(req.key), query: token,
    headers: { ...(req.headers ?? {}), date: String(p.expires) },
  }, 'x-obs-');
  const signature = createHmac('sha1', Buffer.from(p.credentials.secretAccessKey, 'utf8')).update(sts, 'utf8').digest('base64');
  const query = buildQuery([['AccessKeyId', p.credentials.accessKeyId], ['Expires', String(p.expires)], ['Signature', signature], ...token]);
  return { url: `${req.origin}${req.path}?${query}`, stringToSign: sts, signature };
}

export interface PresignGetInput {
  endpoint: string;
  addressing?: Addressing;
  region?: string;
  dialect: Dialect;
  credentials: Credentials;
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** The signing time (server clock). */
  now: Date;
  /** An SSE-C object's key: its three headers are signed, and the reader has to send them. */
  sseCustomerKey?: Uint8Array;
}

export interface PresignedGet {
  url: string;
  expiresAt: Date;
  /** Names of the headers the reader must send besides the URL (SSE-C); never their values. */
  requiredHeaders: string[];
}

/** Where a bucket's object is addressed: the same choice as the transport's (path-style for IPs and localhost). */
export function objectAddress(endpoint: string, addressing: Addressing | undefined, dialect: Dialect, bucket: string, key: string): { origin: string; path: string } {
  const url = new URL(endpoint);
  const base = url.pathname.replace(/\/+$/, '');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const setting = addressing ?? 'auto';
  const pathStyle = isIP(host) !== 0
    || (setting === 'auto' && (host === 'localhost' || (bucket.includes('.') && url.protocol === 'https:')))
    || (setting === 'auto' ? dialect.autoAddressing === 'path' : setting === 'path');
  return pathStyle
    ? { origin: url.origin, path: `${base}/${bucket}/${encodeKey(key)}` }
    : { origin: `${url.protocol}//${bucket}.${url.host}`, path: `${base}/${encodeKey(key)}` };
}

/** A presigned GET for one object, in the connection's dialect. */
export function presignGet(input: PresignGetInput): PresignedGet {
  const fail = (message: string) => new StorageError({ code: 'InvalidArgument', operation: 'presign', bucket: input.bucket, key: input.key, message });
  if (!Number.isInteger(input.expiresInSeconds) || input.expiresInSeconds < 1 || input.expiresInSeconds > MAX_PRESIGN_SECONDS) {
    throw fail(`expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS} (7 days); got ${String(input.expiresInSeconds)}`);
  }
  if (input.key === '' || input.key.endsWith('/')) {
    throw fail('a link is made for an object: the key must not be empty or end with "/"');
  }
  const { origin, path } = objectAddress(input.endpoint, input.addressing, input.dialect, input.bucket, input.key);
  const headers = input.sseCustomerKey ? sseCustomerHeaders(input.sseCustomerKey, input.dialect) : {};
  const expiresAt = new Date(input.now.getTime() + input.expiresInSeconds * 1000);
  const url = input.dialect.signer === 'sigv4'
    ? presignV4({ method: 'GET', origin, path, headers }, {
      credentials: input.credentials, region: input.region ?? 'us-east-1', date: input.now, expiresInSeconds: input.expiresInSeconds,
    }).url
    : presignObs({ method: 'GET', origin, path, bucket: input.bucket, key: input.key, headers }, {
      credentials: input.credentials, expires: Math.floor(expiresAt.getTime() / 1000),
    }).url;
  return { url, expiresAt, requiredHeaders: Object.keys(headers) };
}
