import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionConfig, StorageClient, StorageError } from '../../../src/storage';
import { withClient, withServer } from './helpers';

const SECRET = 'SECRETsecretSECRETsecret0123456789abcdef';
const TOKEN = 'TOKENtokenTOKENtoken';
const KEY = new Uint8Array(32).fill(0xab);
const KEY_B64 = Buffer.from(KEY).toString('base64');


function config(endpoint: string, extra: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return { endpoint, credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET, sessionToken: TOKEN }, ...extra };
}

function assertNoSecrets(e: unknown): void {
  const err = e as Error;
  for (const text of [JSON.stringify(err), err.stack ?? '', err.message, String(err)]) {
    for (const secret of [SECRET, TOKEN, KEY_B64]) {
      assert.ok(!text.includes(secret), `secret leaked into ${text.slice(0, 80)}`);
    }
  }
}

const xmlError = (code: string): string => `<Error><Code>${code}</Code><Message></Message><RequestId>rq</RequestId></Error>`;

void test('SSE-C and SSE-KMS requests are refused over http:// (InsecureSse) before anything is sent', async () => {
  await withServer((_r, res) => res.end(), async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint));
    try {
      await assert.rejects(client.getObject('bkt', 'k', { sseCustomerKey: KEY }), (e: unknown) => {
        assertNoSecrets(e);
        return e instanceof StorageError && e.code === 'InsecureSse';
      });
      await assert.rejects(client.putObject('bkt', 'k', new Uint8Array(1), { encryption: { type: 'kms', keyId: 'testkey-1' } }),
        (e: unknown) => e instanceof StorageError && e.code === 'InsecureSse');
      assert.equal(seen.length, 0);
    } finally {
      await client.dispose();
    }
  });
});

void test('allowInsecureSse lets SSE-C through over http and the key headers arrive intact', async () => {
  await withServer((r, res) => {
    res.setHeader('etag', '"e"');
    res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    res.setHeader('x-amz-server-side-encryption-customer-key-md5', String(r.headers['x-amz-server-side-encryption-customer-key-md5']));
    res.end();
  }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint, { allowInsecureSse: true }));
    try {
      await client.putObject('bkt', 'dir/a b', new Uint8Array([1, 2, 3]), { encryption: { type: 'sse-c', key: KEY } });
      assert.equal(seen[0].url, '/bkt/dir/a%20b');
      assert.equal(seen[0].headers['x-amz-server-side-encryption-customer-key'], KEY_B64);
      assert.equal(seen[0].headers['content-md5'], 'Uonfc331cyb83SJZevsfrA==');
      assert.match(String(seen[0].headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKID\//);
      assert.equal(seen[0].headers['x-amz-security-token'], TOKEN);
      assert.equal(seen.length, 1);
    } finally {
      await client.dispose();
    }
  });
});

void test('errors from the server and the request log never contain credentials, tokens or SSE-C keys', async () => {
  const lines: string[] = [];
  await withServer((_r, res) => { res.statusCode = 400; res.end(); }, async (endpoint) => {
    const client = new StorageClient(config(endpoint, { allowInsecureSse: true, log: (l) => lines.push(l) }));
    try {
      await assert.rejects(client.headObject('bkt', 'k', { sseCustomerKey: KEY }), (e: unknown) => {
        assertNoSecrets(e);
        return e instanceof StorageError && e.code === 'KeyWrong';
      });
    } finally {
      await client.dispose();
    }
  });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^HEAD bkt\/k headObject 400 \d+ms/);
  assert.ok(!lines.join('\n').includes(SECRET) && !lines.join('\n').includes(KEY_B64));
});

void test('503 and SlowDown are retried and re-signed with a fresh date; 4xx is not retried', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  await withServer((_r, res, n) => {
    if (n < 3) {
      res.statusCode = 503;
      res.end(xmlError('SlowDown'));
      return;
    }
    res.end('<ListAllMyBucketsResult><Buckets><Bucket><Name>x</Name></Bucket></Buckets></ListAllMyBucketsResult>');
  }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint, { now: () => new Date(now += 1000) }));
    try {
      const buckets = await client.listBuckets();
      assert.deepEqual(buckets.map((b) => b.name), ['x']);
      assert.equal(seen.length, 3);
      assert.notEqual(seen[0].headers['x-amz-date'], seen[2].headers['x-amz-date']);
    } finally {
      await client.dispose();
    }
  });
  await withServer((_r, res) => { res.statusCode = 404; res.end(xmlError('NoSuchBucket')); }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint));
    try {
      await assert.rejects(client.listObjects('bkt', {}), (e: unknown) => e instanceof StorageError && e.code === 'NoSuchBucket');
      assert.equal(seen.length, 1);
    } finally {
      await client.dispose();
    }
  });
});

