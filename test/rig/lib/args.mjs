// Reads the Electron-style command line that @vscode/test-electron's runTests() passes to "VS Code".
// Only what the web workbench can use is kept; every other flag (--no-sandbox, --disable-updates, ...) is ignored.
import path from 'node:path';

const VALUE_FLAGS = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir']);

/**
 * @param {string[]} argv
 * @returns {{ extensionDevelopmentPaths: string[], extensionTestsPath?: string, userDataDir?: string,
 *             extensionsDir?: string, folder?: string, ignored: string[] }}
 */
export function parseArgs(argv) {
  const out = { extensionDevelopmentPaths: [], ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      // As with `code <folder>`: the first bare argument is the folder to open.
      if (out.folder === undefined) {
        out.folder = path.resolve(arg);
      } else {
        out.ignored.push(arg);
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!VALUE_FLAGS.has(name)) {
      out.ignored.push(arg);
      continue;
    }
    let value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') {
      throw new Error(`--${name} needs a value`);
    }
    value = path.resolve(value);
    switch (name) {
      case 'extensionDevelopmentPath': out.extensionDevelopmentPaths.push(value); break;
      case 'extensionTestsPath': out.extensionTestsPath = value; break;
      case 'user-data-dir': out.userDataDir = value; break;
      case 'extensions-dir': out.extensionsDir = value; break;
    }
  }
  return out;
}
