// The one door to the store for every adapter (file system, tree, commands). No `vscode`: it decides keys,
// encryption and transfers; the adapters only map URIs to (bucket, key) and errors to VS Code's vocabulary.
import { setBounded } from '../keys/boundedMap';
import { EncryptedObjectAccess, isKeyFailure, NoKeyOpensObjectError, type OpenedHead } from '../keys/access';
import {
  ByteCounter, copyWithFallback, downloadObject, downloadToFile, keyFingerprint, saveObject, StorageError, uploadObject, type BucketEncryption, type BucketInfo, type EncryptionSpec,
  type ListPage, type ObjectHead, type ObjectSummary, type StorageClient, type TransferProgress,
  presignGet, type DialectName, type PresignedGet,
} from '../storage';

/** What a reader saw: the base of its next save. A fingerprint, never key bytes. */
export interface ObjectVersion {
  etag: string;
  keyFingerprint?: string;
}

export type ObjectStat =
  | { kind: 'folder' }
  | { kind: 'file'; size: number; lastModified: Date; etag: string; encryption: ObjectHead['encryption']; opensWithStoredKey: boolean };

/** What `whichKey` found. `keyMd5` is '' for an SSE-C object no stored key opens whose key MD5 the server did not tell. */
export interface KeyAnswer {
  etag?: string;
  encryption: ObjectHead['encryption'];
  opensWithStoredKey: boolean;
  /** How many stored keys were tried when none opened it. */
  triedKeys: number;
}

export interface Entry {
  name: string;
  kind: 'file' | 'folder';
}

export interface WriteOutcome {
  created: boolean;
  version: ObjectVersion;
  size: number;
  multipart: boolean;
  encryption: ObjectHead['encryption'];
}

export interface DeleteOutcome {
  deleted: number;
  /** DeleteObjects requests sent (batches of at most 1,000 keys). */
  batches: number;
}

export interface MoveOutcome {
  moved: number;
  paths: Array<'server' | 'streamed'>;
  /** Most bytes the transfers held in memory at once (streamed copies only). */
  peakBytesHeld: number;
}

/** What a copy or an upload does to encryption: keep the source's, or exactly this one. */
export type EncryptionChoice = { type: 'keep' } | EncryptionSpec;

export interface TransferOutcome {
  size: number;
  etag: string;
  encryption: ObjectHead['encryption'];
  path: 'server' | 'streamed' | 'upload' | 'download';
}

export interface WorkOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

/**
 * Parts or ranges in flight for a move that has to stream: the download's ranges and the upload's parts are held
 * at once (2 x 2 x 8 MiB), which keeps a move of any size within a small, fixed amount of memory.
 */
const MOVE_CONCURRENCY = 2;

/** Writes at or above this size go multipart through the transfer engine. */
export const SAVE_MULTIPART_THRESHOLD = 16 * 1024 * 1024;
/** In-place re-encrypts up to this size may skip the HEAD (one GET, one PUT). */
const REWRITE_MAX_BYTES = 8 * 1024 * 1024;

const codeOf = (err: unknown): unknown => (err as { code?: unknown })?.code;

function fail(code: 'PreconditionFailed' | 'NoSuchKey' | 'Conflict' | 'EntityTooLarge' | 'InvalidArgument', operation: string, bucket: string, key: string, message: string): StorageError {
  return new StorageError({ code, operation, bucket, key, message });
}

/** Data never goes into a folder marker (a key ending in '/'): nobody could open it as a file. */
function refuseFolderKey(operation: string, bucket: string, key: string): void {
  if (key === '' || key.endsWith('/')) {
    throw fail('InvalidArgument', operation, bucket, key, `key "${key}" names a folder, not an object: a file name cannot end with "/".`);
  }
}

const folderPrefix = (key: string): string => (key === '' || key.endsWith('/') ? key : `${key}/`);

export class ObjectsService {
  constructor(
    private readonly client: StorageClient,
    private readonly access: EncryptedObjectAccess,
    private readonly multipartThreshold = SAVE_MULTIPART_THRESHOLD,
  ) {}

