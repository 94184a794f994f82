// Copy and re-encrypt through the command contract (obs.copy, obs.reencrypt, obs.resumeJob, obs.showJobs,
// obs.cancelJob) in the real extension host, against the real RGW, awscli as the witness.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { JobReport } from '../../../src/objects';
import { activateApi } from '../support/extension';
import { after, before, screenshot, suite, test } from '../harness';
import { aws, awsOk, newKey, rgw, scratchPath, uniqueBucket } from '../support/rgw';

const CONN = 'jobs';
const OTHER = 'jobs-other';
const MiB = 1024 * 1024;
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

type Enc = { name: string; arg: Record<string, string>; aws: (k: KeyFile) => string[]; check: (h: Head) => boolean };
type KeyFile = { raw: Buffer; file: string; base64: string };
type Head = { ServerSideEncryption?: string; SSEKMSKeyId?: string; SSECustomerKeyMD5?: string; ContentType?: string; Metadata?: Record<string, string>; ETag: string };

suite('copy and re-encrypt jobs', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('jobs');
  const A = newKey();
  const B = newKey();
  const sseC = (k: KeyFile) => ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${k.file}`];
  const run = <T>(id: string, arg: object) => Promise.resolve(vscode.commands.executeCommand<T>(id, arg));
  const loc = (key: string, connection = CONN, b = bucket) => ({ connection, bucket: b, key });
  const head = async (key: string, k?: KeyFile, b = bucket): Promise<Head> =>
    JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', b, '--key', key, ...(k ? sseC(k) : [])])) as Head;
  const get = async (key: string, k?: KeyFile): Promise<Buffer | undefined> => {
    const out = scratchPath(`get-${randomBytes(4).toString('hex')}`);
    const r = await aws(['s3api', 'get-object', '--bucket', bucket, '--key', key, ...(k ? sseC(k) : []), out]);
    return r.code === 0 ? readFileSync(out) : undefined;
  };

  const encs: Record<string, Enc> = {
    none: { name: 'none', arg: { type: 'none' }, aws: () => [], check: (h) => !h.ServerSideEncryption && !h.SSECustomerKeyMD5 },
    kms1: { name: 'KMS key 1', arg: { type: 'kms', kmsKeyId: rgw.kms1 }, aws: () => ['--server-side-encryption', 'aws:kms', '--ssekms-key-id', rgw.kms1], check: (h) => h.ServerSideEncryption === 'aws:kms' && (h.SSEKMSKeyId ?? '').endsWith(rgw.kms1) },
    kms2: { name: 'KMS key 2', arg: { type: 'kms', kmsKeyId: rgw.kms2 }, aws: () => [], check: (h) => h.ServerSideEncryption === 'aws:kms' && (h.SSEKMSKeyId ?? '').endsWith(rgw.kms2) },
    sseA: { name: 'SSE-C A', arg: { type: 'sse-c', keyFingerprint: md5b64(A.raw) }, aws: () => sseC(A), check: (h) => h.SSECustomerKeyMD5 === md5b64(A.raw) },
    sseB: { name: 'SSE-C B', arg: { type: 'sse-c', keyFingerprint: md5b64(B.raw) }, aws: () => sseC(B), check: (h) => h.SSECustomerKeyMD5 === md5b64(B.raw) },
  };
  const keyOf = (e: Enc): KeyFile | undefined => (e === encs.sseA ? A : e === encs.sseB ? B : undefined);

  before(async () => {
    api = await activateApi();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    await run('obs.importKey', { label: 'job key A', key: A.base64 });
    await run('obs.importKey', { label: 'job key B', key: B.base64 });
    const common = { endpoint: rgw.http, region: rgw.region, allowInsecureSse: true };
    await run('obs.addConnection', { ...common, id: CONN, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey });
    await run('obs.addConnection', { ...common, id: OTHER, accessKeyId: rgw.otherAccessKey, secretAccessKey: rgw.otherSecretKey });
  });

  after(async () => {
    await run('obs.removeConnection', { id: CONN });
    await run('obs.removeConnection', { id: OTHER });
    for (const k of [A, B]) {
      await api.keys.remove(md5b64(k.raw));
    }
  });

  const put = async (key: string, body: Buffer | string, e: Enc) => {
    const file = scratchPath(`put-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, body);
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', key, '--body', file, '--content-type', 'text/x-matrix', '--metadata', 'origin=matrix', ...e.aws(A)]);
  };

  for (const mode of ['copy', 'reencrypt'] as const) {
    test(`the 3 x 4 matrix as ${mode === 'copy' ? 'copy' : 'in-place re-encrypt'}: encryption, bytes, metadata and content type`, async () => {
      const failures: string[] = [];
      for (const from of [encs.none, encs.kms1, encs.sseA]) {
        for (const to of [encs.none, encs.kms2, encs.sseA, encs.sseB]) {
          const name = `matrix-${mode}/${from.name}-to-${to.name}`.replace(/ /g, '_');
          const body = `${name}\n${randomBytes(16).toString('hex')}\n`;
          await put(name, body, from);
          const target = mode === 'copy' ? `${name}.copy` : name;
          const report = mode === 'copy'
            ? await run<JobReport>('obs.copy', { source: loc(name), target: loc(target), encryption: to.arg })
            : await run<JobReport>('obs.reencrypt', { target: loc(name), encryption: to.arg });
          const unchanged = mode === 'reencrypt' && from === to;
          const expect = unchanged ? { done: 0, skipped: 1 } : { done: 1, skipped: 0 };
          if (report.done !== expect.done || report.skipped !== expect.skipped || report.failed !== 0) {
            failures.push(`${name}: ${JSON.stringify(report.items)}`);
            continue;
          }
          const h = await head(target, keyOf(to));
          const got = await get(target, keyOf(to));
          const problems = [
            to.check(h) ? '' : `head shows ${JSON.stringify(h)}`,
            got?.toString() === body ? '' : 'bytes differ',
            h.ContentType === 'text/x-matrix' ? '' : `content type ${h.ContentType}`,
            h.Metadata?.origin === 'matrix' ? '' : `metadata ${JSON.stringify(h.Metadata)}`,
            // A re-keyed object no longer opens with the old key (RGW ignores SSE-C headers on objects without SSE-C).
            mode === 'reencrypt' && from === encs.sseA && to === encs.sseB && (await get(target, A)) !== undefined ? 'the old key still opens it' : '',
          ].filter(Boolean);
          if (problems.length) {
            failures.push(`${name}: ${problems.join('; ')} (path ${report.items[0]?.path})`);
          }
        }
      }
      assert.deepEqual(failures, []);
    }, { timeoutMs: 300_000 });
  }

  test('a dry run plans without writing: ETags unchanged, no PUT/POST/DELETE at trace level', async () => {
    await put('dry/one.txt', 'dry one\n', encs.sseA);
    await put('dry/two.txt', 'dry two\n', encs.none);
    const before = [(await head('dry/one.txt', A)).ETag, (await head('dry/two.txt')).ETag];
    const rec = api.recordLog();
    let report: JobReport;
    try {
      report = await run<JobReport>('obs.reencrypt', { target: loc('dry/'), encryption: encs.sseB.arg, dryRun: true });
    } finally {
      rec.dispose();
    }
    assert.equal(report.dryRun, true);
    assert.equal(report.planned, 2);
    assert.equal(report.done, 0);
    assert.ok(report.items.every((i) => i.status === 'planned' && i.path === 'server'), JSON.stringify(report.items));
    const writes = rec.lines.filter((l) => /\] (PUT|POST|DELETE) /.test(l));
    assert.deepEqual(writes, []);
    assert.ok(rec.lines.some((l) => /\] GET /.test(l)), 'the trace shows the listing');
    assert.deepEqual([(await head('dry/one.txt', A)).ETag, (await head('dry/two.txt')).ETag], before);
  });

  test('a prefix of 300 objects (one of 64 MiB) re-keyed A -> B: cancelled half-way, resumed, counts exact, nothing left under A', async () => {
    const dir = scratchPath('rekey300');
    mkdirSync(dir, { recursive: true });
    const big = randomBytes(64 * MiB);
    writeFileSync(join(dir, 'big.bin'), big);
    for (let i = 0; i < 299; i++) {
      writeFileSync(join(dir, `o${String(i).padStart(3, '0')}.bin`), randomBytes(1024 + (i % 7) * 9000));
    }
    await awsOk(['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${bucket}/rekey/`, '--sse-c', 'AES256', '--sse-c-key', `fileb://${A.file}`]);
    const jobId = `rekey-${Date.now()}`;
    const first = run<JobReport>('obs.reencrypt', { target: loc('rekey/'), encryption: encs.sseB.arg, jobId });
    // Cancel once a tenth is done, watched closely: with connections kept after HEADs the whole job takes about
    // two seconds here, and a 100 ms poll waiting for a third once saw it finish before the cancel.
    for (let i = 0; i < 6000; i++) {
      const jobs = await run<Array<{ jobId: string; doneItems: number }>>('obs.showJobs', {});
      if ((jobs.find((j) => j.jobId === jobId)?.doneItems ?? 0) >= 30) {
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await run('obs.cancelJob', { jobId }), { cancelled: true });
    const r1 = await first;
    assert.equal(r1.cancelled, true);
    assert.ok(r1.done >= 30 && r1.done < 300, `first run did ${r1.done}`);
    const r2 = await run<JobReport>('obs.resumeJob', { jobId });
    assert.equal(r2.cancelled, false);
    assert.equal(r2.failed, 0, JSON.stringify(r2.items.filter((i) => i.status === 'failed')));
    assert.equal(r2.planned, 300);
    assert.equal(r2.done + r2.skipped, 300);
    const doneFirst = new Set(r1.items.filter((i) => i.status === 'done').map((i) => i.source));
    const redone = r2.items.filter((i) => i.status === 'done' && doneFirst.has(i.source));
    assert.deepEqual(redone, [], 'the resumed run redid nothing the first run had done');
    // An object whose write landed just as the cancel arrived is not reported done by the first run; the resumed run
    // finds it already under key B and skips it. Every object is counted exactly once: done first, done on resume,
    // or landed at the cancel (at most the objects in flight then; an adaptive job keeps at most 32).
    const landed = r2.items.filter((i) => i.status === 'skipped' && !doneFirst.has(i.source)).length;
    assert.equal(r1.done + r2.done + landed, 300, `first run ${r1.done} done, resumed run ${r2.done} done, ${landed} landed at the cancel`);
    assert.ok(landed <= 32, `${landed} objects landed at the cancel`);
    assert.ok(r2.items.filter((i) => i.status === 'skipped').every((i) => i.reason === `already ${i.to}`), 'skipped only because already under B');
    // Witness: awscli downloads the whole prefix with key B alone.
    const out = scratchPath('rekey-out');
    await awsOk(['s3', 'cp', '--recursive', '--only-show-errors', `s3://${bucket}/rekey/`, out, '--sse-c', 'AES256', '--sse-c-key', `fileb://${B.file}`]);
    assert.equal(readdirSync(out).length, 300);
    assert.equal(sha(readFileSync(join(out, 'big.bin'))), sha(big));
    assert.equal((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'rekey/o000.bin', ...sseC(A)])).code !== 0, true, 'key A no longer opens');
    const uploads = await awsOk(['s3api', 'list-multipart-uploads', '--bucket', bucket]);
    assert.equal((JSON.parse(uploads || '{}') as { Uploads?: unknown[] }).Uploads?.length ?? 0, 0, uploads);
  }, { timeoutMs: 600_000 });

  test('a concurrent awscli write during an in-place re-encrypt survives', async () => {
    for (let i = 0; i < 40; i++) {
      await put(`race/r${String(i).padStart(2, '0')}.txt`, `original ${i}\n`, encs.sseA);
    }
    const job = run<JobReport>('obs.reencrypt', { target: loc('race/'), encryption: encs.sseB.arg });
    const theirs = new Map<string, string>();
    for (const i of [5, 15, 25, 35]) {
      const key = `race/r${String(i).padStart(2, '0')}.txt`;
      const text = `their write ${i} ${randomBytes(4).toString('hex')}\n`;
      const file = scratchPath(`theirs-${i}`);
      writeFileSync(file, text);
      await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', key, '--body', file, ...sseC(A)]);
      theirs.set(key, text);
    }
    const report = await job;
    assert.equal(report.failed, 0, JSON.stringify(report.items.filter((i) => i.status === 'failed')));
    for (const [key, text] of theirs) {
      const now = (await get(key, A)) ?? (await get(key, B));
      assert.equal(now?.toString(), text, `${key}: their write survived`);
      const item = report.items.find((i) => i.source.endsWith(`/${key}`));
      assert.ok(item && ['done', 'skipped'].includes(item.status), JSON.stringify(item));
    }
  }, { timeoutMs: 300_000 });

  test('copy across two connections (two RGW users) re-encrypts, streamed', async () => {
    const otherBucket = uniqueBucket('jobs-other');
    await awsOk(['s3api', 'create-bucket', '--bucket', otherBucket], undefined, 'other');
    await put('across/a.txt', 'across the accounts\n', encs.sseA);
    const report = await run<JobReport>('obs.copy', {
      source: `obs://${CONN}/${bucket}/across/a.txt`, target: { connection: OTHER, bucket: otherBucket, key: 'in/' }, encryption: encs.kms1.arg,
    });
    assert.equal(report.done, 1, JSON.stringify(report.items));
    assert.equal(report.items[0].path, 'streamed');
    assert.equal(report.items[0].target, `${OTHER}/${otherBucket}/in/a.txt`);
    const h = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', otherBucket, '--key', 'in/a.txt'], undefined, 'other')) as Head;
    assert.ok(encs.kms1.check(h), JSON.stringify(h));
    const out = scratchPath('across-out');
    await awsOk(['s3api', 'get-object', '--bucket', otherBucket, '--key', 'in/a.txt', out], undefined, 'other');
    assert.equal(readFileSync(out, 'utf8'), 'across the accounts\n');
  });

  test('the report of a prefix re-encrypt, as a user opens it (screenshot for the README)', async () => {
    await put('reports/notes.md', '# notes\n', encs.sseA);
    await put('reports/data.csv', 'a,b\n1,2\n', encs.kms1);
    await put('reports/plain.txt', 'plain\n', encs.none);
    await put('reports/done.txt', 'already there\n', encs.sseB);
    const report = await run<JobReport>('obs.reencrypt', { target: { connection: CONN, bucket, key: 'reports/' }, encryption: encs.sseB.arg });
    assert.equal(report.done, 3);
    assert.equal(report.skipped, 1);
    const uri = vscode.Uri.parse(`obs-report:/${report.jobId}.md`);
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    assert.match(text, new RegExp(`3 done, 1 skipped, 0 failed`));
    assert.match(text, /reports\/done\.txt.*skipped: already SSE-C/);
    await vscode.commands.executeCommand('markdown.showPreview', uri);
    await new Promise((r) => setTimeout(r, 1500)); // let the preview render
    await screenshot('reencrypt-report');
  });

  test('refused arguments reject with the reason, and a copy never overwrites without overwrite: true', async () => {
    await assert.rejects(run('obs.copy', { source: 'not a uri', target: loc('x') }), /source/);
    await assert.rejects(run('obs.reencrypt', { target: loc('x') }), /encryption is required/);
    await assert.rejects(run('obs.reencrypt', { target: loc('x'), encryption: { type: 'sse-c', keyFingerprint: 'short' } }), /fingerprint/);
    await put('guard/src.txt', 'new\n', encs.none);
    await put('guard/dst.txt', 'old\n', encs.sseA);
    const r = await run<JobReport>('obs.copy', { source: loc('guard/src.txt'), target: loc('guard/dst.txt') });
    assert.equal(r.skipped, 1);
    assert.equal((await get('guard/dst.txt', A))?.toString(), 'old\n');
    const r2 = await run<JobReport>('obs.copy', { source: loc('guard/src.txt'), target: loc('guard/dst.txt'), overwrite: true });
    assert.equal(r2.done, 1, JSON.stringify(r2.items));
    assert.equal((await get('guard/dst.txt'))?.toString(), 'new\n');
  });
});
