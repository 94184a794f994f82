// The one error mapping: anything thrown below (storage, keys, connections) -> what VS Code shows.
import * as vscode from 'vscode';

export type ErrorKind = 'notFound' | 'noPermissions' | 'exists' | 'unavailable' | 'cancelled';

const KIND_BY_CODE: Record<string, ErrorKind> = {
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
  ClockSkew: 'unavailable',
  PreconditionFailed: 'exists',
  Conflict: 'exists',
  Aborted: 'cancelled',
};

export interface DescribedError {
  kind: ErrorKind;
  code: string;
  message: string;
}

/** Stable code and a user-facing message for any error. Messages come from our own error classes, which never carry secrets. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof vscode.CancellationError) {
    return { kind: 'cancelled', code: 'Aborted', message: 'Cancelled.' };
  }
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'Unknown';
  const message = err instanceof Error && err.message ? err.message : String(err);
  return { kind: KIND_BY_CODE[code] ?? 'unavailable', code, message };
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
