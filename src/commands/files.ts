// obs.upload, obs.uploadFolder, obs.download, obs.delete, obs.createFolder, obs.rename, obs.open: files in and out of
// the store and the tree's everyday edits. The work is done by the objects floor (src/objects/transfers.ts); here
// only arguments, prompts, the confirmation, progress and the report.
import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import {
  countObjects, deleteMany, downloadMany, locationText, renameOne, transferMarkdown, uploadMany, type EncryptionArg, type ObjectLocation,
  type TransferReport,
} from '../objects';
import { intoFolder, type TreeNode } from '../vscode/tree/nodes';
import { SCHEME, toUri } from '../vscode/uri';
import {
  askLocation, cancellableAs, environment, flag, jobIdOf, openReport, selection, toEncryption, toLocation, toLocations,
  type JobDeps,
} from './jobs';
import { InvalidArgumentError, type CommandDefinition, type RunContext } from './runner';

export interface FilesDeps extends JobDeps {
  /** The tree's selection, for keybindings (which pass no node). */
  selected(): readonly TreeNode[];
  /** Called after a write below these locations, so the views show it. */
  changedAt(uris: vscode.Uri[]): void;
}

const uriOf = (l: ObjectLocation): vscode.Uri => toUri({ connectionId: l.connection, bucket: l.bucket, key: l.key });
const isPrefix = (key: string): boolean => key === '' || key.endsWith('/');
const plural = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

// ---- arguments ----

function localPath(v: unknown, what: string): string {
  const p = v instanceof vscode.Uri ? (v.scheme === 'file' ? v.fsPath : undefined) : typeof v === 'string' && v.startsWith('file:') ? vscode.Uri.parse(v).fsPath : v;
  if (typeof p !== 'string' || !isAbsolute(p)) {
    throw new InvalidArgumentError(`${what} must be an absolute local path (or a file: URI).`);
  }
  return p;
}

function localPaths(v: unknown, what: string): string[] {
  const list = (Array.isArray(v) ? v : [v]).map((x) => localPath(x, what));
  if (list.length === 0) {
    throw new InvalidArgumentError(`${what}: the list is empty.`);
  }
  return list;
}

/** The selection from a menu or a drop, else (keybindings) the tree's own selection. */
function picked(deps: FilesDeps, invocation: unknown[]): ObjectLocation[] {
  const fromMenu = selection(invocation);
  return fromMenu.length > 0 ? fromMenu : selection([undefined, [...deps.selected()]]);
}

// ---- running and reporting ----

async function tracked<R>(jobId: string | undefined, ctx: RunContext, work: (signal: AbortSignal) => Promise<R>): Promise<R> {
  const cancel = cancellableAs(jobId ?? randomUUID(), ctx.signal);
  try {
    return await work(cancel.signal);
  } finally {
    cancel.dispose();
  }
}

const progressOf = (ctx: RunContext) => (p: { items: number; totalItems: number; bytes: number; totalBytes: number }): void =>
  ctx.progress({ items: p.items, totalItems: p.totalItems, bytes: p.bytes, totalBytes: p.totalBytes });

/** A summary notification with "Open report" (a warning when something failed). */
export function showSummary(deps: JobDeps, report: TransferReport): void {
  const verb = { upload: 'Upload', download: 'Download', delete: 'Delete', rename: 'Rename' }[report.kind];
  const text = `${verb}${report.cancelled ? ' cancelled' : ''}: ${report.done} done, ${report.skipped} skipped, ${report.failed} failed.`;
  const firstError = report.items.find((i) => i.error)?.error;
  const show = report.failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(firstError ? `${text} ${firstError}` : text, 'Open report').then((c) => {
    if (c) {
      void openReport(deps.reports.addMarkdown(`${report.kind}-${Date.now()}`, transferMarkdown(report)));
    }
  });
}

function finish(deps: FilesDeps, report: TransferReport, ctx: RunContext, changed: ObjectLocation[]): TransferReport {
  if (report.done > 0 || report.cancelled) {
    deps.changedAt(changed.map(uriOf));
  }
  if (ctx.interactive) {
    showSummary(deps, report);
  }
  return report;
}

// ---- upload ----

type UploadArgs = { sources: string[]; target: ObjectLocation; encryption?: EncryptionArg; overwrite: boolean; jobId?: string };

