// What the manifest promises, checked against what the activated extension really does: every contributed
// command is registered, every restricted setting is a declared one, and nothing activates on startup.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { after, before, suite, test } from '../harness';
import { activateApi } from '../support/extension';
import { awsOk, newKey, rgw, scratchPath, uniqueBucket } from '../support/rgw';

const EXT_ID = 'encrypted-buckets.encrypted-buckets';

interface Manifest {
  activationEvents?: string[];
  contributes: {
    commands: Array<{ command: string }>;
    configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
    menus?: Record<string, Array<{ command?: string; when?: string; group?: string }>>;
    keybindings?: Array<{ command: string; key: string; when?: string }>;
    views?: Record<string, Array<{ id: string }>>;
  };
  capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
}

suite('manifest', () => {
  let manifest: Manifest;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is not loaded`);
    await ext.activate();
    manifest = ext.packageJSON as Manifest;
  });

  test('every command in contributes.commands is registered after activation', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 5, `the manifest contributes commands (${contributed.length})`);
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), [], 'contributed but not registered');
  });

  test('every command a menu names is contributed', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    const named = Object.values(manifest.contributes.menus ?? {}).flat().map((m) => m.command).filter((c): c is string => !!c);
    assert.deepEqual(named.filter((c) => !contributed.has(c)), []);
  });

  test('every restrictedConfigurations entry is a declared setting', () => {
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
    const nodes = [manifest.contributes.configuration].flat();
    const declared = new Set(nodes.flatMap((n) => Object.keys(n.properties)));
    assert.ok(restricted.includes('obs.connections'), 'connections are restricted in untrusted workspaces');
    assert.deepEqual(restricted.filter((s) => !declared.has(s)), [], 'restricted but not declared');
  });

  test('activation waits for the view, the file system or a command (no onStartupFinished, no *)', () => {
    const events = manifest.activationEvents ?? [];
    assert.deepEqual(events.filter((e) => e === '*' || e === 'onStartupFinished'), []);
    assert.ok(events.includes('onView:obs.buckets') && events.includes('onFileSystem:obs'), events.join(', '));
  });
});

/** Context keys VS Code itself sets that our `when` clauses may use. */
const BUILT_IN_KEYS = new Set(['view', 'viewItem', 'resourceScheme', 'explorerResourceIsFolder', 'focusedView', 'inputFocus', 'false', 'true']);

/** The terms of a `when` clause: `key`, `key == value`, `key =~ /re/` (with `!`, `&&`, `||` and parentheses around). */
function terms(when: string): Array<{ key: string; op?: '==' | '!=' | '=~'; value?: string }> {
  const out: Array<{ key: string; op?: '==' | '!=' | '=~'; value?: string }> = [];
  const re = /([A-Za-z][\w.]*)\s*(?:(==|!=)\s*([^\s()&|]+)|(=~)\s*(\/(?:\\.|[^/])*\/[a-z]*))?/g;
  for (let m = re.exec(when); m; m = re.exec(when)) {
    // Values may be quoted: the manifest VS Code hands to the extension had resourceScheme == 'obs'.
    out.push(m[2] ? { key: m[1], op: m[2] as '==' | '!=', value: m[3].replace(/^(['"])(.*)\1$/, '$2') } : m[4] ? { key: m[1], op: '=~', value: m[5] } : { key: m[1] });
  }
  return out;
}

suite('manifest: menus and keybindings name real commands and real context values', () => {
  let manifest: Manifest;
  let api: ExtensionApi;
  const bucket = uniqueBucket('manifest');
  const key = newKey();
  const fp = createHash('md5').update(key.raw).digest('base64');
  const CONN = 'manifest';
  /** Context values the views really hand out, per view, collected from a live fixture. */
  const real = new Map<string, Set<string>>([['obs.buckets', new Set()], ['obs.keys', new Set()]]);

  before(async () => {
    api = await activateApi();
    manifest = vscode.extensions.getExtension(EXT_ID)!.packageJSON as Manifest;
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    const body = scratchPath('manifest-body.txt');
    writeFileSync(body, 'manifest\n');
    await awsOk(['s3api', 'put-object', '--bucket', bucket, '--key', 'folder/object.txt', '--body', body]);
    await vscode.commands.executeCommand('obs.importKey', { label: 'manifest key', key: key.base64 });
    await vscode.commands.executeCommand('obs.addConnection', {
      id: CONN, endpoint: rgw.http, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, allowInsecureSse: true,
    });
    await vscode.commands.executeCommand('obs.addRule', { connection: CONN, bucket, prefix: 'folder/', encryption: { type: 'sse-c', keyFingerprint: fp } });
    // Walk both views as VS Code does and keep every context value they hand out.
    const walk = async <T>(provider: vscode.TreeDataProvider<T>, into: Set<string>, node?: T, depth = 0): Promise<void> => {
      for (const child of (await provider.getChildren(node)) ?? []) {
        const item = await provider.getTreeItem(child);
        if (item.contextValue) {
          into.add(item.contextValue);
        }
        const mine = (child as { connectionId?: string }).connectionId;
        if (depth < 4 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None && (mine === undefined || mine === CONN)) {
          await walk(provider, into, child, depth + 1);
        }
      }
    };
    await walk(api.tree, real.get('obs.buckets')!);
    await walk(api.keys.view, real.get('obs.keys')!);
  });

  after(async () => {
    await vscode.commands.executeCommand('obs.removeRule', { connection: CONN, bucket, prefix: 'folder/' });
    await vscode.commands.executeCommand('obs.removeConnection', { id: CONN });
    await api.keys.remove(fp);
  });

  test('the live fixture shows every kind of node', () => {
    for (const v of ['connection', 'bucket', 'folder']) {
      assert.ok(real.get('obs.buckets')!.has(v), `${v} in ${[...real.get('obs.buckets')!].join(', ')}`);
    }
    assert.ok([...real.get('obs.buckets')!].some((v) => v.startsWith('object.')), 'an object');
    assert.ok(real.get('obs.keys')!.has('key') && real.get('obs.keys')!.has('keyUse.rule'), [...real.get('obs.keys')!].join(', '));
  });

  test('every menu entry and keybinding names a registered command and a when clause with real keys and values', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const views = new Set(Object.values(manifest.contributes.views ?? {}).flat().map((v) => v.id));
    // Context keys the extension sets itself (setContext calls in the bundle).
    const bundle = readFileSync(join(vscode.extensions.getExtension(EXT_ID)!.extensionPath, 'dist', 'extension.js'), 'utf8');
    const ours = new Set([...bundle.matchAll(/['"]setContext['"],\s*['"]([\w.]+)['"]/g)].map((m) => m[1]));
    const problems: string[] = [];
    const entries = [
      ...Object.entries(manifest.contributes.menus ?? {}).flatMap(([menu, list]) => list.map((e) => ({ where: menu, command: e.command, when: e.when }))),
      ...(manifest.contributes.keybindings ?? []).map((k) => ({ where: `keybinding ${k.key}`, command: k.command, when: k.when })),
    ];
    assert.ok(entries.length > 20, `${entries.length} entries`);
    for (const e of entries) {
      const at = `${e.where} ${e.command}`;
      if (!e.command || !registered.has(e.command)) {
        problems.push(`${at}: not a registered command`);
      }
      if (!e.when) {
        problems.push(`${at}: no when clause`);
        continue;
      }
      const viewTerm = terms(e.when).find((t) => (t.key === 'view' || t.key === 'focusedView') && t.op === '==');
      for (const t of terms(e.when)) {
        if (!BUILT_IN_KEYS.has(t.key) && !ours.has(t.key)) {
          problems.push(`${at}: context key ${t.key} is neither VS Code's nor set by the extension`);
        }
        if ((t.key === 'view' || t.key === 'focusedView') && t.value && !views.has(t.value)) {
          problems.push(`${at}: no view ${t.value}`);
        }
        if (t.key === 'resourceScheme' && t.value !== 'obs') {
          problems.push(`${at}: scheme ${t.value}`);
        }
        if (t.key === 'viewItem' && t.value) {
          const values = [...(real.get(viewTerm?.value ?? '') ?? [])];
          const matches = t.op === '=~'
            ? values.some((v) => new RegExp(t.value!.slice(1, t.value!.lastIndexOf('/')), t.value!.slice(t.value!.lastIndexOf('/') + 1)).test(v))
            : values.includes(t.value);
          if (!matches) {
            problems.push(`${at}: viewItem ${t.op} ${t.value} matches none of ${values.join(', ') || '(no view named)'}`);
          }
        }
      }
      if (e.where === 'view/item/context' && !viewTerm) {
        problems.push(`${at}: an item menu entry names no view`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
