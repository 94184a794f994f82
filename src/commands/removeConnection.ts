// obs.removeConnection: { id } (or a tree item, or a quick pick) -> removes settings and secrets.
import * as vscode from 'vscode';
import type { ConnectionManager } from '../vscode/connections';
import type { ConnectionNode } from '../vscode/tree/nodes';
import { scriptable } from './util';

export function registerRemoveConnection(connections: ConnectionManager): vscode.Disposable {
  const remove = async (a: { id: string }) => ({ removed: await connections.remove(a.id) });
  const handler = scriptable(async () => {
    const pick = await vscode.window.showQuickPick(
      connections.list().map((c) => ({ label: c.label || c.id, description: c.endpoint, id: c.id })),
      { placeHolder: 'Connection to remove' },
    );
    return pick ? confirmAndRemove(pick.id) : undefined;
  }, remove);
  const confirmAndRemove = async (id: string) => {
    const ok = await vscode.window.showWarningMessage(
      `Remove connection "${id}" and its stored credentials? Objects and SSE-C keys are not touched.`,
      { modal: true },
      'Remove',
    );
    return ok === 'Remove' ? remove({ id }) : undefined;
  };
  return vscode.commands.registerCommand('obs.removeConnection', (arg?: unknown) =>
    arg && typeof arg === 'object' && (arg as ConnectionNode).kind === 'connection'
      ? confirmAndRemove((arg as ConnectionNode).connectionId)
      : handler(arg),
  );
}
