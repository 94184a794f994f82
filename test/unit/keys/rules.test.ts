import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BrokenRuleError, chooseEncryption, keyUsers, matchRule, parseRule, readRules, ruleId, RuleError, type EncryptionRule, type NewObjectEncryption,
} from '../../../src/keys/rules';

const A = 'AAAAAAAAAAAAAAAAAAAAAA==';
const B = 'BBBBBBBBBBBBBBBBBBBBBB==';
const sseC = (keyFingerprint: string): NewObjectEncryption => ({ type: 'sse-c', keyFingerprint });
const rule = (prefix: string, encryption: NewObjectEncryption, connection = 'local', bucket = 'bkt'): EncryptionRule => ({ connection, bucket, prefix, encryption });
const none: NewObjectEncryption = { type: 'none' };

describe('encryption rules: matching', () => {
  it('overlapping prefixes: the longest match wins, whatever the order in the list', () => {
    const rules = [rule('a/', sseC(A)), rule('a/b/', sseC(B)), rule('k/', { type: 'kms', kmsKeyId: 'testkey-2' })];
    for (const list of [rules, [...rules].reverse()]) {
      assert.equal(matchRule(list, 'local', 'bkt', 'a/b/c/d.txt')?.prefix, 'a/b/');
      assert.equal(matchRule(list, 'local', 'bkt', 'a/bc.txt')?.prefix, 'a/');
      assert.equal(matchRule(list, 'local', 'bkt', 'a/x.txt')?.prefix, 'a/');
      assert.equal(matchRule(list, 'local', 'bkt', 'k/1')?.prefix, 'k/');
      assert.equal(matchRule(list, 'local', 'bkt', 'other.txt'), undefined);
    }
  });

  it('trailing slashes: "a/" covers what is under a/ but not the object "a"; "a" is a plain string prefix', () => {
    const folder = [rule('a/', sseC(A))];
    assert.equal(matchRule(folder, 'local', 'bkt', 'a'), undefined);
    assert.equal(matchRule(folder, 'local', 'bkt', 'ab/x'), undefined);
    assert.equal(matchRule(folder, 'local', 'bkt', 'a/')?.prefix, 'a/');
    const bare = [rule('a', sseC(A))];
    for (const key of ['a', 'a/x', 'ab', 'abc/d']) {
      assert.equal(matchRule(bare, 'local', 'bkt', key)?.prefix, 'a', key);
    }
    assert.equal(matchRule(bare, 'local', 'bkt', 'b/a'), undefined);
    // Both at once: the longer one wins for keys under a/.
    assert.equal(matchRule([rule('a', sseC(A)), rule('a/', sseC(B))], 'local', 'bkt', 'a/x')?.prefix, 'a/');
    assert.equal(matchRule([rule('a', sseC(A)), rule('a/', sseC(B))], 'local', 'bkt', 'ab')?.prefix, 'a');
    // A key that starts with a slash is its own key: "/a/" is not "a/".
    assert.equal(matchRule(folder, 'local', 'bkt', '/a/x'), undefined);
  });

  it('unicode prefixes match exactly, code unit by code unit, as the server compares keys', () => {
    const rules = [rule('日本/', sseC(A)), rule('café/', sseC(B)), rule('😀/', none)];
    assert.equal(matchRule(rules, 'local', 'bkt', '日本/文書.txt')?.prefix, '日本/');
    assert.equal(matchRule(rules, 'local', 'bkt', '日本語/x'), undefined);
    assert.equal(matchRule(rules, 'local', 'bkt', 'café/menu.txt'.normalize('NFC'))?.prefix, 'café/');
    // The same word in NFD is another key on the server: no match, no surprise.
    assert.equal(matchRule(rules, 'local', 'bkt', 'café/menu.txt'.normalize('NFD')), undefined);
    assert.equal(matchRule(rules, 'local', 'bkt', '😀/smile')?.prefix, '😀/');
    assert.equal(matchRule(rules, 'local', 'bkt', '😁/grin'), undefined, 'a different emoji shares the high surrogate only');
  });

  it('the empty prefix covers the whole bucket and loses to any longer match', () => {
    const rules = [rule('', { type: 'kms' }), rule('a/', sseC(A))];
    assert.equal(matchRule(rules, 'local', 'bkt', 'anything')?.prefix, '');
    assert.equal(matchRule(rules, 'local', 'bkt', '')?.prefix, '');
    assert.equal(matchRule(rules, 'local', 'bkt', 'a/x')?.prefix, 'a/');
  });

  it('connection and bucket must match exactly; the first of two rules for the same target wins', () => {
    const rules = [rule('', sseC(A), 'local', 'bkt'), rule('', sseC(B), 'local', 'bkt'), rule('', none, 'other', 'bkt')];
    assert.deepEqual(matchRule(rules, 'local', 'bkt', 'x')?.encryption, sseC(A));
    assert.deepEqual(matchRule(rules, 'other', 'bkt', 'x')?.encryption, none);
    assert.equal(matchRule(rules, 'local', 'bkt2', 'x'), undefined);
    assert.equal(matchRule(rules, 'local', 'Bkt', 'x'), undefined);
  });

  it('chooseEncryption: the rule, else the connection default, and says which', () => {
    const rules = [rule('a/', sseC(A))];
    const byRule = chooseEncryption(rules, 'local', 'bkt', 'a/x', { type: 'kms' });
    assert.deepEqual(byRule.encryption, sseC(A));
    assert.equal(byRule.chosenBy, 'rule "local/bkt/a/"');
    assert.ok(byRule.rule);
    const byDefault = chooseEncryption(rules, 'local', 'bkt', 'b/x', { type: 'kms', kmsKeyId: 'k1' });
    assert.deepEqual(byDefault.encryption, { type: 'kms', kmsKeyId: 'k1' });
    assert.match(byDefault.chosenBy, /default of connection "local"/);
    assert.equal(byDefault.rule, undefined);
  });
});

