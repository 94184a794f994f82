// Public shapes of the transfer layer (multipart upload, parallel download, verified copy, conditional save).

import { CopySource, EncryptionSpec, ObjectEncryption } from '../types';
import { ByteCounter } from './memory';

export interface TransferProgress {
  operation: 'upload' | 'download' | 'copy';
  /** Bytes sent (upload, copy) or delivered to the consumer (download) so far. */
  bytes: number;
  totalBytes: number;
  partsDone: number;
  /** 1 for single-request transfers. */
  partsTotal: number;
}

export interface TransferCommonOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Parts or ranges in flight at once (default 4). */
  concurrency?: number;
  /** Counts the bytes this transfer holds in memory; pass one in to watch it (held, peak). */
  memory?: ByteCounter;
}

/** Data of known size to upload. */
export type UploadSource =
  | { kind: 'file'; path: string }
  | { kind: 'stream'; stream: AsyncIterable<Uint8Array>; size: number }
  | { kind: 'bytes'; data: Uint8Array };

export interface UploadOptions extends TransferCommonOptions {
  encryption?: EncryptionSpec;
  contentType?: string;
  metadata?: Record<string, string>;
  /** Opaque ETag (quoted or not) the object must still have: a conditional save. */
  ifMatch?: string;
  /** `*`: create only, fail when the object exists. */
  ifNoneMatch?: '*';
  /** Sizes at or above this use multipart upload (default 16 MiB, at least 5 MiB). */
  multipartThreshold?: number;
  /** Part size; default 8 MiB, raised so that no upload needs more than 10,000 parts; never below 5 MiB. */
  partSize?: number;
  /** Attempts per part on top of the transport's own retries (default 4). */
  maxPartAttempts?: number;
}

export interface UploadResult {
  etag: string;
  encryption: ObjectEncryption;
  versionId?: string;
  size: number;
  multipart: boolean;
  parts: number;
  /** Most bytes this upload held at once (part buffers). */
  peakBytesHeld: number;
}

export interface DownloadOptions extends TransferCommonOptions {
  sseCustomerKey?: Uint8Array;
  /** Objects at or above this size are fetched as parallel ranged GETs (default 32 MiB). */
  parallelThreshold?: number;
  /** Size of each ranged GET (default 8 MiB). */
  rangeSize?: number;
  /** Attempts per range or per resumed stream (default 4). */
  maxRangeAttempts?: number;
  /** ETag the object must have (fails with PreconditionFailed otherwise). */
  ifMatch?: string;
}

export type CopyPath = 'server-copy' | 'server-multipart-copy' | 'streamed';

export type FallbackReason =
  /** The store answered 501 NotImplemented to the server-side copy. */
  | 'not-implemented'
  /** The server-side copy succeeded but the target's encryption is not what was asked for. */
  | 'encryption-not-applied'
  /** UploadPartCopy was refused while re-keying (RGW decrypts the source with the target key). */
  | 'part-copy-rejected'
  /**
   * This connection already answered NotImplemented for an encrypted copy (or refused a re-keying UploadPartCopy);
   * the server-side attempt was skipped (see the client's profile).
   */
  | 'known-unsupported'
  /** The caller asked for the streamed path. */
  | 'requested';

export interface CopyTarget {
  bucket: string;
  key: string;
}

export interface TransferCopyOptions extends TransferCommonOptions {
  /** Encryption of the target. */
  encryption?: EncryptionSpec;
  metadataDirective?: 'COPY' | 'REPLACE';
  contentType?: string;
  metadata?: Record<string, string>;
  /** Sizes above this use UploadPartCopy instead of CopyObject (default 5 GiB, the CopyObject limit). */
  multipartCopyThreshold?: number;
  /** Part size for UploadPartCopy and for the streamed fallback's upload. */
  partSize?: number;
  /** 'auto' (default): server-side, streamed when needed; 'server': never fall back; 'streamed': skip the server. */
  mode?: 'auto' | 'server' | 'streamed';
  /** Copy only the source version with this ETag (PreconditionFailed otherwise, nothing written). */
  sourceIfMatch?: string;
  /** Write the target only while it still has this ETag: an in-place re-encrypt never replaces a newer version. */
  targetIfMatch?: string;
}

export interface TransferCopyResult {
  etag: string;
  encryption: ObjectEncryption;
  size: number;
  path: CopyPath;
  /** Set when the streamed path ran. */
  fallbackReason?: FallbackReason;
  /** What the server said or did that caused the fallback (codes only, never secrets). */
  fallbackDetail?: string;
}

export type { CopySource };