  /**
   * What `stat` just opened, handed to a copy of that same version (`ifUnchanged` = its ETag) so a job does not HEAD
   * each object twice. Safe because such a copy is conditional on that ETag anyway. Bounded; key bytes stay here.
   */
  private readonly recentlyOpened = new Map<string, OpenedHead>();

  private takeOver(bucket: string, key: string, etag: string | undefined): OpenedHead | undefined {
    const id = `${bucket}\u0000${key}`;
    const opened = this.recentlyOpened.get(id);
    this.recentlyOpened.delete(id);
    return etag !== undefined && opened?.head.etag === etag ? opened : undefined;
  }

  /** How many times this connection's store has answered "slow down" so far (the job engine adapts to it). */
  get throttles(): number {
    return this.client.profile.throttles;
  }

  listBuckets(opts: WorkOptions = {}): Promise<BucketInfo[]> {
    return this.client.listBuckets({ signal: opts.signal });
  }

  /** The bucket's default encryption (GetBucketEncryption); undefined when it has none. */
  bucketEncryption(bucket: string, opts: WorkOptions = {}): Promise<BucketEncryption | undefined> {
    return this.client.getBucketEncryption(bucket, { signal: opts.signal });
  }

  /** One page of a folder (delimiter `/`), for views that page. */
  listPage(bucket: string, prefix: string, opts: WorkOptions & { continuation?: string; maxKeys?: number } = {}): Promise<ListPage> {
    return this.client.listObjects(bucket, { prefix, delimiter: '/', continuation: opts.continuation, maxKeys: opts.maxKeys, signal: opts.signal });
  }

  /** Every entry directly under a folder (all pages). */
  async listFolder(bucket: string, key: string, opts: WorkOptions = {}): Promise<Entry[]> {
    const prefix = folderPrefix(key);
    const out: Entry[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.listPage(bucket, prefix, { ...opts, continuation });
      out.push(...page.prefixes.map((p): Entry => ({ name: p.slice(prefix.length).replace(/\/$/, ''), kind: 'folder' })));
      out.push(...page.objects.filter((o) => o.key !== prefix).map((o): Entry => ({ name: o.key.slice(prefix.length), kind: 'file' })));
      continuation = page.isTruncated ? page.nextContinuation : undefined;
    } while (continuation);
    return out;
  }

  /** The encryption label of a listed object (HEAD without a key: SSE-C objects answer with their algorithm). */
  headForLabel(bucket: string, key: string, opts: WorkOptions = {}): Promise<ObjectHead> {
    return this.client.headObject(bucket, key, { signal: opts.signal });
  }

  /**
   * Which encryption an object has and whether a stored key opens it (SSE-C: `encryption.keyMd5` is then the
   * fingerprint of that key). Tries the stored keys once per object; the key that opens it is remembered.
   */
  async whichKey(bucket: string, key: string, opts: WorkOptions = {}): Promise<KeyAnswer> {
    try {
      const { head } = await this.access.open(bucket, key, opts.signal);
      return { etag: head.etag, encryption: head.encryption, opensWithStoredKey: true, triedKeys: 0 };
    } catch (err) {
      if (err instanceof NoKeyOpensObjectError) {
        return { encryption: { type: 'sse-c', keyMd5: err.keyMd5 ?? '', algorithm: 'AES256' }, opensWithStoredKey: false, triedKeys: err.triedKeys };
      }
      throw err;
    }
  }

