import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { keyFingerprint } from '../../../src/storage/digest';
import { choosePartSize, MAX_PARTS, MIN_PART_SIZE } from '../../../src/storage/transfer/upload';
import { fileRanges } from '../../../src/storage/transfer/download';
import { encryptionMatches, sameKmsKey, verifyEncryption } from '../../../src/storage/verifyEncryption';
import { quoteEtag, sameEtag, unquoteEtag } from '../../../src/storage/conditions';
import { StreamReader } from '../../../src/storage/transfer/source';
import { ByteCounter } from '../../../src/storage/transfer/memory';
import { Semaphore } from '../../../src/storage/transfer/concurrency';
import { type ObjectEncryption, type ObjectHead, type ReadOptions, StorageError } from '../../../src/storage';

const MiB = 1024 * 1024;

describe('choosePartSize', () => {
  it('defaults to 8 MiB and never goes below 5 MiB', () => {
    assert.equal(choosePartSize(100 * MiB), 8 * MiB);
    assert.equal(choosePartSize(100 * MiB, 1 * MiB), MIN_PART_SIZE);
  });
  it('raises the part size so no upload needs more than 10,000 parts', () => {
    const size = 200 * 1024 * MiB;
    const p = choosePartSize(size);
    assert.ok(Math.ceil(size / p) <= MAX_PARTS);
    assert.equal(p % MiB, 0);
  });
  it('refuses objects that would need parts above 5 GiB', () => {
    assert.throws(() => choosePartSize(60 * 1024 * 1024 * MiB), (e) => e instanceof StorageError && e.code === 'EntityTooLarge');
  });
});

describe('fileRanges (the ranges of a download to a file)', () => {
  const covers = (ranges: Array<[number, number]>, size: number): void => {
    let next = 0;
    for (const [start, end] of ranges) {
      assert.equal(start, next, 'contiguous');
      assert.ok(end >= start);
      next = end + 1;
    }
    assert.equal(next, size, 'complete');
  };
  it('keeps the first range as asked and widens the rest toward 64 MiB for a large object', () => {
    const size = 1024 * MiB;
    const r = fileRanges(size, 8 * MiB, { concurrency: 4 });
    covers(r, size);
    assert.deepEqual(r[0], [0, 8 * MiB - 1]);
    assert.equal(r[1][1] - r[1][0] + 1, 64 * MiB);
    assert.equal(r.length, 1 + Math.ceil(1016 / 64));
  });
  it('never goes below 8 MiB, and a mid-size object still gets two ranges per worker', () => {
    const r = fileRanges(40 * MiB, 8 * MiB, { concurrency: 4 });
    covers(r, 40 * MiB);
    assert.ok(r.slice(1).every(([s, e]) => e - s + 1 <= 8 * MiB));
    const mid = fileRanges(200 * MiB, 8 * MiB, { concurrency: 4 });
    covers(mid, 200 * MiB);
    assert.equal(mid[1][1] - mid[1][0] + 1, 24 * MiB); // 192 MiB / 8, rounded up to whole MiB
  });
  it('uses the caller\'s range size for every range when one is given', () => {
    const r = fileRanges(10 * MiB + 5, 2 * MiB, { rangeSize: 2 * MiB, concurrency: 4 });
    covers(r, 10 * MiB + 5);
    assert.ok(r.slice(0, -1).every(([s, e]) => e - s + 1 === 2 * MiB));
    assert.equal(r.length, 6);
  });
});

describe('encryptionMatches', () => {
  const key = randomBytes(32);
  it('checks the SSE-C key fingerprint', () => {
    assert.equal(encryptionMatches({ type: 'sse-c', key }, { type: 'sse-c', algorithm: 'AES256', keyMd5: keyFingerprint(key) }), true);
    assert.equal(encryptionMatches({ type: 'sse-c', key }, { type: 'sse-c', algorithm: 'AES256', keyMd5: keyFingerprint(randomBytes(32)) }), false);
    assert.equal(encryptionMatches({ type: 'sse-c', key }, { type: 'none' }), false);
  });
  it('accepts the long OBS form of a KMS key id', () => {
    assert.equal(encryptionMatches({ type: 'kms', keyId: 'abc' }, { type: 'kms', keyId: 'cn-north-4:123:key/abc' }), true);
    assert.equal(encryptionMatches({ type: 'kms', keyId: 'abc' }, { type: 'kms', keyId: 'other' }), false);
    assert.equal(sameKmsKey('abc', 'cn-north-4:123:key/abc'), true, 'the same rule for the re-encrypt job\'s "already there" check');
    assert.equal(sameKmsKey('abc', 'cn-north-4:123:key/xabc'), false);
  });
  it('asks nothing of a plain write', () => {
    assert.equal(encryptionMatches(undefined, { type: 'kms' }), true);
  });
});

