// Reading and writing objects with the right encryption, without `vscode`: which key opens an object, and
// what encryption a write must carry so that nothing is silently re-encrypted, decrypted or lost.
import { setBounded } from './boundedMap';
import {
  keyFingerprint,
  StorageError,
  type EncryptionSpec,
  type GetResult,
  type ObjectEncryption,
  type ObjectHead,
  type PutResult,
  type ReadOptions,
  type WriteOptions,
} from '../storage';
import { shortFingerprint } from './keyMaterial';
import { newEncryptionLabel } from './labels';
import type { ChosenEncryption, NewObjectEncryption } from './rules';

/** The part of the storage client this logic needs (StorageClient satisfies it). */
export interface ObjectClient {
  headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectHead>;
  getObject(bucket: string, key: string, opts?: ReadOptions): Promise<GetResult>;
  putObject(bucket: string, key: string, body: Uint8Array, opts?: WriteOptions): Promise<PutResult>;
}

export interface CandidateKey {
  fingerprint: string;
  key: Uint8Array;
}

/** Where candidate keys come from, in the order they are tried. */
export interface KeySource {
  candidates(): Promise<CandidateKey[]>;
  byFingerprint(fingerprint: string): Promise<Uint8Array | undefined>;
}

export type DefaultEncryption = NewObjectEncryption;

/** The encryption a new object at bucket/key gets (the governing rule's, else the connection's default), and why. */
export type EncryptionFor = (bucket: string, key: string) => ChosenEncryption;

/** An object's head plus the customer key that opened it, when it is SSE-C. */
export interface OpenedHead {
  head: ObjectHead;
  key?: Uint8Array;
}

/** No stored key opens this SSE-C object. Carries no key material, only counts and names. */
export class NoKeyOpensObjectError extends Error {
  readonly code = 'NoKeyOpensObject';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly triedKeys: number,
    /** The object's key MD5, when the server told it (RGW does not without the key). */
    readonly keyMd5?: string,
  ) {
    super(
      triedKeys === 0
        ? `${bucket}/${key} is encrypted with a customer key (SSE-C) and no SSE-C key is stored. Import its key with "Encrypted Buckets: Import SSE-C Key".`
        : `${bucket}/${key} is encrypted with a customer key (SSE-C) and no stored key opens it (tried ${triedKeys} key${triedKeys === 1 ? '' : 's'}). Import the right key with "Encrypted Buckets: Import SSE-C Key".`,
    );
    this.name = 'NoKeyOpensObjectError';
  }
}

export class MissingDefaultKeyError extends Error {
  readonly code = 'MissingDefaultKey';
  constructor(readonly fingerprint: string, readonly chosenBy = 'the connection\'s default') {
    super(
      `The SSE-C key ${shortFingerprint(fingerprint)} chosen by ${chosenBy} for new objects is not in the key store. Import it, or change ${chosenBy.startsWith('rule') ? 'the rule' : 'the connection\'s default encryption'}.`,
    );
    this.name = 'MissingDefaultKeyError';
  }
}

export const isKeyFailure = (err: unknown): boolean => {
  const code = (err as { code?: unknown })?.code;
  return code === 'KeyMissing' || code === 'KeyWrong';
};

/**
 * Remembers which key opened which object, so the next stat/read goes straight to it (s3fs-style trial
 * happens only once per object). Bounded, in memory, fingerprints only.
 */
export class KeyMemo {
  private readonly map = new Map<string, string>();
  /** The key that last opened an object in each folder: its neighbours usually share it. */
  private readonly folders = new Map<string, string>();
  constructor(private readonly limit = 5000) {}
  get(bucket: string, key: string): string | undefined {
    return this.map.get(`${bucket}\u0000${key}`);
  }
  /** A guess for an object not opened yet: the key its folder's last SSE-C object opened with. */
  folderHint(bucket: string, key: string): string | undefined {
    return this.folders.get(`${bucket}\u0000${key.slice(0, key.lastIndexOf('/') + 1)}`);
  }
  /** `opened`: the key was found by reading (a hint for the folder); a key we wrote with says nothing of the rest. */
  set(bucket: string, key: string, fingerprint: string, opened = true): void {
    if (opened) {
      setBounded(this.folders, `${bucket}\u0000${key.slice(0, key.lastIndexOf('/') + 1)}`, fingerprint, this.limit);
    }
    setBounded(this.map, `${bucket}\u0000${key}`, fingerprint, this.limit);
  }
}