  /** A file (with the stored key that opens it, if any), a folder, or NoSuchKey. */
  /** `handOff`: a copy of this exact version follows (a job), so keep what was opened for it, once. */
  async stat(bucket: string, key: string, opts: WorkOptions & { handOff?: boolean } = {}): Promise<ObjectStat> {
    if (key === '' || key.endsWith('/')) {
      await this.listPage(bucket, key, { ...opts, maxKeys: 1 });
      return { kind: 'folder' };
    }
    try {
      const opened = await this.access.open(bucket, key, opts.signal);
      if (opts.handOff) {
        setBounded(this.recentlyOpened, `${bucket}\u0000${key}`, opened, 256);
      }
      const { head } = opened;
      return { kind: 'file', size: head.size, lastModified: head.lastModified, etag: head.etag, encryption: head.encryption, opensWithStoredKey: true };
    } catch (err) {
      if (codeOf(err) === 'NoKeyOpensObject') {
        // The object exists even when no stored key opens it: a HEAD without a key still tells its size.
        const head = await this.client.headObject(bucket, key, { signal: opts.signal }).catch(() => undefined);
        const listed = head ? undefined : (await this.client.listObjects(bucket, { prefix: key, maxKeys: 1, signal: opts.signal })).objects.find((o) => o.key === key);
        const size = head?.size ?? listed?.size ?? 0;
        const lastModified = head?.lastModified ?? listed?.lastModified ?? new Date(0);
        return { kind: 'file', size, lastModified, etag: head?.etag ?? listed?.etag ?? '', encryption: head?.encryption ?? { type: 'sse-c', keyMd5: '', algorithm: 'AES256' }, opensWithStoredKey: false };
      }
      if (codeOf(err) !== 'NoSuchKey') {
        throw err;
      }
    }
    const page = await this.listPage(bucket, `${key}/`, { ...opts, maxKeys: 1 });
    if (page.objects.length > 0 || page.prefixes.length > 0) {
      return { kind: 'folder' };
    }
    throw fail('NoSuchKey', 'stat', bucket, key, `${bucket}/${key} does not exist.`);
  }

  /**
   * Whether an object exists, without any key: `absent` only on a proven 404. An SSE-C object answers a keyless
   * HEAD with a key error, which proves it is there; any other failure is thrown, never taken for "absent".
   */
  async exists(bucket: string, key: string, opts: WorkOptions = {}): Promise<boolean> {
    try {
      await this.client.headObject(bucket, key, { signal: opts.signal });
      return true;
    } catch (err) {
      const code = codeOf(err);
      if (code === 'KeyMissing' || code === 'KeyWrong') {
        return true;
      }
      if (code === 'NoSuchKey') {
        return false;
      }
      throw err;
    }
  }

  /** The whole object, for the editor; refused above `maxBytes` before any byte is read. */
  async read(bucket: string, key: string, opts: WorkOptions & { maxBytes?: number; tooLarge?: (size: number) => string } = {}): Promise<{ data: Uint8Array; version: ObjectVersion; head: ObjectHead }> {
    const { data, head, opened } = await this.access.read(bucket, key, opts.signal, (h) => {
      if (opts.maxBytes !== undefined && h.size > opts.maxBytes) {
        throw fail('EntityTooLarge', 'read', bucket, key, opts.tooLarge?.(h.size) ?? `${bucket}/${key} is larger than ${opts.maxBytes} bytes.`);
      }
    });
    return { data, head, version: versionOf(head, opened.key) };
  }

