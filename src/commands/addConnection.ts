// obs.addConnection: with { id, label?, endpoint, region?, accessKeyId, secretAccessKey, sessionToken?,
// allowInsecureSse?, caCertificatePath?, dialect?, addressing?, defaultEncryption?, replace? } it runs without
// prompts; an existing id is refused (see obs.editConnection) unless `replace: true`. Without arguments: one
// multi-step input (src/commands/connections.ts), tested before it is saved.
import type { Credentials } from '../storage';
import type { ConnectionManager } from '../vscode/connections';
import { connectionWizard, credentialsOf, saveTested, settingsOf, validateConnectionArgs, type AddConnectionArgs } from './connections';
import { InvalidArgumentError, type CommandDefinition } from './runner';

export { validateConnectionArgs, type AddConnectionArgs } from './connections';

export function addConnectionCommand(connections: ConnectionManager): CommandDefinition<AddConnectionArgs, { id: string }> {
  return {
    id: 'obs.addConnection',
    parse: (arg) => {
      const a = validateConnectionArgs(arg as Partial<AddConnectionArgs>);
      if (connections.has(a.id) && a.replace !== true) {
        throw new InvalidArgumentError(
          `A connection "${a.id}" already exists. Change it with obs.editConnection { id: "${a.id}", ... } (only the fields given change), or pass replace: true to replace it.`,
        );
      }
      return a;
    },
    async prompt() {
      const values = await connectionWizard(connections, 'Add Connection', {});
      return values ? saveTested(connections, values, 'add') : undefined;
    },
    async run(a) {
      await connections.add(settingsOf(a), credentialsOf(a) as Credentials);
      return { id: a.id };
    },
    done: (r) => `Connection "${r.id}" added.`,
  };
}