export function uploadCommand(deps: FilesDeps, id: 'obs.upload' | 'obs.uploadFolder', folders: boolean): CommandDefinition<UploadArgs, TransferReport> {
  return {
    id,
    parse: (a) => {
      const encryption = a.encryption === undefined ? undefined : toEncryption(a.encryption);
      if (encryption?.type === 'keep') {
        throw new InvalidArgumentError('encryption: an upload has nothing to keep; choose none, kms or sse-c, or leave it out for the rules.');
      }
      return { sources: localPaths(a.source, 'source'), target: toLocation(a.target, 'target'), encryption, overwrite: flag(a, 'overwrite', false), jobId: jobIdOf(a) };
    },
    async prompt(invocation) {
      const [first] = picked(deps, invocation);
      const target = first ? intoFolder(first) : await askLocation('Upload into (obs://connection/bucket/prefix/)', 'obs://');
      if (!target) {
        return undefined;
      }
      const chosen = await vscode.window.showOpenDialog({
        canSelectFiles: !folders, canSelectFolders: folders, canSelectMany: true, defaultUri: vscode.Uri.file(homedir()),
        openLabel: 'Upload', title: `Upload ${folders ? 'folders' : 'files'} to ${locationText(target)}`,
      });
      return chosen?.length ? { sources: chosen.map((u) => u.fsPath), target, overwrite: false } : undefined;
    },
    progressTitle: (a) => `Uploading to ${locationText(a.target)}`,
    run: (a, ctx) => tracked(a.jobId, ctx, async (signal) => finish(deps, await uploadMany(environment(deps), a.sources, a.target, {
      encryption: a.encryption, overwrite: a.overwrite, signal, onProgress: progressOf(ctx),
    }), ctx, [a.target])),
  };
}

// ---- download ----

type DownloadArgs = { sources: ObjectLocation[]; target: string; overwrite: boolean; jobId?: string };

export function downloadCommand(deps: FilesDeps): CommandDefinition<DownloadArgs, TransferReport> {
  return {
    id: 'obs.download',
    parse: (a) => ({ sources: toLocations(a.source, 'source'), target: localPath(a.target, 'target'), overwrite: flag(a, 'overwrite', false), jobId: jobIdOf(a) }),
    async prompt(invocation) {
      let sources = picked(deps, invocation);
      if (sources.length === 0) {
        const one = await askLocation('Download (obs://connection/bucket/key, or a prefix ending in /)', 'obs://');
        sources = one ? [one] : [];
      }
      if (sources.length === 0) {
        return undefined;
      }
      const single = sources.length === 1 && !isPrefix(sources[0].key) ? sources[0] : undefined;
      if (single) {
        const name = single.key.slice(single.key.lastIndexOf('/') + 1);
        const file = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(`${homedir()}/${name}`), saveLabel: 'Download', title: `Download ${locationText(single)}` });
        // The save dialog already asked whether to replace an existing file.
        return file ? { sources, target: file.fsPath, overwrite: true } : undefined;
      }
      const folder = await vscode.window.showOpenDialog({
        canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: vscode.Uri.file(homedir()),
        openLabel: 'Download here', title: `Download ${sources.length === 1 ? locationText(sources[0]) : plural(sources.length, 'item')}`,
      });
      return folder?.[0] ? { sources, target: folder[0].fsPath, overwrite: false } : undefined;
    },
    progressTitle: () => 'Downloading',
    run: (a, ctx) => tracked(a.jobId, ctx, async (signal) => finish(deps, await downloadMany(environment(deps), a.sources, a.target, {
      overwrite: a.overwrite, signal, onProgress: progressOf(ctx),
    }), ctx, [])),
  };
}

// ---- delete ----

type DeleteArgs = { targets: ObjectLocation[]; recursive: boolean };

export function deleteCommand(deps: FilesDeps): CommandDefinition<DeleteArgs, TransferReport> {
  return {
    id: 'obs.delete',
    parse: (a) => ({ targets: toLocations(a.target, 'target'), recursive: flag(a, 'recursive', false) }),
    async prompt(invocation) {
      const targets = picked(deps, invocation);
      if (targets.length === 0) {
        return undefined;
      }
      // Never without a confirmation that names how many objects go.
      const counts = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Counting objects…' },
        () => countObjects(environment(deps), targets));
      const total = counts.reduce((n, c) => n + c, 0);
      const folders = targets.filter((t) => isPrefix(t.key)).length;
      const what = targets.length === 1 ? `"${locationText(targets[0])}"` : plural(targets.length, 'item');
      const answer = await vscode.window.showWarningMessage(
        `Delete ${plural(total, 'object')} (${what}${folders ? `, with everything in ${folders === 1 ? 'it' : 'them'}` : ''})?`,
        { modal: true, detail: 'Deleted objects cannot be restored (unless the bucket keeps versions).' },
        'Delete',
      );
      return answer === 'Delete' ? { targets, recursive: true } : undefined;
    },
    progressTitle: (a) => `Deleting ${a.targets.length === 1 ? locationText(a.targets[0]) : plural(a.targets.length, 'item')}`,
    run: (a, ctx) => tracked(undefined, ctx, async (signal) => finish(deps, await deleteMany(environment(deps), a.targets, {
      recursive: a.recursive, signal, onProgress: progressOf(ctx),
    }), ctx, a.targets)),
  };
}