  /**
   * Writes an object: an existing one keeps its encryption exactly (same SSE-C key, same KMS key id), a new one
   * gets the connection's default. With a `base`, the write applies only if the object still is that version.
   * Large contents go multipart; the server's answer is verified to carry the encryption asked for.
   */
  async write(
    bucket: string, key: string, content: Uint8Array,
    opts: WorkOptions & { base?: ObjectVersion; create: boolean; overwrite: boolean; contentType?: string },
  ): Promise<WriteOutcome> {
    refuseFolderKey('write', bucket, key);
    let existing: OpenedHead | undefined;
    try {
      existing = await this.access.open(bucket, key, opts.signal);
    } catch (err) {
      // An SSE-C object no stored key opens must never be overwritten: its encryption would be lost.
      if (codeOf(err) !== 'NoSuchKey') {
        throw err;
      }
    }
    if (existing && !opts.overwrite) {
      throw fail('PreconditionFailed', 'write', bucket, key, `${bucket}/${key} already exists.`);
    }
    if (!existing && !opts.create) {
      throw fail('NoSuchKey', 'write', bucket, key, `${bucket}/${key} does not exist.`);
    }
    if (existing && opts.base && opts.base.etag !== existing.head.etag) {
      throw fail('PreconditionFailed', 'write', bucket, key,
        `${bucket}/${key} changed on the server since it was opened. Reopen it (or compare) before saving, so that the other change is not lost.`);
    }
    const forNew = existing ? undefined : await this.access.forNew(bucket, key);
    const encryption: EncryptionSpec = forNew?.spec ?? this.access.encryptionToKeep(existing!.head.encryption, existing!.key);
    const res = await saveObject(this.client, bucket, key, { kind: 'bytes', data: content }, {
      // The server enforces what was checked above: a save applies only to the version it was based on, and a
      // new file only if nobody created it meanwhile.
      expectedEtag: existing?.head.etag,
      createOnly: existing ? undefined : true,
      encryption,
      contentType: opts.contentType ?? existing?.head.contentType,
      metadata: existing?.head.metadata,
      multipartThreshold: this.multipartThreshold,
      signal: opts.signal,
      onProgress: opts.onProgress,
    }).catch((err: unknown) => {
      // A new object's encryption came from a rule or a default: a refusal says which, and for which bucket.
      throw forNew ? forNew.explain(err) : err;
    });
    if (encryption.type === 'sse-c') {
      this.access.remember(bucket, key, encryption.key);
    }
    return {
      created: !existing, size: res.size, multipart: res.multipart, encryption: res.encryption,
      version: { etag: res.etag, keyFingerprint: encryption.type === 'sse-c' ? keyFingerprint(encryption.key) : undefined },
    };
  }

  /** A zero-byte folder marker; it holds no data, so it carries no encryption. */
  async createFolder(bucket: string, key: string, opts: WorkOptions = {}): Promise<void> {
    await this.client.putObject(bucket, folderPrefix(key), new Uint8Array(0), { encryption: { type: 'none' }, signal: opts.signal });
  }

  /** Deletes an object, or a folder with everything under it (batched DeleteObjects, 1,000 keys a request). */
  async delete(bucket: string, key: string, opts: WorkOptions & { recursive: boolean }): Promise<DeleteOutcome> {
    const st = await this.stat(bucket, key, opts);
    if (st.kind === 'file') {
      await this.client.deleteObject(bucket, key, { signal: opts.signal });
      return { deleted: 1, batches: 0 };
    }
    const prefix = folderPrefix(key);
    const keys = await this.keysUnder(bucket, prefix, opts.signal);
    if (!opts.recursive && keys.some((k) => k !== prefix)) {
      throw fail('Conflict', 'delete', bucket, key, `${bucket}/${prefix} is not empty.`);
    }
    const res = await this.client.deleteObjects(bucket, keys, { signal: opts.signal });
    if (res.errors.length > 0) {
      const first = res.errors[0];
      throw new StorageError({
        code: 'ServerError', operation: 'delete', bucket, key: first.key,
        message: `${res.errors.length} of ${keys.length} objects under ${bucket}/${prefix} were not deleted (first: ${first.key}: ${first.code}).`,
      });
    }
    return { deleted: res.deleted.length, batches: Math.ceil(keys.length / 1000) };
  }

  /**
   * Moves an object (or a folder, object by object) within the connection: server-side copy keeping the
   * encryption, verified, streamed when the store cannot copy; then the source is deleted. Without `overwrite`,
   * the target must be proven absent first.
   */
  async rename(bucket: string, key: string, toBucket: string, toKey: string, opts: WorkOptions & { overwrite: boolean }): Promise<MoveOutcome> {
    const st = await this.stat(bucket, key, opts);
    const memory = new ByteCounter();
    if (st.kind === 'file') {
      return { moved: 1, paths: [await this.moveOne(bucket, key, toBucket, toKey, { ...opts, memory })], peakBytesHeld: memory.peak };
    }
    const from = folderPrefix(key);
    const to = folderPrefix(toKey);
    if (toBucket === bucket && to.startsWith(from)) {
      throw fail('InvalidArgument', 'rename', bucket, key, `A folder cannot be moved into itself (${from} -> ${to}).`);
    }
    const keys = await this.keysUnder(bucket, from, opts.signal);
    if (!opts.overwrite) {
      for (const k of keys) {
        if (await this.exists(toBucket, to + k.slice(from.length), opts)) {
          throw fail('PreconditionFailed', 'rename', toBucket, to + k.slice(from.length), `${toBucket}/${to + k.slice(from.length)} already exists.`);
        }
      }
    }
    const paths: Array<'server' | 'streamed'> = [];
    for (const k of keys) {
      paths.push(await this.moveOne(bucket, k, toBucket, to + k.slice(from.length), { ...opts, overwrite: true, memory }));
    }
    return { moved: keys.length, paths, peakBytesHeld: memory.peak };
  }

