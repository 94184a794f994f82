// The argument shapes of the client's operations, checked with validate.ts before anything is sent.

import { Check, checkEndpoint } from '../validate';
import { DialectName } from '../types';
import { XML_INVALID_CHARS } from '../xml';

/** A connection's configuration: endpoint first (InvalidEndpoint), then the rest (InvalidArgument). */
export function checkConfig(config: unknown): void {
  const c: Check = new Check('connect');
  if (typeof config !== 'object' || config === null) {
    c.fail('config', 'must be a connection configuration object');
  }
  const cfg = config as Record<string, unknown>;
  checkEndpoint(cfg.endpoint);
  c.oneOf(cfg.dialect, 'dialect', ['s3', 'obs', 'auto']);
  c.oneOf(cfg.addressing, 'addressing', ['path', 'virtual', 'auto']);
  if (cfg.region !== undefined && (typeof cfg.region !== 'string' || !/^[A-Za-z0-9_-]*$/.test(cfg.region))) {
    c.fail('region', 'may only hold letters, digits, - and _ (e.g. us-east-1, cn-north-4)');
  }
  const creds = cfg.credentials as Record<string, unknown> | undefined;
  if (typeof creds !== 'object' || creds === null) {
    c.fail('credentials', 'must be { accessKeyId, secretAccessKey }');
  }
  // Credential values are never described, only named.
  c.headerText(creds.accessKeyId, 'credentials.accessKeyId');
  c.headerText(creds.secretAccessKey, 'credentials.secretAccessKey');
  c.optionalHeader(creds.sessionToken, 'credentials.sessionToken');
  for (const name of ['maxAttempts', 'connectTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs']) {
    c.positive(cfg[name], name);
  }
  if (cfg.caCertificate !== undefined && typeof cfg.caCertificate !== 'string') {
    c.fail('caCertificate', 'must be PEM text');
  }
  for (const name of ['log', 'now']) {
    if (cfg[name] !== undefined && typeof cfg[name] !== 'function') {
      c.fail(name, 'must be a function');
    }
  }
}

export function checkReadOptions(c: Check, opts: unknown, withRange: boolean): void {
  const o = c.options(opts);
  c.signal(o.signal, 'opts.signal');
  c.sseKey(o.sseCustomerKey, 'opts.sseCustomerKey');
  if (withRange) {
    c.range(o.range, 'opts.range');
  }
}

export function checkWriteOptions(c: Check, opts: unknown, conditional: boolean): void {
  const o = c.options(opts);
  c.signal(o.signal, 'opts.signal');
  c.encryption(o.encryption, 'opts.encryption');
  c.optionalHeader(o.contentType, 'opts.contentType');
  c.metadata(o.metadata, 'opts.metadata');
  if (conditional) {
    c.etag(o.ifMatch, 'opts.ifMatch');
    c.etag(o.ifNoneMatch, 'opts.ifNoneMatch');
  } else if (o.ifMatch !== undefined || o.ifNoneMatch !== undefined) {
    c.fail(o.ifMatch !== undefined ? 'opts.ifMatch' : 'opts.ifNoneMatch', `is not supported by ${c.operation} (conditions apply on Complete)`);
  }
}

export function checkCopySource(c: Check, source: unknown, dialect: DialectName | undefined, arg = 'source'): void {
  if (typeof source !== 'object' || source === null) {
    c.fail(arg, 'must be { bucket, key, versionId?, sseCustomerKey? }');
  }
  const s = source as Record<string, unknown>;
  c.bucket(s.bucket, dialect, `${arg}.bucket`);
  c.key(s.key, `${arg}.key`);
  if (s.versionId !== undefined) {
    c.nonEmpty(s.versionId, `${arg}.versionId`, 'a version id (or leave it out)');
    c.headerText(s.versionId, `${arg}.versionId`);
  }
  c.sseKey(s.sseCustomerKey, `${arg}.sseCustomerKey`);
}

export function checkListOptions(c: Check, opts: unknown, required: boolean): void {
  if (required && (typeof opts !== 'object' || opts === null)) {
    c.fail('opts', 'must be a listing options object ({} for everything)');
  }
  const o = c.options(opts);
  c.signal(o.signal, 'opts.signal');
  c.keyish(o.prefix, 'opts.prefix');
  c.keyish(o.delimiter, 'opts.delimiter');
  c.positive(o.maxKeys, 'opts.maxKeys');
  if (o.continuation !== undefined) {
    c.string(o.continuation, 'opts.continuation');
  }
}

export function checkUploadsOptions(c: Check, opts: unknown): void {
  const o = c.options(opts);
  c.signal(o.signal, 'opts.signal');
  c.keyish(o.prefix, 'opts.prefix');
  c.keyish(o.delimiter, 'opts.delimiter');
  c.positive(o.maxUploads, 'opts.maxUploads');
  c.keyish(o.keyMarker, 'opts.keyMarker');
  if (o.uploadIdMarker !== undefined) {
    c.string(o.uploadIdMarker, 'opts.uploadIdMarker');
  }
}

export function checkDeleteList(c: Check, keys: unknown): void {
  if (!Array.isArray(keys)) {
    c.fail('keys', 'must be an array of keys or { key, versionId }');
  }
  keys.forEach((k: unknown, i) => {
    if (typeof k === 'string') {
      c.key(k, `keys[${i}]`);
      return;
    }
    if (typeof k !== 'object' || k === null) {
      c.fail(`keys[${i}]`, 'must be a key or { key, versionId }');
    }
    const o = k as Record<string, unknown>;
    c.key(o.key, `keys[${i}].key`);
    if (o.versionId !== undefined) {
      c.nonEmpty(o.versionId, `keys[${i}].versionId`, 'a version id (or leave it out)');
    }
  });
}

export function checkParts(c: Check, parts: unknown): void {
  if (!Array.isArray(parts) || parts.length === 0) {
    c.fail('parts', 'must be a non-empty array of { partNumber, etag }');
  }
  const seen = new Set<number>();
  parts.forEach((p: unknown, i) => {
    if (typeof p !== 'object' || p === null) {
      c.fail(`parts[${i}]`, 'must be { partNumber, etag }');
    }
    const part = p as Record<string, unknown>;
    const n = c.partNumber(part.partNumber, `parts[${i}].partNumber`);
    if (seen.has(n)) {
      c.fail(`parts[${i}].partNumber`, `repeats part ${n}`);
    }
    seen.add(n);
    // Sent in the XML body (escaped there), not in a header: only what XML cannot carry is refused.
    const etag = c.nonEmpty(part.etag, `parts[${i}].etag`, 'the ETag UploadPart returned');
    if (XML_INVALID_CHARS.test(etag)) {
      c.fail(`parts[${i}].etag`, 'contains a control character XML cannot carry');
    }
  });
}

/** The body of a write: bytes, or (a part) a stream whose length is given in `opts.contentLength`. */
export function checkBody(c: Check, body: unknown, allowStream: boolean, contentLength?: unknown): void {
  if (body instanceof Uint8Array) {
    return;
  }
  const iterable = typeof body === 'object' && body !== null
    && typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
  if (!allowStream || !iterable) {
    c.fail('body', allowStream ? 'must be a Uint8Array or an async iterable of bytes' : 'must be a Uint8Array');
  }
  if (contentLength === undefined) {
    c.fail('opts.contentLength', 'is required when the body is a stream');
  }
  c.offset(contentLength, 'opts.contentLength');
}
