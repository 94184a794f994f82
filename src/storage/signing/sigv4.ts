// AWS Signature Version 4, header form. Pure: the caller supplies the date.
// S3 flavour: the path is used exactly as sent (encoded once, never normalized, never double-encoded).

import { createHash, createHmac } from 'node:crypto';
import { encodeQueryComponent, QueryParams } from '../encode';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Headers never signed: hop-by-hop or rewritten by proxies/undici. */
const UNSIGNED_HEADERS = new Set([
  'authorization', 'user-agent', 'content-length', 'connection', 'expect', 'transfer-encoding', 'keep-alive',
  'accept-encoding', 'x-amzn-trace-id',
]);

export type HeaderValues = Record<string, string | string[]>;

export interface SigV4Request {
  method: string;
  /** Path exactly as it goes on the wire (already percent-encoded). */
  path: string;
  /** Raw (decoded) query pairs. */
  query: QueryParams;
  /** Request headers including `host`. Names in any case. */
  headers: HeaderValues;
}

export interface SigV4Params {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  /** Defaults to `s3`. */
  service?: string;
  date: Date;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
  /** Send `x-amz-content-sha256` (S3 requires it). Default true. */
  contentSha256Header?: boolean;
}

export interface SigV4Result {
  /** Headers to add to the request (x-amz-date, x-amz-content-sha256, token, authorization). */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  authorization: string;
  signedHeaders: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `20150830T123600Z` */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function canonicalQuery(query: QueryParams): string {
  return query
    .map(([k, v]) => [encodeQueryComponent(k), encodeQueryComponent(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalValue(v: string | string[]): string {
  const values = Array.isArray(v) ? v : [v];
  return values.map((x) => x.replace(/\s+/g, ' ').trim()).join(',');
}

/** Canonical header block and signed header list over every header except the unsigned set. */
export function canonicalHeaders(headers: HeaderValues): { block: string; signed: string } {
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (UNSIGNED_HEADERS.has(lower)) {
      continue;
    }
    const list = merged.get(lower) ?? [];
    list.push(canonicalValue(value));
    merged.set(lower, list);
  }
  const names = [...merged.keys()].sort();
  return {
    block: names.map((n) => `${n}:${(merged.get(n) ?? []).join(',')}\n`).join(''),
    signed: names.join(';'),
  };
}

export function canonicalRequest(req: SigV4Request, payloadHash: string): { text: string; signed: string } {
  const { block, signed } = canonicalHeaders(req.headers);
  const text = [req.method.toUpperCase(), req.path, canonicalQuery(req.query), block, signed, payloadHash].join('\n');
  return { text, signed };
}

export function credentialScope(date: Date, region: string, service: string): string {
  return `${amzDate(date).slice(0, 8)}/${region}/${service}/aws4_request`;
}

export function stringToSign(creq: string, date: Date, scope: string): string {
  return ['AWS4-HMAC-SHA256', amzDate(date), scope, sha256Hex(creq)].join('\n');
}

export function signingKey(secret: string, date: Date, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secret, amzDate(date).slice(0, 8));
  return hmac(hmac(hmac(kDate, region), service), 'aws4_request');
}

/**
 * Signs a request. The returned headers must be added to the request as they are; every header in `req.headers`
 * (except the unsigned set) is signed, so add nothing else afterwards except content-length/user-agent.
 */
export function signV4(req: SigV4Request, p: SigV4Params): SigV4Result {
  const service = p.service ?? 's3';
  const added: Record<string, string> = { 'x-amz-date': amzDate(p.date) };
  if (p.contentSha256Header ?? true) {
    added['x-amz-content-sha256'] = p.payloadHash;
  }
  if (p.sessionToken) {
    added['x-amz-security-token'] = p.sessionToken;
  }
  const headers: HeaderValues = {};
  for (const [k, v] of Object.entries(req.headers)) {
    // Our own values win over caller-supplied copies of the same header.
    if (!(k.toLowerCase() in added)) {
      headers[k] = v;
    }
  }
  Object.assign(headers, added);
  const creq = canonicalRequest({ ...req, headers }, p.payloadHash);
  const scope = credentialScope(p.date, p.region, service);
  const sts = stringToSign(creq.text, p.date, scope);
  const signature = createHmac('sha256', signingKey(p.secretAccessKey, p.date, p.region, service)).update(sts, 'utf8').digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${p.accessKeyId}/${scope}, SignedHeaders=${creq.signed}, Signature=${signature}`;
  return {
    headers: { ...added, authorization },
    canonicalRequest: creq.text,
    stringToSign: sts,
    signature,
    authorization,
    signedHeaders: creq.signed,
  };
}
