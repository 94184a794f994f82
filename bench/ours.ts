// One measured operation through our client, in its own process so its RSS is its own. Prints one JSON line.
// usage: node out/bench/ours.js <op> [args...]

import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import { copyWithFallback, downloadToFile, StorageClient, uploadObject } from '../src/storage';
import { newJob, openObjects, runJob, type JobRecord } from '../src/objects';
import { keyFingerprint } from '../src/storage';
import { benchClient, benchConfig, env, MiB, OpResult, rss } from './common';
import { sameEverywhere } from '../src/keys/rules';

async function measure(run: () => Promise<{ amount: number; extra?: Record<string, unknown> }>): Promise<OpResult> {
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

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      await fn(items[next++]);
    }
  }));
}

async function main(): Promise<void> {
  const [op, ...args] = process.argv.slice(2);
  let client: StorageClient | undefined;
  let result: OpResult;
  switch (op) {
    case 'upload': {
      const [file, bucket, key, keyFile] = args;
      client = benchClient();
      const c = client;
      const sseKey = readFileSync(keyFile);
      result = await measure(async () => {
        const r = await uploadObject(c, bucket, key, { kind: 'file', path: file }, { encryption: { type: 'sse-c', key: sseKey } });
        return { amount: r.size, extra: { parts: r.parts, peakBytesHeld: r.peakBytesHeld } };
      });
      break;
    }
    case 'download': {
      const [bucket, key, keyFile, out] = args;
      client = benchClient();
      const c = client;
      const sseKey = readFileSync(keyFile);
      result = await measure(async () => {
        const head = await downloadToFile(c, bucket, key, out, { sseCustomerKey: sseKey });
        return { amount: head.size };
      });
      break;
    }
    case 'list': {
      const [bucket, prefix] = args;
      client = benchClient();
      const c = client;
      result = await measure(async () => {
        let n = 0;
        let continuation: string | undefined;
        do {
          const page = await c.listObjects(bucket, { prefix, maxKeys: 1000, continuation });
          n += page.objects.length;
          continuation = page.isTruncated ? page.nextContinuation : undefined;
        } while (continuation);
        return { amount: n };
      });
      break;
    }
    case 'rekey': {
      const [bucket, srcPrefix, dstPrefix, keyAFile, keyBFile, width] = args;
      client = benchClient(true);
      const c = client;
      const keyA = readFileSync(keyAFile);
      const keyB = readFileSync(keyBFile);
      result = await measure(async () => {
        const keys: string[] = [];
        let continuation: string | undefined;
        do {
          const page = await c.listObjects(bucket, { prefix: srcPrefix, maxKeys: 1000, continuation });
          keys.push(...page.objects.map((o) => o.key));
          continuation = page.isTruncated ? page.nextContinuation : undefined;
        } while (continuation);
        const reasons: Record<string, number> = {};
        await pool(keys, Number(width), async (k) => {
          const r = await copyWithFallback(c, { bucket, key: k, sseCustomerKey: keyA },
            { bucket, key: dstPrefix + k.slice(srcPrefix.length) }, { encryption: { type: 'sse-c', key: keyB } });
          const why = `${r.path}${r.fallbackReason ? `:${r.fallbackReason}` : ''}`;
          reasons[why] = (reasons[why] ?? 0) + 1;
        });
        return { amount: keys.length, extra: { paths: reasons } };
      });
      break;
    }
    case 'rekeyjob': {
      // The product's own re-key: an in-place obs.reencrypt job over a prefix (plan, verify, journal, report).
      const [bucket, prefix, keyAFile, keyBFile, width] = args;
      const keys = [readFileSync(keyAFile), readFileSync(keyBFile)].map((key) => ({ fingerprint: keyFingerprint(key), key }));
      const session = openObjects(benchConfig(true), {
        candidates: async () => keys,
        byFingerprint: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
      }, sameEverywhere({ type: 'none' }));
      const journal = new Map<string, JobRecord>();
      result = await measure(async () => {
        const report = await runJob({
          objects: async () => session.objects,
          key: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
          store: { save: async (r) => { journal.set(r.jobId, structuredClone(r)); }, load: async (id) => journal.get(id), list: async () => [...journal.values()] },
        }, newJob({
          kind: 'reencrypt', targets: [{ connection: 'bench', bucket, key: prefix }],
          encryption: { type: 'sse-c', keyFingerprint: keys[1].fingerprint }, ifUnchanged: true, dryRun: false,
        }), { concurrency: Number(width) });
        if (report.done !== report.planned || report.failed !== 0) {
          throw new Error(`re-key job: ${report.done} of ${report.planned} done, ${report.failed} failed`);
        }
        const paths: Record<string, number> = {};
        for (const i of report.items) {
          paths[i.path] = (paths[i.path] ?? 0) + 1;
        }
        return { amount: report.done, extra: { paths } };
      });
      await session.retire();
      break;
    }
    case 'get1m': {
      // Our signed GET vs a bare undici GET of the same (public-read) object, sequential, after a warm-up.
      const [bucket, key, iterations] = args;
      client = benchClient();
      const c = client;
      const n = Number(iterations);
      const readOurs = async (): Promise<number> => {
        const r = await c.getObject(bucket, key);
        let size = 0;
        for await (const chunk of r.body) {
          size += chunk.byteLength;
        }
        return size;
      };
      const agent = new Agent({ connections: 4 });
      const origin = env('RGW_HTTP_ENDPOINT');
      const readBare = async (): Promise<number> => {
        const r = await agent.request({ origin, path: `/${bucket}/${key}`, method: 'GET' });
        let size = 0;
        for await (const chunk of r.body) {
          size += (chunk as Buffer).byteLength;
        }
        return size;
      };
      for (let i = 0; i < 20; i++) {
        await readOurs();
        await readBare();
      }
      const t0 = process.hrtime.bigint();
      let bare = 0;
      for (let i = 0; i < n; i++) {
        bare += await readBare();
      }
      const bareSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      result = await measure(async () => {
        let total = 0;
        for (let i = 0; i < n; i++) {
          total += await readOurs();
        }
        return { amount: total, extra: { bareSeconds, bareBytes: bare } };
      });
      await agent.close();
      break;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
  await client?.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`ours.js failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});

export { MiB };
