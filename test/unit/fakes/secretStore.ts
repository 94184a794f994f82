import type { SecretStore } from '../../../src/keys/keyRing';

/** Map-backed SecretStorage with failure injection. */
export class FakeSecretStore implements SecretStore {
  readonly map = new Map<string, string>();
  failStoreFor?: (name: string) => boolean;
  async get(name: string) {
    return this.map.get(name);
  }
  async store(name: string, value: string) {
    if (this.failStoreFor?.(name)) {
      throw new Error('secret storage unavailable');
    }
    this.map.set(name, value);
  }
  async delete(name: string) {
    this.map.delete(name);
  }
}
