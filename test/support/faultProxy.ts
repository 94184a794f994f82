// A loopback TCP proxy in front of the RGW's plain-HTTP endpoint that injects faults on request:
//  - reset a connection after N bytes of a matching request (upload direction) or of its response (download),
//  - delay matching requests,
//  - answer `503 SlowDown` (an S3 XML error) to the next K matching requests without forwarding them,
//  - throttle like a store does: answer `503 SlowDown` to requests above N per second (a token bucket), forward the rest.
// It listens on plain HTTP, or on HTTPS with `tls` (clients then speak TLS to it; upstream stays plain HTTP).
// It understands just enough HTTP/1.1 to find request boundaries (request line, headers, Content-Length body);
// responses are piped back untouched. Clients must not pipeline (undici does not by default).
// Bounded: at most `maxConnections` client connections, back-pressure in both directions, a 64 KiB cap on a request
// head. `close()` destroys every socket and resolves when the listener is closed.

import { createServer, connect, Server, Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';

export interface RequestInfo {
  method: string;
  /** Request target as sent (path and query). */
  url: string;
  headers: Record<string, string>;
  contentLength: number;
}

export type RequestMatcher = (req: RequestInfo) => boolean;

export interface ResetFault {
  /** Bytes of the matching request (head + body) to forward before resetting; with `direction: 'response'`, bytes of its response. */
  afterBytes: number;
  direction?: 'request' | 'response';
  /** How many matching requests to reset (default 1). */
  times?: number;
  match?: RequestMatcher;
}

export interface SlowDownFault {
  /** How many matching requests to answer with 503 SlowDown. */
  count: number;
  match?: RequestMatcher;
  /** Status to answer (default 503) and S3 error code (default SlowDown). */
  status?: number;
  code?: string;
}

export interface DelayFault {
  /** Milliseconds to hold each matching request before forwarding it. */
  ms: number;
  /** How many requests (default: until cleared). */
  times?: number;
  match?: RequestMatcher;
}

/** Store-like throttling: requests above `perSecond` (token bucket of `burst`, default perSecond / 5) get 503 SlowDown. */
export interface RateLimit {
  perSecond: number;
  /** Requests that may arrive at once after a quiet spell (default max(1, perSecond / 5)). */
  burst?: number;
  match?: RequestMatcher;
}

export interface FaultProxyStats {
  connections: number;
  openConnections: number;
  requests: number;
  resets: number;
  slowDowns: number;
  delays: number;
  /** Requests answered 503 SlowDown by the rate limit (not counted in `slowDowns`). */
  rateLimited: number;
  /** Requests passed on to the upstream. */
  forwarded: number;
  /** Request lines seen, oldest first (bounded to the last 1000). */
  log: string[];
}

export interface FaultProxyOptions {
  /** `http://host:port` of the real server. */
  upstream: string;
  maxConnections?: number;
  /** Listen on HTTPS with this certificate and key (PEM); the endpoint is then `https://127.0.0.1:<port>`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

const MAX_HEAD = 64 * 1024;
const LOG_LIMIT = 1000;

interface Armed<T> {
  fault: T;
  remaining: number;
}

export class FaultProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly upstreamHost: string;
  private readonly upstreamPort: number;
  private readonly maxConnections: number;
  private resets: Array<Armed<ResetFault>> = [];
  private slowDowns: Array<Armed<SlowDownFault>> = [];
  private delays: Array<Armed<DelayFault>> = [];
  private limit?: { rate: RateLimit; tokens: number; burst: number; at: number };
  private port = 0;
  private readonly tls?: FaultProxyOptions['tls'];
  readonly stats: FaultProxyStats = { connections: 0, openConnections: 0, requests: 0, resets: 0, slowDowns: 0, delays: 0, rateLimited: 0, forwarded: 0, log: [] };

  constructor(opts: FaultProxyOptions) {
    const u = new URL(opts.upstream);
    if (u.protocol !== 'http:') {
      throw new Error('FaultProxy speaks plain HTTP only');
    }
    this.upstreamHost = u.hostname;
    this.upstreamPort = Number(u.port || 80);
    this.maxConnections = opts.maxConnections ?? 64;
    this.tls = opts.tls;
  }

  /** Starts listening on 127.0.0.1 (a free port) and returns the proxy's endpoint URL. */
  async start(): Promise<string> {
    const server = this.tls
      ? createTlsServer({ cert: this.tls.cert, key: this.tls.key }, (s) => this.onConnection(s))
      : createServer((s) => this.onConnection(s));
    server.maxConnections = this.maxConnections;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this.endpoint;
  }

  get endpoint(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  resetNext(fault: ResetFault): void {
    this.resets.push({ fault, remaining: fault.times ?? 1 });
  }

  slowDownNext(fault: SlowDownFault): void {
    this.slowDowns.push({ fault, remaining: fault.count });
  }

  delay(fault: DelayFault): void {
    this.delays.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Throttles from now on (replacing any earlier limit); `undefined` lifts it. */
  rateLimit(rate: RateLimit | undefined): void {
    if (rate && !(rate.perSecond > 0)) {
      throw new Error('rateLimit: perSecond must be above 0');
    }
    const burst = rate ? Math.max(1, rate.burst ?? rate.perSecond / 5) : 0;
    this.limit = rate ? { rate, burst, tokens: burst, at: performance.now() } : undefined;
  }

  /** Disarms every pending fault and lifts the rate limit. */
  clearFaults(): void {
    this.resets = [];
    this.slowDowns = [];
    this.delays = [];
    this.limit = undefined;
  }

  /** Faults still armed (a test can assert they all fired). */
  get pending(): { resets: number; slowDowns: number } {
    return {
      resets: this.resets.reduce((n, a) => n + a.remaining, 0),
      slowDowns: this.slowDowns.reduce((n, a) => n + a.remaining, 0),
    };
  }

  async close(): Promise<void> {
    this.clearFaults();
    for (const s of this.sockets) {
      s.destroy();
    }
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private take<T extends { match?: RequestMatcher }>(list: Array<Armed<T>>, req: RequestInfo): T | undefined {
    for (const a of list) {
      if (a.remaining > 0 && (a.fault.match?.(req) ?? true)) {
        a.remaining--;
        return a.fault;
      }
    }
    return undefined;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  private onConnection(client: Socket): void {
    this.stats.connections++;
    this.stats.openConnections++;
    this.track(client);
    client.once('close', () => {
      this.stats.openConnections--;
    });
    new ProxiedConnection(this, client).run();
  }

  /** @internal */
  openUpstream(): Socket {
    const s = connect({ host: this.upstreamHost, port: this.upstreamPort });
    this.track(s);
    return s;
  }

  /** @internal */
  onRequest(req: RequestInfo): { slowDown?: SlowDownFault; reset?: ResetFault; delayMs: number } {
    this.stats.requests++;
    this.stats.log.push(`${req.method} ${req.url}`);
    if (this.stats.log.length > LOG_LIMIT) {
      this.stats.log.shift();
    }
    const slowDown = this.take(this.slowDowns, req);
    if (slowDown) {
      this.stats.slowDowns++;
      return { slowDown, delayMs: 0 };
    }
    if (this.overLimit(req)) {
      this.stats.rateLimited++;
      return { slowDown: { count: 0 }, delayMs: 0 };
    }
    this.stats.forwarded++;
    const reset = this.take(this.resets, req);
    const delay = this.take(this.delays, req);
    if (delay) {
      this.stats.delays++;
    }
    return { reset, delayMs: delay?.ms ?? 0 };
  }

  /** Token bucket: true when this request finds no token left. */
  private overLimit(req: RequestInfo): boolean {
    const l = this.limit;
    if (!l || !(l.rate.match?.(req) ?? true)) {
      return false;
    }
    const now = performance.now();
    l.tokens = Math.min(l.burst, l.tokens + ((now - l.at) / 1000) * l.rate.perSecond);
    l.at = now;
    if (l.tokens < 1) {
      return true;
    }
    l.tokens -= 1;
    return false;
  }

  /** @internal */
  countReset(): void {
    this.stats.resets++;
  }
}

function parseHead(head: string): RequestInfo | undefined {
  const lines = head.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!m) {
    return undefined;
  }
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) {
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
  }
  const contentLength = Number(headers['content-length'] ?? '0');
  return { method: m[1], url: m[2], headers, contentLength: Number.isFinite(contentLength) ? contentLength : 0 };
}

function slowDownResponse(status: number, code: string, url: string): Buffer {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>Please reduce your request rate.</Message>`
    + `<Resource>${url.replace(/[<&>]/g, '')}</Resource><RequestId>faultproxy</RequestId></Error>`;
  const reason = status === 503 ? 'Service Unavailable' : 'Error';
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    + `x-amz-request-id: faultproxy\r\nConnection: keep-alive\r\n\r\n${body}`);
}

/** One client connection: a small state machine over request heads and Content-Length bodies. */
class ProxiedConnection {
  private upstream?: Socket;
  private buf: Buffer = Buffer.alloc(0);
  /** Body bytes of the current request still to pass (or to swallow when `swallow`). */
  private bodyLeft = 0;
  private swallow = false;
  private pendingResponse?: Buffer;
  /** Request-direction reset budget for the current request. */
  private resetAfter?: number;
  private forwarded = 0;
  private busy = false;
  private dead = false;

  constructor(private readonly proxy: FaultProxy, private readonly client: Socket) {}

  run(): void {
    this.client.on('data', (chunk: Buffer) => this.onData(chunk));
    this.client.on('error', () => this.kill(false));
    this.client.on('end', () => this.upstream?.end());
    this.client.on('close', () => this.kill(false));
  }

  private kill(reset: boolean): void {
    if (this.dead) {
      return;
    }
    this.dead = true;
    if (reset) {
      this.proxy.countReset();
      if (this.client instanceof TLSSocket) {
        this.client.destroy(); // a TLS socket has no TCP handle of its own to reset
      } else {
        this.client.resetAndDestroy();
      }
    } else {
      this.client.destroy();
    }
    this.upstream?.destroy();
  }

  private ensureUpstream(): Socket {
    if (this.upstream && !this.upstream.destroyed) {
      return this.upstream;
    }
    const up = this.proxy.openUpstream();
    up.on('error', () => this.kill(false));
    up.on('close', () => {
      if (this.upstream === up) {
        this.kill(false);
      }
    });
    up.on('drain', () => this.client.resume());
    up.on('data', (chunk: Buffer) => {
      if (!this.dead && !this.client.write(chunk)) {
        up.pause();
      }
    });
    this.client.on('drain', () => up.resume());
    this.upstream = up;
    return up;
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.pump();
  }

  private pump(): void {
    while (!this.dead && !this.busy && this.buf.length > 0) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, this.buf.length);
        const part = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        this.bodyLeft -= n;
        if (this.swallow) {
          if (this.bodyLeft === 0 && this.pendingResponse) {
            this.client.write(this.pendingResponse);
            this.pendingResponse = undefined;
          }
          continue;
        }
        this.forward(part);
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buf.length > MAX_HEAD) {
          this.kill(false);
        }
        return;
      }
      const headBytes = this.buf.subarray(0, end + 4);
      const req = parseHead(headBytes.toString('latin1'));
      if (!req || /chunked/i.test(req.headers['transfer-encoding'] ?? '')) {
        // Not something this proxy can frame: pass everything through from here on.
        this.forwardRaw();
        return;
      }
      this.buf = this.buf.subarray(end + 4);
      this.bodyLeft = req.contentLength;
      const action = this.proxy.onRequest(req);
      if (action.slowDown) {
        this.swallow = true;
        const res = slowDownResponse(action.slowDown.status ?? 503, action.slowDown.code ?? 'SlowDown', req.url);
        if (this.bodyLeft === 0) {
          this.client.write(res);
        } else {
          this.pendingResponse = res;
        }
        continue;
      }
      this.swallow = false;
      this.forwarded = 0;
      this.resetAfter = undefined;
      if (action.reset) {
        if ((action.reset.direction ?? 'request') === 'request') {
          this.resetAfter = action.reset.afterBytes;
        } else {
          this.armResponseReset(action.reset.afterBytes);
        }
      }
      if (action.delayMs > 0) {
        this.busy = true;
        this.client.pause();
        setTimeout(() => {
          this.busy = false;
          if (!this.dead) {
            this.client.resume();
            this.forward(headBytes);
            this.pump();
          }
        }, action.delayMs).unref();
        return;
      }
      this.forward(headBytes);
    }
  }

  private forward(bytes: Buffer): void {
    if (this.dead) {
      return;
    }
    let out = bytes;
    if (this.resetAfter !== undefined) {
      const room = this.resetAfter - this.forwarded;
      if (out.length >= room) {
        out = out.subarray(0, Math.max(0, room));
        const up = this.ensureUpstream();
        if (out.length > 0) {
          up.write(out);
        }
        this.kill(true);
        return;
      }
      this.forwarded += out.length;
    }
    const up = this.ensureUpstream();
    if (!up.write(out)) {
      this.client.pause();
    }
  }

  /** Resets the connection once `afterBytes` of the upcoming response have been passed back. */
  private armResponseReset(afterBytes: number): void {
    const up = this.ensureUpstream();
    let passed = 0;
    const onData = (chunk: Buffer): void => {
      const room = afterBytes - passed;
      if (chunk.length >= room) {
        up.off('data', onData);
        up.pause();
        if (room > 0) {
          this.client.write(chunk.subarray(0, room));
        }
        this.kill(true);
        return;
      }
      passed += chunk.length;
    };
    // The response is piped back by the listener from ensureUpstream; this one runs first and only watches and cuts.
    up.prependListener('data', onData);
  }

  /** Gives up on framing: splice the rest of the connection straight through. */
  private forwardRaw(): void {
    const up = this.ensureUpstream();
    up.write(this.buf);
    this.buf = Buffer.alloc(0);
    this.client.removeAllListeners('data');
    this.client.pipe(up);
  }
}
