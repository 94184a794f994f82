import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EncryptedObjectAccess, type CandidateKey, type ObjectClient } from '../../../src/keys/access';
import { keyFingerprint } from '../../../src/storage';
import type { EncryptionSpec, ObjectEncryption, ObjectHead, ReadOptions, WriteOptions } from '../../../src/storage/types';
import { chooseEncryption, sameEverywhere } from '../../../src/keys/rules';

/** An in-memory store that behaves like RGW for SSE-C: HEAD/GET need the right key; extra keys on plain objects are ignored. */
class FakeStore implements ObjectClient {
  objects = new Map<string, { data: Uint8Array; enc: EncryptionSpec; etag: string }>();
  heads = 0;
  puts: Array<{ key: string; opts?: WriteOptions }> = [];
  private check(key: string, opts?: ReadOptions) {
    const o = this.objects.get(key);
    if (!o) {
      throw Object.assign(new Error('no such key'), { code: 'NoSuchKey' });
    }
    if (o.enc.type === 'sse-c') {
      if (!opts?.sseCustomerKey) {
        throw Object.assign(new Error('key missing'), { code: 'KeyMissing' });
      }
      if (keyFingerprint(opts.sseCustomerKey) !== keyFingerprint(o.enc.key)) {
        throw Object.assign(new Error('key wrong'), { code: 'KeyWrong' });
      }
    }
    return o;
  }
  private head(o: { data: Uint8Array; enc: EncryptionSpec; etag: string }): ObjectHead {
    const encryption: ObjectEncryption =
      o.enc.type === 'sse-c' ? { type: 'sse-c', keyMd5: keyFingerprint(o.enc.key), algorithm: 'AES256' } : o.enc.type === 'kms' ? { type: 'kms', keyId: o.enc.keyId } : { type: o.enc.type };
    return { size: o.data.length, etag: o.etag, lastModified: new Date(0), encryption, metadata: {} };
  }
  async headObject(_b: string, key: string, opts?: ReadOptions) {
    this.heads++;
    return this.head(this.check(key, opts));
  }
  async getObject(_b: string, key: string, opts?: ReadOptions) {
    const o = this.check(key, opts);
    return { head: this.head(o), body: (async function* () { yield o.data; })() };
  }
  async putObject(_b: string, key: string, data: Uint8Array, opts?: WriteOptions) {
    this.puts.push({ key, opts });
    const etag = `"${this.puts.length}"`;
    this.objects.set(key, { data, enc: opts?.encryption ?? { type: 'none' }, etag });
    return { etag, encryption: this.head(this.objects.get(key)!).encryption };
  }
}

const ring = (keys: Uint8Array[]) => ({
  candidates: async (): Promise<CandidateKey[]> => keys.map((key) => ({ fingerprint: keyFingerprint(key), key })),
  byFingerprint: async (fp: string) => keys.find((k) => keyFingerprint(k) === fp),
});