describe('encryption rules: reading and checking', () => {
  it('parseRule accepts the contract shape and refuses with a reason', () => {
    assert.deepEqual(parseRule({ connection: 'local', bucket: 'b', encryption: { type: 'kms' } }), { connection: 'local', bucket: 'b', prefix: '', encryption: { type: 'kms' } });
    assert.deepEqual(parseRule({ connection: 'local', bucket: 'b', prefix: 'p/', encryption: { type: 'sse-c', keyFingerprint: A } }).encryption, sseC(A));
    const refused: Array<[unknown, RegExp]> = [
      [{ bucket: 'b', encryption: none }, /connection/],
      [{ connection: 'Local', bucket: 'b', encryption: none }, /connection/],
      [{ connection: 'local', encryption: none }, /bucket/],
      [{ connection: 'local', bucket: 'a/b', encryption: none }, /bucket/],
      [{ connection: 'local', bucket: 'b', prefix: 3, encryption: none }, /prefix/],
      [{ connection: 'local', bucket: 'b' }, /encryption must be/],
      [{ connection: 'local', bucket: 'b', encryption: { type: 'keep' } }, /nothing to keep/],
      [{ connection: 'local', bucket: 'b', encryption: { type: 'sse-c', keyFingerprint: 'short' } }, /fingerprint/],
      [{ connection: 'local', bucket: 'b', encryption: { type: 'kms', kmsKeyId: '' } }, /kmsKeyId/],
      ['local/b', /connection, bucket/],
    ];
    for (const [raw, reason] of refused) {
      assert.throws(() => parseRule(raw), (e: Error) => e instanceof RuleError && reason.test(e.message), JSON.stringify(raw));
    }
  });

  it('a rule with a typo in its encryption still governs its prefix and refuses the write instead of falling back', () => {
    const { rules, ignored } = readRules([
      { connection: 'local', bucket: 'bkt', prefix: 'secure/', encryption: { type: 'sse_c', keyFingerprint: A } },
      { bucket: 'no-connection', encryption: none },
      'not even an object',
    ]);
    assert.equal(rules.length, 1);
    assert.equal(ignored.length, 2);
    assert.match(ignored[0], /obs\.encryptionRules\[1\]/);
    assert.throws(() => chooseEncryption(rules, 'local', 'bkt', 'secure/x', none), (e: Error) => e instanceof BrokenRuleError && /local\/bkt\/secure\//.test(e.message));
    assert.deepEqual(chooseEncryption(rules, 'local', 'bkt', 'public/x', none).encryption, none);
    assert.deepEqual(readRules(undefined), { rules: [], ignored: [] });
  });

  it('keyUsers names the rules and the connection defaults that use a key', () => {
    const { rules } = readRules([
      { connection: 'local', bucket: 'bkt', prefix: 'a/', encryption: sseC(A) },
      { connection: 'local', bucket: 'bkt', prefix: 'b/', encryption: sseC(B) },
      { connection: 'local', bucket: 'bkt', encryption: sseC(A) },
    ]);
    const defaults = [{ connection: 'local', encryption: sseC(A) }, { connection: 'other', encryption: none }];
    assert.deepEqual(keyUsers(A, rules, defaults), ['local/bkt/a/', 'local/bkt/', 'connection:local']);
    assert.deepEqual(keyUsers(B, rules, defaults), ['local/bkt/b/']);
    assert.deepEqual(keyUsers('CCCCCCCCCCCCCCCCCCCCCC==', rules, defaults), []);
    assert.equal(ruleId(rules[0]), 'local/bkt/a/');
  });
});
