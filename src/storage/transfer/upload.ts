// Upload of a file or stream of known size: one PUT below a threshold, otherwise a multipart upload with parts in
// parallel, each with Content-MD5 and (SSE-C) the customer key, retried on its own. A failed or cancelled multipart
// upload is aborted on the server, so nothing is left behind and the previous object stays as it was.

import { StorageClient } from '../client/storageClient';
import { abortedError, isStorageError, StorageError } from '../errors';
import { checkUpload } from './arguments';
import { EncryptionSpec } from '../types';
import { verifyEncryption } from '../verifyEncryption';
import { checkConditions, Conditions, ListObjects } from '../conditions';
import { withRetry } from '../retry';
import { linkedController, Semaphore } from './concurrency';
import { ByteCounter } from './memory';
import { openSource, PartReader } from './source';
import { UploadOptions, UploadResult, UploadSource } from './transferTypes';

export const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
export const DEFAULT_PART_SIZE = 8 * MiB;
export const DEFAULT_MULTIPART_THRESHOLD = 16 * MiB;
export const DEFAULT_CONCURRENCY = 4;

/** The part size for `size` bytes: the requested size (default 8 MiB), at least 5 MiB, raised to stay within 10,000 parts. */
export function choosePartSize(size: number, requested?: number): number {
  let part = Math.max(MIN_PART_SIZE, Math.floor(requested ?? DEFAULT_PART_SIZE));
  const needed = Math.ceil(size / MAX_PARTS);
  if (needed > part) {
    part = Math.ceil(needed / MiB) * MiB;
  }
  if (part > MAX_PART_SIZE) {
    throw new StorageError({
      code: 'EntityTooLarge', operation: 'upload',
      message: `an object of ${size} bytes needs parts above the 5 GiB limit`,
    });
  }
  return part;
}

function sseKey(spec: EncryptionSpec | undefined): Uint8Array | undefined {
  return spec?.type === 'sse-c' ? spec.key : undefined;
}

export async function uploadObject(
  client: StorageClient, bucket: string, key: string, source: UploadSource, opts: UploadOptions = {},
): Promise<UploadResult> {
  checkUpload('upload', client, bucket, key, source, opts);
  const reader = await openSource(source);
  try {
    const threshold = Math.max(MIN_PART_SIZE, opts.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD);
    return reader.size < threshold
      ? await singlePut(client, bucket, key, reader, opts)
      : await multipartUpload(client, bucket, key, reader, opts);
  } finally {
    await reader.close();
  }
}

function conditionsOf(opts: UploadOptions): Conditions {
  return { ifMatch: opts.ifMatch, ifNoneMatch: opts.ifNoneMatch };
}

async function singlePut(client: StorageClient, bucket: string, key: string, reader: PartReader, opts: UploadOptions): Promise<UploadResult> {
  const memory = opts.memory ?? new ByteCounter();
  const startPeak = memory.peak;
  const size = reader.size;
  const held = reader.copies ? size : 0;
  memory.acquire(held);
  try {
    const body = await reader.read(0, size, opts.signal);
    await reader.checkEnd();
    const meta = { encryption: opts.encryption, contentType: opts.contentType, metadata: opts.metadata };
    // The client applies the If-Match policy and verifies the encryption (PreconditionFailed, NotEncrypted otherwise).
    const res = await client.putObject(bucket, key, body, { ...meta, ...conditionsOf(opts), signal: opts.signal });
    opts.onProgress?.({ operation: 'upload', bytes: size, totalBytes: size, partsDone: 1, partsTotal: 1 });
    return {
      etag: res.etag, encryption: res.encryption, versionId: res.versionId, size, multipart: false, parts: 1,
      peakBytesHeld: Math.max(held, memory.peak - startPeak),
    };
  } finally {
    memory.release(held);
  }
}

/** Aborts a multipart upload, retrying a few times; never under the caller's (possibly aborted) signal. */
async function abortQuietly(client: StorageClient, bucket: string, key: string, uploadId: string): Promise<unknown> {
  try {
    await withRetry({ attempts: 4 }, () => client.abortMultipartUpload(bucket, key, uploadId));
    return undefined;
  } catch (e) {
    return e;
  }
}

