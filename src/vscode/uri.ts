// The one URI module: obs://<connectionId>/<bucket>/<key>. Built with Uri.from (never string concatenation
// into Uri.parse) so keys with `?`, `#`, `%` or spaces survive untouched.
import * as vscode from 'vscode';

export const SCHEME = 'obs';

export interface ObsLocation {
  connectionId: string;
  /** Absent for the connection root (which lists buckets). */
  bucket?: string;
  /** Object key or folder prefix; '' for the bucket root. May start with '/' or contain '//'. */
  key: string;
}

const CONNECTION_ID = /^[a-z0-9-]+$/;

export function isValidConnectionId(id: string): boolean {
  return CONNECTION_ID.test(id);
}

export function toUri(loc: ObsLocation): vscode.Uri {
  if (!loc.bucket) {
    return vscode.Uri.from({ scheme: SCHEME, authority: loc.connectionId, path: '/' });
  }
  return vscode.Uri.from({ scheme: SCHEME, authority: loc.connectionId, path: `/${loc.bucket}/${loc.key}` });
}

export function fromUri(uri: vscode.Uri): ObsLocation {
  if (uri.scheme !== SCHEME) {
    throw new Error(`Not an ${SCHEME}: URI`);
  }
  const connectionId = uri.authority.toLowerCase();
  const rest = uri.path.startsWith('/') ? uri.path.slice(1) : uri.path;
  if (rest === '') {
    return { connectionId, key: '' };
  }
  const slash = rest.indexOf('/');
  if (slash < 0) {
    return { connectionId, bucket: rest, key: '' };
  }
  return { connectionId, bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/** Human-readable name of a location for messages: `bucket/key` (never includes the connection's secrets). */
export function describe(loc: ObsLocation): string {
  return loc.bucket ? `${loc.bucket}/${loc.key}` : `connection ${loc.connectionId}`;
}
