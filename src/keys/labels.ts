// The one human label of an object's encryption, used by the tree, reports and prompts.
import type { ObjectEncryption } from '../storage';
import { shortFingerprint } from './keyMaterial';

export function encryptionLabel(e: ObjectEncryption | 'sse-c-unknown-key' | undefined): string | undefined {
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
    case 'sse-c':
      return `SSE-C ${shortFingerprint(e.keyMd5)}`;
  }
}
