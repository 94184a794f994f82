// obs://<connection>/<bucket>/<key> as a VS Code file system. Reads open SSE-C objects with the stored key
// that fits; writes keep each object's encryption exactly (same SSE-C key, same KMS key id); new objects take
// the connection's default encryption.
import * as vscode from 'vscode';
import type { OpenedHead } from '../keys/access';
import type { ObjectSummary } from '../storage/types';
import type { ConnectionManager, ConnectionSession } from './connections';
import { Disposable } from './disposable';
import { toFileSystemError } from './errors';
import type { Log } from './log';
import { describe, fromUri, type ObsLocation } from './uri';

const codeOf = (err: unknown) => (err as { code?: unknown })?.code;

export class ObsFileSystemProvider extends Disposable implements vscode.FileSystemProvider {
  private readonly emitter = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.emitter.event;
  /** The version each open document was read at: the base of its next save (ETag and the key that opened it). */
  private readonly readVersions = new Map<string, OpenedHead>();

  constructor(
    private readonly connections: ConnectionManager,
    private readonly log: Log,
    private readonly maxFileBytes: () => number,
  ) {
    super();
  }

  watch(): vscode.Disposable {
    // Object stores have no change feed; changes we make are reported through onDidChangeFile.
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.guard(uri, async (loc, s) => {
      if (!loc.bucket || loc.key === '' || loc.key.endsWith('/')) {
        if (loc.bucket) {
          await s.client.listObjects(loc.bucket, { maxKeys: 1, prefix: loc.key, delimiter: '/' });
        }
        return directoryStat();
      }
      try {
        const opened = await s.access.open(loc.bucket, loc.key);
        return fileStat(opened.head.size, opened.head.lastModified);
      } catch (err) {
        if (codeOf(err) === 'NoKeyOpensObject') {
          // Listing needs no key: the object exists and has a size even when we cannot open it.
          const entry = await this.listed(s, loc.bucket, loc.key);
          if (entry) {
            return { ...fileStat(entry.size, entry.lastModified), permissions: vscode.FilePermission.Readonly };
          }
        }
        if (codeOf(err) !== 'NoSuchKey') {
          throw err;
        }
      }
      const page = await s.client.listObjects(loc.bucket, { prefix: `${loc.key}/`, delimiter: '/', maxKeys: 1 });
      if (page.objects.length > 0 || page.prefixes.length > 0) {
        return directoryStat();
      }
      throw vscode.FileSystemError.FileNotFound(uri);
    });
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.guard(uri, async (loc, s) => {
      if (!loc.bucket) {
        const buckets = await s.client.listBuckets();
        return buckets.map((b): [string, vscode.FileType] => [b.name, vscode.FileType.Directory]);
      }
      const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
      const out: [string, vscode.FileType][] = [];
      let continuation: string | undefined;
      do {
        const page = await s.client.listObjects(loc.bucket, { prefix, delimiter: '/', continuation });
        for (const p of page.prefixes) {
          out.push([p.slice(prefix.length).replace(/\/$/, ''), vscode.FileType.Directory]);
        }
        for (const o of page.objects) {
          const name = o.key.slice(prefix.length);
          if (name !== '') {
            out.push([name, vscode.FileType.File]);
          }
        }
        continuation = page.isTruncated ? page.nextContinuation : undefined;
      } while (continuation);
      return out;
    });
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.guard(uri, async (loc, s) => {
      const bucket = requireObject(loc, uri);
      const opened = await s.access.open(bucket, loc.key);
      const limit = this.maxFileBytes();
      if (opened.head.size > limit) {
        throw vscode.FileSystemError.NoPermissions(
          `${describe(loc)} is ${formatBytes(opened.head.size)}, above the ${formatBytes(limit)} limit for opening in the editor (setting obs.maxEditorFileSizeMB).`,
        );
      }
      const { data, head } = await s.access.read(bucket, loc.key, opened);
      this.readVersions.set(uri.toString(), { head, key: opened.key });
      this.log.trace('fs', `read ${describe(loc)} (${data.byteLength} bytes, ${head.encryption.type})`);
      return data;
    });
  }

  writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    return this.guard(uri, async (loc, s) => {
      const bucket = requireObject(loc, uri);
      let existing: OpenedHead | undefined;
      try {
        existing = await s.access.open(bucket, loc.key);
      } catch (err) {
        // An SSE-C object we cannot open must never be overwritten: its encryption would be lost.
        if (codeOf(err) !== 'NoSuchKey') {
          throw err;
        }
      }
      if (existing && !options.overwrite) {
        throw vscode.FileSystemError.FileExists(uri);
      }
      if (!existing && !options.create) {
        throw vscode.FileSystemError.FileNotFound(uri);
      }
      const base = this.readVersions.get(uri.toString());
      if (existing && base && base.head.etag !== existing.head.etag) {
        throw vscode.FileSystemError.FileExists(
          `${describe(loc)} changed on the server since it was opened. Reopen it (or compare) before saving, so that the other change is not lost.`,
        );
      }
      // The server enforces what was checked above: a save applies only to the version it was based on, and a
      // new file only if nobody created it meanwhile.
      const res = await s.access.write(bucket, loc.key, content, {
        existing,
        ifMatch: existing?.head.etag,
        ifNoneMatch: existing ? undefined : '*',
      });
      const head = existing
        ? { ...existing.head, etag: res.etag, size: content.byteLength, lastModified: new Date() }
        : undefined;
      if (head) {
        this.readVersions.set(uri.toString(), { head, key: existing?.key });
      } else {
        this.readVersions.delete(uri.toString());
      }
      this.log.trace('fs', `wrote ${describe(loc)} (${content.byteLength} bytes, ${res.encryption.type})`);
      this.emitter.fire([{ type: existing ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }]);
    });
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return this.guard(uri, async (loc, s) => {
      const bucket = requireObject(loc, uri);
      const marker = loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
      // A folder marker holds no data, so it carries no encryption.
      await s.client.putObject(bucket, marker, new Uint8Array(0), { encryption: { type: 'none' } });
      this.emitter.fire([{ type: vscode.FileChangeType.Created, uri }]);
    });
  }

  delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    return this.guard(uri, async (loc, s) => {
      const bucket = requireObject(loc, uri);
      const st = await this.stat(uri);
      if (st.type === vscode.FileType.File) {
        await s.client.deleteObject(bucket, loc.key);
      } else {
        const prefix = loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
        const keys: string[] = [];
        let continuation: string | undefined;
        do {
          const page = await s.client.listObjects(bucket, { prefix, continuation });
          keys.push(...page.objects.map((o) => o.key));
          continuation = page.isTruncated ? page.nextContinuation : undefined;
        } while (continuation);
        if (!options.recursive && keys.some((k) => k !== prefix)) {
          throw vscode.FileSystemError.NoPermissions(`${describe(loc)} is not empty.`);
        }
        for (const key of keys) {
          await s.client.deleteObject(bucket, key);
        }
      }
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
      if ((await this.stat(oldUri)).type !== vscode.FileType.File) {
        throw vscode.FileSystemError.NoPermissions('Renaming folders is not supported yet.');
      }
      if (!options.overwrite) {
        try {
          await s.client.headObject(toBucket, to.key);
          throw vscode.FileSystemError.FileExists(newUri);
        } catch (err) {
          if (err instanceof vscode.FileSystemError) {
            throw err;
          }
        }
      }
      // Read with the key that opens it and write the same bytes with the same encryption, then delete.
      const opened = await s.access.open(fromBucket, from.key);
      const { data } = await s.access.read(fromBucket, from.key, opened);
      await s.access.write(toBucket, to.key, data, { existing: opened });
      await s.client.deleteObject(fromBucket, from.key);
      this.emitter.fire([
        { type: vscode.FileChangeType.Deleted, uri: oldUri },
        { type: vscode.FileChangeType.Created, uri: newUri },
      ]);
    });
  }

  private async listed(s: ConnectionSession, bucket: string, key: string): Promise<ObjectSummary | undefined> {
    const page = await s.client.listObjects(bucket, { prefix: key, maxKeys: 1 });
    return page.objects.find((o) => o.key === key);
  }

  private async guard<T>(uri: vscode.Uri, work: (loc: ObsLocation, s: ConnectionSession) => Promise<T>): Promise<T> {
    try {
      const loc = fromUri(uri);
      return await work(loc, await this.connections.session(loc.connectionId));
    } catch (err) {
      throw toFileSystemError(err, uri);
    }
  }
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
