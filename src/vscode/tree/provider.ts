// The obs.buckets tree: connections -> buckets -> folders -> objects, with each object's encryption shown.
// Errors become a visible item (never an endless spinner).
import * as vscode from 'vscode';
import { bucketEncryptionLabel, newEncryptionLabel } from '../../keys/labels';
import { newObjectEncryption, onEncryptionRulesChanged } from '../config';
import type { ConnectionManager } from '../connections';
import { Disposable } from '../disposable';
import { describeError, nextSteps } from '../errors';
import type { Log } from '../log';
import { setBounded } from '../../keys/boundedMap';
import { fromUri } from '../uri';
import type { WhichKey } from '../whichKey';
import { BucketNode, ConnectionNode, FolderNode, LoadMoreNode, MessageNode, ObjectNode, type TreeNode } from './nodes';

const PAGE_SIZE = 500;
const MAX_SHOWN = 20_000;

export class BucketTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  /** Pages already loaded below a bucket/folder (for "Load more"). */
  private readonly extraPages = new Map<string, TreeNode[]>();
  /** Object nodes last handed out, by URI: a "which key" answer found elsewhere updates them in place. */
  private readonly shown = new Map<string, ObjectNode>();
  /** Filters by `connection/bucket`: the bucket shows only keys containing the text. */
  private readonly filters = new Map<string, string>();
  /** Bucket and folder nodes last handed out, by URI: a write below one re-lists just that one. */
  private readonly containers = new Map<string, BucketNode | FolderNode>();

  constructor(private readonly connections: ConnectionManager, private readonly whichKey: WhichKey, private readonly log?: Log) {
    super();
    this._register(connections.onDidChange(() => this.refresh()));
    // Rules only change tooltips: re-render, no listing.
    this._register(onEncryptionRulesChanged(() => this.shown.forEach((n) => this.changed.fire(n))));
    this._register(whichKey.onDidChange((uris) => {
      if (!uris) {
        this.refresh(); // keys changed: every SSE-C answer may have
        return;
      }
      const stale: ObjectNode[] = [];
      for (const uri of uris) {
        const node = this.shown.get(uri.toString());
        if (node) {
          node.info = this.whichKey.cached(locationOf(node));
          if (node.info) {
            this.changed.fire(node);
          } else {
            stale.push(node); // written or moved through obs://: ask again
          }
        }
      }
      this.lookUp(stale);
    }));
  }

  refresh(node?: TreeNode): void {
    if (!node) {
      this.extraPages.clear();
      this.shown.clear();
      this.containers.clear();
    }
    this.changed.fire(node);
  }

  /** Follows writes (saves, new folders, deletes, moves) so sizes and entries show without Refresh. */
  followChanges(onDidChangeFile: vscode.Event<readonly vscode.FileChangeEvent[]>): void {
    this._register(onDidChangeFile((events) => this.refreshAt(events.map((e) => e.uri))));
  }

  /** Re-lists the folders (or bucket roots) holding these locations, and the folders they name, where shown. */
  refreshAt(uris: readonly vscode.Uri[]): void {
    const nodes = new Set<BucketNode | FolderNode>();
    for (const uri of uris) {
      const loc = fromUri(uri);
      if (!loc.bucket) {
        continue;
      }
      const key = loc.key.replace(/\/$/, '');
      for (const prefix of [parentPrefix(key), ...(loc.key.endsWith('/') ? [loc.key] : [])]) {
        const node = this.containers.get(containerId(loc.connectionId, loc.bucket, prefix));
        if (node) {
          nodes.add(node);
        }
      }
    }
    for (const node of nodes) {
      this.changed.fire(node);
    }
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'object':
        return node.toTreeItem(this.newObjects(node.connectionId, node.bucket, node.summary.key));
      case 'folder':
        return node.toTreeItem(this.newObjects(node.connectionId, node.bucket, node.prefix));
      default:
        return node.toTreeItem();
    }
  }

  /** A bucket's tooltip, asked for when a person hovers: its default encryption and what new objects get. */
  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
    if (node.kind !== 'bucket') {
      return item;
    }
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    let bucketDefault: string;
    try {
      const s = await this.connections.session(node.connectionId);
      bucketDefault = bucketEncryptionLabel(await s.objects.bucketEncryption(node.bucket, { signal: ac.signal }));
    } catch (err) {
      bucketDefault = `unknown (${describeError(err).message})`;
    } finally {
      sub.dispose();
    }
    item.tooltip = new vscode.MarkdownString([
      `**${node.bucket}**${node.location ? ` (${node.location})` : ''}`,
      `Bucket default encryption: ${bucketDefault}`,
      `New objects: ${this.newObjects(node.connectionId, node.bucket, '')}`,
    ].join('\n\n'));
    return item;
  }

  /** The encryption a new object at this key gets, and the rule or default that chose it, in words. */
  private newObjects(connection: string, bucket: string, key: string): string {
    const chosen = newObjectEncryption(connection, bucket, key);
    if ('problem' in chosen) {
      return chosen.problem;
    }
    const e = chosen.encryption;
    return `${newEncryptionLabel(e, e.type === 'sse-c' ? this.whichKey.keyLabel(e.keyFingerprint) : undefined)}, by ${chosen.chosenBy}`;
  }

  /** The bucket's filter text, if any. */
  filterOf(connection: string, bucket: string): string | undefined {
    return this.filters.get(`${connection}/${bucket}`);
  }

  /** Narrows a bucket to keys containing `text` ("" clears it); the bucket re-lists. */
  setFilter(connection: string, bucket: string, text: string): void {
    const id = `${connection}/${bucket}`;
    if (text === '') {
      this.filters.delete(id);
    } else {
      this.filters.set(id, text);
    }
    this.extraPages.delete(id);
    this.refresh();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      // Every entry in settings, a broken one with its problem (it lists nothing).
      return this.connections
        .entries()
        .map(({ settings: c, problem }) => new ConnectionNode(c.id, c.label || c.id, c.endpoint, c, problem));
    }
    try {
      switch (node.kind) {
        case 'connection': {
          const s = await this.connections.session(node.connectionId);
          const buckets = await s.objects.listBuckets();
          if (buckets.length === 0) {
            return [new MessageNode(`m:${node.connectionId}`, 'No buckets', false)];
          }
          return buckets.map((b) => this.container(new BucketNode(node.connectionId, b.name, b.location, this.filterOf(node.connectionId, b.name))));
        }
        case 'bucket': {
          const filter = this.filterOf(node.connectionId, node.bucket);
          return filter === undefined ? await this.listLevel(node, '') : await this.filtered(node, filter);
        }
        case 'folder':
          return await this.listLevel(node, node.prefix);
        default:
          return [];
      }
    } catch (err) {
      const d = describeError(err);
      const rid = (err as { requestId?: unknown })?.requestId;
      const where = node.kind === 'connection' ? node.connectionId : 'bucket' in node ? `${node.connectionId}/${node.bucket}` : node.kind;
      this.log?.warn('tree', `listing ${where} failed: ${d.code}: ${d.message}${typeof rid === 'string' ? ` (request id ${rid})` : ''}`);
      return [new MessageNode(`e:${node.kind}:${Date.now()}`, d.message, true, `${d.code}: ${d.message}`, errorCommand(err, node))];
    }
  }

  /** Parents let VS Code reveal a node (tree ids make fresh node objects match the ones on screen). */
  getParent(node: TreeNode): TreeNode | undefined {
    switch (node.kind) {
      case 'bucket': {
        const c = this.connections.find(node.connectionId);
        return c ? new ConnectionNode(c.id, c.label || c.id, c.endpoint, c) : undefined;
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

  /**
   * The objects of a filtered bucket, flat: keys containing the text (a full listing, shown up to MAX_SHOWN), or
   * with a trailing `*` keys starting with it (the server lists only those). First a "clear filter" item.
   */
  private async filtered(bucket: BucketNode, text: string): Promise<TreeNode[]> {
    const s = await this.connections.session(bucket.connectionId);
    const prefixOnly = text.endsWith('*');
    const needle = prefixOnly ? text.slice(0, -1) : text;
    const all = await s.objects.listAll(bucket.bucket, prefixOnly ? needle : '');
    const matches = all.filter((o) => o.key.includes(needle));
    const nodes = matches.slice(0, MAX_SHOWN).map((o) => new ObjectNode(bucket.connectionId, bucket.bucket, o, ''));
    this.detectEncryption(nodes);
    const clear = new MessageNode(
      `m:filter:${bucket.connectionId}/${bucket.bucket}`,
      `Filter "${text}": ${matches.length} match${matches.length === 1 ? '' : 'es'}${matches.length > MAX_SHOWN ? ` (first ${MAX_SHOWN} shown)` : ''} — clear`,
      false,
      prefixOnly ? 'Keys starting with the text, listed by the server. Click to clear the filter.' : `Keys containing the text, of ${all.length} keys. Click to clear the filter.`,
      { command: 'obs.filter', title: 'Clear Filter', arguments: [{ connection: bucket.connectionId, bucket: bucket.bucket, text: '' }] },
    );
    return [clear, ...nodes];
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
    const folders = page.prefixes.map((p) => this.container(new FolderNode(parent.connectionId, parent.bucket, p)));
    const objects = page.objects
      .filter((o) => o.key !== prefix || o.size > 0) // a folder marker holding data is shown, not hidden
      .map((o) => new ObjectNode(parent.connectionId, parent.bucket, o, prefix));
    this.detectEncryption(objects);
    const nodes: TreeNode[] = [...folders, ...objects];
    if (page.isTruncated && page.nextContinuation) {
      nodes.push(new LoadMoreNode(parent, page.nextContinuation));
    }
    return nodes;
  }

  /**
   * Each listed object's encryption and the stored key that opens it: from the cache when the ETag is the one
   * listed, else asked in the background (a few at a time) and cached.
   */
  private detectEncryption(objects: ObjectNode[]): void {
    const queue: ObjectNode[] = [];
    for (const node of objects) {
      this.shown.set(node.uri.toString(), node);
      if (this.shown.size > MAX_SHOWN) {
        this.shown.delete(this.shown.keys().next().value ?? '');
      }
      node.info = this.whichKey.cached(locationOf(node), node.summary.etag);
      if (!node.info) {
        queue.push(node);
      }
    }
    this.lookUp(queue);
  }

  private container<T extends BucketNode | FolderNode>(node: T): T {
    setBounded(this.containers, containerId(node.connectionId, node.bucket, node.kind === 'folder' ? node.prefix : ''), node, MAX_SHOWN);
    return node;
  }

  /** Asks for these nodes' answers in the background; each answer re-renders its node (see the constructor). */
  private lookUp(nodes: ObjectNode[]): void {
    nodes.forEach((n) => this.whichKey.request(locationOf(n), n.summary.etag));
  }
}

const locationOf = (n: ObjectNode) => ({ connectionId: n.connectionId, bucket: n.bucket, key: n.summary.key });

/** `a/b/` -> `a/`; `a/` -> `` (the bucket root). */
function parentPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash < 0 ? '' : trimmed.slice(0, slash + 1);
}

const containerId = (connection: string, bucket: string, prefix: string): string => `${connection}/${bucket}/${prefix}`;

function parentId(p: BucketNode | FolderNode): string {
  return p.kind === 'bucket' ? `${p.connectionId}/${p.bucket}` : `${p.connectionId}/${p.bucket}/${p.prefix}`;
}

/** A tree error's next step, run by clicking it: edit the connection or import a key. */
function errorCommand(err: unknown, node: TreeNode): vscode.Command | undefined {
  const step = nextSteps(err)[0];
  const connectionId = (node as { connectionId?: string }).connectionId;
  if (step === 'Edit Connection' && connectionId) {
    return { command: 'obs.editConnection', title: 'Edit Connection', arguments: [{ kind: 'connection', connectionId }] };
  }
  return step === 'Import Key' ? { command: 'obs.importKey', title: 'Import Key' } : undefined;
}
