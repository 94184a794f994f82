// The MD5 the protocol needs, in one place: Content-MD5 of a body, and an SSE-C key's fingerprint.

import { createHash } from 'node:crypto';

/** base64(MD5(data)): the Content-MD5 value of a request body. */
export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * An SSE-C key's identity: base64(MD5(the 32 raw key bytes)), exactly the `...-customer-key-MD5` value the server
 * echoes. The one fingerprint function: the key ring, the labels, the request headers and the encryption check all
 * name a key by this.
 */
export function keyFingerprint(key: Uint8Array): string {
  return md5Base64(key);
}
