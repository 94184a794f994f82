// Pure SSE-C key handling: parsing what people paste, and naming keys by their fingerprint.
import { randomBytes } from 'node:crypto';
import { SSE_C_KEY_BYTES } from '../storage';

export class KeyFormatError extends Error {
  /** A malformed key is a bad argument: commands report it as such (src/vscode/errors.ts maps codes). */
  readonly code = 'InvalidArgument';
  constructor(message: string) {
    super(message);
    this.name = 'KeyFormatError';
  }
}

/** A short, readable form of a fingerprint for labels and messages (never the key itself). */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.replace(/=+$/, '').slice(0, 8);
}

export function generateKey(): Uint8Array {
  return new Uint8Array(randomBytes(SSE_C_KEY_BYTES));
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Accepts a 32-byte key written as hex (64 digits, optional `0x`), base64 (padded or not, standard or URL
 * alphabet), or the raw 32 bytes of a key file. Whitespace around and inside the text (line breaks from
 * copying) is ignored. Anything else is refused with a reason that never repeats the input.
 */
export function parseKey(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') {
    if (input.length === SSE_C_KEY_BYTES) {
      return new Uint8Array(input);
    }
    // A text editor on Windows may start the file with a byte order mark.
    const bom = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
    if (bom) {
      return parseKey(input.subarray(3));
    }
    if (!isText(input)) {
      throw new KeyFormatError(
        `The file holds ${input.length} bytes that are not base64 or hex text; a raw key file must hold exactly ${SSE_C_KEY_BYTES} bytes.`,
      );
    }
    return parseKey(Buffer.from(input).toString('utf8'));
  }
  const text = input.replace(/\s+/g, '');
  if (text.length === 0) {
    throw new KeyFormatError('The key is empty. Paste a 32-byte key as base64 (44 characters) or hex (64 digits).');
  }
  const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (HEX.test(hex) && hex.length % 2 === 0 && hex.length === SSE_C_KEY_BYTES * 2) {
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  if (BASE64.test(text) || BASE64URL.test(text)) {
    const normalized = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
    if (normalized.length % 4 === 1 && HEX.test(hex)) {
      throw hexLengthError(hex.length);
    }
    if (normalized.length % 4 === 1) {
      throw new KeyFormatError('The key is not valid base64 (its length is impossible for base64).');
    }
    const bytes = Buffer.from(normalized, 'base64');
    if (bytes.length === SSE_C_KEY_BYTES) {
      return new Uint8Array(bytes);
    }
    if (HEX.test(hex)) {
      throw hexLengthError(hex.length);
    }
    throw new KeyFormatError(
      `The key decodes to ${bytes.length} bytes; SSE-C (AES256) needs exactly ${SSE_C_KEY_BYTES} bytes.`,
    );
  }
  if (HEX.test(hex)) {
    throw hexLengthError(hex.length);
  }
  throw new KeyFormatError(
    'The key is neither base64 nor hex. Paste a 32-byte key as base64 (44 characters) or hex (64 digits).',
  );
}

/** Text made only of hex digits is judged as hex: 63 digits is a hex key missing a digit, not odd base64. */
function hexLengthError(digits: number): KeyFormatError {
  const what = digits % 2 === 0 ? `${digits / 2} bytes as hex (${digits} digits)` : `hex with ${digits} digits (an odd number, so not whole bytes)`;
  return new KeyFormatError(`The key is ${what}; SSE-C (AES256) needs exactly ${SSE_C_KEY_BYTES * 2} hex digits (${SSE_C_KEY_BYTES} bytes).`);
}

/** Printable ASCII and whitespace only: what a key written as base64 or hex looks like in a file. */
function isText(bytes: Uint8Array): boolean {
  return bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
}

export function keyToBase64(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}
