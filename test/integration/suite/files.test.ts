// Files in and out through the command contract (obs.upload, obs.download, obs.delete, obs.createFolder, obs.rename,
// obs.open, obs.uploadFolder) in the real extension host, against the real RGW, awscli as the witness; and the tree
// following writes without Refresh.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { TransferReport } from '../../../src/objects';
import type { TreeNode } from '../../../src/vscode/tree/nodes';
import { after, before, suite, test } from '../harness';
import { activateApi } from '../support/extension';
import { aws, awsOk, newKey, rgw, scratchPath, uniqueBucket } from '../support/rgw';

const CONN = 'files';
const MiB = 1024 * 1024;
const BIG = 300 * MiB;
const run = <T>(id: string, arg: object) => Promise.resolve(vscode.commands.executeCommand<T>(id, arg));
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const exec = promisify(execFile);
/** Hashes outside the extension host, so the host's memory stays as it was. */
const sha256sum = async (path: string) => (await exec('sha256sum', [path])).stdout.split(' ')[0];

/** Every file under `dir`, as relative path (with /) -> size. */
function listLocal(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else {
        out.set(relative(dir, p).split(sep).join('/'), statSync(p).size);
      }
    }
  };
  walk(dir);
  return out;
}

/** Samples the extension host's RSS while `work` runs: the most it rose above the level just before. */
async function peakAbove<T>(work: () => Promise<T>): Promise<{ result: T; aboveMiB: number }> {
  const idle = process.memoryUsage().rss;
  let peak = idle;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 25);
  try {
    const result = await work();
    return { result, aboveMiB: (peak - idle) / MiB };
  } finally {
    clearInterval(sampler);
  }
}

/** Resolves once a log line matches (checked as lines arrive, no timing involved). */
function whenLogged(rec: { lines: string[] }, re: RegExp, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const hit = rec.lines.find((l) => re.test(l));
      if (hit) {
        resolve(hit);
      } else if (signal.aborted) {
        reject(new Error(`never logged ${re}`));
      } else {
        setTimeout(check, 5);
      }
    };
    check();
  });
}

