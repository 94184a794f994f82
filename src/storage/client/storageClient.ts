// The storage client: one method per wire operation. The work is done in the other client/*.ts over one Transport.

import { sealCredentials } from '../credentials';
import { StorageError } from '../errors';
import { ServerProfile } from '../profile';
import { Transport } from '../transport';
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

export type { CompleteOptions } from './multipart';

export class StorageClient {
  /** What this client learned about its server (dialect, clock, credentials, quirks); see profile.ts, QUIRKS.md. */
  readonly profile: ServerProfile;
  private readonly transport: Transport;
  private dialectProbe: Promise<void> | undefined;
  private disposed = false;

  readonly config: ConnectionConfig;

  constructor(config: ConnectionConfig) {
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
    this.transport.setCredentials(credentials);
  }

  private async t(signal?: AbortSignal): Promise<Transport> {
    if (this.disposed) {
      throw new StorageError({ code: 'Aborted', operation: 'request', message: 'the storage client has been disposed' });
    }
    await this.resolveDialect(signal);
    return this.transport;
  }

  // ---- service and buckets ----

  async listBuckets(opts?: ListBucketsOptions): Promise<BucketInfo[]> {
    return buckets.listBuckets(await this.t(opts?.signal), opts);
  }

  async headBucket(bucket: string, opts?: RequestOptions): Promise<BucketHead> {
    return buckets.headBucket(await this.t(opts?.signal), bucket, opts);
  }

  async getBucketLocation(bucket: string, opts?: RequestOptions): Promise<string> {
    return buckets.getBucketLocation(await this.t(opts?.signal), bucket, opts);
  }

  /** The bucket's default encryption; `undefined` when it has none. */
  async getBucketEncryption(bucket: string, opts?: RequestOptions): Promise<BucketEncryption | undefined> {
    return getBucketEncryption(await this.t(opts?.signal), bucket, opts);
  }

  /** One page: v2 (`list-type=2`) on S3, v1 markers on OBS; `encoding-type=url` always. */
  async listObjects(bucket: string, opts: ListOptions): Promise<ListPage> {
    return buckets.listObjects(await this.t(opts.signal), bucket, opts);
  }

  // ---- objects ----

  async headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectHead> {
    return headObject(await this.t(opts?.signal), bucket, key, opts);
  }

  async getObject(bucket: string, key: string, opts?: ReadOptions): Promise<GetResult> {
    return getObject(await this.t(opts?.signal), bucket, key, opts);
  }

  /**
   * Always sends Content-MD5; throws `NotEncrypted` if the object was not stored with the encryption asked for.
   * `ifMatch` / `ifNoneMatch` make it conditional under the one If-Match policy (client/conditionalRequest.ts): a
   * conflict is `PreconditionFailed` naming both ETags.
   */
  async putObject(bucket: string, key: string, body: Uint8Array, opts?: WriteOptions): Promise<PutResult> {
    return putObject(await this.t(opts?.signal), bucket, key, body, opts);
  }

  async appendObject(bucket: string, key: string, position: number, body: Uint8Array, opts?: WriteOptions): Promise<AppendResult> {
    return appendObject(await this.t(opts?.signal), bucket, key, position, body, opts);
  }

  /**
   * Server-side copy (copy-source SSE-C key in `source`, metadata directive in `opts`). A 200 without an ETag or with
   * an `<Error>` body is a failure (NotImplemented keeps its code); the target's encryption is verified (`NotEncrypted`).
   */
  async copyObject(source: CopySource, bucket: string, key: string, opts?: CopyOptions): Promise<CopyResult> {
    return copyObject(await this.t(opts?.signal), source, bucket, key, opts);
  }

  async deleteObject(bucket: string, key: string, opts?: DeleteOptions): Promise<void> {
    return deleteObject(await this.t(opts?.signal), bucket, key, opts);
  }

  /** Batches of at most 1000 keys, each with Content-MD5. */
  async deleteObjects(bucket: string, keys: Array<string | { key: string; versionId?: string }>, opts?: RequestOptions): Promise<DeleteObjectsResult> {
    return deleteObjects(await this.t(opts?.signal), bucket, keys, opts);
  }

  // ---- multipart ----

  async initiateMultipartUpload(bucket: string, key: string, opts?: WriteOptions): Promise<MultipartUploadInit> {
    const init = await multipart.initiateMultipartUpload(await this.t(opts?.signal), bucket, key, opts);
    this.config.uploads?.started({ bucket, key, uploadId: init.uploadId });
    return init;
  }

  /** A part answered without an ETag is a failure (it could not be completed). */
  async uploadPart(
    bucket: string, key: string, uploadId: string, partNumber: number, body: Uint8Array | AsyncIterable<Uint8Array>,
    opts?: PartWriteOptions & { contentLength?: number },
  ): Promise<CompletedPart> {
    return multipart.uploadPart(await this.t(opts?.signal), bucket, key, uploadId, partNumber, body, opts);
  }

  /** Like copyObject: a 200 without an ETag or with an `<Error>` body is a failure. */
  async uploadPartCopy(
    bucket: string, key: string, uploadId: string, partNumber: number, source: CopySource, opts?: PartCopyOptions,
  ): Promise<CompletedPart> {
    return multipart.uploadPartCopy(await this.t(opts?.signal), bucket, key, uploadId, partNumber, source, opts);
  }

  /**
   * Conditional with `ifMatch` / `ifNoneMatch` (the If-Match policy of putObject; some servers ignore them here, see
   * `profile.quirks.conditionalCompleteIgnored`). A 200 with an `<Error>` body is a failure. Repeated after a lost or
   * 5xx answer; a repeat that finds the upload already completed is accepted only when the object's ETag is the one
   * these parts make (see client/multipart.ts).
   */
  async completeMultipartUpload(
    bucket: string, key: string, uploadId: string, parts: CompletedPart[], opts?: multipart.CompleteOptions,
  ): Promise<CompleteResult> {
    const done = await multipart.completeMultipartUpload(await this.t(opts?.signal), bucket, key, uploadId, parts, opts);
    this.config.uploads?.ended({ bucket, key, uploadId });
    return done;
  }

  /** An upload that is already gone (404 NoSuchUpload) counts as aborted. */
  async abortMultipartUpload(bucket: string, key: string, uploadId: string, opts?: RequestOptions): Promise<void> {
    this.config.uploads?.abandoned({ bucket, key, uploadId });
    await multipart.abortMultipartUpload(await this.t(opts?.signal), bucket, key, uploadId, opts);
    this.config.uploads?.ended({ bucket, key, uploadId });
  }

  async listParts(
    bucket: string, key: string, uploadId: string, opts?: RequestOptions & { partNumberMarker?: number; maxParts?: number },
  ): Promise<ListPartsResult> {
    return multipart.listParts(await this.t(opts?.signal), bucket, key, uploadId, opts);
  }

  /** One page. */
  async listMultipartUploads(bucket: string, opts?: ListUploadsOptions): Promise<ListUploadsResult> {
    return multipart.listMultipartUploads(await this.t(opts?.signal), bucket, opts);
  }

  /** Every upload in progress under `opts.prefix`, all pages. */
  async listAllMultipartUploads(bucket: string, opts?: ListAllUploadsOptions): Promise<MultipartUploadInfo[]> {
    return multipart.listAllMultipartUploads(await this.t(opts?.signal), bucket, opts);
  }

  async dispose(): Promise<void> {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    await this.transport.close();
  }
}
