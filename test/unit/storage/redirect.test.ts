// Where a redirect may take a request that carries an SSE-C key or a signature, and what a cancelled request throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StorageClient, StorageError } from '../../../src/storage';
import { Seen, withServer } from './helpers';

const SECRET = 'SECRETsecretSECRETsecret0123456789abcdef';
const KEY = new Uint8Array(32).fill(0x5a);
const KEY_B64 = Buffer.from(KEY).toString('base64');
const SSE_C_KEY_HEADER = 'x-amz-server-side-encryption-customer-key';

/** A self-signed certificate for 127.0.0.1 and localhost, made once with Debian's openssl. */
function certificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-redirect-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const TLS = certificate();

type Answer = (req: Seen, res: import('node:http').ServerResponse, port: number) => void;

/** An https server on 127.0.0.1 that records every request. */
async function withHttpsServer(answer: Answer, fn: (port: number, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  let port = 0;
  const server = https.createServer({ key: TLS.key, cert: TLS.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      answer(s, res, port);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  try {
    await fn(port, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function client(endpoint: string): StorageClient {
  return new StorageClient({
    endpoint, dialect: 's3', caCertificate: TLS.cert, maxAttempts: 1,
    credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET },
  });
}

function redirectTo(location: (port: number) => string): Answer {
  return (req, res, port) => {
    if (req.url.startsWith('/moved/')) {
      res.setHeader('etag', '"v1"');
      res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
      res.setHeader('x-amz-server-side-encryption-customer-key-md5', String(req.headers['x-amz-server-side-encryption-customer-key-md5'] ?? ''));
      res.end('moved content');
      return;
    }
    res.statusCode = 307;
    res.setHeader('location', location(port));
    res.end();
  };
}

function refused(what: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof StorageError, String(e));
    assert.equal(e.code, 'RedirectRefused');
    assert.match(e.message, what);
    for (const text of [e.message, JSON.stringify(e), e.stack ?? '']) {
      assert.ok(!text.includes(KEY_B64) && !text.includes(SECRET), 'no secret in the error');
    }
    return true;
  };
}

void test('a same-origin https redirect of an SSE-C read is followed, key and signature re-sent to the same server', async () => {
  await withHttpsServer(redirectTo((port) => `https://127.0.0.1:${port}/moved/k`), async (port, seen) => {
    const c = client(`https://127.0.0.1:${port}`);
    try {
      const got = await c.getObject('bkt', 'k', { sseCustomerKey: KEY });
      const chunks: Uint8Array[] = [];
      for await (const chunk of got.body) {
        chunks.push(chunk);
      }
      assert.equal(Buffer.concat(chunks).toString(), 'moved content');
      assert.deepEqual(seen.map((s) => s.url), ['/bkt/k', '/moved/k']);
      assert.equal(seen[1].headers[SSE_C_KEY_HEADER], KEY_B64);
      assert.match(String(seen[1].headers.authorization), /^AWS4-HMAC-SHA256 /);
    } finally {
      await c.dispose();
    }
  });
});

void test('a redirect of an SSE-C read to another host is refused before anything is sent there', async () => {
  // `localhost` resolves to the same machine but is another origin: the key must not follow it.
  await withHttpsServer(redirectTo((port) => `https://localhost:${port}/moved/k`), async (port, seen) => {
    const c = client(`https://127.0.0.1:${port}`);
    try {
      await assert.rejects(c.getObject('bkt', 'k', { sseCustomerKey: KEY }), refused(/redirected to another host .*SSE-C key/));
      assert.deepEqual(seen.map((s) => s.url), ['/bkt/k']);
    } finally {
      await c.dispose();
    }
  });
});

void test('a signed request without a key does not follow a redirect to another host either', async () => {
  await withHttpsServer(redirectTo((port) => `https://localhost:${port}/moved/k`), async (port, seen) => {
    const c = client(`https://127.0.0.1:${port}`);
    try {
      await assert.rejects(c.headObject('bkt', 'k'), refused(/another host .*signed with the connection's credentials/));
      assert.equal(seen.length, 1);
    } finally {
      await c.dispose();
    }
  });
});

void test('a redirect from https to plain http is refused; the http server never sees the key', async () => {
  await withServer((_r, res) => res.end('plain'), async (httpEndpoint, httpSeen) => {
    await withHttpsServer(redirectTo(() => `${httpEndpoint}/moved/k`), async (port, seen) => {
      const c = client(`https://127.0.0.1:${port}`);
      try {
        await assert.rejects(c.getObject('bkt', 'k', { sseCustomerKey: KEY }), refused(/redirected to plain http/));
        assert.equal(seen.length, 1);
        assert.equal(httpSeen.length, 0);
      } finally {
        await c.dispose();
      }
    });
  });
});

void test('an already-aborted signal rejects with StorageError Aborted, nothing is sent', async () => {
  await withServer((_r, res) => res.end(), async (endpoint, seen) => {
    const c = new StorageClient({ endpoint, dialect: 's3', credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET } });
    try {
      const ac = new AbortController();
      ac.abort(new Error('the user pressed cancel'));
      await assert.rejects(c.headObject('bkt', 'k', { signal: ac.signal }), (e: unknown) => e instanceof StorageError && e.code === 'Aborted');
      assert.equal(seen.length, 0);
    } finally {
      await c.dispose();
    }
  });
});

void test('an abort while the request is in flight rejects with Aborted (not Network) and is not retried', async () => {
  const ac = new AbortController();
  await withServer(() => { ac.abort(new Error('custom reason')); /* never answers */ }, async (endpoint, seen) => {
    const c = new StorageClient({ endpoint, dialect: 's3', maxAttempts: 3, credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET } });
    try {
      await assert.rejects(c.getObject('bkt', 'k', { signal: ac.signal }), (e: unknown) => e instanceof StorageError && e.code === 'Aborted');
      assert.equal(seen.length, 1);
    } finally {
      await c.dispose();
    }
  });
});

void test('a part with Content-MD5 goes UNSIGNED-PAYLOAD over https (no SHA-256 pass over its bytes); over http its SHA-256 is signed', async () => {
  const body = Buffer.alloc(300_000, 7);
  const sha = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
  const answer: Answer = (_req, res) => {
    res.setHeader('etag', '"p1"');
    res.end();
  };
  await withHttpsServer(answer, async (port, seen) => {
    await client(`https://127.0.0.1:${port}`).uploadPart('bkt', 'k', 'U', 1, body);
    assert.equal(seen[0].headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    assert.ok(seen[0].headers['content-md5'], 'the MD5 still travels');
  });
  await withServer(answer, async (endpoint, seen) => {
    const c = new StorageClient({ endpoint, dialect: 's3', maxAttempts: 1, credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET } });
    await c.uploadPart('bkt', 'k', 'U', 1, body);
    assert.equal(seen[0].headers['x-amz-content-sha256'], sha);
  });
});
