// obs.copy, obs.reencrypt, obs.resumeJob, obs.showJobs, obs.cancelJob, and the tree's Copy / Paste: jobs over one
// object, a selection or a prefix, run by the objects floor; here only arguments, prompts and the report.
import * as vscode from 'vscode';
import { shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import {
  describeChoice, locationText, newJob, reportMarkdown, runJob, type EncryptionArg, type JobEnvironment, type JobRecord,
  type JobReport, type JobSpec, type ObjectLocation,
} from '../objects';
import type { JobStore } from '../objects';
import type { ConnectionManager } from '../vscode/connections';
import { nodeLocation, type TreeNode } from '../vscode/tree/nodes';
import { fromUri, SCHEME, toUri } from '../vscode/uri';
import { InvalidArgumentError, type CommandDefinition, type RunContext } from './runner';

export const REPORT_SCHEME = 'obs-report';

/** Reports of this window's jobs, shown read-only as markdown. */
export class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly reports = new Map<string, string>();
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.path.replace(/^\//, '').replace(/\.md$/, '')) ?? '# Report not available\n\nIt belongs to an earlier window.\n';
  }
  add(report: JobReport): vscode.Uri {
    return this.addMarkdown(report.jobId, reportMarkdown(report));
  }
  addMarkdown(id: string, markdown: string): vscode.Uri {
    this.reports.set(id, markdown);
    return vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${id}.md` });
  }
}

export interface JobDeps {
  /** Called after a job wrote something, so views show the new state. */
  changed(): void;
  connections: ConnectionManager;
  ring: KeyRing;
  store: JobStore;
  reports: ReportDocuments;
}

/** Jobs running in this window, to cancel them by id. */
const running = new Map<string, AbortController>();
/** What the tree's "Copy" remembered, for "Paste". */
let clipboard: ObjectLocation[] = [];

// ---- arguments ----

export function toLocation(v: unknown, what: string): ObjectLocation {
  if (typeof v === 'string' || v instanceof vscode.Uri) {
    let uri: vscode.Uri;
    try {
      uri = typeof v === 'string' ? vscode.Uri.parse(v, true) : v;
    } catch {
      throw new InvalidArgumentError(`${what}: "${String(v)}" is not a URI; use obs://<connection>/<bucket>/<key> or { connection, bucket, key }.`);
    }
    if (uri.scheme !== SCHEME) {
      throw new InvalidArgumentError(`${what} must be an obs:// location (got ${uri.scheme}:).`);
    }
    const loc = fromUri(uri);
    if (!loc.bucket) {
      throw new InvalidArgumentError(`${what} must name a bucket: obs://${loc.connectionId}/<bucket>/<key>.`);
    }
    return { connection: loc.connectionId, bucket: loc.bucket, key: loc.key };
  }
  const o = v as Partial<ObjectLocation> | undefined;
  if (o && typeof o.connection === 'string' && typeof o.bucket === 'string' && o.bucket !== '' && typeof (o.key ?? '') === 'string') {
    return { connection: o.connection, bucket: o.bucket, key: o.key ?? '' };
  }
  throw new InvalidArgumentError(`${what} is missing: pass an obs:// URI or { connection, bucket, key } (a key ending in "/" means everything under it).`);
}

export function toLocations(v: unknown, what: string): ObjectLocation[] {
  const list = Array.isArray(v) ? v.map((x) => toLocation(x, what)) : [toLocation(v, what)];
  if (list.length === 0) {
    throw new InvalidArgumentError(`${what}: the list is empty.`);
  }
  return list;
}

