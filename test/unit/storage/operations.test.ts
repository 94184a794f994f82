import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { withClient, withServer } from './helpers';
import { StorageError } from '../../../src/storage';

const KEY = new Uint8Array(32).fill(1);

void test('auto dialect: `x-obs-api: 3.0` on an unsigned HEAD /?apiversion switches to OBS signing, v1 listing and x-obs headers', async () => {
  await withServer((req, res) => {
    if (req.method === 'HEAD') {
      res.setHeader('x-obs-api', '3.0');
      res.end();
      return;
    }
    res.end('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>');
  }, async (endpoint, seen) => {
    await withClient(endpoint, { dialect: 'auto' }, async (c) => {
      await c.listObjects('bkt', { prefix: 'p', continuation: 'm1' });
      assert.equal(c.dialect, 'obs');
      assert.equal(seen[0].url, '/?apiversion');
      assert.equal(seen[0].headers.authorization, undefined);
      assert.equal(seen[1].url, '/bkt?encoding-type=url&prefix=p&marker=m1');
      assert.match(String(seen[1].headers.authorization), /^OBS AK:/);
      assert.ok(seen[1].headers.date, 'OBS requests carry their signing date in Date');
    });
  });
});

void test('auto dialect: no x-obs-api means S3 (SigV4); the probe runs once per client and is kept in its profile, not per endpoint', async () => {
  await withServer((_req, res) => res.end('<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>'), async (endpoint, seen) => {
    const probes = (): number => seen.filter((s) => s.url.includes('apiversion')).length;
    await withClient(endpoint, { dialect: 'auto' }, async (c) => {
      assert.equal(c.profile.dialectSettled, false);
      await Promise.all([c.listBuckets(), c.listBuckets()]);
      await c.listBuckets();
      assert.equal(c.dialect, 's3');
      assert.equal(c.profile.dialectSettled, true);
      assert.equal(probes(), 1);
      assert.match(String(seen[1].headers.authorization), /^AWS4-HMAC-SHA256/);
    });
    // Another connection to the same endpoint learns for itself: nothing is cached process-wide.
    await withClient(endpoint, { dialect: 'auto' }, async (c) => {
      await c.listBuckets();
      assert.equal(probes(), 2);
    });
  });
});

void test('appendObject: RGW style PUT ?append&position on S3, OBS style POST on OBS; encryption on the first append only, SSE-C every time', async () => {
  await withServer((req, res) => {
    res.setHeader('x-rgw-next-append-position', '7');
    res.setHeader('x-obs-next-append-position', '9');
    res.setHeader('x-amz-server-side-encryption', 'aws:kms');
    res.setHeader('x-obs-server-side-encryption', 'kms');
    res.end();
    void req;
  }, async (endpoint, seen) => {
    await withClient(endpoint, { dialect: 's3' }, async (c) => {
      const r0 = await c.appendObject('bkt', 'k', 0, Buffer.from('abc'), { encryption: { type: 'kms', keyId: 'kk' } });
      assert.equal(r0.nextPosition, 7);
      await c.appendObject('bkt', 'k', 7, Buffer.from('d'), { encryption: { type: 'kms', keyId: 'kk' } });
      assert.equal(seen[0].method, 'PUT');
      assert.equal(seen[0].url, '/bkt/k?append&position=0');
      assert.equal(seen[0].headers['x-amz-server-side-encryption-aws-kms-key-id'], 'kk');
      assert.equal(seen[1].headers['x-amz-server-side-encryption'], undefined);
      assert.ok(seen[1].headers['content-md5']);
    });
    await withClient(endpoint, { dialect: 'obs' }, async (c) => {
      const r = await c.appendObject('bkt', 'k', 3, Buffer.from('x'), { encryption: { type: 'sse-c', key: KEY } });
      assert.equal(r.nextPosition, 9);
      const last = seen.at(-1);
      assert.equal(last?.method, 'POST');
      assert.equal(last?.headers['x-obs-server-side-encryption-customer-key'], Buffer.from(KEY).toString('base64'));
    });
  });
});

