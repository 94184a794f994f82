// THE check "did the server apply the encryption we asked for". Servers accept encrypted writes and store plaintext
// (RGW 16: SSE-C and SSE-KMS appends, a plain -> SSE-C copy, SSE-S3 PUTs): a write's answer is trusted when its echo
// matches the request, otherwise the object itself is asked (a HEAD with the target's key). Every write path uses
// this one function: the client's PUT, first append and CopyObject, the transfer's multipart upload and copy.

import { ErrorContext, isStorageError, StorageError } from './errors';
import { keyFingerprint } from './digest';
import { EncryptionSpec, ObjectEncryption, ObjectHead, ReadOptions } from './types';

/** True when `got` satisfies `spec`. `none`/absent asks for nothing, so anything satisfies it. */
export function encryptionMatches(spec: EncryptionSpec | undefined, got: ObjectEncryption): boolean {
  if (!spec || spec.type === 'none') {
    return true;
  }
  switch (spec.type) {
    case 'sse-c':
      return got.type === 'sse-c' && got.keyMd5 === keyFingerprint(spec.key);
    case 'kms': {
      if (got.type !== 'kms') {
        return false;
      }
      return !spec.keyId || !got.keyId || sameKmsKey(spec.keyId, got.keyId);
    }
    case 'service':
      return got.type === 'service';
  }
}

/** The KMS key asked for (`asked`) is the one the server names (`got`): OBS answers `region:domain:key/<id>` for a bare id. */
export function sameKmsKey(asked: string, got: string): boolean {
  return got === asked || got.endsWith(`/${asked}`) || got.endsWith(`:${asked}`);
}

export function describeEncryption(e: ObjectEncryption | EncryptionSpec | undefined): string {
  if (!e) {
    return 'none';
  }
  switch (e.type) {
    case 'sse-c':
      return 'SSE-C';
    case 'kms':
      return e.keyId ? `SSE-KMS (${e.keyId})` : 'SSE-KMS';
    case 'service':
      return 'SSE (service-managed)';
    case 'none':
      return 'none';
  }
}

/** `NotEncrypted`: the write happened, but the object does not carry `asked` (`got` undefined: unreadable with its key). */
export function notEncryptedError(ctx: ErrorContext, asked: EncryptionSpec | undefined, got: ObjectEncryption | undefined): StorageError {
  const stored = got === undefined ? 'so that the requested key does not open it'
    : got.type === 'none' ? 'WITHOUT encryption (the object now exists unencrypted)' : `as ${describeEncryption(got)}`;
  return new StorageError({
    code: 'NotEncrypted', operation: ctx.operation, bucket: ctx.bucket, key: ctx.key,
    message: `${ctx.operation} (${ctx.bucket}/${ctx.key}): the server accepted the request but stored the object ${stored}, `
      + `not with the requested ${describeEncryption(asked)} encryption`,
  });
}

/** HEAD of the written object (the client's own, or StorageClient.headObject). */
export type HeadObject = (bucket: string, key: string, opts: ReadOptions) => Promise<ObjectHead>;

/**
 * The object's encryption, proven to be what `spec` asks: `reported` (the write's answer) when it matches, else what
 * a HEAD with the target's SSE-C key says. Throws `NotEncrypted` when the object does not carry the encryption asked
 * for, also when that HEAD is refused for the key (KeyWrong / KeyMissing: it is not encrypted with it).
 */
export async function verifyEncryption(
  head: HeadObject, ctx: ErrorContext & { bucket: string; key: string }, spec: EncryptionSpec | undefined,
  reported: ObjectEncryption, signal?: AbortSignal,
): Promise<ObjectEncryption> {
  if (encryptionMatches(spec, reported)) {
    return reported;
  }
  let got: ObjectEncryption;
  try {
    got = (await head(ctx.bucket, ctx.key, { signal, sseCustomerKey: spec?.type === 'sse-c' ? spec.key : undefined })).encryption;
  } catch (e) {
    if (isStorageError(e, 'KeyWrong') || isStorageError(e, 'KeyMissing')) {
      throw notEncryptedError(ctx, spec, undefined);
    }
    throw e;
  }
  if (!encryptionMatches(spec, got)) {
    throw notEncryptedError(ctx, spec, got);
  }
  return got;
}
