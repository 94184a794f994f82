// Tree node kinds. Each node knows how to render itself; the provider knows how to list children.
import * as vscode from 'vscode';
import type { ObjectLocation } from '../../objects';
import type { ObjectEncryption, ObjectSummary } from '../../storage';
import { shortFingerprint } from '../../keys/keyMaterial';
import { newEncryptionLabel } from '../../keys/labels';
import { defaultEncryptionOf, type ConnectionSettings } from '../config';
import { editorLimitBytes } from '../editorLimit';
import { formatBytes } from '../fileSystemProvider';
import { toUri } from '../uri';
import type { ObjectKeyInfo } from '../whichKey';

export type TreeNode = ConnectionNode | BucketNode | FolderNode | ObjectNode | MessageNode | LoadMoreNode;

export class ConnectionNode {
  readonly kind = 'connection';
  constructor(
    readonly connectionId: string, readonly label: string, readonly endpoint: string,
    /** The settings as read (for the tooltip), and what is wrong with them: then the node shows it and opens nothing. */
    readonly settings?: ConnectionSettings, readonly problem?: string,
  ) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, this.problem ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `c:${this.connectionId}`;
    item.description = this.endpoint;
    item.contextValue = 'connection';
    item.iconPath = new vscode.ThemeIcon('server');
    item.resourceUri = toUri({ connectionId: this.connectionId, key: '' });
    item.tooltip = connectionTooltip(this);
    if (this.problem) {
      item.description = this.problem;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
      item.resourceUri = undefined;
    }
    return item;
  }
}

function connectionTooltip(n: ConnectionNode): vscode.MarkdownString {
  const s = n.settings;
  const lines = [`**${escapeMd(n.label)}** (${escapeMd(n.connectionId)})`];
  if (n.problem) {
    lines.push(`$(error) ${escapeMd(n.problem)}`, 'Fix it in the settings (obs.connections) or with Edit Connection.');
  }
  lines.push(`Endpoint: ${escapeMd(n.endpoint || '(none)')}`);
  if (s) {
    lines.push(
      `Dialect: ${s.dialect === 'obs' ? 'Huawei OBS' : s.dialect === 's3' ? 'S3' : 'detect (auto)'}`,
      `Region: ${escapeMd(s.region || 'us-east-1 (default)')}`,
      `Addressing: ${s.addressing ?? 'auto'}`,
      `Default encryption: ${escapeMd(n.problem ? 'unknown' : newEncryptionLabel(defaultEncryptionOf(s)))}`,
      ...(s.allowInsecureSse ? ['SSE over plain HTTP allowed (local test server)'] : []),
    );
  }
  return new vscode.MarkdownString(lines.join('\n\n'), true);
}

export class BucketNode {
  readonly kind = 'bucket';
  constructor(readonly connectionId: string, readonly bucket: string, readonly location?: string, readonly filter?: string) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.bucket, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `b:${this.connectionId}/${this.bucket}`;
    item.description = this.location;
    item.contextValue = 'bucket';
    item.iconPath = new vscode.ThemeIcon('database');
    item.tooltip = new vscode.MarkdownString([
      `**${escapeMd(this.bucket)}**`,
      `Region: ${escapeMd(this.location || 'not reported')}`,
      ...(this.filter ? [`Filter: keys containing "${escapeMd(this.filter)}"`] : []),
    ].join('\n\n'));
    if (this.filter) {
      item.description = [this.location, `filter: "${this.filter}"`].filter(Boolean).join(' · ');
    }
    return item;
  }
}

export class FolderNode {
  readonly kind = 'folder';
  constructor(readonly connectionId: string, readonly bucket: string, readonly prefix: string) {}
  get name(): string {
    const trimmed = this.prefix.replace(/\/$/, '');
    return trimmed.slice(trimmed.lastIndexOf('/') + 1) || '/';
  }
  /** `newObjects`: the encryption new objects here get, and what chose it (a rule or the connection default). */
  toTreeItem(newObjects?: string): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `f:${this.connectionId}/${this.bucket}/${this.prefix}`;
    item.contextValue = 'folder';
    item.iconPath = vscode.ThemeIcon.Folder;
    item.resourceUri = toUri({ connectionId: this.connectionId, bucket: this.bucket, key: this.prefix });
    item.tooltip = new vscode.MarkdownString([
      `**${escapeMd(this.prefix)}**`, `Folder in ${escapeMd(this.bucket)}`, ...(newObjects ? [`New objects: ${escapeMd(newObjects)}`] : []),
    ].join('\n\n'));
    return item;
  }
}

