// The storage core's argument checks: every public operation of the client and the transfer engine checks what it
// was given here, locally, before any request is sent. A refusal is StorageError `InvalidArgument` (or
// `InvalidEndpoint` for a connection's endpoint) whose message and `argument` name the argument at fault. Values
// are not repeated in messages (a header value or a URL may hold something private); their shape is described.
//
// Why each rule exists (what the wire did without it): an empty key addresses the bucket (DELETE removed an empty
// bucket, GET returned the listing as the object's content); an empty upload id turns UploadPart into a plain PUT
// of the part's bytes over the whole object; `end < start` makes a server ignore the Range and send everything;
// CR/LF in a header value is refused by undici deep inside a request, which looked like a network error and was
// retried.

import { isIP } from 'node:net';
import { StorageError } from './errors';
import { DialectName } from './types';

export const MAX_KEY_BYTES = 1024;
export const MAX_PART_NUMBER = 10_000;
const SSE_C_KEY_BYTES = 32;

/** C0 controls (tab allowed) and DEL: never valid in an HTTP header value. */
const HEADER_VALUE_BAD = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/** RFC 7230 token: what a metadata name must be (it becomes part of a header name). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function invalidArgument(operation: string, argument: string, reason: string): StorageError {
  return new StorageError({ code: 'InvalidArgument', operation, argument, message: `${operation}: ${argument} ${reason}` });
}

function describeType(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'an array';
  }
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Checks for one operation; each method throws InvalidArgument naming `arg`. */
export class Check {
  constructor(readonly operation: string) {}

  fail(arg: string, reason: string): never {
    throw invalidArgument(this.operation, arg, reason);
  }

  string(v: unknown, arg: string): string {
    if (typeof v !== 'string') {
      this.fail(arg, `must be a string (got ${describeType(v)})`);
    }
    if (LONE_SURROGATE.test(v)) {
      this.fail(arg, 'contains a lone UTF-16 surrogate (not valid Unicode, cannot be sent as UTF-8)');
    }
    return v;
  }

  nonEmpty(v: unknown, arg: string, what: string): string {
    const s = this.string(v, arg);
    if (s === '') {
      this.fail(arg, `is empty; ${what} is required`);
    }
    return s;
  }

  /** Bucket names: 3-63 of [a-z0-9.-] (S3 also `_`, as RGW allows), letter or digit at both ends, no `..`, not an IP. */
  bucket(v: unknown, dialect: DialectName | undefined, arg = 'bucket'): string {
    const b = this.nonEmpty(v, arg, 'a bucket name');
    if (b.length < 3 || b.length > 63) {
      this.fail(arg, `must be 3 to 63 characters long (got ${b.length})`);
    }
    const chars = dialect === 'obs' ? /^[a-z0-9.-]+$/ : /^[a-z0-9._-]+$/;
    if (!chars.test(b)) {
      this.fail(arg, `may only hold lowercase letters, digits, '.' and '-'${dialect === 'obs' ? '' : " (and '_')"}: no uppercase, '/', space or other characters`);
    }
    if (!/^[a-z0-9]/.test(b) || !/[a-z0-9]$/.test(b)) {
      this.fail(arg, 'must begin and end with a lowercase letter or a digit');
    }
    if (b.includes('..')) {
      this.fail(arg, "must not hold two adjacent periods ('..')");
    }
    if (dialect === 'obs' && (b.includes('.-') || b.includes('-.'))) {
      this.fail(arg, "must not hold a period next to a hyphen (OBS bucket name rule)");
    }
    if (isIP(b) !== 0) {
      this.fail(arg, 'must not be formatted as an IP address');
    }
    return b;
  }

  /** Object keys: non-empty, at most 1024 bytes as UTF-8, well-formed Unicode. */
  key(v: unknown, arg = 'key'): string {
    const k = this.nonEmpty(v, arg, 'an object key');
    this.keyLength(k, arg);
    return k;
  }

