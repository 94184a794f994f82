// obs.refresh (no argument) and obs.loadMore (a tree item): the view's own commands, through the runner as well.
import type { BucketTreeProvider } from '../vscode/tree/provider';
import type { LoadMoreNode } from '../vscode/tree/nodes';
import { InvalidArgumentError, type CommandDefinition } from './runner';

export function refreshCommand(tree: BucketTreeProvider): CommandDefinition<Record<string, never>, void> {
  return {
    id: 'obs.refresh',
    parse: () => ({}),
    run: async () => tree.refresh(),
  };
}

export function loadMoreCommand(tree: BucketTreeProvider): CommandDefinition<LoadMoreNode, void> {
  return {
    id: 'obs.loadMore',
    parse: () => {
      throw new InvalidArgumentError('obs.loadMore is the tree\'s "Load more" item; it takes no argument object.');
    },
    prompt: async ([node]) => ((node as LoadMoreNode | undefined)?.kind === 'loadMore' ? (node as LoadMoreNode) : undefined),
    run: async (node) => tree.loadMore(node),
  };
}