export function toEncryption(v: unknown, fallback?: EncryptionArg): EncryptionArg {
  if (v === undefined && fallback) {
    return fallback;
  }
  const e = v as { type?: unknown; kmsKeyId?: unknown; keyFingerprint?: unknown } | undefined;
  switch (e?.type) {
    case 'keep':
    case 'none':
      return { type: e.type };
    case 'kms':
      if (e.kmsKeyId !== undefined && (typeof e.kmsKeyId !== 'string' || e.kmsKeyId === '')) {
        throw new InvalidArgumentError('encryption.kmsKeyId must be a non-empty key id (or left out for the default key).');
      }
      return e.kmsKeyId ? { type: 'kms', kmsKeyId: e.kmsKeyId } : { type: 'kms' };
    case 'sse-c':
      if (typeof e.keyFingerprint !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(e.keyFingerprint)) {
        throw new InvalidArgumentError('encryption.keyFingerprint must be a stored key\'s fingerprint (base64 MD5, as obs.importKey returns).');
      }
      return { type: 'sse-c', keyFingerprint: e.keyFingerprint };
    default:
      throw new InvalidArgumentError('encryption must be { type: "keep" | "none" | "kms" | "sse-c", kmsKeyId?, keyFingerprint? }.');
  }
}

export function flag(a: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = a[name];
  if (v === undefined) {
    return fallback;
  }
  if (typeof v !== 'boolean') {
    throw new InvalidArgumentError(`${name} must be true or false.`);
  }
  return v;
}

export function jobIdOf(a: Record<string, unknown>): string | undefined {
  const v = a.jobId;
  if (v === undefined) {
    return undefined;
  }
  if (typeof v !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(v)) {
    throw new InvalidArgumentError('jobId must be letters, digits, ".", "_" or "-" (at most 100).');
  }
  return v;
}

// ---- prompts ----

/** The tree passes (clicked node, selected nodes); the explorer passes (uri, uris). */
export function selection(invocation: unknown[]): ObjectLocation[] {
  const [first, all] = invocation;
  const many = Array.isArray(all) && all.length > 0 ? all : first !== undefined ? [first] : [];
  return many.map((x) => (x instanceof vscode.Uri ? toLocation(x, 'source') : nodeLocation(x as TreeNode))).filter((l): l is ObjectLocation => l !== undefined);
}

