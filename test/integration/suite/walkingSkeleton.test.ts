// Issue 2 end to end: a real VS Code extension host, the real RGW, awscli as the independent witness.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { after, before, screenshot, suite, test } from '../harness';
import { aws, awsOk, newKey, rgw, scratchFile, scratchPath, uniqueBucket } from '../support/rgw';

const EXT_ID = 'encrypted-buckets.encrypted-buckets';
const CONN = 'local';
const CONN_KMS = 'local-kms';
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const obsUri = (conn: string, bucket: string, key: string) => vscode.Uri.from({ scheme: 'obs', authority: conn, path: `/${bucket}/${key}` });

suite('walking skeleton: open, edit and save encrypted objects', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('skeleton');
  const keyA = newKey(); // objects written by awscli
  const keyB = newKey(); // the connection's default SSE-C key
  const sseC = (k: { file: string }) => ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${k.file}`];

  before(async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is not loaded`);
    api = await ext.activate();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
  });

  after(async () => {
    for (const id of [CONN, CONN_KMS, 'unreachable', 'wrong-secret']) {
      await vscode.commands.executeCommand('obs.removeConnection', { id });
    }
  });

  test('obs.importKey refuses a 16-byte key, non-base64/hex text and an empty value, each with a reason', async () => {
    const cases: Array<[string, RegExp]> = [
      [randomBytes(16).toString('base64'), /16 bytes/],
      ['definitely not a key!', /neither base64 nor hex/],
      ['', /empty/],
    ];
    for (const [key, reason] of cases) {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('obs.importKey', { label: 'bad', key })), reason);
    }
    assert.equal((await api.keys.list()).length, 0, 'a refused key must not be stored');
  });

  test('obs.importKey and obs.generateKey store keys and return their fingerprints', async () => {
    const a = await vscode.commands.executeCommand<{ fingerprint: string }>('obs.importKey', { label: 'key A', key: keyA.base64 });
    assert.equal(a.fingerprint, md5b64(keyA.raw));
    const b = await vscode.commands.executeCommand<{ fingerprint: string }>('obs.importKey', { label: 'key B', key: keyB.raw.toString('hex') });
    assert.equal(b.fingerprint, md5b64(keyB.raw));
    const g = await vscode.commands.executeCommand<{ fingerprint: string }>('obs.generateKey', { label: 'generated' });
    assert.match(g.fingerprint, /^[A-Za-z0-9+/]{22}==$/);
    const listed = (await api.keys.list()).map((e) => e.fingerprint);
    assert.deepEqual(new Set(listed), new Set([a.fingerprint, b.fingerprint, g.fingerprint]));
  });

  test('obs.addConnection with an argument object adds connections without prompts, secrets kept out of settings', async () => {
    const common = { endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, allowInsecureSse: true };
    await vscode.commands.executeCommand('obs.addConnection', {
      ...common, id: CONN, label: 'Local RGW', defaultEncryption: { type: 'sse-c', keyFingerprint: md5b64(keyB.raw) },
    });
    await vscode.commands.executeCommand('obs.addConnection', {
      ...common, id: CONN_KMS, defaultEncryption: { type: 'kms', kmsKeyId: rgw.kms1 },
    });
    const settings = JSON.stringify(vscode.workspace.getConfiguration('obs').get('connections'));
    assert.ok(settings.includes(`"${CONN}"`) && settings.includes(`"${CONN_KMS}"`));
    assert.ok(!settings.includes(rgw.secretKey), 'the secret key must not be in settings');
  });

  test('an SSE-C object written by awscli reads byte for byte through workspace.fs', async () => {
    const body = randomBytes(200_000);
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'bin/random.bin', '--body', scratchFile(body), ...sseC(keyA)]);
    const read = await vscode.workspace.fs.readFile(obsUri(CONN, bucket, 'bin/random.bin'));
    assert.equal(Buffer.compare(Buffer.from(read), body), 0);
  });

  test('an SSE-C object opened, edited and saved stays encrypted with the same key', async () => {
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'docs/secret.txt', '--body', scratchFile('first line\n'), ...sseC(keyA)]);
    const doc = await vscode.workspace.openTextDocument(obsUri(CONN, bucket, 'docs/secret.txt'));
    assert.equal(doc.getText(), 'first line\n');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(1, 0), 'second line\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save(), 'save failed');
    const out = scratchPath('secret-out.txt');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'docs/secret.txt', ...sseC(keyA), out]);
    assert.equal(readFileSync(out, 'utf8'), 'first line\nsecond line\n');
    const withoutKey = await aws(['s3api', 'get-object', '--bucket', bucket, '--key', 'docs/secret.txt', scratchPath('nokey.txt')]);
    assert.notEqual(withoutKey.code, 0, 'a GET without the key must fail: the object must still be SSE-C');
    const head = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', 'docs/secret.txt', ...sseC(keyA)]));
    assert.equal(head.SSECustomerKeyMD5, md5b64(keyA.raw));
  });

  test('an SSE-KMS object opened, edited and saved keeps its KMS key id', async () => {
    // testkey-2 on purpose: the connection's default is testkey-1, so only preservation can produce testkey-2.
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'docs/kms.txt', '--body', scratchFile('kms v1\n'),
      '--server-side-encryption', 'aws:kms', '--ssekms-key-id', rgw.kms2]);
    const doc = await vscode.workspace.openTextDocument(obsUri(CONN_KMS, bucket, 'docs/kms.txt'));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(1, 0), 'kms v2\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save());
    const head = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', 'docs/kms.txt']));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, rgw.kms2);
    const out = scratchPath('kms-out.txt');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'docs/kms.txt', out]);
    assert.equal(readFileSync(out, 'utf8'), 'kms v1\nkms v2\n');
  });

  test('a new file created through workspace.fs.writeFile gets the connection default (SSE-C key B, SSE-KMS testkey-1)', async () => {
    await vscode.workspace.fs.writeFile(obsUri(CONN, bucket, 'new/ssec.txt'), Buffer.from('fresh'));
    const head = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', 'new/ssec.txt', ...sseC(keyB)]));
    assert.equal(head.SSECustomerKeyMD5, md5b64(keyB.raw));
    assert.notEqual((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'new/ssec.txt'])).code, 0);

    await vscode.workspace.fs.writeFile(obsUri(CONN_KMS, bucket, 'new/kms.txt'), Buffer.from('fresh'));
    const kmsHead = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', 'new/kms.txt']));
    assert.equal(kmsHead.ServerSideEncryption, 'aws:kms');
    assert.equal(kmsHead.SSEKMSKeyId, rgw.kms1);
  });

  test('a save based on an old version is refused and the newer object on the server is left untouched', async () => {
    const uri = obsUri(CONN_KMS, bucket, 'docs/conflict.txt');
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'docs/conflict.txt', '--body', scratchFile('v1\n')]);
    assert.equal(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString(), 'v1\n');
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'docs/conflict.txt', '--body', scratchFile('someone else\n')]);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('mine\n'))), (err: Error) => {
      assert.ok(err instanceof vscode.FileSystemError);
      assert.match(err.message, /changed on the server/);
      return true;
    });
    const out = scratchPath('conflict-out.txt');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'docs/conflict.txt', out]);
    assert.equal(readFileSync(out, 'utf8'), 'someone else\n');
    // After reading the newer version, saving works again (conditional on that version).
    await vscode.workspace.fs.readFile(uri);
    await vscode.workspace.fs.writeFile(uri, Buffer.from('mine\n'));
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'docs/conflict.txt', out]);
    assert.equal(readFileSync(out, 'utf8'), 'mine\n');
  });

  test('odd object names round-trip through obs:// URIs and awscli sees the same keys', async () => {
    const keys = ['odd/with space.txt', 'odd/a+b.txt', 'odd/100%.txt', 'odd/hash#tag.txt', 'odd/what?.txt', 'odd/ünïcødé 日本.txt'];
    for (const key of keys) {
      await vscode.workspace.fs.writeFile(obsUri(CONN_KMS, bucket, key), Buffer.from(key));
    }
    // VS Code creates the parent folder first, which the provider stores as the usual zero-byte marker `odd/`.
    const listed = JSON.parse(await awsOk(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'odd/'])).Contents.map((c: { Key: string }) => c.Key);
    assert.deepEqual(listed.filter((k: string) => k !== 'odd/').sort(), [...keys].sort());
    for (const key of keys) {
      assert.equal(Buffer.from(await vscode.workspace.fs.readFile(obsUri(CONN_KMS, bucket, key))).toString(), key);
    }
    const dir = await vscode.workspace.fs.readDirectory(obsUri(CONN_KMS, bucket, 'odd'));
    assert.deepEqual(dir.map(([n]) => `odd/${n}`).sort(), [...keys].sort());
  });

  test('the tree lists connections, buckets, folders and objects with their encryption', async () => {
    const roots = await api.tree.getChildren();
    const conn = roots.find((n) => n.kind === 'connection' && n.connectionId === CONN);
    assert.ok(conn, 'connection node');
    const buckets = await api.tree.getChildren(conn);
    const b = buckets.find((n) => n.kind === 'bucket' && n.bucket === bucket);
    assert.ok(b, `bucket ${bucket} under the connection`);
    const level = await api.tree.getChildren(b);
    const names = level.map((n) => (n.kind === 'folder' ? `${n.prefix}` : n.kind));
    for (const f of ['bin/', 'docs/', 'new/', 'odd/']) {
      assert.ok(names.includes(f), `folder ${f} in ${names.join(',')}`);
    }
    const docs = level.find((n) => n.kind === 'folder' && n.prefix === 'docs/');
    const files = await api.tree.getChildren(docs);
    const secret = files.find((n) => n.kind === 'object' && n.summary.key === 'docs/secret.txt');
    assert.ok(secret && secret.kind === 'object');
    // Encryption labels arrive from background HEADs; give them a moment.
    for (let i = 0; i < 50 && secret.encryption === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(String(api.tree.getTreeItem(secret).description).includes('SSE-C'), true);
    await vscode.commands.executeCommand('workbench.view.extension.obs');
    await api.treeView.reveal(secret, { expand: true, select: true, focus: false });
    const kmsNode = files.find((n) => n.kind === 'object' && n.summary.key === 'docs/kms.txt');
    if (kmsNode) {
      await api.treeView.reveal(kmsNode, { expand: true, select: false });
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(secret.uri), { preview: false });
    await new Promise((r) => setTimeout(r, 2000));
    await screenshot('workbench-obs-view');
  });

  test('an unreachable endpoint and wrong credentials show a clear error item, not a spinner', async () => {
    await vscode.commands.executeCommand('obs.addConnection', { id: 'unreachable', endpoint: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'y' });
    await vscode.commands.executeCommand('obs.addConnection', { id: 'wrong-secret', endpoint: rgw.http, accessKeyId: rgw.accessKey, secretAccessKey: 'not-the-secret' });
    const roots = await api.tree.getChildren();
    for (const [id, expected] of [['unreachable', /connect|reach|refused/i], ['wrong-secret', /credential|signature|access key/i]] as const) {
      const node = roots.find((n) => n.kind === 'connection' && n.connectionId === id);
      const children = await api.tree.getChildren(node);
      assert.equal(children.length, 1);
      const only = children[0];
      assert.ok(only.kind === 'message' && only.isError, `${id}: expected an error item`);
      assert.match(only.message, expected);
      assert.ok(!only.message.includes('not-the-secret'));
    }
  });

  test('with only a non-matching key stored, readFile names the object and says no stored key opens it', async () => {
    for (const entry of await api.keys.list()) {
      await api.keys.remove(entry.fingerprint);
    }
    try {
      await vscode.commands.executeCommand('obs.importKey', { label: 'unrelated', key: randomBytes(32).toString('base64') });
      const uri = obsUri(CONN_KMS, bucket, 'docs/secret.txt');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri)), (err: Error) => {
        assert.ok(err instanceof vscode.FileSystemError, `expected a FileSystemError, got ${err?.constructor?.name}: ${err.message}`);
        assert.match(err.message, new RegExp(`${bucket}/docs/secret.txt`));
        assert.match(err.message, /no stored key opens it/);
        assert.doesNotMatch(err.message, /\b400\b/);
        return true;
      });
    } finally {
      // The test API gives no key bytes: the keys this suite knows are imported again.
      await vscode.commands.executeCommand('obs.importKey', { label: 'key A', key: keyA.base64 });
      await vscode.commands.executeCommand('obs.importKey', { label: 'key B', key: keyB.base64 });
    }
  });
});
