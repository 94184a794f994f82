// Copy with source and target encryption. Server-side first (CopyObject up to a threshold, UploadPartCopy above
// it); the target's encryption is verified after every copy. When the store answers NotImplemented (RGW before
// Ceph 20 for any encrypted source), refuses a re-keying part copy, or silently did not encrypt (RGW plain ->
// SSE-C), the copy is redone as a streamed download -> upload with the right keys. The result says which path ran.

import { StorageClient } from '../client/storageClient';
import { StorageError, isStorageError } from '../errors';
import { keyFingerprint } from '../digest';
import { CompleteResult, CopySource, EncryptionSpec, ObjectEncryption, ObjectHead, WriteOptions } from '../types';
import { withRetry } from '../retry';
import { linkedController, Semaphore } from './concurrency';
import { downloadObject } from './download';
import { choosePartSize, DEFAULT_CONCURRENCY, MiB, uploadObject } from './upload';
import { CopyTarget, FallbackReason, TransferCopyOptions, TransferCopyResult } from './transferTypes';
import { verifyEncryption } from '../verifyEncryption';
import { checkCopy } from './arguments';

export const DEFAULT_MULTIPART_COPY_THRESHOLD = 5 * 1024 * MiB;
export const DEFAULT_COPY_PART_SIZE = 64 * MiB;

const KNOWN_NOT_IMPLEMENTED = 'this server answered NotImplemented to an earlier copy of an encrypted object';

/** Thrown inside the server path to switch to the streamed one. */
class Fallback extends Error {
  constructor(readonly reason: FallbackReason, readonly detail: string) {
    super(detail);
  }
}

function targetKey(spec: EncryptionSpec | undefined): Uint8Array | undefined {
  return spec?.type === 'sse-c' ? spec.key : undefined;
}

/** Re-keying: the source's SSE-C key differs from the target's (RGW's UploadPartCopy cannot do that). */
function rekeying(source: CopySource, spec: EncryptionSpec | undefined): boolean {
  const tk = targetKey(spec);
  if (!source.sseCustomerKey) {
    return tk !== undefined;
  }
  return tk === undefined || keyFingerprint(tk) !== keyFingerprint(source.sseCustomerKey);
}

function errorDetail(e: StorageError): string {
  return `${e.operation}: HTTP ${e.status ?? '-'} ${e.serverCode ?? e.code}`;
}

/** The metadata the target gets: the source's (COPY, default) or the caller's (REPLACE). */
function targetMeta(opts: TransferCopyOptions, src: ObjectHead): Pick<WriteOptions, 'encryption' | 'contentType' | 'metadata'> {
  return opts.metadataDirective === 'REPLACE'
    ? { encryption: opts.encryption, contentType: opts.contentType, metadata: opts.metadata }
    : { encryption: opts.encryption, contentType: src.contentType, metadata: src.metadata };
}

