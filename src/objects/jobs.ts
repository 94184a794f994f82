// Copy and re-encrypt jobs over one object, a selection or a prefix: planned, run with bounded concurrency,
// cancellable, journaled (fingerprints only, never key bytes) so that a cancelled or interrupted job resumes
// without redoing what is done, and without trusting it blindly. No `vscode`.
import { randomUUID } from 'node:crypto';
import { shortFingerprint } from '../keys/keyMaterial';
import { encryptionLabel } from '../keys/labels';
import { sameKmsKey, StorageError, type EncryptionSpec, type ObjectEncryption } from '../storage';
import { adaptivePool } from './adaptive';
import type { ObjectsService } from './service';

export interface ObjectLocation {
  connection: string;
  bucket: string;
  /** Ending in `/` (or empty): everything under this prefix. */
  key: string;
}

export type EncryptionArg =
  | { type: 'keep' }
  | { type: 'none' }
  | { type: 'kms'; kmsKeyId?: string }
  | { type: 'sse-c'; keyFingerprint: string };

export type ItemStatus = 'planned' | 'done' | 'skipped' | 'failed';

export interface JobItem {
  source: string;
  target: string;
  path: 'server' | 'streamed';
  from: string;
  to: string;
  status: ItemStatus;
  bytes: number;
  /** Why an item was skipped, in words. */
  reason?: string;
  /** Why it failed, in words (status and request id when the server gave them). */
  error?: string;
}

/** What every report counts: objects planned, done, skipped, failed, and the bytes written. */
export interface ReportCounts {
  cancelled: boolean;
  planned: number;
  done: number;
  skipped: number;
  failed: number;
  bytes: number;
}

export interface JobReport extends ReportCounts {
  jobId: string;
  kind: 'copy' | 'reencrypt';
  dryRun: boolean;
  items: JobItem[];
}

export type JobSpec =
  | { kind: 'copy'; sources: ObjectLocation[]; target: ObjectLocation; encryption: EncryptionArg; overwrite: boolean; dryRun: boolean }
  | { kind: 'reencrypt'; targets: ObjectLocation[]; encryption: EncryptionArg; ifUnchanged: boolean; dryRun: boolean };

/** What the journal keeps: the arguments (fingerprints, no key bytes), and which items are done. */
export interface JobRecord {
  jobId: string;
  spec: JobSpec;
  createdAt: string;
  updatedAt: string;
  state: 'running' | 'cancelled' | 'interrupted' | 'finished';
  done: string[];
  summary?: { planned: number; done: number; skipped: number; failed: number; bytes: number };
}

export interface JobStore {
  save(record: JobRecord): Promise<void>;
  load(jobId: string): Promise<JobRecord | undefined>;
  list(): Promise<JobRecord[]>;
}

export interface JobEnvironment {
  objects(connection: string): Promise<ObjectsService>;
  key(fingerprint: string): Promise<Uint8Array | undefined>;
  store: JobStore;
}

export interface JobProgress {
  items: number;
  totalItems: number;
  bytes: number;
  totalBytes: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Objects in flight at once; without it the width adapts (from 4, up while it pays, down on throttling). */
  concurrency?: number;
}

interface Pair {
  source: ObjectLocation;
  target: ObjectLocation;
  size: number;
}

const DEFAULT_CONCURRENCY = 4;
/** The most objects an adaptive job keeps in flight. */
const MAX_CONCURRENCY = 32;
/** The journal is written at most this often while a job runs (and always at its end). */
const JOURNAL_INTERVAL_MS = 1000;

export const locationText = (l: ObjectLocation): string => `${l.connection}/${l.bucket}/${l.key}`;
const isPrefix = (key: string): boolean => key === '' || key.endsWith('/');
const itemId = (p: Pair): string => `${locationText(p.source)}\u0000${locationText(p.target)}`;

export function newJob(spec: JobSpec, jobId: string = randomUUID()): JobRecord {
  const now = new Date().toISOString();
  return { jobId, spec, createdAt: now, updatedAt: now, state: 'running', done: [] };
}

