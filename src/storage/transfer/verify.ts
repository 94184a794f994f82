// Does what the server reports about an object's encryption match what was asked for?

import { keyFingerprint } from '../digest';
import { EncryptionSpec, ObjectEncryption } from '../types';

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
      if (!spec.keyId || !got.keyId) {
        return true;
      }
      // OBS answers the long form `region:domain:key/<id>` for a bare id.
      return got.keyId === spec.keyId || got.keyId.endsWith(`/${spec.keyId}`) || got.keyId.endsWith(`:${spec.keyId}`);
    }
    case 'service':
      return got.type === 'service';
  }
}

/** The response carried no encryption echo at all (then a HEAD must decide). */
export function noEcho(got: ObjectEncryption): boolean {
  return got.type === 'none';
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
