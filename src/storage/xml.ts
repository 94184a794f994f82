// The one configured XML parser and the pure response parsers built on it.
// No value coercion: keys, ETags, version ids and upload ids stay strings (a version id `0123` is not a number).

import { XMLParser } from 'fast-xml-parser';
import { decodeListingValue } from './encode';
import { BucketInfo, ListPage, ObjectSummary } from './types';

const ALWAYS_ARRAY = new Set(['Contents', 'CommonPrefixes', 'Bucket', 'Part', 'Upload', 'Deleted', 'Error', 'Version', 'DeleteMarker']);

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Keys may begin or end with spaces; never trim text.
  trimValues: false,
  processEntities: true,
  // Also decodes numeric character references (&#13;) in the right order relative to &amp;.
  htmlEntities: true,
  // `Error` is an array only inside DeleteResult; as a document root it stays an object.
  isArray: (name: string, jpath: unknown) => ALWAYS_ARRAY.has(name) && String(jpath).includes('.'),
});

type Node = Record<string, unknown>;

export function parseXml(text: string): Node {
  return parser.parse(text) as Node;
}

function obj(v: unknown): Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {};
}

function arr(v: unknown): Node[] {
  if (v === undefined || v === null) {
    return [];
  }
  return (Array.isArray(v) ? v : [v]).map(obj);
}

/** Text of a leaf element; `undefined` when absent. Elements with only whitespace children count as empty. */
export function text(v: unknown): string | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'object') {
    const t = (v as Node)['#text'];
    return typeof t === 'string' ? t.trim() : '';
  }
  return String(v);
}

function int(v: unknown): number {
  const s = text(v);
  const n = s === undefined ? NaN : Number(s.trim());
  return Number.isFinite(n) ? n : 0;
}

function bool(v: unknown): boolean {
  return (text(v) ?? '').trim().toLowerCase() === 'true';
}

