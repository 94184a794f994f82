// The one human label of an object's encryption (and of the encryption a new object gets), used by the tree, the
// decorations, the status bar, reports, prompts and obs.whichKey.
import type { BucketEncryption, ObjectEncryption } from '../storage';
import { shortFingerprint } from './keyMaterial';
import type { NewObjectEncryption } from './rules';

/** For SSE-C objects: whether a stored key opens it, and that key's label. */
export interface OpeningKey {
  stored: boolean;
  label?: string;
}

export function encryptionLabel(e: ObjectEncryption | 'sse-c-unknown-key' | undefined, key?: OpeningKey): string | undefined {
  if (!e) {
    return undefined;
  }
  if (e === 'sse-c-unknown-key') {
    return 'SSE-C';
  }
  switch (e.type) {
    case 'none':
      return 'not encrypted';
    case 'service':
      return 'SSE (service key)';
    case 'kms':
      return e.keyId ? `SSE-KMS ${e.keyId}` : 'SSE-KMS';
    case 'sse-c': {
      const md5 = e.keyMd5 ? shortFingerprint(e.keyMd5) : undefined;
      if (key && !key.stored) {
        return md5 ? `SSE-C, key not stored (MD5 ${md5})` : 'SSE-C, key not stored';
      }
      if (key?.label) {
        return md5 ? `SSE-C ${key.label} (${md5})` : `SSE-C ${key.label}`;
      }
      return md5 ? `SSE-C ${md5}` : 'SSE-C';
    }
  }
}

/** The encryption a rule or a connection default gives new objects. */
export function newEncryptionLabel(e: NewObjectEncryption, keyLabel?: string): string {
  switch (e.type) {
    case 'none':
      return 'not encrypted';
    case 'kms':
      return e.kmsKeyId ? `SSE-KMS ${e.kmsKeyId}` : 'SSE-KMS (the bucket\'s default KMS key)';
    case 'sse-c':
      return keyLabel ? `SSE-C ${keyLabel} (${shortFingerprint(e.keyFingerprint)})` : `SSE-C ${shortFingerprint(e.keyFingerprint)}`;
  }
}

/** A bucket's default encryption (what the server applies to objects written without any). */
export function bucketEncryptionLabel(b: BucketEncryption | undefined): string {
  if (!b) {
    return 'none';
  }
  if (b.algorithm === 'kms') {
    return b.kmsKeyId ? `SSE-KMS ${b.kmsKeyId}` : 'SSE-KMS (the server\'s default KMS key)';
  }
  return 'SSE (service key)';
}
