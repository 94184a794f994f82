// downloadToFile against RGW: a large object's ranges are written at their offsets as they arrive. Byte-identical,
// resumed after a broken range, never a mixed version, nothing left behind on failure or cancel.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteCounter, downloadToFile, isStorageError, StorageClient, uploadObject } from '../../../src/storage';
import { FaultProxy } from '../../support/faultProxy';
import { createBucket, haveRgw, makeClient, MiB, randomSource, removeBucket, skipReason, sseKey } from './rgw';

const fileSha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('transfer: download to a file against RGW', { skip: skipReason }, () => {
  let client: StorageClient;
  let proxied: StorageClient;
  let proxy: FaultProxy;
  let bucket: string;
  const dir = mkdtempSync(join(tmpdir(), 'obs-dlfile-'));
  const key = sseKey();
  const size = 20 * MiB + 12345;
  let digest = '';

  before(async () => {
    if (!haveRgw) {
      return;
    }
    client = makeClient();
    bucket = await createBucket('xfer-dlfile');
    proxy = new FaultProxy({ upstream: process.env.RGW_HTTP_ENDPOINT ?? '' });
    proxied = makeClient(await proxy.start());
    const src = randomSource(size);
    await uploadObject(client, bucket, 'big.bin', { kind: 'stream', stream: src.stream, size }, { encryption: { type: 'sse-c', key } });
    digest = src.digest();
  });

  after(async () => {
    if (!haveRgw) {
      return;
    }
    await removeBucket(client, bucket);
    await Promise.all([client.dispose(), proxied.dispose(), proxy.close()]);
  });

  it('writes every range at its offset: byte-identical, within ranges in flight x 1 MiB of buffers', async () => {
    const path = join(dir, 'a.bin');
    const memory = new ByteCounter();
    const progress: number[] = [];
    const head = await downloadToFile(client, bucket, 'big.bin', path, {
      sseCustomerKey: key, rangeSize: 4 * MiB, parallelThreshold: 1 * MiB, concurrency: 3, memory, onProgress: (p) => progress.push(p.bytes),
    });
    assert.equal(head.size, size);
    assert.equal(fileSha(path), digest);
    assert.ok(memory.peak <= 3 * MiB, `peak ${memory.peak}`);
    assert.equal(memory.held, 0);
    assert.equal(progress.at(-1), size);
    assert.equal(existsSync(`${path}.part`), false);
  });

  it('resumes a range whose answer breaks half-way, from where it broke', async () => {
    const path = join(dir, 'b.bin');
    const before = proxy.stats.resets;
    proxy.resetNext({ afterBytes: 2 * MiB, direction: 'response', match: (r) => r.method === 'GET' && r.headers.range?.startsWith('bytes=8388608') === true });
    await downloadToFile(proxied, bucket, 'big.bin', path, { sseCustomerKey: key, rangeSize: 4 * MiB, parallelThreshold: 1 * MiB });
    assert.equal(proxy.stats.resets - before, 1);
    assert.equal(fileSha(path), digest);
  });

  it('fails cleanly (no file, no .part) on a wrong key and when cancelled', async () => {
    const path = join(dir, 'c.bin');
    await assert.rejects(downloadToFile(client, bucket, 'big.bin', path, { sseCustomerKey: sseKey(), parallelThreshold: 1 * MiB }), (e) => isStorageError(e, 'KeyWrong'));
    const ac = new AbortController();
    proxy.delay({ ms: 300, times: 3, match: (r) => r.method === 'GET' });
    const run = downloadToFile(proxied, bucket, 'big.bin', path, { sseCustomerKey: key, rangeSize: 2 * MiB, parallelThreshold: 1 * MiB, signal: ac.signal });
    setTimeout(() => ac.abort(), 400);
    await assert.rejects(run, (e) => isStorageError(e, 'Aborted'));
    proxy.clearFaults();
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.part`), false);
  });
});