export class EncryptedObjectAccess {
  constructor(
    private readonly client: ObjectClient,
    private readonly keys: KeySource,
    private readonly encryptionFor: EncryptionFor,
    private readonly memo = new KeyMemo(),
  ) {}

  /**
   * HEAD the object; if it turns out to be SSE-C, find the stored key that opens it: the key remembered for
   * this object first, then the key the rules (or the connection's default) choose for new objects there, then
   * every key in the ring.
   */
  async open(bucket: string, key: string, signal?: AbortSignal): Promise<OpenedHead> {
    const remembered = this.memo.get(bucket, key);
    const tried = new Set<string>();
    const tryKey = async (candidate: CandidateKey): Promise<OpenedHead | undefined> => {
      if (tried.has(candidate.fingerprint)) {
        return undefined;
      }
      tried.add(candidate.fingerprint);
      try {
        const head = await this.client.headObject(bucket, key, { sseCustomerKey: candidate.key, signal });
        // RGW accepts SSE-C headers on a plaintext object; only an echoed, matching MD5 proves the key.
        if (head.encryption.type === 'sse-c' && head.encryption.keyMd5 !== candidate.fingerprint) {
          return undefined;
        }
        if (head.encryption.type === 'sse-c') {
          this.memo.set(bucket, key, candidate.fingerprint);
          return { head, key: candidate.key };
        }
        return { head };
      } catch (err) {
        if (isKeyFailure(err)) {
          return undefined;
        }
        throw err;
      }
    };

    if (remembered) {
      const k = await this.keys.byFingerprint(remembered);
      const hit = k && (await tryKey({ fingerprint: remembered, key: k }));
      if (hit) {
        return hit;
      }
    }
    // Objects of one folder usually share a key: trying it first spares the keyless HEAD and its error answer (on
    // RGW over TLS an error answer costs a new connection). A guess that does not fit costs one request, no more.
    const hint = remembered ? undefined : this.memo.folderHint(bucket, key);
    const hintKey = hint ? await this.keys.byFingerprint(hint) : undefined;
    if (hint && hintKey) {
      const hit = await tryKey({ fingerprint: hint, key: hintKey }).catch((err: unknown) => {
        if ((err as { code?: unknown })?.code === 'Aborted') {
          throw err;
        }
        tried.delete(hint);
        return undefined;
      });
      if (hit?.key) {
        return hit;
      }
    }
    try {
      return { head: await this.client.headObject(bucket, key, { signal }) };
    } catch (err) {
      if ((err as { code?: unknown })?.code !== 'KeyMissing') {
        throw err;
      }
    }
    const ordered: CandidateKey[] = [];
    const def = this.preferred(bucket, key);
    if (def?.type === 'sse-c') {
      const k = await this.keys.byFingerprint(def.keyFingerprint);
      if (k) {
        ordered.push({ fingerprint: def.keyFingerprint, key: k });
      }
    }
    ordered.push(...(await this.keys.candidates()));
    for (const candidate of ordered) {
      const hit = await tryKey(candidate);
      if (hit) {
        return hit;
      }
    }
    throw new NoKeyOpensObjectError(bucket, key, tried.size);
  }

  /**
   * The key a read may try without a HEAD first: the one remembered for this object, else the one its folder's
   * objects opened with. Undefined when there is no such guess.
   */
  async guess(bucket: string, key: string): Promise<CandidateKey | undefined> {
    const fingerprint = this.memo.get(bucket, key) ?? this.memo.folderHint(bucket, key);
    const k = fingerprint ? await this.keys.byFingerprint(fingerprint) : undefined;
    return fingerprint && k ? { fingerprint, key: k } : undefined;
  }

  /**
   * What a read with `guess` proved: the opened object when the server echoed the guessed key's MD5 (RGW accepts
   * SSE-C headers on a plaintext object, so only the echo proves a key), else undefined.
   */
  confirm(bucket: string, key: string, head: ObjectHead, guess: CandidateKey): OpenedHead | undefined {
    if (head.encryption.type !== 'sse-c' || head.encryption.keyMd5 !== guess.fingerprint) {
      return undefined;
    }
    this.memo.set(bucket, key, guess.fingerprint);
    return { head, key: guess.key };
  }

