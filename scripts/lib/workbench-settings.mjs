// A quiet workbench for the test rig and `npm start`: no welcome page, no release notes, no update or telemetry
// chatter, and nothing saved without the user asking (a restored dirty editor from an earlier sandbox run must
// not write into a new store on its own). Settings the user already has are kept.
// Module: writeWorkbenchSettings(userDataDir). Command line: node workbench-settings.mjs <user-data-dir>
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULTS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'files.autoSave': 'off',
};

export function writeWorkbenchSettings(userDataDir) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  let current = {};
  try {
    current = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // absent, or hand-edited into something that is not plain JSON: start from ours
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...DEFAULTS, ...current }, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) {
    console.error('usage: node workbench-settings.mjs <user-data-dir>');
    process.exit(2);
  }
  writeWorkbenchSettings(process.argv[2]);
}
