// Append: OBS `POST ?append&position=N` (x-obs-next-append-position), RGW `PUT ?append&position=N`
// (x-rgw-next-append-position). The dialect table picks the verb; either response header is read.

import { md5Base64 } from '../digest';
import { header, Transport } from '../transport';
import { parseEncryption, repeatedEncryptionHeaders } from '../sse';
import { AppendResult, WriteOptions } from '../types';
import { objectWriteHeaders } from './writeObject';
import { verifyEncryption } from '../verifyEncryption';
import { headObject } from './readObject';

/**
 * Appends `body` at `position` (0 creates the object). Encryption, content type and metadata apply on the first
 * append only (SSE-KMS and metadata are fixed then); an SSE-C key must accompany every append.
 * The first append is checked like a PUT: RGW 16 answers 200 to SSE-C and SSE-KMS appends but stores the data
 * unencrypted (measured: readable without the key, no SSE in HEAD), which gives `NotEncrypted`.
 */
export async function appendObject(
  t: Transport, bucket: string, key: string, position: number, body: Uint8Array, opts?: WriteOptions,
): Promise<AppendResult> {
  const headers = position === 0 ? objectWriteHeaders(t.dialect, opts) : repeatedEncryptionHeaders(opts?.encryption, t.dialect);
  headers['content-md5'] = md5Base64(body);
  const res = await t.send({
    operation: 'appendObject', method: t.dialect.appendMethod, bucket, key, body, signal: opts?.signal, headers,
    query: [['append', ''], ['position', String(position)]],
  });
  const next = header(res.headers, t.dialect.nextAppendPositionHeader)
    ?? header(res.headers, 'x-obs-next-append-position') ?? header(res.headers, 'x-rgw-next-append-position');
  const parsed = next === undefined ? NaN : Number(next);
  let encryption = parseEncryption(res.headers);
  if (position === 0) {
    encryption = await verifyEncryption((b, k, o) => headObject(t, b, k, o), { operation: 'appendObject', bucket, key }, opts?.encryption, encryption, opts?.signal);
  }
  return {
    etag: header(res.headers, 'etag') ?? '',
    nextPosition: Number.isFinite(parsed) ? parsed : position + body.length,
    encryption,
  };
}
