// The extension under test, activated, and its test API (returned only in ExtensionMode.Test).
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';

export const EXT_ID = 'encrypted-buckets.encrypted-buckets';

export async function activated(): Promise<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXT_ID);
  assert.ok(ext, `${EXT_ID} is installed in the extension host`);
  const api = await ext.activate();
  assert.ok(api, 'activate() returned the test API');
  return api;
}
