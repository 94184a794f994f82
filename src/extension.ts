// Composition root: build the objects, register them, own their disposal. No logic here.
import * as vscode from 'vscode';
import { registerAddConnection } from './commands/addConnection';
import { registerGenerateKey } from './commands/generateKey';
import { registerImportKey } from './commands/importKey';
import { registerRemoveConnection } from './commands/removeConnection';
import { KeyRing } from './keys/keyRing';
import { ConnectionManager } from './vscode/connections';
import { applyDemoSetup } from './vscode/demoSetup';
import { ObsFileSystemProvider } from './vscode/fileSystemProvider';
import { Log } from './vscode/log';
import { BucketTreeProvider } from './vscode/tree/provider';
import type { LoadMoreNode, TreeNode } from './vscode/tree/nodes';
import { SCHEME } from './vscode/uri';

export interface ExtensionApi {
  readonly tree: BucketTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly fileSystem: ObsFileSystemProvider;
  readonly keyRing: KeyRing;
  readonly connections: ConnectionManager;
}

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const log = new Log();
  const keyRing = new KeyRing(context.secrets);
  const connections = new ConnectionManager(context.secrets, keyRing, log);
  const maxBytes = () => vscode.workspace.getConfiguration('obs').get<number>('maxEditorFileSizeMB', 64) * 1024 * 1024;
  const fileSystem = new ObsFileSystemProvider(connections, log, maxBytes);
  const tree = new BucketTreeProvider(connections);
  const treeView = vscode.window.createTreeView('obs.buckets', { treeDataProvider: tree, showCollapseAll: true });

  context.subscriptions.push(
    log,
    connections,
    fileSystem,
    tree,
    vscode.workspace.registerFileSystemProvider(SCHEME, fileSystem, { isCaseSensitive: true }),
    treeView,
    registerAddConnection(connections),
    registerRemoveConnection(connections),
    registerImportKey(keyRing),
    registerGenerateKey(keyRing),
    vscode.commands.registerCommand('obs.refresh', () => tree.refresh()),
    vscode.commands.registerCommand('obs.loadMore', (node: LoadMoreNode) => tree.loadMore(node)),
  );
  await applyDemoSetup(log);
  return { tree, treeView, fileSystem, keyRing, connections };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