  private async moveOne(bucket: string, key: string, toBucket: string, toKey: string, opts: WorkOptions & { overwrite: boolean; memory: ByteCounter }): Promise<'server' | 'streamed'> {
    if (!opts.overwrite && (await this.exists(toBucket, toKey, opts))) {
      throw fail('PreconditionFailed', 'rename', toBucket, toKey, `${toBucket}/${toKey} already exists.`);
    }
    // Moves stream with fewer parts in flight: a move of any size stays within a small, fixed amount of memory.
    const res = await this.copy({ bucket, key }, { bucket: toBucket, key: toKey }, { ...opts, encryption: { type: 'keep' }, overwrite: true, concurrency: MOVE_CONCURRENCY });
    await this.client.deleteObject(bucket, key, { signal: opts.signal });
    return res.path === 'streamed' ? 'streamed' : 'server';
  }

  /**
   * Uploads a local file (multipart above the threshold, bounded memory). A new object gets `encryption`, or the
   * connection's default; an existing one is replaced only with `overwrite`, and never when no stored key opens it.
   */
  async upload(path: string, bucket: string, key: string, opts: WorkOptions & { encryption?: EncryptionSpec; overwrite: boolean; contentType?: string }): Promise<TransferOutcome> {
    refuseFolderKey('upload', bucket, key);
    const exists = await this.exists(bucket, key, opts);
    if (exists && !opts.overwrite) {
      throw fail('PreconditionFailed', 'upload', bucket, key, `${bucket}/${key} already exists.`);
    }
    if (exists) {
      await this.access.open(bucket, key, opts.signal); // an SSE-C object no stored key opens is never replaced
    }
    const forNew = opts.encryption ? undefined : await this.access.forNew(bucket, key);
    const encryption = opts.encryption ?? forNew!.spec;
    const res = await uploadObject(this.client, bucket, key, { kind: 'file', path }, {
      encryption, contentType: opts.contentType, signal: opts.signal, onProgress: opts.onProgress,
      ifNoneMatch: exists ? undefined : '*', multipartThreshold: this.multipartThreshold,
    }).catch((err: unknown) => {
      throw forNew ? forNew.explain(err) : err;
    });
    if (encryption.type === 'sse-c') {
      this.access.remember(bucket, key, encryption.key);
    }
    return { size: res.size, etag: res.etag, encryption: res.encryption, path: 'upload' };
  }

  /** Downloads an object to a local file with the stored key that opens it (parallel ranges, via `<path>.part`). */
  async download(bucket: string, key: string, path: string, opts: WorkOptions = {}): Promise<TransferOutcome> {
    // When this object's key (or its folder's) is remembered, the download's first GET carries it and the answer
    // proves it: one request per small object instead of a HEAD and a GET. A refused guess (wrong key, an SSE-KMS
    // object) is refused before the file is created; then the object is opened the long way. A plaintext object
    // answers a keyed GET with its bytes, which are the right bytes.
    const toFile = (sseCustomerKey: Uint8Array | undefined, ifMatch?: string): Promise<ObjectHead> =>
      downloadToFile(this.client, bucket, key, path, { sseCustomerKey, ifMatch, signal: opts.signal, onProgress: opts.onProgress });
    const guess = await this.access.guess(bucket, key);
    let head: ObjectHead | undefined;
    if (guess) {
      try {
        head = await toFile(guess.key);
        if (head.encryption.type === 'sse-c') {
          this.access.confirm(bucket, key, head, guess);
        }
      } catch (err) {
        if (!isKeyFailure(err) && (err as { status?: unknown })?.status !== 400) {
          throw err;
        }
      }
    }
    if (!head) {
      const opened = await this.access.open(bucket, key, opts.signal);
      head = await toFile(opened.key, opened.head.etag);
    }
    return { size: head.size, etag: head.etag, encryption: head.encryption, path: 'download' };
  }

