// A loopback HTTP server that records every request and answers with plausible OBS/S3 successes.
// `HEAD /?apiversion` (any Host) answers `x-obs-api: 3.0` so that the official SDK switches to the OBS protocol.

import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  /** Raw request target (encoded path and query). */
  url: string;
  host: string;
  /** Lower-cased header names; repeated headers keep every value. */
  headers: Record<string, string | string[]>;
  bodyLength: number;
}

export interface CaptureServer {
  port: number;
  requests: Captured[];
  /** Requests recorded since the last call (and forgets them). */
  take(): Captured[];
  close(): Promise<void>;
}

function query(url: string): URLSearchParams {
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/** Response headers that echo the request's SSE choice, never its key. */
function echoSse(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && /^x-(obs|amz)-server-side-encryption(-customer-algorithm|-customer-key-md5|-kms-key-id|-aws-kms-key-id)?$/.test(k)) {
      out[k] = v;
    }
  }
  return out;
}

function answer(req: IncomingMessage, res: ServerResponse, bodyLength: number): void {
  const q = query(req.url ?? '/');
  const h = req.headers;
  const etag = '"0123456789abcdef0123456789abcdef"';
  const copySource = h['x-obs-copy-source'] ?? h['x-amz-copy-source'];
  const xml = (body: string, extra: Record<string, string> = {}): void => {
    res.writeHead(200, { 'content-type': 'application/xml', ...extra });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const m = req.method ?? 'GET';
  if (m === 'POST' && q.has('uploads')) {
    xml('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>UPLOAD-0001</UploadId></InitiateMultipartUploadResult>', echoSse(req));
  } else if (m === 'POST' && q.has('uploadId')) {
    xml(`<CompleteMultipartUploadResult><Location>/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>${etag}</ETag></CompleteMultipartUploadResult>`);
  } else if (m === 'PUT' && copySource !== undefined && q.has('partNumber')) {
    xml(`<CopyPartResult><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>${etag}</ETag></CopyPartResult>`, echoSse(req));
  } else if (m === 'PUT' && copySource !== undefined) {
    xml(`<CopyObjectResult><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>${etag}</ETag></CopyObjectResult>`, echoSse(req));
  } else if ((m === 'POST' || m === 'PUT') && q.has('append')) {
    const next = String(Number(q.get('position') ?? '0') + bodyLength);
    res.writeHead(200, { etag, 'x-obs-next-append-position': next, 'x-rgw-next-append-position': next, ...echoSse(req) });
    res.end();
  } else if (m === 'PUT' || m === 'POST') {
    res.writeHead(200, { etag, ...echoSse(req) });
    res.end();
  } else if (m === 'GET' || m === 'HEAD') {
    const body = Buffer.from('captured');
    res.writeHead(200, {
      etag, 'content-length': String(body.length), 'content-type': 'application/octet-stream',
      'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT', ...echoSse(req),
    });
    res.end(m === 'GET' ? body : undefined);
  } else {
    res.writeHead(204);
    res.end();
  }
}

export async function startCaptureServer(): Promise<CaptureServer> {
  let requests: Captured[] = [];
  const server: Server = createServer((req, res) => {
    let bodyLength = 0;
    req.on('data', (c: Buffer) => {
      bodyLength += c.length;
    });
    req.on('end', () => {
      const url = req.url ?? '/';
      if (req.method === 'HEAD' && query(url).has('apiversion')) {
        res.writeHead(200, { 'x-obs-api': '3.0' });
        res.end();
        return;
      }
      const headers: Record<string, string | string[]> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i].toLowerCase();
        const value = req.rawHeaders[i + 1];
        const prev = headers[name];
        headers[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
      }
      requests.push({ method: req.method ?? '', url, host: req.headers.host ?? '', headers, bodyLength });
      answer(req, res, bodyLength);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get requests() {
      return requests;
    },
    take() {
      const out = requests;
      requests = [];
      return out;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
