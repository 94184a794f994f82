// The command runner's pure parts: what counts as an argument object, and throttled progress increments.
import './fakes/registerVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { isArgumentObject, progressReporter } from '../../src/commands/runner';

void test('an argument object is a plain object; a Uri, a tree node, an array or nothing are not', () => {
  assert.equal(isArgumentObject({ id: 'x' }), true);
  assert.equal(isArgumentObject({}), true);
  assert.equal(isArgumentObject(vscode.Uri.parse('obs://c/b/k')), false);
  assert.equal(isArgumentObject({ kind: 'connection', connectionId: 'c' }), false);
  assert.equal(isArgumentObject([{ id: 'x' }]), false);
  assert.equal(isArgumentObject(undefined), false);
});

void test('progress is reported at most every 250 ms, in increments that add up to 100 at the end', () => {
  let t = 0;
  const reports: Array<{ message?: string; increment?: number }> = [];
  const report = progressReporter((v) => reports.push(v), () => t);
  const total = 100 * 1024 * 1024;
  for (let bytes = 0; bytes <= total; bytes += 1024 * 1024) {
    report({ bytes, totalBytes: total, items: 0, totalItems: 1 });
    t += 10; // 101 updates over ~1 s
  }
  report({ bytes: total, totalBytes: total, items: 1, totalItems: 1 });
  assert.ok(reports.length <= 7, `${reports.length} reports`);
  assert.equal(reports.reduce((n, r) => n + (r.increment ?? 0), 0), 100);
  assert.match(reports.at(-1)?.message ?? '', /1 of 1 · 100\.0 MiB of 100\.0 MiB/);
});
