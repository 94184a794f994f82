// The command runner: every command goes through here. An argument object is validated and run without prompts
// (scripts, keybindings, tests: a refused argument rejects with the reason); without one, the command asks step by
// step. Long work shows a cancellable notification: VS Code's CancellationToken becomes an AbortSignal, and
// progress (bytes and items) is reported at most a few times a second.
import * as vscode from 'vscode';
import { describeError, nextSteps } from '../vscode/errors';
import type { Log } from '../vscode/log';

export class InvalidArgumentError extends Error {
  readonly code = 'InvalidArgument';
}

export interface ProgressUpdate {
  message?: string;
  bytes?: number;
  totalBytes?: number;
  items?: number;
  totalItems?: number;
}

export interface RunContext {
  readonly signal: AbortSignal;
  /** Started from the UI (prompts, menus) rather than with an argument object. */
  readonly interactive: boolean;
  /** Throttled; the share done comes from bytes when known, else from items. */
  progress(update: ProgressUpdate): void;
}

export interface CommandDefinition<A, R> {
  id: string;
  /** Checks an argument object and returns the typed arguments; throws InvalidArgumentError with the reason. */
  parse(arg: Record<string, unknown>): A;
  /**
   * Asks step by step when the command is invoked without an argument object (palette, menu, tree item: the
   * invocation's arguments are passed on). `undefined` when the user backs out.
   */
  prompt?(invocation: unknown[]): Promise<A | undefined>;
  run(args: A, ctx: RunContext): Promise<R>;
  /** Long work: a cancellable notification with this title. */
  progressTitle?(args: A): string;
  /** What an interactive run says when it is done (nothing for quiet commands). */
  done?(result: R, args: A): string | undefined;
}

/** An argument object, as opposed to what menus pass (a Uri, a tree node) or nothing. */
export function isArgumentObject(arg: unknown): arg is Record<string, unknown> {
  return typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && !Array.isArray(arg) && !('kind' in arg);
}

const PROGRESS_INTERVAL_MS = 250;

const neverAborted = new AbortController().signal;

function formatSize(n: number): string {
  const mib = n / (1024 * 1024);
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/** Turns progress updates into VS Code's increments, at most one report per interval. */
export function progressReporter(
  report: (value: { message?: string; increment?: number }) => void,
  now: () => number = Date.now,
): (u: ProgressUpdate) => void {
  let shown = 0; // percent already reported
  let last = -Infinity;
  return (u) => {
    const share = u.totalBytes ? (u.bytes ?? 0) / u.totalBytes : u.totalItems ? (u.items ?? 0) / u.totalItems : undefined;
    const finished = share !== undefined && share >= 1;
    if (!finished && now() - last < PROGRESS_INTERVAL_MS) {
      return;
    }
    last = now();
    const parts = [
      u.message,
      u.totalItems ? `${u.items ?? 0} of ${u.totalItems}` : undefined,
      u.totalBytes ? `${formatSize(u.bytes ?? 0)} of ${formatSize(u.totalBytes)}` : undefined,
    ].filter((p): p is string => !!p);
    const percent = share === undefined ? shown : Math.min(100, Math.floor(share * 100));
    report({ message: parts.join(' · ') || undefined, increment: percent > shown ? percent - shown : undefined });
    shown = Math.max(shown, percent);
  };
}

async function withWork<A, R>(def: CommandDefinition<A, R>, args: A, interactive: boolean): Promise<R> {
  if (!def.progressTitle) {
    return def.run(args, { signal: neverAborted, interactive, progress: () => undefined });
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: def.progressTitle(args), cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      try {
        return await def.run(args, { signal: ac.signal, interactive, progress: progressReporter((v) => progress.report(v)) });
      } finally {
        sub.dispose();
      }
    },
  );
}

export function registerCommand<A, R>(def: CommandDefinition<A, R>, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand(def.id, async (...invocation: unknown[]): Promise<R | undefined> => {
    const [first] = invocation;
    if (isArgumentObject(first)) {
      // Scripted: errors reach the caller; each failure is also logged (our errors carry no secrets).
      try {
        return await withWork(def, def.parse(first), false);
      } catch (err) {
        const d = describeError(err);
        log[d.kind === 'cancelled' ? 'info' : 'error']('command', `${def.id}: ${d.code}: ${d.message}${requestIdOf(err)}`);
        throw err;
      }
    }
    let args: A | undefined;
    try {
      args = def.prompt ? await def.prompt(invocation) : def.parse({});
    } catch (err) {
      return failed(def, err, log, undefined);
    }
    return args === undefined ? undefined : runInteractive(def, args, log);
  });
}

async function runInteractive<A, R>(def: CommandDefinition<A, R>, args: A, log: Log): Promise<R | undefined> {
  try {
    const result = await withWork(def, args, true);
    const message = def.done?.(result, args);
    if (message) {
      void vscode.window.showInformationMessage(message);
    }
    return result;
  } catch (err) {
    return failed(def, err, log, () => runInteractive(def, args, log));
  }
}

/** Logs the failure and shows it in words with the next steps (Edit Connection, Import Key, Retry, Show Log). */
function failed<A, R>(def: CommandDefinition<A, R>, err: unknown, log: Log, retry: (() => Promise<R | undefined>) | undefined): undefined {
  const d = describeError(err);
  if (d.kind === 'cancelled') {
    log.info('command', `${def.id}: cancelled`);
    return undefined;
  }
  log.error('command', `${def.id}: ${d.code}: ${d.message}${requestIdOf(err)}`);
  const steps = nextSteps(err).filter((s) => s !== 'Retry' || retry !== undefined);
  void vscode.window.showErrorMessage(d.message, ...steps).then((step) => {
    const connectionId = (err as { connectionId?: unknown })?.connectionId;
    switch (step) {
      case 'Edit Connection':
        // A node-like argument opens the multi-step input for that connection (a quick pick when unknown).
        void vscode.commands.executeCommand('obs.editConnection', ...(typeof connectionId === 'string' ? [{ kind: 'connection', connectionId }] : []));
        break;
      case 'Import Key':
        void vscode.commands.executeCommand('obs.importKey');
        break;
      case 'Retry':
        void retry?.();
        break;
      case 'Show Log':
        log.show();
        break;
    }
  });
  return undefined;
}

function requestIdOf(err: unknown): string {
  const rid = (err as { requestId?: unknown })?.requestId;
  return typeof rid === 'string' ? ` (request id ${rid})` : '';
}

/** Argument checks shared by the commands' parse functions. */
export function requireString(arg: Record<string, unknown>, name: string, reason: string): string {
  const v = arg[name];
  if (typeof v !== 'string' || v === '') {
    throw new InvalidArgumentError(reason);
  }
  return v;
}

export function optionalString(arg: Record<string, unknown>, name: string): string | undefined {
  const v = arg[name];
  if (v === undefined) {
    return undefined;
  }
  if (typeof v !== 'string') {
    throw new InvalidArgumentError(`${name} must be text.`);
  }
  return v;
}