describe('verifyEncryption (the one check that the server applied what was asked)', () => {
  const key = randomBytes(32);
  const ctx = { operation: 'putObject', bucket: 'bkt', key: 'k' };
  const sseC = { type: 'sse-c' as const, algorithm: 'AES256', keyMd5: keyFingerprint(key) };
  const headWith = (encryption: ObjectEncryption | StorageError, seen: ReadOptions[] = []) => async (_b: string, _k: string, o: ReadOptions): Promise<ObjectHead> => {
    seen.push(o);
    if (encryption instanceof StorageError) {
      throw encryption;
    }
    return { size: 1, etag: '"e"', lastModified: new Date(0), encryption, metadata: {} };
  };
  const notEncrypted = (e: unknown): boolean => e instanceof StorageError && e.code === 'NotEncrypted' && e.key === 'k';

  it('trusts a matching echo without a HEAD', async () => {
    const seen: ReadOptions[] = [];
    assert.deepEqual(await verifyEncryption(headWith({ type: 'none' }, seen), ctx, { type: 'sse-c', key }, sseC), sseC);
    assert.equal(seen.length, 0);
  });
  it('asks the object (HEAD with the target key) when the answer echoed nothing', async () => {
    const seen: ReadOptions[] = [];
    assert.deepEqual(await verifyEncryption(headWith(sseC, seen), ctx, { type: 'sse-c', key }, { type: 'none' }), sseC);
    assert.equal(seen[0].sseCustomerKey, key);
  });
  it('is NotEncrypted when the object is plain, encrypted otherwise, or refuses the target key', async () => {
    await assert.rejects(verifyEncryption(headWith({ type: 'none' }), ctx, { type: 'sse-c', key }, { type: 'none' }), notEncrypted);
    await assert.rejects(verifyEncryption(headWith({ type: 'kms', keyId: 'other' }), ctx, { type: 'kms', keyId: 'mine' }, { type: 'none' }), notEncrypted);
    const refused = new StorageError({ code: 'KeyWrong', operation: 'headObject', message: 'wrong key' });
    await assert.rejects(verifyEncryption(headWith(refused), ctx, { type: 'sse-c', key }, { type: 'none' }), notEncrypted);
    const other = new StorageError({ code: 'AccessDenied', operation: 'headObject', message: 'no' });
    await assert.rejects(verifyEncryption(headWith(other), ctx, { type: 'sse-c', key }, { type: 'none' }), (e) => e === other);
  });
});

describe('ETag forms', () => {
  it('quotes, unquotes and compares', () => {
    assert.equal(quoteEtag('abc'), '"abc"');
    assert.equal(quoteEtag('"abc"'), '"abc"');
    assert.equal(unquoteEtag('W/"abc"'), 'abc');
    assert.equal(quoteEtag('*'), '*');
    assert.equal(sameEtag('"a-2"', 'a-2'), true);
  });
});

describe('StreamReader', () => {
  it('reads exact parts across odd chunk boundaries and detects a long or short source', async () => {
    const data = randomBytes(100_000);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < data.length; i += 7_777) {
        yield data.subarray(i, i + 7_777);
      }
    }
    const r = new StreamReader(chunks(), 90_000);
    const a = await r.read(0, 30_000);
    const b = await r.read(30_000, 60_000);
    assert.deepEqual(Buffer.concat([a, b]), data.subarray(0, 90_000));
    await assert.rejects(r.checkEnd(), /more than the declared/);
    const short = new StreamReader(Readable.from([Buffer.alloc(10)]), 20);
    await assert.rejects(short.read(0, 20), /ended after 10/);
  });
});

describe('ByteCounter, Semaphore', () => {
  it('tracks held and peak bytes', () => {
    const m = new ByteCounter();
    m.acquire(5);
    m.acquire(3);
    m.release(5);
    assert.equal(m.held, 3);
    assert.equal(m.peak, 8);
  });
  it('limits concurrency', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let max = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      await s.acquire();
      active++;
      max = Math.max(max, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      s.release();
    }));
    assert.equal(max, 2);
  });
});
