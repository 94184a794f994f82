// OBS header signature (`Authorization: OBS AK:sig`) and its twin, AWS signature V2 (`AWS AK:sig`, x-amz- prefix).
// Pure: the caller supplies the Date / x-obs-date header.

import { createHmac } from 'node:crypto';
import { QueryParams } from '../encode';

/** Query parameter names that are part of the canonical resource (compared case-insensitively). */
const SUB_RESOURCES = new Set([
  'cdnnotifyconfiguration', 'acl', 'append', 'attname', 'backtosource', 'cors', 'customdomain', 'delete',
  'deletebucket', 'directcoldaccess', 'encryption', 'inventory', 'length', 'lifecycle', 'location', 'logging',
  'metadata', 'mirrorbacktosource', 'modify', 'name', 'notification', 'obscompresspolicy', 'object-lock',
  'orchestration', 'partnumber', 'policy', 'position', 'publicaccessblock', 'quota', 'rename', 'replication',
  'requestpayment', 'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'response-content-language', 'response-content-type', 'response-expires', 'restore', 'retention',
  'storageclass', 'storagepolicy', 'storageinfo', 'tagging', 'torrent', 'truncate', 'uploadid', 'uploads',
  'versionid', 'versioning', 'versions', 'website', 'x-image-process', 'x-image-save-bucket',
  'x-image-save-object', 'x-obs-security-token',
]);

export interface ObsSignRequest {
  method: string;
  /** Bucket name, or the custom domain for CNAME access; absent for service-level requests (ListBuckets). */
  bucket?: string;
  /** Object key already percent-encoded exactly as on the wire (without the leading `/`). */
  encodedKey?: string;
  /** Raw (decoded) query pairs. */
  query: QueryParams;
  headers: Record<string, string | string[]>;
}

export interface ObsSignParams {
  accessKeyId: string;
  secretAccessKey: string;
  /** `x-obs-` (OBS) or `x-amz-` (AWS V2). */
  headerPrefix: 'x-obs-' | 'x-amz-';
  /** `OBS` or `AWS`. */
  scheme: 'OBS' | 'AWS';
}

function firstHeader(headers: Record<string, string | string[]>, name: string): string {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) {
      return Array.isArray(v) ? v.join(',') : v;
    }
  }
  return '';
}

export function canonicalizedResource(req: ObsSignRequest, prefix: string): string {
  let resource = '/';
  if (req.bucket !== undefined) {
    resource += `${req.bucket}/`;
    if (req.encodedKey) {
      resource += req.encodedKey;
    }
  }
  const subs = req.query
    .filter(([k]) => SUB_RESOURCES.has(k.toLowerCase()) || k.toLowerCase().startsWith(prefix))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (subs.length > 0) {
    resource += '?' + subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  }
  return resource;
}

export function canonicalizedHeaders(headers: Record<string, string | string[]>, prefix: string): string {
  const merged = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith(prefix)) {
      continue;
    }
    const values = (Array.isArray(value) ? value : [value]).map((v) => (lower.startsWith(`${prefix}meta-`) ? v.trim() : v));
    merged.set(lower, [...(merged.get(lower) ?? []), ...values]);
  }
  return [...merged.keys()].sort().map((n) => `${n}:${(merged.get(n) ?? []).join(',')}\n`).join('');
}

export function obsStringToSign(req: ObsSignRequest, prefix: string): string {
  const hasPrefixedDate = firstHeader(req.headers, `${prefix}date`) !== '';
  return [
    req.method.toUpperCase(),
    firstHeader(req.headers, 'content-md5'),
    firstHeader(req.headers, 'content-type'),
    hasPrefixedDate ? '' : firstHeader(req.headers, 'date'),
  ].join('\n') + '\n' + canonicalizedHeaders(req.headers, prefix) + canonicalizedResource(req, prefix);
}

export interface ObsSignResult {
  stringToSign: string;
  signature: string;
  authorization: string;
}

export function signObs(req: ObsSignRequest, p: ObsSignParams): ObsSignResult {
  const sts = obsStringToSign(req, p.headerPrefix);
  const signature = createHmac('sha1', Buffer.from(p.secretAccessKey, 'utf8')).update(sts, 'utf8').digest('base64');
  return { stringToSign: sts, signature, authorization: `${p.scheme} ${p.accessKeyId}:${signature}` };
}
