// The storage client: one method per wire operation. The work is done in the other client/*.ts over one Transport.

import { sealCredentials } from '../credentials';
import { errorFromException, StorageError, throwIfAborted } from '../errors';
import { ServerProfile } from '../profile';
import { Transport } from '../transport';
import { Check } from '../validate';
import { appendObject } from './appendObject';
import { getBucketEncryption } from './bucketEncryption';
import * as buckets from './buckets';
import { copyObject } from './copyObject';
import { deleteObject, deleteObjects } from './deleteObjects';
import { detectDialect } from './detectDialect';
import * as multipart from './multipart';
import { getObject, headObject } from './readObject';
import { putObject } from './writeObject';
import {
  AppendResult, BucketEncryption, BucketHead, BucketInfo, CompletedPart, CompleteResult, ConnectionConfig, CopyOptions,
  CopyResult, CopySource, Credentials, DeleteObjectsResult, DeleteOptions, DialectName, GetResult, ListAllUploadsOptions,
  ListBucketsOptions, ListOptions, ListPage, ListPartsResult, ListUploadsOptions, ListUploadsResult, MultipartUploadInfo,
  MultipartUploadInit, ObjectHead, PartCopyOptions, PartWriteOptions, PutResult, ReadOptions, RequestOptions, WriteOptions,
} from '../types';
import {
  checkBody, checkConfig, checkCopySource, checkDeleteList, checkListOptions, checkParts, checkReadOptions, checkUploadsOptions,
  checkWriteOptions,
} from './arguments';

export type { CompleteOptions } from './multipart';

export class StorageClient {
  /** What this client learned about its server (dialect, clock, credentials, quirks); see profile.ts, QUIRKS.md. */
  readonly profile: ServerProfile;
  private readonly transport: Transport;
  private dialectProbe: Promise<void> | undefined;
  private disposed = false;

  readonly config: ConnectionConfig;

  /** Refuses a bad configuration (StorageError `InvalidEndpoint` / `InvalidArgument`) before anything is built. */
  constructor(config: ConnectionConfig) {
    checkConfig(config);
    this.config = { ...config, credentials: sealCredentials(config.credentials) };
    // `auto` starts as S3 and is settled by a probe before the first real request.
    this.profile = new ServerProfile(config.dialect, config.log);
    this.transport = new Transport(this.config, this.profile);
  }

  /** The dialect in use (for `auto`, S3 until `resolveDialect` has run). */
  get dialect(): DialectName {
    return this.profile.dialect.name;
  }

  /** Settles `auto` with the OBS probe (once per client); a failed probe is repeated on the next call. */
  async resolveDialect(signal?: AbortSignal): Promise<DialectName> {
    const c = new Check('resolveDialect');
    c.signal(signal);
    throwIfAborted(signal, { operation: 'resolveDialect' });
    if (!this.profile.dialectSettled) {
      this.dialectProbe ??= detectDialect(this.transport, signal).then((name) => this.profile.settleDialect(name), (e: unknown) => {
        this.dialectProbe = undefined;
        throw e;
      });
      await this.dialectProbe;
    }
    return this.dialect;
  }

  /** Replace the credentials (e.g. refreshed temporary credentials with a session token). */
  updateCredentials(credentials: Credentials): void {
    checkConfig({ ...this.config, credentials });
    this.transport.setCredentials(credentials);
  }

  /**
   * Every operation's door: checks its arguments (`check`, told the dialect when it is known: bucket rules differ)
   * and the signal before anything is sent, then runs `fn`. Whatever `fn` throws leaves as a StorageError.
   */
  private async run<T>(
    operation: string, signal: unknown, check: (c: Check, dialect: DialectName | undefined) => void, fn: (t: Transport) => Promise<T>,
  ): Promise<T> {
    const c = new Check(operation);
    const settled = this.profile.dialectSettled;
    check(c, settled ? this.dialect : undefined);
    c.signal(signal, 'opts.signal');
    const sig = signal as AbortSignal | undefined;
    try {
      throwIfAborted(sig, { operation });
      if (this.disposed) {
        throw new StorageError({ code: 'Aborted', operation, message: `${operation}: the storage client has been disposed` });
      }
      await this.resolveDialect(sig);
      if (!settled) {
        check(c, this.dialect);
      }
      return await fn(this.transport);
    } catch (e) {
      throw errorFromException(e, { operation }, sig);
    }
  }

  // ---- service and buckets ----

  async listBuckets(opts?: ListBucketsOptions): Promise<BucketInfo[]> {
    return this.run('listBuckets', opts?.signal, (c) => c.options(opts), (t) => buckets.listBuckets(t, opts));
  }

  async headBucket(bucket: string, opts?: RequestOptions): Promise<BucketHead> {
    return this.run('headBucket', opts?.signal, bucketOnly(bucket, opts), (t) => buckets.headBucket(t, bucket, opts));
  }

