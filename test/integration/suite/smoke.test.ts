// Checks the test rig itself: a real extension host with the full API, a writable workspace folder on disk,
// and screenshots of the workbench. Runs with the real extension and with the fixture in test/rig/fixture.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { screenshot, suite, test } from '../harness';

const FIXTURE_ID = 'obs-rig.rig-fixture';
const underLauncher = process.env.OBS_TEST_SCREENSHOT_URL !== undefined;

suite('rig smoke', () => {
  test('the extension host runs the expected flavour of VS Code', () => {
    // The launcher runs the web workbench (code-server); OBS_TEST_DESKTOP=1 runs desktop VS Code.
    assert.equal(vscode.env.uiKind, underLauncher ? vscode.UIKind.Web : vscode.UIKind.Desktop);
    assert.ok(typeof process.versions.node === 'string', 'a Node extension host, not a web worker');
  });

  test('workspace.fs writes and reads a file in the workspace folder, and it lands on disk', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const uri = vscode.Uri.joinPath(folder.uri, 'rig-smoke.txt');
    const bytes = new TextEncoder().encode(`written at ${new Date().toISOString()}\n`);
    await vscode.workspace.fs.writeFile(uri, bytes);
    assert.deepEqual(new Uint8Array(await vscode.workspace.fs.readFile(uri)), bytes);
    // The extension host shares the disk with the test process: the same bytes through plain node:fs.
    assert.deepEqual(new Uint8Array(fs.readFileSync(uri.fsPath)), bytes);
  });

  const fixture = vscode.extensions.getExtension(FIXTURE_ID);
  (fixture ? test : test.skip)('the fixture extension activates and its command answers', async () => {
    assert.equal(await vscode.commands.executeCommand('obsRigFixture.hello', 'rig'), 'hello, rig');
    assert.equal(fixture?.isActive, true);
  });

  test('a screenshot shows the workbench with an open editor', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'rig-smoke.txt'));
    await vscode.window.showTextDocument(doc);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the editor paint
    const file = await screenshot('rig-smoke');
    if (underLauncher) {
      assert.ok(file, 'the launcher answered with a path');
      const png = fs.readFileSync(file);
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')], 'a PNG file');
      assert.ok(png.length > 10_000, `a real picture, not an empty one (${png.length} bytes)`);
    }
  });
});
