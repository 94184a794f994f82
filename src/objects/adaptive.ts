// How many objects a job keeps in flight. A fixed width is wrong both ways: too few leaves a fast store idle, too
// many on a throttling store (S3 503 SlowDown, OBS and Ceph likewise) turns into retries and failed objects. This
// limit climbs while each step up still buys throughput, steps back when it stops paying, and halves when the store
// says it is throttling. Pure: the clock is injected, so it is tested without a store.

export interface AdaptiveLimitOptions {
  initial?: number;
  min?: number;
  max?: number;
  /** A measurement window: at least this long and at least `limit` completions. */
  windowMs?: number;
  now?: () => number;
}

/** After a throttle the width is multiplied by this (gentler than halving: a throttled store still serves). */
const BACK_OFF = 0.75;
/** A step up must buy at least this much more throughput to count. */
const GAIN = 1.03;
/** Windows spent settled before probing upwards again. */
const SETTLED_WINDOWS = 8;

export class AdaptiveLimit {
  private current: number;
  private readonly min: number;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private windowStart: number;
  private completions = 0;
  /** The width of the window before, and its throughput (completions per second). */
  private previous?: { width: number; rate: number };
  /** Windows left to hold the current width (after a throttle, or once climbing stopped paying). */
  private hold = 0;
  private lastThrottle = -Infinity;

  constructor(opts: AdaptiveLimitOptions = {}) {
    this.min = Math.max(1, opts.min ?? 1);
    this.max = Math.max(this.min, opts.max ?? 32);
    this.current = Math.min(this.max, Math.max(this.min, opts.initial ?? 4));
    this.windowMs = opts.windowMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.windowStart = this.now();
  }

  get limit(): number {
    return this.current;
  }

  /** One object finished (done, skipped or failed for its own reasons). */
  completed(): void {
    this.completions++;
    const elapsed = this.now() - this.windowStart;
    if (elapsed < this.windowMs || this.completions < this.current) {
      return;
    }
    const rate = (this.completions * 1000) / elapsed;
    const width = this.current;
    const before = this.previous;
    this.previous = { width, rate };
    this.restart();
    if (this.hold > 0) {
      this.hold--;
      return;
    }
    if (before && before.width === width - 1 && rate < before.rate * GAIN) {
      // The last step up bought nothing: settle one lower for a while, then probe again.
      this.current = Math.max(this.min, width - 1);
      this.hold = SETTLED_WINDOWS;
      return;
    }
    this.current = Math.min(this.max, width + 1);
  }

  /** The store answered with throttling (503 SlowDown / 429): back off at once, then hold for a window. */
  throttled(): void {
    if (this.now() - this.lastThrottle < this.windowMs) {
      return; // one burst of 503s is one signal
    }
    this.lastThrottle = this.now();
    this.current = Math.max(this.min, Math.floor(this.current * BACK_OFF));
    this.previous = undefined;
    this.hold = 1;
    this.restart();
  }

  private restart(): void {
    this.windowStart = this.now();
    this.completions = 0;
  }
}

export interface PoolOptions {
  /** Items in flight at once; without it the width adapts (an AdaptiveLimit from `initial` up to `max`). */
  width?: number;
  initial: number;
  max: number;
  /** Throttling answers seen so far by the connections involved (a rise is a throttle). */
  throttles: () => number;
  signal?: AbortSignal;
}

/**
 * Runs `work` for items 0..count-1, `width` at once when given, else as many as pays: the AdaptiveLimit is fed with
 * each completion, and with a throttle when the connections' throttle count rose meanwhile. Stops taking new items
 * once `signal` fires; rejects with the first error `work` throws (work that keeps going records its own failures).
 */
export async function adaptivePool(count: number, opts: PoolOptions, work: (i: number) => Promise<void>): Promise<void> {
  const limit = opts.width === undefined ? new AdaptiveLimit({ initial: opts.initial, max: opts.max }) : undefined;
  let seen = opts.throttles();
  let next = 0;
  let running = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fill = (): void => {
      while (!failed && !opts.signal?.aborted && next < count && running < (limit?.limit ?? opts.width ?? opts.initial)) {
        const i = next++;
        running++;
        work(i).then(() => {
          running--;
          if (limit) {
            const now = opts.throttles();
            if (now > seen) {
              seen = now;
              limit.throttled();
            } else {
              limit.completed();
            }
          }
          fill();
        }, (err: unknown) => {
          running--;
          failed = true;
          reject(err);
        });
      }
      if (running === 0 && !failed) {
        resolve();
      }
    };
    fill();
  });
}
