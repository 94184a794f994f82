// Files in and out, many at a time: upload local files and folders under a prefix, download objects and prefixes
// into a local folder, delete and rename objects and folders. Bounded concurrency, one result per item, cancel at
// any time (each object is written whole or not at all: the transfer engine aborts multipart uploads and a
// download lands under a temporary name first). No `vscode`.
import { lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { encryptionLabel } from '../keys/labels';
import { StorageError, type EncryptionSpec, type TransferProgress } from '../storage';
import { errorText, locationText, resolveChoice, type EncryptionArg, type JobEnvironment, type ReportCounts, type ObjectLocation } from './jobs';
import type { ObjectsService } from './service';
import { adaptivePool } from './adaptive';

export type TransferEnvironment = Pick<JobEnvironment, 'objects' | 'key'>;

export interface TransferItem {
  source: string;
  target: string;
  status: 'done' | 'skipped' | 'failed';
  bytes: number;
  /** The encryption the written object got (uploads). */
  encryption?: string;
  /** Why it was skipped, in words. */
  reason?: string;
  /** Why it failed, in words (status and request id when the server gave them). */
  error?: string;
}

/** `planned`, `done`, `skipped`, `failed` count objects; `bytes` what was written. */
export interface TransferReport extends ReportCounts {
  kind: 'upload' | 'download' | 'delete' | 'rename';
  items: TransferItem[];
}

export interface TransferOptions {
  signal?: AbortSignal;
  onProgress?: (p: { items: number; totalItems: number; bytes: number; totalBytes: number }) => void;
  /** Objects in flight at once; without it the width adapts (from 4, up while it pays, down on throttling). */
  concurrency?: number;
}

interface Work {
  source: string;
  target: string;
  size: number;
  run(signal: AbortSignal | undefined, onBytes: (p: TransferProgress) => void): Promise<Omit<TransferItem, 'source' | 'target'>>;
}

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;
const isPrefix = (key: string): boolean => key === '' || key.endsWith('/');
const asPrefix = (key: string): string => (isPrefix(key) ? key : `${key}/`);
const codeOf = (err: unknown): unknown => (err as { code?: unknown })?.code;
const aborted = (err: unknown, signal?: AbortSignal): boolean => codeOf(err) === 'Aborted' || signal?.aborted === true;

/** Runs the work items a few at a time; a cancel stops starting new ones and ends those in flight. */
async function runAll(kind: TransferReport['kind'], work: Work[], opts: TransferOptions, services: Iterable<ObjectsService>): Promise<TransferReport> {
  const items: TransferItem[] = [];
  const inFlight = new Map<Work, number>();
  let doneBytes = 0;
  const totalBytes = work.reduce((n, w) => n + w.size, 0);
  const progress = (): void => opts.onProgress?.({
    items: items.length, totalItems: work.length, totalBytes,
    bytes: doneBytes + [...inFlight.values()].reduce((n, b) => n + b, 0),
  });
  let cancelled = false;
  // Without an explicit concurrency the width adapts, as a job's does: from 4, up while it pays (a folder of small
  // files wants many at once), down when the store throttles.
  const involved = [...new Set(services)];
  const throttles = (): number => involved.reduce((n, s) => n + s.throttles, 0);
  await adaptivePool(work.length, { width: opts.concurrency, initial: DEFAULT_CONCURRENCY, max: MAX_CONCURRENCY, throttles, signal: opts.signal }, async (i) => {
    const w = work[i];
    if (cancelled) {
      return;
    }
    inFlight.set(w, 0);
    try {
      const r = await w.run(opts.signal, (p) => {
        inFlight.set(w, p.bytes);
        progress();
      });
      items.push({ source: w.source, target: w.target, ...r });
    } catch (err) {
      if (aborted(err, opts.signal)) {
        cancelled = true;
        return;
      }
      items.push({ source: w.source, target: w.target, status: 'failed', bytes: 0, error: errorText(err) });
    } finally {
      inFlight.delete(w);
      doneBytes += w.size;
      progress();
    }
  });
  return summarize(kind, work.length, items, cancelled || (opts.signal?.aborted ?? false));
}

function summarize(kind: TransferReport['kind'], planned: number, items: TransferItem[], cancelled: boolean): TransferReport {
  const count = (s: TransferItem['status']): number => items.filter((i) => i.status === s).length;
  return {
    kind, cancelled, planned, done: count('done'), skipped: count('skipped'), failed: count('failed'),
    bytes: items.filter((i) => i.status === 'done').reduce((n, i) => n + i.bytes, 0),
    items: items.sort((a, b) => a.source.localeCompare(b.source)),
  };
}

// ---- upload ----

/** Local files under `root` (recursive; symbolic links are not followed), with their paths relative to `base`. */
async function walk(root: string, base: string, out: Array<{ path: string; relative: string; size: number }>, signal?: AbortSignal): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (signal?.aborted) {
      return;
    }
    const path = join(root, entry.name);
    if (entry.isDirectory()) {
      await walk(path, base, out, signal);
    } else if (entry.isFile()) {
      out.push({ path, relative: relative(base, path).split(sep).join('/'), size: (await stat(path)).size });
    }
  }
}

