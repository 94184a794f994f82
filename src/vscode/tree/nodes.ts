// Tree node kinds. Each node knows how to render itself; the provider knows how to list children.
import * as vscode from 'vscode';
import type { ObjectEncryption, ObjectSummary } from '../../storage';
import { encryptionLabel } from '../../keys/labels';
import { formatBytes } from '../fileSystemProvider';
import { toUri } from '../uri';

export type TreeNode = ConnectionNode | BucketNode | FolderNode | ObjectNode | MessageNode | LoadMoreNode;

export class ConnectionNode {
  readonly kind = 'connection';
  constructor(readonly connectionId: string, readonly label: string, readonly endpoint: string) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `c:${this.connectionId}`;
    item.description = this.endpoint;
    item.contextValue = 'connection';
    item.iconPath = new vscode.ThemeIcon('server');
    item.resourceUri = toUri({ connectionId: this.connectionId, key: '' });
    return item;
  }
}

export class BucketNode {
  readonly kind = 'bucket';
  constructor(readonly connectionId: string, readonly bucket: string, readonly location?: string) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.bucket, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `b:${this.connectionId}/${this.bucket}`;
    item.description = this.location;
    item.contextValue = 'bucket';
    item.iconPath = new vscode.ThemeIcon('database');
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
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `f:${this.connectionId}/${this.bucket}/${this.prefix}`;
    item.contextValue = 'folder';
    item.iconPath = vscode.ThemeIcon.Folder;
    item.resourceUri = toUri({ connectionId: this.connectionId, bucket: this.bucket, key: this.prefix });
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
    public encryption?: ObjectEncryption | 'sse-c-unknown-key',
  ) {}
  get name(): string {
    return this.summary.key.slice(this.prefix.length);
  }
  get uri(): vscode.Uri {
    return toUri({ connectionId: this.connectionId, bucket: this.bucket, key: this.summary.key });
  }
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.None);
    item.id = `o:${this.connectionId}/${this.bucket}/${this.summary.key}`;
    item.resourceUri = this.uri;
    const enc = encryptionLabel(this.encryption);
    item.description = enc ? `${formatBytes(this.summary.size)} · ${enc}` : formatBytes(this.summary.size);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${escapeMd(this.summary.key)}**`,
        `Size: ${formatBytes(this.summary.size)}`,
        `Modified: ${this.summary.lastModified.toISOString()}`,
        `Encryption: ${enc ?? 'checking…'}`,
      ].join('\n\n'),
    );
    item.contextValue = `object.${encryptionContext(this.encryption)}`;
    item.iconPath = new vscode.ThemeIcon(this.encryption && this.encryption !== 'sse-c-unknown-key' && this.encryption.type === 'none' ? 'file' : 'lock');
    item.command = { command: 'vscode.open', title: 'Open', arguments: [this.uri] };
    return item;
  }
}

export class MessageNode {
  readonly kind = 'message';
  constructor(readonly id: string, readonly message: string, readonly isError: boolean, readonly detail?: string) {}
  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.tooltip = this.detail ?? this.message;
    item.contextValue = this.isError ? 'error' : 'message';
    item.iconPath = new vscode.ThemeIcon(this.isError ? 'error' : 'info');
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

function encryptionContext(e: ObjectEncryption | 'sse-c-unknown-key' | undefined): string {
  if (!e) {
    return 'unknown';
  }
  return e === 'sse-c-unknown-key' ? 'sse-c' : e.type;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
