// Response headers -> ObjectHead.

import { header, ResponseHeaders } from '../transport';
import { parseEncryption } from '../sse';
import { ObjectHead } from '../types';

function int(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') {
    return undefined;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** User metadata from `x-amz-meta-*` / `x-obs-meta-*` (names lower-cased by HTTP, prefix removed). */
export function parseMetadata(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const m = /^x-(amz|obs)-meta-(.+)$/.exec(name.toLowerCase());
    if (m && value !== undefined) {
      out[m[2]] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return out;
}

/** Total object size: from Content-Range (`bytes a-b/total`) on ranged answers, else Content-Length. */
function objectSize(headers: ResponseHeaders): number {
  const range = header(headers, 'content-range');
  const m = range ? /\/(\d+)\s*$/.exec(range) : null;
  if (m) {
    return Number(m[1]);
  }
  return int(header(headers, 'content-length')) ?? 0;
}

export function parseObjectHead(headers: ResponseHeaders): ObjectHead {
  const lm = header(headers, 'last-modified');
  const lastModified = lm ? new Date(lm) : new Date(0);
  const head: ObjectHead = {
    size: objectSize(headers),
    etag: header(headers, 'etag') ?? '',
    lastModified: Number.isNaN(lastModified.getTime()) ? new Date(0) : lastModified,
    encryption: parseEncryption(headers),
    metadata: parseMetadata(headers),
  };
  const ct = header(headers, 'content-type');
  if (ct) {
    head.contentType = ct;
  }
  const next = int(header(headers, 'x-obs-next-append-position') ?? header(headers, 'x-rgw-next-append-position'));
  if (next !== undefined) {
    head.nextAppendPosition = next;
  }
  const version = header(headers, 'x-amz-version-id') ?? header(headers, 'x-obs-version-id');
  if (version) {
    head.versionId = version;
  }
  return head;
}
