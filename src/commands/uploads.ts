// obs.cleanUpUploads { connection, bucket?, all? }: lists the unfinished multipart uploads of a connection (one
// bucket or all) and aborts the ones Encrypted Buckets started and no longer writes; with `all: true`, every
// unfinished upload (the UI asks first). Uploads still being written in this window, or journaled as in flight by
// another open window, are never aborted.
import * as vscode from 'vscode';
import { processAlive, type UploadEntry } from '../objects';
import type { ConnectionManager } from '../vscode/connections';
import type { BucketNode, ConnectionNode } from '../vscode/tree/nodes';
import { InvalidArgumentError, optionalString, requireString, type CommandDefinition } from './runner';

export interface CleanUpArgs {
  connection: string;
  bucket?: string;
  all: boolean;
}

export interface CleanUpItem {
  bucket: string;
  key: string;
  uploadId: string;
  /** Started by Encrypted Buckets (it is in the upload journal). */
  ours: boolean;
  status: 'done' | 'skipped' | 'failed';
  reason?: string;
  error?: string;
}

export interface CleanUpReport {
  planned: number;
  done: number;
  skipped: number;
  failed: number;
  bytes: number;
  items: CleanUpItem[];
}

function parse(a: Record<string, unknown>): CleanUpArgs {
  const connection = requireString(a, 'connection', 'connection is missing: pass { connection, bucket?, all? }.');
  const bucket = optionalString(a, 'bucket');
  if (bucket === '') {
    throw new InvalidArgumentError('bucket must be a bucket name, or left out for every bucket of the connection.');
  }
  if (a.all !== undefined && typeof a.all !== 'boolean') {
    throw new InvalidArgumentError('all must be true or false.');
  }
  return { connection, bucket, all: a.all === true };
}

interface Found {
  bucket: string;
  key: string;
  uploadId: string;
  entry?: UploadEntry;
}

async function survey(connections: ConnectionManager, args: CleanUpArgs, signal?: AbortSignal): Promise<{ found: Found[]; journal: UploadEntry[] }> {
  const s = await connections.session(args.connection);
  const journal = (await s.uploads?.entries()) ?? [];
  const byId = new Map(journal.map((e) => [e.uploadId, e]));
  const buckets = args.bucket ? [args.bucket] : (await s.objects.listBuckets({ signal })).map((b) => b.name);
  const found: Found[] = [];
  for (const bucket of buckets) {
    for (const u of await s.objects.listUnfinishedUploads(bucket, undefined, { signal })) {
      found.push({ bucket, key: u.key, uploadId: u.uploadId, entry: byId.get(u.uploadId) });
    }
  }
  return { found, journal };
}

export function cleanUpUploadsCommand(connections: ConnectionManager): CommandDefinition<CleanUpArgs, CleanUpReport> {
  return {
    id: 'obs.cleanUpUploads',
    parse,
    async prompt([node]) {
      const n = node as ConnectionNode | BucketNode | undefined;
      let connection = n?.kind === 'connection' || n?.kind === 'bucket' ? n.connectionId : undefined;
      const bucket = n?.kind === 'bucket' ? n.bucket : undefined;
      if (!connection) {
        const pick = await vscode.window.showQuickPick(
          connections.list().map((c) => ({ label: c.label || c.id, description: c.endpoint, id: c.id })),
          { placeHolder: 'Clean up the unfinished uploads of which connection?' },
        );
        connection = pick?.id;
      }
      if (!connection) {
        return undefined;
      }
      const { found } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Looking for unfinished uploads…' },
        () => survey(connections, { connection, bucket, all: false }),
      );
      if (found.length === 0) {
        void vscode.window.showInformationMessage(`No unfinished uploads in ${bucket ?? `any bucket of ${connection}`}.`);
        return undefined;
      }
      const ours = found.filter((f) => f.entry).length;
      const where = bucket ?? `the buckets of ${connection}`;
      const choices = [...(ours > 0 ? [`Abort Ours (${ours})`] : []), `Abort All (${found.length})`];
      const answer = await vscode.window.showWarningMessage(
        `${found.length} unfinished multipart upload${found.length === 1 ? '' : 's'} in ${where}; ${ours} started by Encrypted Buckets. `
        + 'Their parts take space (and on OBS and S3, cost money) until aborted. Uploads still being written are left alone.',
        { modal: true }, ...choices,
      );
      if (!answer) {
        return undefined;
      }
      return { connection, bucket, all: answer.startsWith('Abort All') };
    },
    progressTitle: (a) => `Cleaning up unfinished uploads in ${a.bucket ?? a.connection}`,
    async run(args, ctx) {
      const s = await connections.session(args.connection);
      const { found, journal } = await survey(connections, args, ctx.signal);
      const items: CleanUpItem[] = [];
      let n = 0;
      for (const f of found) {
        const base = { bucket: f.bucket, key: f.key, uploadId: f.uploadId, ours: f.entry !== undefined };
        ctx.progress({ items: n++, totalItems: found.length });
        if (s.uploads?.isActive(f.uploadId) || (f.entry?.state === 'active' && processAlive(f.entry.owner))) {
          items.push({ ...base, status: 'skipped', reason: 'still being written' });
          continue;
        }
        if (!f.entry && !args.all) {
          items.push({ ...base, status: 'skipped', reason: 'not started by Encrypted Buckets (pass all: true to abort it too)' });
          continue;
        }
        try {
          await s.objects.abortUpload(f, { signal: ctx.signal });
          items.push({ ...base, status: 'done' });
        } catch (err) {
          if (ctx.signal.aborted) {
            throw err;
          }
          items.push({ ...base, status: 'failed', error: (err as Error).message });
        }
      }
      // Journal entries the server no longer lists (completed or aborted elsewhere) are forgotten.
      const listed = new Set(found.map((f) => f.uploadId));
      const scanned = (e: UploadEntry): boolean => args.bucket === undefined || e.bucket === args.bucket;
      for (const e of journal.filter((j) => scanned(j) && !listed.has(j.uploadId) && !s.uploads?.isActive(j.uploadId))) {
        s.uploads?.ended(e);
      }
      await s.uploads?.flush();
      const count = (st: CleanUpItem['status']): number => items.filter((i) => i.status === st).length;
      return { planned: items.length, done: count('done'), skipped: count('skipped'), failed: count('failed'), bytes: 0, items };
    },
    done: (r) => `Aborted ${r.done} unfinished upload${r.done === 1 ? '' : 's'}${r.skipped ? `, left ${r.skipped}` : ''}${r.failed ? `, ${r.failed} failed (see the log)` : ''}.`,
  };
}

