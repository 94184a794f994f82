// Connections: settings (non-secret) + SecretStorage (credentials) -> one storage client per connection,
// created once and disposed when the connection changes or goes away.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { KeySource } from '../keys/access';
import type { KeyRing } from '../keys/keyRing';
import { chooseEncryption } from '../keys/rules';
import { openObjects, UploadJournal, type ObjectsService, type ObjectsSession, type UploadStore } from '../objects';
import type { Credentials, DialectName } from '../storage';
import {
  defaultEncryptionOf, deleteConnection, onConnectionsChanged, putConnection, readConnectionEntries, readConnections, readEncryptionRules,
  type ConnectionEntry, type ConnectionSettings,
} from './config';
import { describeError } from './errors';
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

/** A connection whose settings have a problem (edited by hand): shown on its tree node, never used. */
export class InvalidConnectionError extends Error {
  readonly code = 'InvalidArgument';
  constructor(readonly connectionId: string, readonly problem: string) {
    super(`Connection "${connectionId}" cannot be used: ${problem} Fix it in the settings (obs.connections) or with "Encrypted Buckets: Edit Connection".`);
  }
}

/** What obs.testConnection answers. `error` says what failed in words, with its stable code (never a secret). */
export interface ConnectionTest {
  ok: boolean;
  dialect?: DialectName;
  buckets?: string[];
  error?: { code: string; message: string; serverCode?: string; requestId?: string };
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

  /** Every entry in settings, with its problem if it has one (for the tree). */
  entries(): ConnectionEntry[] {
    return readConnectionEntries();
  }

  /** Whether any entry (a broken one included) has this id. */
  has(id: string): boolean {
    return this.entries().some((e) => e.settings.id === id);
  }

  find(id: string): ConnectionSettings | undefined {
    return this.list().find((c) => c.id === id);
  }

