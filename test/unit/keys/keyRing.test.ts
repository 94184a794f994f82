import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyFingerprint } from '../../../src/storage';
import { KeyRing } from '../../../src/keys/keyRing';
import { FakeSecretStore } from '../fakes/secretStore';

describe('KeyRing', () => {
  it('stores a key under its fingerprint and lists it newest first', async () => {
    const store = new FakeSecretStore();
    const ring = new KeyRing(store);
    const a = randomBytes(32);
    const b = randomBytes(32);
    const ea = await ring.add('first', a.toString('base64'));
    const eb = await ring.add('second', b.toString('hex'));
    assert.equal(ea.fingerprint, keyFingerprint(a));
    assert.deepEqual((await ring.list()).map((e) => e.label), ['second', 'first']);
    assert.deepEqual(Buffer.from((await ring.get(eb.fingerprint))!), b);
    assert.ok(store.map.has(`obs.sseKey.${ea.fingerprint}`));
  });

  it('adding the same key twice keeps one entry', async () => {
    const ring = new KeyRing(new FakeSecretStore());
    const k = randomBytes(32);
    await ring.add('one', k);
    await ring.add('again', k);
    assert.equal((await ring.list()).length, 1);
  });

  it('loses nothing when the index write fails: no orphaned key value, earlier keys intact', async () => {
    const store = new FakeSecretStore();
    const ring = new KeyRing(store);
    const kept = await ring.add('kept', randomBytes(32));
    store.failStoreFor = (name) => name === 'obs.sseKeys.index';
    const k = randomBytes(32);
    await assert.rejects(ring.add('new', k), /unavailable/);
    store.failStoreFor = undefined;
    assert.equal(store.map.has(`obs.sseKey.${keyFingerprint(k)}`), false);
    assert.deepEqual((await ring.list()).map((e) => e.fingerprint), [kept.fingerprint]);
    assert.ok(await ring.get(kept.fingerprint));
  });

  it('never returns a stored value whose fingerprint does not match its name', async () => {
    const store = new FakeSecretStore();
    const ring = new KeyRing(store);
    const e = await ring.add('k', randomBytes(32));
    store.map.set(`obs.sseKey.${e.fingerprint}`, randomBytes(32).toString('base64'));
    assert.equal(await ring.get(e.fingerprint), undefined);
  });

  it('removes the key value and its index entry', async () => {
    const store = new FakeSecretStore();
    const ring = new KeyRing(store);
    const e = await ring.add('k', randomBytes(32));
    assert.equal(await ring.remove(e.fingerprint), true);
    assert.equal(await ring.get(e.fingerprint), undefined);
    assert.deepEqual(await ring.list(), []);
    assert.equal(await ring.remove(e.fingerprint), false);
  });
});
