// Servers may accept an encrypted write and store plaintext (RGW: SSE-S3 PUT, plain -> SSE-C copy). Check.

import { StorageError } from '../errors';
import { Transport } from '../transport';
import { EncryptionSpec, ObjectEncryption } from '../types';
import { headObject } from './readObject';

/**
 * Returns the object's encryption, confirmed by a HEAD when the write response did not echo any. Throws
 * `NotEncrypted` when encryption was asked for and the object turned out to be stored without it.
 */
export async function ensureEncrypted(
  t: Transport, bucket: string, key: string, spec: EncryptionSpec | undefined, reported: ObjectEncryption,
  operation: string, signal?: AbortSignal,
): Promise<ObjectEncryption> {
  if (!spec || spec.type === 'none' || reported.type !== 'none') {
    return reported;
  }
  const head = await headObject(t, bucket, key, { signal, sseCustomerKey: spec.type === 'sse-c' ? spec.key : undefined });
  if (head.encryption.type === 'none') {
    throw new StorageError({
      code: 'NotEncrypted', operation, bucket, key,
      message: `${operation} (${bucket}/${key}): the server accepted the request but stored the object WITHOUT the requested `
        + `${spec.type} encryption; the object now exists unencrypted`,
    });
  }
  return head.encryption;
}