  /**
   * Copies one object: server-side where the store can, streamed where it cannot, the target's encryption
   * verified. `keep` copies the source's encryption (same SSE-C key, same KMS key id); anything else re-encrypts.
   */
  async copy(
    source: { bucket: string; key: string }, target: { bucket: string; key: string },
    opts: WorkOptions & {
      encryption: EncryptionChoice; overwrite: boolean; memory?: ByteCounter; concurrency?: number;
      /** Copy only the source version with this ETag; for an in-place re-encrypt, also write only over it. */
      ifUnchanged?: string;
    },
  ): Promise<TransferOutcome> {
    const inPlace = source.bucket === target.bucket && source.key === target.key;
    if (!opts.overwrite && !inPlace && (await this.exists(target.bucket, target.key, opts))) {
      throw fail('PreconditionFailed', 'copy', target.bucket, target.key, `${target.bucket}/${target.key} already exists.`);
    }
    const opened = this.takeOver(source.bucket, source.key, opts.ifUnchanged) ?? await this.access.open(source.bucket, source.key, opts.signal);
    const encryption = await this.chooseForCopy(opened, this, target, opts.encryption, inPlace);
    if (opts.ifUnchanged !== undefined && opts.ifUnchanged !== opened.head.etag) {
      throw fail('PreconditionFailed', 'copy', source.bucket, source.key, `${source.bucket}/${source.key} changed on the server meanwhile.`);
    }
    // RGW refuses a copy onto itself that changes only the encryption ("without changing the object's metadata
    // ... or encryption attributes"): in place, the same metadata and content type are sent as a REPLACE.
    const meta = inPlace
      ? { metadataDirective: 'REPLACE' as const, contentType: opened.head.contentType, metadata: opened.head.metadata }
      : { metadataDirective: 'COPY' as const };
    const res = await copyWithFallback(this.client, { ...source, sseCustomerKey: opened.key }, target, {
      encryption, ...meta, signal: opts.signal, onProgress: opts.onProgress, memory: opts.memory,
      concurrency: opts.concurrency, sourceIfMatch: opts.ifUnchanged,
      targetIfMatch: inPlace ? opts.ifUnchanged : undefined,
    });
    // Every copy path proved the target's encryption (the storage floor's one verifier) or threw NotEncrypted.
    if (encryption.type === 'sse-c') {
      this.access.remember(target.bucket, target.key, encryption.key);
    }
    return { size: res.size, etag: res.etag, encryption: res.encryption, path: res.path === 'streamed' ? 'streamed' : 'server' };
  }