export class ObjectNode {
  readonly kind = 'object';
  constructor(
    readonly connectionId: string,
    readonly bucket: string,
    readonly summary: ObjectSummary,
    readonly prefix: string,
    /** Its encryption and the stored key that opens it, once known (cached per ETag). */
    public info?: ObjectKeyInfo,
  ) {}
  get name(): string {
    // The folder's own marker, listed because it holds data: named after the folder, with its '/'.
    return this.summary.key.slice(this.prefix.length) || `${this.prefix.replace(/\/$/, '').split('/').pop() ?? ''}/`;
  }
  get uri(): vscode.Uri {
    return toUri({ connectionId: this.connectionId, bucket: this.bucket, key: this.summary.key });
  }
  get encryption(): ObjectEncryption | undefined {
    return this.info?.encryption;
  }
  /** `rule`: the encryption rule (or connection default) that governs this key, in words. */
  toTreeItem(rule?: string): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.None);
    item.id = `o:${this.connectionId}/${this.bucket}/${this.summary.key}`;
    item.resourceUri = this.uri;
    const info = this.info;
    item.description = info ? `${formatBytes(this.summary.size)} · ${info.label}` : formatBytes(this.summary.size);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${escapeMd(this.summary.key)}**`,
        `Size: ${formatBytes(this.summary.size)}`,
        `Modified: ${this.summary.lastModified.toISOString()}`,
        `Encryption: ${escapeMd(info?.label ?? 'checking…')}`,
        ...keyLines(info),
        ...(rule ? [`Rule for new objects here: ${escapeMd(rule)}`] : []),
      ].join('\n\n'),
    );
    item.contextValue = `object.${encryptionContext(info)}`;
    item.iconPath = objectIcon(info);
    item.command = { command: 'vscode.open', title: 'Open', arguments: [this.uri] };
    if (this.summary.size > editorLimitBytes()) {
      // Above the editor limit: a choice (download, or read-only anyway) instead of VS Code's generic error.
      const location = { connection: this.connectionId, bucket: this.bucket, key: this.summary.key };
      item.command = { command: 'obs.openObject', title: 'Open', arguments: [{ location }] };
    }
    return item;
  }
}

/** What the tooltip says about the SSE-C key. */
function keyLines(info: ObjectKeyInfo | undefined): string[] {
  if (info?.encryption.type !== 'sse-c') {
    return [];
  }
  const md5 = info.encryption.keyMd5;
  if (!info.opensWithStoredKey) {
    return [
      `Key: not stored${md5 ? ` (MD5 ${escapeMd(md5)})` : ''}; tried ${info.triedKeys} stored key${info.triedKeys === 1 ? '' : 's'}. Import its key to open it.`,
    ];
  }
  return [`Key: ${escapeMd(info.keyLabel ?? 'stored key')} (fingerprint ${escapeMd(shortFingerprint(md5))})`];
}

/** A distinct icon per answer: plain file, key-encrypted (KMS/service), opened with a stored SSE-C key, no stored key. */
function objectIcon(info: ObjectKeyInfo | undefined): vscode.ThemeIcon {
  if (!info) {
    return new vscode.ThemeIcon('file');
  }
  switch (info.encryption.type) {
    case 'none':
      return new vscode.ThemeIcon('file');
    case 'sse-c':
      return info.opensWithStoredKey ? new vscode.ThemeIcon('key') : new vscode.ThemeIcon('workspace-untrusted', new vscode.ThemeColor('list.warningForeground'));
    default:
      return new vscode.ThemeIcon('lock');
  }
}

export class MessageNode {
  readonly kind = 'message';
  constructor(readonly id: string, readonly message: string, readonly isError: boolean, readonly detail?: string, readonly command?: vscode.Command) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.tooltip = this.detail ?? this.message;
    item.contextValue = this.isError ? 'error' : 'message';
    item.iconPath = new vscode.ThemeIcon(this.isError ? 'error' : this.command ? 'filter' : 'info');
    item.command = this.command;
    return item;
  }
}

export class LoadMoreNode {
  readonly kind = 'loadMore';
  constructor(readonly parent: BucketNode | FolderNode, readonly continuation: string) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.command = { command: 'obs.loadMore', title: 'Load more', arguments: [this] };
    return item;
  }
}

function encryptionContext(info: ObjectKeyInfo | undefined): string {
  if (!info) {
    return 'unknown';
  }
  return info.encryption.type === 'sse-c' && !info.opensWithStoredKey ? 'sse-c.noKey' : info.encryption.type;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The location a bucket, folder or object node stands for (a bucket's key is empty, a folder's ends in "/"). */
export function nodeLocation(n: TreeNode): ObjectLocation | undefined {
  switch (n.kind) {
    case 'object':
      return { connection: n.connectionId, bucket: n.bucket, key: n.summary.key };
    case 'folder':
      return { connection: n.connectionId, bucket: n.bucket, key: n.prefix };
    case 'bucket':
      return { connection: n.connectionId, bucket: n.bucket, key: '' };
    default:
      return undefined;
  }
}

/** A bucket or folder to put things into: an object's own folder when an object is the target. */
export function intoFolder(l: ObjectLocation): ObjectLocation {
  return l.key === '' || l.key.endsWith('/') ? l : { ...l, key: l.key.slice(0, l.key.lastIndexOf('/') + 1) };
}
