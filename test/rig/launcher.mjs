// Runs VS Code extension tests in a real Node extension host without a desktop VS Code:
// code-server serves the workbench, headless Chromium opens it with the test paths in the URL payload,
// and the extension host's exit code (reported through codeAutomationExit) becomes ours.
// Started by ./launcher (which picks the private Node 24); flags as @vscode/test-electron passes them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parseArgs } from './lib/args.mjs';
import { launchChromium } from './lib/browser.mjs';
import { createForwarder, createRepeatFilter, ROUTINE, verbose } from './lib/output.mjs';
import { startScreenshotServer } from './lib/screenshots.mjs';
import { startServer } from './lib/server.mjs';

const EXIT_TIMEOUT = 124;
const env = process.env;
const repoRoot = env.OBS_REPO_ROOT ?? path.resolve(import.meta.dirname, '../..');
const resultsDir = path.resolve(env.OBS_TEST_RESULTS_DIR ?? path.join(repoRoot, 'test-results'));
const timeoutMs = Number(env.OBS_TEST_TIMEOUT_MS ?? 10 * 60_000);
const startedAt = Date.now();

const log = (msg) => process.stderr.write(`[launcher] ${msg}\n`);

let args;
try {
  args = parseArgs(process.argv.slice(2));
  if (!args.extensionTestsPath) {
    throw new Error('--extensionTestsPath=<module> is required (this launcher only runs tests)');
  }
  if (args.extensionDevelopmentPaths.length === 0) {
    throw new Error('--extensionDevelopmentPath=<dir> is required');
  }
  for (const p of [...args.extensionDevelopmentPaths, args.extensionTestsPath]) {
    if (!fs.existsSync(p) && !fs.existsSync(`${p}.js`)) {
      throw new Error(`not found: ${p}`);
    }
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`OBS_TEST_TIMEOUT_MS must be a positive number of milliseconds, not ${env.OBS_TEST_TIMEOUT_MS}`);
  }
} catch (err) {
  log(`error: ${err.message}`);
  process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-rig-'));
// A `.code-workspace` file opens as a (multi-root) workspace: extensions can then add folders to it, which VS Code
// refuses in tests for a single-folder window ("Entering a new workspace is not possible in tests").
const workspaceFile = args.folder?.endsWith('.code-workspace') ? args.folder : undefined;
const folder = workspaceFile
  ? path.resolve(path.dirname(workspaceFile), JSON.parse(fs.readFileSync(workspaceFile, 'utf8')).folders[0].path)
  : args.folder ?? path.join(tmp, 'workspace');
fs.mkdirSync(folder, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */ let server;
/** @type {import('playwright-core').Browser | undefined} */ let browser;
/** @type {import('playwright-core').Page | undefined} */ let page;
/** @type {Awaited<ReturnType<typeof startScreenshotServer>> | undefined} */ let shots;
/** @type {NodeJS.Timeout | undefined} */ let hardTimer;
const serverOut = createForwarder({ prefix: '[server]', routine: ROUTINE.server });
const isRepeat = createRepeatFilter();
const browserOut = createForwarder({ prefix: '[browser]', routine: ROUTINE.browser, isRepeat });
const workbenchOut = createForwarder({ prefix: '[workbench]', routine: ROUTINE.workbench, isRepeat });
// The extension host's console.log reaches us as the workbench's info-level log: that is the test report.
const testOut = createForwarder({ stream: process.stdout, routine: ROUTINE.workbench, budget: Infinity });

let finishing = false;
async function finish(code, why) {
  if (finishing) {
    return;
  }
  finishing = true;
  clearTimeout(hardTimer);
  if (why) {
    log(why);
  }
  // What the server says while it is being stopped (connection resets and the like) is not news.
  serverOut.mute();
  await withTimeout(browser?.close(), 10_000).catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await shots?.close().catch(() => undefined);
  for (const out of [browserOut, workbenchOut, testOut]) {
    out.flush();
  }
  if (env.OBS_TEST_KEEP_TMP === '1') {
    log(`kept ${tmp}`);
  } else {
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
  log(`exit ${code} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  process.exit(code);
}

// Whatever happens, nothing we started outlives us.
process.on('exit', () => server?.killNow());
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => void finish(code, `${signal}: stopping`));
}
// A parent that died leaves our output pipes broken: keep cleaning up rather than crash on EPIPE.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
// Killed parents cannot pass on a signal: notice being orphaned and stop too.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) {
    void finish(1, 'the process that started the launcher is gone: stopping');
  }
}, 2000).unref();
process.on('unhandledRejection', (err) => void finish(1, `internal error: ${err?.stack ?? err}`));

hardTimer = setTimeout(async () => {
  log(`no result after ${timeoutMs} ms (OBS_TEST_TIMEOUT_MS); a picture of the workbench goes to ${resultsDir}/timeout.png`);
  await withTimeout(shots?.take('timeout'), 15_000).catch(() => undefined);
  await finish(EXIT_TIMEOUT, 'timed out');
}, timeoutMs);

try {
  process.exitCode = await main();
} catch (err) {
  await finish(1, `error: ${err?.stack ?? err}`);
}

async function main() {
  shots = await startScreenshotServer({ resultsDir, getPage: () => page });

  server = await startServer({
    node: process.execPath,
    codeServerHome: env.OBS_CODE_SERVER_HOME,
    tmp,
    userDataDir: args.userDataDir ?? path.join(tmp, 'user-data'),
    extensionsDir: args.extensionsDir ?? path.join(tmp, 'extensions'),
    env: serverEnv(),
    forward: serverOut,
    startTimeoutMs: 60_000,
  });
  void server.exited.then(({ code, signal }) => void finish(1, `code-server stopped unexpectedly (${code ?? signal})`));

  browser = await launchChromium(env);
  browser.on('disconnected', () => void finish(1, 'the browser went away'));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();

  const result = new Promise((resolve) => {
    void page.exposeFunction('codeAutomationExit', (code, logs) => {
      saveWorkbenchLogs(logs);
      resolve(typeof code === 'number' ? code : 1);
    });
  });
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    const text = Array.isArray(message) ? message.join(' ') : String(message);
    if (level === 'info') {
      testOut.message(text);
    } else if (verbose || level === 'warn' || level === 'error') {
      workbenchOut.message(`${level}: ${text}`);
    }
  });
  page.on('console', (msg) => {
    const type = msg.type();
    if (verbose || type === 'error' || type === 'warning') {
      browserOut.message(`${type}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => browserOut.message(`page error: ${err.message}`));
  page.on('crash', () => void finish(1, 'the workbench page crashed'));

  const url = workbenchUrl(server.url);
  log(`workbench ${url.origin}, folder ${folder}`);
  await page.goto(url.href, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  const code = await result;
  await finish(code, `extension host exited with ${code}`);
  return code;
}

function serverEnv() {
  const e = { ...env };
  // Variables from an enclosing VS Code would make code-server hand the request to that instance instead.
  for (const k of Object.keys(e)) {
    if (k.startsWith('VSCODE_') || k.startsWith('ELECTRON_')) {
      delete e[k];
    }
  }
  return {
    ...e,
    EXTENSIONS_GALLERY: '{}',
    // code-server keeps its own logs under $XDG_DATA_HOME/code-server; keep them out of $HOME.
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    // The extension host inherits the server's environment: this is how a test finds these.
    OBS_TEST_SCREENSHOT_URL: shots.url,
    OBS_TEST_RESULTS_DIR: resultsDir,
    OBS_TEST_WORKSPACE: folder,
  };
}

function workbenchUrl(base) {
  // The test paths live on the server's disk: the workbench reaches them as vscode-remote URIs on the same authority.
  const remote = (p) => `vscode-remote://${base.host}${p.split('/').map(encodeURIComponent).join('/')}`;
  const payload = [
    ...args.extensionDevelopmentPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
    ['extensionTestsPath', remote(args.extensionTestsPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const url = new URL('/', base);
  url.searchParams.set(workspaceFile ? 'workspace' : 'folder', workspaceFile ?? folder);
  url.searchParams.set('payload', JSON.stringify(payload));
  return url;
}

// The workbench hands over its log files with the exit code; they are the first place to look after a failure.
function saveWorkbenchLogs(logs) {
  if (!Array.isArray(logs) || logs.length === 0) {
    return;
  }
  const dir = path.join(resultsDir, 'vscode-logs');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { relativePath, contents } of logs) {
    const file = path.join(dir, path.normalize(String(relativePath)).replace(/^(\.\.(\/|$))+/, ''));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, String(contents));
  }
  log(`workbench logs: ${dir}`);
}

function withTimeout(promise, ms) {
  if (!promise) {
    return Promise.resolve(undefined);
  }
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); }),
  ]);
}
