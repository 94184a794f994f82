// Connections: settings (non-secret) + SecretStorage (credentials) -> one storage client per connection,
// created once and disposed when the connection changes or goes away.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { EncryptedObjectAccess, KeyMemo, type KeySource } from '../keys/access';
import type { KeyRing } from '../keys/keyRing';
import { StorageClient } from '../storage/client';
import type { Credentials } from '../storage/types';
import { defaultEncryptionOf, onConnectionsChanged, readConnections, writeConnections, type ConnectionSettings } from './config';
import { Disposable } from './disposable';
import type { Log } from './log';

export interface ConnectionSession {
  settings: ConnectionSettings;
  client: StorageClient;
  access: EncryptedObjectAccess;
}

export class UnknownConnectionError extends Error {
  readonly code = 'UnknownConnection';
  constructor(readonly connectionId: string) {
    super(`There is no connection "${connectionId}". Add it with "Encrypted Buckets: Add Connection".`);
  }
}

export class MissingCredentialsError extends Error {
  readonly code = 'MissingCredentials';
  constructor(readonly connectionId: string) {
    super(`The credentials of connection "${connectionId}" are not in the secret store. Remove and add the connection again.`);
  }
}

const credentialName = (id: string) => `obs.connection.${id}.credentials`;

export class ConnectionManager extends Disposable {
  private readonly sessions = new Map<string, Promise<ConnectionSession>>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly ring: KeyRing,
    private readonly log: Log,
  ) {
    super();
    this._register(onConnectionsChanged(() => this.reset()));
    this._register({ dispose: () => void this.closeAll() });
  }

  list(): ConnectionSettings[] {
    return readConnections();
  }

  find(id: string): ConnectionSettings | undefined {
    return this.list().find((c) => c.id === id);
  }

  session(id: string): Promise<ConnectionSession> {
    let s = this.sessions.get(id);
    if (!s) {
      s = this.open(id);
      this.sessions.set(id, s);
      s.catch(() => this.sessions.delete(id));
    }
    return s;
  }

  async add(settings: ConnectionSettings, credentials: Credentials): Promise<void> {
    // Secrets first: a connection in settings without its credentials would be a broken entry.
    await this.secrets.store(credentialName(settings.id), JSON.stringify(credentials));
    const rest = this.list().filter((c) => c.id !== settings.id);
    try {
      await writeConnections([...rest, settings]);
    } catch (err) {
      await this.secrets.delete(credentialName(settings.id));
      throw err;
    }
    this.reset();
  }

  async remove(id: string): Promise<boolean> {
    const list = this.list();
    const rest = list.filter((c) => c.id !== id);
    await this.secrets.delete(credentialName(id));
    if (rest.length !== list.length) {
      await writeConnections(rest);
    }
    this.reset();
    return rest.length !== list.length;
  }

  private async open(id: string): Promise<ConnectionSession> {
    const settings = this.find(id);
    if (!settings) {
      throw new UnknownConnectionError(id);
    }
    const raw = await this.secrets.get(credentialName(id));
    if (!raw) {
      throw new MissingCredentialsError(id);
    }
    const credentials = JSON.parse(raw) as Credentials;
    const caCertificate = settings.caCertificatePath ? await readFile(settings.caCertificatePath, 'utf8') : undefined;
    const client = new StorageClient({
      endpoint: settings.endpoint,
      region: settings.region,
      dialect: settings.dialect ?? 'auto',
      addressing: settings.addressing,
      credentials,
      allowInsecureSse: settings.allowInsecureSse === true,
      caCertificate,
      log: (line) => this.log.trace(`storage:${id}`, line),
    });
    const keys: KeySource = {
      candidates: async () => (await this.ring.all()).map(({ entry, key }) => ({ fingerprint: entry.fingerprint, key })),
      byFingerprint: (fp) => this.ring.get(fp),
    };
    const access = new EncryptedObjectAccess(client, keys, () => defaultEncryptionOf(this.find(id) ?? settings), new KeyMemo());
    return { settings, client, access };
  }

  private reset(): void {
    void this.closeAll();
    this.changed.fire();
  }

  private async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) {
      try {
        await (await s).client.dispose();
      } catch {
        // a session that failed to open has nothing to close
      }
    }
  }
}
