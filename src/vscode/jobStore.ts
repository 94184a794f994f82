// The journals in the extension's global storage. Jobs: one JSON file per job. Holds arguments with key
// fingerprints and the done items, never key bytes or credentials.
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { JobRecord, JobStore, UploadEntry, UploadStore } from '../objects';

const MAX_JOBS_KEPT = 50;

export class GlobalStorageJobStore implements JobStore {
  constructor(private readonly dir: vscode.Uri) {}

  private file(jobId: string): vscode.Uri {
    return vscode.Uri.joinPath(this.dir, `${encodeURIComponent(jobId)}.json`);
  }

  async save(record: JobRecord): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.dir);
    await vscode.workspace.fs.writeFile(this.file(record.jobId), Buffer.from(JSON.stringify(record), 'utf8'));
  }

  async load(jobId: string): Promise<JobRecord | undefined> {
    try {
      return JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(this.file(jobId))).toString('utf8')) as JobRecord;
    } catch {
      return undefined;
    }
  }

  /** Newest first; the oldest finished jobs beyond the last 50 are forgotten. */
  async list(): Promise<JobRecord[]> {
    let names: [string, vscode.FileType][] = [];
    try {
      names = await vscode.workspace.fs.readDirectory(this.dir);
    } catch {
      return [];
    }
    const records = (await Promise.all(names.filter(([n]) => n.endsWith('.json')).map(([n]) => this.load(decodeURIComponent(n.slice(0, -5))))))
      .filter((r): r is JobRecord => r !== undefined)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    for (const old of records.slice(MAX_JOBS_KEPT).filter((r) => r.state === 'finished')) {
      await vscode.workspace.fs.delete(this.file(old.jobId)).then(undefined, () => undefined);
    }
    return records.slice(0, MAX_JOBS_KEPT);
  }
}

/**
 * The upload journal in the extension's global storage: one small JSON file per unfinished multipart upload
 * (connection, bucket, key, upload id, owner process), under uploads/<connection>/. Files, not one shared document,
 * so two windows never overwrite each other's entries.
 */
export class GlobalStorageUploadStore implements UploadStore {
  constructor(private readonly dir: vscode.Uri) {}

  private folder(connection: string): vscode.Uri {
    return vscode.Uri.joinPath(this.dir, encodeURIComponent(connection));
  }

  private file(connection: string, uploadId: string): vscode.Uri {
    return vscode.Uri.joinPath(this.folder(connection), `${createHash('sha256').update(uploadId).digest('hex').slice(0, 32)}.json`);
  }

  async put(entry: UploadEntry): Promise<void> {
    await vscode.workspace.fs.createDirectory(this.folder(entry.connection));
    await vscode.workspace.fs.writeFile(this.file(entry.connection, entry.uploadId), Buffer.from(JSON.stringify(entry), 'utf8'));
  }

  async remove(connection: string, uploadId: string): Promise<void> {
    await vscode.workspace.fs.delete(this.file(connection, uploadId)).then(undefined, () => undefined);
  }

  async list(connection: string): Promise<UploadEntry[]> {
    let names: [string, vscode.FileType][] = [];
    try {
      names = await vscode.workspace.fs.readDirectory(this.folder(connection));
    } catch {
      return [];
    }
    const read = async (name: string): Promise<UploadEntry | undefined> => {
      try {
        return JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.folder(connection), name))).toString('utf8')) as UploadEntry;
      } catch {
        return undefined;
      }
    };
    return (await Promise.all(names.filter(([n]) => n.endsWith('.json')).map(([n]) => read(n)))).filter((e): e is UploadEntry => e !== undefined);
  }
}
