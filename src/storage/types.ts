// Public shapes of the storage core. Pure data: no `vscode`, no undici types leak out of here.

export type DialectName = 's3' | 'obs';
export type DialectSetting = DialectName | 'auto';
export type Addressing = 'path' | 'virtual' | 'auto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ConnectionConfig {
  /** e.g. `https://obs.cn-north-4.myhuaweicloud.com` or `http://127.0.0.1:18080` */
  endpoint: string;
  /** SigV4 region; defaults to `us-east-1`. */
  region?: string;
  dialect?: DialectSetting;
  addressing?: Addressing;
  credentials: Credentials;
  /** Allow SSE-C keys and SSE-KMS requests over plain http:// (local test servers only). */
  allowInsecureSse?: boolean;
  /** PEM text of an extra CA to trust for HTTPS. */
  caCertificate?: string;
  /** Attempts per replayable request (default 3). */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Told of every multipart upload this client starts and ends, so none is left behind unseen (no key material). */
  uploads?: UploadWatcher;
  /** Optional request log sink; called once per request with secrets already removed. */
  log?: (line: string) => void;
  /** Injectable clock for tests. */
  now?: () => Date;
}

/** What the caller asks for on a write. */
export type EncryptionSpec =
  | { type: 'none' }
  | { type: 'kms'; keyId?: string; dataAlgorithm?: 'SM4'; projectId?: string }
  | { type: 'sse-c'; key: Uint8Array }
  | { type: 'service' };

/** What the server reports about an object's encryption. */
export type ObjectEncryption =
  | { type: 'none' }
  | { type: 'kms'; keyId?: string; dataAlgorithm?: string }
  | { type: 'sse-c'; keyMd5: string; algorithm: string }
  | { type: 'service' };

export interface BucketInfo {
  name: string;
  creationDate?: Date;
  location?: string;
}

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified: Date;
  etag: string;
  storageClass?: string;
}

export interface ListPage {
  objects: ObjectSummary[];
  prefixes: string[];
  isTruncated: boolean;
  /** Pass back as `continuation` to get the next page. */
  nextContinuation?: string;
}

export interface ObjectHead {
  size: number;
  etag: string;
  lastModified: Date;
  contentType?: string;
  encryption: ObjectEncryption;
  metadata: Record<string, string>;
  /** OBS appendable objects / RGW append */
  nextAppendPosition?: number;
  /** Present on versioned buckets. */
  versionId?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ReadOptions extends RequestOptions {
  /** SSE-C key for reading an SSE-C object (only type 'sse-c' matters on reads). */
  sseCustomerKey?: Uint8Array;
  /** Inclusive byte range. */
  range?: { start: number; end?: number };
}

export interface WriteOptions extends RequestOptions {
  encryption?: EncryptionSpec;
  contentType?: string;
  metadata?: Record<string, string>;
  /** Opaque ETag (quoted or not) the object must still have (conditional save). */
  ifMatch?: string;
  /** `*` for create-only. */
  ifNoneMatch?: string;
}

export interface PutResult {
  etag: string;
  encryption: ObjectEncryption;
  versionId?: string;
}

export interface DeleteOptions extends RequestOptions {
  versionId?: string;
}

export interface GetResult {
  head: ObjectHead;
  /** Streamed body; consume or cancel it. */
  body: AsyncIterable<Uint8Array> & { cancel?(): void };
}

export interface ListOptions extends RequestOptions {
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  continuation?: string;
}

// ---- Full operation set (issue 3) ----

export interface AppendResult {
  /** ETag of the appended chunk only (OBS) or of the object (RGW); opaque either way. */
  etag: string;
  /** Position to pass to the next append. */
  nextPosition: number;
  encryption: ObjectEncryption;
}

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
  /** SSE-C key of the source object (sent as the copy-source-...-customer-* headers). */
  sseCustomerKey?: Uint8Array;
}

export interface CopyOptions extends RequestOptions {
  /** Encryption of the target (SSE-C key, KMS key, service, none). */
  encryption?: EncryptionSpec;
  /** COPY keeps the source's metadata and content type; REPLACE uses contentType/metadata below. Default COPY. */
  metadataDirective?: 'COPY' | 'REPLACE';
  contentType?: string;
  metadata?: Record<string, string>;
  /** Copy only if the source still has this ETag. */
  sourceIfMatch?: string;
}

export interface CopyResult {
  etag: string;
  lastModified?: Date;
  encryption: ObjectEncryption;
  versionId?: string;
}

export interface MultipartUploadInit {
  uploadId: string;
  encryption: ObjectEncryption;
}

export interface PartWriteOptions extends RequestOptions {
  /** SSE-C key of the upload (every part must carry it). */
  sseCustomerKey?: Uint8Array;
}

export interface PartCopyOptions extends PartWriteOptions {
  /** Inclusive byte range of the source. */
  range?: { start: number; end: number };
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface CompleteResult {
  /** The object's ETag (from the answer, or from a HEAD when the server answered an empty one, as RGW does). */
  etag: string;
  /** What the answer (or that HEAD) says about the object's encryption. */
  encryption: ObjectEncryption;
  versionId?: string;
}

export interface PartInfo extends CompletedPart {
  size: number;
  lastModified?: Date;
}

export interface ListPartsResult {
  parts: PartInfo[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

/** A multipart upload by its address: bucket, key and upload id, nothing else. */
export interface UploadRef {
  bucket: string;
  key: string;
  uploadId: string;
}

/**
 * Hears of each multipart upload: `started` after the server gave its id, `abandoned` when its abort is first
 * attempted (a failed or cancelled transfer), `ended` once it is completed or aborted (or found gone).
 */
export interface UploadWatcher {
  started(u: UploadRef): void;
  abandoned(u: UploadRef): void;
  ended(u: UploadRef): void;
}

export interface MultipartUploadInfo {
  key: string;
  uploadId: string;
  initiated?: Date;
}

export interface ListUploadsResult {
  uploads: MultipartUploadInfo[];
  prefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export interface ListUploadsOptions extends RequestOptions {
  prefix?: string;
  delimiter?: string;
  maxUploads?: number;
  keyMarker?: string;
  uploadIdMarker?: string;
}

/** Every page of ListMultipartUploads: only a prefix narrows it. */
export interface ListAllUploadsOptions extends RequestOptions {
  prefix?: string;
}

export interface DeleteObjectsResult {
  deleted: Array<{ key: string; versionId?: string }>;
  errors: Array<{ key: string; versionId?: string; code: string; message?: string }>;
}

export interface BucketHead {
  /** Region from x-amz-bucket-region / x-obs-bucket-location when the server sends it. */
  region?: string;
  /** OBS parallel file system bucket. */
  fileInterface?: boolean;
}

/** A bucket's default encryption; `undefined` from getBucketEncryption when the bucket has none. */
export interface BucketEncryption {
  algorithm: 'kms' | 'service';
  kmsKeyId?: string;
  dataAlgorithm?: string;
  projectId?: string;
}

export interface ListBucketsOptions extends RequestOptions {
  /** Ask OBS to include each bucket's region (x-obs-location: true). */
  withLocation?: boolean;
}
