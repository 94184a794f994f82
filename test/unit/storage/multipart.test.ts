// The multipart and copy operations the transfer layer relies on, against the recording HTTP server. Several of
// these pin down where the transfer layer's former private copy of the wire operations and the client disagreed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { StorageError } from '../../../src/storage';
import { parseXml, text } from '../../../src/storage/xml';
import { Handler, Seen, withClient, withServer } from './helpers';

const isCode = (code: string) => (e: unknown): boolean => e instanceof StorageError && e.code === code;
const md5hex = (s: string): string => createHash('md5').update(s).digest('hex');
const PARTS = [{ partNumber: 2, etag: `"${md5hex('two')}"` }, { partNumber: 1, etag: `"${md5hex('one')}"` }];
/** What S3 and RGW make of PARTS: MD5 over the binary part MD5s in part order, then `-2`. */
const EXPECTED = `"${createHash('md5').update(Buffer.concat([Buffer.from(md5hex('one'), 'hex'), Buffer.from(md5hex('two'), 'hex')])).digest('hex')}-2"`;
const isComplete = (r: Seen): boolean => r.method === 'POST' && r.url.includes('uploadId=');
/** A store where `k` has `etag` (in listings, where the If-Match policy reads it) and every write is refused with 412. */
const refusesWrites = (etag: string): Handler => (req, res) => {
  if (req.method === 'GET') {
    res.end('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>'
      + `<Size>1</Size><ETag>${etag}</ETag><LastModified>2026-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>`);
    return;
  }
  res.statusCode = 412;
  res.end('<Error><Code>PreconditionFailed</Code></Error>');
};

/**
 * A store whose first Complete fails (`first`: the answer is lost, or an error status and code) and whose repeat
 * answers `then`; HEAD reports `headEtag` and version v7.
 */
function completeFails(first: 'lost' | [number, string], then: [number, string], headEtag: string): Handler {
  let completes = 0;
  return (req, res) => {
    if (!isComplete(req)) {
      res.setHeader('etag', headEtag);
      res.setHeader('x-amz-version-id', 'v7');
      res.end();
      return;
    }
    completes++;
    const answer = completes === 1 ? first : then;
    if (answer === 'lost') {
      res.socket?.destroy();
      return;
    }
    res.statusCode = answer[0];
    res.end(`<Error><Code>${answer[1]}</Code></Error>`);
  };
}

void test('completeMultipartUpload: a 500 is repeated, and a repeat finding the upload gone is accepted when the object has the ETag these parts make', async () => {
  await withServer(completeFails([500, 'InternalError'], [404, 'NoSuchUpload'], EXPECTED), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      const done = await c.completeMultipartUpload('bkt', 'k', 'U', PARTS, { sseCustomerKey: new Uint8Array(32).fill(3) });
      assert.equal(done.etag, EXPECTED);
      assert.equal(done.versionId, 'v7');
      // After the 500, one ListParts shows the upload still exists (RGW answers 500 for an unknown upload id too).
      assert.deepEqual(seen.map((s) => s.method), ['POST', 'GET', 'POST', 'HEAD']);
      assert.match(seen[1].url, /uploadId=U/);
      assert.ok(seen[3].headers['x-amz-server-side-encryption-customer-key'], 'the check HEAD carries the SSE-C key');
    });
  });
});

void test('completeMultipartUpload: after a lost answer, an object with another ETag (even of the same part count) keeps NoSuchUpload', async () => {
  await withServer(completeFails('lost', [404, 'NoSuchUpload'], `"${md5hex('someone else')}-2"`), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', PARTS),
        (e: unknown) => isCode('NoSuchUpload')(e) && /answer was lost/.test((e as Error).message));
      assert.deepEqual(seen.map((s) => s.method), ['POST', 'POST', 'HEAD']);
    });
  });
});

