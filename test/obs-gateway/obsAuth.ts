// The OBS header signature (`Authorization: OBS AK:signature`), written from the protocol fact sheet on its own so
// that it can check both the official SDK and the product: a server-side view of a request as it arrived.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Query names that belong to the canonical resource (compared case-insensitively), per the OBS API reference. */
const SIGNED_SUBRESOURCES = new Set([
  'CDNNotifyConfiguration', 'acl', 'append', 'attname', 'backtosource', 'cors', 'customdomain', 'delete',
  'deletebucket', 'directcoldaccess', 'encryption', 'inventory', 'length', 'lifecycle', 'location', 'logging',
  'metadata', 'mirrorBackToSource', 'modify', 'name', 'notification', 'obscompresspolicy', 'object-lock',
  'orchestration', 'partNumber', 'policy', 'position', 'publicaccessblock', 'quota', 'rename', 'replication',
  'requestPayment', 'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'response-content-language', 'response-content-type', 'response-expires', 'restore', 'retention',
  'storageClass', 'storagePolicy', 'storageinfo', 'tagging', 'torrent', 'truncate', 'uploadId', 'uploads',
  'versionId', 'versioning', 'versions', 'website', 'x-image-process', 'x-image-save-bucket',
  'x-image-save-object', 'x-obs-security-token',
].map((s) => s.toLowerCase()));

export type HeaderMap = Record<string, string | string[] | undefined>;

/** A request as a server sees it. */
export interface ArrivedRequest {
  method: string;
  /** Raw request target: encoded path plus optional `?query`, exactly as on the request line. */
  url: string;
  headers: HeaderMap;
  /** Bucket taken from the Host header (virtual-hosted style); undefined for path-style requests. */
  hostBucket?: string;
}

export interface ResourceParts {
  bucket?: string;
  /** Object key as encoded on the wire (no leading slash); undefined for bucket/service requests. */
  encodedKey?: string;
  /** Decoded query pairs in arrival order. */
  query: Array<[string, string]>;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function splitQuery(raw: string): Array<[string, string]> {
  if (raw === '') {
    return [];
  }
  return raw.split('&').filter((p) => p !== '').map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [decode(p), ''] : [decode(p.slice(0, i)), decode(p.slice(i + 1))];
  });
}

/** Bucket, encoded key and query of a request, from the Host-derived bucket or the first path segment. */
export function resourceParts(req: ArrivedRequest): ResourceParts {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = splitQuery(q < 0 ? '' : req.url.slice(q + 1));
  if (req.hostBucket !== undefined) {
    const key = path.replace(/^\//, '');
    return { bucket: req.hostBucket, encodedKey: key === '' ? undefined : key, query };
  }
  const rest = path.replace(/^\//, '');
  if (rest === '') {
    return { query };
  }
  const slash = rest.indexOf('/');
  if (slash < 0) {
    return { bucket: decode(rest), query };
  }
  const key = rest.slice(slash + 1);
  return { bucket: decode(rest.slice(0, slash)), encodedKey: key === '' ? undefined : key, query };
}

export function canonicalResource(parts: ResourceParts, prefix = 'x-obs-'): string {
  let out = '/';
  if (parts.bucket !== undefined) {
    out += parts.bucket + '/' + (parts.encodedKey ?? '');
  }
  const signed = parts.query.filter(([k]) => SIGNED_SUBRESOURCES.has(k.toLowerCase()) || k.toLowerCase().startsWith(prefix));
  signed.sort((a, b) => (a[0] === b[0] ? 0 : a[0] < b[0] ? -1 : 1));
  if (signed.length > 0) {
    out += '?' + signed.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  }
  return out;
}

function headerValue(h: HeaderMap, name: string): string | undefined {
  for (const [k, v] of Object.entries(h)) {
    if (k.toLowerCase() === name && v !== undefined) {
      return Array.isArray(v) ? v.join(',') : v;
    }
  }
  return undefined;
}

export function canonicalHeaderLines(h: HeaderMap, prefix = 'x-obs-'): string {
  const byName = new Map<string, string[]>();
  for (const [k, v] of Object.entries(h)) {
    const name = k.toLowerCase();
    if (v === undefined || !name.startsWith(prefix)) {
      continue;
    }
    const values = (Array.isArray(v) ? v : [v]).map((x) => (name.startsWith(prefix + 'meta-') ? x.trim() : x));
    byName.set(name, [...(byName.get(name) ?? []), ...values]);
  }
  return [...byName.keys()].sort().map((n) => `${n}:${(byName.get(n) ?? []).join(',')}\n`).join('');
}

/** The string to sign of an arrived request (OBS dialect unless another prefix is given). */
export function stringToSign(req: ArrivedRequest, prefix = 'x-obs-'): string {
  const prefixedDate = headerValue(req.headers, prefix + 'date');
  return `${req.method.toUpperCase()}\n`
    + `${headerValue(req.headers, 'content-md5') ?? ''}\n`
    + `${headerValue(req.headers, 'content-type') ?? ''}\n`
    + `${prefixedDate !== undefined ? '' : headerValue(req.headers, 'date') ?? ''}\n`
    + canonicalHeaderLines(req.headers, prefix)
    + canonicalResource(resourceParts(req), prefix);
}

export function signString(secret: string, sts: string): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(sts, 'utf8').digest('base64');
}

/** `{ scheme, accessKey, signature }` of an `OBS AK:sig` / `AWS AK:sig` header; undefined if malformed. */
export function parseAuthorization(value: string | undefined): { scheme: string; accessKey: string; signature: string } | undefined {
  const m = /^(OBS|AWS) ([^:\s]+):(\S+)$/.exec(value ?? '');
  return m ? { scheme: m[1], accessKey: m[2], signature: m[3] } : undefined;
}

export type VerifyResult =
  | { ok: true; accessKey: string }
  | { ok: false; code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch'; message: string; stringToSign?: string };

/** Checks the OBS signature of an arrived request against known credentials. */
export function verifyObsRequest(req: ArrivedRequest, secrets: Record<string, string>): VerifyResult {
  const auth = parseAuthorization(headerValue(req.headers, 'authorization'));
  if (!auth || auth.scheme !== 'OBS') {
    return { ok: false, code: 'AccessDenied', message: 'an OBS signature (Authorization: OBS AK:signature) is required' };
  }
  const secret = secrets[auth.accessKey];
  if (secret === undefined) {
    return { ok: false, code: 'InvalidAccessKeyId', message: 'the access key id does not exist' };
  }
  const sts = stringToSign(req);
  const expected = Buffer.from(signString(secret, sts));
  const given = Buffer.from(auth.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'the request signature does not match', stringToSign: sts };
  }
  return { ok: true, accessKey: auth.accessKey };
}