void test('persistent 5xx gives up after maxAttempts with a ServerError', async () => {
  await withServer((_r, res) => { res.statusCode = 500; res.end(xmlError('InternalError')); }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint, { maxAttempts: 2 }));
    try {
      await assert.rejects(client.deleteObject('bkt', 'k'), (e: unknown) => e instanceof StorageError && e.code === 'ServerError');
      assert.equal(seen.length, 2);
    } finally {
      await client.dispose();
    }
  });
});

void test('RequestTimeTooSkewed: the clock offset is taken from the server Date and the request retried once', async () => {
  const serverNow = new Date('2026-06-01T12:00:00Z');
  await withServer((req, res) => {
    if (req.headers['x-amz-date'] !== '20260601T120000Z' && !String(req.headers['x-amz-date']).startsWith('20260601T1200')) {
      res.statusCode = 403;
      res.setHeader('date', serverNow.toUTCString());
      res.end(xmlError('RequestTimeTooSkewed'));
      return;
    }
    res.end();
  }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint, { now: () => new Date('2026-06-01T11:00:00Z') }));
    try {
      await client.deleteObject('bkt', 'k');
      assert.equal(seen.length, 2);
      assert.equal(seen[1].headers['x-amz-date'], '20260601T120000Z');
    } finally {
      await client.dispose();
    }
  });
});

void test('a same-origin 307 with Location is followed and re-signed for the new path (other hosts: redirect.test.ts)', async () => {
  await withServer((req, res) => {
    if (!req.url.startsWith('/moved')) {
      res.statusCode = 307;
      res.setHeader('location', `http://${req.headers.host ?? ''}/moved/k?x=1`);
      res.end();
      return;
    }
    res.end();
  }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint));
    try {
      await client.deleteObject('bkt', 'k');
      assert.equal(seen.length, 2);
      assert.equal(seen[1].url, '/moved/k?x=1');
      assert.equal(seen[1].headers.host, seen[0].headers.host);
      assert.notEqual(seen[0].headers.authorization, seen[1].headers.authorization);
    } finally {
      await client.dispose();
    }
  });
});

void test('an aborted signal rejects with Aborted', async () => {
  await withServer(() => { /* never answers */ }, async (endpoint) => {
    const client = new StorageClient(config(endpoint));
    const ac = new AbortController();
    try {
      const p = client.headObject('bkt', 'k', { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await assert.rejects(p, (e: unknown) => e instanceof StorageError && e.code === 'Aborted');
    } finally {
      await client.dispose();
    }
  });
});

void test('If-Match: a quoted ETag refused with 412 while the object has exactly that ETag is sent again bare, and the profile keeps the form (RGW compares unquoted)', async () => {
  await withServer((req, res) => {
    if (req.method === 'GET') {
      res.end('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size><ETag>"abc"</ETag>'
        + '<LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>');
      return;
    }
    res.statusCode = req.headers['if-match'] === 'abc' ? 200 : 412;
    res.end(res.statusCode === 412 ? xmlError('PreconditionFailed') : '');
  }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint));
    try {
      await client.putObject('bkt', 'k', new Uint8Array(1), { ifMatch: '"abc"' });
      assert.deepEqual(seen.map((s) => `${s.method} ${s.headers['if-match'] ?? '-'}`), ['PUT "abc"', 'GET -', 'PUT abc']);
      assert.equal(client.profile.quirks.ifMatchUnquoted, true);
      // Learned: the next conditional write goes out bare at once, and a real conflict names both ETags.
      await assert.rejects(client.putObject('bkt', 'k', new Uint8Array(1), { ifMatch: '"zzz"' }),
        (e: unknown) => e instanceof StorageError && e.code === 'PreconditionFailed' && /now "abc"/.test(e.message));
      assert.deepEqual(seen.slice(3).map((s) => `${s.method} ${s.headers['if-match'] ?? '-'}`), ['PUT zzz', 'GET -']);
    } finally {
      await client.dispose();
    }
  });
});

void test('If-Match: concurrent writes sent quoted before the quirk was learned each get their bare repeat (no false conflict)', async () => {
  let quoted = 0;
  await withServer((req, res) => {
    if (req.method === 'GET') {
      const key = new URL(req.url, 'http://x').searchParams.get('prefix') ?? '';
      res.end(`<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>${key}</Key><Size>1</Size><ETag>"abc"</ETag>`
        + '<LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>');
      return;
    }
    const bare = req.headers['if-match'] === 'abc';
    // The second quoted write is answered last, after the first one has taught the client the bare form.
    const delay = bare ? 0 : quoted++ === 0 ? 0 : 150;
    setTimeout(() => {
      res.statusCode = bare ? 200 : 412;
      res.end(bare ? '' : xmlError('PreconditionFailed'));
    }, delay);
  }, async (endpoint) => {
    const client = new StorageClient(config(endpoint));
    try {
      await Promise.all(['k1', 'k2'].map((k) => client.putObject('bkt', k, new Uint8Array(1), { ifMatch: '"abc"' })));
      assert.equal(client.profile.quirks.ifMatchUnquoted, true);
    } finally {
      await client.dispose();
    }
  });
});

