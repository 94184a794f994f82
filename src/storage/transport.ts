// HTTP for one connection: its own undici Agent, signing per attempt, retries (retry.ts), redirects, clock skew, redaction,
// and the rule that SSE keys never travel over plain http.

import { createSecureContext, rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { Agent, Dispatcher } from 'undici';
import { Dialect } from './dialect';
import { encodeKey, buildQuery, parseQuery, QueryParams } from './encode';
import { sealCredentials } from './credentials';
import { ErrorContext, StorageError, errorFromException, errorFromResponse, throwIfAborted } from './errors';
import { ServerProfile } from './profile';
import { withRetry } from './retry';
import { carriesSecretOrKms } from './sse';
import { signObs } from './signing/obs';
import { sha256Hex, signV4, UNSIGNED_PAYLOAD } from './signing/sigv4';
import { parseErrorXml } from './xml';
import { Addressing, ConnectionConfig, Credentials } from './types';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface TransportRequest {
  operation: string;
  method: string;
  bucket?: string;
  key?: string;
  query?: QueryParams;
  headers?: Record<string, string>;
  /** A Uint8Array is replayable (retried); a stream is sent once with UNSIGNED-PAYLOAD and needs content-length. */
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
  /** Hand the body back as a stream instead of buffering it (GET object). */
  stream?: boolean;
  /** Skip signing (the OBS `HEAD /?apiversion` probe). */
  unsigned?: boolean;
  /** Statuses that count as success in addition to 2xx (e.g. 404 for "absent is fine"). */
  acceptStatus?: number[];
  /** Resolve with any HTTP answer (probes). */
  acceptAnyStatus?: boolean;
  /** Never resend, even when the body is replayable (CompleteMultipartUpload: check state before repeating). */
  noRetry?: boolean;
}

export interface TransportResponse {
  status: number;
  headers: ResponseHeaders;
  /** Buffered body (empty for HEAD or when streamed). */
  body: Buffer;
  stream?: AsyncIterable<Uint8Array> & { cancel(): void };
}

interface Target {
  origin: string;
  /** Encoded path as sent. */
  path: string;
  query: QueryParams;
}

/** Where a request goes, kept across its attempts: a redirect's target stays, redirects and the clock fix count once. */
interface Route {
  target: Target;
  redirects: number;
  skewCorrected: boolean;
}

/** Headers whose values must never reach a log or an error. */
const SECRET_HEADER = /^(authorization|x-(amz|obs)-security-token|x-(amz|obs)-(copy-source-)?server-side-encryption-customer-key)$/i;

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = SECRET_HEADER.test(k) ? '[redacted]' : v;
  }
  return out;
}

