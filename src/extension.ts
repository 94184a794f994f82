// Composition root: build the objects, register them, own their disposal. No logic here.
import * as vscode from 'vscode';
import { addConnectionCommand } from './commands/addConnection';
import { editConnectionCommand, testConnectionCommand } from './commands/connections';
import { copyLinkCommand, PROPERTIES_SCHEME, PropertiesDocuments, showPropertiesCommand } from './commands/properties';
import { filterCommand, openAsWorkspaceFolderCommand, openObjectCommand } from './commands/bucketView';
import { EditorLimit } from './vscode/editorLimit';
import { generateKeyCommand } from './commands/generateKey';
import { importKeyCommand } from './commands/importKey';
import { exportKeyCommand, listKeysCommand, removeKeyCommand, renameKeyCommand } from './commands/keys';
import { addRuleCommand, removeRuleCommand } from './commands/rules';
import { whichKeyCommand } from './commands/whichKey';
import { removeConnectionCommand } from './commands/removeConnection';
import { registerCommand } from './commands/runner';
import { cleanUpUploadsCommand } from './commands/uploads';
import { loadMoreCommand, refreshCommand } from './commands/view';
import {
  cancelJobCommand, copyCommand, copyItemsCommand, pasteItemsCommand, reencryptCommand, REPORT_SCHEME, ReportDocuments,
  resumeJobCommand, showJobsCommand,
} from './commands/jobs';
import {
  createFolderCommand, deleteCommand, downloadCommand, openCommand, renameCommand, showSummary, uploadCommand, type FilesDeps,
} from './commands/files';
import type { TransferReport } from './objects';
import { BucketDragAndDrop } from './vscode/tree/dragAndDrop';
import { GlobalStorageJobStore, GlobalStorageUploadStore } from './vscode/jobStore';
import { KeyRing, type KeyEntry } from './keys/keyRing';
import { ConnectionManager } from './vscode/connections';
import { applyDemoSetup } from './vscode/demoSetup';
import { ObsFileSystemProvider } from './vscode/fileSystemProvider';
import { Log } from './vscode/log';
import { BucketTreeProvider } from './vscode/tree/provider';
import type { TreeNode } from './vscode/tree/nodes';
import { SCHEME } from './vscode/uri';
import { WhichKey } from './vscode/whichKey';
import { KeyMessages } from './vscode/keyMessages';
import { KeysViewProvider } from './vscode/keysView';
import { EncryptionDecorations } from './vscode/decorations';
import { EncryptionStatus } from './vscode/statusBar';

/**
 * What the integration tests see, returned only in ExtensionMode.Test: views and counts, never key bytes,
 * credentials or anything that opens a connection. Other extensions get nothing from `activate`.
 */
