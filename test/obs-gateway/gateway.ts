// A loopback test gateway that speaks Huawei OBS to its clients and S3 (SigV4) to a Ceph RGW behind it, so that
// OBS-dialect code paths (ours and the official SDK's) can run against a real object store. See README.md.

import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';
import { AddressInfo, isIP } from 'node:net';
import { signV4, UNSIGNED_PAYLOAD } from '../../src/storage/signing/sigv4';
import { ArrivedRequest, splitQuery, verifyObsRequest } from './obsAuth';

export interface GatewayOptions {
  /** RGW endpoint, e.g. `http://127.0.0.1:17480` (path-style is used upstream). */
  upstream: string;
  /** Credentials the clients sign with; the same pair signs the forwarded SigV4 requests. */
  accessKey: string;
  secretKey: string;
  region: string;
  /** More client credentials (access key -> secret), forwarded with their own secret. */
  extraCredentials?: Record<string, string>;
  /** PEM of the upstream CA when the upstream is https. */
  upstreamCa?: string;
  /** Largest accepted clock difference in ms (OBS: 15 minutes). */
  maxSkewMs?: number;
}

export interface Gateway {
  /** `http://localhost:PORT`: path-style works directly; virtual-hosted clients send `Host: <bucket>.localhost`. */
  endpoint: string;
  port: number;
  /** Requests handled (for tests that want to see what went through). */
  readonly log: Array<{ method: string; url: string; host: string; status: number; upstreamMethod?: string }>;
  close(): Promise<void>;
}

const BASE_HOSTS = ['localhost', '127.0.0.1'];

/** Request headers never forwarded (hop-by-hop, re-made by the gateway, or OBS-only auth material). */
const DROP_REQUEST = new Set([
  'host', 'authorization', 'date', 'x-obs-date', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer',
  'upgrade', 'expect', 'transfer-encoding',
]);

/** OBS request headers RGW has no counterpart for: refused rather than silently ignored. */
const UNSUPPORTED = new Set(['x-obs-server-side-data-encryption', 'x-obs-sse-kms-key-project-id']);

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function obsError(res: ServerResponse, method: string, status: number, code: string, message: string, resource: string): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>`
    + `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId><HostId>obs-gateway</HostId></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml', 'content-length': String(method === 'HEAD' ? 0 : Buffer.byteLength(body)),
    'x-obs-request-id': requestId, 'x-obs-error-code': code, 'x-obs-error-message': message, server: 'OBS',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

/** Bucket named by a virtual-hosted Host header, or undefined for path-style / service requests. */
function hostBucket(host: string): string | undefined {
  const bare = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(bare) !== 0 || BASE_HOSTS.includes(bare)) {
    return undefined;
  }
  for (const base of BASE_HOSTS) {
    if (bare.endsWith('.' + base)) {
      return bare.slice(0, -base.length - 1);
    }
  }
  return undefined;
}

