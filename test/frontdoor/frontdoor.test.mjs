// The front door, as a new user meets it: `npm start` (scripts/start.sh, unchanged, without stdin) in its own
// demo folder, port and RGW instance; the printed address in headless Chromium; the Encrypted Buckets view, the
// sandbox connection, the demo bucket, the SSE-C demo object opened and read; then Ctrl-C (SIGINT), and no
// process of the run left behind. Also checks what `npm run package` (which start.sh runs) put in the .vsix.
//
// Run by scripts/test.sh after the build; needs the tools scripts/setup.sh installs (OBS_* from tools-paths.sh).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
let start; // the start script's child process
let exited; // resolves with its exit code
let output = '';

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

const tail = () => output.split('\n').slice(-25).join('\n');

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

describe('npm start (the front door)', () => {
  let address;
  let port;

  before(async () => {
    port = await freePort();
    start = spawn('bash', ['scripts/start.sh'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        OBS_DEMO_HOME: home,
        OBS_DEMO_PORT: String(port),
        OBS_DEMO_RGW: 'frontdoor',
        OBS_FRONTDOOR_RUN: RUN_ID,
      },
    });
    const collect = (b) => { output += b.toString(); };
    start.stdout.on('data', collect);
    start.stderr.on('data', collect);
    exited = new Promise((resolve) => start.once('exit', (code, signal) => resolve(code ?? signal)));
  });

  after(async () => {
    // Whatever happened above: stop the script (as Ctrl-C would), then anything of the run still alive.
    if (start.exitCode === null && start.signalCode === null) {
      start.kill('SIGINT');
      await Promise.race([exited, later(60_000)]);
    }
    for (const line of processesOfRun()) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.writeFileSync(path.join(RESULTS, 'frontdoor-start.log'), output);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('prints the address and what to try', async () => {
    const m = await waitFor(async () => {
      if (start.exitCode !== null) {
        throw new Error(`the start script exited with ${start.exitCode} before printing an address:\n${tail()}`);
      }
      return /running at\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
    }, START_TIMEOUT_MS, 'the address');
    address = m[1];
    assert.equal(address, `http://127.0.0.1:${port}/`);
    for (const hint of ['secure/ssec.txt', 'secure/ssec-unknown-key.txt', 'paged/', 'Ctrl-C']) {
      assert.ok(output.includes(hint), `the closing message names ${hint}`);
    }
  });

  it('a second npm start on the same demo folder says one is running instead of colliding', async () => {
    assert.ok(address, 'the first start is running');
    const second = spawn('bash', ['scripts/start.sh'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OBS_DEMO_HOME: home, OBS_DEMO_PORT: String(port), OBS_DEMO_RGW: 'frontdoor' },
    });
    let text = '';
    second.stdout.on('data', (b) => { text += b; });
    second.stderr.on('data', (b) => { text += b; });
    const code = await new Promise((resolve) => second.once('exit', resolve));
    assert.equal(code, 1, text);
    assert.match(text, /already running .* at http:\/\/127\.0\.0\.1:\d+\//s);
  });

  it('opens the SSE-C demo object from the Encrypted Buckets view in the browser', async () => {
    assert.ok(address, 'the start script printed an address');
    const browser = await launchChromium(process.env);
    fs.mkdirSync(RESULTS, { recursive: true });
    let page;
    try {
      page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(address, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.locator('.activitybar a[aria-label="Encrypted Buckets"]').click({ timeout: UI_TIMEOUT_MS });
      const row = (label) => page.locator(`.part.sidebar .monaco-list-row[aria-label^="${label}"]`).first();
      const expand = async (label) => {
        const r = row(label);
        await r.waitFor({ timeout: UI_TIMEOUT_MS });
        if ((await r.getAttribute('aria-expanded')) !== 'true') {
          await r.click();
        }
        await page.locator(`.part.sidebar .monaco-list-row[aria-label^="${label}"][aria-expanded="true"]`).first()
          .waitFor({ timeout: UI_TIMEOUT_MS });
      };
      await expand('Local sandbox');
      await expand('demo');
      await expand('secure');
      await row('ssec.txt').click({ timeout: UI_TIMEOUT_MS });
      const editor = page.locator('.editor-instance .monaco-editor .view-lines');
      await page.waitForFunction(
        // The editor renders spaces as no-break spaces.
        () => document.querySelector('.editor-instance .monaco-editor .view-lines')?.textContent
          ?.replace(/\u00a0/g, ' ').includes('encrypted with your own key'),
        undefined,
        { timeout: UI_TIMEOUT_MS },
      );
      const text = (await editor.textContent()).replace(/\u00a0/g, ' ');
      assert.match(text, /This object is encrypted with your own key \(SSE-C\)\./);
      const tab = await page.locator('.tabs-container .tab.active').getAttribute('aria-label');
      assert.match(tab ?? '', /ssec\.txt/);
      await page.screenshot({ path: path.join(RESULTS, 'frontdoor.png') });
    } catch (err) {
      await page?.screenshot({ path: path.join(RESULTS, 'frontdoor-failure.png') }).catch(() => undefined);
      throw err;
    } finally {
      await browser.close();
    }
  });

  it('packaged a .vsix with the bundle, manifest, icon, media, README, LICENSE and CHANGELOG only', () => {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    const vsix = path.join(ROOT, `encrypted-buckets-${version}.vsix`);
    const entries = listZip(fs.readFileSync(vsix));
    const names = entries.map((e) => e.name).sort();
    const mediaFiles = fs.readdirSync(path.join(ROOT, 'media')).map((f) => `extension/media/${f}`);
    assert.deepEqual(names, [
      '[Content_Types].xml', 'extension.vsixmanifest', 'extension/LICENSE.txt', 'extension/changelog.md',
      'extension/dist/extension.js', ...mediaFiles, 'extension/package.json', 'extension/readme.md',
    ].sort());
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pngSize(fs.readFileSync(path.join(ROOT, manifest.icon))), { width: 128, height: 128 });
    console.log(`# vsix ${path.basename(vsix)}: ${fs.statSync(vsix).size} bytes, ${names.length} files`);
  });

  it('Ctrl-C stops everything the start script started', async () => {
    assert.ok(address, 'the start script printed an address');
    start.kill('SIGINT');
    const code = await Promise.race([exited, later(60_000, 'still running')]);
    assert.equal(code, 130, `exit after SIGINT:\n${tail()}`);
    const left = await waitFor(() => processesOfRun().length === 0 || null, 10_000, 'the run\'s processes to go')
      .then(() => [], () => processesOfRun());
    assert.deepEqual(left, [], 'no process of the run is left');
    await assert.rejects(fetch(address), 'the workbench no longer answers');
  });
});
