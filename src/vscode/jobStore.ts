// The job journal in the extension's global storage: one JSON file per job. Holds arguments with key
// fingerprints and the done items, never key bytes or credentials.
import * as vscode from 'vscode';
import type { JobRecord, JobStore } from '../objects';

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
