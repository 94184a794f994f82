// Issue 13's typed-error fixes that need a scripted server answer: a racing conditional write (409
// ConditionalRequestConflict) is the "changed meanwhile" conflict, sent once; an unknown upload id on Complete (RGW:
// 500, then ListParts 404) is NoSuchUpload, sent once; a header undici refuses is InvalidArgument, not Network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromException, StorageError } from '../../../src/storage/errors';
import { isRetryable } from '../../../src/storage/retry';
import { Handler, Seen, withClient, withServer } from './helpers';

const conflict409: Handler = (req, res) => {
  if (req.method === 'GET') {
    res.end('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>'
      + '<Size>1</Size><ETag>"new"</ETag><LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>');
    return;
  }
  res.statusCode = 409;
  res.end('<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting conditional operation is currently in progress</Message></Error>');
};
const writes = (seen: Seen[]): number => seen.filter((s) => s.method === 'PUT' || s.method === 'POST').length;

void test('409 ConditionalRequestConflict on a conditional PUT is PreconditionFailed naming the current ETag, sent once', async () => {
  await withServer(conflict409, async (endpoint, seen) => {
    await withClient(endpoint, { maxAttempts: 4 }, async (c) => {
      await assert.rejects(c.putObject('bkt', 'k', Buffer.from('x'), { ifMatch: '"old"' }), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.code, 'PreconditionFailed');
        assert.equal(e.status, 409);
        assert.equal(e.serverCode, 'ConditionalRequestConflict');
        assert.match(e.message, /raced/);
        assert.match(e.message, /"new"/);
        return true;
      });
      assert.equal(writes(seen), 1, 'not retried');
    });
  });
});

void test('409 ConditionalRequestConflict on a create-only Complete is a conflict, not retried', async () => {
  await withServer(conflict409, async (endpoint, seen) => {
    await withClient(endpoint, { maxAttempts: 4 }, async (c) => {
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', [{ partNumber: 1, etag: '"e"' }], { ifNoneMatch: '*' }),
        (e: unknown) => e instanceof StorageError && e.code === 'PreconditionFailed' && e.serverCode === 'ConditionalRequestConflict');
      assert.equal(writes(seen), 1);
    });
  });
});

void test('a Complete answered 500 for an upload the server does not know (ListParts 404) is NoSuchUpload, not repeated', async () => {
  await withServer((req, res) => {
    if (req.method === 'GET') {
      res.statusCode = 404;
      res.end('<Error><Code>NoSuchKey</Code></Error>'); // what RGW 16 answers ListParts for an unknown upload id
      return;
    }
    res.statusCode = 500;
    res.end('<Error><Code>InternalError</Code><Message>This multipart completion is already in progress</Message></Error>');
  }, async (endpoint, seen) => {
    await withClient(endpoint, { maxAttempts: 3 }, async (c) => {
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'nope', [{ partNumber: 1, etag: '"e"' }]),
        (e: unknown) => e instanceof StorageError && e.code === 'NoSuchUpload' && /does not know upload id nope/.test(e.message));
      assert.deepEqual(seen.map((s) => s.method), ['POST', 'GET']);
    });
  });
});

void test('a Complete answered 500 while the upload still lists its parts stays a repeated ServerError', async () => {
  await withServer((req, res) => {
    if (req.method === 'GET') {
      res.end('<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>');
      return;
    }
    res.statusCode = 500;
    res.end('<Error><Code>InternalError</Code></Error>');
  }, async (endpoint, seen) => {
    await withClient(endpoint, { maxAttempts: 2 }, async (c) => {
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', [{ partNumber: 1, etag: '"e"' }]),
        (e: unknown) => e instanceof StorageError && e.code === 'ServerError');
      assert.equal(seen.filter((s) => s.method === 'POST').length, 2);
    });
  });
});

void test('a request undici refuses to build (invalid header) is InvalidArgument and not retryable', () => {
  const e = errorFromException(Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }), { operation: 'putObject', bucket: 'bkt', key: 'k' });
  assert.equal(e.code, 'InvalidArgument');
  assert.equal(isRetryable(e), false);
});