describe('EncryptedObjectAccess', () => {
  const kA = randomBytes(32);
  const kB = randomBytes(32);

  it('opens an SSE-C object with the stored key that fits, after trying the others', async () => {
    const store = new FakeStore();
    store.objects.set('x', { data: Buffer.from('hi'), enc: { type: 'sse-c', key: kB }, etag: '"e"' });
    const access = new EncryptedObjectAccess(store, ring([kA, kB]), sameEverywhere({ type: 'none' }));
    const opened = await access.open('b', 'x');
    assert.equal(keyFingerprint(opened.key!), keyFingerprint(kB));
    const { data } = await access.read('b', 'x');
    assert.equal(Buffer.from(data).toString(), 'hi');
  });

  it('remembers which key opened an object and goes straight to it next time', async () => {
    const store = new FakeStore();
    store.objects.set('x', { data: Buffer.from('hi'), enc: { type: 'sse-c', key: kB }, etag: '"e"' });
    const access = new EncryptedObjectAccess(store, ring([kA, kB]), sameEverywhere({ type: 'none' }));
    await access.open('b', 'x');
    store.heads = 0;
    await access.open('b', 'x');
    assert.equal(store.heads, 1);
  });

  it('tries the key that opened a neighbour in the same folder first (one HEAD), but not a key it only wrote with', async () => {
    const store = new FakeStore();
    for (const k of ['d/1', 'd/2', 'd/3']) {
      store.objects.set(k, { data: Buffer.from(k), enc: { type: 'sse-c', key: kB }, etag: '"e"' });
    }
    const access = new EncryptedObjectAccess(store, ring([kA, kB]), sameEverywhere({ type: 'none' }));
    await access.open('b', 'd/1'); // keyless HEAD, then A (wrong), then B
    store.heads = 0;
    await access.open('b', 'd/2');
    assert.equal(store.heads, 1, 'the folder hint (B) opened it at once');
    access.remember('b', 'd/new', kA); // written with A: says nothing about d/3
    store.heads = 0;
    await access.open('b', 'd/3');
    assert.equal(store.heads, 1, 'still B first');
  });

  it('names the object and says no stored key opens it when none fits', async () => {
    const store = new FakeStore();
    store.objects.set('dir/secret.txt', { data: Buffer.from('hi'), enc: { type: 'sse-c', key: kB }, etag: '"e"' });
    const access = new EncryptedObjectAccess(store, ring([kA]), sameEverywhere({ type: 'none' }));
    await assert.rejects(access.open('bkt', 'dir/secret.txt'), (e: Error & { code?: string }) =>
      e.code === 'NoKeyOpensObject' && e.message.includes('bkt/dir/secret.txt') && /no stored key opens it/.test(e.message) && !e.message.includes(kA.toString('base64')),
    );
  });

  it('rewrites an SSE-C object with the same key and an SSE-KMS object with the same key id', async () => {
    const store = new FakeStore();
    store.objects.set('c', { data: Buffer.from('1'), enc: { type: 'sse-c', key: kA }, etag: '"e"' });
    store.objects.set('k', { data: Buffer.from('1'), enc: { type: 'kms', keyId: 'testkey-2' }, etag: '"e"' });
    const access = new EncryptedObjectAccess(store, ring([kB, kA]), sameEverywhere({ type: 'none' }));
    for (const key of ['c', 'k']) {
      await access.write('b', key, Buffer.from('2'), { existing: await access.open('b', key) });
    }
    const [c, k] = store.puts.map((p) => p.opts?.encryption);
    assert.equal(c?.type, 'sse-c');
    assert.equal(keyFingerprint((c as { key: Uint8Array }).key), keyFingerprint(kA));
    assert.deepEqual(k, { type: 'kms', keyId: 'testkey-2' });
  });

  it('gives a new object the connection default: none, KMS with key id, or SSE-C by fingerprint', async () => {
    const store = new FakeStore();
    const kms = new EncryptedObjectAccess(store, ring([]), sameEverywhere({ type: 'kms', kmsKeyId: 'testkey-1' }));
    await kms.write('b', 'n1', Buffer.from('x'), {});
    const ssec = new EncryptedObjectAccess(store, ring([kA]), sameEverywhere({ type: 'sse-c', keyFingerprint: keyFingerprint(kA) }));
    await ssec.write('b', 'n2', Buffer.from('x'), {});
    assert.deepEqual(store.puts[0].opts?.encryption, { type: 'kms', keyId: 'testkey-1' });
    assert.equal(keyFingerprint((store.puts[1].opts?.encryption as { key: Uint8Array }).key), keyFingerprint(kA));
  });

  it('refuses to write a new object when the default SSE-C key is not stored (never falls back to plaintext)', async () => {
    const store = new FakeStore();
    const access = new EncryptedObjectAccess(store, ring([]), sameEverywhere({ type: 'sse-c', keyFingerprint: keyFingerprint(kA) }));
    await assert.rejects(access.write('b', 'n', Buffer.from('x'), {}), (e: Error & { code?: string }) => e.code === 'MissingDefaultKey');
    assert.equal(store.puts.length, 0);
  });

  it('a rule chooses the encryption of a new object under its prefix; its missing key refuses the write and names the rule', async () => {
    const store = new FakeStore();
    const rules = [{ connection: 'c', bucket: 'b', prefix: 'a/', encryption: { type: 'sse-c' as const, keyFingerprint: keyFingerprint(kB) } }];
    const access = new EncryptedObjectAccess(store, ring([kB]), (bucket, key) => chooseEncryption(rules, 'c', bucket, key, { type: 'none' }));
    await access.write('b', 'a/new.txt', Buffer.from('x'), {});
    await access.write('b', 'elsewhere.txt', Buffer.from('x'), {});
    assert.equal(keyFingerprint((store.puts[0].opts?.encryption as { key: Uint8Array }).key), keyFingerprint(kB));
    assert.deepEqual(store.puts[1].opts?.encryption, { type: 'none' });
    assert.ok(await access.ruleEncryption('b', 'a/z'));
    assert.equal(await access.ruleEncryption('b', 'z'), undefined, 'the connection default is not a rule');
    const keyless = new EncryptedObjectAccess(store, ring([]), (bucket, key) => chooseEncryption(rules, 'c', bucket, key, { type: 'none' }));
    await assert.rejects(keyless.write('b', 'a/other.txt', Buffer.from('x'), {}), (e: Error & { code?: string }) =>
      e.code === 'MissingDefaultKey' && e.message.includes('rule "c/b/a/"'));
  });
});
