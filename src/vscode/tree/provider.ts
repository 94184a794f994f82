// The obs.buckets tree: connections -> buckets -> folders -> objects, with each object's encryption shown.
// Errors become a visible item (never an endless spinner).
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connections';
import { Disposable } from '../disposable';
import { describeError } from '../errors';
import { BucketNode, ConnectionNode, FolderNode, LoadMoreNode, MessageNode, ObjectNode, type TreeNode } from './nodes';

const PAGE_SIZE = 500;
const HEAD_CONCURRENCY = 4;

export class BucketTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  /** Pages already loaded below a bucket/folder (for "Load more"). */
  private readonly extraPages = new Map<string, TreeNode[]>();

  constructor(private readonly connections: ConnectionManager) {
    super();
    this._register(connections.onDidChange(() => this.refresh()));
  }

  refresh(node?: TreeNode): void {
    if (!node) {
      this.extraPages.clear();
    }
    this.changed.fire(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      return this.connections
        .list()
        .map((c) => new ConnectionNode(c.id, c.label || c.id, c.endpoint));
    }
    try {
      switch (node.kind) {
        case 'connection': {
          const s = await this.connections.session(node.connectionId);
          const buckets = await s.objects.listBuckets();
          if (buckets.length === 0) {
            return [new MessageNode(`m:${node.connectionId}`, 'No buckets', false)];
          }
          return buckets.map((b) => new BucketNode(node.connectionId, b.name, b.location));
        }
        case 'bucket':
          return await this.listLevel(node, '');
        case 'folder':
          return await this.listLevel(node, node.prefix);
        default:
          return [];
      }
    } catch (err) {
      const d = describeError(err);
      return [new MessageNode(`e:${node.kind}:${Date.now()}`, d.message, true, `${d.code}: ${d.message}`)];
    }
  }

  /** Parents let VS Code reveal a node (tree ids make fresh node objects match the ones on screen). */
  getParent(node: TreeNode): TreeNode | undefined {
    switch (node.kind) {
      case 'bucket': {
        const c = this.connections.find(node.connectionId);
        return c ? new ConnectionNode(c.id, c.label || c.id, c.endpoint) : undefined;
      }
      case 'folder':
      case 'object': {
        const prefix = node.kind === 'object' ? node.prefix : parentPrefix(node.prefix);
        return prefix ? new FolderNode(node.connectionId, node.bucket, prefix) : new BucketNode(node.connectionId, node.bucket);
      }
      default:
        return undefined;
    }
  }

  /** Appends the next page below `more.parent` and removes the "Load more" item. */
  async loadMore(more: LoadMoreNode): Promise<void> {
    const parent = more.parent;
    const prefix = parent.kind === 'folder' ? parent.prefix : '';
    const page = await this.page(parent, prefix, more.continuation);
    const id = parentId(parent);
    this.extraPages.set(id, [...(this.extraPages.get(id) ?? []), ...page]);
    this.changed.fire(parent);
  }

  private async listLevel(parent: BucketNode | FolderNode, prefix: string): Promise<TreeNode[]> {
    const first = await this.page(parent, prefix, undefined);
    const extra = this.extraPages.get(parentId(parent)) ?? [];
    const all = [...first.filter((n) => n.kind !== 'loadMore' || extra.length === 0), ...extra];
    return all.length ? all : [new MessageNode(`m:${parentId(parent)}`, 'Empty', false)];
  }

  private async page(parent: BucketNode | FolderNode, prefix: string, continuation: string | undefined): Promise<TreeNode[]> {
    const s = await this.connections.session(parent.connectionId);
    const page = await s.objects.listPage(parent.bucket, prefix, { maxKeys: PAGE_SIZE, continuation });
    const folders = page.prefixes.map((p) => new FolderNode(parent.connectionId, parent.bucket, p));
    const objects = page.objects
      .filter((o) => o.key !== prefix)
      .map((o) => new ObjectNode(parent.connectionId, parent.bucket, o, prefix));
    this.detectEncryption(objects);
    const nodes: TreeNode[] = [...folders, ...objects];
    if (page.isTruncated && page.nextContinuation) {
      nodes.push(new LoadMoreNode(parent, page.nextContinuation));
    }
    return nodes;
  }

  /** HEAD each listed object (no key) to show its encryption; an SSE-C object answers "key missing". */
  private detectEncryption(objects: ObjectNode[]): void {
    const queue = [...objects];
    const worker = async () => {
      for (let node = queue.shift(); node; node = queue.shift()) {
        try {
          const s = await this.connections.session(node.connectionId);
          const head = await s.objects.headForLabel(node.bucket, node.summary.key);
          node.encryption = head.encryption;
        } catch (err) {
          const code = (err as { code?: unknown })?.code;
          if (code === 'KeyMissing' || code === 'KeyWrong') {
            node.encryption = 'sse-c-unknown-key';
          } else {
            continue;
          }
        }
        this.changed.fire(node);
      }
    };
    for (let i = 0; i < HEAD_CONCURRENCY; i++) {
      void worker();
    }
  }
}

/** `a/b/` -> `a/`; `a/` -> `` (the bucket root). */
function parentPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '' : trimmed.slice(0, slash + 1);
}

function parentId(p: BucketNode | FolderNode): string {
  return p.kind === 'bucket' ? `${p.connectionId}/${p.bucket}` : `${p.connectionId}/${p.bucket}/${p.prefix}`;
}
