import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { FaultProxy } from '../../support/faultProxy';

describe('FaultProxy', () => {
  let upstream: Server;
  let proxy: FaultProxy;
  let agent: Agent;
  let seen = 0;

  before(async () => {
    upstream = createServer((req, res) => {
      seen++;
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
      });
      req.on('end', () => {
        const body = req.url === '/big' ? Buffer.alloc(256 * 1024, 7) : Buffer.from(`got ${n}`);
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const addr = upstream.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    proxy = new FaultProxy({ upstream: `http://127.0.0.1:${port}` });
    await proxy.start();
    agent = new Agent({ connections: 2 });
  });

  after(async () => {
    await agent.close();
    await proxy.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  const put = (size: number): Promise<{ status: number; text: string }> =>
    agent.request({ origin: proxy.endpoint, path: '/x?partNumber=1', method: 'PUT', body: Buffer.alloc(size, 1) })
      .then(async (r) => ({ status: r.statusCode, text: await r.body.text() }));

  it('forwards requests and bodies over kept-alive connections', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await put(100_000);
      assert.equal(r.status, 200);
      assert.equal(r.text, 'got 100000');
    }
    assert.ok(proxy.stats.requests >= 3);
  });

  it('answers 503 SlowDown for the next K matching requests without forwarding them', async () => {
    const before = seen;
    proxy.slowDownNext({ count: 2, match: (r) => r.method === 'PUT' });
    const a = await put(5000);
    const b = await put(0);
    const c = await put(10);
    assert.equal(a.status, 503);
    assert.match(a.text, /<Code>SlowDown<\/Code>/);
    assert.equal(b.status, 503);
    assert.equal(c.status, 200);
    assert.equal(c.text, 'got 10');
    assert.equal(seen - before, 1);
    assert.equal(proxy.pending.slowDowns, 0);
  });

  it('resets a connection after N request bytes', async () => {
    proxy.resetNext({ afterBytes: 50_000, match: (r) => r.url.includes('partNumber') });
    await assert.rejects(put(1_000_000));
    assert.equal(proxy.stats.resets, 1);
    const ok = await put(1000);
    assert.equal(ok.text, 'got 1000');
  });

  it('resets a connection after N response bytes', async () => {
    proxy.resetNext({ afterBytes: 10_000, direction: 'response', match: (r) => r.url === '/big' });
    await assert.rejects(async () => {
      const r = await agent.request({ origin: proxy.endpoint, path: '/big', method: 'GET' });
      await r.body.arrayBuffer();
    });
    const r = await agent.request({ origin: proxy.endpoint, path: '/big', method: 'GET' });
    assert.equal((await r.body.arrayBuffer()).byteLength, 256 * 1024);
  });

  it('throttles like a store: 503 SlowDown once the rate limit\'s bucket is empty, forwarding the rest', async () => {
    const before = { seen, limited: proxy.stats.rateLimited };
    // 0.001 per second: the bucket holds one token and does not refill within the test.
    proxy.rateLimit({ perSecond: 0.001, match: (r) => r.method === 'PUT' });
    const a = await put(10);
    const b = await put(10);
    const other = await agent.request({ origin: proxy.endpoint, path: '/big', method: 'GET' });
    await other.body.dump();
    proxy.rateLimit(undefined);
    const c = await put(10);
    assert.equal(a.status, 200);
    assert.equal(b.status, 503);
    assert.match(b.text, /<Code>SlowDown<\/Code>/);
    assert.equal(other.statusCode, 200);
    assert.equal(c.status, 200);
    assert.equal(proxy.stats.rateLimited - before.limited, 1);
    assert.equal(seen - before.seen, 3);
  });

  it('listens on HTTPS with a given certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultproxy-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const tlsProxy = new FaultProxy({ upstream: proxy.endpoint, tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      const endpoint = await tlsProxy.start();
      const tlsAgent = new Agent({ connect: { ca: cert.toString() } });
      try {
        assert.match(endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
        tlsProxy.slowDownNext({ count: 1 });
        const first = await tlsAgent.request({ origin: endpoint, path: '/x', method: 'PUT', body: Buffer.alloc(100, 1) });
        const second = await tlsAgent.request({ origin: endpoint, path: '/x', method: 'PUT', body: Buffer.alloc(100, 1) });
        assert.equal(first.statusCode, 503);
        await first.body.dump();
        assert.equal(await second.body.text(), 'got 100');
      } finally {
        await tlsAgent.close();
        await tlsProxy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delays matching requests', async () => {
    proxy.delay({ ms: 150, times: 1 });
    const t0 = Date.now();
    await put(10);
    assert.ok(Date.now() - t0 >= 140);
  });
});
