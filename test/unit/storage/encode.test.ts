import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQuery, decodeListingValue, encodeKey, encodeQueryComponent, parseQuery } from '../../../src/storage/encode';

const KEYS = [
  'plain.txt', 'with space', 'plus+sign', 'per%cent', 'hash#tag', 'question?mark', 'amp&ersand', 'equals=sign',
  'ünïcödé/日本語/😀', 'ctrl\u0001\u001f\u007f', 'a//double', '/leading', 'trailing  ', '~tilde-_.', 'semi;colon,comma',
  "quote'\"", 'x'.repeat(1024), 'é'.repeat(512),
];

void test('encodeKey keeps unreserved characters and `/`, percent-encodes everything else as UTF-8', () => {
  assert.equal(encodeKey('a b+c%d#e?f&g/h~i'), 'a%20b%2Bc%25d%23e%3Ff%26g/h~i');
  assert.equal(encodeKey('日'), '%E6%97%A5');
  assert.equal(encodeKey('\u0001'), '%01');
  assert.equal(encodeKey("!*'()"), '%21%2A%27%28%29');
  assert.equal(encodeKey('//x'), '//x');
});

void test('encodeKey round-trips through decodeURIComponent for awkward keys (incl. 1024-byte keys)', () => {
  for (const key of KEYS) {
    const enc = encodeKey(key);
    assert.match(enc, /^[A-Za-z0-9\-._~/%]*$/, `unsafe char left in ${JSON.stringify(key)}`);
    assert.equal(decodeURIComponent(enc), key);
  }
});

void test('query components encode `/` and space as %2F and %20', () => {
  assert.equal(encodeQueryComponent('a/b c'), 'a%2Fb%20c');
  assert.equal(buildQuery([['append', ''], ['position', '5'], ['prefix', 'x y/']]), 'append&position=5&prefix=x%20y%2F');
});

void test('listing values (encoding-type=url) use form decoding: `+` is a space, %2B is a plus', () => {
  assert.equal(decodeListingValue('a+b%2Bc%20d'), 'a b+c d');
  for (const key of KEYS) {
    // What a server sends with encoding-type=url: form-encoded (space as +).
    const form = encodeURIComponent(key).replace(/%20/g, '+');
    assert.equal(decodeListingValue(form), key);
  }
});

void test('parseQuery decodes names and values and keeps bare names', () => {
  assert.deepEqual(parseQuery('append&position=10&k=a%20b'), [['append', ''], ['position', '10'], ['k', 'a b']]);
  assert.deepEqual(parseQuery(''), []);
});
