// A multipart upload whose CompleteMultipartUpload answer is lost, against the recording HTTP server: the repeat finds
// the upload gone, and only an object that provably consists of this upload's parts counts as success.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { isStorageError, StorageClient, uploadObject } from '../../../src/storage';
import { Handler, withServer } from '../storage/helpers';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array): Buffer => createHash('md5').update(b).digest();

/** A store that completes the upload but loses the first Complete answer; HEAD and listing report `finalEtag`. */
function lossyStore(finalEtag: () => string): Handler {
  let completes = 0;
  return (req, res) => {
    if (req.method === 'POST' && req.url.endsWith('?uploads')) {
      res.end('<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>');
    } else if (req.method === 'PUT' && req.url.includes('partNumber=')) {
      res.setHeader('etag', `"${md5(req.body).toString('hex')}"`);
      res.end();
    } else if (req.method === 'POST' && req.url.includes('uploadId=')) {
      completes++;
      if (completes === 1) {
        res.socket?.destroy();
        return;
      }
      res.statusCode = 404;
      res.end('<Error><Code>NoSuchUpload</Code></Error>');
    } else if (req.method === 'DELETE') {
      res.statusCode = 404;
      res.end('<Error><Code>NoSuchUpload</Code></Error>');
    } else if (req.method === 'HEAD') {
      res.setHeader('etag', finalEtag());
      res.setHeader('content-length', String(10 * MiB));
      res.end();
    } else {
      // A listing of the key, for any recovery that would look there instead.
      res.end(`<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>${10 * MiB}</Size>`
        + `<ETag>${finalEtag()}</ETag><LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>`);
    }
  };
}

describe('upload: CompleteMultipartUpload answer lost', () => {
  const data = randomBytes(10 * MiB);
  const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB)];
  const expected = `"${md5(Buffer.concat(parts.map(md5))).toString('hex')}-2"`;
  const opts = { multipartThreshold: 5 * MiB, partSize: 5 * MiB };
  const client = (endpoint: string): StorageClient => new StorageClient({ endpoint, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });

  it('succeeds when the object has the ETag these parts make', async () => {
    await withServer(lossyStore(() => expected), async (endpoint, seen) => {
      const c = client(endpoint);
      try {
        const res = await uploadObject(c, 'bkt', 'k', { kind: 'bytes', data }, opts);
        assert.equal(res.etag, expected);
        assert.equal(res.parts, 2);
        assert.equal(seen.filter((s) => s.method === 'DELETE').length, 0, 'a completed upload is not aborted');
      } finally {
        await c.dispose();
      }
    });
  });

  it('fails when the object is another multipart upload of as many parts (someone else\'s write)', async () => {
    await withServer(lossyStore(() => `"${md5(Buffer.from('other')).toString('hex')}-2"`), async (endpoint) => {
      const c = client(endpoint);
      try {
        await assert.rejects(uploadObject(c, 'bkt', 'k', { kind: 'bytes', data }, opts), (e) => isStorageError(e, 'NoSuchUpload'));
      } finally {
        await c.dispose();
      }
    });
  });
});

describe('upload: conditions on Complete', () => {
  const data = randomBytes(10 * MiB);
  const opts = { multipartThreshold: 5 * MiB, partSize: 5 * MiB, ifNoneMatch: '*' as const };

  /** A store where `k` does not exist yet and every multipart step succeeds. */
  const store: Handler = (req, res) => {
    if (req.method === 'POST' && req.url.endsWith('?uploads')) {
      res.end('<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>');
    } else if (req.method === 'PUT') {
      res.setHeader('etag', `"${md5(req.body).toString('hex')}"`);
      res.end();
    } else if (req.method === 'POST') {
      res.end('<CompleteMultipartUploadResult><ETag>"done-2"</ETag></CompleteMultipartUploadResult>');
    } else {
      res.end('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>');
    }
  };
  const listings = (seen: Array<{ method: string }>): number => seen.filter((s) => s.method === 'GET').length;

  it('checks the object right before Complete only while the server may ignore conditions there (the profile says)', async () => {
    await withServer(store, async (endpoint, seen) => {
      const c = new StorageClient({ endpoint, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
      try {
        await uploadObject(c, 'bkt', 'k', { kind: 'bytes', data }, opts);
        assert.equal(listings(seen), 2, 'before the upload and right before Complete');
        const complete = seen.find((s) => s.method === 'POST' && s.url.includes('uploadId='));
        assert.equal((complete as { headers: Record<string, unknown> }).headers['if-none-match'], '*', 'the server still gets the condition');
        c.profile.learn('conditionalCompleteIgnored', false);
        await uploadObject(c, 'bkt', 'k', { kind: 'bytes', data }, opts);
        assert.equal(listings(seen), 3, 'only before the upload: the server enforces the condition on Complete');
      } finally {
        await c.dispose();
      }
    });
  });
});
