// One measured operation through the product (the objects service, as the commands, the editor and the tree use it),
// in its own process so its RSS is its own. Prints one JSON line.
// usage: node out/bench/ours.js <op> [args...]

import { readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadMany, newJob, openObjects, runJob, type JobRecord, type ObjectsSession } from '../src/objects';
import { keyFingerprint } from '../src/storage';
import { sameEverywhere } from '../src/keys/rules';
import { benchConfig, childMain, LabelQueue, measure, OpResult, TREE_LOOKUPS, TREE_PAGE } from './common';

interface BenchKey {
  fingerprint: string;
  key: Buffer;
}

/** A session over the bench connection whose stored keys are these key files, tried in this order. */
function session(keyFiles: string[]): { s: ObjectsSession; keys: BenchKey[] } {
  const keys = keyFiles.map((f) => readFileSync(f)).map((key) => ({ fingerprint: keyFingerprint(key), key }));
  const s = openObjects(benchConfig(), {
    candidates: async () => keys,
    byFingerprint: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
  }, sameEverywhere({ type: 'none' }));
  return { s, keys };
}

async function main(): Promise<OpResult> {
  const [op, ...args] = process.argv.slice(2);
  switch (op) {
    case 'upload': {
      // obs.upload's path: ObjectsService.upload (exists check, then the transfer engine's multipart upload).
      const [file, bucket, key, keyFile] = args;
      const { s, keys } = session([keyFile]);
      const r = await measure(async () => {
        const out = await s.objects.upload(file, bucket, key, { overwrite: true, encryption: { type: 'sse-c', key: keys[0].key } });
        return { amount: out.size };
      });
      await s.retire();
      return r;
    }
    case 'download': {
      // obs.download's path: ObjectsService.download (open with the stored key, parallel ranges to <path>.part).
      const [bucket, key, keyFile, out] = args;
      const { s } = session([keyFile]);
      const r = await measure(async () => ({ amount: (await s.objects.download(bucket, key, out)).size }));
      await s.retire();
      return r;
    }
    case 'list': {
      const [bucket, prefix] = args;
      const { s } = session([]);
      const r = await measure(async () => ({ amount: (await s.objects.listAll(bucket, prefix)).length }));
      await s.retire();
      return r;
    }
    case 'open': {
      // The editor's open: ObjectsService.read (open with a stored key, then the whole object), on a warm connection.
      const [bucket, key, warmKey, keyFile, iterations] = args;
      const { s } = session([keyFile]);
      await s.objects.read(bucket, warmKey);
      const times: number[] = [];
      const r = await measure(async () => {
        let bytes = 0;
        for (let i = 0; i < Number(iterations); i++) {
          const t0 = process.hrtime.bigint();
          bytes += (await s.objects.read(bucket, key)).data.length;
          times.push(Number(process.hrtime.bigint() - t0) / 1e9);
        }
        return { amount: bytes, extra: { times } };
      });
      await s.retire();
      return r;
    }
    case 'save': {
      // The editor's save of an existing SSE-C object: ObjectsService.write keeps its key (open, then a conditional
      // PUT, or multipart at 16 MiB and above).
      const [bucket, key, keyFile, mib] = args;
      const { s } = session([keyFile]);
      const data = Buffer.alloc(Number(mib) * 1024 * 1024, 7);
      // The editor reads a file before it can save it: read it first (not measured), then save over that version.
      const base = await s.objects.read(bucket, key).then((got) => got.version, () => undefined);
      const r = await measure(async () => {
        const out = await s.objects.write(bucket, key, data, { create: true, overwrite: true, base });
        return { amount: out.size, extra: { multipart: out.multipart } };
      });
      await s.retire();
      return r;
    }
    case 'expand': {
      // What the tree does on expanding a folder (src/vscode/tree/provider.ts page() and src/vscode/whichKey.ts):
      // listPage of TREE_PAGE with delimiter, each listed object's whichKey queued, TREE_LOOKUPS answered at once in
      // the background. firstSeconds: the first page listed and all its labels in. Then "Load more" through every
      // page (labels keep arriving in the background meanwhile, as in the tree): seconds is when the last page is
      // listed; with `all`, when the last label is in too.
      const [bucket, prefix, keyFile, waitAll] = args;
      const { s } = session([keyFile]);
      const r = await measure(async () => {
        const t0 = process.hrtime.bigint();
        const labels: Record<string, number> = {};
        const queue = new LabelQueue(TREE_LOOKUPS, async (key) => {
          const a = await s.objects.whichKey(bucket, key);
          const label = `${a.encryption.type}${a.opensWithStoredKey ? '' : ':no-key'}`;
          labels[label] = (labels[label] ?? 0) + 1;
        });
        let firstSeconds = 0;
        let objects = 0;
        let continuation: string | undefined;
        do {
          const page = await s.objects.listPage(bucket, prefix, { maxKeys: TREE_PAGE, continuation });
          const listed = page.objects.filter((o) => o.key !== prefix).map((o) => o.key);
          queue.add(listed);
          objects += listed.length;
          if (!firstSeconds) {
            await queue.idle();
            firstSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
          }
          continuation = page.isTruncated ? page.nextContinuation : undefined;
        } while (continuation);
        const listedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (waitAll === 'all') {
          await queue.idle();
        }
        await queue.stop();
        const labelled = queue.done;
        return { amount: objects, extra: { firstSeconds, listedSeconds, labelled, labels } };
      });
      await s.retire();
      return r;
    }
    case 'rekeyjob': {
      // The product's own re-key: an in-place obs.reencrypt job over a prefix (plan, verify, journal, report).
      // width `auto`: no concurrency option, the engine adapts it. `tolerate`: report failed objects, do not fail.
      const [bucket, prefix, fromFile, toFile, width, tolerate] = args;
      const { s, keys } = session([fromFile, toFile]);
      const journal = new Map<string, JobRecord>();
      const r = await measure(async () => {
        const report = await runJob({
          objects: async () => s.objects,
          key: async (fp) => keys.find((k) => k.fingerprint === fp)?.key,
          store: { save: async (rec) => { journal.set(rec.jobId, structuredClone(rec)); }, load: async (id) => journal.get(id), list: async () => [...journal.values()] },
        }, newJob({
          kind: 'reencrypt', targets: [{ connection: 'bench', bucket, key: prefix }],
          encryption: { type: 'sse-c', keyFingerprint: keys[1].fingerprint }, ifUnchanged: true, dryRun: false,
        }), width === 'auto' ? {} : { concurrency: Number(width) });
        if (tolerate !== 'tolerate' && (report.done !== report.planned || report.failed !== 0)) {
          throw new Error(`re-key job: ${report.done} of ${report.planned} done, ${report.failed} failed`);
        }
        const paths: Record<string, number> = {};
        for (const i of report.items) {
          paths[i.path] = (paths[i.path] ?? 0) + 1;
        }
        const errors = report.items.filter((i) => i.status === 'failed').slice(0, 3).map((i) => `${i.source}: ${i.error ?? '?'}`);
        return { amount: report.done, extra: { paths, planned: report.planned, failed: report.failed, errors, throttles: s.objects.throttles } };
      });
      await s.retire();
      return r;
    }
    case 'dlprefix': {
      // Download of a prefix: obs.download's engine (downloadMany: list, then each object to <path>.part and
      // renamed), `width` objects at once (`auto`: the adaptive width the command uses).
      const [bucket, prefix, keyFile, outDir, width] = args;
      const { s, keys } = session([keyFile]);
      // The prefix lands in <stage>/<its last folder name>/, moved to outDir afterwards (not measured).
      const stage = `${outDir}.stage`;
      await mkdir(stage, { recursive: true });
      const r = await measure(async () => {
        const report = await downloadMany({ objects: async () => s.objects, key: async (fp) => keys.find((k) => k.fingerprint === fp)?.key },
          [{ connection: 'bench', bucket, key: prefix }], stage, { overwrite: true, concurrency: width === 'auto' ? undefined : Number(width) });
        if (report.failed > 0 || report.done !== report.planned) {
          throw new Error(`download of ${prefix}: ${JSON.stringify({ ...report, items: report.items.filter((i) => i.status !== 'done').slice(0, 3) })}`);
        }
        return { amount: report.done };
      });
      await rename(join(stage, prefix.replace(/\/$/, '').split('/').pop() ?? ''), outDir);
      await rm(stage, { recursive: true, force: true });
      await s.retire();
      return r;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

childMain('ours.js', main);