function date(v: unknown): Date | undefined {
  const s = text(v);
  if (!s) {
    return undefined;
  }
  const d = new Date(s.trim());
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The document root element, whatever it is called. */
function root(doc: Node, ...names: string[]): Node | undefined {
  for (const n of names) {
    if (n in doc) {
      return obj(doc[n]);
    }
  }
  return undefined;
}

export interface ParsedError {
  code?: string;
  message?: string;
  resource?: string;
  requestId?: string;
  hostId?: string;
}

/** Parses an `<Error>` body; `undefined` when the text is not such a document. */
export function parseErrorXml(body: string): ParsedError | undefined {
  let doc: Node;
  try {
    doc = parseXml(body);
  } catch {
    return undefined;
  }
  const e = root(doc, 'Error');
  if (!e) {
    return undefined;
  }
  const s = (k: string): string | undefined => {
    const t = text(e[k])?.trim();
    return t === '' ? undefined : t;
  };
  return { code: s('Code'), message: s('Message'), resource: s('Resource'), requestId: s('RequestId'), hostId: s('HostId') };
}

export function parseListBuckets(body: string): BucketInfo[] {
  const r = root(parseXml(body), 'ListAllMyBucketsResult') ?? {};
  return arr(obj(r.Buckets).Bucket).map((b) => {
    const info: BucketInfo = { name: text(b.Name) ?? '' };
    const created = date(b.CreationDate);
    if (created) {
      info.creationDate = created;
    }
    const loc = text(b.Location)?.trim() ?? text(b.BucketRegion)?.trim();
    if (loc) {
      info.location = loc;
    }
    return info;
  });
}

/** Marks a continuation that is a start-after key rather than a server token (v2 page without a token). */
export const START_AFTER_MARK = '\u0000start-after:';

export function parseListObjects(body: string): ListPage {
  const r = root(parseXml(body), 'ListBucketResult') ?? {};
  const encoded = (text(r.EncodingType) ?? '').trim().toLowerCase() === 'url';
  const dec = (v: unknown): string => {
    const t = text(v) ?? '';
    return encoded ? decodeListingValue(t) : t;
  };
  const objects: ObjectSummary[] = arr(r.Contents).map((c) => {
    const o: ObjectSummary = {
      key: dec(c.Key),
      size: int(c.Size),
      lastModified: date(c.LastModified) ?? new Date(0),
      etag: text(c.ETag) ?? '',
    };
    const sc = text(c.StorageClass)?.trim();
    if (sc) {
      o.storageClass = sc;
    }
    return o;
  });
  const prefixes = arr(r.CommonPrefixes).map((p) => dec(p.Prefix));
  const isTruncated = bool(r.IsTruncated);
  const page: ListPage = { objects, prefixes, isTruncated };
  if (isTruncated) {
    const isV2 = 'KeyCount' in r || 'ContinuationToken' in r || 'NextContinuationToken' in r || 'StartAfter' in r;
    const token = text(r.NextContinuationToken);
    const nextMarker = text(r.NextMarker);
    if (isV2 && token) {
      page.nextContinuation = token;
    } else if (!isV2 && nextMarker) {
      page.nextContinuation = encoded ? decodeListingValue(nextMarker) : nextMarker;
    } else {
      // Truncated without a marker: continue after the greatest name seen on this page.
      const last = [objects.at(-1)?.key, prefixes.at(-1)].filter((x): x is string => x !== undefined).sort().at(-1);
      if (last !== undefined) {
        page.nextContinuation = isV2 ? START_AFTER_MARK + last : last;
      }
    }
  }
  return page;
}

// ---- Results of the write / multipart / bucket operations ----

function trimmed(v: unknown): string | undefined {
  const t = text(v)?.trim();
  return t === '' ? undefined : t;
}

/** CopyObjectResult / CopyPartResult. `etag` is undefined when the body has none (a failed copy answered 200). */
export function parseCopyResult(body: string): { etag?: string; lastModified?: Date } {
  let doc: Node;
  try {
    doc = parseXml(body);
  } catch {
    return {};
  }
  const r = root(doc, 'CopyObjectResult', 'CopyPartResult');
  if (!r) {
    return {};
  }
  return { etag: trimmed(r.ETag), lastModified: date(r.LastModified) };
}

export function parseInitiateMultipart(body: string): { uploadId?: string } {
  const r = root(parseXml(body), 'InitiateMultipartUploadResult') ?? {};
  return { uploadId: trimmed(r.UploadId) };
}

/** CompleteMultipartUploadResult; RGW answers an empty ETag. An `<Error>` root (200 with error) gives `error`. */
export function parseCompleteMultipart(body: string): { etag?: string; error?: ParsedError } {
  const doc = parseXml(body);
  if ('Error' in doc) {
    return { error: parseErrorXml(body) };
  }
  const r = root(doc, 'CompleteMultipartUploadResult') ?? {};
  return { etag: trimmed(r.ETag) };
}

export function parseListParts(body: string): {
  parts: Array<{ partNumber: number; etag: string; size: number; lastModified?: Date }>;
  isTruncated: boolean;
  nextPartNumberMarker?: number;
} {
  const r = root(parseXml(body), 'ListPartsResult') ?? {};
  const next = trimmed(r.NextPartNumberMarker);
  return {
    parts: arr(r.Part).map((p) => ({
      partNumber: int(p.PartNumber), etag: text(p.ETag) ?? '', size: int(p.Size), lastModified: date(p.LastModified),
    })),
    isTruncated: bool(r.IsTruncated),
    nextPartNumberMarker: next === undefined ? undefined : Number(next),
  };
}

export function parseListMultipartUploads(body: string): {
  uploads: Array<{ key: string; uploadId: string; initiated?: Date }>;
  prefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
} {
  const r = root(parseXml(body), 'ListMultipartUploadsResult') ?? {};
  const encoded = (text(r.EncodingType) ?? '').trim().toLowerCase() === 'url';
  const dec = (v: unknown): string => (encoded ? decodeListingValue(text(v) ?? '') : text(v) ?? '');
  const nextKey = text(r.NextKeyMarker);
  return {
    uploads: arr(r.Upload).map((u) => ({ key: dec(u.Key), uploadId: text(u.UploadId) ?? '', initiated: date(u.Initiated) })),
    prefixes: arr(r.CommonPrefixes).map((p) => dec(p.Prefix)),
    isTruncated: bool(r.IsTruncated),
    nextKeyMarker: nextKey ? dec(r.NextKeyMarker) : undefined,
    nextUploadIdMarker: trimmed(r.NextUploadIdMarker),
  };
}

export function parseDeleteResult(body: string): {
  deleted: Array<{ key: string; versionId?: string }>;
  errors: Array<{ key: string; versionId?: string; code: string; message?: string }>;
} {
  const r = root(parseXml(body), 'DeleteResult') ?? {};
  const encoded = (text(r.EncodingType) ?? '').trim().toLowerCase() === 'url';
  const dec = (v: unknown): string => (encoded ? decodeListingValue(text(v) ?? '') : text(v) ?? '');
  return {
    deleted: arr(r.Deleted).map((d) => {
      const v = trimmed(d.VersionId);
      return v === undefined ? { key: dec(d.Key) } : { key: dec(d.Key), versionId: v };
    }),
    errors: arr(r.Error).map((e) => {
      const out: { key: string; versionId?: string; code: string; message?: string } = { key: dec(e.Key), code: trimmed(e.Code) ?? 'Unknown' };
      const v = trimmed(e.VersionId);
      if (v !== undefined) {
        out.versionId = v;
      }
      const m = trimmed(e.Message);
      if (m !== undefined) {
        out.message = m;
      }
      return out;
    }),
  };
}

/** OBS `<Location>region</Location>`, AWS root `<LocationConstraint>` (empty = us-east-1), or the SDK-model nesting. */
export function parseBucketLocation(body: string): string {
  const doc = parseXml(body);
  const direct = doc.Location ?? doc.LocationConstraint;
  if (direct !== undefined) {
    return trimmed(direct) ?? 'us-east-1';
  }
  const nested = obj(doc.CreateBucketConfiguration);
  return trimmed(nested.LocationConstraint ?? nested.Location) ?? 'us-east-1';
}

export function parseBucketEncryption(body: string): {
  algorithm?: string; kmsKeyId?: string; dataAlgorithm?: string; projectId?: string;
} {
  const r = root(parseXml(body), 'ServerSideEncryptionConfiguration') ?? {};
  const rule = arr(r.Rule)[0] ?? {};
  const d = obj(rule.ApplyServerSideEncryptionByDefault);
  return {
    algorithm: trimmed(d.SSEAlgorithm),
    kmsKeyId: trimmed(d.KMSMasterKeyID),
    dataAlgorithm: trimmed(d.KMSDataEncryption),
    projectId: trimmed(d.ProjectID),
  };
}

/** Characters XML 1.0 cannot carry at all, not even as character references. */
export const XML_INVALID_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function escapeXml(s: string): string {
  // `\r` as a reference, or XML end-of-line handling would turn it into `\n`.
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

export function buildCompleteMultipartXml(parts: Array<{ partNumber: number; etag: string }>): string {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  return '<CompleteMultipartUpload>'
    + sorted.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('')
    + '</CompleteMultipartUpload>';
}

/** DeleteObjects body (at most 1000 objects; the caller batches). */
export function buildDeleteXml(objects: Array<{ key: string; versionId?: string }>, quiet: boolean): string {
  return '<?xml version="1.0" encoding="UTF-8"?><Delete>'
    + (quiet ? '<Quiet>true</Quiet>' : '')
    + objects.map((o) => `<Object><Key>${escapeXml(o.key)}</Key>${o.versionId ? `<VersionId>${escapeXml(o.versionId)}</VersionId>` : ''}</Object>`).join('')
    + '</Delete>';
}
