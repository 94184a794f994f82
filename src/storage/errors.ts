// Typed storage errors. Callers branch on `code`, never on message text.
// Nothing in here may ever carry a secret: no credentials, no SSE-C key, no signed header.

import { parseErrorXml } from './xml';

export type StorageErrorCode =
  | 'KeyMissing'          // SSE-C object read without a key
  | 'KeyWrong'            // SSE-C object read with a key that is not the object's key
  | 'KmsKeyUnknown'       // the KMS key id named in the request does not exist / is not usable
  | 'AccessDenied'
  | 'BadCredentials'      // signature or access key rejected
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'PreconditionFailed'  // If-Match / If-None-Match did not hold
  | 'NotImplemented'      // the server does not support this operation (RGW encrypted copy, ...)
  | 'ClockSkew'
  | 'Throttled'
  | 'InsecureSse'         // refused locally: SSE over plain http
  | 'RedirectRefused'     // refused locally: a redirect would take the key or the signature elsewhere
  | 'Network'
  | 'Timeout'
  | 'Aborted'
  | 'InvalidArgument'     // refused locally (validate.ts) or by the server: the argument is malformed
  | 'InvalidEndpoint'     // refused locally: the connection's endpoint is not a usable http(s) URL
  | 'InvalidRange'
  | 'Conflict'            // 409s: append position, bucket not empty, ...
  | 'EntityTooSmall'
  | 'EntityTooLarge'
  | 'BadDigest'
  | 'NotEncrypted'        // the server accepted an encrypted write but did not encrypt
  | 'ServerError'         // 5xx after retries
  | 'Unknown';

/** What the request looked like, as far as error classification needs it. */
export interface ErrorContext {
  operation: string;
  method?: string;
  bucket?: string;
  key?: string;
  /** The request carried SSE-C key headers (target or copy source). */
  sentSseCustomerKey?: boolean;
  /** The request carried an explicit KMS key id. */
  sentKmsKeyId?: boolean;
  /** The same credentials were already accepted by this server (any earlier 2xx). */
  credentialsConfirmed?: boolean;
}

export interface StorageErrorInit {
  code: StorageErrorCode;
  message: string;
  operation: string;
  status?: number;
  serverCode?: string;
  serverMessage?: string;
  requestId?: string;
  hostId?: string;
  indicator?: string;
  resource?: string;
  bucket?: string;
  key?: string;
  /** The caller's argument at fault (local refusals): `key`, `opts.range`, `parts[2].etag`, ... */
  argument?: string;
  cause?: unknown;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly status?: number;
  readonly serverCode?: string;
  readonly serverMessage?: string;
  readonly requestId?: string;
  readonly hostId?: string;
  readonly indicator?: string;
  readonly resource?: string;
  readonly operation: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly argument?: string;