void test('a write that asked for encryption but came back (and HEADs) unencrypted throws NotEncrypted', async () => {
  await withServer((_req, res) => { res.setHeader('etag', '"e"'); res.end(); }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await assert.rejects(c.putObject('bkt', 'k', Buffer.from('x'), { encryption: { type: 'service' } }),
        (e: unknown) => e instanceof StorageError && e.code === 'NotEncrypted');
      assert.deepEqual(seen.map((s) => s.method), ['PUT', 'HEAD']);
    });
  });
});

void test('copyObject: copy-source path encoded, copy-source SSE-C and target SSE-C headers, directive; 200 without ETag fails', async () => {
  let body = '<CopyObjectResult><ETag>"c1"</ETag></CopyObjectResult>';
  await withServer((req, res) => {
    res.setHeader('x-amz-server-side-encryption-customer-algorithm', 'AES256');
    res.setHeader('x-amz-server-side-encryption-customer-key-md5', String(req.headers['x-amz-server-side-encryption-customer-key-md5']));
    res.end(body);
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      const src = { bucket: 'sbk', key: 'a b/ü?#', sseCustomerKey: new Uint8Array(32).fill(2), versionId: 'v 1' };
      const r = await c.copyObject(src, 'bkt', 'k', { encryption: { type: 'sse-c', key: KEY }, metadataDirective: 'REPLACE', contentType: 'text/plain' });
      assert.equal(r.etag, '"c1"');
      const h = seen[0].headers;
      assert.equal(h['x-amz-copy-source'], '/sbk/a%20b/%C3%BC%3F%23?versionId=v%201');
      assert.equal(h['x-amz-copy-source-server-side-encryption-customer-key'], Buffer.alloc(32, 2).toString('base64'));
      assert.equal(h['x-amz-server-side-encryption-customer-key'], Buffer.from(KEY).toString('base64'));
      assert.equal(h['x-amz-metadata-directive'], 'REPLACE');
      assert.equal(h['content-type'], 'text/plain');
      body = '';
      await assert.rejects(c.copyObject(src, 'bkt', 'k'), (e: unknown) => e instanceof StorageError && /without an ETag/.test(e.message));
      body = '<Error><Code>InternalError</Code><Message></Message></Error>';
      await assert.rejects(c.copyObject(src, 'bkt', 'k'), (e: unknown) => e instanceof StorageError && e.serverCode === 'InternalError' && e.status === 200);
    });
  });
});

void test('multipart: parts carry SSE-C and Content-MD5, copy range header, complete sorts parts and HEADs for an empty ETag', async () => {
  await withServer((req, res) => {
    if (req.url.endsWith('?uploads')) {
      res.end('<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>');
    } else if (req.headers['x-amz-copy-source']) {
      res.end('<CopyPartResult><ETag>"cp"</ETag></CopyPartResult>');
    } else if (req.method === 'PUT') {
      res.setHeader('etag', '"p"');
      res.end();
    } else if (req.method === 'POST') {
      res.end('<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>');
    } else {
      res.setHeader('etag', '"real-2"');
      res.end();
    }
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      const { uploadId } = await c.initiateMultipartUpload('bkt', 'k', { encryption: { type: 'sse-c', key: KEY } });
      assert.equal(uploadId, 'U1');
      const p2 = await c.uploadPart('bkt', 'k', uploadId, 2, Buffer.from('two'), { sseCustomerKey: KEY });
      const p1 = await c.uploadPartCopy('bkt', 'k', uploadId, 1, { bucket: 'bkt', key: 'src' }, { sseCustomerKey: KEY, range: { start: 0, end: 99 } });
      const done = await c.completeMultipartUpload('bkt', 'k', uploadId, [p2, p1], { sseCustomerKey: KEY });
      assert.equal(done.etag, '"real-2"');
      assert.equal(seen[1].url, '/bkt/k?partNumber=2&uploadId=U1');
      assert.equal(seen[1].headers['content-md5'], createHash('md5').update('two').digest('base64'));
      assert.ok(seen[1].headers['x-amz-server-side-encryption-customer-key']);
      assert.equal(seen[2].headers['x-amz-copy-source-range'], 'bytes=0-99');
      assert.match(seen[3].body.toString(), /<PartNumber>1<\/PartNumber><ETag>&quot;cp&quot;<\/ETag><\/Part><Part><PartNumber>2</);
      assert.equal(seen[4].method, 'HEAD');
      await assert.rejects(c.uploadPart('bkt', 'k', uploadId, 10001, Buffer.from('x')), (e: unknown) => e instanceof StorageError && e.code === 'InvalidArgument');
    });
  });
});