  /** A prefix, marker or other key-like text that may be empty. */
  keyish(v: unknown, arg: string): string | undefined {
    if (v === undefined) {
      return undefined;
    }
    const k = this.string(v, arg);
    this.keyLength(k, arg);
    return k;
  }

  private keyLength(k: string, arg: string): void {
    const bytes = Buffer.byteLength(k, 'utf8');
    if (bytes > MAX_KEY_BYTES) {
      this.fail(arg, `is ${bytes} bytes as UTF-8; object keys are at most ${MAX_KEY_BYTES} bytes`);
    }
  }

  uploadId(v: unknown, arg = 'uploadId'): string {
    const id = this.nonEmpty(v, arg, 'the upload id InitiateMultipartUpload returned');
    this.headerText(id, arg);
    return id;
  }

  partNumber(v: unknown, arg = 'partNumber'): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PART_NUMBER) {
      this.fail(arg, `must be an integer from 1 to ${MAX_PART_NUMBER} (got ${typeof v === 'number' ? String(v) : describeType(v)})`);
    }
    return v;
  }

  /** A byte offset or count: a non-negative safe integer. */
  offset(v: unknown, arg: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      this.fail(arg, `must be a non-negative integer (got ${typeof v === 'number' ? String(v) : describeType(v)})`);
    }
    return v;
  }

  /** A positive integer setting (part size, concurrency, attempts, ...), when given. */
  positive(v: unknown, arg: string): void {
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)) {
      this.fail(arg, `must be a positive integer (got ${typeof v === 'number' ? String(v) : describeType(v)})`);
    }
  }

  /** An inclusive byte range; `end` may be open unless `endRequired`. */
  range(v: unknown, arg: string, endRequired = false): void {
    if (v === undefined) {
      return;
    }
    if (typeof v !== 'object' || v === null) {
      this.fail(arg, `must be { start, end } (got ${describeType(v)})`);
    }
    const r = v as { start?: unknown; end?: unknown };
    const start = this.offset(r.start, `${arg}.start`);
    if (r.end === undefined) {
      if (endRequired) {
        this.fail(`${arg}.end`, 'is required');
      }
      return;
    }
    const end = this.offset(r.end, `${arg}.end`);
    if (end < start) {
      this.fail(arg, `is malformed: end (${end}) is before start (${start})`);
    }
  }

  /** Text that becomes a header value: no CR, LF or other control characters. */
  headerText(v: unknown, arg: string): string {
    const s = this.string(v, arg);
    if (HEADER_VALUE_BAD.test(s)) {
      this.fail(arg, 'contains a line break or another control character, which a header value cannot carry');
    }
    if (/[^\u0000-\u00ff]/.test(s)) {
      this.fail(arg, 'contains characters outside Latin-1, which a header value cannot carry (encode them first)');
    }
    return s;
  }

  optionalHeader(v: unknown, arg: string): void {
    if (v !== undefined) {
      this.headerText(v, arg);
    }
  }

  /** An ETag condition: non-empty header text. */
  etag(v: unknown, arg: string): void {
    if (v !== undefined) {
      this.nonEmpty(v, arg, 'an ETag');
      this.headerText(v, arg);
    }
  }

  metadata(v: unknown, arg = 'metadata'): void {
    if (v === undefined) {
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(arg, `must be an object of name -> value (got ${describeType(v)})`);
    }
    for (const [name, value] of Object.entries(v)) {
      if (!TOKEN.test(name)) {
        this.fail(arg, `has the name ${JSON.stringify(name.slice(0, 40))}, which is not a valid header name (letters, digits and !#$%&'*+.^_\`|~- only)`);
      }
      this.headerText(value, `${arg}.${name}`);
    }
  }

  sseKey(v: unknown, arg: string): void {
    if (v === undefined) {
      return;
    }
    if (!(v instanceof Uint8Array)) {
      this.fail(arg, `must be the key's ${SSE_C_KEY_BYTES} bytes (got ${describeType(v)})`);
    }
    if (v.length !== SSE_C_KEY_BYTES) {
      this.fail(arg, `must be exactly ${SSE_C_KEY_BYTES} bytes (got ${v.length})`);
    }
  }

  encryption(v: unknown, arg = 'encryption'): void {
    if (v === undefined) {
      return;
    }
    if (typeof v !== 'object' || v === null) {
      this.fail(arg, `must be { type: 'none' | 'sse-c' | 'kms' | 'service' } (got ${describeType(v)})`);
    }
    const spec = v as { type?: unknown; key?: unknown; keyId?: unknown; dataAlgorithm?: unknown; projectId?: unknown };
    switch (spec.type) {
      case 'none':
      case 'service':
        return;
      case 'sse-c':
        if (spec.key === undefined) {
          this.fail(`${arg}.key`, 'is required for SSE-C');
        }
        this.sseKey(spec.key, `${arg}.key`);
        return;
      case 'kms':
        if (spec.keyId !== undefined) {
          this.nonEmpty(spec.keyId, `${arg}.keyId`, 'a KMS key id (or leave it out for the default key)');
          this.headerText(spec.keyId, `${arg}.keyId`);
        }
        if (spec.dataAlgorithm !== undefined && spec.dataAlgorithm !== 'SM4') {
          this.fail(`${arg}.dataAlgorithm`, "must be 'SM4' or left out");
        }
        this.optionalHeader(spec.projectId, `${arg}.projectId`);
        return;
      default:
        this.fail(`${arg}.type`, "must be 'none', 'sse-c', 'kms' or 'service'");
    }
  }

  /** An AbortSignal when given (anything else would fail deep inside undici). */
  signal(v: unknown, arg = 'signal'): void {
    if (v === undefined) {
      return;
    }
    const s = v as { aborted?: unknown; addEventListener?: unknown };
    if (typeof v !== 'object' || v === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
      this.fail(arg, `must be an AbortSignal (got ${describeType(v)})`);
    }
  }

  /** Options object: undefined or an object (the fields are checked one by one). */
  options(v: unknown, arg = 'opts'): Record<string, unknown> {
    if (v === undefined) {
      return {};
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(arg, `must be an options object (got ${describeType(v)})`);
    }
    return v as Record<string, unknown>;
  }

  oneOf(v: unknown, arg: string, allowed: readonly string[]): void {
    if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) {
      this.fail(arg, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    }
  }
}

