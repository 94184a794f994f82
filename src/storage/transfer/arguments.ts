// The transfer engine's argument checks (validate.ts), run at each public entry before any request is sent.

import { StorageClient } from '../client/storageClient';
import { checkCopySource } from '../client/arguments';
import { throwIfAborted } from '../errors';
import { Check } from '../validate';
import { DialectName } from '../types';

function dialectOf(client: StorageClient): DialectName | undefined {
  return client.profile.dialectSettled ? client.dialect : undefined;
}

function common(c: Check, opts: unknown): Record<string, unknown> {
  const o = c.options(opts);
  c.signal(o.signal, 'opts.signal');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    c.fail('opts.onProgress', 'must be a function');
  }
  c.positive(o.concurrency, 'opts.concurrency');
  return o;
}

function target(c: Check, client: StorageClient, bucket: unknown, key: unknown, arg = ''): void {
  c.bucket(bucket, dialectOf(client), `${arg}bucket`);
  c.key(key, `${arg}key`);
}

function done(c: Check, o: Record<string, unknown>, bucket: unknown, key: unknown): void {
  throwIfAborted(o.signal as AbortSignal | undefined, {
    operation: c.operation, bucket: typeof bucket === 'string' ? bucket : undefined, key: typeof key === 'string' ? key : undefined,
  });
}

export function checkUpload(operation: string, client: StorageClient, bucket: unknown, key: unknown, source: unknown, opts: unknown): void {
  const c = new Check(operation);
  target(c, client, bucket, key);
  if (typeof source !== 'object' || source === null) {
    c.fail('source', "must be { kind: 'file', path } | { kind: 'stream', stream, size } | { kind: 'bytes', data }");
  }
  const s = source as Record<string, unknown>;
  switch (s.kind) {
    case 'file':
      c.nonEmpty(s.path, 'source.path', 'a local file path');
      if ((s.path as string).includes('\u0000')) {
        c.fail('source.path', 'contains a NUL character');
      }
      break;
    case 'stream':
      if (typeof s.stream !== 'object' || s.stream === null || typeof (s.stream as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
        c.fail('source.stream', 'must be an async iterable of bytes');
      }
      c.offset(s.size, 'source.size');
      break;
    case 'bytes':
      if (!(s.data instanceof Uint8Array)) {
        c.fail('source.data', 'must be a Uint8Array');
      }
      break;
    default:
      c.fail('source.kind', "must be 'file', 'stream' or 'bytes'");
  }
  const o = common(c, opts);
  c.encryption(o.encryption, 'opts.encryption');
  c.optionalHeader(o.contentType, 'opts.contentType');
  c.metadata(o.metadata, 'opts.metadata');
  c.etag(o.ifMatch, 'opts.ifMatch');
  if (o.ifNoneMatch !== undefined && o.ifNoneMatch !== '*') {
    c.fail('opts.ifNoneMatch', "must be '*' (create only) or left out");
  }
  c.etag(o.expectedEtag, 'opts.expectedEtag');
  if (o.createOnly !== undefined && typeof o.createOnly !== 'boolean') {
    c.fail('opts.createOnly', 'must be true or false');
  }
  for (const name of ['multipartThreshold', 'partSize', 'maxPartAttempts']) {
    c.positive(o[name], `opts.${name}`);
  }
  done(c, o, bucket, key);
}

export function checkDownload(operation: string, client: StorageClient, bucket: unknown, key: unknown, opts: unknown, path?: { value: unknown }): void {
  const c = new Check(operation);
  target(c, client, bucket, key);
  if (path !== undefined) {
    c.nonEmpty(path.value, 'path', 'a local file path');
    if ((path.value as string).includes('\u0000')) {
      c.fail('path', 'contains a NUL character');
    }
  }
  const o = common(c, opts);
  c.sseKey(o.sseCustomerKey, 'opts.sseCustomerKey');
  c.etag(o.ifMatch, 'opts.ifMatch');
  for (const name of ['parallelThreshold', 'rangeSize', 'maxRangeAttempts']) {
    c.positive(o[name], `opts.${name}`);
  }
  done(c, o, bucket, key);
}

export function checkCopy(client: StorageClient, source: unknown, to: unknown, opts: unknown): void {
  const c = new Check('copy');
  checkCopySource(c, source, dialectOf(client));
  if (typeof to !== 'object' || to === null) {
    c.fail('target', 'must be { bucket, key }');
  }
  const t = to as Record<string, unknown>;
  target(c, client, t.bucket, t.key, 'target.');
  const o = common(c, opts);
  c.encryption(o.encryption, 'opts.encryption');
  c.oneOf(o.metadataDirective, 'opts.metadataDirective', ['COPY', 'REPLACE']);
  c.optionalHeader(o.contentType, 'opts.contentType');
  c.metadata(o.metadata, 'opts.metadata');
  c.oneOf(o.mode, 'opts.mode', ['auto', 'server', 'streamed']);
  c.etag(o.sourceIfMatch, 'opts.sourceIfMatch');
  c.etag(o.targetIfMatch, 'opts.targetIfMatch');
  for (const name of ['multipartCopyThreshold', 'partSize']) {
    c.positive(o[name], `opts.${name}`);
  }
  done(c, o, t.bucket, t.key);
}
