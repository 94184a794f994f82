// Sealed credentials: usable for signing, invisible to inspect, JSON and enumeration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { sealCredentials } from '../../../src/storage/credentials';

test('the secret and the session token are readable but never shown', () => {
  const c = sealCredentials({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' });
  assert.equal(c.secretAccessKey, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  assert.equal(c.sessionToken, 'FwoGZXIvYXdzEXAMPLETOKEN');
  const holder = { client: { config: { endpoint: 'https://x', credentials: c } } };
  for (const shown of [inspect(holder, { depth: 10, showHidden: true, getters: true }), JSON.stringify(holder), String(Object.keys(c)), `${JSON.stringify({ ...c })}`]) {
    assert.doesNotMatch(shown, /wJalrXUtnFEMI|EXAMPLETOKEN/, shown);
  }
  assert.match(inspect(holder, { depth: 10 }), /AKIDEXAMPLE/);
});