  constructor(init: StorageErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.serverCode = init.serverCode;
    this.serverMessage = init.serverMessage;
    this.requestId = init.requestId;
    this.hostId = init.hostId;
    this.indicator = init.indicator;
    this.resource = init.resource;
    this.operation = init.operation;
    this.bucket = init.bucket;
    this.key = init.key;
    this.argument = init.argument;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message, operation: this.operation };
    const optional: Array<[string, unknown]> = [
      ['status', this.status], ['serverCode', this.serverCode], ['serverMessage', this.serverMessage],
      ['requestId', this.requestId], ['hostId', this.hostId], ['indicator', this.indicator],
      ['resource', this.resource], ['bucket', this.bucket], ['key', this.key], ['argument', this.argument],
    ];
    for (const [k, v] of optional) {
      if (v !== undefined && v !== '') {
        out[k] = v;
      }
    }
    return out;
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(h: HeaderBag, name: string): string | undefined {
  const v = h[name];
  if (Array.isArray(v)) {
    return v[0];
  }
  return v === undefined || v === '' ? undefined : v;
}

function headerEither(h: HeaderBag, suffix: string): string | undefined {
  return header(h, `x-amz-${suffix}`) ?? header(h, `x-obs-${suffix}`);
}

const CODE_MAP: Record<string, StorageErrorCode> = {
  AccessDenied: 'AccessDenied',
  AllAccessDisabled: 'AccessDenied',
  SignatureDoesNotMatch: 'BadCredentials',
  InvalidAccessKeyId: 'BadCredentials',
  InvalidSecurity: 'BadCredentials',
  InvalidToken: 'BadCredentials',
  ExpiredToken: 'BadCredentials',
  TooManyWrongSignature: 'BadCredentials',
  NoSuchBucket: 'NoSuchBucket',
  NoSuchKey: 'NoSuchKey',
  NoSuchVersion: 'NoSuchKey',
  NoSuchUpload: 'NoSuchUpload',
  PreconditionFailed: 'PreconditionFailed',
  NotImplemented: 'NotImplemented',
  FsNotSupport: 'NotImplemented',
  MethodNotAllowed: 'NotImplemented',
  RequestTimeTooSkewed: 'ClockSkew',
  SlowDown: 'Throttled',
  Throttling: 'Throttled',
  TooManyRequests: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  InvalidArgument: 'InvalidArgument',
  InvalidRequest: 'InvalidArgument',
  InvalidBucketName: 'InvalidArgument',
  KeyTooLongError: 'InvalidArgument',
  MalformedXML: 'InvalidArgument',
  InvalidPart: 'InvalidArgument',
  InvalidPartOrder: 'InvalidArgument',
  InvalidRange: 'InvalidRange',
  BadDigest: 'BadDigest',
  InvalidDigest: 'BadDigest',
  EntityTooSmall: 'EntityTooSmall',
  EntityTooLarge: 'EntityTooLarge',
  AppendTooLarge: 'EntityTooLarge',
  PositionNotEqualToLength: 'Conflict',
  ObjectNotAppendable: 'Conflict',
  BucketNotEmpty: 'Conflict',
  BucketAlreadyExists: 'Conflict',
  BucketAlreadyOwnedByYou: 'Conflict',
  OperationAborted: 'Conflict',
  ConditionalRequestConflict: 'Conflict',
  InternalError: 'ServerError',
  ServiceUnavailable: 'ServerError',
  'KMS.NotFoundException': 'KmsKeyUnknown',
  'KMS.DisabledException': 'KmsKeyUnknown',
  KMSNotFoundException: 'KmsKeyUnknown',
  InvalidEncryptionAlgorithmError: 'KeyWrong',
};

function codeFromStatus(status: number): StorageErrorCode {
  switch (status) {
    case 403: return 'AccessDenied';
    case 404: return 'NoSuchKey';
    case 409: return 'Conflict';
    case 412: return 'PreconditionFailed';
    case 416: return 'InvalidRange';
    case 429: return 'Throttled';
    case 501: return 'NotImplemented';
    case 503: return 'Throttled';
    default:
      // A 2xx reaches here only with an `<Error>` body whose code we do not know (Complete, copies): the server
      // failed after it had already answered 200.
      if (status >= 500 || (status >= 200 && status < 300)) {
        return 'ServerError';
      }
      if (status === 400) {
        return 'InvalidArgument';
      }
      return 'Unknown';
  }
}

/**
 * Turns a server code into our stable code, applying the SSE quirks:
 *  - SSE-C read without key: RGW 400 InvalidArgument, AWS 400 InvalidRequest -> KeyMissing (no key was sent).
 *  - SSE-C read with a wrong key: RGW 400 InvalidArgument (HEAD: no body at all), AWS 403 AccessDenied -> KeyWrong
 *    (a key was sent). HEAD 400s have no code, so the status alone decides there.
 *  - RGW answers an unknown KMS key id with 403 InvalidAccessKeyId, the same code as a bad access key. Heuristic:
 *    when the request named a KMS key id AND these credentials were already accepted by the server, blame the KMS
 *    key (KmsKeyUnknown); otherwise blame the credentials. The client confirms credentials with a cheap signed probe
 *    before deciding when it has no earlier success to go on.
 */
export function classify(status: number, serverCode: string | undefined, ctx: ErrorContext): StorageErrorCode {
  const method = (ctx.method ?? '').toUpperCase();
  if (ctx.key !== undefined && (method === 'GET' || method === 'HEAD')) {
    const sseish = serverCode === undefined || serverCode === 'InvalidArgument' || serverCode === 'InvalidRequest'
      || serverCode === 'InvalidEncryptionAlgorithmError';
    if (status === 400 && sseish) {
      return ctx.sentSseCustomerKey ? 'KeyWrong' : 'KeyMissing';
    }
    if (status === 403 && ctx.sentSseCustomerKey && (serverCode === undefined || serverCode === 'AccessDenied')) {
      return 'KeyWrong';
    }
  }
  if (serverCode === 'InvalidAccessKeyId' && ctx.sentKmsKeyId && ctx.credentialsConfirmed) {
    return 'KmsKeyUnknown';
  }
  if (serverCode !== undefined) {
    const mapped = CODE_MAP[serverCode];
    if (mapped !== undefined) {
      return mapped;
    }
  }
  if (status === 404 && ctx.key === undefined && ctx.bucket !== undefined) {
    return 'NoSuchBucket';
  }
  return codeFromStatus(status);
}

const FRIENDLY: Partial<Record<StorageErrorCode, string>> = {
  KeyMissing: 'the object is encrypted with a customer key (SSE-C) and no key was given',
  KeyWrong: 'the customer key (SSE-C) does not match the key the object was encrypted with',
  KmsKeyUnknown: 'the KMS key id is unknown to the server or not usable',
  AccessDenied: 'access denied',
  BadCredentials: 'the access key or signature was rejected',
  NoSuchBucket: 'the bucket does not exist',
  NoSuchKey: 'the object does not exist',
  NoSuchUpload: 'the multipart upload does not exist',
  PreconditionFailed: 'the object changed on the server (precondition failed)',
  NotImplemented: 'the server does not implement this operation',
  ClockSkew: 'the local clock differs too much from the server clock',
  Throttled: 'the server asked to slow down',
  InvalidRange: 'the requested range is not satisfiable',
  Conflict: 'conflict with the current state on the server',
  EntityTooSmall: 'a part is smaller than the server allows',
  EntityTooLarge: 'the object or part is larger than the server allows',
  BadDigest: 'the data did not match its checksum',
  ServerError: 'the server reported an internal error',
};

function where(ctx: { bucket?: string; key?: string }): string {
  if (ctx.bucket === undefined) {
    return '';
  }
  return ctx.key === undefined ? ` (bucket ${ctx.bucket})` : ` (${ctx.bucket}/${ctx.key})`;
}

export interface ErrorResponse {
  status: number;
  headers: HeaderBag;
  /** Response body text; empty for HEAD. */
  body?: string;
}

/** Builds a StorageError from a failed HTTP response. */
export function errorFromResponse(res: ErrorResponse, ctx: ErrorContext): StorageError {
  const parsed = res.body ? parseErrorXml(res.body) : undefined;
  const serverCode = parsed?.code ?? headerEither(res.headers, 'error-code');
  const serverMessage = parsed?.message ?? headerEither(res.headers, 'error-message');
  const code = classify(res.status, serverCode, ctx);
  const what = FRIENDLY[code];
  let message = `${ctx.operation} failed${where(ctx)}: HTTP ${res.status}${serverCode ? ` ${serverCode}` : ''}`;
  if (serverMessage) {
    message += ` - ${serverMessage}`;
  }
  if (what && (code !== 'InvalidArgument' || !serverMessage)) {
    message += ` (${what})`;
  }
  return new StorageError({
    code,
    message,
    operation: ctx.operation,
    status: res.status,
    serverCode,
    serverMessage: serverMessage || undefined,
    requestId: parsed?.requestId ?? headerEither(res.headers, 'request-id'),
    hostId: parsed?.hostId ?? headerEither(res.headers, 'id-2'),
    indicator: header(res.headers, 'x-reserved-indicator'),
    resource: parsed?.resource,
    bucket: ctx.bucket,
    key: ctx.key,
  });
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'could not connect, the endpoint refused the connection',
  ENOTFOUND: 'the endpoint host name does not resolve',
  EAI_AGAIN: 'the endpoint host name could not be resolved',
  EHOSTUNREACH: 'the endpoint host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the connection was closed unexpectedly',
};

/** Codes of errors raised while building a request, before anything was sent. */
const LOCAL_REFUSALS: ReadonlySet<string> = new Set([
  'UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_CHAR', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_URL',
]);

/** The one shape of a cancelled operation, whatever the signal's reason was. */
export function abortedError(ctx: ErrorContext): StorageError {
  return new StorageError({ code: 'Aborted', message: `${ctx.operation} cancelled${where(ctx)}`, operation: ctx.operation, bucket: ctx.bucket, key: ctx.key });
}

/** Throws `Aborted` (never the signal's own reason, e.g. a DOMException) when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, ctx: ErrorContext): void {
  if (signal?.aborted) {
    throw abortedError(ctx);
  }
}

/**
 * THE normaliser of thrown things: anything -> StorageError. A failure that never produced an HTTP answer becomes
 * Network or Timeout; once `signal` has fired, whatever was thrown (undici rejects with the signal's reason, which
 * may be any value) is `Aborted`. A StorageError passes through unchanged.
 */
export function errorFromException(e: unknown, ctx: ErrorContext, signal?: AbortSignal): StorageError {
  if (signal?.aborted && !(e instanceof StorageError && e.code === 'Aborted')) {
    return abortedError(ctx);
  }
  if (e instanceof StorageError) {
    return e;
  }
  const err = e as { name?: string; code?: string; message?: string } | undefined;
  const ecode = err?.code ?? '';
  let code: StorageErrorCode = 'Network';
  if (err?.name === 'AbortError' || ecode === 'ABORT_ERR' || ecode === 'UND_ERR_ABORTED') {
    code = 'Aborted';
  } else if (LOCAL_REFUSALS.has(ecode)) {
    // undici or Node refused to build the request (a header value with CR/LF, ...): no retry can cure that.
    return new StorageError({
      code: 'InvalidArgument', operation: ctx.operation, bucket: ctx.bucket, key: ctx.key,
      message: `${ctx.operation} refused locally: the request could not be built (${ecode})${where(ctx)}`,
    });
  } else if (/TIMEOUT/.test(ecode) || err?.name === 'TimeoutError') {
    code = 'Timeout';
  }
  const detail = ecode || err?.name || 'error';
  const reason = NETWORK_REASONS[ecode] ?? (/CERT|SELF_SIGNED|TLS|SSL|VERIFY/.test(ecode) ? 'the server certificate is not trusted: set the connection\'s CA certificate' : undefined);
  const text = code === 'Aborted'
    ? 'cancelled'
    : code === 'Timeout'
      ? `timed out (${detail})`
      : `network error: ${reason ? `${reason} (${detail})` : detail}`;
  // The original error is not attached as `cause`: undici errors may hold the request, and with it headers.
  return new StorageError({
    code,
    message: `${ctx.operation} ${text}${where(ctx)}`,
    operation: ctx.operation,
    bucket: ctx.bucket,
    key: ctx.key,
  });
}
