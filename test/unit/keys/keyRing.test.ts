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

  it('renames a key (the fingerprint stays) and refuses an empty label', async () => {
    const ring = new KeyRing(new FakeSecretStore());
    const e = await ring.add('old', randomBytes(32));
    assert.deepEqual(await ring.rename(e.fingerprint, '  new  '), { ...e, label: 'new' });
    assert.equal((await ring.find(e.fingerprint))?.label, 'new');
    await assert.rejects(ring.rename(e.fingerprint, ' '), /label/);
    assert.equal(await ring.rename('AAAAAAAAAAAAAAAAAAAAAA==', 'x'), undefined);
  });

  it('tells listeners about its own changes and about index changes from another window', async () => {
    const store = new ChangingStore();
    const ring = new KeyRing(store);
    const other = new KeyRing(store);
    let seen = 0;
    ring.onDidChange(() => seen++);
    await ring.add('mine', randomBytes(32));
    assert.equal(seen, 1);
    await other.add('theirs', randomBytes(32));
    await settle();
    assert.ok(seen >= 2, `listener called ${seen} times`);
    ring.dispose();
    other.dispose();
  });

  it('two windows importing at once lose nothing: each re-adds its key when the other overwrote the index', async () => {
    const store = new ChangingStore();
    store.readDelayMs = 20; // both read the index before either writes it
    const a = new KeyRing(store);
    const b = new KeyRing(store);
    const [ea, eb] = await Promise.all([a.add('from window A', randomBytes(32)), b.add('from window B', randomBytes(32))]);
    store.readDelayMs = 0;
    await settle();
    assert.deepEqual(new Set((await a.list()).map((e) => e.fingerprint)), new Set([ea.fingerprint, eb.fingerprint]));
    a.dispose();
    b.dispose();
  });

  it('a key removed in one window is not brought back by another window\'s stale index write', async () => {
    const store = new ChangingStore();
    const a = new KeyRing(store);
    const b = new KeyRing(store);
    const k = await a.add('shared', randomBytes(32));
    const stale = store.map.get('obs.sseKeys.index')!;
    await a.remove(k.fingerprint);
    await b.add('another', randomBytes(32));
    await store.store('obs.sseKeys.index', stale); // window C writes what it read before the removal
    await settle();
    assert.deepEqual((await a.list()).map((e) => e.label).filter((l) => l === 'shared'), []);
    a.dispose();
    b.dispose();
  });
});

/** A shared secret store with change events, as VS Code's SecretStorage is for all windows. */
class ChangingStore extends FakeSecretStore {
  readDelayMs = 0;
  private readonly listeners = new Set<(e: { key: string }) => unknown>();
  override async get(name: string) {
    const v = this.map.get(name);
    if (this.readDelayMs) {
      await new Promise((r) => setTimeout(r, this.readDelayMs));
    }
    return v;
  }
  override async store(name: string, value: string) {
    await super.store(name, value);
    this.listeners.forEach((l) => l({ key: name }));
  }
  override async delete(name: string) {
    await super.delete(name);
    this.listeners.forEach((l) => l({ key: name }));
  }
  onDidChange = (listener: (e: { key: string }) => unknown) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
}

const settle = () => new Promise((r) => setTimeout(r, 400));
