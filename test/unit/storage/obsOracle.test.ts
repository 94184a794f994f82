// The official OBS SDK (npm esdk-obs-nodejs) as an oracle: capture the requests it signs with `OBS AK:sig` and check
// that our signer produces the same Authorization for each. Our client, pointed at the same capture server in the
// OBS dialect, must send virtual-hosted requests whose signature the same signer reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// The module object itself (not an ES namespace) so its lookup can be replaced for this test process.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import dns = require('node:dns');
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { parseQuery } from '../../../src/storage/encode';
import { signObs } from '../../../src/storage/signing/obs';
import { StorageClient } from '../../../src/storage';

interface Captured { method: string; host: string; url: string; headers: http.IncomingHttpHeaders }

type Sdk = new (cfg: Record<string, unknown>) => Record<string, (p: Record<string, unknown>) => Promise<unknown>>;
let ObsClient: Sdk | undefined;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ObsClient = require('esdk-obs-nodejs') as Sdk;
} catch {
  ObsClient = undefined;
}

// Resolve `<bucket>.localhost` to loopback inside this test process so virtual-hosted requests reach the server.
const realLookup = dns.lookup;
(dns as { lookup: unknown }).lookup = (host: string, opts: unknown, cb?: unknown): void => {
  const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
  const options = (typeof opts === 'object' && opts !== null ? opts : {}) as { all?: boolean };
  if (host.endsWith('.localhost')) {
    if (options.all) {
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    } else {
      callback(null, '127.0.0.1', 4);
    }
    return;
  }
  (realLookup as (...a: unknown[]) => void)(host, opts, cb);
};

async function capture(fn: (endpoint: string) => Promise<void>): Promise<Captured[]> {
  const seen: Captured[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', host: req.headers.host ?? '', url: req.url ?? '', headers: req.headers });
      if (req.method === 'HEAD' && (req.url ?? '').includes('apiversion')) {
        res.setHeader('x-obs-api', '3.0');
      }
      res.setHeader('etag', '"e"');
      res.setHeader('x-obs-server-side-encryption', 'kms');
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://localhost:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return seen;
}

function resign(c: Captured, ak: string, sk: string): string {
  const [path, qs = ''] = c.url.split('?');
  const hostName = c.host.split(':')[0];
  const bucket = hostName.slice(0, -'.localhost'.length);
  const signed = signObs(
    { method: c.method, bucket, encodedKey: path.slice(1) || undefined, query: parseQuery(qs), headers: c.headers as Record<string, string> },
    { accessKeyId: ak, secretAccessKey: sk, headerPrefix: 'x-obs-', scheme: 'OBS' },
  );
  return signed.authorization;
}

const AK = 'AKORACLE';
const SK = 'SK/oracle+secret=';

void test('OBS signer reproduces the official SDK signatures (PUT with KMS and metadata, GET with SSE-C, list)', { skip: ObsClient ? false : 'esdk-obs-nodejs not installed' }, async () => {
  const Sdk = ObsClient as Sdk;
  const seen = await capture(async (endpoint) => {
    const obs = new Sdk({ access_key_id: AK, secret_access_key: SK, server: endpoint, signature: 'obs', is_signature_negotiation: true });
    await new Promise((r) => setTimeout(r, 20));
    await obs.putObject({ Bucket: 'bkt', Key: 'dir/a b+ü?#.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { color: 'red' }, SseKms: 'kms', SseKmsKey: 'k1' });
    await obs.getObject({ Bucket: 'bkt', Key: 'x', SseC: 'AES256', SseCKey: Buffer.alloc(32, 3) });
    await obs.listObjects({ Bucket: 'bkt', Prefix: 'p', Marker: 'm' });
    await obs.initiateMultipartUpload({ Bucket: 'bkt', Key: 'mp' });
  });
  const signedRequests = seen.filter((c) => c.headers.authorization);
  assert.ok(signedRequests.length >= 4, `expected 4 signed requests, saw ${signedRequests.length}`);
  for (const c of signedRequests) {
    assert.equal(resign(c, AK, SK), c.headers.authorization, `${c.method} ${c.url}`);
  }
});

void test('OBS dialect client: virtual-hosted host, key path encoded once, x-obs headers, signature consistent', async () => {
  const seen = await capture(async (endpoint) => {
    const client = new StorageClient({
      endpoint, dialect: 'obs', addressing: 'virtual', allowInsecureSse: true,
      credentials: { accessKeyId: AK, secretAccessKey: SK, sessionToken: 'TOK' },
    });
    try {
      await client.putObject('bkt', 'dir/a b+ü?#.txt', Buffer.from('hello'), { encryption: { type: 'kms', keyId: 'k1' }, metadata: { color: 'red' } });
      await client.appendObject('bkt', 'log', 5, Buffer.from('x'));
    } finally {
      await client.dispose();
    }
  });
  const put = seen[0];
  assert.match(put.host, /^bkt\.localhost:\d+$/);
  assert.equal(put.url, '/dir/a%20b%2B%C3%BC%3F%23.txt');
  assert.equal(put.headers['x-obs-server-side-encryption'], 'kms');
  assert.equal(put.headers['x-obs-meta-color'], 'red');
  assert.equal(put.headers['x-obs-security-token'], 'TOK');
  assert.equal(resign(put, AK, SK), put.headers.authorization);
  const app = seen[1];
  assert.equal(app.method, 'POST');
  assert.equal(app.url, '/log?append&position=5');
  assert.equal(resign(app, AK, SK), app.headers.authorization);
});