suite('files in and out: upload, download, delete, rename, new folder', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('files');
  const A = newKey();
  const sseA = { type: 'sse-c', keyFingerprint: md5b64(A.raw) };
  const sseC = (k: { file: string }) => ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${k.file}`];
  const loc = (key: string) => ({ connection: CONN, bucket, key });
  const listKeys = async (prefix: string): Promise<Map<string, number>> => {
    const out = await awsOk(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', prefix]);
    const contents = (JSON.parse(out || '{}') as { Contents?: Array<{ Key: string; Size: number }> }).Contents ?? [];
    return new Map(contents.map((c) => [c.Key.slice(prefix.length), c.Size]));
  };
  const openUploads = async (): Promise<unknown[]> =>
    (JSON.parse((await awsOk(['s3api', 'list-multipart-uploads', '--bucket', bucket])) || '{}') as { Uploads?: unknown[] }).Uploads ?? [];
  const tree = scratchPath('upload-tree');

  before(async () => {
    api = await activateApi();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    await run('obs.importKey', { label: 'files key A', key: A.base64 });
    await run('obs.addConnection', { id: CONN, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, allowInsecureSse: true });
  });

  after(async () => {
    await run('obs.removeConnection', { id: CONN });
    await api.keys.remove(md5b64(A.raw));
  });

  test('a folder tree of 200 files (one of 300 MiB) uploaded with SSE-C and downloaded back: same keys, sizes, key MD5 and bytes; host memory bounded', async () => {
    // 199 small files in nested folders (one empty) and one of 300 MiB, made outside the host.
    for (let i = 0; i < 199; i++) {
      const dir = join(tree, ['', 'a', 'a/deep', 'b', 'c d'][i % 5]);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.bin`), randomBytes(i === 0 ? 0 : 512 + (i % 13) * 7919));
    }
    await exec('bash', ['-c', `head -c ${BIG} /dev/urandom > '${join(tree, 'big.bin')}'`]);
    const local = listLocal(tree);
    assert.equal(local.size, 200);

    const up = await peakAbove(() => run<TransferReport>('obs.upload', { source: tree, target: loc('up/'), encryption: sseA }));
    console.log(`# upload 200 files (300 MiB + ${((up.result.bytes - BIG) / MiB).toFixed(1)} MiB) SSE-C: host RSS peak ${up.aboveMiB.toFixed(1)} MiB above idle`);
    assert.equal(up.result.failed, 0, JSON.stringify(up.result.items.filter((i) => i.status === 'failed').slice(0, 3)));
    assert.deepEqual([up.result.planned, up.result.done, up.result.skipped], [200, 200, 0]);
    assert.ok(up.result.items.every((i) => i.encryption?.startsWith('SSE-C')), JSON.stringify(up.result.items[0]));
    assert.ok(up.aboveMiB <= 150, `upload peak ${up.aboveMiB.toFixed(1)} MiB above idle`);

    // Witness: the same keys and sizes; the key MD5 of the big one and a sample; every object needs key A.
    const listed = await listKeys('up/upload-tree/');
    assert.deepEqual([...listed].sort(), [...local].sort());
    for (const rel of ['big.bin', ...[...local.keys()].filter((k) => k !== 'big.bin').slice(0, 200).filter((_k, i) => i % 40 === 0)]) {
      const h = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', `up/upload-tree/${rel}`, ...sseC(A)])) as { SSECustomerKeyMD5?: string; ContentLength: number };
      assert.equal(h.SSECustomerKeyMD5, md5b64(A.raw), rel);
      assert.equal(h.ContentLength, local.get(rel), rel);
    }
    const keyless = await aws(['s3', 'cp', '--recursive', '--only-show-errors', '--exclude', 'big.bin', `s3://${bucket}/up/upload-tree/`, scratchPath('keyless')]);
    assert.equal((keyless.stderr.match(/download failed/g) ?? []).length, 199, `every object refuses a keyless GET: ${keyless.stderr.slice(0, 300)}`);

    // Download the prefix into an empty folder: byte-identical.
    const into = scratchPath('download-into');
    mkdirSync(into);
    const down = await peakAbove(() => run<TransferReport>('obs.download', { source: loc('up/upload-tree/'), target: into }));
    console.log(`# download 200 files SSE-C: host RSS peak ${down.aboveMiB.toFixed(1)} MiB above idle`);
    assert.equal(down.result.failed, 0, JSON.stringify(down.result.items.filter((i) => i.status === 'failed').slice(0, 3)));
    assert.equal(down.result.done, 200);
    assert.ok(down.aboveMiB <= 150, `download peak ${down.aboveMiB.toFixed(1)} MiB above idle`);
    const got = join(into, 'upload-tree');
    assert.deepEqual([...listLocal(got)].sort(), [...local].sort());
    assert.equal(await sha256sum(join(got, 'big.bin')), await sha256sum(join(tree, 'big.bin')));
    const differ = [...local.keys()].filter((k) => k !== 'big.bin' && !readFileSync(join(got, k)).equals(readFileSync(join(tree, k))));
    assert.deepEqual(differ, []);
  }, { timeoutMs: 900_000 });

  test('cancel during a 300 MiB upload and a 300 MiB download: no object, no multipart upload, no partial file left', async (ctx) => {
    const big = join(tree, 'big.bin');
    assert.ok(existsSync(big), 'the 300 MiB file from the test above');
    const rec = api.recordLog();
    try {
      const uploading = run<TransferReport>('obs.upload', { source: big, target: loc('cancel/'), encryption: sseA, jobId: 'files-cancel-up' });
      await whenLogged(rec, /PUT \S+\/cancel\/big\.bin uploadPart 200 /, ctx.signal);
      assert.deepEqual(await run('obs.cancelJob', { jobId: 'files-cancel-up' }), { cancelled: true });
      const r = await uploading;
      assert.equal(r.cancelled, true);
      assert.equal(r.done, 0);
    } finally {
      rec.dispose();
    }
    assert.notEqual((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'cancel/big.bin', ...sseC(A)])).code, 0, 'no object');
    assert.deepEqual(await openUploads(), [], 'no multipart upload left open');

    const into = scratchPath('cancel-download');
    mkdirSync(into);
    const rec2 = api.recordLog();
    try {
      const downloading = run<TransferReport>('obs.download', { source: loc('up/upload-tree/big.bin'), target: join(into, 'big.bin'), jobId: 'files-cancel-down' });
      await whenLogged(rec2, /GET \S+\/up\/upload-tree\/big\.bin getObject 20[06] /, ctx.signal);
      assert.deepEqual(await run('obs.cancelJob', { jobId: 'files-cancel-down' }), { cancelled: true });
      const r = await downloading;
      assert.equal(r.cancelled, true);
      assert.equal(r.done, 0);
    } finally {
      rec2.dispose();
    }
    assert.deepEqual(readdirSync(into), [], 'no file and no partial file');
  }, { timeoutMs: 300_000 });

  test('a folder of 1,500 objects is deleted with 2 DeleteObjects requests; awscli lists nothing', async () => {
    const dir = scratchPath('fifteen-hundred');
    mkdirSync(dir);
    for (let i = 0; i < 1500; i++) {
      writeFileSync(join(dir, `o${String(i).padStart(4, '0')}.txt`), `object ${i}\n`);
    }
    await awsOk(['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${bucket}/del/`]);
    assert.equal((await listKeys('del/')).size, 1500);
    const rec = api.recordLog();
    let report: TransferReport;
    try {
      report = await run<TransferReport>('obs.delete', { target: loc('del/'), recursive: true });
    } finally {
      rec.dispose();
    }
    assert.equal(report.done, 1500);
    assert.equal(report.failed, 0);
    const batches = rec.lines.filter((l) => / deleteObjects 2\d\d /.test(l));
    assert.equal(batches.length, 2, batches.join('\n'));
    assert.equal(rec.lines.filter((l) => / deleteObject 2\d\d /.test(l)).length, 0, 'no per-object DELETE');
    assert.equal((await listKeys('del/')).size, 0);
  }, { timeoutMs: 300_000 });

  test('a folder of 50 objects renamed: each keeps its encryption (none, SSE-KMS, SSE-C)', async () => {
    const kinds = [
      { dir: 'plain', args: [] as string[], check: (h: Head) => !h.ServerSideEncryption && !h.SSECustomerKeyMD5 },
      { dir: 'kms', args: ['--sse', 'aws:kms', '--sse-kms-key-id', rgw.kms1], check: (h: Head) => h.ServerSideEncryption === 'aws:kms' && (h.SSEKMSKeyId ?? '').endsWith(rgw.kms1) },
      { dir: 'ssec', args: ['--sse-c', 'AES256', '--sse-c-key', `fileb://${A.file}`], check: (h: Head) => h.SSECustomerKeyMD5 === md5b64(A.raw) },
    ];
    for (const [n, k] of kinds.entries()) {
      const dir = scratchPath(`mv-${k.dir}`);
      mkdirSync(dir);
      for (let i = 0; i < (n === 2 ? 16 : 17); i++) {
        writeFileSync(join(dir, `o${i}.txt`), `${k.dir} ${i}\n`);
      }
      await awsOk(['s3', 'cp', '--recursive', '--only-show-errors', dir, `s3://${bucket}/mv/${k.dir}/`, ...k.args]);
    }
    assert.equal((await listKeys('mv/')).size, 50);
    const report = await run<TransferReport>('obs.rename', { source: loc('mv/'), target: loc('moved/') });
    assert.equal(report.done, 50);
    assert.equal((await listKeys('mv/')).size, 0, 'nothing left under the old name');
    const moved = [...(await listKeys('moved/')).keys()];
    assert.equal(moved.length, 50);
    const wrong: string[] = [];
    for (let i = 0; i < moved.length; i += 10) {
      await Promise.all(moved.slice(i, i + 10).map(async (rel) => {
        const k = kinds.find((x) => rel.startsWith(`${x.dir}/`))!;
        const h = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', `moved/${rel}`, ...(k.dir === 'ssec' ? sseC(A) : [])])) as Head;
        if (!k.check(h)) {
          wrong.push(`${rel}: ${JSON.stringify(h)}`);
        }
      }));
    }
    assert.deepEqual(wrong, []);
  }, { timeoutMs: 300_000 });

  test('a saved object\'s new size shows in the tree without Refresh', async () => {
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'save/doc.txt', '--body', scratchText('short\n')]);
    const folder = await findNode(api, CONN, bucket, ['save/']);
    const before = (await api.tree.getChildren(folder)).find((n) => n.kind === 'object');
    assert.equal(before?.kind === 'object' && before.summary.size, 6);
    const fired: Array<TreeNode | undefined> = [];
    const sub = api.tree.onDidChangeTreeData((n) => fired.push(n));
    try {
      await vscode.workspace.fs.writeFile(vscode.Uri.from({ scheme: 'obs', authority: CONN, path: `/${bucket}/save/doc.txt` }), Buffer.from('a longer text now\n'));
    } finally {
      sub.dispose();
    }
    // VS Code's own view may hold a fresh node for the same folder: the event names the folder, whichever object it is.
    assert.ok(fired.some((n) => n?.kind === 'folder' && n.bucket === bucket && n.prefix === 'save/'),
      `the folder holding the object was refreshed (events: ${fired.map((n) => n?.kind ?? 'all').join(', ')})`);
    const after = (await api.tree.getChildren(folder)).find((n) => n.kind === 'object');
    assert.ok(after?.kind === 'object');
    assert.equal(after.summary.size, 18);
    assert.match(String(api.tree.getTreeItem(after).description), /^18 bytes/);
  });

  test('each menu command runs with its argument object: open, upload, upload folder, new folder, download, rename, delete', async () => {
    // obs.createFolder: a marker the tree shows at once (the bucket node has been handed out, as on screen).
    await findNode(api, CONN, bucket, []);
    const fired: Array<TreeNode | undefined> = [];
    const sub = api.tree.onDidChangeTreeData((n) => fired.push(n));
    try {
      assert.deepEqual(await run('obs.createFolder', { location: loc('menu') }), { location: `obs://${CONN}/${bucket}/menu/` });
    } finally {
      sub.dispose();
    }
    assert.ok(fired.some((n) => n?.kind === 'bucket' && n.bucket === bucket), 'the bucket root was refreshed');
    assert.equal((await listKeys('menu/')).get(''), 0, 'a zero-byte folder marker');
    // obs.upload (files) and obs.uploadFolder: the rules (here: none) decide the encryption when none is given.
    const one = scratchText('one file\n');
    const r1 = await run<TransferReport>('obs.upload', { source: one, target: loc('menu/') });
    assert.equal(r1.done, 1);
    const name = one.split(sep).pop()!;
    const dir = scratchPath('menu-folder');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'x.txt'), 'x\n');
    const r2 = await run<TransferReport>('obs.uploadFolder', { source: vscode.Uri.file(dir), target: `obs://${CONN}/${bucket}/menu/` });
    assert.equal(r2.done, 1);
    assert.deepEqual([...(await listKeys('menu/')).keys()].sort(), ['', 'menu-folder/sub/x.txt', name].sort());
    // Without overwrite an existing object is skipped, with it replaced.
    assert.equal((await run<TransferReport>('obs.upload', { source: one, target: loc('menu/') })).skipped, 1);
    assert.equal((await run<TransferReport>('obs.upload', { source: one, target: loc('menu/'), overwrite: true })).done, 1);
    // obs.download of one object to a file path.
    const file = scratchPath('menu-download.txt');
    assert.equal((await run<TransferReport>('obs.download', { source: `obs://${CONN}/${bucket}/menu/${name}`, target: file })).done, 1);
    assert.equal(readFileSync(file, 'utf8'), 'one file\n');
    // obs.rename of one object.
    assert.equal((await run<TransferReport>('obs.rename', { source: loc(`menu/${name}`), target: loc('menu/renamed.txt') })).done, 1);
    assert.deepEqual([...(await listKeys('menu/')).keys()].sort(), ['', 'menu-folder/sub/x.txt', 'renamed.txt']);
    // obs.open opens the object in an editor.
    await run('obs.open', { location: loc('menu/renamed.txt') });
    assert.equal(vscode.window.activeTextEditor?.document.getText(), 'one file\n');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // obs.delete: a non-empty folder needs recursive; a selection of two.
    const refused = await run<TransferReport>('obs.delete', { target: loc('menu/menu-folder/') });
    assert.equal(refused.failed, 1);
    assert.match(refused.items[0].error ?? '', /recursive: true/);
    const del = await run<TransferReport>('obs.delete', { target: [loc('menu/renamed.txt'), loc('menu/menu-folder/')], recursive: true });
    assert.equal(del.done, 2);
    assert.deepEqual([...(await listKeys('menu/')).keys()], ['']);
  }, { timeoutMs: 120_000 });

  test('refused arguments reject with the reason naming the argument', async () => {
    await assert.rejects(run('obs.upload', { source: 'relative/path', target: loc('x/') }), /source must be an absolute local path/);
    await assert.rejects(run('obs.upload', { source: '/tmp', target: 'https://example.com/' }), /target must be an obs:\/\/ location/);
    await assert.rejects(run('obs.upload', { source: '/tmp', target: loc('x/'), encryption: { type: 'keep' } }), /encryption: an upload has nothing to keep/);
    await assert.rejects(run('obs.download', { source: loc('x'), target: 'rel' }), /target must be an absolute local path/);
    await assert.rejects(run('obs.delete', { target: [] }), /target: the list is empty/);
    await assert.rejects(run('obs.createFolder', { location: loc('') }), /location must name the new folder/);
    await assert.rejects(run('obs.rename', { source: loc('a.txt'), target: { connection: 'elsewhere', bucket, key: 'b.txt' } }), /within one connection/);
    await assert.rejects(run('obs.delete', { target: loc('x'), recursive: 'yes' }), /recursive must be true or false/);
  });
});

type Head = { ServerSideEncryption?: string; SSEKMSKeyId?: string; SSECustomerKeyMD5?: string };

let scratchN = 0;
function scratchText(text: string): string {
  const p = scratchPath(`files-${++scratchN}-${randomBytes(3).toString('hex')}.txt`);
  writeFileSync(p, text);
  return p;
}

/** Walks the tree as VS Code does (through the provider): connection -> bucket -> folders named by `prefixes`. */
async function findNode(api: ExtensionApi, connection: string, bucket: string, prefixes: string[]): Promise<TreeNode> {
  const conn = (await api.tree.getChildren()).find((n) => n.kind === 'connection' && n.connectionId === connection);
  assert.ok(conn, 'connection node');
  let node = (await api.tree.getChildren(conn)).find((n) => n.kind === 'bucket' && n.bucket === bucket);
  assert.ok(node, 'bucket node');
  for (const prefix of prefixes) {
    const next: TreeNode | undefined = (await api.tree.getChildren(node)).find((n) => n.kind === 'folder' && n.prefix === prefix);
    assert.ok(next, `folder ${prefix}`);
    node = next;
  }
  return node;
}
