// Drag and drop on the Buckets view: files and folders from the OS or the Explorer dropped on a bucket or folder
// are uploaded there (obs.upload); objects and folders dragged within the tree are copied (obs.copy: server-side
// within a connection, streamed across connections). Dragging out gives obs:// URIs (an editor drop opens them).
// Everything runs through the commands, with their progress, cancel and report.
import * as vscode from 'vscode';
import type { ObjectLocation } from '../../objects';
import { fromUri, SCHEME, toUri } from '../uri';
import { intoFolder, nodeLocation, type TreeNode } from './nodes';

export const TREE_MIME = 'application/vnd.code.tree.obs.buckets';
const URI_LIST = 'text/uri-list';

/** What a drop does, decided from its data alone (unit-testable without a window). */
export type DropPlan =
  | { command: 'obs.upload'; arg: { source: string[]; target: ObjectLocation } }
  | { command: 'obs.copy'; arg: { source: ObjectLocation[]; target: ObjectLocation } };

/** Dragged tree nodes win; else `text/uri-list`: file: URIs upload, obs: URIs copy. */
export function planDrop(target: TreeNode | undefined, nodes: readonly TreeNode[] | undefined, uriList: string | undefined): DropPlan | undefined {
  const at = target && nodeLocation(target);
  if (!at) {
    return undefined;
  }
  const into = intoFolder(at);
  const dragged = (nodes ?? []).map(nodeLocation).filter((l): l is ObjectLocation => l !== undefined)
    // Dropping a folder onto itself or inside itself would copy without end.
    .filter((l) => !(l.connection === into.connection && l.bucket === into.bucket && (l.key === '' || l.key.endsWith('/')) && into.key.startsWith(l.key)));
  if (nodes?.length) {
    return dragged.length ? { command: 'obs.copy', arg: { source: dragged, target: into } } : undefined;
  }
  const uris = (uriList ?? '').split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('#')).map((s) => vscode.Uri.parse(s));
  // The same file may come both in the uri list and as a dropped file.
  const files = [...new Set(uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath))];
  if (files.length) {
    return { command: 'obs.upload', arg: { source: files, target: into } };
  }
  const objects = uris.filter((u) => u.scheme === SCHEME).map((u) => fromUri(u)).filter((l) => l.bucket)
    .map((l): ObjectLocation => ({ connection: l.connectionId, bucket: l.bucket!, key: l.key }));
  return objects.length ? { command: 'obs.copy', arg: { source: objects, target: into } } : undefined;
}

export class BucketDragAndDrop implements vscode.TreeDragAndDropController<TreeNode> {
  readonly dragMimeTypes = [URI_LIST];
  // `files`: VS Code's special type for files dropped from the OS, whatever their own type.
  readonly dropMimeTypes = [TREE_MIME, URI_LIST, 'files'];

  constructor(private readonly onDone: (command: string, result: unknown) => void = () => undefined) {}

  handleDrag(source: readonly TreeNode[], data: vscode.DataTransfer): void {
    // Other views and editors get obs:// URIs; this view itself reads the nodes VS Code puts under TREE_MIME.
    const uris = source.map(nodeLocation).filter((l): l is ObjectLocation => l !== undefined).map((l) => toUri({ connectionId: l.connection, bucket: l.bucket, key: l.key }).toString());
    if (uris.length) {
      data.set(URI_LIST, new vscode.DataTransferItem(uris.join('\r\n')));
    }
  }

  async handleDrop(target: TreeNode | undefined, data: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    const nodes = data.get(TREE_MIME)?.value as TreeNode[] | undefined;
    const files: string[] = [];
    data.forEach((item) => {
      const uri = item.asFile()?.uri;
      if (uri?.scheme === 'file') {
        files.push(uri.toString());
      }
    });
    const uriList = nodes?.length ? undefined : [await data.get(URI_LIST)?.asString(), ...files].filter(Boolean).join('\r\n');
    const plan = planDrop(target, nodes, uriList);
    if (!plan || token.isCancellationRequested) {
      return;
    }
    // The command has its own progress and cancel, and logs a failure; a drop has no caller to tell, so say it here.
    const result = await vscode.commands.executeCommand(plan.command, plan.arg).then((r) => r, (err: unknown) => {
      void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
      return undefined;
    });
    this.onDone(plan.command, result);
  }
}
