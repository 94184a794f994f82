// Single-object write: PUT.

import { md5Base64 } from '../digest';
import { header, Transport } from '../transport';
import { encryptionHeaders, parseEncryption } from '../sse';
import { PutResult, WriteOptions } from '../types';
import { Dialect } from '../dialect';
import { verifyEncryption } from '../verifyEncryption';
import { sendConditional } from './conditionalRequest';
import { headObject } from './readObject';

/** Headers describing the object written: content type, user metadata, encryption. */
export function objectWriteHeaders(dialect: Dialect, opts?: WriteOptions): Record<string, string> {
  const h: Record<string, string> = { ...encryptionHeaders(opts?.encryption, dialect) };
  if (opts?.contentType) {
    h['content-type'] = opts.contentType;
  }
  for (const [name, value] of Object.entries(opts?.metadata ?? {})) {
    h[dialect.metadataPrefix + name.toLowerCase()] = value;
  }
  return h;
}

export async function putObject(t: Transport, bucket: string, key: string, body: Uint8Array, opts?: WriteOptions): Promise<PutResult> {
  const base = objectWriteHeaders(t.dialect, opts);
  base['content-md5'] = md5Base64(body);
  const res = await sendConditional(t, { operation: 'putObject', bucket, key, signal: opts?.signal }, { ifMatch: opts?.ifMatch, ifNoneMatch: opts?.ifNoneMatch },
    (conditions) => t.send({ operation: 'putObject', method: 'PUT', bucket, key, body, signal: opts?.signal, headers: { ...base, ...conditions } }));
  const encryption = await verifyEncryption((b, k, o) => headObject(t, b, k, o), { operation: 'putObject', bucket, key }, opts?.encryption, parseEncryption(res.headers), opts?.signal);
  const out: PutResult = { etag: header(res.headers, 'etag') ?? '', encryption };
  const version = header(res.headers, 'x-amz-version-id') ?? header(res.headers, 'x-obs-version-id');
  if (version) {
    out.versionId = version;
  }
  return out;
}
