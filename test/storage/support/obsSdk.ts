// Huawei's official OBS SDK (esdk-obs-nodejs), promisified, as a reference client.
// Host names like `<bucket>.localhost` do not resolve here, so its HTTP agent resolves every name to 127.0.0.1.

import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import type { LookupFunction } from 'node:net';

export interface SdkResult {
  CommonMsg: { Status: number; Code?: string; Message?: string; RequestId?: string };
  InterfaceResult?: Record<string, unknown>;
}

interface RawSdk {
  close(): void;
  [method: string]: unknown;
}

type Ctor = new (param: Record<string, unknown>) => RawSdk;

const requireCjs = createRequire(__filename);

/** Resolves every host name to loopback (both the callback and the `all: true` form). */
const loopbackLookup = ((_host: string, opts: unknown, cb: (...args: unknown[]) => void) => {
  const all = typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all === true;
  if (all) {
    cb(null, [{ address: '127.0.0.1', family: 4 }]);
  } else {
    cb(null, '127.0.0.1', 4);
  }
}) as unknown as LookupFunction;

export interface SdkOptions {
  /** `http://localhost:PORT` (OBS protocol after negotiation, virtual-hosted) or `http://127.0.0.1:PORT` (V2, path). */
  server: string;
  accessKey: string;
  secretKey: string;
  /** `obs` or `v2`; default lets the SDK decide (negotiation or its IP rule). */
  signature?: 'obs' | 'v2';
  negotiate?: boolean;
}

export class ObsSdk {
  private readonly raw: RawSdk;
  private readonly agent = new Agent({ keepAlive: false, lookup: loopbackLookup });

  private constructor(opts: SdkOptions) {
    const ObsClient = requireCjs('esdk-obs-nodejs') as Ctor;
    const param: Record<string, unknown> = {
      access_key_id: opts.accessKey,
      secret_access_key: opts.secretKey,
      server: opts.server,
      http_agent: this.agent,
      max_retry_count: 0,
      timeout: 30,
    };
    if (opts.signature !== undefined) {
      param.signature = opts.signature;
    }
    if (opts.negotiate !== undefined) {
      param.is_signature_negotiation = opts.negotiate;
    }
    this.raw = new ObsClient(param);
  }

  /** Builds the client and lets its asynchronous initialisation finish. */
  static async create(opts: SdkOptions): Promise<ObsSdk> {
    const sdk = new ObsSdk(opts);
    await new Promise((r) => setTimeout(r, 20));
    return sdk;
  }

  /** Calls an SDK method (`putObject`, `getObject`, ...) and resolves with its result; rejects on transport errors. */
  call(method: string, param: Record<string, unknown>): Promise<SdkResult> {
    const fn = this.raw[method];
    if (typeof fn !== 'function') {
      return Promise.reject(new Error(`esdk-obs-nodejs has no method ${method}`));
    }
    return new Promise((resolve, reject) => {
      (fn as (p: unknown, cb: (err: unknown, res: SdkResult) => void) => void).call(this.raw, param, (err, res) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        } else {
          resolve(res);
        }
      });
    });
  }

  /** Runs an SDK operation by its model name (`CopyObject`, ...) without the method wrapper's argument rewriting. */
  exec(operation: string, param: Record<string, unknown>): Promise<SdkResult> {
    const fn = this.raw.exec as (op: string, p: unknown, cb: (err: unknown, res: SdkResult) => void) => void;
    return new Promise((resolve, reject) => {
      fn.call(this.raw, operation, param, (err, res) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        } else {
          resolve(res);
        }
      });
    });
  }

  /** Like call(), but fails unless the HTTP status is 2xx. */
  async ok(method: string, param: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await this.call(method, param);
    if (res.CommonMsg.Status >= 300) {
      throw new Error(`esdk ${method}: HTTP ${res.CommonMsg.Status} ${res.CommonMsg.Code ?? ''} ${res.CommonMsg.Message ?? ''}`);
    }
    return res.InterfaceResult ?? {};
  }

  close(): void {
    this.raw.close();
    this.agent.destroy();
  }
}