/** RFC 3986 encoding (what SigV4 canonicalises to); `keepSlash` for paths. */
function rfc3986(s: string, keepSlash: boolean): string {
  const encoded = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** The upstream path-style target: `/bucket[/key]` with the key re-encoded the SigV4 way. */
function upstreamPath(url: string, bucketFromHost: string | undefined): { path: string; bucket?: string; key?: string } {
  const q = url.indexOf('?');
  const raw = (q < 0 ? url : url.slice(0, q)).replace(/^\//, '');
  let bucket: string | undefined = bucketFromHost;
  let keyRaw: string | undefined;
  if (bucket === undefined) {
    if (raw === '') {
      return { path: '/' };
    }
    const slash = raw.indexOf('/');
    bucket = decodePath(slash < 0 ? raw : raw.slice(0, slash));
    keyRaw = slash < 0 ? undefined : raw.slice(slash + 1);
  } else {
    keyRaw = raw;
  }
  if (keyRaw === undefined || keyRaw === '') {
    return { path: `/${bucket}`, bucket };
  }
  const key = decodePath(keyRaw);
  return { path: `/${bucket}/${rfc3986(key, true)}`, bucket, key };
}

/** OBS request header -> S3 request header (name and value); undefined drops it. */
function toS3Header(name: string, value: string): [string, string] | undefined {
  if (name === 'x-obs-server-side-encryption') {
    return ['x-amz-server-side-encryption', value === 'kms' ? 'aws:kms' : value];
  }
  if (name === 'x-obs-server-side-encryption-kms-key-id') {
    return ['x-amz-server-side-encryption-aws-kms-key-id', value];
  }
  if (name.startsWith('x-obs-')) {
    return ['x-amz-' + name.slice('x-obs-'.length), value];
  }
  return [name, value];
}

/** S3/RGW response header -> OBS response header; undefined drops it. */
function toObsHeader(name: string, value: string | string[]): [string, string | string[]] | undefined {
  if (name === 'x-amz-server-side-encryption') {
    return ['x-obs-server-side-encryption', value === 'aws:kms' ? 'kms' : value];
  }
  if (name === 'x-amz-server-side-encryption-aws-kms-key-id') {
    return ['x-obs-server-side-encryption-kms-key-id', value];
  }
  if (name === 'x-rgw-next-append-position') {
    return ['x-obs-next-append-position', value];
  }
  if (name === 'x-rgw-object-type') {
    return ['x-obs-object-type', value];
  }
  if (name.startsWith('x-rgw-') || name === 'connection' || name === 'keep-alive') {
    return undefined;
  }
  if (name.startsWith('x-amz-')) {
    return ['x-obs-' + name.slice('x-amz-'.length), value];
  }
  return [name, value];
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const upstream = new URL(opts.upstream);
  const secrets: Record<string, string> = { ...(opts.extraCredentials ?? {}), [opts.accessKey]: opts.secretKey };
  const maxSkew = opts.maxSkewMs ?? 15 * 60 * 1000;
  const log: Gateway['log'] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const host = req.headers.host ?? '';
    const entry: Gateway['log'][number] = { method, url, host, status: 0 };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    const bucketFromHost = hostBucket(host);
    const q = url.indexOf('?');
    const query = splitQuery(q < 0 ? '' : url.slice(q + 1));
    const resource = url.slice(0, q < 0 ? undefined : q);

    // The SDKs' protocol probe: unsigned, answered locally.
    if (method === 'HEAD' && query.some(([k]) => k === 'apiversion')) {
      req.resume();
      res.writeHead(200, { 'x-obs-api': '3.0', server: 'OBS', 'content-length': '0' });
      res.end();
      return;
    }

    const arrived: ArrivedRequest = { method, url, headers: req.headers, hostBucket: bucketFromHost };
    const verdict = verifyObsRequest(arrived, secrets);
    if (!verdict.ok) {
      req.resume();
      obsError(res, method, 403, verdict.code, verdict.message, resource);
      return;
    }
    const dateText = one(req.headers['x-obs-date']) ?? one(req.headers.date);
    const when = dateText ? Date.parse(dateText) : NaN;
    if (Number.isNaN(when) || Math.abs(when - Date.now()) > maxSkew) {
      req.resume();
      obsError(res, method, 403, 'RequestTimeTooSkewed', 'the difference between the request time and the server time is too large', resource);
      return;
    }

    const headers: Record<string, string> = {};
    for (const [rawName, rawValue] of Object.entries(req.headers)) {
      const name = rawName.toLowerCase();
      const value = one(rawValue);
      if (value === undefined || DROP_REQUEST.has(name)) {
        continue;
      }
      if (name.startsWith('x-amz-')) {
        req.resume();
        obsError(res, method, 400, 'InvalidArgument', `S3 header ${name} sent to an OBS endpoint`, resource);
        return;
      }
      if (UNSUPPORTED.has(name)) {
        req.resume();
        obsError(res, method, 400, 'InvalidArgument', `${name} is not supported by the test gateway (RGW has no counterpart)`, resource);
        return;
      }
      const mapped = toS3Header(name, value);
      if (mapped) {
        headers[mapped[0]] = mapped[1];
      }
    }

    // OBS appends with POST; RGW with PUT.
    const isAppend = query.some(([k]) => k === 'append');
    const upMethod = method === 'POST' && isAppend ? 'PUT' : method;
    entry.upstreamMethod = upMethod;
    const target = upstreamPath(url, bucketFromHost);
    const qs = query.map(([k, v]) => (v === '' ? rfc3986(k, false) : `${rfc3986(k, false)}=${rfc3986(v, false)}`)).join('&');

    let body: Buffer | undefined;
    if (headers['content-length'] === undefined && method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
      // A chunked upload: RGW wants a length, so buffer it (test payloads are small).
      body = await readAll(req);
      headers['content-length'] = String(body.length);
    }
    const signed = signV4(
      { method: upMethod, path: target.path, query, headers: { ...headers, host: upstream.host } },
      {
        accessKeyId: verdict.accessKey, secretAccessKey: secrets[verdict.accessKey], region: opts.region,
        date: new Date(), payloadHash: UNSIGNED_PAYLOAD,
      },
    );
    const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
    const upReq = send({
      protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port,
      method: upMethod, path: qs ? `${target.path}?${qs}` : target.path,
      headers: { ...headers, ...signed.headers, host: upstream.host },
      ...(opts.upstreamCa ? { ca: opts.upstreamCa } : {}),
    });
    upReq.on('response', (up) => {
      const out: Record<string, string | string[]> = { server: 'OBS' };
      for (const [name, value] of Object.entries(up.headers)) {
        if (value === undefined) {
          continue;
        }
        const mapped = toObsHeader(name.toLowerCase(), value);
        if (mapped) {
          out[mapped[0]] = mapped[1];
        }
      }
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upReq.on('error', (e) => {
      if (!res.headersSent) {
        obsError(res, method, 502, 'InternalError', `upstream: ${e.message}`, resource);
      } else {
        res.destroy(e);
      }
    });
    if (body !== undefined) {
      upReq.end(body);
    } else {
      req.pipe(upReq);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        obsError(res, req.method ?? 'GET', 500, 'InternalError', e instanceof Error ? e.message : String(e), req.url ?? '/');
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://localhost:${port}`,
    port,
    log,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
