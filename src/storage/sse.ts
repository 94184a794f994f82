// Server-side encryption as one small pure step: spec -> request headers, response headers -> what the server did.

import { Dialect } from './dialect';
import { keyFingerprint } from './digest';
import { StorageError } from './errors';
import { EncryptionSpec, ObjectEncryption } from './types';

export const SSE_C_KEY_BYTES = 32;

function checkKey(key: Uint8Array): void {
  if (key.length !== SSE_C_KEY_BYTES) {
    throw new StorageError({
      code: 'InvalidArgument',
      operation: 'encryption',
      message: `an SSE-C key must be exactly ${SSE_C_KEY_BYTES} bytes (got ${key.length})`,
    });
  }
}

/** The three SSE-C headers; `copySource` gives the `<prefix>copy-source-...` variants for reading a copy source. */
export function sseCustomerHeaders(key: Uint8Array, dialect: Dialect, copySource = false): Record<string, string> {
  checkKey(key);
  const base = `${dialect.prefix}${copySource ? 'copy-source-' : ''}server-side-encryption-customer-`;
  return {
    [`${base}algorithm`]: 'AES256',
    [`${base}key`]: Buffer.from(key).toString('base64'),
    [`${base}key-MD5`]: keyFingerprint(key),
  };
}

/** Headers that make the server encrypt the object being written (PUT, Initiate, Copy target, first Append). */
export function encryptionHeaders(spec: EncryptionSpec | undefined, dialect: Dialect): Record<string, string> {
  if (!spec || spec.type === 'none') {
    return {};
  }
  const sse = `${dialect.prefix}server-side-encryption`;
  switch (spec.type) {
    case 'sse-c':
      return sseCustomerHeaders(spec.key, dialect);
    case 'service':
      return { [sse]: dialect.serviceValue };
    case 'kms': {
      const h: Record<string, string> = { [sse]: dialect.kmsValue };
      if (spec.keyId) {
        h[dialect.kmsKeyIdHeader] = spec.keyId;
      }
      if (spec.dataAlgorithm && dialect.kmsDataAlgorithmHeader) {
        h[dialect.kmsDataAlgorithmHeader] = spec.dataAlgorithm;
      }
      if (spec.projectId && spec.keyId && dialect.kmsProjectIdHeader) {
        h[dialect.kmsProjectIdHeader] = spec.projectId;
      }
      return h;
    }
  }
}

/** Headers a write needs on requests after the first (UploadPart, later Appends): only SSE-C repeats. */
export function repeatedEncryptionHeaders(spec: EncryptionSpec | undefined, dialect: Dialect): Record<string, string> {
  return spec?.type === 'sse-c' ? sseCustomerHeaders(spec.key, dialect) : {};
}

/** True when these headers carry an SSE-C key or ask for SSE-KMS (the transport refuses those over http). */
export function carriesSecretOrKms(headers: Record<string, string>): { sseC: boolean; kms: boolean; kmsKeyId: boolean } {
  let sseC = false;
  let kms = false;
  let kmsKeyId = false;
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (/^x-(amz|obs)-(copy-source-)?server-side-encryption-customer-key$/.test(n)) {
      sseC = true;
    } else if (/^x-(amz|obs)-server-side-encryption$/.test(n) && /kms/i.test(value)) {
      kms = true;
    } else if (/^x-(amz|obs)-server-side-encryption-(aws-)?kms-key-id$/.test(n)) {
      kms = true;
      kmsKeyId = true;
    }
  }
  return { sseC, kms, kmsKeyId };
}

type HeaderBag = Record<string, string | string[] | undefined>;

function get(h: HeaderBag, suffix: string): string | undefined {
  for (const prefix of ['x-amz-', 'x-obs-']) {
    const v = h[prefix + suffix] ?? h[(prefix + suffix).toLowerCase()];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined && s !== '') {
      return s;
    }
  }
  return undefined;
}

/** What the response headers say about the object's encryption. Classified by value, not by header presence. */
export function parseEncryption(headers: HeaderBag): ObjectEncryption {
  const algorithm = get(headers, 'server-side-encryption-customer-algorithm');
  if (algorithm) {
    return { type: 'sse-c', algorithm, keyMd5: get(headers, 'server-side-encryption-customer-key-md5') ?? '' };
  }
  const sse = get(headers, 'server-side-encryption');
  if (!sse) {
    return { type: 'none' };
  }
  if (/kms/i.test(sse)) {
    const out: ObjectEncryption = { type: 'kms' };
    const keyId = get(headers, 'server-side-encryption-aws-kms-key-id') ?? get(headers, 'server-side-encryption-kms-key-id');
    if (keyId) {
      out.keyId = keyId;
    }
    const data = get(headers, 'server-side-data-encryption');
    if (data) {
      out.dataAlgorithm = data;
    }
    return out;
  }
  return { type: 'service' };
}