export async function copyWithFallback(
  client: StorageClient, source: CopySource, target: CopyTarget, opts: TransferCopyOptions = {},
): Promise<TransferCopyResult> {
  checkCopy(client, source, target, opts);
  const mode = opts.mode ?? 'auto';
  if (mode === 'streamed') {
    return mustStream(client, source, target, opts, 'requested', 'the caller asked for a streamed copy');
  }
  const profile = client.profile;
  const q = profile.quirks;
  const threshold = opts.multipartCopyThreshold ?? DEFAULT_MULTIPART_COPY_THRESHOLD;
  const reKeys = rekeying(source, opts.encryption);
  if (mode === 'auto' && source.sseCustomerKey && q.encryptedCopyNotImplemented) {
    // Known outcome: go straight to the streamed path (no HEAD, no doomed CopyObject). Objects big enough for
    // UploadPartCopy still get their server-side chance below, unless this server also refuses re-keying part copies.
    const streamed = await streamedCopy(client, source, target, opts, 'known-unsupported', KNOWN_NOT_IMPLEMENTED,
      reKeys && q.rekeyingPartCopyRejected ? undefined : threshold);
    if (streamed) {
      return streamed;
    }
  }
  const src = await client.headObject(source.bucket, source.key, { sseCustomerKey: source.sseCustomerKey, signal: opts.signal });
  const multipart = src.size > threshold;
  const sourceEncrypted = src.encryption.type !== 'none';
  if (mode === 'auto' && !multipart && sourceEncrypted && q.encryptedCopyNotImplemented) {
    return mustStream(client, source, target, opts, 'known-unsupported', KNOWN_NOT_IMPLEMENTED, src.etag);
  }
  if (mode === 'auto' && multipart && reKeys && q.rekeyingPartCopyRejected) {
    return mustStream(client, source, target, opts, 'known-unsupported', 'this server refused an earlier re-keying UploadPartCopy', src.etag);
  }
  let unencryptedTarget = false;
  try {
    const landedUnencrypted = (): void => {
      unencryptedTarget = true;
    };
    const done = multipart
      ? await serverMultipartCopy(client, source, target, src, opts, landedUnencrypted)
      : await serverCopy(client, source, target, opts, landedUnencrypted);
    opts.onProgress?.({ operation: 'copy', bytes: src.size, totalBytes: src.size, partsDone: 1, partsTotal: 1 });
    return {
      etag: done.etag, encryption: done.encryption, size: src.size, path: multipart ? 'server-multipart-copy' : 'server-copy',
    };
  } catch (e) {
    let reason: FallbackReason;
    let detail: string;
    if (e instanceof Fallback) {
      reason = e.reason;
      detail = e.detail;
    } else if (isStorageError(e, 'NotImplemented')) {
      if (sourceEncrypted && !multipart) {
        profile.learn('encryptedCopyNotImplemented', true);
      }
      reason = 'not-implemented';
      detail = errorDetail(e);
    } else if (isStorageError(e) && e.operation === 'uploadPartCopy' && e.status === 400 && reKeys) {
      profile.learn('rekeyingPartCopyRejected', true);
      reason = 'part-copy-rejected';
      detail = errorDetail(e);
    } else {
      throw e;
    }
    if (mode === 'server') {
      throw new StorageError({
        code: reason === 'encryption-not-applied' ? 'NotEncrypted' : 'NotImplemented', operation: 'copy',
        bucket: target.bucket, key: target.key, message: `server-side copy not possible: ${detail}`,
      });
    }
    const inPlace = source.bucket === target.bucket && source.key === target.key;
    let streamOpts = opts;
    let sourceEtag = src.etag;
    if (inPlace && unencryptedTarget) {
      // The server rewrote the object in place without the asked-for encryption (same bytes, a new version):
      // stream from that version, and write only while it is still the current one.
      sourceEtag = (await client.headObject(source.bucket, source.key, { signal: opts.signal })).etag;
      streamOpts = { ...opts, sourceIfMatch: sourceEtag, targetIfMatch: opts.targetIfMatch === undefined ? undefined : sourceEtag };
    }
    try {
      return await mustStream(client, source, target, streamOpts, reason, detail, sourceEtag);
    } catch (e2) {
      // Never delete an in-place target: it is the only copy of the object.
      if (unencryptedTarget && !inPlace) {
        // Do not leave a plaintext copy where an encrypted one was asked for.
        await client.deleteObject(target.bucket, target.key).catch(() => undefined);
      }
      throw e2;
    }
  }
}

/** A NotEncrypted from the one verifier: the copy landed without the asked-for encryption; go the streamed path. */
function notApplied(e: unknown, landedUnencrypted: () => void): never {
  if (!isStorageError(e, 'NotEncrypted')) {
    throw e;
  }
  landedUnencrypted();
  throw new Fallback('encryption-not-applied', `the server-side copy was not stored with the requested encryption (${e.message})`);
}

/** CopyObject; the client verifies the target's encryption itself. */
async function serverCopy(
  client: StorageClient, source: CopySource, target: CopyTarget, opts: TransferCopyOptions, landedUnencrypted: () => void,
): Promise<{ etag: string; encryption: ObjectEncryption }> {
  try {
    return await client.copyObject(source, target.bucket, target.key, {
      encryption: opts.encryption, metadataDirective: opts.metadataDirective, contentType: opts.contentType, metadata: opts.metadata,
      signal: opts.signal, sourceIfMatch: opts.sourceIfMatch,
    });
  } catch (e) {
    return notApplied(e, landedUnencrypted);
  }
}

