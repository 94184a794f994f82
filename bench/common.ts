// Shared by the benchmark orchestrator and the measured child processes (ours, bare, proxy).

import { readFileSync } from 'node:fs';
import { type ConnectionConfig, StorageClient } from '../src/storage';

export const MiB = 1024 * 1024;

/** Part (and range) size and parts in flight the product uses by default at this commit; peers and bare get the same. */
export const PART_SIZE = Number(process.env.BENCH_PART_MIB ?? 8) * MiB;
export const TRANSFER_CONCURRENCY = Number(process.env.BENCH_TRANSFER_CONCURRENCY ?? 4);
/** The tree's page size and its background label lookups at once (src/vscode/tree/provider.ts, src/vscode/whichKey.ts). */
export const TREE_PAGE = 500;
export const TREE_LOOKUPS = 4;

export function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set (source .state/rgw-<name>/env.sh)`);
  }
  return v;
}

/**
 * The endpoint a measured child talks to: BENCH_ENDPOINT when set (the throttling proxy), else the RGW's HTTPS
 * endpoint, or its HTTP one with BENCH_SCHEME=http.
 */
export function benchEndpoint(): { url: string; https: boolean } {
  const url = process.env.BENCH_ENDPOINT
    ?? (process.env.BENCH_SCHEME === 'http' ? env('RGW_HTTP_ENDPOINT') : env('RGW_HTTPS_ENDPOINT'));
  return { url, https: url.startsWith('https:') };
}

/** The bench RGW's connection (see benchEndpoint); over HTTPS with the instance's self-signed CA. */
export function benchConfig(): ConnectionConfig {
  const { url, https } = benchEndpoint();
  return {
    endpoint: url,
    region: process.env.RGW_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env('RGW_ACCESS_KEY'), secretAccessKey: env('RGW_SECRET_KEY') },
    allowInsecureSse: !https,
    caCertificate: https ? readFileSync(env('RGW_CA_FILE'), 'utf8') : undefined,
  };
}

export function benchClient(): StorageClient {
  return new StorageClient(benchConfig());
}

/** Resident set size now, and the process's high-water mark (VmHWM) where /proc offers it. */
export function rss(): { now: number; hwm: number } {
  const now = process.memoryUsage().rss;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return { now, hwm: m ? Number(m[1]) * 1024 : now };
  } catch {
    return { now, hwm: now };
  }
}

export interface OpResult {
  seconds: number;
  /** Bytes moved or objects handled. */
  amount: number;
  idleRss: number;
  peakRss: number;
  extra?: Record<string, unknown>;
}

/** Runs one measured operation: wall time, and the process's peak RSS against its idle RSS just before. */
export async function measure(run: () => Promise<{ amount: number; extra?: Record<string, unknown> }>): Promise<OpResult> {
  (globalThis as { gc?: () => void }).gc?.();
  const idle = rss().now;
  let peak = idle;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = process.hrtime.bigint();
  try {
    const { amount, extra } = await run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { seconds, amount, idleRss: idle, peakRss: Math.max(peak, rss().hwm), extra };
  } finally {
    clearInterval(timer);
  }
}

/** At most `width` of `fn` at once over `items`. */
export async function pool<T>(items: T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

/** The tree's background label lookups (src/vscode/whichKey.ts): a queue drained `width` at a time. */
export class LabelQueue {
  private readonly pending: string[] = [];
  private running = 0;
  private stopped = false;
  private waiters: Array<() => void> = [];
  private error?: unknown;
  done = 0;

  constructor(private readonly width: number, private readonly lookup: (key: string) => Promise<void>) {}

  add(keys: string[]): void {
    this.pending.push(...keys);
    while (this.running < this.width && this.pending.length > 0) {
      this.running++;
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && this.pending.length > 0) {
        await this.lookup(this.pending.shift()!);
        this.done++;
      }
    } catch (e) {
      this.error ??= e;
      this.stopped = true;
    } finally {
      this.running--;
      if (this.running === 0) {
        this.waiters.splice(0).forEach((w) => w());
      }
    }
  }

  /** Resolves when nothing is queued or in flight; rejects with the first failed lookup. */
  async idle(): Promise<void> {
    if (this.running > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.error !== undefined) {
      throw this.error;
    }
  }

  /** Drops what is queued and waits for the lookups in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    await this.idle();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A measured child's main: runs `body` and prints its result as one JSON line, or fails with exit 1. */
export function childMain(name: string, body: () => Promise<OpResult>): void {
  body().then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }, (e: unknown) => {
    process.stderr.write(`${name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