void test('getObject streams the body and reports the total size of a ranged answer', async () => {
  await withServer((_r, res) => {
    res.statusCode = 206;
    res.setHeader('content-range', 'bytes 0-3/10');
    res.setHeader('etag', '"e1"');
    res.setHeader('x-amz-meta-color', 'red');
    res.end('abcd');
  }, async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint));
    try {
      const r = await client.getObject('bkt', 'k', { range: { start: 0, end: 3 } });
      const chunks: Buffer[] = [];
      for await (const c of r.body) {
        chunks.push(Buffer.from(c));
      }
      assert.equal(Buffer.concat(chunks).toString(), 'abcd');
      assert.equal(r.head.size, 10);
      assert.equal(r.head.etag, '"e1"');
      assert.deepEqual(r.head.metadata, { color: 'red' });
      assert.equal(seen[0].headers.range, 'bytes=0-3');
    } finally {
      await client.dispose();
    }
  });
});

void test('listObjects on S3 sends list-type=2 and encoding-type=url, and passes the continuation token back', async () => {
  await withServer((_r, res) => res.end('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'), async (endpoint, seen) => {
    const client = new StorageClient(config(endpoint));
    try {
      await client.listObjects('bkt', { prefix: 'a b/', delimiter: '/', maxKeys: 5000, continuation: 'tok/1' });
      assert.equal(seen[0].url, '/bkt?list-type=2&encoding-type=url&prefix=a%20b%2F&delimiter=%2F&max-keys=1000&continuation-token=tok%2F1');
    } finally {
      await client.dispose();
    }
  });
});

void test('unknown KMS key id (RGW 403 InvalidAccessKeyId): a signed probe decides KmsKeyUnknown vs BadCredentials', async () => {
  for (const credsWork of [true, false]) {
    await withServer((req, res) => {
      const isProbe = req.method === 'GET' && req.url.includes('location');
      if (isProbe && credsWork) {
        res.end('<LocationConstraint/>');
        return;
      }
      res.statusCode = 403;
      res.end(xmlError('InvalidAccessKeyId'));
    }, async (endpoint, seen) => {
      const client = new StorageClient(config(endpoint, { allowInsecureSse: true }));
      try {
        await assert.rejects(client.putObject('bkt', 'k', new Uint8Array(1), { encryption: { type: 'kms', keyId: 'nope' } }),
          (e: unknown) => e instanceof StorageError && e.code === (credsWork ? 'KmsKeyUnknown' : 'BadCredentials'));
        assert.equal(seen.length, 2);
      } finally {
        await client.dispose();
      }
    });
  }
});

void test('dispose does not hang on a GET body nobody consumed', async () => {
  await withServer((_r, res) => {
    res.writeHead(200, { 'content-length': '1000000' });
    res.write('partial');
  }, async (endpoint) => {
    const client = new StorageClient(config(endpoint));
    await client.getObject('bkt', 'k');
    const started = Date.now();
    await client.dispose();
    assert.ok(Date.now() - started < 5_000);
  });
});

void test('a streamed body cancelled before it is read ends quietly (no uncaught AbortError)', async () => {
  await withServer((_r, res) => {
    res.writeHead(200, { 'content-length': '8', etag: '"e"' });
    res.end('copy me\n');
  }, async (endpoint) => {
    const client = new StorageClient(config(endpoint));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => {
      uncaught.push(e);
    };
    process.on('uncaughtException', onUncaught);
    try {
      const res = await client.getObject('bkt', 'k');
      await new Promise((r) => setTimeout(r, 50)); // the whole body has arrived, unread
      res.body.cancel?.();
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(uncaught.map(String), []);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.dispose();
    }
  });
});

void test('a HEAD keeps its connection (undici would send "connection: close" and pay a new TLS handshake per HEAD)', async () => {
  await withServer((_req, res) => {
    res.setHeader('etag', '"e"');
    res.setHeader('content-length', '3');
    res.end();
  }, async (endpoint, seen) => {
    await withClient(endpoint, { dialect: 's3' }, async (c) => {
      for (let i = 0; i < 3; i++) {
        await c.headObject('bkt', `k${i}`);
      }
    });
    assert.equal(seen.length, 3);
    assert.deepEqual(seen.map((s) => s.headers.connection), ['keep-alive', 'keep-alive', 'keep-alive']);
  });
});
