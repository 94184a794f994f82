// Issue 13 item 6: the fault matrix. Every row injects faults through the fault proxy into one transfer of the
// storage core or the objects service against the real RGW, then checks the four outcomes with a direct client:
//  (1) the object is the old or the new version, byte-exact (sha256 of a GET with the right key), never a mix;
//  (2) never silently unencrypted: the stored object's HEAD shows the encryption asked for (or the old one stands);
//  (3) the reported outcome (resolved / rejected, job counts) equals what the server holds;
//  (4) no multipart upload is left on the bucket after the transfer's own cleanup (or the journal's sweep).
// Faults are counted, not timed: an "outage" is every request reset until the proxy heals, not a wall-clock window.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  copyWithFallback, downloadObject, downloadToFile, isStorageError, keyFingerprint, StorageClient, uploadObject,
  type ConnectionConfig, type EncryptionSpec,
} from '../../src/storage';
import { newJob, openObjects, runJob, UploadJournal, type JobRecord, type JobReport, type ObjectsSession, type UploadEntry } from '../../src/objects';
import { sameEverywhere } from '../../src/keys/rules';
import { FaultProxy, type RequestInfo } from '../support/faultProxy';
import { config, createBucket, haveRgw, makeClient, MiB, removeBucket, sha256, sha256Of, skipReason } from './transfer/rgw';
import { randomBytes } from 'node:crypto';

/**
 * The transports the matrix runs over: plain HTTP, and HTTPS (the proxy terminates TLS with the RGW's own test
 * certificate, so the client speaks TLS with SSE-C keys as on a real store; upstream it forwards plain HTTP).
 */
type Transport = 'http' | 'https';
const TRANSPORTS: readonly Transport[] = ['http', 'https'];

const FRACTIONS = [0.1, 0.5, 0.9] as const;
const pct = (f: number): string => `${Math.round(f * 100)}%`;

interface Tally { cases: number; faults: number; lost: number; orphans: number }

const isPut = (key: string) => (r: RequestInfo): boolean => r.method === 'PUT' && pathOf(r).endsWith(`/${key}`);
const isGet = (key: string) => (r: RequestInfo): boolean => r.method === 'GET' && pathOf(r).endsWith(`/${key}`);
const pathOf = (r: RequestInfo): string => decodeURIComponent(r.url.split('?')[0]);
const isPart = (n: number) => (r: RequestInfo): boolean => r.method === 'PUT' && new RegExp(`[?&]partNumber=${n}(&|$)`).test(r.url);
const isComplete = (r: RequestInfo): boolean => r.method === 'POST' && /[?&]uploadId=/.test(r.url);

async function writeRandomFile(path: string, size: number): Promise<string> {
  const data = randomBytes(size);
  await pipeline(Readable.from([data]), createWriteStream(path));
  return sha256(data);
}