  async session(id: string): Promise<ConnectionSession> {
    let entry = this.sessions.get(id);
    if (!entry) {
      const settings = this.find(id);
      if (!settings) {
        const broken = this.entries().find((e) => e.settings.id === id && e.problem);
        throw broken ? new InvalidConnectionError(id, broken.problem ?? '') : new UnknownConnectionError(id);
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
    const previous = await this.secrets.get(credentialName(settings.id));
    // Secrets first: a connection in settings without its credentials would be a broken entry.
    await this.secrets.store(credentialName(settings.id), JSON.stringify(credentials));
    try {
      await putConnection(settings);
    } catch (err) {
      await (previous ? this.secrets.store(credentialName(settings.id), previous) : this.secrets.delete(credentialName(settings.id)));
      throw err;
    }
    // The credentials changed even when the settings did not: the session is retired and reopened on next use.
    await this.retire([settings.id]);
    this.changed.fire();
  }

  /**
   * Changes some fields of a connection (settings and/or credentials) and keeps the rest; the open session is
   * retired, so a connection that went stale (a rotated secret) works at once, without a reload.
   */
  async edit(id: string, settings: Partial<ConnectionSettings>, credentials: Partial<Credentials>): Promise<ConnectionSettings> {
    const next = await this.withChanges(id, settings, credentials);
    await this.add(next.settings, next.credentials);
    return next.settings;
  }

  /** Tests a connection with some fields changed, before they are saved. */
  async testChanges(id: string, settings: Partial<ConnectionSettings>, credentials: Partial<Credentials>, signal?: AbortSignal): Promise<ConnectionTest> {
    const next = await this.withChanges(id, settings, credentials);
    return this.test(next.settings, next.credentials, signal);
  }

  /** A connection's settings and credentials with some fields changed (the others kept). */
  private async withChanges(id: string, settings: Partial<ConnectionSettings>, credentials: Partial<Credentials>): Promise<{ settings: ConnectionSettings; credentials: Credentials }> {
    const entry = this.entries().find((e) => e.settings.id === id);
    if (!entry) {
      throw new UnknownConnectionError(id);
    }
    const old = await this.credentials(id).catch(() => undefined);
    const creds = tidy({ ...old, ...credentials } as Credentials);
    if (!creds.accessKeyId || !creds.secretAccessKey) {
      throw new MissingCredentialsError(id);
    }
    return { settings: tidy({ ...entry.settings, ...settings, id }), credentials: creds };
  }

  /** Tests a connection as saved: reachable, which dialect, credentials accepted (lists buckets). */
  async testSaved(id: string, signal?: AbortSignal): Promise<ConnectionTest> {
    const entry = this.entries().find((e) => e.settings.id === id);
    if (!entry) {
      throw new UnknownConnectionError(id);
    }
    if (entry.problem) {
      return { ok: false, error: { code: 'InvalidArgument', message: new InvalidConnectionError(id, entry.problem).message } };
    }
    return this.test(entry.settings, await this.credentials(id), signal);
  }

  /** Tests settings and credentials without saving them, on a session of its own that is closed afterwards. */
  async test(settings: ConnectionSettings, credentials: Credentials, signal?: AbortSignal): Promise<ConnectionTest> {
    let session: ObjectsSession | undefined;
    let dialect: DialectName | undefined;
    try {
      session = await this.openWith(settings.id, settings, credentials);
      dialect = await session.objects.serverDialect({ signal });
      const buckets = (await session.objects.listBuckets({ signal })).map((b) => b.name);
      return { ok: true, dialect, buckets };
    } catch (err) {
      const error = testFailure(err, settings.endpoint, dialect !== undefined);
      this.log.warn('connections', `test of ${settings.id}: ${error.code}: ${error.message}${error.requestId ? ` (request id ${error.requestId})` : ''}`);
      return { ok: false, dialect, error };
    } finally {
      await session?.retire();
    }
  }

  private async credentials(id: string): Promise<Credentials> {
    const raw = await this.secrets.get(credentialName(id));
    if (!raw) {
      throw new MissingCredentialsError(id);
    }
    return JSON.parse(raw) as Credentials;
  }

  async remove(id: string): Promise<boolean> {
    await this.secrets.delete(credentialName(id));
    const removed = await deleteConnection(id);
    await this.retire([id]);
    this.changed.fire();
    return removed;
  }

  private async open(id: string, settings: ConnectionSettings): Promise<ObjectsSession & ConnectionSession> {
    return Object.assign(await this.openWith(id, settings, await this.credentials(id)), { settings });
  }

  private async openWith(id: string, settings: ConnectionSettings, credentials: Credentials): Promise<ObjectsSession> {
    const caCertificate = settings.caCertificatePath ? await readFile(settings.caCertificatePath, 'utf8') : undefined;
    const keys: KeySource = {
      candidates: async () => (await this.ring.all()).map(({ entry, key }) => ({ fingerprint: entry.fingerprint, key })),
      byFingerprint: (fp) => this.ring.get(fp),
    };
    return openObjects({
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

/** Drops undefined fields, so settings.json stays tidy. */
export function tidy<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A failed test in words: unreachable, wrong secret, unknown access key, denied, or what else happened. */
function testFailure(err: unknown, endpoint: string, reached: boolean): NonNullable<ConnectionTest['error']> {
  const d = describeError(err);
  const serverCode = (err as { serverCode?: unknown })?.serverCode;
  const requestId = (err as { requestId?: unknown })?.requestId;
  const extra = { ...(typeof serverCode === 'string' ? { serverCode } : {}), ...(typeof requestId === 'string' ? { requestId } : {}) };
  let message = d.message;
  if (d.code === 'BadCredentials' && serverCode === 'SignatureDoesNotMatch') {
    message = `The secret access key is wrong: the server knows the access key id but rejected the signature made with this secret (SignatureDoesNotMatch). Enter the current secret with Edit Connection.`;
  } else if (d.code === 'BadCredentials' && serverCode === 'InvalidAccessKeyId') {
    message = `The access key id is unknown to the server (InvalidAccessKeyId). Check it with Edit Connection.`;
  } else if (d.code === 'BadCredentials') {
    message = `The server rejected the credentials (${serverCode ?? d.code}). Check them with Edit Connection.`;
  } else if (!reached && (d.code === 'Network' || d.code === 'Timeout')) {
    message = `Cannot reach ${endpoint}: ${d.message}`;
  }
  return { code: d.code, message, ...extra };
}
