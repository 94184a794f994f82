// THE retry policy: which failures deserve another attempt, how long to wait before it, and that a cancelled run
// ends as StorageError `Aborted` whatever was thrown. The transport repeats one request with it, the client repeats
// a CompleteMultipartUpload with it, the transfer engine retries whole parts and ranges with it.

import { abortedError, ErrorContext, isStorageError, StorageErrorCode, throwIfAborted } from './errors';

const RETRYABLE: ReadonlySet<StorageErrorCode> = new Set<StorageErrorCode>(['Network', 'Timeout', 'ServerError', 'Throttled', 'BadDigest']);

/** Failures another attempt may cure: a broken or timed-out connection, a 5xx, throttling, a body garbled in transit. */
export function isRetryable(e: unknown): boolean {
  return isStorageError(e) && RETRYABLE.has(e.code);
}

/** The pause before attempt `attempt + 1`: exponential from 100 ms, capped at 5 s, jittered within its upper half. */
export function backoffMs(attempt: number): number {
  const cap = Math.min(5_000, 100 * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + Math.random() * (cap / 2));
}

/** Waits `ms`; rejects with `Aborted` (for `ctx`) as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, ctx: ErrorContext = { operation: 'wait' }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(ctx));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(ctx));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  /** Attempts in all (at least 1). */
  attempts: number;
  signal?: AbortSignal;
  /** Names the operation in the `Aborted` error of a cancelled run. */
  ctx?: ErrorContext;
  /** Which failures are repeated (default `isRetryable`). */
  retryable?: (e: unknown) => boolean;
}

/**
 * Runs `fn` (told its attempt number, from 1) until it succeeds, fails with something not retryable, or has used
 * its attempts, with `backoffMs` between attempts. Once `signal` has fired, the run ends with `Aborted`.
 */
export async function withRetry<T>(opts: RetryOptions, fn: (attempt: number) => Promise<T>): Promise<T> {
  const ctx = opts.ctx ?? { operation: 'retry' };
  const retryable = opts.retryable ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal, ctx);
    try {
      return await fn(attempt);
    } catch (e) {
      if (opts.signal?.aborted) {
        throw isStorageError(e, 'Aborted') ? e : abortedError(ctx);
      }
      if (attempt >= opts.attempts || !retryable(e)) {
        throw e;
      }
      await sleep(backoffMs(attempt), opts.signal, ctx);
    }
  }
}
