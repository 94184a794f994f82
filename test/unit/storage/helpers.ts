// Shared helpers for the storage unit tests.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root, found from the compiled test location (out/test/unit/storage) or the source location. */
export function repoRoot(): string {
  let dir = __dirname;
  while (dir !== path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src', 'storage'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error('repository root not found');
}

/** `../shared/vectors` beside the checkout, or undefined when it is absent. */
export function vectorsDir(): string | undefined {
  const dir = path.resolve(repoRoot(), '..', 'shared', 'vectors');
  return fs.existsSync(dir) ? dir : undefined;
}