void test('completeMultipartUpload: conditions are sent (If-Match quoted); a repeat answered 412 after a lost answer is recovered by the ETag', async () => {
  await withServer(completeFails('lost', [412, 'PreconditionFailed'], EXPECTED), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      const done = await c.completeMultipartUpload('bkt', 'k', 'U', PARTS, { ifNoneMatch: '*' });
      assert.equal(done.etag, EXPECTED);
      assert.equal(seen[0].headers['if-none-match'], '*');
      assert.equal(seen[1].headers['if-none-match'], '*');
    });
  });
  await withServer((_req, res) => {
    res.statusCode = 412;
    res.end('<Error><Code>PreconditionFailed</Code></Error>');
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', PARTS, { ifMatch: '"abc"' }), isCode('PreconditionFailed'));
      assert.equal(seen.filter(isComplete).length, 1, 'a first-attempt 412 is a conflict: no repeat of the Complete');
      assert.equal(seen.filter((s) => s.method === 'HEAD').length, 0, 'and no HEAD');
      assert.equal(seen[0].headers['if-match'], '"abc"');
    });
  });
});

void test('completeMultipartUpload: a 200 with an <Error> body fails with the error\'s own code; only InternalError is repeated', async () => {
  const cases: Array<[string, string, number]> = [
    ['PreconditionFailed', 'PreconditionFailed', 1],
    ['NoSuchUpload', 'NoSuchUpload', 1],
    ['InvalidPart', 'InvalidArgument', 1],
    ['SomethingNew', 'ServerError', 3],
  ];
  for (const [serverCode, code, requests] of cases) {
    await withServer((_req, res) => res.end(`<Error><Code>${serverCode}</Code></Error>`), async (endpoint, seen) => {
      await withClient(endpoint, {}, async (c) => {
        await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', PARTS),
          (e: unknown) => isCode(code)(e) && (e as StorageError).serverCode === serverCode && (e as StorageError).status === 200);
        assert.equal(seen.length, requests, serverCode);
      });
    });
  }
  let n = 0;
  await withServer((_req, res) => {
    n++;
    // RGW answers a repeated Complete with a bare ETag: it comes back quoted like every other.
    res.end(n === 1 ? '<Error><Code>InternalError</Code></Error>' : '<CompleteMultipartUploadResult><ETag>done-2</ETag></CompleteMultipartUploadResult>');
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      assert.equal((await c.completeMultipartUpload('bkt', 'k', 'U', PARTS)).etag, '"done-2"');
      assert.equal(seen.length, 2);
    });
  });
});

void test('completeMultipartUpload: part ETags are XML-escaped so a conforming parser reads them back exactly (\\r included)', async () => {
  const odd = [{ partNumber: 1, etag: '"a&b<c>\'d"\re' }];
  await withServer((_req, res) => res.end('<CompleteMultipartUploadResult><ETag>"x-1"</ETag></CompleteMultipartUploadResult>'), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await c.completeMultipartUpload('bkt', 'k', 'U', odd);
      const body = seen[0].body.toString('utf8');
      // XML end-of-line handling turns a literal CR into LF: it must travel as a character reference.
      assert.ok(!body.includes('\r'), 'no literal CR in the body');
      const doc = parseXml(body) as { CompleteMultipartUpload: { Part: Array<{ ETag: string }> } };
      assert.equal(text(doc.CompleteMultipartUpload.Part[0].ETag), odd[0].etag);
      assert.equal(seen[0].headers['content-md5'], createHash('md5').update(seen[0].body).digest('base64'));
    });
  });
});

void test('abortMultipartUpload: an upload that is already gone counts as aborted; a missing bucket does not', async () => {
  let code = 'NoSuchUpload';
  await withServer((_req, res) => {
    res.statusCode = 404;
    res.end(`<Error><Code>${code}</Code></Error>`);
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await c.abortMultipartUpload('bkt', 'k', 'U');
      assert.equal(seen[0].method, 'DELETE');
      assert.equal(seen[0].url, '/bkt/k?uploadId=U');
      code = 'NoSuchBucket';
      await assert.rejects(c.abortMultipartUpload('bkt', 'k', 'U'), isCode('NoSuchBucket'));
    });
  });
});

