// obs.removeConnection: { id } (or a tree item, or a quick pick) -> removes settings and secrets.
import * as vscode from 'vscode';
import type { ConnectionManager } from '../vscode/connections';
import type { ConnectionNode } from '../vscode/tree/nodes';
import { requireString, type CommandDefinition } from './runner';

export function removeConnectionCommand(connections: ConnectionManager): CommandDefinition<{ id: string }, { removed: boolean }> {
  return {
    id: 'obs.removeConnection',
    parse: (a) => ({ id: requireString(a, 'id', 'Which connection? Pass { id }.') }),
    async prompt([node]) {
      let id = (node as ConnectionNode | undefined)?.kind === 'connection' ? (node as ConnectionNode).connectionId : undefined;
      if (!id) {
        const pick = await vscode.window.showQuickPick(
          connections.list().map((c) => ({ label: c.label || c.id, description: c.endpoint, id: c.id })),
          { placeHolder: 'Connection to remove' },
        );
        id = pick?.id;
      }
      if (!id) {
        return undefined;
      }
      const ok = await vscode.window.showWarningMessage(
        `Remove connection "${id}" and its stored credentials? Objects and SSE-C keys are not touched.`,
        { modal: true },
        'Remove',
      );
      return ok === 'Remove' ? { id } : undefined;
    },
    run: async (a) => ({ removed: await connections.remove(a.id) }),
  };
}