export function describeChoice(arg: EncryptionArg): string {
  switch (arg.type) {
    case 'keep':
      return 'kept as it is';
    case 'none':
      return 'not encrypted';
    case 'kms':
      return arg.kmsKeyId ? `SSE-KMS ${arg.kmsKeyId}` : 'SSE-KMS';
    case 'sse-c':
      return `SSE-C ${shortFingerprint(arg.keyFingerprint)}`;
  }
}

/** Whether an object already has the encryption asked for. */
export function alreadyIn(e: ObjectEncryption, arg: EncryptionArg): boolean {
  switch (arg.type) {
    case 'keep':
      return true;
    case 'none':
      return e.type === 'none';
    case 'kms':
      return e.type === 'kms' && (arg.kmsKeyId === undefined || (e.keyId !== undefined && sameKmsKey(arg.kmsKeyId, e.keyId)));
    case 'sse-c':
      return e.type === 'sse-c' && e.keyMd5 === arg.keyFingerprint;
  }
}

export async function resolveChoice(env: Pick<JobEnvironment, 'key'>, arg: EncryptionArg): Promise<EncryptionSpec | { type: 'keep' }> {
  switch (arg.type) {
    case 'keep':
    case 'none':
      return { type: arg.type };
    case 'kms':
      return arg.kmsKeyId ? { type: 'kms', keyId: arg.kmsKeyId } : { type: 'kms' };
    case 'sse-c': {
      const key = await env.key(arg.keyFingerprint);
      if (!key) {
        throw new StorageError({
          code: 'InvalidArgument', operation: 'job',
          message: `No stored SSE-C key has the fingerprint ${shortFingerprint(arg.keyFingerprint)}. Import it first ("Encrypted Buckets: Import SSE-C Key").`,
        });
      }
      return { type: 'sse-c', key };
    }
  }
}

/** Expands sources (objects and prefixes) into source -> target pairs. */
async function plan(env: JobEnvironment, spec: JobSpec, signal?: AbortSignal): Promise<Pair[]> {
  const sources = spec.kind === 'copy' ? spec.sources : spec.targets;
  const pairs: Pair[] = [];
  for (const src of sources) {
    const svc = await env.objects(src.connection);
    const listed = isPrefix(src.key)
      ? (await svc.listAll(src.bucket, src.key, { signal })).filter((o) => !o.key.endsWith('/'))
      : [await single(svc, src, signal)];
    for (const o of listed) {
      const source = { ...src, key: o.key };
      let target = source;
      if (spec.kind === 'copy') {
        const t = spec.target;
        const relative = isPrefix(src.key) ? o.key.slice(src.key.length) : o.key.slice(o.key.lastIndexOf('/') + 1);
        const intoPrefix = isPrefix(t.key) || isPrefix(src.key) || sources.length > 1;
        const base = intoPrefix && !isPrefix(t.key) ? `${t.key}/` : t.key;
        target = { ...t, key: intoPrefix ? base + relative : t.key };
      }
      pairs.push({ source, target, size: o.size });
    }
  }
  return pairs;
}

async function single(svc: ObjectsService, src: ObjectLocation, signal?: AbortSignal): Promise<{ key: string; size: number }> {
  const st = await svc.stat(src.bucket, src.key, { signal });
  if (st.kind !== 'file') {
    throw new StorageError({ code: 'InvalidArgument', operation: 'job', message: `${locationText(src)} is a folder: end it with "/" to mean everything under it.` });
  }
  return { key: src.key, size: st.size };
}

export function errorText(err: unknown): string {
  const e = err as { message?: unknown; status?: unknown; requestId?: unknown };
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const status = typeof e?.status === 'number' ? ` (HTTP ${e.status}${typeof e.requestId === 'string' ? `, request id ${e.requestId}` : ''})` : '';
  return msg + status;
}

const codeOf = (err: unknown): unknown => (err as { code?: unknown })?.code;

/**
 * Runs `work` over the pairs: `width` at once when given, else as many as pays (adaptivePool, fed with every
 * throttling answer of the connections involved).
 */
async function pool(pairs: Pair[], width: number | undefined, env: JobEnvironment, signal: AbortSignal | undefined, work: (p: Pair) => Promise<void>): Promise<void> {
  const services = new Set<ObjectsService>();
  if (width === undefined) {
    for (const name of new Set(pairs.flatMap((p) => [p.source.connection, p.target.connection]))) {
      services.add(await env.objects(name));
    }
  }
  const throttles = (): number => [...services].reduce((n, s) => n + s.throttles, 0);
  await adaptivePool(pairs.length, { width, initial: DEFAULT_CONCURRENCY, max: MAX_CONCURRENCY, throttles, signal }, (i) => work(pairs[i]));
}

