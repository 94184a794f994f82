// Issue 13's bad-input contract at the commands: argument objects with wrong types, empty keys, bad encryption
// choices and bad locations are refused with InvalidArgument, a message naming the argument, and no request to the
// store (the extension's trace log writes one `[storage:<connection>]` line per request; none may appear). Also the
// folder semantics: writing to a key ending in '/' is FileIsADirectory, and nothing is stored.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { activateApi } from '../support/extension';
import { after, before, suite, test } from '../harness';
import { aws, awsOk, rgw, uniqueBucket } from '../support/rgw';

const CONN = 'badin';
const HEX63 = randomBytes(32).toString('hex').slice(1);

interface Case {
  name: string;
  command: string;
  arg: Record<string, unknown>;
  /** The argument as the message names it. */
  names: RegExp;
  /** Default InvalidArgument. */
  code?: string;
}

suite('bad input at the commands', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('badin');
  const loc = (key: string, b = bucket) => ({ connection: CONN, bucket: b, key });
  const good = { type: 'none' };

  const CASES: Case[] = [
    // obs.addConnection
    { name: 'addConnection: id with spaces and capitals', command: 'obs.addConnection', arg: { id: 'My Conn', endpoint: rgw.http, accessKeyId: 'a', secretAccessKey: 'b' }, names: /\bid\b/i },
    { name: 'addConnection: numeric id', command: 'obs.addConnection', arg: { id: 42, endpoint: rgw.http, accessKeyId: 'a', secretAccessKey: 'b' }, names: /\bid\b/i },
    { name: 'addConnection: unknown dialect', command: 'obs.addConnection', arg: { id: 'bad-dialect', endpoint: rgw.http, dialect: 'swift', accessKeyId: 'a', secretAccessKey: 'b' }, names: /dialect/i },
    { name: 'addConnection: unknown addressing', command: 'obs.addConnection', arg: { id: 'bad-addr', endpoint: rgw.http, addressing: 'dns', accessKeyId: 'a', secretAccessKey: 'b' }, names: /addressing/i },
    { name: 'addConnection: endpoint not a URL', command: 'obs.addConnection', arg: { id: 'bad-ep-1', endpoint: 'not a url', accessKeyId: 'a', secretAccessKey: 'b' }, names: /endpoint/i },
    { name: 'addConnection: ftp endpoint', command: 'obs.addConnection', arg: { id: 'bad-ep-2', endpoint: 'ftp://obs.example.com', accessKeyId: 'a', secretAccessKey: 'b' }, names: /endpoint/i },
    { name: 'addConnection: endpoint with credentials', command: 'obs.addConnection', arg: { id: 'bad-ep-3', endpoint: 'https://u:p@obs.example.com', accessKeyId: 'a', secretAccessKey: 'b' }, names: /endpoint/i },
    { name: 'addConnection: endpoint a number', command: 'obs.addConnection', arg: { id: 'bad-ep-4', endpoint: 443, accessKeyId: 'a', secretAccessKey: 'b' }, names: /endpoint/i },
    { name: 'addConnection: no secret access key', command: 'obs.addConnection', arg: { id: 'bad-cred', endpoint: rgw.http, accessKeyId: 'a' }, names: /secretAccessKey|secret access key/i },
    { name: 'addConnection: default encryption type unknown', command: 'obs.addConnection', arg: { id: 'bad-enc-1', endpoint: rgw.http, accessKeyId: 'a', secretAccessKey: 'b', defaultEncryption: { type: 'aes' } }, names: /defaultEncryption/ },
    { name: 'addConnection: SSE-C default without a key', command: 'obs.addConnection', arg: { id: 'bad-enc-2', endpoint: rgw.http, accessKeyId: 'a', secretAccessKey: 'b', defaultEncryption: { type: 'sse-c' } }, names: /keyFingerprint/ },
    // obs.importKey
    { name: 'importKey: 63 hex digits (a hex reason, not base64)', command: 'obs.importKey', arg: { label: 'x', key: HEX63 }, names: /hex with 63 digits/ },
    { name: 'importKey: key a number', command: 'obs.importKey', arg: { label: 'x', key: 42 }, names: /key is missing/i },
    { name: 'importKey: empty key', command: 'obs.importKey', arg: { label: 'x', key: '' }, names: /key is empty/i },
    { name: 'importKey: key and file', command: 'obs.importKey', arg: { key: 'abc', file: '/tmp/k' }, names: /either key .* or file/ },
    { name: 'importKey: missing key file', command: 'obs.importKey', arg: { file: `/tmp/no-such-key-${Date.now()}` }, names: /key file .*no-such-key.* cannot be read/ },
    { name: 'importKey: label a number', command: 'obs.importKey', arg: { label: 7, key: 'abc' }, names: /label/ },
    // obs.copy
    { name: 'copy: no source', command: 'obs.copy', arg: { target: loc('t') }, names: /source/ },
    { name: 'copy: source an http URL', command: 'obs.copy', arg: { source: 'http://example.com/a', target: loc('t') }, names: /source/ },
    { name: 'copy: source with an empty bucket', command: 'obs.copy', arg: { source: { connection: CONN, bucket: '', key: 'a' }, target: loc('t') }, names: /source/ },
    { name: 'copy: source an empty list', command: 'obs.copy', arg: { source: [], target: loc('t') }, names: /source/ },
    { name: 'copy: no target', command: 'obs.copy', arg: { source: loc('a') }, names: /target/ },
    { name: 'copy: target without bucket', command: 'obs.copy', arg: { source: loc('a'), target: `obs://${CONN}` }, names: /target/ },
    { name: 'copy: encryption type unknown', command: 'obs.copy', arg: { source: loc('a'), target: loc('t'), encryption: { type: 'aes' } }, names: /encryption/ },
    { name: 'copy: empty KMS key id', command: 'obs.copy', arg: { source: loc('a'), target: loc('t'), encryption: { type: 'kms', kmsKeyId: '' } }, names: /encryption\.kmsKeyId/ },
    { name: 'copy: SSE-C with a malformed fingerprint', command: 'obs.copy', arg: { source: loc('a'), target: loc('t'), encryption: { type: 'sse-c', keyFingerprint: 'abc' } }, names: /encryption\.keyFingerprint/ },
    { name: 'copy: overwrite a string', command: 'obs.copy', arg: { source: loc('a'), target: loc('t'), overwrite: 'yes' }, names: /overwrite/ },
    { name: 'copy: dryRun a number', command: 'obs.copy', arg: { source: loc('a'), target: loc('t'), dryRun: 1 }, names: /dryRun/ },
    { name: 'copy: jobId with a slash', command: 'obs.copy', arg: { source: loc('a'), target: loc('t'), jobId: '../x' }, names: /jobId/ },
    // obs.reencrypt
    { name: 'reencrypt: no encryption', command: 'obs.reencrypt', arg: { target: loc('a') }, names: /encryption is required/ },
    { name: 'reencrypt: keep', command: 'obs.reencrypt', arg: { target: loc('a'), encryption: { type: 'keep' } }, names: /keep/ },
    { name: 'reencrypt: no target', command: 'obs.reencrypt', arg: { encryption: good }, names: /target/ },
    { name: 'reencrypt: target not an obs URI', command: 'obs.reencrypt', arg: { target: 'file:///etc/passwd', encryption: good }, names: /target/ },
    { name: 'reencrypt: ifUnchanged a string', command: 'obs.reencrypt', arg: { target: loc('a'), encryption: good, ifUnchanged: 'no' }, names: /ifUnchanged/ },
    // others
    { name: 'whichKey: a folder location', command: 'obs.whichKey', arg: { location: loc('folder/') }, names: /location/ },
    { name: 'resumeJob: jobId a number', command: 'obs.resumeJob', arg: { jobId: 5 }, names: /jobId/ },
    { name: 'removeKey: malformed fingerprint', command: 'obs.removeKey', arg: { fingerprint: 'xyz' }, names: /fingerprint/ },
    { name: 'exportKey: malformed fingerprint', command: 'obs.exportKey', arg: { fingerprint: 12 }, names: /fingerprint/ },
  ];

  before(async () => {
    api = await activateApi();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    await vscode.commands.executeCommand('obs.addConnection', {
      id: CONN, endpoint: rgw.http, region: rgw.region, allowInsecureSse: true, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey,
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('obs.removeConnection', { id: CONN });
    await aws(['s3', 'rb', `s3://${bucket}`, '--force']);
  });

  /** What is wrong with how `run` failed: not refused, another code, the argument not named, or a request sent. */
  const problems = async (name: string, run: () => Thenable<unknown>, names: RegExp, code = 'InvalidArgument'): Promise<string[]> => {
    const out: string[] = [];
    const rec = api.recordLog();
    try {
      await run();
      out.push(`${name}: accepted`);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const message = typeof e.message === 'string' ? e.message : String(err);
      if (e.code !== code) {
        out.push(`${name}: code ${String(e.code)} (${message})`);
      } else if (!names.test(message)) {
        out.push(`${name}: the message does not name the argument (${names}): ${message}`);
      }
    } finally {
      rec.dispose();
    }
    const sent = rec.lines.filter((l) => l.startsWith('[storage:'));
    if (sent.length > 0) {
      out.push(`${name}: ${sent.length} request(s) sent: ${sent.join(' | ')}`);
    }
    return out;
  };

  test(`refuses ${CASES.length} bad argument objects, each naming the argument, with no request to the store`, async () => {
    assert.ok(CASES.length >= 30);
    const failures: string[] = [];
    for (const c of CASES) {
      failures.push(...await problems(c.name, () => vscode.commands.executeCommand(c.command, c.arg), c.names, c.code));
    }
    assert.deepEqual(failures, []);
  });

  test('the storage core refuses what the commands pass through (bucket name, over-long key), before any request', async () => {
    const whichKey = (location: object) => () => vscode.commands.executeCommand('obs.whichKey', { location });
    const failures = [
      ...await problems('whichKey on a bucket with capitals', whichKey(loc('a', 'Bad_Bucket')), /bucket/),
      ...await problems('whichKey on a key of 1025 bytes', whichKey(loc('k'.repeat(1025))), /key is 1025 bytes/),
      ...await problems('whichKey on a key with a lone surrogate', whichKey(loc('a\ud800')), /key contains a lone UTF-16 surrogate/),
    ];
    assert.deepEqual(failures, []);
  });

  test('workspace.fs.writeFile on a key ending in "/" is FileIsADirectory and stores nothing', async () => {
    const uri = vscode.Uri.from({ scheme: 'obs', authority: CONN, path: `/${bucket}/notes/` });
    const rec = api.recordLog();
    try {
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('lost data'))),
        (e: unknown) => e instanceof vscode.FileSystemError && e.code === 'FileIsADirectory');
    } finally {
      rec.dispose();
    }
    // VS Code stats the target first (a listing); no write may follow.
    assert.deepEqual(rec.lines.filter((l) => /^\[storage:[^\]]*\] (PUT|POST) /.test(l)), []);
    const listed = JSON.parse((await awsOk(['s3api', 'list-objects-v2', '--bucket', bucket])) || '{}') as { Contents?: unknown[] };
    assert.equal(listed.Contents?.length ?? 0, 0, 'nothing stored');
  });

  test('a folder marker holding data is shown in the tree as an object, named after its folder', async () => {
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'docs/']);
    const file = `/tmp/badin-${randomBytes(4).toString('hex')}`;
    await import('node:fs').then((fs) => fs.writeFileSync(file, 'marker with data'));
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'data/', '--body', file]);
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'data/inside.txt', '--body', file]);
    const roots = await api.tree.getChildren();
    const conn = roots.find((n) => (n as { connectionId?: string }).connectionId === CONN);
    assert.ok(conn, 'the connection node');
    const buckets = await api.tree.getChildren(conn);
    const b = buckets.find((n) => (n as { bucket?: string }).bucket === bucket);
    assert.ok(b, 'the bucket node');
    const top = await api.tree.getChildren(b);
    const folder = (name: string) => top.find((n) => n.kind === 'folder' && (n as { prefix: string }).prefix === name);
    const dataFolder = folder('data/');
    const docsFolder = folder('docs/');
    assert.ok(dataFolder && docsFolder);
    const inData = await api.tree.getChildren(dataFolder);
    const names = inData.filter((n) => n.kind === 'object').map((n) => (n as { name: string }).name).sort();
    assert.deepEqual(names, ['data/', 'inside.txt'], 'the marker with data is listed (named data/), next to the folder\'s object');
    const inDocs = await api.tree.getChildren(docsFolder);
    assert.equal(inDocs.filter((n) => n.kind === 'object').length, 0, 'an empty marker stays hidden');
  });
});
