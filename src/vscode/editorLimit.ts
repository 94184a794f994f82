// The editor's size limit (setting obs.maxEditorFileSizeMB), with the one way past it: a person who chose "open
// read-only anyway" for an object. The file system asks `bytes()` on each read.
import * as vscode from 'vscode';

const MiB = 1024 * 1024;

/** The limit from settings (obs.maxEditorFileSizeMB), in bytes. */
export function editorLimitBytes(): number {
  const mb = vscode.workspace.getConfiguration('obs').get<number>('maxEditorFileSizeMB', 64);
  return (typeof mb === 'number' && mb > 0 ? mb : 64) * MiB;
}

export class EditorLimit {
  /** URIs allowed past the limit for the read in progress. */
  private readonly allowed = new Set<string>();

  /** The limit from settings, in bytes. */
  get configured(): number {
    return editorLimitBytes();
  }

  /** The limit for the read now (none while a person's "open anyway" read runs). */
  bytes(): number {
    return this.allowed.size > 0 ? Number.MAX_SAFE_INTEGER : this.configured;
  }

  /** Runs `open` with the limit lifted for `uri` (the opening reads the object once). */
  async openAnyway<T>(uri: vscode.Uri, open: () => Thenable<T>): Promise<T> {
    this.allowed.add(uri.toString());
    try {
      return await open();
    } finally {
      this.allowed.delete(uri.toString());
    }
  }
}