export function header(h: ResponseHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;
const MAX_ERROR_BODY = 64 * 1024;

function rfc1123(d: Date): string {
  return d.toUTCString();
}

export class Transport {
  private readonly endpoint: URL;
  private readonly agent: Agent;
  /** Attempts per replayable request; also the bound for callers that repeat a non-replayable one themselves. */
  readonly maxAttempts: number;
  private readonly now: () => Date;
  private credentials: Credentials;

  /** `profile` is the owning client's: the dialect is read there; the clock offset and confirmed credentials go there. */
  constructor(private readonly cfg: ConnectionConfig, readonly profile: ServerProfile) {
    this.credentials = sealCredentials(cfg.credentials);
    this.endpoint = new URL(cfg.endpoint);
    if (this.endpoint.protocol !== 'http:' && this.endpoint.protocol !== 'https:') {
      throw new StorageError({ code: 'InvalidArgument', operation: 'connect', message: `unsupported endpoint scheme ${this.endpoint.protocol}` });
    }
    this.maxAttempts = Math.max(1, cfg.maxAttempts ?? 3);
    this.now = cfg.now ?? (() => new Date());
    this.agent = new Agent({
      connections: 16,
      keepAliveTimeout: 30_000,
      headersTimeout: cfg.headersTimeoutMs ?? 60_000,
      bodyTimeout: cfg.bodyTimeoutMs ?? 60_000,
      connect: {
        timeout: cfg.connectTimeoutMs ?? 10_000,
        // One TLS context for the connection's lifetime: passing `ca` makes Node build a new context (parsing ~140 root
        // certificates) for every TLS connection, which was 70% of the CPU of a prefix re-key over HTTPS.
        ...(cfg.caCertificate ? { secureContext: createSecureContext({ ca: [...rootCertificates, cfg.caCertificate] }) } : {}),
      },
    });
  }

  /** Swap in fresh (e.g. temporary STS) credentials; later requests sign with them. */
  setCredentials(credentials: Credentials): void {
    this.credentials = sealCredentials(credentials);
    this.profile.credentialsConfirmed = false;
  }

  get dialect(): Dialect {
    return this.profile.dialect;
  }

  get isHttps(): boolean {
    return this.endpoint.protocol === 'https:';
  }

  /** Path-style for IP/localhost endpoints and for `auto` on S3; virtual-hosted otherwise. */
  usesPathStyle(bucket: string): boolean {
    const setting: Addressing = this.cfg.addressing ?? 'auto';
    const host = this.endpoint.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      return true;
    }
    // `auto`: localhost has no bucket subdomains, and a dotted bucket name breaks the TLS wildcard certificate.
    if (setting === 'auto' && (host === 'localhost' || (bucket.includes('.') && this.isHttps))) {
      return true;
    }
    if (setting === 'auto') {
      return this.dialect.autoAddressing === 'path';
    }
    return setting === 'path';
  }

  private target(req: TransportRequest): Target {
    const base = this.endpoint.pathname.replace(/\/+$/, '');
    const keyPath = req.key !== undefined ? encodeKey(req.key) : '';
    if (req.bucket === undefined) {
      return { origin: this.endpoint.origin, path: `${base}/`, query: req.query ?? [] };
    }
    if (this.usesPathStyle(req.bucket)) {
      const path = req.key !== undefined ? `${base}/${req.bucket}/${keyPath}` : `${base}/${req.bucket}`;
      return { origin: this.endpoint.origin, path, query: req.query ?? [] };
    }
    const origin = `${this.endpoint.protocol}//${req.bucket}.${this.endpoint.host}`;
    return { origin, path: `${base}/${keyPath}`, query: req.query ?? [] };
  }

  /**
   * The body's SigV4 payload hash, computed when a SigV4 signature first needs it (never for the OBS scheme). Over
   * HTTPS a body that carries Content-MD5 goes as UNSIGNED-PAYLOAD, as AWS's SDKs send S3 bodies over TLS: the
   * store still checks every byte against the MD5 and TLS protects it on the way, and a SHA-256 pass over every
   * uploaded byte was about a third of an upload's client CPU.
   */
  private payloadHash(req: TransportRequest): () => string {
    const body = req.body;
    if (!(body instanceof Uint8Array)) {
      const fixed = body === undefined ? sha256Hex('') : UNSIGNED_PAYLOAD;
      return () => fixed;
    }
    if (this.isHttps && body.byteLength > 0 && Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === 'content-md5')) {
      return () => UNSIGNED_PAYLOAD;
    }
    let hash: string | undefined;
    return () => (hash ??= sha256Hex(body));
  }

  private sign(req: TransportRequest, t: Target, headers: Record<string, string>, payloadHash: () => string): Record<string, string> {
    const date = new Date(this.now().getTime() + this.profile.clockOffsetMs);
    const creds = this.credentials;
    const host = new URL(t.origin).host;
    if (this.dialect.signer === 'sigv4') {
      const signed = signV4(
        { method: req.method, path: t.path, query: t.query, headers: { ...headers, host } },
        {
          accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken,
          region: this.cfg.region ?? 'us-east-1', date, payloadHash: payloadHash(),
        },
      );
      return { ...headers, ...signed.headers, host };
    }
    // The date travels in `Date`, as Huawei's Node SDK sends it, so our Authorization is byte-identical to the
    // SDK's for the same request (the oracle test checks that). Undici sends the header as given.
    const h: Record<string, string> = { ...headers, date: rfc1123(date) };
    if (creds.sessionToken) {
      h[this.dialect.securityTokenHeader] = creds.sessionToken;
    }
    const signed = signObs(
      {
        method: req.method, bucket: req.bucket,
        encodedKey: req.key !== undefined ? encodeKey(req.key) : undefined,
        query: t.query, headers: h,
      },
      { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, headerPrefix: this.dialect.prefix, scheme: 'OBS' },
    );
    return { ...h, authorization: signed.authorization, host };
  }

  private context(req: TransportRequest): ErrorContext {
    const sent = carriesSecretOrKms(req.headers ?? {});
    return {
      operation: req.operation, method: req.method, bucket: req.bucket, key: req.key,
      sentSseCustomerKey: sent.sseC, sentKmsKeyId: sent.kmsKeyId, credentialsConfirmed: this.profile.credentialsConfirmed,
    };
  }

  private log(req: TransportRequest, status: number | string, started: number, headers?: ResponseHeaders): void {
    if (!this.cfg.log) {
      return;
    }
    const rid = headers ? header(headers, 'x-amz-request-id') ?? header(headers, 'x-obs-request-id') ?? '-' : '-';
    const where = req.bucket === undefined ? '/' : req.key === undefined ? req.bucket : `${req.bucket}/${req.key}`;
    this.cfg.log(`${req.method} ${where} ${req.operation} ${status} ${Date.now() - started}ms ${rid}`);
  }

  /**
   * Sends a request; resolves on success (2xx / acceptStatus), throws StorageError otherwise. A replayable request
   * is repeated under the one retry policy (retry.ts); redirects and the clock correction do not count as attempts.
   */
  async send(req: TransportRequest): Promise<TransportResponse> {
    const ctx = this.context(req);
    const sensitive = carriesSecretOrKms(req.headers ?? {});
    if (!this.isHttps && (sensitive.sseC || sensitive.kms) && !this.cfg.allowInsecureSse) {
      throw new StorageError({
        code: 'InsecureSse', operation: req.operation, bucket: req.bucket, key: req.key,
        message: `${req.operation} refused: SSE-C keys and SSE-KMS requests are only sent over https (the connection does not allow insecure SSE)`,
      });
    }
    const replayable = !req.noRetry && (req.body === undefined || req.body instanceof Uint8Array);
    const payloadHash = this.payloadHash(req);
    const route: Route = { target: this.target(req), redirects: 0, skewCorrected: false };
    return withRetry({ attempts: replayable ? this.maxAttempts : 1, signal: req.signal, ctx },
      () => this.attempt(req, ctx, route, payloadHash, sensitive.sseC, replayable));
  }

  /** One attempt: follows same-origin redirects and corrects the clock once; any failure is a StorageError. */
  private async attempt(
    req: TransportRequest, ctx: ErrorContext, route: Route, payloadHash: () => string, sseC: boolean, replayable: boolean,
  ): Promise<TransportResponse> {
    const baseHeaders: Record<string, string> = { ...(req.headers ?? {}) };
    for (;;) {
      throwIfAborted(req.signal, ctx);
      const target = route.target;
      const started = Date.now();
      const headers = req.unsigned ? { ...baseHeaders, host: new URL(target.origin).host } : this.sign(req, target, baseHeaders, payloadHash);
      const qs = buildQuery(target.query);
      let res: Dispatcher.ResponseData;
      try {
        res = await this.agent.request({
          origin: target.origin,
          path: qs ? `${target.path}?${qs}` : target.path,
          method: req.method as 'GET',
          headers,
          body: req.body === undefined ? undefined
            : req.body instanceof Uint8Array ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength)
              : Readable.from(req.body),
          signal: req.signal,
          // Keep the connection after a HEAD too. Undici closes it after every HEAD by default (for servers that
          // send a body with one): every HEAD then cost a new TLS handshake, and a tree expanding a 500-object
          // folder opened 504 connections for 505 requests.
          reset: false,
        });
      } catch (e) {
        const err = errorFromException(e, ctx, req.signal);
        this.log(req, err.code, started);
        throw err;
      }
      const status = res.statusCode;
      const resHeaders = res.headers as ResponseHeaders;
      this.log(req, status, started, resHeaders);
      const ok = (status >= 200 && status < 300) || req.acceptAnyStatus === true || (req.acceptStatus?.includes(status) ?? false);
      if (ok) {
        if (!req.unsigned && status < 300) {
          this.profile.credentialsConfirmed = true;
        }
        if (req.stream && req.method !== 'HEAD') {
          const body = res.body;
          // The body's own iterator, its failures mapped to StorageErrors. Not an async generator around it: at
          // ~16 KiB per TLS record, a second generator layer per chunk cost 40% of a download's CPU.
          const chunks = (body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
          const mapError = (e: unknown): never => {
            throw errorFromException(e, ctx, req.signal);
          };
          const stream: AsyncIterableIterator<Uint8Array> & { cancel(): void } = {
            [Symbol.asyncIterator]() {
              return stream;
            },
            next: () => chunks.next().then(undefined, mapError),
            return: (value?: unknown) => (chunks.return ? chunks.return(value).then(undefined, mapError) : Promise.resolve({ done: true as const, value: undefined })),
            cancel: () => {
              // A body never read has no error listener: destroying it emits an AbortError that would be uncaught.
              body.on('error', () => undefined);
              body.destroy();
            },
          };
          return { status, headers: resHeaders, body: Buffer.alloc(0), stream };
        }
        try {
          return { status, headers: resHeaders, body: Buffer.from(await res.body.arrayBuffer()) };
        } catch (e) {
          throw errorFromException(e, ctx, req.signal);
        }
      }
      let text: string;
      try {
        text = await readErrorBody(res.body);
      } catch (e) {
        throw errorFromException(e, ctx, req.signal);
      }
      const location = header(resHeaders, 'location');
      if (REDIRECT_STATUS.has(status) && location && route.redirects < MAX_REDIRECTS) {
        route.redirects++;
        const url = new URL(location, target.origin);
        this.checkRedirect(req, target.origin, url, sseC);
        route.target = { origin: url.origin, path: url.pathname, query: parseQuery(url.search.replace(/^\?/, '')) };
        continue;
      }
      const serverCode = parseErrorXml(text)?.code;
      if (serverCode === 'RequestTimeTooSkewed' && !route.skewCorrected && replayable) {
        const serverDate = header(resHeaders, 'date');
        const serverTime = serverDate ? Date.parse(serverDate) : NaN;
        if (!Number.isNaN(serverTime)) {
          route.skewCorrected = true;
          this.profile.clockOffsetMs = serverTime - this.now().getTime();
          continue;
        }
      }
      if (serverCode === 'InvalidAccessKeyId' && ctx.sentKmsKeyId && !this.profile.credentialsConfirmed) {
        // RGW reports an unknown KMS key id as InvalidAccessKeyId: find out whether the credentials themselves work.
        await this.probeCredentials(req.bucket, req.signal);
      }
      const err = errorFromResponse({ status, headers: resHeaders, body: text }, { ...ctx, credentialsConfirmed: this.profile.credentialsConfirmed });
      if (err.code === 'Throttled') {
        this.profile.throttles++;
      }
      throw err;
    }
  }

  /**
   * A redirect is re-sent with the same headers, so it may only go where those headers may go. A signed request or
   * one with an SSE-C key follows a redirect only to the same origin (scheme, host and port), over https unless the
   * connection allows insecure SSE; anything else is refused, so neither the key nor a signature reaches another
   * host or travels in the clear. Unsigned requests without a key never go from https to http.
   */
  private checkRedirect(req: TransportRequest, from: string, to: URL, sseC: boolean): void {
    const carriesSecret = sseC || !req.unsigned;
    const sameOrigin = to.origin === from;
    const downgrade = new URL(from).protocol === 'https:' && to.protocol !== 'https:';
    const plainHttpWithKey = sseC && to.protocol !== 'https:' && !this.cfg.allowInsecureSse;
    if ((carriesSecret && !sameOrigin) || downgrade || plainHttpWithKey || (to.protocol !== 'http:' && to.protocol !== 'https:')) {
      const why = downgrade || plainHttpWithKey ? 'to plain http' : 'to another host';
      throw new StorageError({
        code: 'RedirectRefused', operation: req.operation, bucket: req.bucket, key: req.key,
        message: `${req.operation} refused: the server redirected ${why} (${to.protocol}//${to.host}); `
          + `${sseC ? 'the request carries an SSE-C key' : 'the request is signed with the connection\'s credentials'}, `
          + 'which are only sent to the configured endpoint. Check the connection\'s endpoint, region and addressing.',
      });
    }
  }

  /** A cheap signed read; any answer other than a credential error proves the credentials are accepted. */
  private async probeCredentials(bucket: string | undefined, signal?: AbortSignal): Promise<void> {
    try {
      await this.send(bucket === undefined
        ? { operation: 'probeCredentials', method: 'GET', signal }
        : { operation: 'probeCredentials', method: 'GET', bucket, query: [['location', '']], signal });
    } catch (e) {
      if (e instanceof StorageError && e.code !== 'BadCredentials' && e.status !== undefined) {
        this.profile.credentialsConfirmed = true;
      }
    }
  }

  /** Graceful close; bodies nobody consumed would hold it open, so after a grace period connections are destroyed. */
  async close(graceMs = 1_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const graceful = this.agent.close().then(() => true);
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    try {
      if (!(await Promise.race([graceful, expired]))) {
        await this.agent.destroy();
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readErrorBody(body: AsyncIterable<Uint8Array> & { destroy?(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ERROR_BODY) {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