void test('listAllMultipartUploads: follows key-marker and upload-id-marker through every page, keys url-decoded', async () => {
  const page = (uploads: Array<[string, string]>, next?: [string, string]): string => '<ListMultipartUploadsResult><EncodingType>url</EncodingType>'
    + uploads.map(([k, id]) => `<Upload><Key>${k}</Key><UploadId>${id}</UploadId></Upload>`).join('')
    + (next ? `<IsTruncated>true</IsTruncated><NextKeyMarker>${next[0]}</NextKeyMarker><NextUploadIdMarker>${next[1]}</NextUploadIdMarker>` : '<IsTruncated>false</IsTruncated>')
    + '</ListMultipartUploadsResult>';
  await withServer((req, res) => {
    if (!req.url.includes('key-marker')) {
      res.end(page([['p/a%20b', 'U1'], ['p/c', 'U2']], ['p/c', 'U2']));
    } else {
      res.end(page([['p/d', 'U3']]));
    }
  }, async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      const all = await c.listAllMultipartUploads('bkt', { prefix: 'p/' });
      assert.deepEqual(all.map((u) => [u.key, u.uploadId]), [['p/a b', 'U1'], ['p/c', 'U2'], ['p/d', 'U3']]);
      assert.equal(seen[0].url, '/bkt?uploads&encoding-type=url&prefix=p%2F');
      assert.equal(seen[1].url, '/bkt?uploads&encoding-type=url&prefix=p%2F&key-marker=p%2Fc&upload-id-marker=U2');
    });
  });
});

void test('uploadPart: a 200 without an ETag is a failure (the part could not be completed)', async () => {
  await withServer((_req, res) => res.end(), async (endpoint) => {
    await withClient(endpoint, {}, async (c) => {
      await assert.rejects(c.uploadPart('bkt', 'k', 'U', 1, Buffer.from('x')), (e: unknown) => e instanceof StorageError && /without an ETag/.test(e.message));
    });
  });
});

void test('uploadPartCopy / copyObject: a 200 without an ETag is ServerError (repeatable), NotImplemented in a 200 keeps its code', async () => {
  let body = '';
  await withServer((_req, res) => res.end(body), async (endpoint) => {
    await withClient(endpoint, {}, async (c) => {
      const src = { bucket: 'bkt', key: 's', sseCustomerKey: new Uint8Array(32).fill(4) };
      await assert.rejects(c.uploadPartCopy('bkt', 'k', 'U', 1, src, { range: { start: 0, end: 9 } }), isCode('ServerError'));
      await assert.rejects(c.copyObject(src, 'bkt', 'k'), isCode('ServerError'));
      body = '<Error><Code>NotImplemented</Code></Error>';
      await assert.rejects(c.uploadPartCopy('bkt', 'k', 'U', 1, src), isCode('NotImplemented'));
      await assert.rejects(c.copyObject(src, 'bkt', 'k'), isCode('NotImplemented'));
    });
  });
});

void test('If-Match policy: a 412 for an object that has another ETag is a conflict naming both, never tried again unquoted', async () => {
  await withServer(refusesWrites('"e2"'), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      await assert.rejects(c.putObject('bkt', 'k', Buffer.from('x'), { ifMatch: 'e1' }),
        (e: unknown) => isCode('PreconditionFailed')(e) && /expected ETag "e1", now "e2"/.test((e as Error).message));
      assert.deepEqual(seen.map((s) => `${s.method} ${s.headers['if-match'] ?? '-'}`), ['PUT "e1"', 'GET -'], 'sent quoted (RFC 7232), then only looked');
      assert.equal(c.profile.quirks.ifMatchUnquoted, false);
    });
  });
});

void test('a conditional Complete answered 412 teaches the profile that this server enforces conditions on Complete', async () => {
  await withServer(refusesWrites('"other"'), async (endpoint, seen) => {
    await withClient(endpoint, {}, async (c) => {
      assert.equal(c.profile.quirks.conditionalCompleteIgnored, true, 'assumed until shown otherwise');
      await assert.rejects(c.completeMultipartUpload('bkt', 'k', 'U', PARTS, { ifNoneMatch: '*' }), (e: unknown) => isCode('PreconditionFailed')(e) && /already exists/.test((e as Error).message));
      assert.equal(c.profile.quirks.conditionalCompleteIgnored, false);
      assert.equal(seen.filter(isComplete).length, 1);
    });
  });
});
