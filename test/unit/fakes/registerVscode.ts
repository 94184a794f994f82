// Side-effect import: makes `require('vscode')` resolve to the fake for the rest of the test process.
import Module from 'node:module';

const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === 'vscode') {
    return require.resolve('./vscode');
  }
  return original.call(this, request, ...rest);
};
