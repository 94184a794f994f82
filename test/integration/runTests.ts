// Runs the integration tests in a real VS Code extension host: `node out/test/integration/runTests.js`
// (system Node 20 is fine). By default VS Code is test/rig/launcher (code-server + headless Chromium, installed by
// scripts/tools.sh). OBS_TEST_DESKTOP=1 lets @vscode/test-electron download desktop VS Code instead — that needs
// the VS Code update service, which these offline machines cannot reach, so it only works elsewhere.
// OBS_TEST_EXTENSION_PATH points at another extension folder (test/rig/fixture tests the rig itself).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const repoRoot = path.resolve(__dirname, '../../..');

async function main(): Promise<number> {
  const desktop = process.env.OBS_TEST_DESKTOP === '1';
  const extensionDevelopmentPath = path.resolve(process.env.OBS_TEST_EXTENSION_PATH ?? repoRoot);
  const extensionTestsPath = path.join(__dirname, 'index.js');

  // Fresh profile, extensions folder and workspace per run: no state leaks from one run into the next.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-it-'));
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(workspace);
  // Opened as a workspace file (one folder), so that a test can add folders (obs.openAsWorkspaceFolder): VS Code
  // refuses to turn a single-folder window into a workspace while it runs tests.
  const workspaceFile = path.join(tmp, 'obs-it.code-workspace');
  fs.writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: workspace }] }));
  const launchArgs = [
    workspaceFile,
    `--user-data-dir=${path.join(tmp, 'user-data')}`,
    `--extensions-dir=${path.join(tmp, 'extensions')}`,
    '--disable-extensions', // others than the one under test
  ];
  const extensionTestsEnv = {
    OBS_TEST_RESULTS_DIR: process.env.OBS_TEST_RESULTS_DIR ?? path.join(repoRoot, 'test-results'),
  };

  try {
    return await runTests({
      ...(desktop ? {} : { vscodeExecutablePath: path.join(repoRoot, 'test/rig/launcher') }),
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs,
      extensionTestsEnv,
    });
  } catch (err) {
    // runTests rejects with the exit code when the tests fail (TestRunFailedError).
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && code !== 0) {
      return code;
    }
    console.error(err instanceof Error ? err.message : err);
    if (desktop) {
      console.error('OBS_TEST_DESKTOP=1 downloads VS Code from update.code.visualstudio.com; without that route, leave it unset.');
    }
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