void test('completeMultipartUpload: a 200 with an <Error> body is a failure and is not retried', async () => {
  await withServer((_req, res) => res.end('<Error><Code>InvalidPart</Code><Message></Message></Error>'), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', [{ partNumber: 1, etag: '"x"' }]),
        (e: unknown) => e instanceof StorageError && e.serverCode === 'InvalidPart');
      assert.equal(seen.length, 1);
    });
  });
});

void test('deleteObjects: batches of 1000 with Content-MD5 over the exact body; reported errors kept', async () => {
  await withServer((req, res) => {
    const failing = req.body.includes('<Key>k0</Key>') ? '<Error><Key>k0</Key><Code>AccessDenied</Code></Error>' : '';
    res.end(`<DeleteResult>${failing}</DeleteResult>`);
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
      const r = await c.deleteObjects('bkt', keys);
      assert.equal(seen.length, 3);
      for (const s of seen) {
        assert.equal(s.url, '/bkt?delete');
        assert.equal(s.headers['content-md5'], createHash('md5').update(s.body).digest('base64'));
      }
      assert.equal((seen[0].body.toString().match(/<Object>/g) ?? []).length, 1000);
      assert.equal((seen[2].body.toString().match(/<Object>/g) ?? []).length, 500);
      assert.deepEqual(r.errors, [{ key: 'k0', code: 'AccessDenied' }]);
      assert.equal(r.deleted.length, 2499);
    });
  });
});

void test('getBucketEncryption: an absent configuration is undefined, other errors are thrown', async () => {
  let code = 'ServerSideEncryptionConfigurationNotFoundError';
  await withServer((_req, res) => { res.statusCode = 404; res.end(`<Error><Code>${code}</Code></Error>`); }, async (endpoint) => {
    await withClient(endpoint, {}, async (c) => {
      assert.equal(await c.getBucketEncryption('bkt'), undefined);
      code = 'NoSuchEncryptionConfiguration';
      assert.equal(await c.getBucketEncryption('bkt'), undefined);
      code = 'NoSuchBucket';
      await assert.rejects(c.getBucketEncryption('bkt'), (e: unknown) => e instanceof StorageError && e.code === 'NoSuchBucket');
    });
  });
});

void test('listBuckets withLocation on OBS sends x-obs-location: true; headBucket reads the region header', async () => {
  await withServer((req, res) => {
    if (req.method === 'HEAD') {
      res.setHeader('x-obs-bucket-location', 'cn-north-4');
      res.setHeader('x-obs-fs-file-interface', 'Enabled');
      res.end();
      return;
    }
    res.end('<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name><Location>cn-north-4</Location></Bucket></Buckets></ListAllMyBucketsResult>');
  }, async (endpoint, seen) => {
    await withClient(endpoint, { dialect: 'obs' }, async (c) => {
      const list = await c.listBuckets({ withLocation: true });
      assert.equal(list[0].location, 'cn-north-4');
      assert.equal(seen[0].headers['x-obs-location'], 'true');
      assert.deepEqual(await c.headBucket('bkt'), { region: 'cn-north-4', fileInterface: true });
    });
  });
});

void test('updateCredentials: later requests are signed with the new key and session token', async () => {
  await withServer((_req, res) => res.end(), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await c.deleteObject('bkt', 'k');
      c.updateCredentials({ accessKeyId: 'AK2', secretAccessKey: 'SK2', sessionToken: 'T2' });
      await c.deleteObject('bkt', 'k');
      assert.match(String(seen[1].headers.authorization), /Credential=AK2\//);
      assert.equal(seen[1].headers['x-amz-security-token'], 'T2');
      assert.equal(seen[0].headers['x-amz-security-token'], undefined);
    });
  });
});
