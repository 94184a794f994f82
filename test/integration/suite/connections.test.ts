// Connections you can fix and objects you can share, in the real extension host against the real RGW (awscli and a
// plain HTTP GET as witnesses): obs.editConnection, obs.testConnection, obs.addConnection's refusal of an existing
// id, settings with bad values shown on the node, obs.showProperties, obs.copyLink (a real GET of the presigned URL),
// obs.filter and obs.openAsWorkspaceFolder.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CopiedLink, ObjectProperties } from '../../../src/commands/properties';
import type { ExtensionApi } from '../../../src/extension';
import type { ConnectionTest } from '../../../src/vscode/connections';
import type { BucketNode, ConnectionNode, TreeNode } from '../../../src/vscode/tree/nodes';
import { activateApi } from '../support/extension';
import { after, before, suite, test } from '../harness';
import { awsOk, newKey, rgw, scratchPath, uniqueBucket } from '../support/rgw';

const CONN = 'conn-edit';
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

suite('connections, properties and links', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('conns');
  const K = newKey();
  const sseC = ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${K.file}`];
  const run = <T>(id: string, arg?: object) => Promise.resolve(vscode.commands.executeCommand<T>(id, arg));
  const loc = (key: string) => ({ connection: CONN, bucket, key });
  const bodies: Record<string, string> = {};
  const put = async (key: string, extra: string[] = []) => {
    bodies[key] = `${key}\n${randomBytes(8).toString('hex')}\n`;
    const file = scratchPath(`conn-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, bodies[key]);
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', key, '--body', file, '--content-type', 'text/x-test', '--metadata', 'origin=it', ...extra]);
  };
  const connectionNode = async (id: string) => {
    const node = (await api.tree.getChildren()).find((n) => n.kind === 'connection' && n.connectionId === id) as ConnectionNode | undefined;
    assert.ok(node, `connection ${id} is in the tree`);
    return node;
  };
  const bucketNode = async () => {
    const node = (await api.tree.getChildren(await connectionNode(CONN))).find((n) => n.kind === 'bucket' && n.bucket === bucket) as BucketNode | undefined;
    assert.ok(node, `bucket ${bucket} is listed`);
    return node;
  };
  const keysShown = (nodes: TreeNode[]) => nodes.map((n) => (n.kind === 'object' ? n.summary.key : n.kind === 'folder' ? n.prefix : undefined)).filter((k) => k !== undefined);

  before(async () => {
    api = await activateApi();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    await run('obs.importKey', { label: 'connections test key', key: K.base64 });
    await put('plain.txt');
    await put('secret.txt', sseC);
    await put('kms.txt', ['--server-side-encryption', 'aws:kms', '--ssekms-key-id', rgw.kms1]);
    await put('logs/2024/a.log');
    await put('logs/2025/b.log');
    await put('other/c-2024.txt');
    await run('obs.addConnection', { id: CONN, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, allowInsecureSse: true });
  });

  after(async () => {
    await run('obs.removeConnection', { id: CONN });
    await api.keys.remove(md5b64(K.raw));
  });

  test('Edit connection with a new secret key makes a stale connection work without reload; test connection reports a wrong secret as such', async () => {
    assert.ok((await api.tree.getChildren(await connectionNode(CONN))).some((n) => n.kind === 'bucket'), 'the connection works');
    await run('obs.editConnection', { id: CONN, secretAccessKey: 'stale-secret' });
    // The secret is rotated elsewhere: simulated by storing a stale one. The tree says what is wrong, with the next step.
    const rec = api.recordLog();
    const stale = await api.tree.getChildren(await connectionNode(CONN));
    rec.dispose();
    assert.ok(rec.lines.some((l) => l.includes(`listing ${CONN} failed: BadCredentials`) && /request id \S+/.test(l)), `the failure is logged with its request id: ${rec.lines.join('\n')}`);
    assert.equal(stale.length, 1);
    assert.ok(stale[0].kind === 'message' && stale[0].isError, 'an error item');
    assert.equal(api.tree.getTreeItem(stale[0]).command?.command, 'obs.editConnection');

    const wrong = await run<ConnectionTest>('obs.testConnection', { id: CONN });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.dialect, 's3', 'the endpoint was reached and its protocol found');
    assert.equal(wrong.error?.code, 'BadCredentials');
    assert.equal(wrong.error?.serverCode, 'SignatureDoesNotMatch');
    assert.match(wrong.error?.message ?? '', /secret access key is wrong/);
    assert.ok(!JSON.stringify(wrong).includes('stale-secret'));

    const edited = await run<{ id: string }>('obs.editConnection', { id: CONN, secretAccessKey: rgw.secretKey });
    assert.deepEqual(edited, { id: CONN });
    const listed = await api.tree.getChildren(await connectionNode(CONN));
    assert.ok(listed.some((n) => n.kind === 'bucket' && n.bucket === bucket), `buckets listed after the edit: ${JSON.stringify(listed.map((n) => n.kind))}`);
    const right = await run<ConnectionTest>('obs.testConnection', { id: CONN });
    assert.equal(right.ok, true, JSON.stringify(right.error));
    assert.equal(right.dialect, 's3');
    assert.ok(right.buckets?.includes(bucket));
    // Settings kept every other field, and never a secret.
    const saved = vscode.workspace.getConfiguration('obs').get<Array<Record<string, unknown>>>('connections')?.find((c) => c.id === CONN);
    assert.deepEqual(saved, { id: CONN, endpoint: rgw.http, region: rgw.region, allowInsecureSse: true });
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('obs').get('connections')).includes(rgw.secretKey));
  });

  test('obs.addConnection refuses an existing id (pointing to obs.editConnection) unless replace: true', async () => {
    const args = { id: CONN, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, allowInsecureSse: true };
    await assert.rejects(run('obs.addConnection', { ...args, label: 'replaced' }), (e: Error) => {
      assert.equal((e as { code?: string }).code, 'InvalidArgument');
      assert.match(e.message, /already exists.*obs\.editConnection.*replace: true/);
      return true;
    });
    const label = () => vscode.workspace.getConfiguration('obs').get<Array<Record<string, unknown>>>('connections')?.find((c) => c.id === CONN)?.label;
    assert.equal(label(), undefined, 'the refused call changed nothing');
    await run('obs.addConnection', { ...args, label: 'replaced', replace: true });
    assert.equal(label(), 'replaced');
    await run('obs.editConnection', { id: CONN, label: 'Connections test' });
    assert.equal(label(), 'Connections test');
  });

  test('every node has a tooltip: a connection shows endpoint, dialect, region and default encryption', async () => {
    const item = api.tree.getTreeItem(await connectionNode(CONN));
    const text = (item.tooltip as vscode.MarkdownString).value;
    for (const part of [rgw.http.replace(/[.:/]/g, ''), 'Dialect: detect', `Region: ${rgw.region}`, 'Default encryption: not encrypted']) {
      assert.ok(text.replace(/\\/g, '').replace(/[.:/]/g, '').includes(part.replace(/[.:/]/g, '')), `tooltip has "${part}": ${text}`);
    }
    const b = await bucketNode();
    assert.match((api.tree.getTreeItem(b).tooltip as vscode.MarkdownString).value, new RegExp(bucket.replace(/-/g, '\\\\?-')));
    const top = await api.tree.getChildren(b);
    for (const n of top) {
      assert.ok(api.tree.getTreeItem(n).tooltip, `${n.kind} has a tooltip`);
    }
    const obj = top.find((n) => n.kind === 'object' && n.summary.key === 'plain.txt');
    assert.ok(obj);
    assert.match((api.tree.getTreeItem(obj).tooltip as vscode.MarkdownString).value, /Size: .*Modified: .*Encryption: /s);
  });

  test('obs.showProperties: size, modified, ETag, content type, SSE-C key label and fingerprint, KMS key id, metadata; no key bytes', async () => {
    const head = JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', 'secret.txt', ...sseC])) as { ETag: string; ContentLength: number };
    const p = await run<ObjectProperties>('obs.showProperties', { location: loc('secret.txt') });
    assert.equal(p.size, head.ContentLength);
    assert.equal(p.etag.replace(/"/g, ''), head.ETag.replace(/"/g, ''));
    assert.equal(p.contentType, 'text/x-test');
    assert.deepEqual(p.metadata, { origin: 'it' });
    assert.deepEqual(p.encryption, { type: 'sse-c', algorithm: 'AES256', keyFingerprint: md5b64(K.raw), keyLabel: 'connections test key', keyStored: true });
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'obs-properties' && d.uri.path.endsWith('secret.txt.md'));
    assert.ok(doc, 'the properties are shown in a read-only document');
    for (const part of ['text/x-test', md5b64(K.raw), 'connections test key', 'origin: it', `${p.size} bytes`]) {
      assert.ok(doc.getText().includes(part), `the document shows ${part}`);
    }
    for (const secret of [K.base64, K.raw.toString('hex')]) {
      assert.ok(!doc.getText().includes(secret) && !JSON.stringify(p).includes(secret), 'no key bytes');
    }
    const kms = await run<ObjectProperties>('obs.showProperties', { location: loc('kms.txt') });
    assert.equal(kms.encryption.type, 'kms');
    assert.match(kms.encryption.kmsKeyId ?? '', new RegExp(`${rgw.kms1}$`));
    await assert.rejects(run('obs.showProperties', { location: loc('logs/') }), /must name an object/);
  });

  test('obs.copyLink: a presigned GET that a plain HTTP client opens; an SSE-C link opens only with the key headers, and says so', async () => {
    const plain = await run<CopiedLink>('obs.copyLink', { location: loc('plain.txt'), expiresInSeconds: 600 });
    assert.equal(await vscode.env.clipboard.readText(), plain.url);
    assert.equal(plain.notice, undefined);
    const got = await fetch(plain.url);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), bodies['plain.txt']);
    // The signature is checked: a changed one is refused.
    // (flip its first hex digit: writing a fixed '0' left it unchanged for one link in 16)
    const tampered = plain.url.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    assert.notEqual(tampered, plain.url);
    assert.equal((await fetch(tampered)).status, 403);

    const link = await run<CopiedLink>('obs.copyLink', { location: loc('secret.txt') });
    assert.match(link.notice ?? '', /link alone cannot open .*secret\.txt.*customer key \(SSE-C\)/);
    assert.match(link.notice ?? '', /x-amz-server-side-encryption-customer-algorithm: AES256/);
    assert.ok(link.notice?.includes(md5b64(K.raw)));
    for (const secret of [K.base64, encodeURIComponent(K.base64), K.raw.toString('hex')]) {
      assert.ok(!link.url.includes(secret) && !(link.notice ?? '').includes(secret), 'the key is in neither the URL nor the message');
    }
    const bare = await fetch(link.url);
    assert.notEqual(bare.status, 200, 'the link alone does not open an SSE-C object');
    await bare.arrayBuffer();
    const withKey = await fetch(link.url, { headers: {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': K.base64,
      'x-amz-server-side-encryption-customer-key-MD5': md5b64(K.raw),
    } });
    assert.equal(withKey.status, 200);
    assert.equal(await withKey.text(), bodies['secret.txt']);
    await assert.rejects(run('obs.copyLink', { location: loc('plain.txt'), expiresInSeconds: 604_801 }), /expiresInSeconds must be a whole number/);
  });

  test('obs.filter narrows the tree to keys containing the text (prefix* listed by the server); the bucket shows the filter; "" clears it', async () => {
    await run('obs.filter', { connection: CONN, bucket, text: '2024' });
    const b = await bucketNode();
    assert.match(String(api.tree.getTreeItem(b).description), /filter: "2024"/);
    const filtered = await api.tree.getChildren(b);
    assert.ok(filtered[0].kind === 'message' && /Filter "2024": 2 matches/.test(filtered[0].message), 'a first item says so and clears it');
    assert.deepEqual(api.tree.getTreeItem(filtered[0]).command?.arguments, [{ connection: CONN, bucket, text: '' }]);
    assert.deepEqual(keysShown(filtered).sort(), ['logs/2024/a.log', 'other/c-2024.txt']);

    await run('obs.filter', { connection: CONN, bucket, text: 'logs/*' });
    assert.deepEqual(keysShown(await api.tree.getChildren(await bucketNode())).sort(), ['logs/2024/a.log', 'logs/2025/b.log']);

    await run('obs.filter', { connection: CONN, bucket, text: '' });
    const cleared = await bucketNode();
    assert.doesNotMatch(String(api.tree.getTreeItem(cleared).description ?? ''), /filter/);
    assert.deepEqual(keysShown(await api.tree.getChildren(cleared)).sort(), ['kms.txt', 'logs/', 'other/', 'plain.txt', 'secret.txt']);
    await assert.rejects(run('obs.filter', { connection: CONN, bucket }), /text must be text/);
  });

  test('settings with bad values (edited by hand) show the problem on the connection node; the good ones keep working', async () => {
    const config = () => vscode.workspace.getConfiguration('obs');
    const original = config().get<unknown[]>('connections') ?? [];
    const bad = [
      { id: 42, endpoint: rgw.http },
      { id: 'bad-dialect', endpoint: rgw.http, dialect: 'swift' },
      { id: 'bad-addressing', endpoint: rgw.http, addressing: 'host' },
      { id: 'bad-endpoint', endpoint: 'ftp://example.com' },
    ];
    await config().update('connections', [...original, ...bad], vscode.ConfigurationTarget.Global);
    try {
      const expected: Array<[string, RegExp]> = [
        ['42', /id must be text.*found 42/],
        ['bad-dialect', /"dialect" must be one of auto, s3, obs/],
        ['bad-addressing', /"addressing" must be one of auto, path, virtual/],
        ['bad-endpoint', /must start with https:\/\//],
      ];
      for (const [id, problem] of expected) {
        const node = await connectionNode(id);
        const item = api.tree.getTreeItem(node);
        assert.match(String(item.description), problem, `${id}: description`);
        assert.match((item.tooltip as vscode.MarkdownString).value.replace(/\\/g, ''), problem, `${id}: tooltip`);
        assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
        assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.None, 'a broken connection lists nothing');
      }
      const refused = await run<ConnectionTest>('obs.testConnection', { id: 'bad-dialect' });
      assert.equal(refused.ok, false);
      assert.match(refused.error?.message ?? '', /cannot be used: "dialect" must be one of/);
      // Adding another connection keeps the entries written by hand (they are shown, not dropped).
      await run('obs.addConnection', { id: 'conn-extra', endpoint: rgw.http, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey });
      assert.equal(config().get<unknown[]>('connections')?.length, original.length + bad.length + 1);
      await run('obs.removeConnection', { id: 'conn-extra' });
      assert.ok((await api.tree.getChildren(await connectionNode(CONN))).some((n) => n.kind === 'bucket'), 'the good connection still lists');
    } finally {
      await config().update('connections', original, vscode.ConfigurationTarget.Global);
    }
  });

  test('an object above the editor limit opens a choice (obs.openObject): the tree item asks, read-only anyway opens it', async () => {
    const config = vscode.workspace.getConfiguration('obs');
    await config.update('maxEditorFileSizeMB', 1, vscode.ConfigurationTarget.Global);
    try {
      const big = scratchPath(`big-${randomBytes(4).toString('hex')}`);
      writeFileSync(big, Buffer.alloc(1536 * 1024, 'x'));
      await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'big.txt', '--body', big]);
      const node = (await api.tree.getChildren(await bucketNode())).find((n) => n.kind === 'object' && n.summary.key === 'big.txt');
      assert.ok(node);
      assert.deepEqual(api.tree.getTreeItem(node).command?.command, 'obs.openObject');
      assert.deepEqual(api.tree.getTreeItem(node).command?.arguments, [{ location: loc('big.txt') }]);
      const uri = vscode.Uri.from({ scheme: 'obs', authority: CONN, path: `/${bucket}/big.txt` });
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri)), /above the 1\.0 MiB limit/);
      const r = await run<{ opened: string }>('obs.openObject', { location: loc('big.txt'), choice: 'readOnly' });
      assert.equal(r.opened, 'readOnly');
      const doc = vscode.window.activeTextEditor?.document;
      assert.equal(doc?.uri.toString(), uri.toString());
      assert.equal(doc?.getText().length, 1536 * 1024);
      // The limit is back for every other read.
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri)), /above the 1\.0 MiB limit/);
      const small = await run<{ opened: string }>('obs.openObject', { location: loc('plain.txt') });
      assert.equal(small.opened, 'editor');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await config.update('maxEditorFileSizeMB', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('obs.openAsWorkspaceFolder adds the obs:// folder to the workspace and the Explorer can list it', async () => {
    const changed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => {
        sub.dispose();
        resolve();
      });
    });
    const r = await run<{ uri: string; added: boolean }>('obs.openAsWorkspaceFolder', { connection: CONN, bucket, prefix: 'logs' });
    assert.equal(r.added, true);
    await changed;
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === r.uri);
    assert.ok(folder, `${r.uri} is a workspace folder: ${JSON.stringify(vscode.workspace.workspaceFolders?.map((f) => f.uri.toString()))}`);
    assert.equal(folder.uri.scheme, 'obs');
    assert.equal(folder.uri.path, `/${bucket}/logs`);
    assert.match(folder.name, new RegExp(`^${bucket}/logs \\(${CONN}\\)$`));
    const entries = await vscode.workspace.fs.readDirectory(folder.uri);
    assert.deepEqual(entries.map(([n]) => n).sort(), ['2024', '2025']);
    const again = await run<{ added: boolean }>('obs.openAsWorkspaceFolder', { connection: CONN, bucket, prefix: 'logs/' });
    assert.equal(again.added, false, 'the same folder is not added twice');
    const removed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidChangeWorkspaceFolders(() => {
        sub.dispose();
        resolve();
      });
    });
    vscode.workspace.updateWorkspaceFolders(folder.index, 1);
    await removed;
  });
});