/**
 * Uploads local files and folders under a prefix: a file `f` becomes `<prefix>f`, a folder `d` becomes `<prefix>d/...`.
 * Without an encryption choice each new object gets what the rules (or the connection default) give its key.
 */
export async function uploadMany(
  env: TransferEnvironment, sources: string[], target: ObjectLocation,
  opts: TransferOptions & { encryption?: EncryptionArg; overwrite: boolean },
): Promise<TransferReport> {
  const svc = await env.objects(target.connection);
  const chosen = opts.encryption ? await resolveChoice(env, opts.encryption) : undefined;
  if (chosen?.type === 'keep') {
    throw new StorageError({ code: 'InvalidArgument', operation: 'upload', message: 'An upload has no encryption to keep: choose none, kms or sse-c, or leave it out for the rules.' });
  }
  const encryption = chosen as EncryptionSpec | undefined;
  const prefix = asPrefix(target.key);
  const files: Array<{ path: string; relative: string; size: number }> = [];
  for (const source of sources) {
    const abs = resolve(source);
    const st = await lstat(abs);
    if (st.isDirectory()) {
      await walk(abs, resolve(abs, '..'), files, opts.signal);
    } else if (st.isFile()) {
      files.push({ path: abs, relative: basename(abs), size: st.size });
    }
  }
  const work = files.map((f): Work => {
    const key = prefix + f.relative;
    return {
      source: f.path, target: locationText({ ...target, key }), size: f.size,
      run: async (signal, onProgress) => {
        try {
          const res = await svc.upload(f.path, target.bucket, key, { encryption, overwrite: opts.overwrite, signal, onProgress });
          return { status: 'done', bytes: res.size, encryption: encryptionLabel(res.encryption) };
        } catch (err) {
          if (codeOf(err) === 'PreconditionFailed' && !opts.overwrite && !aborted(err, signal)) {
            return { status: 'skipped', bytes: 0, reason: 'the object exists (overwrite is false)' };
          }
          throw err;
        }
      },
    };
  });
  return runAll('upload', work, opts, [svc]);
}

// ---- download ----

/** Where an object lands, or undefined when its key would leave the target folder (`..`, absolute parts). */
function localPath(folder: string, relativeKey: string): string | undefined {
  const parts = relativeKey.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p.includes('\\')) || relativeKey.startsWith('/')) {
    return undefined;
  }
  const path = resolve(folder, ...parts.filter((p) => p !== ''));
  return path.startsWith(resolve(folder) + sep) ? path : undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/**
 * Downloads objects and prefixes into a local folder (a prefix `p/d/` lands in `<folder>/d/...`, a bucket root in
 * `<folder>/<bucket>/...`); one object may also go to a file path. Each file is written under a temporary name and
 * renamed when complete, so a cancel leaves no partial file.
 */
export async function downloadMany(
  env: TransferEnvironment, sources: ObjectLocation[], target: string, opts: TransferOptions & { overwrite: boolean },
): Promise<TransferReport> {
  const dest = resolve(target);
  const toFile = sources.length === 1 && !isPrefix(sources[0].key) && !(await isDirectory(dest)) && !target.endsWith(sep) && !target.endsWith('/');
  const work: Work[] = [];
  const unsafe: TransferItem[] = [];
  const services: ObjectsService[] = [];
  // Each folder is made once, not once per file landing in it.
  const folders = new Map<string, Promise<unknown>>();
  const folderFor = (path: string): Promise<unknown> => {
    const dir = resolve(path, '..');
    let made = folders.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      made.catch(() => folders.delete(dir));
      folders.set(dir, made);
    }
    return made;
  };
  for (const src of sources) {
    const svc = await env.objects(src.connection);
    services.push(svc);
    const listed = isPrefix(src.key)
      ? (await svc.listAll(src.bucket, src.key, { signal: opts.signal }))
      : [{ key: src.key, size: (await objectSize(svc, src, opts.signal)) }];
    const folderName = isPrefix(src.key) ? (src.key.replace(/\/$/, '').split('/').pop() || src.bucket) : '';
    for (const o of listed) {
      const source = locationText({ ...src, key: o.key });
      if (o.key.endsWith('/')) {
        continue; // a folder marker: its folder is made when something lands in it
      }
      const rel = isPrefix(src.key) ? `${folderName}/${o.key.slice(src.key.length)}` : o.key.slice(o.key.lastIndexOf('/') + 1);
      const path = toFile ? dest : localPath(dest, rel);
      if (!path) {
        unsafe.push({ source, target: rel, status: 'failed', bytes: 0, error: `the key would be written outside ${dest}; download it to a file of your choice instead` });
        continue;
      }
      work.push({
        source, target: path, size: o.size,
        run: async (signal, onProgress) => {
          if (!opts.overwrite && (await exists(path))) {
            return { status: 'skipped', bytes: 0, reason: 'the local file exists (overwrite is false)' };
          }
          await folderFor(path);
          const res = await svc.download(src.bucket, o.key, path, { signal, onProgress });
          return { status: 'done', bytes: res.size };
        },
      });
    }
  }
  const report = await runAll('download', work, opts, services);
  return unsafe.length ? summarize('download', report.planned + unsafe.length, [...report.items, ...unsafe], report.cancelled) : report;
}

