// Credentials that do not show themselves. The secret and the session token are held outside the object (a
// WeakMap), reached through getters; inspecting, logging or JSON-encoding the object, or any object that holds it
// (a client, a session, the tree behind the test API), shows the access key id and nothing else.
import { inspect } from 'node:util';
import type { Credentials } from './types';

const held = new WeakMap<object, Credentials>();

class SealedCredentials implements Credentials {
  constructor(c: Credentials) {
    held.set(this, { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
  }

  get accessKeyId(): string {
    return (held.get(this) as Credentials).accessKeyId;
  }

  get secretAccessKey(): string {
    return (held.get(this) as Credentials).secretAccessKey;
  }

  get sessionToken(): string | undefined {
    return (held.get(this) as Credentials).sessionToken;
  }

  toJSON(): { accessKeyId: string } {
    return { accessKeyId: this.accessKeyId };
  }

  [inspect.custom](): string {
    return `Credentials { accessKeyId: '${this.accessKeyId}', secret: hidden${this.sessionToken ? ', session token: hidden' : ''} }`;
  }
}

/** A copy of `c` that keeps its secret and session token out of inspect, JSON and enumeration. */
export function sealCredentials(c: Credentials): Credentials {
  return new SealedCredentials(c);
}
