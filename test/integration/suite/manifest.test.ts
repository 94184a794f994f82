// What the manifest promises, checked against what the activated extension really does: every contributed
// command is registered, every restricted setting is a declared one, and nothing activates on startup.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { before, suite, test } from '../harness';

const EXT_ID = 'encrypted-buckets.encrypted-buckets';

interface Manifest {
  activationEvents?: string[];
  contributes: {
    commands: Array<{ command: string }>;
    configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
    menus?: Record<string, Array<{ command?: string }>>;
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
