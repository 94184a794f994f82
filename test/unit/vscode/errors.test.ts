// The one error mapping: every abort is "cancelled", refusals that protect keys are "no permissions".
import '../fakes/registerVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { StorageError } from '../../../src/storage';
import { describeError, toFileSystemError } from '../../../src/vscode/errors';

const uri = vscode.Uri.parse('obs://c/b/k');

void test('a StorageError Aborted and a raw AbortError both become CancellationError, not Unavailable', () => {
  const aborted = new StorageError({ code: 'Aborted', operation: 'getObject', message: 'getObject cancelled' });
  assert.ok(toFileSystemError(aborted, uri) instanceof vscode.CancellationError);
  assert.ok(toFileSystemError(new DOMException('This operation was aborted', 'AbortError'), uri) instanceof vscode.CancellationError);
  assert.equal(describeError(aborted).kind, 'cancelled');
});

void test('a refused redirect and an unknown code map to their kinds with the message kept', () => {
  const refused = new StorageError({ code: 'RedirectRefused', operation: 'getObject', message: 'getObject refused: the server redirected to another host' });
  const mapped = toFileSystemError(refused, uri) as vscode.FileSystemError;
  assert.equal(mapped.code, 'NoPermissions');
  assert.match(mapped.message, /redirected to another host/);
  assert.equal((toFileSystemError(new Error('odd'), uri) as vscode.FileSystemError).code, 'Unavailable');
  assert.equal((toFileSystemError(new StorageError({ code: 'PreconditionFailed', operation: 'put', message: 'changed' }), uri) as vscode.FileSystemError).code, 'FileExists');
});