function invalidEndpoint(reason: string): StorageError {
  return new StorageError({
    code: 'InvalidEndpoint', operation: 'connect', argument: 'endpoint',
    message: `endpoint ${reason}. Expected an http:// or https:// URL such as https://obs.example.com or http://127.0.0.1:7480.`,
  });
}

/**
 * A connection's endpoint: a parseable http(s) URL with a host, no user name or password (credentials belong in the
 * secret store), no query or fragment, and a plain path (no `..`, `.`, encoded characters or backslashes).
 * The URL is never repeated in the message: it might hold a password.
 */
export function checkEndpoint(v: unknown): URL {
  if (typeof v !== 'string' || v.trim() === '') {
    throw invalidEndpoint(typeof v === 'string' ? 'is empty' : `must be a string (got ${describeType(v)})`);
  }
  if (/[\u0000-\u0020\u007f\\]/.test(v)) {
    throw invalidEndpoint('contains spaces, control characters or backslashes');
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalidEndpoint('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidEndpoint(`uses the scheme ${url.protocol.slice(0, 20)} (only http: and https: are supported)`);
  }
  if (url.hostname === '') {
    throw invalidEndpoint('has no host');
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidEndpoint('holds a user name or password; keep credentials in the connection\'s stored secret, not in the URL');
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(v)) {
    throw invalidEndpoint('has a query or a fragment (?, #); an endpoint is a scheme, a host, an optional port and an optional plain path');
  }
  const rawPath = v.replace(/^[a-z]+:\/\/[^/]*/i, '');
  if (rawPath.includes('%') || rawPath.split('/').some((seg) => seg === '.' || seg === '..') || !/^[A-Za-z0-9._~/-]*$/.test(rawPath)) {
    throw invalidEndpoint('has a path with encoded characters or . / .. segments');
  }
  return url;
}
