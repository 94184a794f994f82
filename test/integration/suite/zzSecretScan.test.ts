// The secret scan, last suite of the run (files load in sorted order). It drives every contributed command with an
// argument object (and the failure paths: a wrong secret, a session token the server refuses, a wrong SSE-C key, an
// unreachable endpoint), then searches for every access secret, session token and SSE-C key it knows, in every
// encoding (raw, base64, base64url, hex, URL-encoded), in: every log line of the whole run at trace level, every
// error the commands threw (message, stack, inspect, JSON, cause chain), the settings, the global state and global
// storage on disk, and the exported test API.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { activateApi as activated, EXT_ID } from '../support/extension';
import { after, before, suite, test } from '../harness';
import { awsOk, rgw, uniqueBucket } from '../support/rgw';

const CONN = 'scan';

interface Secret { name: string; forms: Buffer[] }

function stringSecret(name: string, s: string): Secret {
  const b = Buffer.from(s, 'utf8');
  return { name, forms: [b, Buffer.from(b.toString('base64')), Buffer.from(b.toString('hex')), Buffer.from(encodeURIComponent(s))] };
}

function keySecret(name: string, raw: Buffer): Secret {
  const b64 = raw.toString('base64');
  return {
    name,
    forms: [raw, Buffer.from(b64), Buffer.from(raw.toString('base64url')), Buffer.from(raw.toString('hex')),
      Buffer.from(raw.toString('hex').toUpperCase()), Buffer.from(encodeURIComponent(b64)), Buffer.from(raw.toString('latin1'), 'utf8')],
  };
}

/** Where (and in which form) a secret occurs in `hay`; empty when it does not. */
function occurrences(secrets: Secret[], hay: Buffer, where: string): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    s.forms.forEach((f, i) => {
      if (f.length >= 16 && hay.indexOf(f) >= 0) {
        found.push(`${s.name} (form ${i}) in ${where}`);
      }
    });
  }
  return found;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      filesUnder(p, out);
    } else if (st?.isFile() && st.size < 64 * 1024 * 1024) {
      out.push(p);
    }
  }
  return out;
}

