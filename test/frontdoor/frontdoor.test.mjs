// The front door, as a new user meets it: `npm start` (scripts/start.sh, unchanged, without stdin) in its own
// demo folder, port and RGW instance; the printed address in headless Chromium; the Encrypted Buckets view, the
// sandbox connection, the demo bucket, the SSE-C demo object opened and read, then edited but not saved; Ctrl-C
// (SIGINT), and no process of the run left behind. Then `npm start` again on the same folder, in the same browser:
// the connection works with the new store's credentials, and the unsaved edit did not reach the new store.
// Also checks what `npm run package` (which start.sh runs) put in the .vsix.
//
// Run by scripts/test.sh after the build; needs the tools scripts/setup.sh installs (OBS_* from tools-paths.sh).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../rig/lib/browser.mjs';
import { listZip, pngSize } from './zip.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = path.join(ROOT, 'test-results');
const RUN_ID = randomBytes(8).toString('hex');
const MARK = `OBS_FRONTDOOR_RUN=${RUN_ID}`;
const START_TIMEOUT_MS = 10 * 60_000; // a first run installs the tools
const UI_TIMEOUT_MS = 90_000;

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'eb-frontdoor-'));

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

/** Resolves with `value` after `ms`, without keeping the process alive. */
const later = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value).unref());

/** Processes whose environment carries this run's mark (everything the start script started inherits it). */
function processesOfRun() {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      if (env.split('\0').includes(MARK) || cmd.includes(home)) {
        found.push(`${pid} ${cmd.slice(0, 160)}`);
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}


/** One `npm start`, as a child process with its output collected. */
class StartRun {
  constructor(port) {
    this.output = '';
    this.child = spawn('bash', ['scripts/start.sh'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OBS_DEMO_HOME: home, OBS_DEMO_PORT: String(port), OBS_DEMO_RGW: RGW, OBS_FRONTDOOR_RUN: RUN_ID },
    });
    const collect = (b) => { this.output += b.toString(); };
    this.child.stdout.on('data', collect);
    this.child.stderr.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal)));
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail() {
    return this.output.split('\n').slice(-25).join('\n');
  }

  async address() {
    const m = await waitFor(async () => {
      if (!this.running) {
        throw new Error(`the start script exited with ${this.child.exitCode} before printing an address:\n${this.tail()}`);
      }
      return /running at\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(this.output);
    }, START_TIMEOUT_MS, 'the address');
    return m[1];
  }

  /** Ctrl-C; resolves with the exit code (or 'still running' after a minute). */
  async interrupt() {
    if (this.running) {
      this.child.kill('SIGINT');
    }
    return Promise.race([this.exited, later(60_000, 'still running')]);
  }
}

const RGW = process.env.OBS_FRONTDOOR_RGW || 'frontdoor'; // another name lets two worktrees run this at once
const SEEDED = 'This object is encrypted with your own key (SSE-C).';
const EDIT = 'UNSAVED-EDIT-FROM-RUN-1 ';