  async getBucketLocation(bucket: string, opts?: RequestOptions): Promise<string> {
    return this.run('getBucketLocation', opts?.signal, bucketOnly(bucket, opts), (t) => buckets.getBucketLocation(t, bucket, opts));
  }

  /** The bucket's default encryption; `undefined` when it has none. */
  async getBucketEncryption(bucket: string, opts?: RequestOptions): Promise<BucketEncryption | undefined> {
    return this.run('getBucketEncryption', opts?.signal, bucketOnly(bucket, opts), (t) => getBucketEncryption(t, bucket, opts));
  }

  /** One page: v2 (`list-type=2`) on S3, v1 markers on OBS; `encoding-type=url` always. */
  async listObjects(bucket: string, opts: ListOptions): Promise<ListPage> {
    return this.run('listObjects', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      checkListOptions(c, opts, true);
    }, (t) => buckets.listObjects(t, bucket, opts));
  }

  // ---- objects ----

  async headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectHead> {
    return this.run('headObject', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      checkReadOptions(c, opts, false);
    }, (t) => headObject(t, bucket, key, opts));
  }

  /** `opts.range` is inclusive and checked (start <= end): a malformed Range would make the server send everything. */
  async getObject(bucket: string, key: string, opts?: ReadOptions): Promise<GetResult> {
    return this.run('getObject', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      checkReadOptions(c, opts, true);
    }, (t) => getObject(t, bucket, key, opts));
  }

  /**
   * Always sends Content-MD5; throws `NotEncrypted` if the object was not stored with the encryption asked for.
   * `ifMatch` / `ifNoneMatch` make it conditional under the one If-Match policy (client/conditionalRequest.ts): a
   * conflict is `PreconditionFailed` naming both ETags.
   */
  async putObject(bucket: string, key: string, body: Uint8Array, opts?: WriteOptions): Promise<PutResult> {
    return this.run('putObject', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      checkBody(c, body, false);
      checkWriteOptions(c, opts, true);
    }, (t) => putObject(t, bucket, key, body, opts));
  }

  async appendObject(bucket: string, key: string, position: number, body: Uint8Array, opts?: WriteOptions): Promise<AppendResult> {
    return this.run('appendObject', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      c.offset(position, 'position');
      checkBody(c, body, false);
      checkWriteOptions(c, opts, false);
    }, (t) => appendObject(t, bucket, key, position, body, opts));
  }

  /**
   * Server-side copy (copy-source SSE-C key in `source`, metadata directive in `opts`). A 200 without an ETag or with
   * an `<Error>` body is a failure (NotImplemented keeps its code); the target's encryption is verified (`NotEncrypted`).
   */
  async copyObject(source: CopySource, bucket: string, key: string, opts?: CopyOptions): Promise<CopyResult> {
    return this.run('copyObject', opts?.signal, (c, d) => {
      checkCopySource(c, source, d);
      c.bucket(bucket, d);
      c.key(key);
      checkCopyOptions(c, opts);
    }, (t) => copyObject(t, source, bucket, key, opts));
  }

  async deleteObject(bucket: string, key: string, opts?: DeleteOptions): Promise<void> {
    return this.run('deleteObject', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      const o = c.options(opts);
      if (o.versionId !== undefined) {
        c.nonEmpty(o.versionId, 'opts.versionId', 'a version id (or leave it out)');
      }
    }, (t) => deleteObject(t, bucket, key, opts));
  }

  /** Batches of at most 1000 keys, each with Content-MD5. */
  async deleteObjects(bucket: string, keys: Array<string | { key: string; versionId?: string }>, opts?: RequestOptions): Promise<DeleteObjectsResult> {
    return this.run('deleteObjects', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      checkDeleteList(c, keys);
      c.options(opts);
    }, (t) => deleteObjects(t, bucket, keys, opts));
  }

  // ---- multipart ----

  async initiateMultipartUpload(bucket: string, key: string, opts?: WriteOptions): Promise<MultipartUploadInit> {
    return this.run('initiateMultipartUpload', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      checkWriteOptions(c, opts, false);
    }, async (t) => {
      const init = await multipart.initiateMultipartUpload(t, bucket, key, opts);
      this.config.uploads?.started({ bucket, key, uploadId: init.uploadId });
      return init;
    });
  }

  /** A part answered without an ETag is a failure (it could not be completed). */
  async uploadPart(
    bucket: string, key: string, uploadId: string, partNumber: number, body: Uint8Array | AsyncIterable<Uint8Array>,
    opts?: PartWriteOptions & { contentLength?: number },
  ): Promise<CompletedPart> {
    return this.run('uploadPart', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      c.uploadId(uploadId);
      c.partNumber(partNumber);
      checkReadOptions(c, opts, false);
      checkBody(c, body, true, opts?.contentLength);
    }, (t) => multipart.uploadPart(t, bucket, key, uploadId, partNumber, body, opts));
  }

  /** Like copyObject: a 200 without an ETag or with an `<Error>` body is a failure. */
  async uploadPartCopy(
    bucket: string, key: string, uploadId: string, partNumber: number, source: CopySource, opts?: PartCopyOptions,
  ): Promise<CompletedPart> {
    return this.run('uploadPartCopy', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      c.uploadId(uploadId);
      c.partNumber(partNumber);
      checkCopySource(c, source, d);
      const o = c.options(opts);
      c.sseKey(o.sseCustomerKey, 'opts.sseCustomerKey');
      c.range(o.range, 'opts.range', true);
    }, (t) => multipart.uploadPartCopy(t, bucket, key, uploadId, partNumber, source, opts));
  }

  /**
   * Conditional with `ifMatch` / `ifNoneMatch` (the If-Match policy of putObject; some servers ignore them here, see
   * `profile.quirks.conditionalCompleteIgnored`). A 200 with an `<Error>` body is a failure. Repeated after a lost or
   * 5xx answer; a repeat that finds the upload already completed is accepted only when the object's ETag is the one
   * these parts make (see client/multipart.ts). An upload id the server does not know is `NoSuchUpload`, not retried.
   */
  async completeMultipartUpload(
    bucket: string, key: string, uploadId: string, parts: CompletedPart[], opts?: multipart.CompleteOptions,
  ): Promise<CompleteResult> {
    return this.run('completeMultipartUpload', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      c.key(key);
      c.uploadId(uploadId);
      checkParts(c, parts);
      const o = c.options(opts);
      c.sseKey(o.sseCustomerKey, 'opts.sseCustomerKey');
      c.etag(o.ifMatch, 'opts.ifMatch');
      c.etag(o.ifNoneMatch, 'opts.ifNoneMatch');
    }, async (t) => {
      const done = await multipart.completeMultipartUpload(t, bucket, key, uploadId, parts, opts);
      this.config.uploads?.ended({ bucket, key, uploadId });
      return done;
    });
  }

  /** An upload that is already gone (404 NoSuchUpload) counts as aborted. */
  async abortMultipartUpload(bucket: string, key: string, uploadId: string, opts?: RequestOptions): Promise<void> {
    return this.run('abortMultipartUpload', opts?.signal, uploadTarget(bucket, key, uploadId, opts),
      async (t) => {
        this.config.uploads?.abandoned({ bucket, key, uploadId });
        await multipart.abortMultipartUpload(t, bucket, key, uploadId, opts);
        this.config.uploads?.ended({ bucket, key, uploadId });
      });
  }

  async listParts(
    bucket: string, key: string, uploadId: string, opts?: RequestOptions & { partNumberMarker?: number; maxParts?: number },
  ): Promise<ListPartsResult> {
    return this.run('listParts', opts?.signal, (c, d) => {
      uploadTarget(bucket, key, uploadId, opts)(c, d);
      if (opts?.partNumberMarker !== undefined) {
        c.offset(opts.partNumberMarker, 'opts.partNumberMarker');
      }
      c.positive(opts?.maxParts, 'opts.maxParts');
    }, (t) => multipart.listParts(t, bucket, key, uploadId, opts));
  }

  /** One page. */
  async listMultipartUploads(bucket: string, opts?: ListUploadsOptions): Promise<ListUploadsResult> {
    return this.run('listMultipartUploads', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      checkUploadsOptions(c, opts);
    }, (t) => multipart.listMultipartUploads(t, bucket, opts));
  }

  /** Every upload in progress under `opts.prefix`, all pages. */
  async listAllMultipartUploads(bucket: string, opts?: ListAllUploadsOptions): Promise<MultipartUploadInfo[]> {
    return this.run('listMultipartUploads', opts?.signal, (c, d) => {
      c.bucket(bucket, d);
      checkUploadsOptions(c, opts);
    }, (t) => multipart.listAllMultipartUploads(t, bucket, opts));
  }

  async dispose(): Promise<void> {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    await this.transport.close();
  }
}

function bucketOnly(bucket: string, opts: unknown): (c: Check, d: DialectName | undefined) => void {
  return (c, d) => {
    c.bucket(bucket, d);
    c.options(opts);
  };
}

function uploadTarget(bucket: string, key: string, uploadId: string, opts: unknown): (c: Check, d: DialectName | undefined) => void {
  return (c, d) => {
    c.bucket(bucket, d);
    c.key(key);
    c.uploadId(uploadId);
    c.options(opts);
  };
}

function checkCopyOptions(c: Check, opts: unknown): void {
  const o = c.options(opts);
  c.encryption(o.encryption, 'opts.encryption');
  c.oneOf(o.metadataDirective, 'opts.metadataDirective', ['COPY', 'REPLACE']);
  c.optionalHeader(o.contentType, 'opts.contentType');
  c.metadata(o.metadata, 'opts.metadata');
  if (o.sourceIfMatch !== '') {
    c.etag(o.sourceIfMatch, 'opts.sourceIfMatch');
  }
}