  /**
   * An in-place re-encrypt without a HEAD, for a small object on a store that cannot copy encrypted objects (RGW
   * before Ceph 20): one GET with the key its folder's objects opened with (its headers tell the encryption and the
   * version), then one PUT of that stream, conditional on that version when `ifUnchanged`. Two requests instead of
   * three. `undefined` when the shortcut does not apply (no key guess, a wrong guess, a plaintext or big object, a
   * store that copies server-side): the caller takes the stat-and-copy path.
   */
  async rewriteInPlace(
    bucket: string, key: string,
    opts: WorkOptions & { size: number; encryption: EncryptionChoice; ifUnchanged: boolean; skipIf: (e: ObjectHead['encryption']) => boolean },
  ): Promise<{ skipped: ObjectHead['encryption'] } | (TransferOutcome & { from: ObjectHead['encryption'] }) | undefined> {
    if (!this.client.profile.quirks.encryptedCopyNotImplemented || opts.size > REWRITE_MAX_BYTES) {
      return undefined;
    }
    const guess = await this.access.guess(bucket, key);
    if (!guess) {
      return undefined;
    }
    let got: Awaited<ReturnType<typeof downloadObject>>;
    try {
      got = await downloadObject(this.client, bucket, key, { sseCustomerKey: guess.key, signal: opts.signal });
    } catch (err) {
      if (isKeyFailure(err)) {
        return undefined;
      }
      throw err;
    }
    const opened = this.access.confirm(bucket, key, got.head, guess);
    if (!opened || got.head.size > REWRITE_MAX_BYTES) {
      got.cancel();
      return undefined;
    }
    if (opts.skipIf(got.head.encryption)) {
      got.cancel();
      return { skipped: got.head.encryption };
    }
    const encryption = await this.chooseForCopy(opened, this, { bucket, key }, opts.encryption, true);
    const up = await uploadObject(this.client, bucket, key, { kind: 'stream', stream: got.body, size: got.head.size }, {
      encryption, contentType: got.head.contentType, metadata: got.head.metadata, signal: opts.signal, onProgress: opts.onProgress,
      ifMatch: opts.ifUnchanged ? got.head.etag : undefined, multipartThreshold: this.multipartThreshold,
    });
    if (encryption.type === 'sse-c') {
      this.access.remember(bucket, key, encryption.key);
    }
    return { size: up.size, etag: up.etag, encryption: up.encryption, path: 'streamed', from: got.head.encryption };
  }

  /**
   * Copies an object into another connection's store: always streamed (ranged download here, multipart upload
   * there), bounded memory, the target's encryption verified by the upload.
   */
  async copyTo(
    source: { bucket: string; key: string }, dest: ObjectsService, target: { bucket: string; key: string },
    opts: WorkOptions & { encryption: EncryptionChoice; overwrite: boolean; ifUnchanged?: string },
  ): Promise<TransferOutcome> {
    if (!opts.overwrite && (await dest.exists(target.bucket, target.key, opts))) {
      throw fail('PreconditionFailed', 'copy', target.bucket, target.key, `${target.bucket}/${target.key} already exists.`);
    }
    const opened = this.takeOver(source.bucket, source.key, opts.ifUnchanged) ?? await this.access.open(source.bucket, source.key, opts.signal);
    const encryption = await this.chooseForCopy(opened, dest, target, opts.encryption, false);
    const { head, body } = await downloadObject(this.client, source.bucket, source.key, {
      sseCustomerKey: opened.key, ifMatch: opts.ifUnchanged ?? opened.head.etag, signal: opts.signal,
    });
    return dest.receive(target, body, head, { encryption, overwrite: opts.overwrite, signal: opts.signal, onProgress: opts.onProgress });
  }

  /** What a copy with `keep` to bucket/key gets when a rule governs that key (the plan shows it), else undefined. */
  async ruleEncryptionLabel(bucket: string, key: string): Promise<string | undefined> {
    return this.access.ruleLabel(bucket, key);
  }

  /**
   * A copy's encryption: an explicit choice as asked; `keep` keeps the source's, except that a new object under a
   * prefix an encryption rule governs gets the rule's encryption (the rule is the prefix's policy; in place, keep
   * means keep).
   */
  private async chooseForCopy(
    opened: OpenedHead, dest: ObjectsService, target: { bucket: string; key: string }, choice: EncryptionChoice, inPlace: boolean,
  ): Promise<EncryptionSpec> {
    if (choice.type !== 'keep') {
      return choice;
    }
    const byRule = inPlace ? undefined : await dest.access.ruleEncryption(target.bucket, target.key);
    return byRule ?? this.access.encryptionToKeep(opened.head.encryption, opened.key);
  }

  /** The receiving half of `copyTo`. */
  private async receive(
    target: { bucket: string; key: string }, body: AsyncIterable<Uint8Array>, head: ObjectHead,
    opts: WorkOptions & { encryption: EncryptionSpec; overwrite: boolean },
  ): Promise<TransferOutcome> {
    const res = await uploadObject(this.client, target.bucket, target.key, { kind: 'stream', stream: body, size: head.size }, {
      encryption: opts.encryption, contentType: head.contentType, metadata: head.metadata, signal: opts.signal,
      onProgress: opts.onProgress, ifNoneMatch: opts.overwrite ? undefined : '*', multipartThreshold: this.multipartThreshold,
    });
    if (opts.encryption.type === 'sse-c') {
      this.access.remember(target.bucket, target.key, opts.encryption.key);
    }
    return { size: res.size, etag: res.etag, encryption: res.encryption, path: 'streamed' };
  }

