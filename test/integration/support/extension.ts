// The activated extension's test API (exported only in ExtensionMode.Test), for the suites' `before` hooks.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';

export const EXT_ID = 'encrypted-buckets.encrypted-buckets';

export async function activateApi(): Promise<ExtensionApi> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXT_ID);
  assert.ok(ext, `extension ${EXT_ID} is not loaded`);
  const api = await ext.activate();
  assert.ok(api, 'the test API is exported in ExtensionMode.Test');
  return api;
}