// ---- new folder, rename, open ----

function validName(v: string): string | undefined {
  if (v.trim() === '') {
    return 'Enter a name.';
  }
  return v.startsWith('/') || v.split('/').some((p, i, all) => p === '..' || p === '.' || (p === '' && i < all.length - 1)) ? 'Use names separated by single "/", without "." or "..".' : undefined;
}

export function createFolderCommand(deps: FilesDeps): CommandDefinition<{ location: ObjectLocation }, { location: string }> {
  return {
    id: 'obs.createFolder',
    parse: (a) => {
      const location = toLocation(a.location, 'location');
      if (location.key === '') {
        throw new InvalidArgumentError('location must name the new folder: obs://<connection>/<bucket>/<folder>/.');
      }
      return { location: { ...location, key: isPrefix(location.key) ? location.key : `${location.key}/` } };
    },
    async prompt(invocation) {
      const [first] = picked(deps, invocation);
      const parent = first ? intoFolder(first) : await askLocation('New folder in (obs://connection/bucket/prefix/)', 'obs://');
      const name = parent && (await vscode.window.showInputBox({ prompt: `New folder in ${locationText(parent)}`, validateInput: validName, ignoreFocusOut: true }));
      return parent && name ? { location: { ...parent, key: `${parent.key}${name.replace(/\/$/, '')}/` } } : undefined;
    },
    run: async (a) => {
      const svc = await environment(deps).objects(a.location.connection);
      await svc.createFolder(a.location.bucket, a.location.key);
      deps.changedAt([uriOf(a.location)]);
      return { location: uriOf(a.location).toString() };
    },
  };
}

type RenameArgs = { source: ObjectLocation; target: ObjectLocation; overwrite: boolean };

export function renameCommand(deps: FilesDeps): CommandDefinition<RenameArgs, TransferReport> {
  return {
    id: 'obs.rename',
    parse: (a) => {
      const source = toLocation(a.source, 'source');
      const target = toLocation(a.target, 'target');
      if (source.key === '' || target.key === '') {
        throw new InvalidArgumentError('source and target must name an object or a folder, not a bucket.');
      }
      return { source, target, overwrite: flag(a, 'overwrite', false) };
    },
    async prompt(invocation) {
      const [source] = picked(deps, invocation);
      if (!source || source.key === '') {
        return undefined;
      }
      const folder = isPrefix(source.key);
      const trimmed = source.key.replace(/\/$/, '');
      const parent = trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
      const name = trimmed.slice(parent.length);
      const next = await vscode.window.showInputBox({
        prompt: `Rename ${folder ? 'folder' : 'object'} ${locationText(source)}${folder ? ' (every object under it is moved; each keeps its encryption)' : ''}`,
        value: name, valueSelection: [0, folder || !name.includes('.') ? name.length : name.lastIndexOf('.')], validateInput: validName, ignoreFocusOut: true,
      });
      if (!next || next === name) {
        return undefined;
      }
      return { source, target: { ...source, key: `${parent}${next.replace(/\/$/, '')}${folder ? '/' : ''}` }, overwrite: false };
    },
    progressTitle: (a) => `Renaming ${locationText(a.source)}`,
    run: (a, ctx) => tracked(undefined, ctx, async (signal) => finish(deps, await renameOne(environment(deps), a.source, a.target, { overwrite: a.overwrite, signal }), ctx, [a.source, a.target])),
  };
}

export function openCommand(deps: FilesDeps): CommandDefinition<{ location: ObjectLocation }, void> {
  return {
    id: 'obs.open',
    parse: (a) => ({ location: toLocation(a.location, 'location') }),
    async prompt(invocation) {
      const [first] = picked(deps, invocation);
      const location = first ?? (await askLocation('Open (obs://connection/bucket/key)', `${SCHEME}://`));
      return location ? { location } : undefined;
    },
    run: async (a) => {
      await vscode.commands.executeCommand('vscode.open', uriOf(a.location));
    },
  };
}