  /** Only an ordering hint for reads: a broken rule must not stop an object from opening. */
  private preferred(bucket: string, key: string): DefaultEncryption | undefined {
    try {
      return this.encryptionFor(bucket, key).encryption;
    } catch {
      return undefined;
    }
  }

  /** Remembers that `k` opens this object (after we wrote it so): only its fingerprint is kept. */
  remember(bucket: string, key: string, k: Uint8Array): void {
    this.memo.set(bucket, key, keyFingerprint(k), false);
  }

  /**
   * Starts reading an object with the key that opens it. When this object's key (or its folder's) is remembered,
   * the GET goes first and its answer proves the key: one request instead of a HEAD and a GET. A guess that does not
   * fit costs that one GET, then the object is opened as `open` does.
   */
  async get(bucket: string, key: string, signal?: AbortSignal): Promise<{ opened: OpenedHead; res: GetResult }> {
    const guess = await this.guess(bucket, key);
    if (guess) {
      try {
        const res = await this.client.getObject(bucket, key, { sseCustomerKey: guess.key, signal });
        const opened = this.confirm(bucket, key, res.head, guess);
        if (opened) {
          return { opened, res };
        }
        res.body.cancel?.();
      } catch (err) {
        if ((err as { code?: unknown })?.code === 'Aborted') {
          throw err;
        }
        // Any refusal of the guess (a key error, an SSE-KMS object refusing SSE-C headers): open it the long way.
      }
    }
    const opened = await this.open(bucket, key, signal);
    return { opened, res: await this.client.getObject(bucket, key, { sseCustomerKey: opened.key, signal }) };
  }

  /** Reads a whole object (for the editor), with the key that opens it, into one buffer of its announced size. */
  async read(bucket: string, key: string, signal?: AbortSignal, maxBytes?: (head: ObjectHead) => void): Promise<{ data: Uint8Array; head: ObjectHead; opened: OpenedHead }> {
    const { opened, res } = await this.get(bucket, key, signal);
    try {
      maxBytes?.(res.head);
    } catch (e) {
      res.body.cancel?.();
      throw e;
    }
    let data = Buffer.allocUnsafe(res.head.size);
    let total = 0;
    for await (const chunk of res.body) {
      if (total + chunk.byteLength > data.length) {
        // More than announced (no Content-Length): grow rather than lose bytes.
        const bigger = Buffer.allocUnsafe(Math.max(data.length * 2, total + chunk.byteLength));
        data.copy(bigger, 0, 0, total);
        data = bigger;
      }
      data.set(chunk, total);
      total += chunk.byteLength;
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, total), head: res.head, opened };
  }


  /** The encryption a new object at bucket/key gets: the governing rule's, else the connection's default. */
  async encryptionForNew(bucket: string, key: string): Promise<EncryptionSpec> {
    return this.specOf(this.encryptionFor(bucket, key));
  }

  /**
   * The encryption for a new object at bucket/key, and what to say should the server refuse the write: which
   * encryption was asked for, for which bucket, and the rule or connection default that chose it.
   */
  async forNew(bucket: string, key: string): Promise<{ spec: EncryptionSpec; explain(err: unknown): unknown }> {
    const chosen = this.encryptionFor(bucket, key);
    return { spec: await this.specOf(chosen), explain: (err) => explainRefusedWrite(err, bucket, key, chosen) };
  }

  /** The encryption a rule (not a connection default) gives a new object at bucket/key, if a rule governs it. */
  async ruleEncryption(bucket: string, key: string): Promise<EncryptionSpec | undefined> {
    const chosen = this.encryptionFor(bucket, key);
    return chosen.rule ? this.specOf(chosen) : undefined;
  }

  /** The label of the encryption a rule (not a connection default) gives a new object at bucket/key, if any. */
  ruleLabel(bucket: string, key: string): string | undefined {
    try {
      const chosen = this.encryptionFor(bucket, key);
      return chosen.rule ? newEncryptionLabel(chosen.encryption) : undefined;
    } catch {
      return undefined; // a broken rule: the write itself says why
    }
  }

  private async specOf(chosen: ChosenEncryption): Promise<EncryptionSpec> {
    const def = chosen.encryption;
    switch (def.type) {
      case 'none':
        return { type: 'none' };
      case 'kms':
        return def.kmsKeyId ? { type: 'kms', keyId: def.kmsKeyId } : { type: 'kms' };
      case 'sse-c': {
        const k = await this.keys.byFingerprint(def.keyFingerprint);
        if (!k) {
          throw new MissingDefaultKeyError(def.keyFingerprint, chosen.chosenBy);
        }
        return { type: 'sse-c', key: k };
      }
    }
  }

  /** The encryption a rewrite of an existing object must carry to keep it exactly as it was. */
  encryptionToKeep(existing: ObjectEncryption, key: Uint8Array | undefined): EncryptionSpec {
    switch (existing.type) {
      case 'none':
        return { type: 'none' };
      case 'service':
        return { type: 'service' };
      case 'kms':
        return {
          type: 'kms',
          ...(existing.keyId ? { keyId: existing.keyId } : {}),
          ...(existing.dataAlgorithm === 'SM4' ? { dataAlgorithm: 'SM4' as const } : {}),
        };
      case 'sse-c':
        if (!key || keyFingerprint(key) !== existing.keyMd5) {
          // Never fall back to another encryption: refusing is the only safe answer.
          throw new Error('internal: SSE-C object without its key reached a write');
        }
        return { type: 'sse-c', key };
    }
  }

  /**
   * Writes an object keeping its current encryption (or, for a new one, the rule's or the connection default).
   * `expectedEtag` makes the save conditional when the transport supports it.
   */
  async write(
    bucket: string,
    key: string,
    data: Uint8Array,
    opts: { existing?: OpenedHead; contentType?: string; signal?: AbortSignal; ifMatch?: string; ifNoneMatch?: string },
  ): Promise<PutResult> {
    const encryption = opts.existing
      ? this.encryptionToKeep(opts.existing.head.encryption, opts.existing.key)
      : await this.encryptionForNew(bucket, key);
    const res = await this.client.putObject(bucket, key, data, {
      encryption,
      contentType: opts.contentType ?? opts.existing?.head.contentType,
      metadata: opts.existing?.head.metadata,
      signal: opts.signal,
      ifMatch: opts.ifMatch,
      ifNoneMatch: opts.ifNoneMatch,
    });
    if (encryption.type === 'sse-c') {
      this.memo.set(bucket, key, keyFingerprint(encryption.key), false);
    }
    return res;
  }
}