  /** Multipart uploads the server still holds unfinished in a bucket (all pages). */
  async listUnfinishedUploads(bucket: string, prefix?: string, opts: WorkOptions = {}): Promise<Array<{ key: string; uploadId: string; initiated?: Date }>> {
    return this.client.listAllMultipartUploads(bucket, { prefix, signal: opts.signal });
  }

  /** Aborts one unfinished multipart upload (one already gone counts as aborted). */
  async abortUpload(u: { bucket: string; key: string; uploadId: string }, opts: WorkOptions = {}): Promise<void> {
    await this.client.abortMultipartUpload(u.bucket, u.key, u.uploadId, { signal: opts.signal });
  }

  /** Every object under a prefix (all pages, no delimiter), with size and ETag. */
  async listAll(bucket: string, prefix: string, opts: WorkOptions = {}): Promise<ObjectSummary[]> {
    const out: ObjectSummary[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.client.listObjects(bucket, { prefix, continuation, signal: opts.signal });
      out.push(...page.objects);
      continuation = page.isTruncated ? page.nextContinuation : undefined;
    } while (continuation);
    return out;
  }

  /**
   * An object's properties: HEAD with the stored key that opens it. When none does, what a keyless look tells
   * (size, ETag, the key's MD5; no content type or metadata) and `opensWithStoredKey: false`.
   */
  async describeObject(bucket: string, key: string, opts: WorkOptions = {}): Promise<{ head: ObjectHead; opensWithStoredKey: boolean }> {
    try {
      return { head: (await this.access.open(bucket, key, opts.signal)).head, opensWithStoredKey: true };
    } catch (err) {
      if (codeOf(err) !== 'NoKeyOpensObject') {
        throw err;
      }
    }
    const st = await this.stat(bucket, key, opts);
    if (st.kind !== 'file') {
      throw fail('InvalidArgument', 'describe', bucket, key, `${bucket}/${key} is a folder, not an object.`);
    }
    return { head: { size: st.size, etag: st.etag, lastModified: st.lastModified, encryption: st.encryption, metadata: {} }, opensWithStoredKey: false };
  }

  /** The protocol the server speaks (settled once by a probe for `auto`); a failure means it was not reached. */
  serverDialect(opts: WorkOptions = {}): Promise<DialectName> {
    return this.client.resolveDialect(opts.signal);
  }

  /**
   * A presigned GET URL for one object (the connection's dialect and clock). An SSE-C object's headers are signed
   * with the stored key that opens it: the link alone does not open it (`requiredHeaders` names what a reader sends).
   */
  async presignGet(bucket: string, key: string, expiresInSeconds: number, opts: WorkOptions = {}): Promise<PresignedGet & { encryption: ObjectHead['encryption'] }> {
    const { head, key: sseKey } = await this.access.open(bucket, key, opts.signal);
    await this.client.resolveDialect(opts.signal);
    const cfg = this.client.config;
    const now = new Date((cfg.now?.() ?? new Date()).getTime() + this.client.profile.clockOffsetMs);
    const link = presignGet({
      endpoint: cfg.endpoint, addressing: cfg.addressing, region: cfg.region, dialect: this.client.profile.dialect,
      credentials: cfg.credentials, bucket, key, expiresInSeconds, now, sseCustomerKey: sseKey,
    });
    return { ...link, encryption: head.encryption };
  }

  private async keysUnder(bucket: string, prefix: string, signal?: AbortSignal): Promise<string[]> {
    return (await this.listAll(bucket, prefix, { signal })).map((o) => o.key);
  }
}

function versionOf(head: ObjectHead, key: Uint8Array | undefined): ObjectVersion {
  return { etag: head.etag, keyFingerprint: key ? keyFingerprint(key) : undefined };
}