async function objectSize(svc: ObjectsService, src: ObjectLocation, signal?: AbortSignal): Promise<number> {
  const st = await svc.stat(src.bucket, src.key, { signal });
  if (st.kind !== 'file') {
    throw new StorageError({ code: 'InvalidArgument', operation: 'download', message: `${locationText(src)} is a folder: end it with "/" to mean everything under it.` });
  }
  return st.size;
}

// ---- delete ----

/** How many objects each target holds (a prefix: everything under it): what a confirmation names. */
export async function countObjects(env: TransferEnvironment, targets: ObjectLocation[], signal?: AbortSignal): Promise<number[]> {
  const counts: number[] = [];
  for (const t of targets) {
    const svc = await env.objects(t.connection);
    counts.push(isPrefix(t.key) ? (await svc.listAll(t.bucket, t.key, { signal })).length : 1);
  }
  return counts;
}

/** Deletes objects, and prefixes with everything under them when `recursive` (DeleteObjects, 1,000 keys a request). */
export async function deleteMany(
  env: TransferEnvironment, targets: ObjectLocation[], opts: TransferOptions & { recursive: boolean },
): Promise<TransferReport & { batches: number }> {
  const items: TransferItem[] = [];
  let planned = 0;
  let done = 0;
  let batches = 0;
  for (const t of targets) {
    if (opts.signal?.aborted) {
      break;
    }
    const svc = await env.objects(t.connection);
    const source = locationText(t);
    try {
      const res = await svc.delete(t.bucket, t.key, { recursive: opts.recursive, signal: opts.signal });
      planned += res.deleted;
      done += res.deleted;
      batches += res.batches;
      items.push(res.deleted === 0
        ? { source, target: source, status: 'skipped', bytes: 0, reason: 'nothing there' }
        : { source, target: source, status: 'done', bytes: 0, reason: res.deleted > 1 ? `${res.deleted} objects` : undefined });
    } catch (err) {
      if (aborted(err, opts.signal)) {
        break;
      }
      planned++;
      const notEmpty = codeOf(err) === 'Conflict' && !opts.recursive;
      items.push({ source, target: source, status: 'failed', bytes: 0, error: notEmpty ? `${errorText(err)} Pass recursive: true to delete everything under it.` : errorText(err) });
    }
    opts.onProgress?.({ items: items.length, totalItems: targets.length, bytes: 0, totalBytes: 0 });
  }
  // Counted in objects: a folder's row stands for everything deleted under it.
  const report = summarize('delete', planned, items, opts.signal?.aborted ?? false);
  return { ...report, done, batches };
}

// ---- rename ----

/** Moves an object, or a folder object by object, within one connection; each keeps its encryption. */
export async function renameOne(
  env: TransferEnvironment, source: ObjectLocation, target: ObjectLocation, opts: TransferOptions & { overwrite?: boolean } = {},
): Promise<TransferReport> {
  if (source.connection !== target.connection) {
    throw new StorageError({ code: 'InvalidArgument', operation: 'rename', message: 'Renaming moves within one connection; to move between connections, copy (obs.copy) and then delete.' });
  }
  const svc = await env.objects(source.connection);
  const res = await svc.rename(source.bucket, source.key, target.bucket, target.key, {
    overwrite: opts.overwrite ?? false, signal: opts.signal,
  });
  return {
    kind: 'rename', cancelled: false, planned: res.moved, done: res.moved, skipped: 0, failed: 0, bytes: 0,
    items: [{ source: locationText(source), target: locationText(target), status: 'done', bytes: 0, reason: res.moved > 1 ? `${res.moved} objects` : undefined }],
  };
}

/** The report as a markdown document: a summary line and one table row per item. */
export function transferMarkdown(r: TransferReport): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const title = `${r.kind[0].toUpperCase()}${r.kind.slice(1)}${r.cancelled ? ' (cancelled)' : ''}`;
  return [
    `# ${title}`, '',
    `${r.planned} planned, ${r.done} done, ${r.skipped} skipped, ${r.failed} failed, ${r.bytes} bytes written.`, '',
    '| Source | Target | Result |', '|---|---|---|',
    ...r.items.map((i) => `| ${cell(i.source)} | ${cell(i.target)} | ${cell(i.status + (i.encryption ? ` (${i.encryption})` : '') + (i.reason ? `: ${i.reason}` : '') + (i.error ? `: ${i.error}` : ''))} |`),
    '',
  ].join('\n');
}
