// Upload sources of known size, read part by part. Files are read positionally; streams are read with exact-size
// `read(n)` calls so the upload never holds more than the part it is filling (what the stream buffers internally
// is bounded by the stream's own highWaterMark).

import { open, FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { abortedError, StorageError } from '../errors';
import { UploadSource } from './transferTypes';

export interface PartReader {
  readonly size: number;
  /** True when `read` allocates a new buffer (counted as held); false when it returns a view of caller memory. */
  readonly copies: boolean;
  /** Reads `length` bytes at `offset`; calls come in ascending, contiguous order. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Fails when a stream source holds more bytes than its declared size. */
  checkEnd(): Promise<void>;
  /** Takes back a buffer `read` returned, once its part is settled, to fill the next part (fewer big allocations). */
  recycle?(buf: Uint8Array): void;
  close(): Promise<void>;
}

function sizeError(message: string): StorageError {
  return new StorageError({ code: 'InvalidArgument', operation: 'upload', message });
}

class BytesReader implements PartReader {
  readonly copies = false;
  constructor(private readonly data: Uint8Array) {}
  get size(): number {
    return this.data.byteLength;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.data.subarray(offset, offset + length);
  }
  async checkEnd(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Part buffers kept for reuse by one file upload: at most this many (the parts in flight). */
const SPARE_BUFFERS = 8;

class FileReader implements PartReader {
  readonly copies = true;
  /**
   * Buffers of settled parts. Reusing them keeps a large upload from allocating a fresh part-sized buffer per part:
   * freed buffers wait for the garbage collector, and a 300 MiB upload's RSS grew by the dozens of MiB they held.
   */
  private readonly spare: Buffer[] = [];
  constructor(private readonly fh: FileHandle, readonly size: number) {}
  recycle(buf: Uint8Array): void {
    if (Buffer.isBuffer(buf) && this.spare.length < SPARE_BUFFERS) {
      this.spare.push(buf);
    }
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const i = this.spare.findIndex((b) => b.length === length);
    const buf = i >= 0 ? this.spare.splice(i, 1)[0] : Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.fh.read(buf, filled, length - filled, offset + filled);
      if (bytesRead === 0) {
        throw sizeError(`the file is shorter than expected (ended at ${offset + filled} of ${this.size} bytes)`);
      }
      filled += bytesRead;
    }
    return buf;
  }
  async checkEnd(): Promise<void> {}
  async close(): Promise<void> {
    await this.fh.close();
  }
}

function waitReadable(r: Readable, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      r.off('readable', done);
      r.off('end', done);
      r.off('close', done);
      r.off('error', fail);
      signal?.removeEventListener('abort', abort);
    };
    const done = (): void => {
      cleanup();
      resolve();
    };
    const fail = (e: unknown): void => {
      cleanup();
      reject(e);
    };
    const abort = (): void => fail(abortedError({ operation: 'upload' }));
    r.once('readable', done);
    r.once('end', done);
    r.once('close', done);
    r.once('error', fail);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

export class StreamReader implements PartReader {
  readonly copies = true;
  private position = 0;
  private readonly stream: Readable;

  constructor(source: AsyncIterable<Uint8Array>, readonly size: number) {
    this.stream = source instanceof Readable ? source : Readable.from(source, { objectMode: false, highWaterMark: 64 * 1024 });
  }

  /** Up to `n` bytes, fewer only at the end of the stream. */
  private async take(n: number, signal?: AbortSignal): Promise<Buffer> {
    const r = this.stream;
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      if (r.errored) {
        throw r.errored;
      }
      if (r.readableLength > 0) {
        // Never ask for more than is buffered: read(n) beyond the highWaterMark would raise it to n.
        const chunk = r.read(Math.min(n - filled, r.readableLength)) as Buffer | string | null;
        if (chunk !== null) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          bytes.copy(out, filled);
          filled += bytes.length;
          continue;
        }
      }
      if (r.readableEnded || r.destroyed) {
        break;
      }
      r.read(0);
      if (r.readableLength > 0) {
        continue;
      }
      await waitReadable(r, signal);
    }
    return filled === n ? out : out.subarray(0, filled);
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (offset !== this.position) {
      throw sizeError(`stream sources are read in order (asked for ${offset}, at ${this.position})`);
    }
    const buf = await this.take(length, signal);
    this.position += buf.length;
    if (buf.length < length) {
      throw sizeError(`the source stream ended after ${this.position} of ${this.size} bytes`);
    }
    return buf;
  }

  async checkEnd(): Promise<void> {
    const extra = await this.take(1);
    if (extra.length > 0) {
      throw sizeError(`the source stream holds more than the declared ${this.size} bytes`);
    }
  }

  async close(): Promise<void> {
    if (!this.stream.readableEnded) {
      this.stream.destroy();
    }
  }
}

const LOCAL_REASONS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'has a part that is not a folder',
  EISDIR: 'is a folder, not a file',
  EACCES: 'is not accessible (permission denied)',
  EPERM: 'is not accessible (operation not permitted)',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'cannot be written: the disk is full',
  EMFILE: 'cannot be opened: too many open files',
};

/**
 * A local file failure as a StorageError naming the argument and the path (never a raw ENOENT). The path is the
 * caller's own, so naming it leaks nothing; the original error is not kept (its message repeats the path anyway).
 */
export function localFileError(e: unknown, operation: string, argument: string, path: string): StorageError {
  if (e instanceof StorageError) {
    return e;
  }
  const code = (e as { code?: unknown })?.code;
  const reason = typeof code === 'string' ? LOCAL_REASONS[code] ?? `cannot be used (${code})` : 'cannot be used';
  return new StorageError({
    code: code === 'ENOSPC' || code === 'EMFILE' ? 'Unknown' : 'InvalidArgument', operation, argument,
    message: `${operation}: ${argument} ${JSON.stringify(path)} ${reason}`,
  });
}

export async function openSource(source: UploadSource): Promise<PartReader> {
  switch (source.kind) {
    case 'bytes':
      return new BytesReader(source.data);
    case 'stream':
      if (!Number.isSafeInteger(source.size) || source.size < 0) {
        throw sizeError(`invalid source size ${source.size}`);
      }
      return new StreamReader(source.stream, source.size);
    case 'file': {
      let fh: FileHandle;
      try {
        fh = await open(source.path, 'r');
      } catch (e) {
        throw localFileError(e, 'upload', 'source.path', source.path);
      }
      try {
        const st = await fh.stat();
        if (!st.isFile()) {
          throw localFileError({ code: st.isDirectory() ? 'EISDIR' : 'EINVAL' }, 'upload', 'source.path', source.path);
        }
        return new FileReader(fh, st.size);
      } catch (e) {
        await fh.close();
        throw localFileError(e, 'upload', 'source.path', source.path);
      }
    }
  }
}