for (const transport of TRANSPORTS) {
  describe(`fault matrix over ${transport}`, { skip: skipReason }, () => {
    let direct: StorageClient;
    let proxy: FaultProxy;
    let proxied: StorageClient;
    let session: ObjectsSession;
    let journal: UploadJournal;
    const journalEntries = new Map<string, UploadEntry>();
    let bucket: string;
    let dir: string;
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    const fpA = keyFingerprint(keyA);
    const fpB = keyFingerprint(keyB);
    const keys = [{ fingerprint: fpA, key: keyA }, { fingerprint: fpB, key: keyB }];
    const tally: Tally = { cases: 0, faults: 0, lost: 0, orphans: 0 };
    const started = Date.now();
    let seq = 0;

    const tlsDir = (): string => dirname(process.env.RGW_CA_FILE ?? '');
    const proxyFor = async (t: Transport): Promise<string> => {
      proxy = new FaultProxy({
        upstream: process.env.RGW_HTTP_ENDPOINT ?? '',
        tls: t === 'https' ? { cert: readFileSync(join(tlsDir(), 'cert.pem')), key: readFileSync(join(tlsDir(), 'key.pem')) } : undefined,
      });
      return proxy.start();
    };
    /** The client's settings for the proxy: over HTTPS it trusts the test certificate and needs no insecure-SSE allowance. */
    const overProxy = (t: Transport): Partial<ConnectionConfig> =>
      t === 'https' ? { caCertificate: readFileSync(process.env.RGW_CA_FILE ?? '', 'utf8'), allowInsecureSse: false } : {};

    before(async () => {
      if (!haveRgw) {
        return;
      }
      direct = makeClient();
      bucket = await createBucket('faults');
      dir = await mkdtemp(join(tmpdir(), 'faultmatrix-'));
      const endpoint = await proxyFor(transport);
      proxied = makeClient(endpoint, overProxy(transport));
      journal = new UploadJournal('fm', {
        put: async (e) => { journalEntries.set(e.uploadId, { ...e }); },
        remove: async (_c, id) => { journalEntries.delete(id); },
        list: async () => [...journalEntries.values()],
      });
      session = openObjects(config(endpoint, overProxy(transport)), {
        candidates: async () => keys,
        byFingerprint: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
      }, sameEverywhere({ type: 'sse-c', keyFingerprint: fpA }), journal);
    });

    after(async () => {
      if (!haveRgw) {
        return;
      }
      await session.retire();
      await proxied.dispose();
      await proxy.close();
      await removeBucket(direct, bucket);
      await direct.dispose();
      await rm(dir, { recursive: true, force: true });
      // The figures the issue asks for (faults injected, objects lost, orphans left), in the TAP output.
      console.log(`# fault matrix (${transport}): ${tally.cases} cases, ${tally.faults} faults injected, ${tally.lost} objects lost, `
        + `${tally.orphans} orphan uploads, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    const name = (tag: string): string => `${tag}-${++seq}`;

    /** Puts a version directly (no proxy) and returns its sha256. */
    const seed = async (key: string, size: number, enc: EncryptionSpec): Promise<string> => {
      const data = randomBytes(size);
      if (size >= 16 * MiB) {
        await uploadObject(direct, bucket, key, { kind: 'bytes', data }, { encryption: enc });
      } else {
        await direct.putObject(bucket, key, data, { encryption: enc });
      }
      return sha256(data);
    };

    /** What the server holds: sha256 and HEAD encryption, read with whichever of the keys opens it; undefined when absent. */
    const held = async (key: string): Promise<{ sha: string; enc: string } | undefined> => {
      for (const k of [undefined, keyA, keyB]) {
        try {
          const g = await direct.getObject(bucket, key, { sseCustomerKey: k });
          const { hex } = await sha256Of(g.body);
          const e = g.head.encryption;
          return { sha: hex, enc: e.type === 'sse-c' ? `sse-c:${e.keyMd5}` : e.type };
        } catch (err) {
          if (isStorageError(err, 'NoSuchKey')) {
            return undefined;
          }
          if (!isStorageError(err)) {
            throw err;
          }
        }
      }
      throw new Error(`${key}: no key opens it`);
    };

    const encLabel = (enc: EncryptionSpec): string => enc.type === 'sse-c' ? `sse-c:${keyFingerprint(enc.key)}` : enc.type;

    /** Outcome (4): no multipart upload left on the bucket. */
    const noUploads = async (): Promise<void> => {
      const left = await direct.listAllMultipartUploads(bucket);
      tally.orphans += left.length;
      assert.deepEqual(left.map((u) => u.key), [], 'no multipart upload left');
    };

    /**
     * Every armed fault fired (the row tested what it says), and counts them. `unfired`: what was still armed when
     * the transfer settled (taken before clearing); an endless outage is allowed to be still armed.
     */
    const fired = (before: { resets: number; slowDowns: number }, unfired = proxy.pending, endless = false): void => {
      if (!endless) {
        assert.deepEqual(unfired, { resets: 0, slowDowns: 0 }, 'every armed fault fired');
      }
      tally.faults += proxy.stats.resets - before.resets + proxy.stats.slowDowns - before.slowDowns;
    };

    /**
     * Outcomes (1)-(3) for one write: the server holds the old (or nothing) or the new version, exactly the one the
     * reported outcome says, with the encryption that version was written with.
     */
    const checkWrite = async (key: string, v: { old?: { sha: string; enc: string }; next: { sha: string; enc: string }; resolved: boolean }): Promise<void> => {
      const now = await held(key);
      const isOld = v.old ? now?.sha === v.old.sha : now === undefined;
      const isNew = now?.sha === v.next.sha;
      if (!isOld && !isNew) {
        tally.lost++;
      }
      assert.ok(isOld || isNew, `${key}: neither the old nor the new version (a mix or a truncation)`);
      assert.equal(isNew, v.resolved, `${key}: reported ${v.resolved ? 'resolved' : 'rejected'} but the server holds the ${isNew ? 'new' : 'old'} version`);
      assert.equal(now?.enc, isNew ? v.next.enc : v.old?.enc, `${key}: encryption of the stored version`);
    };

    /** Runs `op`; returns whether it resolved (a rejection must be a typed StorageError). */
    const settle = async (op: () => Promise<unknown>): Promise<boolean> => {
      try {
        await op();
        return true;
      } catch (e) {
        assert.ok(isStorageError(e), `a failure is a StorageError: ${String(e)}`);
        return false;
      }
    };

    /** One write row: seed the old version, arm the fault, run, check the four outcomes. */
    const writeRow = async (
      tag: string, size: number, oldEnc: EncryptionSpec, newEnc: EncryptionSpec, arm: (key: string) => void,
      op: (key: string, data: Uint8Array) => Promise<unknown>, expect: 'resolves' | 'rejects' | 'either' = 'resolves',
    ): Promise<void> => {
      const key = name(tag);
      const old = { sha: await seed(key, 100_000, oldEnc), enc: encLabel(oldEnc) };
      const data = randomBytes(size);
      const before0 = { ...proxy.stats };
      arm(key);
      const resolved = await settle(() => op(key, data));
      const unfired = proxy.pending;
      proxy.clearFaults();
      if (expect !== 'either') {
        assert.equal(resolved, expect === 'resolves', `${tag}: expected the transfer to ${expect === 'resolves' ? 'succeed within the retry budget' : 'fail'}`);
      }
      await checkWrite(key, { old, next: { sha: sha256(data), enc: encLabel(newEnc) }, resolved });
      await noUploads();
      fired(before0, unfired, expect === 'rejects');
      tally.cases++;
    };

    const sse = (key: Uint8Array): EncryptionSpec => ({ type: 'sse-c', key });
    const kms = (): EncryptionSpec => ({ type: 'kms', keyId: process.env.RGW_KMS_KEY_1 });

    // ---- connection resets at 10 / 50 / 90 % ----
    for (const f of FRACTIONS) {
      it(`reset at ${pct(f)} of a single PUT (putObject, SSE-C)`, async () => {
        const size = 2 * MiB;
        await writeRow('put', size, sse(keyA), sse(keyA), (key) => proxy.resetNext({ afterBytes: Math.round(f * size), match: isPut(key) }),
          (key, data) => proxied.putObject(bucket, key, data, { encryption: sse(keyA) }));
      });

      it(`reset at ${pct(f)} of a single PUT (putObject, SSE-KMS)`, async () => {
        const size = 2 * MiB;
        await writeRow('putkms', size, kms(), kms(), (key) => proxy.resetNext({ afterBytes: Math.round(f * size), match: isPut(key) }),
          (key, data) => proxied.putObject(bucket, key, data, { encryption: kms() }));
      });

      it(`reset at ${pct(f)} of ObjectsService.write (keeps the SSE-C key of the old version)`, async () => {
        const size = 2 * MiB;
        await writeRow('write', size, sse(keyB), sse(keyB), (key) => proxy.resetNext({ afterBytes: Math.round(f * size), match: isPut(key) }),
          (key, data) => session.objects.write(bucket, key, data, { create: true, overwrite: true }));
      });

      it(`reset at ${pct(f)} of a multipart part (24 MiB, 8 MiB parts)`, async () => {
        const size = 24 * MiB;
        await writeRow('parts', size, sse(keyA), sse(keyA), () => proxy.resetNext({ afterBytes: Math.round(f * 8 * MiB), match: isPart(2) }),
          (key, data) => uploadObject(proxied, bucket, key, { kind: 'bytes', data }, { encryption: sse(keyA), partSize: 8 * MiB, multipartThreshold: 8 * MiB }));
      });

      for (const direction of ['request', 'response'] as const) {
        it(`reset at ${pct(f)} of CompleteMultipartUpload (${direction})`, async () => {
          const size = 16 * MiB;
          // The Complete request body is a few hundred bytes of XML; its answer is a small XML document: a fraction
          // of 400 bytes lands in the head or the body of either.
          await writeRow(`complete-${direction}`, size, sse(keyA), sse(keyA),
            () => proxy.resetNext({ afterBytes: Math.max(1, Math.round(f * 400)), direction, match: isComplete }),
            (key, data) => uploadObject(proxied, bucket, key, { kind: 'bytes', data }, { encryption: sse(keyA), partSize: 8 * MiB, multipartThreshold: 8 * MiB }));
        });
      }

      it(`reset at ${pct(f)} of a whole GET (downloadObject)`, async () => {
        const key = name('get');
        const size = 4 * MiB;
        const sha = await seed(key, size, sse(keyA));
        const before0 = { ...proxy.stats };
        proxy.resetNext({ afterBytes: Math.round(f * size), direction: 'response', match: isGet(key) });
        const dl = await downloadObject(proxied, bucket, key, { sseCustomerKey: keyA });
        const got = await sha256Of(dl.body);
        assert.equal(got.size, size, 'not truncated');
        assert.equal(got.hex, sha, 'the bytes delivered are the object, byte-exact');
        await checkWrite(key, { old: { sha, enc: encLabel(sse(keyA)) }, next: { sha, enc: encLabel(sse(keyA)) }, resolved: true });
        await noUploads();
        fired(before0);
        tally.cases++;
      });

      it(`reset at ${pct(f)} of a ranged GET (downloadToFile, 24 MiB in 8 MiB ranges)`, async () => {
        const key = name('ranged');
        const size = 24 * MiB;
        const sha = await seed(key, size, sse(keyA));
        const before0 = { ...proxy.stats };
        proxy.resetNext({ afterBytes: Math.round(f * 8 * MiB), direction: 'response', match: (r) => isGet(key)(r) && /bytes=8388608-/.test(r.headers.range ?? '') });
        const path = join(dir, key);
        await downloadToFile(proxied, bucket, key, path, { sseCustomerKey: keyA, parallelThreshold: 8 * MiB, rangeSize: 8 * MiB, concurrency: 2 });
        assert.equal((await stat(path)).size, size, 'not truncated');
        assert.equal(sha256(await readFile(path)), sha, 'the file is the object, byte-exact');
        await rm(path);
        await checkWrite(key, { old: { sha, enc: encLabel(sse(keyA)) }, next: { sha, enc: encLabel(sse(keyA)) }, resolved: true });
        await noUploads();
        fired(before0);
        tally.cases++;
      });

      it(`reset at ${pct(f)} of a streamed copy (SSE-C -> another SSE-C key)`, async () => {
        const src = name('copysrc');
        const size = 6 * MiB;
        const srcSha = await seed(src, size, sse(keyA));
        const dst = name('copydst');
        const old = { sha: await seed(dst, 100_000, sse(keyB)), enc: encLabel(sse(keyB)) };
        const before0 = { ...proxy.stats };
        proxy.resetNext({ afterBytes: Math.round(f * size), match: isPut(dst) });
        const resolved = await settle(() => copyWithFallback(proxied, { bucket, key: src, sseCustomerKey: keyA }, { bucket, key: dst }, { encryption: sse(keyB) }));
        const unfired = proxy.pending;
        proxy.clearFaults();
        await checkWrite(dst, { old, next: { sha: srcSha, enc: encLabel(sse(keyB)) }, resolved });
        await checkWrite(src, { old: { sha: srcSha, enc: encLabel(sse(keyA)) }, next: { sha: srcSha, enc: encLabel(sse(keyA)) }, resolved: true });
        await noUploads();
        fired(before0, unfired);
        tally.cases++;
      });

      for (const kind of ['copy', 'reencrypt'] as const) {
        it(`reset at ${pct(f)} of a PUT inside a prefix ${kind} job`, async () => {
          await jobRow(kind, (prefix) => proxy.resetNext({ afterBytes: Math.round(f * JOB_OBJECT), match: (r) => r.method === 'PUT' && pathOf(r).includes(`/${prefix}`) }));
        });
      }
    }

    // ---- prefix jobs ----
    const JOB_OBJECT = 256 * 1024;
    const jobStore = (): { save(r: JobRecord): Promise<void>; load(id: string): Promise<JobRecord | undefined>; list(): Promise<JobRecord[]> } => {
      const m = new Map<string, JobRecord>();
      return { save: async (r) => { m.set(r.jobId, structuredClone(r)); }, load: async (id) => m.get(id), list: async () => [...m.values()] };
    };

    /**
     * A copy (src/ -> dst/, re-keyed to B) or in-place re-encrypt (A -> B) of four objects; `arm(prefix)` arms the
     * faults on the prefix that is written. Each item reported done holds the new version, each failed one the old.
     */
    const jobRow = async (kind: 'copy' | 'reencrypt', arm: (writtenPrefix: string) => void): Promise<JobReport> => {
      const base = name(`job${kind}`);
      const srcPrefix = `${base}/src/`;
      const dstPrefix = kind === 'copy' ? `${base}/dst/` : srcPrefix;
      const shas = new Map<string, string>();
      for (let i = 0; i < 4; i++) {
        shas.set(`o${i}`, await seed(`${srcPrefix}o${i}`, JOB_OBJECT, sse(keyA)));
      }
      const before0 = { ...proxy.stats };
      arm(dstPrefix);
      const encryption = { type: 'sse-c' as const, keyFingerprint: fpB };
      const loc = (key: string): { connection: string; bucket: string; key: string } => ({ connection: 'fm', bucket, key });
      const report = await runJob({ objects: async () => session.objects, key: async (fp) => keys.find((k) => k.fingerprint === fp)?.key, store: jobStore() },
        newJob(kind === 'copy'
          ? { kind, sources: [loc(srcPrefix)], target: loc(dstPrefix), encryption, overwrite: true, dryRun: false }
          : { kind, targets: [loc(srcPrefix)], encryption, ifUnchanged: true, dryRun: false }), { concurrency: 2 });
      const unfired = proxy.pending;
      proxy.clearFaults();
      assert.equal(report.planned, 4);
      assert.equal(report.done + report.failed + report.skipped, report.planned, 'every planned item is accounted for');
      for (const [leaf, sha] of shas) {
        const target = `${dstPrefix}${leaf}`;
        const item = report.items.find((it) => it.target.endsWith(`/${target}`));
        assert.ok(item, `${target} is in the report`);
        await checkWrite(target, {
          old: kind === 'copy' ? undefined : { sha, enc: `sse-c:${fpA}` }, next: { sha, enc: `sse-c:${fpB}` }, resolved: item.status === 'done',
        });
        if (kind === 'copy') {
          await checkWrite(`${srcPrefix}${leaf}`, { old: { sha, enc: `sse-c:${fpA}` }, next: { sha, enc: `sse-c:${fpA}` }, resolved: true });
        }
      }
      await noUploads();
      fired(before0, unfired);
      tally.cases++;
      return report;
    };

    // ---- 503 SlowDown bursts ----
    it('503 SlowDown burst on a single PUT', async () => {
      await writeRow('slowput', 2 * MiB, sse(keyA), sse(keyA), (key) => proxy.slowDownNext({ count: 2, match: isPut(key) }),
        (key, data) => proxied.putObject(bucket, key, data, { encryption: sse(keyA) }));
    });

    it('503 SlowDown burst on multipart parts', async () => {
      await writeRow('slowparts', 24 * MiB, sse(keyA), sse(keyA), () => proxy.slowDownNext({ count: 4, match: (r) => r.method === 'PUT' && r.url.includes('partNumber=') }),
        (key, data) => uploadObject(proxied, bucket, key, { kind: 'bytes', data }, { encryption: sse(keyA), partSize: 8 * MiB, multipartThreshold: 8 * MiB }));
    });

    it('503 SlowDown burst on a GET', async () => {
      const key = name('slowget');
      const sha = await seed(key, 2 * MiB, sse(keyA));
      const before0 = { ...proxy.stats };
      proxy.slowDownNext({ count: 2, match: isGet(key) });
      const dl = await downloadObject(proxied, bucket, key, { sseCustomerKey: keyA });
      assert.equal((await sha256Of(dl.body)).hex, sha);
      await noUploads();
      fired(before0);
      tally.cases++;
    });

    for (const kind of ['copy', 'reencrypt'] as const) {
      it(`503 SlowDown burst during a prefix ${kind} job`, async () => {
        const report = await jobRow(kind, (prefix) => proxy.slowDownNext({ count: 3, match: (r) => pathOf(r).includes(`/${prefix}`) }));
        assert.equal(report.done, report.planned, 'a throttled job slows down, it does not fail');
      });
    }

    // ---- outages: every request reset until the proxy heals ----
    const outage = (): void => proxy.resetNext({ afterBytes: 0, times: Number.MAX_SAFE_INTEGER });

    it('short outage (2 requests refused) during a single PUT: the retries carry it', async () => {
      await writeRow('shortput', 2 * MiB, sse(keyA), sse(keyA), () => proxy.resetNext({ afterBytes: 0, times: 2 }),
        (key, data) => proxied.putObject(bucket, key, data, { encryption: sse(keyA) }));
    });

    /**
     * A 24 MiB upload through the journaled session (old version seeded first); `outageAfterFirstPart` is armed once
     * the first part is done, so the fault lands after the upload exists on the server.
     */
    const journaledUpload = async (tag: string, outageAfterFirstPart: () => void) => {
      const key = name(tag);
      const old = { sha: await seed(key, 100_000, sse(keyA)), enc: encLabel(sse(keyA)) };
      const path = join(dir, key);
      const next = { sha: await writeRandomFile(path, 24 * MiB), enc: encLabel(sse(keyA)) };
      const before0 = { ...proxy.stats };
      let armed = false;
      const resolved = await settle(() => session.objects.upload(path, bucket, key, {
        overwrite: true, encryption: sse(keyA),
        onProgress: (p) => {
          if (!armed && p.partsDone >= 1) {
            armed = true;
            outageAfterFirstPart();
          }
        },
      }));
      assert.ok(armed, 'the fault was armed mid-upload');
      return { key, old, next, before0, resolved };
    };

    it('short outage (2 requests refused) in the middle of a journaled multipart upload: it completes', async () => {
      // Under every request's budget (maxAttempts 3). Parts have more (3 x 4 part attempts), but a Complete has only
      // the connection's 3 attempts: a blip of 3+ refusals landing on it fails the upload (cleanly: the long-outage
      // row below shows that such a failure ends with the old version and no upload left).
      const r = await journaledUpload('shortmp', () => proxy.resetNext({ afterBytes: 0, times: 2 }));
      assert.equal(r.resolved, true, 'a blip under the retry budget is carried by the retries');
      await checkWrite(r.key, { old: r.old, next: r.next, resolved: true });
      assert.deepEqual(await journal.entries(), [], 'a completed upload leaves no journal entry');
      await noUploads();
      fired(r.before0);
      tally.cases++;
    });

    it('long outage during a single PUT: it fails cleanly, the old version stands', async () => {
      await writeRow('longput', 2 * MiB, sse(keyA), sse(keyA), outage,
        (key, data) => proxied.putObject(bucket, key, data, { encryption: sse(keyA) }), 'rejects');
    });

    it('long outage in the middle of a journaled multipart upload: it fails cleanly, and the journal cleans up when the server returns', async () => {
      const { key, old, next, before0, resolved } = await journaledUpload('longmp', outage);
      assert.equal(resolved, false, 'an upload through an outage longer than the retry budget fails');
      // The abort could not get through either: the upload is on the server, and in the journal as abandoned.
      const during = await direct.listAllMultipartUploads(bucket, { prefix: key });
      assert.equal(during.length, 1, 'the outage left the upload on the server (what the journal is for)');
      const entries = await journal.entries();
      assert.deepEqual(entries.map((e) => [e.key, e.uploadId, e.state]), [[key, during[0].uploadId, 'abandoned']]);
      // The server returns.
      proxy.clearFaults();
      tally.faults += proxy.stats.resets - before0.resets;
      // Through the session: a call on it may also start the session's own background sweep (it has an abandoned
      // upload), so the abort may be done by either; what counts is that none failed and nothing is left.
      const swept = await journal.sweep(session.objects);
      assert.equal(swept.failed, 0);
      assert.ok(swept.aborted + swept.gone <= 1);
      assert.deepEqual(await journal.entries(), []);
      await checkWrite(key, { old, next, resolved: false });
      await noUploads();
      tally.cases++;
    });
  });
}
