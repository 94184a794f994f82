// Connections: settings (non-secret) + SecretStorage (credentials) -> one storage client per connection,
// created once and disposed when the connection changes or goes away.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { KeySource } from '../keys/access';
import type { KeyRing } from '../keys/keyRing';
import { chooseEncryption } from '../keys/rules';
import { openObjects, UploadJournal, type ObjectsService, type ObjectsSession, type UploadStore } from '../objects';
import type { Credentials } from '../storage';
import {
  defaultEncryptionOf, onConnectionsChanged, readConnections, readEncryptionRules, writeConnections, type ConnectionSettings,
} from './config';
import { Disposable } from './disposable';
import type { Log } from './log';

export interface ConnectionSession {
  settings: ConnectionSettings;
  objects: ObjectsService;
  uploads?: UploadJournal;
}

interface Opened {
  settings: ConnectionSettings;
  /** The settings the session was opened with, to tell whether a settings change concerns it. */
  snapshot: string;
  session: Promise<ObjectsSession & ConnectionSession>;
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
  private readonly sessions = new Map<string, Opened>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly ring: KeyRing,
    private readonly log: Log,
    /** The journal of unfinished multipart uploads (none: uploads are not journaled). */
    private readonly uploads?: UploadStore,
  ) {
    super();
    this._register(onConnectionsChanged(() => this.settingsChanged()));
    this._register({ dispose: () => void this.retire([...this.sessions.keys()]) });
  }

  list(): ConnectionSettings[] {
    return readConnections();
  }

  find(id: string): ConnectionSettings | undefined {
    return this.list().find((c) => c.id === id);
  }

  async session(id: string): Promise<ConnectionSession> {
    let entry = this.sessions.get(id);
    if (!entry) {
      const settings = this.find(id);
      if (!settings) {
        throw new UnknownConnectionError(id);
      }
      const opened: Opened = { settings, snapshot: JSON.stringify(settings), session: this.open(id, settings) };
      entry = opened;
      this.sessions.set(id, opened);
      // A failed open is forgotten, so the next call tries again; only this attempt, never a newer one.
      opened.session.catch(() => {
        if (this.sessions.get(id) === opened) {
          this.sessions.delete(id);
        }
      });
    }
    return entry.session;
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
    // The credentials changed even when the settings did not.
    await this.retire([settings.id]);
    this.changed.fire();
  }

  async remove(id: string): Promise<boolean> {
    const list = this.list();
    const rest = list.filter((c) => c.id !== id);
    await this.secrets.delete(credentialName(id));
    if (rest.length !== list.length) {
      await writeConnections(rest);
    }
    await this.retire([id]);
    this.changed.fire();
    return rest.length !== list.length;
  }

  private async open(id: string, settings: ConnectionSettings): Promise<ObjectsSession & ConnectionSession> {
    const raw = await this.secrets.get(credentialName(id));
    if (!raw) {
      throw new MissingCredentialsError(id);
    }
    const credentials = JSON.parse(raw) as Credentials;
    const caCertificate = settings.caCertificatePath ? await readFile(settings.caCertificatePath, 'utf8') : undefined;
    const keys: KeySource = {
      candidates: async () => (await this.ring.all()).map(({ entry, key }) => ({ fingerprint: entry.fingerprint, key })),
      byFingerprint: (fp) => this.ring.get(fp),
    };
    const opened = openObjects({
      endpoint: settings.endpoint,
      region: settings.region,
      dialect: settings.dialect ?? 'auto',
      addressing: settings.addressing,
      credentials,
      allowInsecureSse: settings.allowInsecureSse === true,
      caCertificate,
      log: (line) => this.log.trace(`storage:${id}`, line),
    }, keys, (bucket, key) => chooseEncryption(readEncryptionRules().rules, id, bucket, key, defaultEncryptionOf(this.find(id) ?? settings)),
    this.uploads && new UploadJournal(id, this.uploads, (m) => this.log.warn(`uploads:${id}`, m)));
    return Object.assign(opened, { settings });
  }

  /** Only the connections whose settings changed (or went away) are closed; the others keep working. */
  private settingsChanged(): void {
    const now = new Map(this.list().map((c) => [c.id, JSON.stringify(c)]));
    const stale = [...this.sessions.entries()].filter(([id, e]) => now.get(id) !== e.snapshot).map(([id]) => id);
    void this.retire(stale);
    this.changed.fire();
  }

  /** Forgets the sessions now; each one is closed once the work already started on it has finished. */
  private async retire(ids: string[]): Promise<void> {
    const entries = ids.map((id) => this.sessions.get(id)).filter((e): e is Opened => e !== undefined);
    for (const id of ids) {
      this.sessions.delete(id);
    }
    await Promise.all(entries.map(async (e) => {
      try {
        await (await e.session).retire();
      } catch {
        // a session that failed to open has nothing to close
      }
    }));
  }
}
