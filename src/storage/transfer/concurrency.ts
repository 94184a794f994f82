// Bounded parallelism for parts and ranges: a child abort controller per transfer, a counting semaphore.
// (Retries and backoff: ../retry.ts.)

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
