// Small control-flow helpers: linked abort controllers, abortable sleep, retry with backoff, a counting semaphore.

import { StorageError, StorageErrorCode } from '../errors';

/** A controller that aborts when the parent signal aborts; `dispose` unlinks it. */
export function linkedController(parent?: AbortSignal): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  if (!parent) {
    return { controller, dispose: () => undefined };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) {
    controller.abort(parent.reason);
  } else {
    parent.addEventListener('abort', onAbort, { once: true });
  }
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

export function abortedError(operation: string, bucket?: string, key?: string): StorageError {
  return new StorageError({ code: 'Aborted', operation, bucket, key, message: `${operation} cancelled` });
}

export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) {
    throw abortedError(operation);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError('wait'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError('wait'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const RETRYABLE: ReadonlySet<StorageErrorCode> = new Set<StorageErrorCode>(['Network', 'Timeout', 'ServerError', 'Throttled', 'BadDigest']);

export function isRetryable(e: unknown): boolean {
  return e instanceof StorageError && RETRYABLE.has(e.code);
}

/** Full-jitter exponential backoff: 250 ms, 500 ms, 1 s ... capped at 8 s. */
export function backoffMs(attempt: number): number {
  const cap = Math.min(8_000, 250 * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + Math.random() * (cap / 2));
}

/** Runs `fn` up to `attempts` times while it fails with a retryable StorageError. */
export async function withRetry<T>(attempts: number, signal: AbortSignal | undefined, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (signal?.aborted || attempt >= attempts || !isRetryable(e)) {
        throw e;
      }
      await sleep(backoffMs(attempt), signal);
    }
  }
}

/** A counting semaphore; `acquire` waits for a free slot. */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(slots: number) {
    this.free = Math.max(1, Math.floor(slots));
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      next();
    } else {
      this.free++;
    }
  }
}

/** Normalises anything thrown into a StorageError (undici stream errors mid-body become Network errors). */
export function asStorageError(e: unknown, operation: string, bucket?: string, key?: string): StorageError {
  if (e instanceof StorageError) {
    return e;
  }
  const err = e as { name?: string; code?: string } | undefined;
  if (err?.name === 'AbortError' || err?.code === 'ABORT_ERR' || err?.code === 'UND_ERR_ABORTED') {
    return abortedError(operation, bucket, key);
  }
  const detail = err?.code ?? err?.name ?? 'error';
  const code: StorageErrorCode = /TIMEOUT/.test(detail) ? 'Timeout' : 'Network';
  return new StorageError({ code, operation, bucket, key, message: `${operation}: ${code === 'Timeout' ? 'timed out' : 'network error'} (${detail})` });
}
