// The one retry policy (src/storage/retry.ts) and the one normaliser of thrown things (errorFromException): what is
// repeated, and that every cancellation ends as StorageError `Aborted`, never as the signal's raw reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorFromException, isStorageError, StorageError } from '../../../src/storage/errors';
import { backoffMs, isRetryable, sleep, withRetry } from '../../../src/storage/retry';
import { StorageClient, uploadObject } from '../../../src/storage';

const err = (code: StorageError['code']): StorageError => new StorageError({ code, operation: 't', message: code });

describe('retry policy', () => {
  it('repeats retryable storage errors only, up to the attempts', async () => {
    let n = 0;
    const v = await withRetry({ attempts: 3 }, async (attempt) => {
      n++;
      assert.equal(attempt, n);
      if (n < 3) {
        throw err('Throttled');
      }
      return 'ok';
    });
    assert.equal(v, 'ok');
    let m = 0;
    await assert.rejects(withRetry({ attempts: 3 }, async () => {
      m++;
      throw err('AccessDenied');
    }), (e) => isStorageError(e, 'AccessDenied'));
    assert.equal(m, 1);
    let k = 0;
    await assert.rejects(withRetry({ attempts: 2 }, async () => {
      k++;
      throw err('ServerError');
    }), (e) => isStorageError(e, 'ServerError'));
    assert.equal(k, 2);
  });

  it('classifies by code: broken connections, timeouts, 5xx, throttling and bad digests are retryable', () => {
    for (const code of ['Network', 'Timeout', 'ServerError', 'Throttled', 'BadDigest'] as const) {
      assert.equal(isRetryable(err(code)), true, code);
    }
    for (const code of ['Aborted', 'PreconditionFailed', 'NotImplemented', 'KeyWrong', 'NoSuchUpload'] as const) {
      assert.equal(isRetryable(err(code)), false, code);
    }
    assert.equal(isRetryable(new Error('raw')), false);
  });

  it('waits exponentially, jittered, never more than 5 s', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const cap = Math.min(5_000, 100 * 2 ** (attempt - 1));
      const ms = backoffMs(attempt);
      assert.ok(ms >= cap / 2 && ms < cap, `attempt ${attempt}: ${ms}`);
    }
  });

  it('a cancelled wait rejects with Aborted, naming the operation', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal, { operation: 'upload', bucket: 'bkt', key: 'k' });
    ac.abort(new DOMException('gone', 'AbortError'));
    await assert.rejects(p, (e) => isStorageError(e, 'Aborted') && e.operation === 'upload' && e.key === 'k');
  });

  it('a run cancelled mid-attempt ends with Aborted whatever the attempt threw (a raw DOMException included)', async () => {
    const ac = new AbortController();
    await assert.rejects(withRetry({ attempts: 5, signal: ac.signal, ctx: { operation: 'download' } }, async () => {
      ac.abort();
      throw new DOMException('This operation was aborted', 'AbortError');
    }), (e) => isStorageError(e, 'Aborted') && e.operation === 'download');
    await assert.rejects(withRetry({ attempts: 5, signal: ac.signal }, async () => 'never'), (e) => isStorageError(e, 'Aborted'));
  });
});

describe('errorFromException', () => {
  it('is Aborted once the signal fired, whatever the reason value; otherwise Network / Timeout by the error code', () => {
    const ac = new AbortController();
    ac.abort('any reason value');
    assert.equal(errorFromException('any reason value', { operation: 'x' }, ac.signal).code, 'Aborted');
    assert.equal(errorFromException(err('Network'), { operation: 'x' }, ac.signal).code, 'Aborted');
    assert.equal(errorFromException(Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), { operation: 'x' }).code, 'Timeout');
    assert.equal(errorFromException(Object.assign(new Error('r'), { code: 'ECONNRESET' }), { operation: 'x' }).code, 'Network');
    assert.equal(errorFromException(new DOMException('stop', 'AbortError'), { operation: 'x' }).code, 'Aborted');
    const same = err('KeyWrong');
    assert.equal(errorFromException(same, { operation: 'x' }), same);
  });

  it('an upload started with an already-cancelled signal rejects with StorageError Aborted, not a DOMException', async () => {
    const client = new StorageClient({ endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
    try {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(uploadObject(client, 'bkt', 'k', { kind: 'bytes', data: Buffer.from('x') }, { signal: ac.signal }),
        (e) => isStorageError(e, 'Aborted') && e.operation === 'upload');
    } finally {
      await client.dispose();
    }
  });
});
