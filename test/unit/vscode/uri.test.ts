import '../fakes/registerVscode';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Uri } from '../fakes/vscode';
import { fromUri, toUri } from '../../../src/vscode/uri';

const ODD_KEYS = [
  'plain.txt',
  'with space.txt',
  'a+b.txt',
  '100%.txt',
  'hash#tag.txt',
  'what?.txt',
  'amp&er=sand.txt',
  'ünïcødé/日本語/файл.txt',
  'emoji 🔐.md',
  'dir/sub/file',
  'double//slash',
  '/leading-slash',
  'trailing space ',
  '%2F-looks-encoded',
  'k'.repeat(1024),
];

describe('obs:// URIs', () => {
  for (const key of ODD_KEYS) {
    it(`round-trips the key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 10)}…(${key.length})` : key)} through toString and parse`, () => {
      const uri = toUri({ connectionId: 'local', bucket: 'bkt', key });
      const reparsed = Uri.parse(uri.toString());
      assert.deepEqual(fromUri(reparsed as never), { connectionId: 'local', bucket: 'bkt', key });
      assert.equal(reparsed.query, '');
      assert.equal(reparsed.fragment, '');
    });
  }

  it('maps the connection root and a bucket root', () => {
    assert.deepEqual(fromUri(toUri({ connectionId: 'c1', key: '' }) as never), { connectionId: 'c1', key: '' });
    assert.deepEqual(fromUri(Uri.parse('obs://c1/bkt') as never), { connectionId: 'c1', bucket: 'bkt', key: '' });
    assert.deepEqual(fromUri(Uri.parse('obs://c1/bkt/') as never), { connectionId: 'c1', bucket: 'bkt', key: '' });
  });

  it('refuses other schemes', () => {
    assert.throws(() => fromUri(Uri.parse('file:///tmp/x') as never), /obs/);
  });
});
