// Issue 10, keys and rules, through the command contract in the real extension host against the real RGW, with
// awscli as the witness: every key input form, the key ring's commands, encryption rules for new objects, and the
// answer to "which key opens this object?".
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { ObjectNode, TreeNode } from '../../../src/vscode/tree/nodes';
import { activateApi, EXT_ID } from '../support/extension';
import { after, before, screenshot, suite, test } from '../harness';
import { aws, awsOk, newKey, rgw, scratchFile, scratchPath, uniqueBucket } from '../support/rgw';


const CONN = 'keys';
const md5b64 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

type KeyFile = { raw: Buffer; file: string; base64: string };
type Head = { ServerSideEncryption?: string; SSEKMSKeyId?: string; SSECustomerKeyMD5?: string };
type Listed = { fingerprint: string; label: string; createdAt: string; usedBy: string[] };

suite('keys and rules', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('keys');
  const A = newKey(); // rule bucket/a/
  const B = newKey(); // rule bucket/a/b/
  const D = newKey(); // a second connection's default
  const sseC = (k: KeyFile) => ['--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${k.file}`];
  const run = <T>(id: string, arg?: object) => Promise.resolve(vscode.commands.executeCommand<T>(id, arg));
  const head = async (key: string, k?: KeyFile): Promise<Head> =>
    JSON.parse(await awsOk(['s3api', 'head-object', '--bucket', bucket, '--key', key, ...(k ? sseC(k) : [])])) as Head;
  const obsUri = (key: string) => vscode.Uri.from({ scheme: 'obs', authority: CONN, path: `/${bucket}/${key}` });
  const stored = new Set<string>();
  const importKey = async (label: string, k: KeyFile): Promise<string> => {
    const r = await run<{ fingerprint: string }>('obs.importKey', { label, key: k.base64 });
    stored.add(r.fingerprint);
    return r.fingerprint;
  };

  before(async () => {
    api = await activateApi();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    await run('obs.addConnection', {
      id: CONN, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey,
      allowInsecureSse: true, defaultEncryption: { type: 'kms', kmsKeyId: rgw.kms1 },
    });
  });

  after(async () => {
    await vscode.workspace.getConfiguration('obs').update('encryptionRules', undefined, vscode.ConfigurationTarget.Global);
    await run('obs.removeConnection', { id: CONN });
    for (const fp of [...stored, ...[A, B, D].map((k) => md5b64(k.raw))]) {
      await api.keys.remove(fp); // later suites start from an empty key ring
    }
  });

  test('obs.importKey: base64 padded, unpadded, with a newline, hex upper and lower, a raw 32-byte file and key files as text all give awscli\'s SSECustomerKeyMD5', async () => {
    const k = newKey();
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'forms/witness.txt', '--body', scratchFile('witness'), ...sseC(k)]);
    const witness = (await head('forms/witness.txt', k)).SSECustomerKeyMD5;
    assert.ok(witness, 'awscli reports the key MD5');
    const hex = k.raw.toString('hex');
    const forms: Array<[string, Record<string, string>]> = [
      ['base64 padded', { key: k.base64 }],
      ['base64 unpadded', { key: k.base64.replace(/=+$/, '') }],
      ['base64 with a trailing newline', { key: `${k.base64}\n` }],
      ['hex upper case', { key: hex.toUpperCase() }],
      ['hex lower case', { key: hex }],
      ['raw 32-byte file', { file: k.file }],
      ['file with base64 and a newline', { file: scratchFile(`${k.base64}\n`) }],
      ['file with hex, CRLF', { file: scratchFile(`${hex}\r\n`) }],
    ];
    for (const [form, arg] of forms) {
      const r = await run<{ fingerprint: string; label: string }>('obs.importKey', { label: `form ${form}`, ...arg });
      assert.equal(r.fingerprint, witness, form);
      assert.equal(r.label, `form ${form}`);
      assert.ok((await api.keys.list()).some((e) => e.fingerprint === witness), `${form}: stored`);
      assert.equal(await api.keys.remove(r.fingerprint), true);
    }
  });

  test('obs.importKey refuses 16- and 33-byte keys, non-key text and files, each with the reason, and stores nothing', async () => {
    const before = (await api.keys.list()).length;
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ key: randomBytes(16).toString('base64') }, /decodes to 16 bytes; .*exactly 32 bytes/],
      [{ key: randomBytes(33).toString('base64') }, /decodes to 33 bytes/],
      [{ key: randomBytes(33).toString('hex') }, /33 bytes as hex/],
      [{ key: 'not a key: {x}' }, /neither base64 nor hex/],
      [{ file: scratchFile(Buffer.concat([Buffer.from([0xff]), randomBytes(15)])) }, /holds 16 bytes.*exactly 32 bytes/],
      [{ file: scratchFile(Buffer.concat([Buffer.from([0xff]), randomBytes(32)])) }, /holds 33 bytes.*exactly 32 bytes/],
      [{ file: scratchFile('hello, this is a text file\n') }, /neither base64 nor hex/],
      [{ file: scratchPath('no-such-key-file') }, /cannot be read \(ENOENT\)/],
      [{ key: randomBytes(32).toString('base64'), file: A.file }, /not both/],
    ];
    for (const [arg, reason] of cases) {
      await assert.rejects(run('obs.importKey', { label: 'refused', ...arg }), (err: Error) => {
        assert.match(err.message, reason);
        return true;
      });
    }
    assert.equal((await api.keys.list()).length, before, 'a refused key is never stored');
  });

  test('obs.listKeys gives fingerprint, label, createdAt and usedBy (no key bytes); obs.renameKey relabels', async () => {
    const fp = await importKey('key A', A);
    const listed = await run<Listed[]>('obs.listKeys', {});
    const entry = listed.find((e) => e.fingerprint === fp);
    assert.ok(entry);
    assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'fingerprint', 'label', 'usedBy']);
    assert.equal(entry.label, 'key A');
    assert.ok(!Number.isNaN(Date.parse(entry.createdAt)));
    assert.deepEqual(entry.usedBy, []);
    const text = JSON.stringify(listed);
    assert.ok(!text.includes(A.base64) && !text.includes(A.raw.toString('hex')), 'no key bytes');
    assert.deepEqual(await run('obs.renameKey', { fingerprint: fp, label: 'rule key A' }), { fingerprint: fp, label: 'rule key A' });
    assert.equal((await run<Listed[]>('obs.listKeys', {})).find((e) => e.fingerprint === fp)?.label, 'rule key A');
    await assert.rejects(run('obs.renameKey', { fingerprint: md5b64(randomBytes(32)), label: 'x' }), /No stored key has the fingerprint/);
    await assert.rejects(run('obs.renameKey', { fingerprint: fp }), /new label is missing/);
  });

  test('obs.exportKey copies the key as base64 to the clipboard only after the modal warning says yes', async () => {
    const fp = await importKey('key A', A);
    const asked: Array<{ message: string; modal?: boolean }> = [];
    const original = vscode.window.showWarningMessage;
    let answer: string | undefined = undefined;
    // The modal is the extension's own; the test answers it as a person would.
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = async (message: string, options: { modal?: boolean }) => {
      asked.push({ message, modal: options?.modal });
      return answer;
    };
    try {
      await vscode.env.clipboard.writeText('before');
      assert.deepEqual(await run('obs.exportKey', { fingerprint: fp }), { copied: false });
      assert.equal(await vscode.env.clipboard.readText(), 'before', 'declined: the clipboard is untouched');
      answer = 'Copy to Clipboard';
      assert.deepEqual(await run('obs.exportKey', { fingerprint: fp }), { copied: true });
      assert.equal(await vscode.env.clipboard.readText(), A.base64);
    } finally {
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = original;
      await vscode.env.clipboard.writeText('');
    }
    assert.equal(asked.length, 2);
    assert.ok(asked.every((a) => a.modal === true && a.message.includes(fp.slice(0, 8))), JSON.stringify(asked));
  });

  test('obs.addRule and obs.removeRule edit obs.encryptionRules (application scope, restricted in untrusted workspaces); refusals give the reason', async () => {
    const fpA = await importKey('rule key A', A);
    const fpB = await importKey('rule key B', B);
    assert.deepEqual(await run('obs.addRule', { connection: CONN, bucket, prefix: 'a/', encryption: { type: 'sse-c', keyFingerprint: fpA } }), { id: `${CONN}/${bucket}/a/`, replaced: false });
    assert.deepEqual(await run('obs.addRule', { connection: CONN, bucket, prefix: 'a/b/', encryption: { type: 'sse-c', keyFingerprint: fpB } }), { id: `${CONN}/${bucket}/a/b/`, replaced: false });
    assert.deepEqual(await run('obs.addRule', { connection: CONN, bucket, prefix: 'k/', encryption: { type: 'kms', kmsKeyId: rgw.kms1 } }), { id: `${CONN}/${bucket}/k/`, replaced: false });
    assert.deepEqual(await run('obs.addRule', { connection: CONN, bucket, prefix: 'k/', encryption: { type: 'kms', kmsKeyId: rgw.kms2 } }), { id: `${CONN}/${bucket}/k/`, replaced: true });
    assert.deepEqual(await run('obs.addRule', { connection: CONN, bucket, prefix: 'gone/', encryption: { type: 'none' } }), { id: `${CONN}/${bucket}/gone/`, replaced: false });
    assert.deepEqual(await run('obs.removeRule', { connection: CONN, bucket, prefix: 'gone/' }), { removed: true });
    assert.deepEqual(await run('obs.removeRule', { connection: CONN, bucket, prefix: 'gone/' }), { removed: false });
    const rules = vscode.workspace.getConfiguration('obs').get<unknown[]>('encryptionRules');
    assert.deepEqual(rules, [
      { connection: CONN, bucket, prefix: 'a/', encryption: { type: 'sse-c', keyFingerprint: fpA } },
      { connection: CONN, bucket, prefix: 'a/b/', encryption: { type: 'sse-c', keyFingerprint: fpB } },
      { connection: CONN, bucket, prefix: 'k/', encryption: { type: 'kms', kmsKeyId: rgw.kms2 } },
    ]);
    const inspected = vscode.workspace.getConfiguration('obs').inspect('encryptionRules');
    assert.ok(inspected?.globalValue, 'written to user settings');
    const manifest = vscode.extensions.getExtension(EXT_ID)?.packageJSON as {
      capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
      contributes: { configuration: Array<{ properties: Record<string, { scope?: string }> }> };
    };
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('obs.encryptionRules'));
    const declared = manifest.contributes.configuration.map((n) => n.properties['obs.encryptionRules']).find((p) => p);
    assert.equal(declared?.scope, 'application');

    const refusals: Array<[object, RegExp]> = [
      [{ connection: CONN, bucket, prefix: 'x/', encryption: { type: 'sse-c', keyFingerprint: md5b64(randomBytes(32)) } }, /No stored key has the fingerprint/],
      [{ connection: 'no-such-connection', bucket, encryption: { type: 'none' } }, /no connection "no-such-connection"/],
      [{ connection: CONN, bucket, encryption: { type: 'keep' } }, /nothing to keep/],
      [{ connection: CONN, prefix: 'x/', encryption: { type: 'none' } }, /bucket/],
    ];
    for (const [arg, reason] of refusals) {
      await assert.rejects(run('obs.addRule', arg), reason);
    }
  });

  test('new files through workspace.fs get the governing rule\'s encryption (longest prefix), others the connection default', async () => {
    const cases: Array<[string, (h: Head) => boolean, KeyFile | undefined]> = [
      ['a/new.txt', (h) => h.SSECustomerKeyMD5 === md5b64(A.raw), A],
      ['a/b/new.txt', (h) => h.SSECustomerKeyMD5 === md5b64(B.raw), B],
      ['a/b/c/deeper.txt', (h) => h.SSECustomerKeyMD5 === md5b64(B.raw), B],
      ['a/bc.txt', (h) => h.SSECustomerKeyMD5 === md5b64(A.raw), A],
      ['k/new.txt', (h) => h.ServerSideEncryption === 'aws:kms' && (h.SSEKMSKeyId ?? '').endsWith(rgw.kms2), undefined],
      ['elsewhere/new.txt', (h) => h.ServerSideEncryption === 'aws:kms' && (h.SSEKMSKeyId ?? '').endsWith(rgw.kms1), undefined],
      ['a.txt', (h) => h.ServerSideEncryption === 'aws:kms' && (h.SSEKMSKeyId ?? '').endsWith(rgw.kms1), undefined],
    ];
    for (const [key, check, k] of cases) {
      await vscode.workspace.fs.writeFile(obsUri(key), Buffer.from(`new ${key}\n`));
      const h = await head(key, k);
      assert.ok(check(h), `${key}: ${JSON.stringify(h)}`);
      if (k) {
        assert.notEqual((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', key])).code, 0, `${key} needs its key`);
      }
    }
    // An existing object keeps its encryption on save, whatever the rule says.
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'a/plain-before.txt', '--body', scratchFile('plain\n')]);
    await vscode.workspace.fs.readFile(obsUri('a/plain-before.txt'));
    await vscode.workspace.fs.writeFile(obsUri('a/plain-before.txt'), Buffer.from('still plain\n'));
    const h = await head('a/plain-before.txt');
    assert.ok(!h.ServerSideEncryption && !h.SSECustomerKeyMD5, JSON.stringify(h));
  });

  test('a copy with keep into a rule\'s prefix gets the rule\'s encryption; outside any rule keep keeps', async () => {
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'src/plain.txt', '--body', scratchFile('copy me\n')]);
    const loc = (key: string) => ({ connection: CONN, bucket, key });
    const plan = await run<{ planned: number; items: Array<{ from: string; to: string }> }>('obs.copy', { source: loc('src/plain.txt'), target: loc('a/b/copied.txt'), dryRun: true });
    assert.deepEqual(plan.items.map((i) => [i.from, i.to]), [['not encrypted', `SSE-C ${md5b64(B.raw).slice(0, 8)}`]], 'the plan shows the rule\'s encryption');
    const into = await run<{ done: number; items: Array<{ to: string }> }>('obs.copy', { source: loc('src/plain.txt'), target: loc('a/b/copied.txt') });
    assert.equal(into.done, 1, JSON.stringify(into));
    assert.equal((await head('a/b/copied.txt', B)).SSECustomerKeyMD5, md5b64(B.raw));
    const out = scratchPath('copied.txt');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'a/b/copied.txt', ...sseC(B), out]);
    assert.equal(readFileSync(out, 'utf8'), 'copy me\n');
    const kept = await run<{ done: number }>('obs.copy', { source: loc('src/plain.txt'), target: loc('elsewhere/copied.txt') });
    assert.equal(kept.done, 1);
    const h = await head('elsewhere/copied.txt');
    assert.ok(!h.ServerSideEncryption && !h.SSECustomerKeyMD5, `keep outside a rule stays plain: ${JSON.stringify(h)}`);
  });

  test('obs.removeKey refuses a key a rule or a connection default uses, with the reason; force and unused keys are removed; objects untouched', async () => {
    const fpA = md5b64(A.raw);
    await assert.rejects(run('obs.removeKey', { fingerprint: fpA }), new RegExp(`used by rule ${CONN}/${bucket}/a/.*force: true`));
    const fpD = await importKey('default key D', D);
    await run('obs.addConnection', {
      id: `${CONN}-d`, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey,
      allowInsecureSse: true, defaultEncryption: { type: 'sse-c', keyFingerprint: fpD },
    });
    try {
      const listed = await run<Listed[]>('obs.listKeys', {});
      assert.deepEqual(listed.find((e) => e.fingerprint === fpD)?.usedBy, [`connection:${CONN}-d`]);
      assert.deepEqual(listed.find((e) => e.fingerprint === fpA)?.usedBy, [`${CONN}/${bucket}/a/`]);
      await assert.rejects(run('obs.removeKey', { fingerprint: fpD }), new RegExp(`the default of connection ${CONN}-d`));
      assert.ok((await api.keys.list()).some((e) => e.fingerprint === fpD), 'a refused removal removes nothing');
      assert.deepEqual(await run('obs.removeKey', { fingerprint: fpD, force: true }), { removed: true });
    } finally {
      await run('obs.removeConnection', { id: `${CONN}-d` });
    }
    assert.deepEqual(await run('obs.removeKey', { fingerprint: fpD }), { removed: false });
    // The object written under the rule's key A is still there and still opens with A (awscli).
    assert.equal((await head('a/new.txt', A)).SSECustomerKeyMD5, fpA);
  });

  test('after an unused key is removed its objects fail to open with the product\'s message and actions; awscli still reads them with that key', async () => {
    const k = newKey();
    const fp = await importKey('short-lived', k);
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'removed/obj.txt', '--body', scratchFile('kept\n'), ...sseC(k)]);
    assert.equal((await vscode.workspace.fs.readFile(obsUri('removed/obj.txt'))).byteLength, 5);
    assert.deepEqual(await run('obs.removeKey', { fingerprint: fp }), { removed: true });
    const storedKeys = (await api.keys.list()).length;
    const shown: Array<{ message: string; actions: unknown[] }> = [];
    const original = vscode.window.showErrorMessage;
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = async (message: string, ...actions: unknown[]) => {
      shown.push({ message, actions });
      return undefined;
    };
    const rec = api.recordLog();
    try {
      await assert.rejects(Promise.resolve(vscode.workspace.openTextDocument(obsUri('removed/obj.txt'))));
    } finally {
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
      rec.dispose();
    }
    const ours = shown.filter((m) => m.message.includes(`${bucket}/removed/obj.txt`));
    assert.equal(ours.length, 1, `one message, not one per read: ${JSON.stringify(shown)}`);
    assert.match(ours[0].message, new RegExp(`Cannot open ${bucket}/removed/obj\\.txt: it is encrypted with a customer key \\(SSE-C\\) and none of the ${storedKeys} stored keys? opens it`));
    assert.doesNotMatch(ours[0].message, /\b400\b|unexpected error/);
    assert.deepEqual(ours[0].actions, ['Import Key...', 'Show Log']);
    assert.ok(rec.lines.some((l) => l.startsWith('[keys] shown: Cannot open') && l.includes('[actions: Import Key..., Show Log]')), rec.lines.filter((l) => l.startsWith('[keys]')).join('\n'));
    assert.ok(!rec.lines.join('\n').includes(k.base64), 'the log holds no key bytes');
    const out = scratchPath('removed.txt');
    await awsOk(['s3api', 'get-object', '--bucket', bucket, '--key', 'removed/obj.txt', ...sseC(k), out]);
    assert.equal(readFileSync(out, 'utf8'), 'kept\n');
  });

  test('obs.whichKey and the tree are right for plain, KMS key 1, KMS key 2, SSE-C with a stored key and SSE-C with none; the tooltip names the rule', async () => {
    const fpA = await importKey('rule key A', A); // stored since the rules test; imported again when run alone
    const foreign = newKey();
    const puts: Array<[string, string[]]> = [
      ['which/plain.txt', []],
      ['which/kms1.txt', ['--server-side-encryption', 'aws:kms', '--ssekms-key-id', rgw.kms1]],
      ['which/kms2.txt', ['--server-side-encryption', 'aws:kms', '--ssekms-key-id', rgw.kms2]],
      ['which/ssec-stored.txt', sseC(A)],
      ['which/ssec-foreign.txt', sseC(foreign)],
    ];
    for (const [key, enc] of puts) {
      await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', key, '--body', scratchFile(`${key}\n`), ...enc]);
    }
    const which = (key: string) => run<Record<string, string>>('obs.whichKey', { location: { connection: CONN, bucket, key } });
    const shortA = fpA.slice(0, 8);
    const labelA = (await api.keys.list()).find((e) => e.fingerprint === fpA)?.label;
    assert.ok(labelA);
    const first = api.recordLog();
    try {
      assert.deepEqual(await which('which/plain.txt'), { encryption: 'not encrypted', opensWith: 'stored' });
    } finally {
      first.dispose();
    }
    const headLine = /^\[storage:keys\] HEAD /;
    assert.ok(first.lines.some((l) => headLine.test(l)), `obs.whichKey asks the store (HEAD): ${first.lines.join('\n')}`);
    const kms1 = await which('which/kms1.txt');
    assert.match(kms1.encryption, new RegExp(`^SSE-KMS .*${rgw.kms1}$`));
    assert.deepEqual(Object.keys(kms1).sort(), ['encryption', 'opensWith']);
    assert.match((await which('which/kms2.txt')).encryption, new RegExp(`^SSE-KMS .*${rgw.kms2}$`));
    assert.deepEqual(await which('which/ssec-stored.txt'), { encryption: `SSE-C ${labelA} (${shortA})`, fingerprint: fpA, keyLabel: labelA, opensWith: 'stored' });
    const none = await which('which/ssec-foreign.txt');
    assert.equal(none.opensWith, 'none');
    assert.match(none.encryption, /^SSE-C, key not stored/);
    assert.ok(!none.keyLabel);
    // The same through an obs:// URI string.
    assert.equal((await run<Record<string, string>>('obs.whichKey', { location: obsUri('which/plain.txt').toString() })).encryption, 'not encrypted');
    await assert.rejects(run('obs.whichKey', { location: { connection: CONN, bucket, key: 'which/' } }), /names an object|not a folder/);

    // The tree: the same labels, a distinct icon each, the key and the rule in the tooltip.
    const folder = await treeNode(['which/']);
    const nodes = await objectsWithInfo(folder);
    const item = (key: string) => {
      const n = nodes.find((o) => o.summary.key === key);
      assert.ok(n, key);
      return api.tree.getTreeItem(n);
    };
    const icon = (i: vscode.TreeItem) => (i.iconPath as vscode.ThemeIcon).id;
    const tip = (i: vscode.TreeItem) => (i.tooltip as vscode.MarkdownString).value.replace(/\\/g, '');
    assert.match(String(item('which/plain.txt').description), /· not encrypted$/);
    assert.equal(icon(item('which/plain.txt')), 'file');
    assert.match(String(item('which/kms2.txt').description), new RegExp(`SSE-KMS .*${rgw.kms2}$`));
    assert.equal(icon(item('which/kms1.txt')), 'lock');
    const stored = item('which/ssec-stored.txt');
    assert.match(String(stored.description), new RegExp(`· SSE-C ${labelA} \\(${shortA.replace(/[+/]/g, '\\$&')}\\)$`));
    assert.equal(icon(stored), 'key');
    assert.ok(tip(stored).includes(`Key: ${labelA} (fingerprint ${shortA})`), tip(stored));
    const foreignItem = item('which/ssec-foreign.txt');
    assert.match(String(foreignItem.description), /SSE-C, key not stored/);
    assert.equal(icon(foreignItem), 'workspace-untrusted');
    assert.match(tip(foreignItem), /Key: not stored; tried \d+ stored keys?/);
    assert.equal(foreignItem.contextValue, 'object.sse-c.noKey');
    assert.match(tip(foreignItem), new RegExp(`Rule for new objects here: SSE-KMS ${rgw.kms1}, by the default of connection "${CONN}"`));
    const underRule = (await objectsWithInfo(await treeNode(['a/', 'b/']))).find((o) => o.summary.key === 'a/b/new.txt');
    assert.ok(underRule);
    assert.ok(tip(api.tree.getTreeItem(underRule)).includes(`Rule for new objects here: SSE-C rule key B (${md5b64(B.raw).slice(0, 8)}), by rule "${CONN}/${bucket}/a/b/"`), tip(api.tree.getTreeItem(underRule)));
    const folderTip = tip(api.tree.getTreeItem(await treeNode(['a/'])));
    assert.ok(folderTip.includes(`New objects: SSE-C rule key A (${shortA}), by rule "${CONN}/${bucket}/a/"`), folderTip);

    // Cached per ETag: a refresh lists again but asks no object again.
    const rec = api.recordLog();
    try {
      api.tree.refresh();
      const again = (await api.tree.getChildren(folder)).filter((n): n is ObjectNode => n.kind === 'object');
      assert.ok(again.length === 5 && again.every((n) => n.info), 'every answer comes from the cache');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      rec.dispose();
    }
    const heads = rec.lines.filter((l) => headLine.test(l));
    assert.deepEqual(heads, [], 'no HEAD after a refresh');
  });

  test('the Keys view lists each key with its short fingerprint and uses; the status bar and the file decorations show encryption and key', async () => {
    const fpA = await importKey('rule key A', A);
    const labelA = (await api.keys.list()).find((e) => e.fingerprint === fpA)?.label;
    let fired = 0;
    const sub = api.keys.view.onDidChangeTreeData(() => fired++);
    const extra = newKey();
    try {
      await importKey('view key', extra);
      for (let i = 0; i < 20 && fired === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      sub.dispose();
    }
    assert.ok(fired > 0, 'the Keys view refreshes when a key is stored');
    const items = await api.keys.view.getChildren();
    const nodeA = items.find((n) => n.kind === 'key' && n.fingerprint === fpA);
    assert.ok(nodeA && nodeA.kind === 'key');
    const itemA = api.keys.view.getTreeItem(nodeA);
    assert.equal(itemA.label, labelA);
    assert.equal(itemA.description, `${fpA.slice(0, 8)} · used by 1`);
    assert.equal(itemA.contextValue, 'key');
    const uses = await api.keys.view.getChildren(nodeA);
    assert.deepEqual(uses.map((u) => api.keys.view.getTreeItem(u).label), [`${CONN}/${bucket}/a/`]);
    const unused = items.find((n) => n.kind === 'key' && n.fingerprint === md5b64(extra.raw));
    assert.ok(unused);
    assert.match(String(api.keys.view.getTreeItem(unused).description), /· unused$/);
    assert.ok(!JSON.stringify(items.map((n) => api.keys.view.getTreeItem(n))).includes(A.base64), 'no key bytes in the view');

    // Decorations: badge and tooltip per encryption (asked in the background, then cached).
    const decoration = async (key: string) => {
      for (let i = 0; i < 50; i++) {
        const d = api.keys.decoration(obsUri(key));
        if (d || i > 20) {
          return d;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    };
    const storedDeco = await decoration('which/ssec-stored.txt');
    assert.equal(storedDeco?.badge, 'C');
    assert.equal(storedDeco?.tooltip, `SSE-C ${labelA} (${fpA.slice(0, 8)})`);
    assert.equal((await decoration('which/ssec-foreign.txt'))?.badge, '!');
    assert.equal((await decoration('which/kms2.txt'))?.badge, 'K');
    assert.equal(await decoration('which/plain.txt'), undefined, 'a plain object gets no badge');

    // The status bar: the active editor's object and key; hidden for other editors.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(obsUri('which/ssec-stored.txt')));
    let shown = api.keys.statusBar();
    for (let i = 0; i < 50 && !shown?.text.includes('SSE-C'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      shown = api.keys.statusBar();
    }
    assert.equal(shown?.text, `$(key) SSE-C ${labelA} (${fpA.slice(0, 8)})`);
    assert.match(shown?.tooltip ?? '', new RegExp(`which/ssec-stored\\.txt: .*opens with the stored key "${labelA}"`));
    // A picture of the views for people: the tree with its key labels and icons, the Keys view, the status bar.
    await vscode.commands.executeCommand('workbench.view.extension.obs');
    await vscode.commands.executeCommand('obs.keys.focus');
    const stored = (await api.tree.getChildren(await treeNode(['which/']))).find((n) => n.kind === 'object' && n.summary.key === 'which/ssec-stored.txt');
    if (stored) {
      await api.treeView.reveal(stored, { expand: true, select: true, focus: false });
    }
    await new Promise((r) => setTimeout(r, 1500));
    await screenshot('keys-view');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: 'untitled, not an object' }));
    assert.equal(api.keys.statusBar(), undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a bucket\'s tooltip shows its default encryption; a write refused for the encryption a rule chose names the KMS key id and the rule', async () => {
    // This RGW refuses PutBucketEncryption (InvalidArgument), so the bucket here has no default: the tooltip says so.
    const roots = await api.tree.getChildren();
    const conn = roots.find((n) => n.kind === 'connection' && n.connectionId === CONN);
    assert.ok(conn);
    const node = (await api.tree.getChildren(conn)).find((n) => n.kind === 'bucket' && n.bucket === bucket);
    assert.ok(node);
    const rec = api.recordLog();
    let tip: string;
    try {
      const item = await api.tree.resolveTreeItem(api.tree.getTreeItem(node), node, new vscode.CancellationTokenSource().token);
      tip = (item.tooltip as vscode.MarkdownString).value;
    } finally {
      rec.dispose();
    }
    assert.ok(rec.lines.some((l) => / getBucketEncryption /.test(l)), `GetBucketEncryption was asked: ${rec.lines.join('\n')}`);
    assert.ok(tip.includes('Bucket default encryption: none'), tip);
    assert.ok(tip.includes(`New objects: SSE-KMS ${rgw.kms1}, by the default of connection "${CONN}"`), tip);

    await run('obs.addRule', { connection: CONN, bucket, prefix: 'badkms/', encryption: { type: 'kms', kmsKeyId: 'no-such-kms-key' } });
    try {
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(obsUri('badkms/new.txt'), Buffer.from('x'))), (err: Error) => {
        assert.ok(err instanceof vscode.FileSystemError, String(err));
        assert.match(err.message, new RegExp(`${bucket}/badkms/new\\.txt was not written: the KMS key id "no-such-kms-key", chosen by rule "${CONN}/${bucket}/badkms/", is unknown`));
        return true;
      });
      assert.notEqual((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'badkms/new.txt'])).code, 0, 'nothing was written');
    } finally {
      await run('obs.removeRule', { connection: CONN, bucket, prefix: 'badkms/' });
    }
  });

  /** The tree node at bucket/<folders...> under this suite's connection. */
  const treeNode = async (folders: string[]): Promise<TreeNode> => {
    const roots = await api.tree.getChildren();
    const conn = roots.find((n) => n.kind === 'connection' && n.connectionId === CONN);
    assert.ok(conn);
    let node = (await api.tree.getChildren(conn)).find((n) => n.kind === 'bucket' && n.bucket === bucket);
    let prefix = '';
    for (const f of folders) {
      prefix += f;
      assert.ok(node);
      node = (await api.tree.getChildren(node)).find((n) => n.kind === 'folder' && n.prefix === prefix);
    }
    assert.ok(node, folders.join(''));
    return node;
  };

  /** The object nodes below a node, once their encryption answers have arrived. */
  const objectsWithInfo = async (parent: TreeNode): Promise<ObjectNode[]> => {
    const nodes = (await api.tree.getChildren(parent)).filter((n): n is ObjectNode => n.kind === 'object');
    for (let i = 0; i < 100 && nodes.some((n) => !n.info); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(nodes.every((n) => n.info), 'every object got its answer');
    return nodes;
  };
});
