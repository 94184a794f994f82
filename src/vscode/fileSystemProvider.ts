// obs://<connection>/<bucket>/<key> as a VS Code file system. A thin adapter: it maps URIs to (bucket, key) and
// errors to FileSystemError; the objects service decides keys, encryption and transfers.
import * as vscode from 'vscode';
import { setBounded } from '../keys/boundedMap';
import type { ObjectVersion } from '../objects';
import type { ConnectionManager, ConnectionSession } from './connections';
import { Disposable } from './disposable';
import { toFileSystemError } from './errors';
import type { Log } from './log';
import { describe, fromUri, type ObsLocation } from './uri';

/** Read versions kept at most (oldest dropped first); each holds an ETag and a fingerprint, never key bytes. */
const MAX_READ_VERSIONS = 2000;

export class ObsFileSystemProvider extends Disposable implements vscode.FileSystemProvider {
  private readonly emitter = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.emitter.event;
  private readonly refused = this._register(new vscode.EventEmitter<{ uri: vscode.Uri; error: unknown }>());
  /** A read refused because no stored key opens the object: the product says so in its own words (keyMessages). */
  readonly onDidRefuseRead = this.refused.event;
  /** The version each open document was read at: the base of its next save. */
  private readonly readVersions = new Map<string, ObjectVersion>();

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: Log,
    private readonly maxFileBytes: () => number,
  ) {
    super();
    // A closed document needs no base any more. VS Code disposes a document lazily (minutes after its last editor
    // closed), so the last tab showing it closing counts as closing too; reopening reads a fresh base.
    this._register(vscode.workspace.onDidCloseTextDocument((doc) => this.readVersions.delete(doc.uri.toString())));
    this._register(vscode.window.tabGroups.onDidChangeTabs((e) => {
      const shown = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map(tabUri).filter((u) => u !== undefined));
      for (const uri of e.closed.map(tabUri)) {
        if (uri !== undefined && !shown.has(uri)) {
          this.readVersions.delete(uri);
        }
      }
    }));
  }

  watch(): vscode.Disposable {
    // Object stores have no change feed; changes we make are reported through onDidChangeFile.
    return new vscode.Disposable(() => undefined);
  }

  /** The read versions held (tests check that they hold no key and that closing documents releases them). */
  get heldVersions(): Array<{ uri: string; etag: string; keyFingerprint?: string }> {
    return [...this.readVersions].map(([uri, v]) => ({ uri, etag: v.etag, keyFingerprint: v.keyFingerprint }));
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.guard(uri, async (loc, s) => {
      if (!loc.bucket) {
        return directoryStat();
      }
      const st = await s.objects.stat(loc.bucket, loc.key);
      if (st.kind === 'folder') {
        return directoryStat();
      }
      const stat = fileStat(st.size, st.lastModified);
      // Listing needs no key: the object exists and has a size even when no stored key opens it.
      return st.opensWithStoredKey ? stat : { ...stat, permissions: vscode.FilePermission.Readonly };
    });
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.guard(uri, async (loc, s) => {
      if (!loc.bucket) {
        const buckets = await s.objects.listBuckets();
        return buckets.map((b): [string, vscode.FileType] => [b.name, vscode.FileType.Directory]);
      }
      const entries = await s.objects.listFolder(loc.bucket, loc.key);
      return entries.map((e): [string, vscode.FileType] => [e.name, e.kind === 'folder' ? vscode.FileType.Directory : vscode.FileType.File]);
    });
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.guard(uri, async (loc, s) => {
      const bucket = requireObject(loc, uri);
      const limit = this.maxFileBytes();
      const { data, version, head } = await s.objects.read(bucket, loc.key, {
        maxBytes: limit,
        tooLarge: (size) => `${describe(loc)} is ${formatBytes(size)}, above the ${formatBytes(limit)} limit for opening in the editor (setting obs.maxEditorFileSizeMB).`,
      }).catch((err: unknown) => {
        if ((err as { code?: unknown })?.code === 'NoKeyOpensObject') {
          this.refused.fire({ uri, error: err });
        }
        throw err;
      });
      this.remember(uri, version);
      this.log.trace('fs', `read ${describe(loc)} (${data.byteLength} bytes, ${head.encryption.type})`);
      return data;
    });
  }

  writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    return this.guard(uri, async (loc, s) => {
      const bucket = requireObject(loc, uri);
      if (loc.key.endsWith('/')) {
        // A key ending in '/' is a folder (its marker holds no data): content written there could never be opened.
        throw vscode.FileSystemError.FileIsADirectory(uri);
      }
      const res = await s.objects.write(bucket, loc.key, content, { ...options, base: this.readVersions.get(uri.toString()) });
      this.remember(uri, res.version);
      this.log.trace('fs', `wrote ${describe(loc)} (${content.byteLength} bytes, ${res.encryption.type}${res.multipart ? ', multipart' : ''})`);
      this.emitter.fire([{ type: res.created ? vscode.FileChangeType.Created : vscode.FileChangeType.Changed, uri }]);
    });
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return this.guard(uri, async (loc, s) => {
      await s.objects.createFolder(requireObject(loc, uri), loc.key);
      this.emitter.fire([{ type: vscode.FileChangeType.Created, uri }]);
    });
  }

  delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    return this.guard(uri, async (loc, s) => {
      const res = await s.objects.delete(requireObject(loc, uri), loc.key, options);
      this.log.trace('fs', `deleted ${describe(loc)} (${res.deleted} object${res.deleted === 1 ? '' : 's'}, ${res.batches} DeleteObjects request${res.batches === 1 ? '' : 's'})`);
      this.readVersions.delete(uri.toString());
      this.emitter.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
    });
  }

  rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    return this.guard(oldUri, async (from, s) => {
      const to = fromUri(newUri);
      const fromBucket = requireObject(from, oldUri);
      const toBucket = requireObject(to, newUri);
      if (to.connectionId !== from.connectionId) {
        throw vscode.FileSystemError.NoPermissions('Moving between connections is not supported; copy instead.');
      }
      const res = await s.objects.rename(fromBucket, from.key, toBucket, to.key, options);
      this.log.trace('fs', `moved ${describe(from)} -> ${describe(to)} (${res.moved} object${res.moved === 1 ? '' : 's'}, ${res.paths.join(', ') || 'nothing'}, peak ${formatBytes(res.peakBytesHeld)} held)`);
      this.readVersions.delete(oldUri.toString());
      this.emitter.fire([
        { type: vscode.FileChangeType.Deleted, uri: oldUri },
        { type: vscode.FileChangeType.Created, uri: newUri },
      ]);
    });
  }

  private remember(uri: vscode.Uri, version: ObjectVersion): void {
    setBounded(this.readVersions, uri.toString(), version, MAX_READ_VERSIONS);
  }


  private async guard<T>(uri: vscode.Uri, work: (loc: ObsLocation, s: ConnectionSession) => Promise<T>): Promise<T> {
    try {
      const loc = fromUri(uri);
      return await work(loc, await this.connections.session(loc.connectionId));
    } catch (err) {
      const mapped = toFileSystemError(err, uri);
      // VS Code probes for files that do not exist all the time: that is not a failure worth an error line.
      const level = mapped instanceof vscode.FileSystemError && mapped.code === 'FileNotFound' ? 'trace' : 'error';
      this.log[level]('fs', `${uri.toString(true)}: ${describeForLog(err)}`);
      throw mapped;
    }
  }
}

function tabUri(tab: vscode.Tab): string | undefined {
  const input = tab.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputNotebook) {
    return input.uri.toString();
  }
  return input instanceof vscode.TabInputTextDiff ? input.modified.toString() : undefined;
}

/** Code, message and request id (when the server gave one): never secrets, our errors carry none. */
function describeForLog(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; requestId?: unknown };
  const rid = typeof e?.requestId === 'string' ? ` (request id ${e.requestId})` : '';
  return `${typeof e?.code === 'string' ? e.code : 'Error'}: ${typeof e?.message === 'string' ? e.message : String(err)}${rid}`;
}

function requireObject(loc: ObsLocation, uri: vscode.Uri): string {
  if (!loc.bucket || loc.key === '') {
    throw vscode.FileSystemError.NoPermissions(`${uri.toString(true)} is not an object.`);
  }
  return loc.bucket;
}

function directoryStat(): vscode.FileStat {
  return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
}

function fileStat(size: number, lastModified: Date): vscode.FileStat {
  // Milliseconds, as VS Code expects: wrong units cause false "file is newer" conflicts.
  const ms = lastModified.getTime();
  return { type: vscode.FileType.File, ctime: ms, mtime: ms, size };
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}
