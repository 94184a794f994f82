// Starts code-server (VS Code's server plus code-server's own routes) on a free loopback port.
// code-server rather than the bare server-main.js: it answers POST /mint-key, so SecretStorage — where this
// extension keeps credentials and SSE-C keys — is encrypted and kept the way a real web deployment does it
// (server-main.js answers 405 and the workbench falls back to an in-memory store).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeWorkbenchSettings } from '../../../scripts/lib/workbench-settings.mjs';

const READY = /HTTP server listening on (http:\/\/\S+?)\/?$/m;

/**
 * @param {{ node: string, codeServerHome: string, tmp: string, userDataDir: string, extensionsDir: string,
 *           env: NodeJS.ProcessEnv, forward: { chunk(text: string): void, flush(): void }, startTimeoutMs: number }} o
 */
export async function startServer(o) {
  const configFile = path.join(o.tmp, 'code-server.yaml');
  fs.writeFileSync(configFile, '# the command line below says everything; code-server only needs a valid file\nauth: none\n');
  fs.mkdirSync(o.userDataDir, { recursive: true });
  fs.mkdirSync(o.extensionsDir, { recursive: true });
  writeWorkbenchSettings(o.userDataDir);

  const args = [
    path.join(o.codeServerHome, 'out/node/entry.js'),
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--config', configFile,
    '--user-data-dir', o.userDataDir,
    '--extensions-dir', o.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // Without it the built workbench ignores extensionDevelopmentPath/extensionTestsPath and nothing runs.
    '--vscode-option', 'enable-smoke-test-driver',
    '--vscode-option', `logsPath=${path.join(o.tmp, 'logs')}`,
  ];
  // Own process group, so stop() reaches code-server's wrapper, its child and whatever they start.
  const child = spawn(o.node, args, { env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not report its address within ${o.startTimeoutMs} ms`)), o.startTimeoutMs);
    const onData = (buf) => {
      const text = buf.toString();
      o.forward.chunk(text);
      seen = (seen + text).slice(-4000);
      const m = READY.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    void exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`code-server exited early (${code ?? signal})`)); });
  }).catch((err) => {
    killGroup('SIGKILL');
    throw err;
  });

  return {
    url: new URL(url),
    exited,
    /** Synchronous last resort, for process.on('exit'). */
    killNow: () => killGroup('SIGKILL'),
    async stop(graceMs = 5000) {
      killGroup('SIGTERM');
      const timer = new Promise((resolve) => setTimeout(resolve, graceMs, 'timeout'));
      if ((await Promise.race([exited, timer])) === 'timeout') {
        killGroup('SIGKILL');
        await exited;
      }
      // The group may still hold children that outlived the wrapper (the extension host).
      killGroup('SIGKILL');
      o.forward.flush();
    },
  };
}