const EXPLAINED = new Set(['KmsKeyUnknown', 'AccessDenied', 'InvalidArgument', 'NotImplemented']);

/** A refused write of a new object, in words; other failures pass unchanged. Keeps the code and the request id. */
export function explainRefusedWrite(err: unknown, bucket: string, key: string, chosen: ChosenEncryption): unknown {
  if (!(err instanceof StorageError) || !EXPLAINED.has(err.code)) {
    return err;
  }
  const e = chosen.encryption;
  const what = newEncryptionLabel(e);
  const fix = chosen.rule ? 'or change the rule (setting obs.encryptionRules)' : 'or change the connection\'s default encryption';
  const server = err.serverCode ? ` (${err.serverCode}${err.serverMessage ? `: ${err.serverMessage}` : ''})` : ` (${err.code})`;
  let message: string;
  if (err.code === 'KmsKeyUnknown') {
    message = e.type === 'kms' && e.kmsKeyId
      ? `${bucket}/${key} was not written: the KMS key id "${e.kmsKeyId}", chosen by ${chosen.chosenBy}, is unknown to the server or not usable. Use a key id the server knows, ${fix}.`
      : `${bucket}/${key} was not written: bucket ${bucket}'s KMS key is unknown to the server or not usable (${what}, chosen by ${chosen.chosenBy}). Name a KMS key id, ${fix}.`;
  } else if (err.code === 'AccessDenied') {
    message = `${bucket}/${key} was not written: the server refused it${server}. Bucket ${bucket} may not allow ${what} (a bucket policy can block SSE-C or require SSE-KMS), which ${chosen.chosenBy} chose; ask for access, ${fix}.`;
  } else {
    message = `${bucket}/${key} was not written: bucket ${bucket} does not accept ${what}${server}, which ${chosen.chosenBy} chose. Choose an encryption the bucket accepts, ${fix}.`;
  }
  return new StorageError({
    code: err.code, message, operation: err.operation, status: err.status, serverCode: err.serverCode, serverMessage: err.serverMessage,
    requestId: err.requestId, hostId: err.hostId, indicator: err.indicator, resource: err.resource, bucket, key, cause: err,
  });
}
