// obs.openAsWorkspaceFolder { connection, bucket, prefix? }, obs.filter { connection, bucket, text } and
// obs.openObject { location } (an object above the editor limit opens a choice: download, or read-only anyway).
import * as vscode from 'vscode';
import type { ObjectLocation } from '../objects';
import type { ConnectionManager } from '../vscode/connections';
import type { EditorLimit } from '../vscode/editorLimit';
import { formatBytes } from '../vscode/fileSystemProvider';
import type { BucketTreeProvider } from '../vscode/tree/provider';
import type { BucketNode, FolderNode } from '../vscode/tree/nodes';
import { toUri } from '../vscode/uri';
import { askLocation, selection, toLocation } from './jobs';
import { InvalidArgumentError, optionalString, requireString, type CommandDefinition } from './runner';

interface BucketArgs {
  connection: string;
  bucket: string;
}

function bucketArgs(arg: Record<string, unknown>, connections: ConnectionManager): BucketArgs {
  const connection = requireString(arg, 'connection', 'connection is missing: pass { connection, bucket }.');
  const bucket = requireString(arg, 'bucket', 'bucket is missing: pass { connection, bucket }.');
  if (!connections.has(connection)) {
    throw new InvalidArgumentError(`connection: there is no connection "${connection}".`);
  }
  return { connection, bucket };
}

function bucketNodeOf(invocation: unknown[]): BucketNode | FolderNode | undefined {
  const n = invocation[0] as BucketNode | FolderNode | undefined;
  return n?.kind === 'bucket' || n?.kind === 'folder' ? n : undefined;
}

export function openAsWorkspaceFolderCommand(connections: ConnectionManager): CommandDefinition<BucketArgs & { prefix: string }, { uri: string; added: boolean }> {
  return {
    id: 'obs.openAsWorkspaceFolder',
    parse: (arg) => {
      const prefix = optionalString(arg, 'prefix') ?? '';
      return { ...bucketArgs(arg, connections), prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
    },
    async prompt(invocation) {
      const node = bucketNodeOf(invocation);
      if (node) {
        return { connection: node.connectionId, bucket: node.bucket, prefix: node.kind === 'folder' ? node.prefix : '' };
      }
      const loc = await askLocation('Bucket or folder to open (obs://connection/bucket/prefix/)', 'obs://');
      return loc ? { connection: loc.connection, bucket: loc.bucket, prefix: loc.key } : undefined;
    },
    async run(a) {
      // Without the trailing slash: VS Code stores workspace folders so, and a second call must find the first.
      const uri = toUri({ connectionId: a.connection, bucket: a.bucket, key: a.prefix.replace(/\/$/, '') });
      const existing = vscode.workspace.workspaceFolders ?? [];
      if (existing.some((f) => f.uri.toString().replace(/\/$/, '') === uri.toString())) {
        return { uri: uri.toString(), added: false };
      }
      const name = `${a.bucket}${a.prefix ? `/${a.prefix.replace(/\/$/, '')}` : ''} (${a.connection})`;
      const added = vscode.workspace.updateWorkspaceFolders(existing.length, 0, { uri, name });
      if (!added) {
        throw new Error(`VS Code did not add ${uri.toString(true)} as a workspace folder.`);
      }
      return { uri: uri.toString(), added };
    },
  };
}

export function filterCommand(connections: ConnectionManager, tree: BucketTreeProvider): CommandDefinition<BucketArgs & { text: string }, { filter?: string }> {
  return {
    id: 'obs.filter',
    parse: (arg) => {
      const text = arg.text;
      if (typeof text !== 'string') {
        throw new InvalidArgumentError('text must be text ("" clears the filter).');
      }
      return { ...bucketArgs(arg, connections), text };
    },
    async prompt(invocation) {
      const node = bucketNodeOf(invocation);
      const loc = node ? { connection: node.connectionId, bucket: node.bucket } : await askLocation('Bucket to filter (obs://connection/bucket)', 'obs://');
      if (!loc) {
        return undefined;
      }
      const text = await vscode.window.showInputBox({
        title: `Filter ${loc.bucket}`,
        prompt: 'Show the objects whose key contains this text (leave empty to clear the filter). End it with * to match only keys that start with it (listed by the server).',
        value: tree.filterOf(loc.connection, loc.bucket) ?? '',
      });
      return text === undefined ? undefined : { connection: loc.connection, bucket: loc.bucket, text };
    },
    async run(a) {
      tree.setFilter(a.connection, a.bucket, a.text);
      return { filter: tree.filterOf(a.connection, a.bucket) };
    },
  };
}

const DOWNLOAD = 'Download…';
const OPEN_ANYWAY = 'Open Read-Only Anyway';

export function openObjectCommand(connections: ConnectionManager, limit: EditorLimit): CommandDefinition<{ location: ObjectLocation; choice?: 'download' | 'readOnly' }, { opened: 'editor' | 'readOnly' | 'download' | 'none' }> {
  return {
    id: 'obs.openObject',
    parse: (arg) => {
      const location = toLocation(arg.location, 'location');
      const choice = arg.choice;
      if (choice !== undefined && choice !== 'download' && choice !== 'readOnly') {
        throw new InvalidArgumentError('choice must be "download" or "readOnly" (what to do with an object above the editor limit).');
      }
      return { location, choice };
    },
    async prompt(invocation) {
      const location = selection(invocation)[0];
      return location ? { location } : undefined;
    },
    async run({ location, choice }, ctx) {
      const uri = toUri({ connectionId: location.connection, bucket: location.bucket, key: location.key });
      const s = await connections.session(location.connection);
      const st = await s.objects.stat(location.bucket, location.key, { signal: ctx.signal });
      if (st.kind !== 'file' || st.size <= limit.configured) {
        await vscode.commands.executeCommand('vscode.open', uri);
        return { opened: 'editor' };
      }
      let pick = choice === 'download' ? DOWNLOAD : choice === 'readOnly' ? OPEN_ANYWAY : undefined;
      pick ??= await vscode.window.showWarningMessage(
        `${location.bucket}/${location.key} is ${formatBytes(st.size)}, above the ${formatBytes(limit.configured)} limit for the editor (setting obs.maxEditorFileSizeMB).`,
        { modal: true, detail: 'Download it to a local file, or open it read-only anyway (the whole object is read into memory).' },
        DOWNLOAD, OPEN_ANYWAY,
      );
      if (pick === OPEN_ANYWAY) {
        await limit.openAnyway(uri, async () => {
          await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
          await vscode.commands.executeCommand('workbench.action.files.setActiveEditorReadonlyInSession');
        });
        return { opened: 'readOnly' };
      }
      if (pick === DOWNLOAD) {
        const name = location.key.slice(location.key.lastIndexOf('/') + 1);
        const target = await vscode.window.showSaveDialog({ title: `Download ${name}`, defaultUri: vscode.Uri.file(name), saveLabel: 'Download' });
        if (!target) {
          return { opened: 'none' };
        }
        await vscode.commands.executeCommand('obs.download', { source: location, target: target.fsPath, overwrite: true });
        return { opened: 'download' };
      }
      return { opened: 'none' };
    },
  };
}
