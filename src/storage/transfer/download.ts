// Streamed download. Small objects: one GET, resumed with a Range from where it broke. Large objects: ranged GETs
// in parallel (SSE-C key on each), delivered strictly in order with at most `concurrency` ranges held. Every answer
// must carry the ETag of the HEAD and the total size is checked, so a download never silently mixes versions.

import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageClient } from '../client';
import { StorageError } from '../errors';
import { ObjectHead } from '../types';
import { conflictError, sameEtag } from './conditional';
import { asStorageError, linkedController, withRetry } from './control';
import { ByteCounter } from './memory';
import { DownloadOptions } from './types';
import { MiB } from './upload';

export const DEFAULT_PARALLEL_THRESHOLD = 32 * MiB;
export const DEFAULT_RANGE_SIZE = 8 * MiB;

export interface Download {
  head: ObjectHead;
  /** The object's bytes in order; stop iterating (break) to cancel. */
  body: AsyncIterable<Uint8Array>;
}

function changed(bucket: string, key: string, expected: string, got: string | undefined): StorageError {
  return conflictError('download', bucket, key, { ifMatch: expected }, got);
}

function sizeMismatch(bucket: string, key: string, detail: string): StorageError {
  return new StorageError({ code: 'Network', operation: 'download', bucket, key, message: `download (${bucket}/${key}): ${detail}` });
}

export async function downloadObject(client: StorageClient, bucket: string, key: string, opts: DownloadOptions = {}): Promise<Download> {
  const head = await client.headObject(bucket, key, { sseCustomerKey: opts.sseCustomerKey, signal: opts.signal });
  if (opts.ifMatch !== undefined && !sameEtag(opts.ifMatch, head.etag)) {
    throw changed(bucket, key, opts.ifMatch, head.etag);
  }
  const threshold = opts.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  const body = head.size >= threshold && head.size > 0
    ? rangedBody(client, bucket, key, head, opts)
    : sequentialBody(client, bucket, key, head, opts);
  return { head, body };
}

async function* sequentialBody(client: StorageClient, bucket: string, key: string, head: ObjectHead, opts: DownloadOptions): AsyncGenerator<Uint8Array> {
  const size = head.size;
  const attempts = Math.max(1, opts.maxRangeAttempts ?? 4);
  let pos = 0;
  let failures = 0;
  for (;;) {
    const res = await withRetry(attempts, opts.signal, () => client.getObject(bucket, key, {
      sseCustomerKey: opts.sseCustomerKey, signal: opts.signal, range: pos > 0 ? { start: pos } : undefined,
    }));
    if (!sameEtag(res.head.etag, head.etag)) {
      res.body.cancel?.();
      throw changed(bucket, key, head.etag, res.head.etag);
    }
    try {
      for await (const chunk of res.body) {
        pos += chunk.byteLength;
        if (pos > size) {
          throw sizeMismatch(bucket, key, `the server sent more than the ${size} bytes announced`);
        }
        yield chunk;
        opts.onProgress?.({ operation: 'download', bytes: pos, totalBytes: size, partsDone: pos === size ? 1 : 0, partsTotal: 1 });
      }
    } catch (e) {
      res.body.cancel?.();
      const err = asStorageError(e, 'download', bucket, key);
      failures++;
      if (opts.signal?.aborted || failures >= attempts || (err.code !== 'Network' && err.code !== 'Timeout')) {
        throw err;
      }
      continue; // resume from `pos` with a Range request
    } finally {
      res.body.cancel?.();
    }
    if (pos !== size) {
      throw sizeMismatch(bucket, key, `received ${pos} of ${size} bytes`);
    }
    return;
  }
}

async function* rangedBody(client: StorageClient, bucket: string, key: string, head: ObjectHead, opts: DownloadOptions): AsyncGenerator<Uint8Array> {
  const size = head.size;
  const rangeSize = Math.max(64 * 1024, opts.rangeSize ?? DEFAULT_RANGE_SIZE);
  const count = Math.ceil(size / rangeSize);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const attempts = Math.max(1, opts.maxRangeAttempts ?? 4);
  const memory = opts.memory ?? new ByteCounter();
  const { controller, dispose } = linkedController(opts.signal);
  const signal = controller.signal;
  const pending: Array<Promise<Buffer>> = [];
  const held = new Map<number, number>();

  const fetchRange = async (i: number): Promise<Buffer> => {
    const start = i * rangeSize;
    const end = Math.min(size, start + rangeSize) - 1;
    const length = end - start + 1;
    memory.acquire(length);
    held.set(i, length);
    try {
      return await withRetry(attempts, signal, async () => {
        const res = await client.getObject(bucket, key, { sseCustomerKey: opts.sseCustomerKey, range: { start, end }, signal });
        if (!sameEtag(res.head.etag, head.etag)) {
          res.body.cancel?.();
          throw changed(bucket, key, head.etag, res.head.etag);
        }
        if (res.head.size !== size) {
          res.body.cancel?.();
          throw sizeMismatch(bucket, key, `range ${start}-${end} reports a total of ${res.head.size} bytes, not ${size}`);
        }
        const buf = Buffer.allocUnsafe(length);
        let filled = 0;
        try {
          for await (const chunk of res.body) {
            if (filled + chunk.byteLength > length) {
              throw sizeMismatch(bucket, key, `range ${start}-${end} is longer than asked`);
            }
            buf.set(chunk, filled);
            filled += chunk.byteLength;
          }
        } catch (e) {
          res.body.cancel?.();
          throw asStorageError(e, 'download', bucket, key);
        }
        if (filled !== length) {
          throw sizeMismatch(bucket, key, `range ${start}-${end} ended after ${filled} bytes`);
        }
        return buf;
      });
    } catch (e) {
      memory.release(length);
      held.delete(i);
      throw e;
    }
  };
  const launch = (i: number): void => {
    const p = fetchRange(i);
    p.catch(() => undefined); // awaited in order below; this only keeps an early rejection from being "unhandled"
    pending[i] = p;
  };

  try {
    for (let i = 0; i < Math.min(concurrency, count); i++) {
      launch(i);
    }
    let delivered = 0;
    for (let i = 0; i < count; i++) {
      const buf = await pending[i];
      delivered += buf.length;
      yield buf;
      memory.release(held.get(i) ?? 0);
      held.delete(i);
      opts.onProgress?.({ operation: 'download', bytes: delivered, totalBytes: size, partsDone: i + 1, partsTotal: count });
      if (i + concurrency < count) {
        launch(i + concurrency);
      }
    }
    if (delivered !== size) {
      throw sizeMismatch(bucket, key, `received ${delivered} of ${size} bytes`);
    }
  } finally {
    controller.abort();
    await Promise.allSettled(pending);
    for (const n of held.values()) {
      memory.release(n);
    }
    held.clear();
    dispose();
  }
}

/** Downloads into `path` (via `path.part`, renamed on success; removed on failure). */
export async function downloadToFile(client: StorageClient, bucket: string, key: string, path: string, opts: DownloadOptions = {}): Promise<ObjectHead> {
  const { head, body } = await downloadObject(client, bucket, key, opts);
  const tmp = `${path}.part`;
  try {
    await pipeline(Readable.from(body, { objectMode: false }), createWriteStream(tmp), { signal: opts.signal });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw asStorageError(e, 'download', bucket, key);
  }
  return head;
}