async function multipartUpload(client: StorageClient, bucket: string, key: string, reader: PartReader, opts: UploadOptions): Promise<UploadResult> {
  const memory = opts.memory ?? new ByteCounter();
  const own = new ByteCounter();
  const size = reader.size;
  const partSize = choosePartSize(size, opts.partSize);
  const partsTotal = Math.ceil(size / partSize);
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const attempts = Math.max(1, opts.maxPartAttempts ?? 4);
  const cond = conditionsOf(opts);
  const list: ListObjects = (b, o) => client.listObjects(b, o);
  const meta = { encryption: opts.encryption, contentType: opts.contentType, metadata: opts.metadata };

  // Fail before sending gigabytes when the condition already does not hold.
  await checkConditions(list, bucket, key, cond, 'upload', opts.signal);
  const { uploadId } = await client.initiateMultipartUpload(bucket, key, { ...meta, signal: opts.signal });
  const { controller, dispose } = linkedController(opts.signal);
  const signal = controller.signal;
  const etags: string[] = new Array<string>(partsTotal);
  const sem = new Semaphore(concurrency);
  const running: Array<Promise<void>> = [];
  let failure: unknown;
  let bytesDone = 0;
  let partsDone = 0;
  let completed = false;
  const fail = (e: unknown): void => {
    if (failure === undefined) {
      failure = e;
    }
    controller.abort();
  };

  try {
    for (let n = 1; n <= partsTotal; n++) {
      await sem.acquire();
      if (failure !== undefined || signal.aborted) {
        sem.release();
        break;
      }
      const offset = (n - 1) * partSize;
      const length = Math.min(partSize, size - offset);
      const held = reader.copies ? length : 0;
      memory.acquire(held);
      own.acquire(held);
      let body: Uint8Array;
      try {
        body = await reader.read(offset, length, signal);
      } catch (e) {
        memory.release(held);
        own.release(held);
        sem.release();
        fail(e);
        break;
      }
      const partNumber = n;
      running.push((async () => {
        try {
          const part = await withRetry({ attempts, signal, ctx: { operation: 'upload', bucket, key } }, () => client.uploadPart(bucket, key, uploadId, partNumber, body, {
            sseCustomerKey: sseKey(opts.encryption), signal,
          }));
          etags[partNumber - 1] = part.etag;
          bytesDone += length;
          partsDone++;
          opts.onProgress?.({ operation: 'upload', bytes: bytesDone, totalBytes: size, partsDone, partsTotal });
        } catch (e) {
          fail(e);
        } finally {
          reader.recycle?.(body);
          memory.release(held);
          own.release(held);
          sem.release();
        }
      })());
    }
    await Promise.all(running);
    if (failure === undefined && signal.aborted) {
      failure = abortedError({ operation: 'upload', bucket, key });
    }
    if (failure !== undefined) {
      throw failure;
    }
    await reader.checkEnd();
    const parts = etags.map((etag, i) => ({ partNumber: i + 1, etag }));
    if (client.profile.quirks.conditionalCompleteIgnored) {
      // The server may ignore If-Match / If-None-Match on Complete (RGW does): check right before it (a narrow window,
      // not atomic, on such servers; the server still gets the headers).
      await checkConditions(list, bucket, key, cond, 'upload', opts.signal);
    }
    // The client applies the If-Match policy, repeats a Complete whose answer was lost and accepts the repeat's
    // NoSuchUpload only when the object is provably this upload (see completeMultipartUpload).
    const done = await client.completeMultipartUpload(bucket, key, uploadId, parts, {
      ...cond, sseCustomerKey: sseKey(opts.encryption), signal: opts.signal,
    });
    completed = true;
    let { etag, versionId } = done;
    const encryption = await verifyEncryption((b, k, o) => client.headObject(b, k, o), { operation: 'upload', bucket, key },
      opts.encryption, done.encryption, opts.signal);
    if (!etag) {
      // The Complete answer had none and the client's own HEAD for it failed: one more try.
      const head = await client.headObject(bucket, key, { sseCustomerKey: sseKey(opts.encryption), signal: opts.signal });
      etag = head.etag;
      versionId ??= head.versionId;
    }
    return { etag, encryption, versionId, size, multipart: true, parts: partsTotal, peakBytesHeld: own.peak };
  } catch (e) {
    if (!completed) {
      controller.abort();
      await Promise.allSettled(running);
      const abortFailure = await abortQuietly(client, bucket, key, uploadId);
      if (abortFailure !== undefined) {
        // Keep the original error's code; name the upload id so it can be cleaned up.
        throw new StorageError({
          code: isStorageError(e) ? e.code : 'Unknown', operation: 'upload', bucket, key,
          message: `${(e as Error).message}; aborting multipart upload ${uploadId} also failed: ${(abortFailure as Error).message}`,
        });
      }
    }
    if (opts.signal?.aborted && !isStorageError(e, 'Aborted')) {
      throw abortedError({ operation: 'upload', bucket, key });
    }
    throw e;
  } finally {
    dispose();
  }
}