/** UploadPartCopy in parallel, then Complete; the target's encryption is verified after the Complete. */
async function serverMultipartCopy(
  client: StorageClient, source: CopySource, target: CopyTarget, src: ObjectHead, opts: TransferCopyOptions, landedUnencrypted: () => void,
): Promise<{ etag: string; encryption: ObjectEncryption }> {
  const size = src.size;
  const partSize = choosePartSize(size, opts.partSize ?? DEFAULT_COPY_PART_SIZE);
  const count = Math.max(1, Math.ceil(size / partSize));
  const pinned: CopySource = { ...source, versionId: source.versionId ?? src.versionId };
  const { uploadId } = await client.initiateMultipartUpload(target.bucket, target.key, { ...targetMeta(opts, src), signal: opts.signal });
  const { controller, dispose } = linkedController(opts.signal);
  const sem = new Semaphore(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const etags = new Array<string>(count);
  const running: Array<Promise<void>> = [];
  let failure: unknown;
  let partsDone = 0;
  let bytes = 0;
  let done: CompleteResult;
  try {
    for (let i = 0; i < count && failure === undefined; i++) {
      await sem.acquire();
      if (failure !== undefined || controller.signal.aborted) {
        sem.release();
        break;
      }
      const start = i * partSize;
      const end = Math.min(size, start + partSize) - 1;
      running.push((async () => {
        try {
          const part = await withRetry({ attempts: 4, signal: controller.signal, ctx: { operation: 'copy', bucket: target.bucket, key: target.key } }, () => client.uploadPartCopy(target.bucket, target.key, uploadId, i + 1, pinned, {
            range: { start, end }, sseCustomerKey: targetKey(opts.encryption), signal: controller.signal,
          }));
          etags[i] = part.etag;
          partsDone++;
          bytes += end - start + 1;
          opts.onProgress?.({ operation: 'copy', bytes, totalBytes: size, partsDone, partsTotal: count });
        } catch (e) {
          if (failure === undefined) {
            failure = e;
          }
          controller.abort();
        } finally {
          sem.release();
        }
      })());
    }
    await Promise.all(running);
    if (failure !== undefined) {
      throw failure;
    }
    done = await client.completeMultipartUpload(target.bucket, target.key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })), {
      sseCustomerKey: targetKey(opts.encryption), signal: opts.signal,
    });
  } catch (e) {
    controller.abort();
    await Promise.allSettled(running);
    await withRetry({ attempts: 4 }, () => client.abortMultipartUpload(target.bucket, target.key, uploadId)).catch(() => undefined);
    throw e;
  } finally {
    dispose();
  }
  try {
    const encryption = await verifyEncryption((b, k, o) => client.headObject(b, k, o), { operation: 'copy', bucket: target.bucket, key: target.key },
      opts.encryption, done.encryption, opts.signal);
    return { etag: done.etag, encryption };
  } catch (e) {
    return notApplied(e, landedUnencrypted);
  }
}

/**
 * Download -> upload with the source key for reading and the target encryption for writing. With `maxSize`, gives
 * up (undefined) before transferring anything when the source turns out larger than that.
 */
async function streamedCopy(
  client: StorageClient, source: CopySource, target: CopyTarget, opts: TransferCopyOptions,
  reason: FallbackReason, detail: string, maxSize?: number, sourceEtag?: string,
): Promise<TransferCopyResult | undefined> {
  const { head, body, cancel } = await downloadObject(client, source.bucket, source.key, {
    sseCustomerKey: source.sseCustomerKey, signal: opts.signal, concurrency: opts.concurrency, memory: opts.memory, ifMatch: opts.sourceIfMatch ?? sourceEtag,
  });
  if (maxSize !== undefined && head.size > maxSize) {
    cancel();
    return undefined;
  }
  const meta = targetMeta(opts, head);
  const up = await uploadObject(client, target.bucket, target.key, { kind: 'stream', stream: body, size: head.size }, {
    ...meta, signal: opts.signal, concurrency: opts.concurrency, memory: opts.memory, partSize: opts.partSize, ifMatch: opts.targetIfMatch,
    onProgress: opts.onProgress ? (p) => opts.onProgress?.({ ...p, operation: 'copy' }) : undefined,
  });
  return {
    etag: up.etag, encryption: up.encryption, size: up.size, path: 'streamed', fallbackReason: reason, fallbackDetail: detail,
  };
}

async function mustStream(
  client: StorageClient, source: CopySource, target: CopyTarget, opts: TransferCopyOptions,
  reason: FallbackReason, detail: string, sourceEtag?: string,
): Promise<TransferCopyResult> {
  const r = await streamedCopy(client, source, target, opts, reason, detail, undefined, sourceEtag);
  if (!r) {
    throw new StorageError({ code: 'Unknown', operation: 'copy', message: 'streamed copy did not run' });
  }
  return r;
}