describe('npm start (the front door)', () => {
  const runs = [];
  let port;
  let browser;
  let page;

  const shot = (name) => page?.screenshot({ path: path.join(RESULTS, `${name}.png`) }).catch(() => undefined);
  // Rows of the Buckets view only (the Keys view below it has rows such as "demo key ...").
  const bucketsView = () => page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: /^\s*Buckets/ }) });
  const row = (label) => bucketsView().locator(`.monaco-list-row[aria-label^="${label}"]`).first();
  const expand = async (label) => {
    const r = row(label);
    await r.waitFor({ timeout: UI_TIMEOUT_MS });
    if ((await r.getAttribute('aria-expanded')) !== 'true') {
      await r.click();
    }
    await bucketsView().locator(`.monaco-list-row[aria-label^="${label}"][aria-expanded="true"]`).first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
  };
  const editorText = () => page.locator('.editor-instance .monaco-editor .view-lines').first().textContent()
    .then((t) => (t ?? '').replace(/\u00a0/g, ' ')); // the editor renders spaces as no-break spaces
  const showView = async () => {
    await page.locator('.activitybar a[aria-label="Encrypted Buckets"]').click({ timeout: UI_TIMEOUT_MS });
    await expand('Local sandbox');
    await expand('demo');
    await expand('secure');
  };
  const stopAndCheck = async (run) => {
    const code = await run.interrupt();
    assert.equal(code, 130, `exit after SIGINT:\n${run.tail()}`);
    const left = await waitFor(() => processesOfRun().length === 0 || null, 10_000, 'the run\'s processes to go')
      .then(() => [], () => processesOfRun());
    assert.deepEqual(left, [], 'no process of the run is left');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'the workbench no longer answers');
  };
  /** The SSE-C demo object as the current store holds it, read by awscli with the demo key. */
  const storedDemoText = () => {
    const env = JSON.parse(fs.readFileSync(path.join(ROOT, `.state/rgw-${RGW}/env.json`), 'utf8'));
    const out = path.join(home, 'check.txt');
    execFileSync('/usr/bin/aws', ['--endpoint-url', env.RGW_HTTP_ENDPOINT, 's3api', 'get-object', '--bucket', 'demo', '--key', 'secure/ssec.txt',
      '--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${path.join(home, 'demo-key.bin')}`, out], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: env.RGW_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: env.RGW_SECRET_KEY, AWS_DEFAULT_REGION: env.RGW_REGION,
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return fs.readFileSync(out, 'utf8');
  };

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    port = await freePort();
    runs.push(new StartRun(port));
  });

  after(async () => {
    // Whatever happened above: stop the scripts (as Ctrl-C would), then anything of the run still alive.
    await browser?.close().catch(() => undefined);
    for (const run of runs) {
      await run.interrupt();
    }
    for (const line of processesOfRun()) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.writeFileSync(path.join(RESULTS, 'frontdoor-start.log'), runs.map((r) => r.output).join('\n---- next npm start ----\n'));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('prints the address and what to try', async () => {
    const address = await runs[0].address();
    assert.equal(address, `http://127.0.0.1:${port}/`);
    for (const hint of ['secure/ssec.txt', 'secure/ssec-unknown-key.txt', 'paged/', 'Ctrl-C']) {
      assert.ok(runs[0].output.includes(hint), `the closing message names ${hint}`);
    }
  });

  it('a second npm start on the same demo folder says one is running instead of colliding', async () => {
    assert.ok(runs[0].running, 'the first start is running');
    const second = spawn('bash', ['scripts/start.sh'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OBS_DEMO_HOME: home, OBS_DEMO_PORT: String(port), OBS_DEMO_RGW: RGW },
    });
    let text = '';
    second.stdout.on('data', (b) => { text += b; });
    second.stderr.on('data', (b) => { text += b; });
    const code = await new Promise((resolve) => second.once('exit', resolve));
    assert.equal(code, 1, text);
    assert.match(text, /already running .* at http:\/\/127\.0\.0\.1:\d+\//s);
  });

  it('opens the SSE-C demo object from the Encrypted Buckets view in the browser', async () => {
    browser = await launchChromium(process.env);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    try {
      await page.goto(await runs[0].address(), { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await showView();
      await row('ssec.txt').click({ timeout: UI_TIMEOUT_MS });
      await waitFor(async () => (await editorText()).includes(SEEDED), UI_TIMEOUT_MS, 'the SSE-C object\'s text in the editor');
      assert.match(await page.locator('.tabs-container .tab.active').getAttribute('aria-label') ?? '', /ssec\.txt/);
      await shot('frontdoor');
      // An edit left unsaved: the next start must not write it into the new store on its own.
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type(EDIT);
      await page.locator('.tabs-container .tab.active.dirty').waitFor({ timeout: UI_TIMEOUT_MS });
      await later(3000); // the workbench writes its hot-exit backup about a second after the last keystroke
    } catch (err) {
      await shot('frontdoor-failure');
      throw err;
    }
  });

  it('right-clicking an object in the Buckets view shows its context menu (saved as test-results/context-menu.png)', async () => {
    assert.ok(page, 'the browser from the test above is open');
    const menu = page.locator('.context-view .monaco-menu');
    try {
      await row('ssec.txt').click({ button: 'right', timeout: UI_TIMEOUT_MS });
      await menu.waitFor({ timeout: UI_TIMEOUT_MS });
      const labels = (await menu.locator('.action-label').allTextContents()).map((t) => t.trim()).filter(Boolean);
      for (const wanted of ['Open', 'Download…', 'Copy To…', 'Re-encrypt…', 'Rename…', 'Delete']) {
        assert.ok(labels.includes(wanted), `the menu offers ${wanted}: ${labels.join(' | ')}`);
      }
      // Folder and bucket entries do not show on an object.
      assert.ok(!labels.includes('Upload Files…') && !labels.includes('New Folder…'), labels.join(' | '));
      await shot('context-menu');
      console.log(`# context menu on an object: ${labels.join(' | ')}`);
    } catch (err) {
      await shot('context-menu-failure');
      throw err;
    } finally {
      await page.keyboard.press('Escape');
    }
  });

  it('packaged a .vsix with the bundle, manifest, icon, media, README, LICENSE and CHANGELOG only', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const vsix = path.join(ROOT, `encrypted-buckets-${manifest.version}.vsix`);
    const names = listZip(fs.readFileSync(vsix)).map((e) => e.name).sort();
    const mediaFiles = fs.readdirSync(path.join(ROOT, 'media'), { recursive: true })
      .filter((f) => fs.statSync(path.join(ROOT, 'media', f)).isFile())
      .map((f) => `extension/media/${f.split(path.sep).join('/')}`);
    assert.deepEqual(names, [
      '[Content_Types].xml', 'extension.vsixmanifest', 'extension/LICENSE.txt', 'extension/changelog.md',
      'extension/dist/extension.js', ...mediaFiles, 'extension/package.json', 'extension/readme.md',
    ].sort());
    assert.deepEqual(pngSize(fs.readFileSync(path.join(ROOT, manifest.icon))), { width: 128, height: 128 });
    console.log(`# vsix ${path.basename(vsix)}: ${fs.statSync(vsix).size} bytes, ${names.length} files`);
  });

  it('Ctrl-C stops everything the start script started', async () => {
    assert.ok(runs[0].running, 'the start script is running');
    await stopAndCheck(runs[0]);
  });

  it('npm start again: same browser, new store credentials work, the unsaved edit stayed unsaved', async () => {
    assert.ok(page, 'the browser from the first run is open');
    runs.push(new StartRun(port));
    try {
      await page.goto(await runs[1].address(), { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await showView(); // lists the bucket and its folders: the connection has the new store's credentials
      assert.equal(await page.locator('.part.sidebar .monaco-list-row[aria-label^="listBuckets failed"]').count(), 0);
      assert.equal(storedDemoText().startsWith(SEEDED), true, 'the new store holds the seeded text, not the unsaved edit');
      // The edit survives as a restored dirty editor (hot exit): nothing lost, nothing written.
      await waitFor(async () => (await editorText()).includes(EDIT), UI_TIMEOUT_MS, 'the restored unsaved edit');
      await page.locator('.tabs-container .tab.active.dirty').waitFor({ timeout: UI_TIMEOUT_MS });
      await shot('frontdoor-restart');
      assert.equal(storedDemoText().startsWith(SEEDED), true, 'opening the restored editor did not write either');
      // The Settings editor shows our settings under "Encrypted Buckets", not as "Obs: ...".
      await page.keyboard.press('Control+Comma');
      const toc = page.locator('.settings-editor .settings-toc-container');
      await toc.getByText('Extensions', { exact: true }).first().click({ timeout: UI_TIMEOUT_MS });
      await toc.getByText('Encrypted Buckets', { exact: true }).first().click({ timeout: UI_TIMEOUT_MS });
      const titles = page.locator('.settings-editor .settings-tree-container .setting-item-title');
      await waitFor(async () => (await titles.allTextContents()).some((t) => t.includes('Max Editor File Size')),
        UI_TIMEOUT_MS, 'the extension\'s settings page');
      const shown = (await titles.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      assert.ok(shown.some((t) => t.startsWith('Connections')), shown.join(' | '));
      assert.deepEqual(shown.filter((t) => /^Obs:/i.test(t)), [], 'settings named without the "Obs:" prefix');
      await shot('frontdoor-settings');
    } catch (err) {
      await shot('frontdoor-restart-failure');
      throw err;
    }
    await stopAndCheck(runs[1]);
  });
});