suite('secret scan', () => {
  let api: ExtensionApi;
  const bucket = uniqueBucket('scan');
  const key = randomBytes(32);
  const wrongKey = randomBytes(32);
  const sessionToken = `FwoGZXIvYXdzE${randomBytes(24).toString('hex')}`;
  const wrongSecret = `wrong${randomBytes(16).toString('hex')}`;
  const errors: unknown[] = [];
  const local = join(mkdtempSync(join(tmpdir(), 'scan-up-')), 'local.txt');
  writeFileSync(local, 'uploaded by the secret scan');
  const run = <T>(id: string, arg?: object) => Promise.resolve(vscode.commands.executeCommand<T>(id, ...(arg ? [arg] : [])));
  /** Runs a command expected to fail and keeps its error for the scan. */
  const failing = async (id: string, arg: object): Promise<void> => {
    try {
      await run(id, arg);
    } catch (e) {
      errors.push(e);
      return;
    }
    assert.fail(`${id} ${JSON.stringify(arg)} was expected to fail`);
  };
  const fp = (k: Buffer) => createHash('md5').update(k).digest('base64');
  /** Answers the extension's modal questions as a person would, while `fn` runs. */
  const answering = async <T>(answer: string, fn: () => Promise<T>): Promise<T> => {
    const original = vscode.window.showWarningMessage;
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = async () => answer;
    try {
      return await fn();
    } finally {
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = original;
    }
  };

  before(async () => {
    api = await activated();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
  });

  after(async () => {
    for (const id of [CONN, 'scan-wrong', 'scan-token', 'scan-down']) {
      await run('obs.removeConnection', { id }).catch(() => undefined);
    }
  });

  /** What each contributed command is driven with here; every command of package.json needs an entry. */
  const drive: Record<string, () => Promise<void>> = {
    'obs.addConnection': async () => {
      const common = { endpoint: rgw.http, region: rgw.region, allowInsecureSse: true };
      await run('obs.addConnection', { ...common, id: CONN, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey });
      await run('obs.addConnection', { ...common, id: 'scan-wrong', accessKeyId: rgw.accessKey, secretAccessKey: wrongSecret });
      await run('obs.addConnection', { ...common, id: 'scan-token', accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, sessionToken });
      await run('obs.addConnection', { ...common, id: 'scan-down', endpoint: 'http://127.0.0.1:9', accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey });
    },
    'obs.importKey': async () => {
      await run('obs.importKey', { label: 'scan key', key: key.toString('base64') });
      await run('obs.importKey', { label: 'scan wrong key', key: wrongKey.toString('hex') });
      await failing('obs.importKey', { label: 'bad', key: `${key.toString('base64')}x` });
    },
    'obs.generateKey': async () => {
      await run('obs.generateKey', { label: 'scan generated' });
    },
    'obs.listKeys': async () => {
      const keys = await run<Array<{ fingerprint: string }>>('obs.listKeys', {});
      assert.ok(keys.some((k) => k.fingerprint === fp(key)));
    },
    'obs.renameKey': async () => {
      await run('obs.renameKey', { fingerprint: fp(key), label: 'scan key (renamed)' });
    },
    'obs.exportKey': async () => {
      assert.deepEqual(await answering('Copy to Clipboard', () => run('obs.exportKey', { fingerprint: fp(wrongKey) })), { copied: true });
    },
    'obs.addRule': async () => {
      await run('obs.addRule', { connection: CONN, bucket, prefix: 'ruled/', encryption: { type: 'sse-c', keyFingerprint: fp(key) } });
    },
    'obs.whichKey': async () => {
      const uri = vscode.Uri.parse(`obs://${CONN}/${bucket}/ruled/a.txt`);
      await vscode.workspace.fs.writeFile(uri, Buffer.from('secret scan'));
      await run('obs.whichKey', { location: uri.toString() });
      // Only the wrong key can open nothing: the object is refused with words, not key bytes.
      await run('obs.removeKey', { fingerprint: fp(key), force: true });
      const refused = await Promise.resolve(vscode.workspace.fs.readFile(uri)).then(() => undefined, (e: unknown) => e);
      assert.ok(refused instanceof vscode.FileSystemError, `the read without the right key was refused: ${String(refused)}`);
      errors.push(refused);
      await run('obs.importKey', { label: 'scan key', key: key.toString('base64') });
    },
    'obs.copy': async () => {
      await run('obs.copy', { source: { connection: CONN, bucket, key: 'ruled/a.txt' }, target: { connection: CONN, bucket, key: 'copied/a.txt' }, encryption: { type: 'sse-c', keyFingerprint: fp(wrongKey) } });
      await failing('obs.copy', { source: { connection: 'scan-wrong', bucket, key: 'ruled/a.txt' }, target: { connection: CONN, bucket, key: 'x/' } });
    },
    'obs.reencrypt': async () => {
      await run('obs.reencrypt', { target: { connection: CONN, bucket, key: 'copied/' }, encryption: { type: 'sse-c', keyFingerprint: fp(key) } });
    },
    'obs.resumeJob': async () => {
      await failing('obs.resumeJob', { jobId: 'no-such-job' });
    },
    'obs.cancelJob': async () => {
      await run('obs.cancelJob', { jobId: 'no-such-job' }).catch((e: unknown) => errors.push(e));
    },
    'obs.showJobs': async () => {
      const shown = run('obs.showJobs');
      await new Promise((r) => setTimeout(r, 500));
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await shown;
    },
    'obs.copyItems': async () => {
      await run('obs.copyItems', { source: { connection: CONN, bucket, key: 'copied/a.txt' } });
    },
    'obs.pasteItems': async () => {
      await run('obs.pasteItems', { source: { connection: CONN, bucket, key: 'copied/a.txt' }, target: { connection: CONN, bucket, key: 'pasted/' } });
    },
    'obs.refresh': async () => {
      await run('obs.refresh', {});
    },
    'obs.cleanUpUploads': async () => {
      await run('obs.cleanUpUploads', { connection: CONN, bucket });
      await failing('obs.cleanUpUploads', { connection: 'scan-wrong', bucket });
      // RGW without STS ignores a session token: the request goes through, the token still travels in its headers.
      await run('obs.cleanUpUploads', { connection: 'scan-token', bucket });
      await failing('obs.cleanUpUploads', { connection: 'scan-down', bucket });
    },
    'obs.editConnection': async () => {
      await run('obs.editConnection', { id: 'scan-wrong', label: 'scan (wrong secret)' });
    },
    'obs.testConnection': async () => {
      const bad = await run<{ ok: boolean; error?: unknown }>('obs.testConnection', { id: 'scan-wrong' });
      assert.equal(bad.ok, false);
      errors.push(bad.error);
      assert.equal((await run<{ ok: boolean }>('obs.testConnection', { id: 'scan-token' })).ok, true);
    },
    'obs.upload': async () => {
      await run('obs.upload', { source: local, target: { connection: CONN, bucket, key: 'up/' }, encryption: { type: 'sse-c', keyFingerprint: fp(key) } });
    },
    'obs.uploadFolder': async () => {
      await run('obs.uploadFolder', { source: dirname(local), target: { connection: CONN, bucket, key: 'upfolder/' }, encryption: { type: 'sse-c', keyFingerprint: fp(key) } });
    },
    'obs.download': async () => {
      await run('obs.download', { source: { connection: CONN, bucket, key: 'up/' }, target: mkdtempSync(join(tmpdir(), 'scan-dl-')) });
    },
    'obs.createFolder': async () => {
      await run('obs.createFolder', { location: { connection: CONN, bucket, key: 'made/' } });
    },
    'obs.rename': async () => {
      await run('obs.rename', { source: { connection: CONN, bucket, key: 'copied/a.txt' }, target: { connection: CONN, bucket, key: 'renamed/a.txt' } });
    },
    'obs.open': async () => {
      await run('obs.open', { location: { connection: CONN, bucket, key: 'renamed/a.txt' } });
    },
    'obs.openObject': async () => {
      await run('obs.openObject', { location: { connection: CONN, bucket, key: 'ruled/a.txt' } });
    },
    'obs.showProperties': async () => {
      await run('obs.showProperties', { location: { connection: CONN, bucket, key: 'ruled/a.txt' } });
    },
    'obs.copyLink': async () => {
      await run('obs.copyLink', { location: { connection: CONN, bucket, key: 'ruled/a.txt' }, expiresInSeconds: 60 });
    },
    'obs.filter': async () => {
      await run('obs.filter', { connection: CONN, bucket, text: 'a.txt' });
      await run('obs.filter', { connection: CONN, bucket, text: '' });
    },
    'obs.openAsWorkspaceFolder': async () => {
      await run('obs.openAsWorkspaceFolder', { connection: CONN, bucket, prefix: 'up/' });
    },
    'obs.delete': async () => {
      await run('obs.delete', { target: { connection: CONN, bucket, key: 'upfolder/' }, recursive: true });
      // With a wrong secret nothing is deleted: the report names the failure (or the command fails as a whole).
      const bad = await run<{ done: number; failed: number; items: Array<{ error?: string }> }>('obs.delete', { target: { connection: 'scan-wrong', bucket, key: 'up/' }, recursive: true })
        .catch((e: unknown) => {
          errors.push(e);
          return undefined;
        });
      if (bad) {
        assert.equal(bad.done, 0);
        assert.ok(bad.failed > 0, JSON.stringify(bad));
        errors.push(...bad.items.map((i) => i.error));
      }
    },
    'obs.removeRule': async () => {
      await run('obs.removeRule', { connection: CONN, bucket, prefix: 'ruled/' });
    },
    'obs.removeKey': async () => {
      const generated = (await run<Array<{ fingerprint: string; label: string }>>('obs.listKeys', {})).find((k) => k.label === 'scan generated');
      assert.ok(generated);
      await run('obs.removeKey', { fingerprint: generated.fingerprint, force: true });
    },
    'obs.loadMore': async () => {
      await failing('obs.loadMore', {});
    },
    'obs.removeConnection': async () => {
      await run('obs.removeConnection', { id: 'scan-down' });
    },
  };

  test('every contributed command is driven with an argument object, failure paths included', async () => {
    const contributed = (vscode.extensions.getExtension(EXT_ID)?.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands.map((c) => c.command);
    const missing = contributed.filter((c) => !(c in drive));
    assert.deepEqual(missing, [], 'commands the secret scan does not drive');
    // Connections and keys first, removals last.
    const order = ['obs.addConnection', 'obs.importKey', 'obs.generateKey', 'obs.addRule', 'obs.whichKey', 'obs.copy'];
    const last = ['obs.delete', 'obs.removeRule', 'obs.removeKey', 'obs.removeConnection'];
    for (const id of [...order, ...contributed.filter((c) => !order.includes(c) && !last.includes(c)), ...last]) {
      await drive[id]();
    }
    // The failing connections fail the way a user is told, in words.
    const texts = errors.map((e) => String((e as Error)?.message ?? e));
    assert.ok(texts.some((t) => /secret|signature|credentials/i.test(t)), `a wrong secret is reported as such: ${texts.join(' | ')}`);
    assert.ok(texts.some((t) => /reach|connect|refused|unavailable/i.test(t)), `an unreachable endpoint is reported as such: ${texts.join(' | ')}`);
  });

  test('no secret in any log line, error, setting, global state, global storage or the exported API', async () => {
    // Every key still stored (other suites' too) is a secret to look for; its bytes come from obs.exportKey.
    const secrets: Secret[] = [
      stringSecret('access secret', rgw.secretKey), stringSecret('other access secret', rgw.otherSecretKey),
      stringSecret('wrong access secret', wrongSecret), stringSecret('session token', sessionToken),
      keySecret('SSE-C key', key), keySecret('wrong SSE-C key', wrongKey),
    ];
    for (const k of await run<Array<{ fingerprint: string; label: string }>>('obs.listKeys', {})) {
      if ((await answering('Copy to Clipboard', () => run<{ copied: boolean }>('obs.exportKey', { fingerprint: k.fingerprint }))).copied) {
        secrets.push(keySecret(`stored key ${k.label}`, Buffer.from(await vscode.env.clipboard.readText(), 'base64')));
      }
    }
    await vscode.env.clipboard.writeText('');
    const found: string[] = [];
    let scanned = 0;
    const lines = api.allLogLines();
    assert.ok(lines.length > 20, `the whole run's log was recorded (${lines.length} lines)`);
    assert.ok(lines.some((l) => /\b(GET|PUT|HEAD) \S+ \w+ \d{3} /.test(l)), 'trace-level request lines are in it');
    found.push(...occurrences(secrets, Buffer.from(lines.join('\n'), 'utf8'), 'the log'));
    for (const e of errors) {
      const views = [String((e as Error)?.message), String((e as Error)?.stack), inspect(e, { depth: 8, showHidden: true }), JSON.stringify(e) ?? ''];
      found.push(...occurrences(secrets, Buffer.from(views.join('\n'), 'utf8'), `error "${String((e as Error)?.message).slice(0, 60)}"`));
    }
    found.push(...occurrences(secrets, Buffer.from(JSON.stringify(vscode.workspace.getConfiguration('obs')), 'utf8'), 'settings'));
    // The profile folder: settings.json, globalState (state.vscdb), every extension's global storage, logs.
    const userDir = dirname(dirname(api.storagePath));
    const userData = dirname(userDir);
    for (const f of [...filesUnder(userDir), ...filesUnder(join(userData, 'logs'))]) {
      scanned++;
      found.push(...occurrences(secrets, readFileSync(f), f.slice(userData.length)));
    }
    found.push(...occurrences(secrets, Buffer.from(inspect(api, { depth: 12, showHidden: true, maxArrayLength: 1000, maxStringLength: 1_000_000 }), 'utf8'), 'the exported API'));
    assert.ok(scanned > 5, `profile files scanned: ${scanned}`);
    assert.ok(errors.length >= 6, `errors collected: ${errors.length}`);
    assert.deepEqual(found, [], 'secret occurrences');
  });
});
