// What a drop on the Buckets view does, from its data alone: files upload, tree items and obs: URIs copy, into the
// folder dropped on (an object's own folder), never a folder into itself.
import '../fakes/registerVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDrop } from '../../../src/vscode/tree/dragAndDrop';
import { BucketNode, FolderNode, ObjectNode } from '../../../src/vscode/tree/nodes';

const folder = new FolderNode('c', 'b', 'docs/');
const object = new ObjectNode('c', 'b', { key: 'docs/a.txt', size: 1, etag: 'e', lastModified: new Date(0) }, 'docs/');
const bucket = new BucketNode('c', 'b');

void test('files from the OS or the Explorer upload into the folder dropped on', () => {
  assert.deepEqual(planDrop(folder, undefined, 'file:///home/me/x.txt\r\n# a comment\r\nfile:///home/me/dir\r\nfile:///home/me/x.txt'), {
    command: 'obs.upload', arg: { source: ['/home/me/x.txt', '/home/me/dir'], target: { connection: 'c', bucket: 'b', key: 'docs/' } },
  });
  assert.deepEqual(planDrop(object, undefined, 'file:///tmp/y')?.arg.target, { connection: 'c', bucket: 'b', key: 'docs/' }, 'onto an object: its folder');
});

void test('tree items copy (also across connections); a folder is never copied into itself', () => {
  const other = new BucketNode('other', 'b2');
  assert.deepEqual(planDrop(other, [object, folder], undefined), {
    command: 'obs.copy',
    arg: { source: [{ connection: 'c', bucket: 'b', key: 'docs/a.txt' }, { connection: 'c', bucket: 'b', key: 'docs/' }], target: { connection: 'other', bucket: 'b2', key: '' } },
  });
  assert.equal(planDrop(folder, [folder], undefined), undefined);
  assert.equal(planDrop(new FolderNode('c', 'b', 'docs/sub/'), [bucket], undefined), undefined);
  assert.deepEqual(planDrop(bucket, undefined, 'obs://c/b/docs/a.txt')?.command, 'obs.copy');
  assert.equal(planDrop(undefined, [object], undefined), undefined, 'dropped on no bucket or folder');
});