/** Runs (or resumes) a job; returns its report. A cancelled job returns its partial report with `cancelled`. */
export async function runJob(env: JobEnvironment, record: JobRecord, opts: RunOptions = {}): Promise<JobReport> {
  const { spec } = record;
  const pairs = await plan(env, spec, opts.signal);
  const choice = await resolveChoice(env, spec.encryption);
  const done = new Set(record.done);
  const items: JobItem[] = [];
  const progress: JobProgress = { items: 0, totalItems: pairs.length, bytes: 0, totalBytes: pairs.reduce((n, p) => n + p.size, 0) };
  let lastSave = Date.now();
  const journal = async (force = false): Promise<void> => {
    if (spec.dryRun || (!force && Date.now() - lastSave < JOURNAL_INTERVAL_MS)) {
      return;
    }
    lastSave = Date.now();
    record.updatedAt = new Date().toISOString();
    await env.store.save(record);
  };
  if (!spec.dryRun) {
    record.state = 'running';
    await journal(true);
  }

  const one = async (p: Pair): Promise<JobItem> => {
    const src = await env.objects(p.source.connection);
    const dst = await env.objects(p.target.connection);
    const crossing = p.source.connection !== p.target.connection;
    const inPlace = !crossing && p.source.bucket === p.target.bucket && p.source.key === p.target.key;
    const item: JobItem = {
      source: locationText(p.source), target: locationText(p.target), path: crossing ? 'streamed' : 'server',
      from: '?', to: describeChoice(spec.encryption), status: 'planned', bytes: 0,
    };
    try {
      if (inPlace && !spec.dryRun && spec.kind === 'reencrypt' && choice.type !== 'keep') {
        // Where the store cannot copy encrypted objects, a small object is read once and written back: no HEAD.
        const fast = await src.rewriteInPlace(p.source.bucket, p.source.key, {
          size: p.size, encryption: choice, ifUnchanged: spec.ifUnchanged, signal: opts.signal,
          skipIf: (e) => alreadyIn(e, spec.encryption),
        });
        if (fast && 'skipped' in fast) {
          const from = encryptionLabel(fast.skipped) ?? '?';
          return { ...item, from, status: 'skipped', reason: `already ${from}` };
        }
        if (fast) {
          record.done.push(itemId(p));
          return { ...item, path: 'streamed', from: encryptionLabel(fast.from) ?? '?', to: encryptionLabel(fast.encryption) ?? item.to, status: 'done', bytes: fast.size };
        }
      }
      const st = await src.stat(p.source.bucket, p.source.key, { signal: opts.signal, handOff: !spec.dryRun });
      if (st.kind !== 'file') {
        return { ...item, status: 'skipped', reason: 'not an object' };
      }
      item.from = encryptionLabel(st.encryption) ?? '?';
      if (spec.encryption.type === 'keep') {
        // A new object under a rule's prefix gets the rule's encryption (see ObjectsService.copy).
        item.to = (!inPlace && (await dst.ruleEncryptionLabel(p.target.bucket, p.target.key))) || item.from;
      }
      if (!st.opensWithStoredKey) {
        return { ...item, status: 'failed', error: `${item.source} is encrypted with an SSE-C key that is not stored; import its key to copy it.` };
      }
      if (inPlace && alreadyIn(st.encryption, spec.encryption)) {
        return { ...item, status: 'skipped', reason: `already ${item.from}` };
      }
      if (!inPlace && (done.has(itemId(p)) || spec.kind === 'copy')) {
        // A resumed job checks what it did instead of trusting its journal; a copy never overwrites by surprise.
        const existing = await dst.stat(p.target.bucket, p.target.key, { signal: opts.signal }).catch((e: unknown) => {
          if (codeOf(e) === 'NoSuchKey') {
            return undefined;
          }
          throw e;
        });
        if (existing?.kind === 'file') {
          const wanted = spec.encryption.type === 'keep' ? st.encryption : undefined;
          const matches = wanted ? existing.encryption.type === wanted.type && existing.size === st.size : alreadyIn(existing.encryption, spec.encryption);
          if (done.has(itemId(p)) && matches) {
            return { ...item, status: 'skipped', reason: 'already copied by an earlier run of this job' };
          }
          if (spec.kind === 'copy' && !spec.overwrite) {
            return { ...item, status: 'skipped', reason: 'the target exists (overwrite is false)' };
          }
        }
      }
      if (spec.dryRun) {
        return { ...item, bytes: st.size };
      }
      // A copy takes exactly the version looked at above; an in-place re-encrypt also writes only over it.
      const ifUnchanged = spec.kind === 'copy' || spec.ifUnchanged ? st.etag : undefined;
      const res = crossing
        ? await src.copyTo(p.source, dst, p.target, { encryption: choice, overwrite: spec.kind === 'copy' ? spec.overwrite : true, signal: opts.signal, ifUnchanged })
        : await src.copy(p.source, p.target, {
          encryption: choice, overwrite: spec.kind === 'copy' ? spec.overwrite : true, signal: opts.signal, ifUnchanged,
        });
      item.path = res.path === 'streamed' ? 'streamed' : 'server';
      item.to = encryptionLabel(res.encryption) ?? item.to;
      record.done.push(itemId(p));
      return { ...item, status: 'done', bytes: res.size };
    } catch (err) {
      if (codeOf(err) === 'Aborted' || opts.signal?.aborted) {
        throw err;
      }
      if (codeOf(err) === 'PreconditionFailed') {
        return { ...item, status: 'skipped', reason: inPlace ? 'changed on the server meanwhile; left as it is' : `not written: ${errorText(err)}` };
      }
      return { ...item, status: 'failed', error: errorText(err) };
    }
  };

  let cancelled = false;
  const finish = async (p: Pair, item: JobItem): Promise<void> => {
    items.push(item);
    progress.items++;
    progress.bytes += p.size;
    opts.onProgress?.({ ...progress });
    await journal();
  };
  await pool(pairs, opts.concurrency, env, opts.signal, async (p) => {
    try {
      await finish(p, await one(p));
    } catch (err) {
      if (codeOf(err) === 'Aborted' || opts.signal?.aborted) {
        cancelled = true;
        return;
      }
      throw err;
    }
  });
  cancelled = cancelled || (opts.signal?.aborted ?? false);

  const count = (s: ItemStatus): number => items.filter((i) => i.status === s).length;
  const report: JobReport = {
    jobId: record.jobId, kind: spec.kind, dryRun: spec.dryRun, cancelled,
    planned: spec.dryRun ? count('planned') : pairs.length,
    done: count('done'), skipped: count('skipped'), failed: count('failed'),
    bytes: items.filter((i) => i.status === 'done').reduce((n, i) => n + i.bytes, 0),
    items: items.sort((a, b) => a.source.localeCompare(b.source)),
  };
  if (!spec.dryRun) {
    record.state = cancelled ? 'cancelled' : 'finished';
    record.summary = { planned: report.planned, done: report.done, skipped: report.skipped, failed: report.failed, bytes: report.bytes };
    await journal(true);
  }
  return report;
}

/** The report as a markdown document: a summary line and one table row per object. */
export function reportMarkdown(r: JobReport): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const title = `${r.kind === 'copy' ? 'Copy' : 'Re-encrypt'}${r.dryRun ? ' (dry run)' : ''}${r.cancelled ? ' (cancelled)' : ''}`;
  const lines = [
    `# ${title}`,
    '',
    `Job \`${r.jobId}\`: ${r.planned} planned, ${r.done} done, ${r.skipped} skipped, ${r.failed} failed, ${r.bytes} bytes written.`,
    '',
    '| Source | Target | Path | From | To | Result |',
    '|---|---|---|---|---|---|',
    ...r.items.map((i) => `| ${cell(i.source)} | ${cell(i.target)} | ${i.path} | ${cell(i.from)} | ${cell(i.to)} | ${cell(i.status + (i.reason ? `: ${i.reason}` : '') + (i.error ? `: ${i.error}` : ''))} |`),
  ];
  return `${lines.join('\n')}\n`;
}
