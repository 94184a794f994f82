// Shared helpers for the storage unit tests.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConnectionConfig, StorageClient } from '../../../src/storage';

/** Repository root, found from the compiled test location (out/test/unit/storage) or the source location. */
export function repoRoot(): string {
  let dir = __dirname;
  while (dir !== path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src', 'storage'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error('repository root not found');
}

/** The signing vectors vendored in `test/fixtures/vectors` (public test data). */
export function vectorsDir(): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'vectors');
}

/** A request the fake server saw. */
export interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }
export type Handler = (req: Seen, res: http.ServerResponse, n: number) => void;

/** Runs `fn` against a loopback HTTP server that records every request and answers through `handler`. */
export async function withServer(handler: Handler, fn: (endpoint: string, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      handler(s, res, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Runs `fn` with a client for `endpoint` (test credentials, SSE allowed over http), disposed afterwards. */
export async function withClient(endpoint: string, extra: Partial<ConnectionConfig>, fn: (c: StorageClient) => Promise<void>): Promise<void> {
  const c = new StorageClient({ endpoint, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' }, allowInsecureSse: true, ...extra });
  try {
    await fn(c);
  } finally {
    await c.dispose();
  }
}
