// The one error mapping: anything thrown below (storage, keys, connections) -> what VS Code shows.
import * as vscode from 'vscode';
import type { StorageErrorCode } from '../storage';

export type ErrorKind = 'notFound' | 'noPermissions' | 'exists' | 'unavailable' | 'cancelled';

/** Codes thrown above the storage core (key ring, connections, command arguments). */
type LocalCode = 'UnknownConnection' | 'NoKeyOpensObject' | 'MissingDefaultKey' | 'MissingCredentials';

/** Every code has a kind: a new StorageErrorCode without an entry here does not compile. */
const KIND_BY_CODE: Record<StorageErrorCode | LocalCode, ErrorKind> = {
  NoSuchKey: 'notFound',
  NoSuchBucket: 'notFound',
  UnknownConnection: 'notFound',
  NoKeyOpensObject: 'noPermissions',
  MissingDefaultKey: 'noPermissions',
  MissingCredentials: 'noPermissions',
  KeyMissing: 'noPermissions',
  KeyWrong: 'noPermissions',
  KmsKeyUnknown: 'noPermissions',
  AccessDenied: 'noPermissions',
  BadCredentials: 'noPermissions',
  InsecureSse: 'noPermissions',
  RedirectRefused: 'noPermissions',
  PreconditionFailed: 'exists',
  Conflict: 'exists',
  Aborted: 'cancelled',
  NotImplemented: 'unavailable',
  NoSuchUpload: 'unavailable',
  NotEncrypted: 'unavailable',
  ClockSkew: 'unavailable',
  Throttled: 'unavailable',
  Network: 'unavailable',
  Timeout: 'unavailable',
  InvalidArgument: 'unavailable',
  InvalidEndpoint: 'unavailable',
  InvalidRange: 'unavailable',
  EntityTooSmall: 'unavailable',
  EntityTooLarge: 'unavailable',
  BadDigest: 'unavailable',
  ServerError: 'unavailable',
  Unknown: 'unavailable',
};

export interface DescribedError {
  kind: ErrorKind;
  code: string;
  message: string;
}

/** Stable code and a user-facing message for any error. Messages come from our own error classes, which never carry secrets. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof vscode.CancellationError || (err as { name?: unknown })?.name === 'AbortError') {
    return { kind: 'cancelled', code: 'Aborted', message: 'Cancelled.' };
  }
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'Unknown';
  const message = err instanceof Error && err.message ? err.message : String(err);
  return { kind: (KIND_BY_CODE as Record<string, ErrorKind>)[code] ?? 'unavailable', code, message };
}

export function toFileSystemError(err: unknown, uri: vscode.Uri): vscode.FileSystemError | vscode.CancellationError {
  if (err instanceof vscode.FileSystemError) {
    return err;
  }
  const d = describeError(err);
  switch (d.kind) {
    case 'notFound':
      return vscode.FileSystemError.FileNotFound(d.message || uri);
    case 'noPermissions':
      return vscode.FileSystemError.NoPermissions(d.message);
    case 'exists':
      return vscode.FileSystemError.FileExists(d.message);
    case 'cancelled':
      return new vscode.CancellationError();
    default:
      return vscode.FileSystemError.Unavailable(d.message);
  }
}

/** The next steps a message about an error offers, as button labels (the runner carries them out). */
export type NextStep = 'Edit Connection' | 'Import Key' | 'Retry' | 'Show Log';

const CONNECTION_CODES = new Set(['BadCredentials', 'MissingCredentials', 'ClockSkew', 'InsecureSse', 'RedirectRefused']);
const KEY_CODES = new Set(['NoKeyOpensObject', 'MissingDefaultKey', 'KeyMissing', 'KeyWrong']);
const TRANSIENT_CODES = new Set(['Network', 'Timeout', 'Throttled', 'ServerError', 'Unknown']);

/** What to offer after an error: fix the connection, import a key, try again; the log always. */
export function nextSteps(err: unknown): NextStep[] {
  const d = describeError(err);
  if (d.kind === 'cancelled') {
    return [];
  }
  const connectionProblem = CONNECTION_CODES.has(d.code) || (d.code === 'InvalidArgument' && typeof (err as { problem?: unknown })?.problem === 'string');
  return [
    ...(connectionProblem ? ['Edit Connection' as const] : []),
    ...(KEY_CODES.has(d.code) ? ['Import Key' as const] : []),
    ...(TRANSIENT_CODES.has(d.code) ? ['Retry' as const] : []),
    'Show Log',
  ];
}
