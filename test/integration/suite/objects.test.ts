// One door to the store, end to end: large saves go multipart and keep SSE-C, folder deletes are batched, rename
// never overwrites an object it could not prove absent, a big SSE-C rename keeps its key in bounded memory.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { after, before, suite, test } from '../harness';
import { awsOk, newKey, rgw, scratchPath, uniqueBucket } from '../support/rgw';

const EXT_ID = 'encrypted-buckets.encrypted-buckets';
const CONN = 'objects';
const MiB = 1024 * 1024;
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const obsUri = (bucket: string, key: string) => vscode.Uri.from({ scheme: 'obs', authority: CONN, path: `/${bucket}/${key}` });

suite('objects service: multipart saves, batched deletes, safe renames', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('objects');
  const key = newKey(); // stored, and the connection's default
  const foreign = newKey(); // never stored
  const sseC = (k: { file: string }) => ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${k.file}`];
  const head = async (k: string, withKey?: { file: string }) =>
    JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', k, ...(withKey ? sseC(withKey) : [])])) as
      { ETag: string; ContentLength: number; SSECustomerKeyMD5?: string };

  before(async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXT_ID);
    assert.ok(ext);
    const exported = await ext.activate();
    assert.ok(exported, 'the test API is exported in ExtensionMode.Test');
    api = exported;
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    await vscode.commands.executeCommand('obs.importKey', { label: 'objects key', key: key.base64 });
    await vscode.commands.executeCommand('obs.addConnection', {
      id: CONN, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey,
      allowInsecureSse: true, defaultEncryption: { type: 'sse-c', keyFingerprint: md5b64(key.raw) },
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('obs.removeConnection', { id: CONN });
    await api.keys.remove(md5b64(key.raw)); // later suites start from an empty key ring
  });

  test('the test API holds no key bytes and no credentials', async () => {
    assert.deepEqual(Object.keys(api).sort(), ['allLogLines', 'heldReadVersions', 'keys', 'recordLog', 'storagePath', 'tree', 'treeView']);
    const listed = JSON.stringify(await api.keys.list());
    assert.ok(listed.includes(md5b64(key.raw)), 'keys are listed by fingerprint');
    for (const secret of [key.base64, key.raw.toString('hex'), rgw.secretKey]) {
      assert.ok(!listed.includes(secret));
    }
  });

  test('a 100 MiB save through workspace.fs.writeFile goes multipart and stays SSE-C under the same key', async () => {
    const uri = obsUri(bucket, 'big/save.bin');
    const body = randomBytes(100 * MiB);
    await vscode.workspace.fs.writeFile(uri, body);
    const h = await head('big/save.bin', key);
    assert.match(h.ETag, /-\d+"?$/, `awscli sees a multipart ETag, got ${h.ETag}`);
    assert.equal(h.ContentLength, body.byteLength);
    assert.equal(h.SSECustomerKeyMD5, md5b64(key.raw));
    const out = scratchPath('save-back.bin');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'big/save.bin', ...sseC(key), out]);
    assert.equal(sha(readFileSync(out)), sha(body));
  }, { timeoutMs: 300_000 });

  test('a folder of 1,000 objects is deleted with at most 2 DeleteObjects requests', async () => {
    const dir = scratchPath('thousand');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 1000; i++) {
      writeFileSync(join(dir, `o${String(i).padStart(4, '0')}.txt`), `object ${i}\n`);
    }
    await awsOk(['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${bucket}/thousand/`]);
    const rec = api.recordLog();
    try {
      await vscode.workspace.fs.delete(obsUri(bucket, 'thousand'), { recursive: true });
    } finally {
      rec.dispose();
    }
    const batches = rec.lines.filter((l) => / deleteObjects 2\d\d /.test(l));
    const singles = rec.lines.filter((l) => /^\[storage:objects\] DELETE /.test(l));
    assert.ok(batches.length >= 1 && batches.length <= 2, `DeleteObjects requests: ${batches.length}\n${batches.join('\n')}`);
    assert.equal(singles.length, 0, 'no per-object DELETE');
    const left = await awsOk(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'thousand/']);
    assert.equal((JSON.parse(left || '{}') as { Contents?: unknown[] }).Contents?.length ?? 0, 0, `objects left under thousand/: ${left.slice(0, 200)}`);
  }, { timeoutMs: 240_000 });

  test('rename onto an SSE-C object no stored key opens, overwrite false: FileExists, the target untouched', async () => {
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'mv/source.txt', '--body', writeScratch('source text\n')]);
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'mv/target.txt', '--body', writeScratch('the target stays\n'), ...sseC(foreign)]);
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.rename(obsUri(bucket, 'mv/source.txt'), obsUri(bucket, 'mv/target.txt'), { overwrite: false })),
      (err: Error) => err instanceof vscode.FileSystemError && err.code === 'FileExists',
    );
    const out = scratchPath('target-after.txt');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'mv/target.txt', ...sseC(foreign), out]);
    assert.equal(readFileSync(out, 'utf8'), 'the target stays\n');
    assert.equal((await head('mv/source.txt')).ContentLength, 'source text\n'.length, 'the source is still there');
  });

  test('rename of a 200 MiB SSE-C object keeps its key, and the extension host stays within 150 MiB above idle', async () => {
    const file = scratchPath('big-rename.bin');
    const body = randomBytes(200 * MiB);
    writeFileSync(file, body);
    const digest = sha(body);
    await awsOk(['s3', 'cp', '--only-show-errors', file, `s3://${bucket}/big/rename-me.bin`, '--sse-c', 'AES256', '--sse-c-key', `fileb://${key.file}`]);
    const idle = process.memoryUsage().rss;
    let peak = idle;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 25);
    const rec = api.recordLog();
    try {
      await vscode.workspace.fs.rename(obsUri(bucket, 'big/rename-me.bin'), obsUri(bucket, 'big/renamed.bin'), { overwrite: false });
    } finally {
      clearInterval(sampler);
      rec.dispose();
    }
    const above = (peak - idle) / MiB;
    const moved = rec.lines.find((l) => l.includes('moved ')) ?? '(no log line)';
    console.log(`# rename 200 MiB SSE-C: extension host RSS peak ${above.toFixed(1)} MiB above idle; ${moved}`);
    assert.ok(above <= 150, `peak ${above.toFixed(1)} MiB above idle`);
    const h = await head('big/renamed.bin', key);
    assert.equal(h.SSECustomerKeyMD5, md5b64(key.raw));
    const out = scratchPath('renamed.bin');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'big/renamed.bin', ...sseC(key), out]);
    assert.equal(sha(readFileSync(out)), digest);
    const gone = await vscode.workspace.fs.stat(obsUri(bucket, 'big/rename-me.bin')).then(() => false, () => true);
    assert.ok(gone, 'the source is gone');
  }, { timeoutMs: 400_000 });

  test('a settings change for another connection does not cut off a folder move in flight', async () => {
    const dir = scratchPath('race');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 40; i++) {
      writeFileSync(join(dir, `r${i}.txt`), `race ${i}\n`);
    }
    await awsOk(['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${bucket}/race-a/`, '--sse-c', 'AES256', '--sse-c-key', `fileb://${key.file}`]);
    // A move of 40 objects is some 200 requests: it is still running when the settings change below.
    const moving = vscode.workspace.fs.rename(obsUri(bucket, 'race-a'), obsUri(bucket, 'race-b'), { overwrite: false });
    await new Promise((r) => setTimeout(r, 150));
    // Before: any change to obs.connections closed every connection's client, failing the move midway.
    await vscode.commands.executeCommand('obs.addConnection', {
      id: 'objects-other', endpoint: rgw.http, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey,
    });
    try {
      await moving;
    } finally {
      await vscode.commands.executeCommand('obs.removeConnection', { id: 'objects-other' });
    }
    const moved = await vscode.workspace.fs.readDirectory(obsUri(bucket, 'race-b'));
    assert.equal(moved.length, 40);
    assert.equal((await vscode.workspace.fs.readDirectory(obsUri(bucket, 'race-a')).then((e) => e.length, () => 0)), 0);
  }, { timeoutMs: 120_000 });

  test('an open SSE-C document is remembered by ETag and fingerprint only, and released when it closes', async () => {
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'doc/open-close.txt', '--body', writeScratch('hello\n'), ...sseC(key)]);
    const uri = obsUri(bucket, 'doc/open-close.txt');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.getText(), 'hello\n');
    const held = api.heldReadVersions();
    const mine = held.find((h) => h.uri === uri.toString());
    assert.ok(mine, JSON.stringify(held));
    assert.equal(mine.keyFingerprint, md5b64(key.raw));
    assert.ok(!JSON.stringify(held).includes(key.base64), 'no key bytes are held');
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const started = Date.now();
    // VS Code disposes a closed document's model shortly after its last editor closes.
    while (api.heldReadVersions().some((h) => h.uri === uri.toString()) && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`# read version released ${Date.now() - started} ms after the editor closed`);
    assert.ok(!api.heldReadVersions().some((h) => h.uri === uri.toString()), 'released after close');
  }, { timeoutMs: 120_000 });
});

let scratchN = 0;
function writeScratch(text: string): string {
  const p = scratchPath(`objects-${++scratchN}.txt`);
  writeFileSync(p, text);
  return p;
}
