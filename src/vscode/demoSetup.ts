// `npm start` provisions the sandbox connection and demo key through a file named by OBS_DEMO_SETUP_FILE.
// The variable is set only by the project's start script, for a local test server; the file is read once
// and its secrets go straight to SecretStorage.
//
// Every start brings the connection and the keys up to date, not only the first: the sandbox store gets new
// credentials on each start, and a connection kept from an earlier run would be refused (SignatureDoesNotMatch).
// `obs.addConnection` with `replace: true` replaces an existing id and drops its open session.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { Log } from './log';

interface DemoSetup {
  connection?: { id: string };
  keys?: Array<{ label: string; key: string }>;
}

export async function applyDemoSetup(log: Log): Promise<void> {
  const file = process.env.OBS_DEMO_SETUP_FILE;
  if (!file) {
    return;
  }
  try {
    const setup = JSON.parse(await readFile(file, 'utf8')) as DemoSetup;
    for (const k of setup.keys ?? []) {
      await vscode.commands.executeCommand('obs.importKey', k);
    }
    if (setup.connection) {
      await vscode.commands.executeCommand('obs.addConnection', { ...setup.connection, replace: true });
    }
    log.info('demo', `sandbox connection ready (${setup.connection?.id ?? 'none'})`);
  } catch (err) {
    log.error('demo', `could not apply the demo setup: ${(err as Error).message}`);
  }
}