export interface ExtensionApi {
  readonly tree: BucketTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly keys: {
    list(): Promise<KeyEntry[]>;
    remove(fingerprint: string): Promise<boolean>;
    /** The Keys view's data (labels, fingerprints, uses; no key bytes). */
    readonly view: KeysViewProvider;
    /** What the status bar item shows for the active editor, if anything. */
    statusBar(): { text: string; tooltip: string } | undefined;
    /** The decoration (badge and tooltip) an obs:// URI gets. */
    decoration(uri: vscode.Uri): vscode.FileDecoration | undefined;
  };
  /** Read versions the file system still holds: the document, its ETag and key fingerprint, nothing else. */
  heldReadVersions(): Array<{ uri: string; etag: string; keyFingerprint?: string }>;
  /** Records the log's lines (redacted, trace level included) until disposed. */
  recordLog(): { readonly lines: string[]; dispose(): void };
  /** Every log line (trace level included) since activation, for the secret scan; bounded to the last 200,000. */
  allLogLines(): readonly string[];
  /** The extension's global storage folder (journals), for the secret scan of what is kept on disk. */
  readonly storagePath: string;
}

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi | undefined> {
  const log = new Log();
  const everyLine: string[] = [];
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    context.subscriptions.push(log.tap((line) => {
      everyLine.push(line);
      if (everyLine.length > 200_000) {
        everyLine.splice(0, 10_000);
      }
    }));
  }
  const keyRing = new KeyRing(context.secrets);
  const connections = new ConnectionManager(context.secrets, keyRing, log, new GlobalStorageUploadStore(vscode.Uri.joinPath(context.globalStorageUri, 'uploads')));
  const editorLimit = new EditorLimit();
  const fileSystem = new ObsFileSystemProvider(connections, log, () => editorLimit.bytes());
  const whichKey = new WhichKey(connections, keyRing, fileSystem.onDidChangeFile);
  const tree = new BucketTreeProvider(connections, whichKey, log);
  tree.followChanges(fileSystem.onDidChangeFile);
  const dragAndDrop = new BucketDragAndDrop((command, result) => {
    if (command === 'obs.upload' && result) {
      showSummary(jobs, result as TransferReport);
    }
  });
  const treeView = vscode.window.createTreeView('obs.buckets', {
    treeDataProvider: tree, showCollapseAll: true, canSelectMany: true, dragAndDropController: dragAndDrop,
  });
  const keysView = new KeysViewProvider(keyRing);
  const decorations = new EncryptionDecorations(whichKey);
  const status = new EncryptionStatus(whichKey);

  const propertiesDocs = new PropertiesDocuments();
  const jobs = {
    changed: () => tree.refresh(),
    connections, ring: keyRing, reports: new ReportDocuments(),
    store: new GlobalStorageJobStore(vscode.Uri.joinPath(context.globalStorageUri, 'jobs')),
  };
  const files: FilesDeps = { ...jobs, selected: () => treeView.selection, changedAt: (uris) => tree.refreshAt(uris) };
  context.subscriptions.push(
    log,
    keyRing,
    whichKey,
    new KeyMessages(fileSystem.onDidRefuseRead, log),
    keysView,
    vscode.window.createTreeView('obs.keys', { treeDataProvider: keysView }),
    decorations,
    vscode.window.registerFileDecorationProvider(decorations),
    status,
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, jobs.reports),
    connections,
    fileSystem,
    tree,
    vscode.workspace.registerFileSystemProvider(SCHEME, fileSystem, { isCaseSensitive: true }),
    treeView,
    registerCommand(addConnectionCommand(connections), log),
    registerCommand(removeConnectionCommand(connections), log),
    registerCommand(importKeyCommand(keyRing), log),
    registerCommand(generateKeyCommand(keyRing), log),
    registerCommand(listKeysCommand(keyRing), log),
    registerCommand(renameKeyCommand(keyRing), log),
    registerCommand(removeKeyCommand(keyRing), log),
    registerCommand(exportKeyCommand(keyRing), log),
    registerCommand(whichKeyCommand(whichKey), log),
    registerCommand(addRuleCommand(connections, keyRing), log),
    registerCommand(removeRuleCommand(), log),
    registerCommand(refreshCommand(tree), log),
    registerCommand(loadMoreCommand(tree), log),
    registerCommand(copyCommand(jobs), log),
    registerCommand(reencryptCommand(jobs), log),
    registerCommand(resumeJobCommand(jobs), log),
    registerCommand(showJobsCommand(jobs), log),
    registerCommand(cancelJobCommand(jobs), log),
    registerCommand(copyItemsCommand(), log),
    registerCommand(pasteItemsCommand(jobs), log),
    registerCommand(cleanUpUploadsCommand(connections), log),
    registerCommand(editConnectionCommand(connections), log),
    registerCommand(testConnectionCommand(connections), log),
    registerCommand(showPropertiesCommand(connections, keyRing, propertiesDocs), log),
    registerCommand(copyLinkCommand(connections), log),
    registerCommand(openAsWorkspaceFolderCommand(connections), log),
    registerCommand(filterCommand(connections, tree), log),
    registerCommand(openObjectCommand(connections, editorLimit), log),
    propertiesDocs,
    vscode.workspace.registerTextDocumentContentProvider(PROPERTIES_SCHEME, propertiesDocs),
    registerCommand(uploadCommand(files, 'obs.upload', false), log),
    registerCommand(uploadCommand(files, 'obs.uploadFolder', true), log),
    registerCommand(downloadCommand(files), log),
    registerCommand(deleteCommand(files), log),
    registerCommand(createFolderCommand(files), log),
    registerCommand(renameCommand(files), log),
    registerCommand(openCommand(files), log),
  );
  await applyDemoSetup(log);
  if (context.extensionMode !== vscode.ExtensionMode.Test) {
    return undefined;
  }
  return {
    tree,
    treeView,
    keys: {
      list: () => keyRing.list(),
      remove: (fingerprint) => keyRing.remove(fingerprint),
      view: keysView,
      statusBar: () => status.shown,
      decoration: (uri) => decorations.provideFileDecoration(uri),
    },
    heldReadVersions: () => fileSystem.heldVersions,
    recordLog: () => {
      const lines: string[] = [];
      const tap = log.tap((line) => lines.push(line));
      return { lines, dispose: () => tap.dispose() };
    },
    allLogLines: () => everyLine,
    storagePath: context.globalStorageUri.fsPath,
  };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions.
}