export async function askLocation(prompt: string, value: string): Promise<ObjectLocation | undefined> {
  const text = await vscode.window.showInputBox({
    prompt, value, ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        toLocation(v, 'location');
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  return text ? toLocation(text, 'location') : undefined;
}

export async function askEncryption(ring: KeyRing, allowKeep: boolean): Promise<EncryptionArg | undefined> {
  type Pick = vscode.QuickPickItem & { arg?: EncryptionArg; kms?: boolean };
  const keys = await ring.list();
  const items: Pick[] = [
    ...(allowKeep ? [{ label: 'Keep as it is', description: 'same SSE-C key, same KMS key id, or none', arg: { type: 'keep' } as EncryptionArg }] : []),
    { label: 'Not encrypted', arg: { type: 'none' } },
    { label: 'SSE-KMS…', description: 'a KMS key id, or the default key', kms: true },
    ...keys.map((k): Pick => ({ label: `SSE-C: ${k.label}`, description: shortFingerprint(k.fingerprint), arg: { type: 'sse-c', keyFingerprint: k.fingerprint } })),
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Encryption of the result', ignoreFocusOut: true });
  if (!pick) {
    return undefined;
  }
  if (pick.kms) {
    const id = await vscode.window.showInputBox({ prompt: 'KMS key id (empty: the default key)', ignoreFocusOut: true });
    return id === undefined ? undefined : id ? { type: 'kms', kmsKeyId: id } : { type: 'kms' };
  }
  return pick.arg;
}

/** Shows the plan (a dry run) and asks to go ahead. */
async function confirmPlan(deps: JobDeps, spec: JobSpec): Promise<boolean> {
  const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Planning…', cancellable: true },
    (_p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return runJob(environment(deps), newJob({ ...spec, dryRun: true }), { signal: ac.signal });
    });
  if (plan.planned === 0) {
    void vscode.window.showInformationMessage(`Nothing to do: ${plan.skipped} skipped, ${plan.failed} failed.`, 'Open report').then((c) => c && showReport(deps, plan));
    return false;
  }
  const verb = spec.kind === 'copy' ? 'Copy' : 'Re-encrypt';
  const streamed = plan.items.filter((i) => i.status === 'planned' && i.path === 'streamed').length;
  const answer = await vscode.window.showWarningMessage(
    `${verb} ${plan.planned} object${plan.planned === 1 ? '' : 's'} (${formatBytes(plan.items.reduce((n, i) => n + (i.status === 'planned' ? i.bytes : 0), 0))}) to ${describeChoice(spec.encryption)}?`,
    { modal: true, detail: `${plan.skipped} skipped, ${plan.failed} cannot be done${streamed ? `, ${streamed} streamed through this machine` : ''}. Every object is written whole or not at all; the job can be cancelled and resumed.` },
    verb, 'Show plan',
  );
  if (answer === 'Show plan') {
    await showReport(deps, plan);
    return false;
  }
  return answer === verb;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

// ---- running ----

export function environment(deps: JobDeps): JobEnvironment {
  return {
    objects: async (connection) => (await deps.connections.session(connection)).objects,
    key: (fp) => deps.ring.get(fp),
    store: deps.store,
  };
}

async function showReport(deps: JobDeps, report: JobReport): Promise<void> {
  await openReport(deps.reports.add(report));
}

/** Shows a report document: rendered where a markdown preview exists, else its read-only source. */
export async function openReport(uri: vscode.Uri): Promise<void> {
  // The rendered table reads best; the read-only markdown source is the fallback where no preview exists.
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
  }
}

/** Lets obs.cancelJob { jobId } cancel other long work too (transfers); `signal` aborts on either. */
export function cancellableAs(jobId: string, outer: AbortSignal): { signal: AbortSignal; dispose(): void } {
  if (running.has(jobId)) {
    throw new InvalidArgumentError(`Job ${jobId} is already running.`);
  }
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  outer.addEventListener('abort', onAbort);
  running.set(jobId, ac);
  return {
    signal: ac.signal,
    dispose: () => {
      outer.removeEventListener('abort', onAbort);
      running.delete(jobId);
    },
  };
}

async function execute(deps: JobDeps, record: JobRecord, ctx: RunContext): Promise<JobReport> {
  const cancel = cancellableAs(record.jobId, ctx.signal);
  try {
    const report = await runJob(environment(deps), record, {
      signal: cancel.signal,
      onProgress: (p) => ctx.progress({ items: p.items, totalItems: p.totalItems, bytes: p.bytes, totalBytes: p.totalBytes }),
    });
    deps.reports.add(report);
    if (report.done > 0) {
      deps.changed();
    }
    if (ctx.interactive || !report.dryRun) {
      const what = `${report.kind === 'copy' ? 'Copy' : 'Re-encrypt'}${report.dryRun ? ' (dry run)' : ''}${report.cancelled ? ' cancelled' : ''}: `
        + `${report.dryRun ? `${report.planned} planned` : `${report.done} done`}, ${report.skipped} skipped, ${report.failed} failed.`;
      const show = report.failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(what, 'Open report', ...(report.cancelled ? ['Resume'] : [])).then((c) => {
        if (c === 'Open report') {
          void showReport(deps, report);
        } else if (c === 'Resume') {
          void vscode.commands.executeCommand('obs.resumeJob', { jobId: report.jobId });
        }
      });
    }
    return report;
  } finally {
    cancel.dispose();
  }
}

type CopyArgs = { spec: Extract<JobSpec, { kind: 'copy' }>; jobId?: string };
type ReencryptArgs = { spec: Extract<JobSpec, { kind: 'reencrypt' }>; jobId?: string };

export function copyCommand(deps: JobDeps): CommandDefinition<CopyArgs, JobReport> {
  return {
    id: 'obs.copy',
    parse: (a) => ({
      spec: {
        kind: 'copy', sources: toLocations(a.source, 'source'), target: toLocation(a.target, 'target'),
        encryption: toEncryption(a.encryption, { type: 'keep' }), overwrite: flag(a, 'overwrite', false), dryRun: flag(a, 'dryRun', false),
      },
      jobId: jobIdOf(a),
    }),
    async prompt(invocation) {
      let sources = selection(invocation);
      if (sources.length === 0) {
        const src = await askLocation('Copy from (obs://connection/bucket/key, or a prefix ending in /)', 'obs://');
        sources = src ? [src] : [];
      }
      if (sources.length === 0) {
        return undefined;
      }
      const first = sources[0];
      const target = await askLocation(`Copy ${sources.length === 1 ? locationText(first) : `${sources.length} items`} to (a prefix ending in / copies into it)`,
        toUri({ connectionId: first.connection, bucket: first.bucket, key: first.key.replace(/[^/]*\/?$/, '') }).toString(true));
      const encryption = target && (await askEncryption(deps.ring, true));
      if (!target || !encryption) {
        return undefined;
      }
      const spec: CopyArgs['spec'] = { kind: 'copy', sources, target, encryption, overwrite: false, dryRun: false };
      return (await confirmPlan(deps, spec)) ? { spec } : undefined;
    },
    progressTitle: (a) => (a.spec.dryRun ? 'Planning the copy' : 'Copying'),
    run: (a, ctx) => execute(deps, newJob(a.spec, a.jobId), ctx),
  };
}

export function reencryptCommand(deps: JobDeps): CommandDefinition<ReencryptArgs, JobReport> {
  return {
    id: 'obs.reencrypt',
    parse: (a) => {
      if (a.encryption === undefined) {
        throw new InvalidArgumentError('encryption is required: { type: "none" | "kms" | "sse-c", kmsKeyId?, keyFingerprint? }.');
      }
      const encryption = toEncryption(a.encryption);
      if (encryption.type === 'keep') {
        throw new InvalidArgumentError('Re-encrypting to "keep" would change nothing: choose none, kms or sse-c.');
      }
      return {
        spec: {
          kind: 'reencrypt', targets: toLocations(a.target, 'target'), encryption,
          ifUnchanged: flag(a, 'ifUnchanged', true), dryRun: flag(a, 'dryRun', false),
        },
        jobId: jobIdOf(a),
      };
    },
    async prompt(invocation) {
      let targets = selection(invocation);
      if (targets.length === 0) {
        const t = await askLocation('Re-encrypt (obs://connection/bucket/key, or a prefix ending in /)', 'obs://');
        targets = t ? [t] : [];
      }
      const encryption = targets.length > 0 ? await askEncryption(deps.ring, false) : undefined;
      if (!encryption) {
        return undefined;
      }
      const spec: ReencryptArgs['spec'] = { kind: 'reencrypt', targets, encryption, ifUnchanged: true, dryRun: false };
      return (await confirmPlan(deps, spec)) ? { spec } : undefined;
    },
    progressTitle: (a) => (a.spec.dryRun ? 'Planning the re-encryption' : 'Re-encrypting'),
    run: (a, ctx) => execute(deps, newJob(a.spec, a.jobId), ctx),
  };
}

export function resumeJobCommand(deps: JobDeps): CommandDefinition<{ jobId: string }, JobReport> {
  const load = async (jobId: string): Promise<JobRecord> => {
    const record = await deps.store.load(jobId);
    if (!record) {
      throw new InvalidArgumentError(`There is no job ${jobId} (see "Encrypted Buckets: Show Jobs").`);
    }
    return record;
  };
  return {
    id: 'obs.resumeJob',
    parse: (a) => {
      const jobId = jobIdOf(a);
      if (!jobId) {
        throw new InvalidArgumentError('Which job? Pass { jobId }.');
      }
      return { jobId };
    },
    async prompt() {
      const record = await pickJob(deps, (r) => r.state !== 'finished' && !running.has(r.jobId), 'Job to resume');
      return record ? { jobId: record.jobId } : undefined;
    },
    progressTitle: () => 'Resuming the job',
    // The journal is read when the job runs, so a resume always starts from what was last recorded.
    run: async (a, ctx) => execute(deps, await load(a.jobId), ctx),
  };
}

async function pickJob(deps: JobDeps, filter: (r: JobRecord) => boolean, placeHolder: string): Promise<JobRecord | undefined> {
  const jobs = (await deps.store.list()).filter(filter);
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('No jobs to show.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(jobs.map((r) => ({ label: jobLabel(r), description: r.state, detail: jobDetail(r), record: r })), { placeHolder });
  return pick?.record;
}

function jobLabel(r: JobRecord): string {
  const s = r.spec;
  return s.kind === 'copy'
    ? `Copy ${s.sources.map(locationText).join(', ')} → ${locationText(s.target)}`
    : `Re-encrypt ${s.targets.map(locationText).join(', ')} → ${describeChoice(s.encryption)}`;
}

function jobDetail(r: JobRecord): string {
  const sum = r.summary ? `${r.summary.done} done, ${r.summary.skipped} skipped, ${r.summary.failed} failed` : `${r.done.length} done so far`;
  return `${r.jobId} · ${new Date(r.updatedAt).toLocaleString()} · ${sum}`;
}

export interface JobListing { jobId: string; kind: 'copy' | 'reencrypt'; state: JobRecord['state'] | 'running-here'; doneItems: number; updatedAt: string; summary?: JobRecord['summary'] }

export function showJobsCommand(deps: JobDeps): CommandDefinition<Record<string, never>, JobListing[] | undefined> {
  return {
    id: 'obs.showJobs',
    parse: () => ({}),
    async prompt() {
      const r = await pickJob(deps, () => true, 'Unfinished and recent jobs');
      if (r) {
        const actions = r.state === 'finished' ? [] : running.has(r.jobId) ? ['Cancel'] : ['Resume'];
        const c = await vscode.window.showInformationMessage(`${jobLabel(r)} — ${jobDetail(r)}`, ...actions);
        if (c === 'Resume') {
          void vscode.commands.executeCommand('obs.resumeJob', { jobId: r.jobId });
        } else if (c === 'Cancel') {
          running.get(r.jobId)?.abort();
        }
      }
      return undefined;
    },
    // With an argument object ({}), the list itself: for scripts and tests.
    run: async () => (await deps.store.list()).map((r) => ({
      jobId: r.jobId, kind: r.spec.kind, state: running.has(r.jobId) ? 'running-here' : r.state, doneItems: r.done.length, updatedAt: r.updatedAt, summary: r.summary,
    })),
  };
}

export function cancelJobCommand(deps: JobDeps): CommandDefinition<{ jobId: string }, { cancelled: boolean }> {
  return {
    id: 'obs.cancelJob',
    parse: (a) => {
      const jobId = jobIdOf(a);
      if (!jobId) {
        throw new InvalidArgumentError('Which job? Pass { jobId }.');
      }
      return { jobId };
    },
    async prompt() {
      const record = await pickJob(deps, (r) => running.has(r.jobId), 'Job to cancel');
      return record ? { jobId: record.jobId } : undefined;
    },
    run: async (a) => {
      const ac = running.get(a.jobId);
      ac?.abort();
      return { cancelled: ac !== undefined };
    },
  };
}

/** The tree's "Copy": remembers the selection for "Paste". */
export function copyItemsCommand(): CommandDefinition<{ items: ObjectLocation[] }, { remembered: number }> {
  return {
    id: 'obs.copyItems',
    parse: (a) => ({ items: toLocations(a.source, 'source') }),
    prompt: async (invocation) => {
      const items = selection(invocation);
      return items.length ? { items } : undefined;
    },
    run: async (a) => {
      clipboard = a.items;
      void vscode.commands.executeCommand('setContext', 'obs.canPaste', true);
      return { remembered: a.items.length };
    },
  };
}

/** The tree's "Paste" into a bucket or folder: obs.copy of what "Copy" remembered, asked and confirmed. */
export function pasteItemsCommand(deps: JobDeps): CommandDefinition<CopyArgs, JobReport> {
  const copy = copyCommand(deps);
  return {
    ...copy,
    id: 'obs.pasteItems',
    async prompt(invocation) {
      const [target] = selection(invocation);
      if (!target || clipboard.length === 0) {
        return undefined;
      }
      const into = { ...target, key: target.key === '' || target.key.endsWith('/') ? target.key : `${target.key}/` };
      const encryption = await askEncryption(deps.ring, true);
      if (!encryption) {
        return undefined;
      }
      const spec: CopyArgs['spec'] = { kind: 'copy', sources: clipboard, target: into, encryption, overwrite: false, dryRun: false };
      return (await confirmPlan(deps, spec)) ? { spec } : undefined;
    },
  };
}
