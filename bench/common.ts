// Shared by the benchmark orchestrator and the measured child processes.

import { readFileSync } from 'node:fs';
import { type ConnectionConfig, StorageClient } from '../src/storage';

export const MiB = 1024 * 1024;

export function env(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set (source .state/rgw-bench/env.sh)`);
  }
  return v;
}

/** The bench RGW's connection; `https` uses the TLS endpoint with the instance's self-signed CA. */
export function benchConfig(https = false): ConnectionConfig {
  return {
    endpoint: https ? env('RGW_HTTPS_ENDPOINT') : env('RGW_HTTP_ENDPOINT'),
    region: process.env.RGW_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env('RGW_ACCESS_KEY'), secretAccessKey: env('RGW_SECRET_KEY') },
    allowInsecureSse: !https,
    caCertificate: https ? readFileSync(env('RGW_CA_FILE'), 'utf8') : undefined,
  };
}

export function benchClient(https = false): StorageClient {
  return new StorageClient(benchConfig(https));
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
