// obs.editConnection { id, ...any field of obs.addConnection } and obs.testConnection { id } -> { ok, dialect,
// buckets?, error? }; the multi-step input shared by Add and Edit (title, step n/N, Back), and "test before save"
// with a way to save anyway.
import * as vscode from 'vscode';
import type { Credentials } from '../storage';
import { checkConnectionSetting, endpointProblem, type ConnectionSettings } from '../vscode/config';
import { tidy, type ConnectionManager, type ConnectionTest } from '../vscode/connections';
import type { ConnectionNode } from '../vscode/tree/nodes';
import { isValidConnectionId } from '../vscode/uri';
import { InvalidArgumentError, requireString, type CommandDefinition } from './runner';

// ---- arguments (shared with obs.addConnection) ----

export interface AddConnectionArgs extends Omit<ConnectionSettings, 'id'> {
  id: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  replace?: boolean;
}

const SETTING_FIELDS = ['id', 'label', 'endpoint', 'region', 'dialect', 'addressing', 'allowInsecureSse', 'caCertificatePath', 'defaultEncryption'] as const;
const CREDENTIAL_FIELDS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

/** The settings part of an argument object (endpoint without a trailing slash, undefined fields left out). */
export function settingsOf(a: Partial<AddConnectionArgs>): ConnectionSettings {
  const picked = Object.fromEntries(SETTING_FIELDS.map((f) => [f, a[f]])) as unknown as ConnectionSettings;
  return tidy({ ...picked, endpoint: typeof picked.endpoint === 'string' ? picked.endpoint.replace(/\/+$/, '') : picked.endpoint });
}

/** Checks the setting fields (the same rules as settings read from settings.json) and the credential fields. */
/** `partial` (an edit): only the fields given are checked, the others are kept as they are. */
export function validateConnectionArgs(a: Partial<AddConnectionArgs>, partial = false): AddConnectionArgs {
  const unknown = Object.keys(a).filter((k) => ![...SETTING_FIELDS, ...CREDENTIAL_FIELDS, 'replace'].includes(k as never));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`Unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`);
  }
  // An edit that leaves the endpoint out keeps the saved one (checked where it is read).
  const { problem } = checkConnectionSetting({ ...settingsOf(a), ...(partial && a.endpoint === undefined ? { endpoint: 'https://unchanged.invalid' } : {}) });
  if (problem) {
    throw new InvalidArgumentError(problem);
  }
  for (const f of CREDENTIAL_FIELDS) {
    if (a[f] !== undefined && (typeof a[f] !== 'string' || a[f] === '')) {
      throw new InvalidArgumentError(`${f} must be non-empty text.`);
    }
  }
  if (!partial && (!a.accessKeyId || !a.secretAccessKey)) {
    throw new InvalidArgumentError('Both accessKeyId and secretAccessKey are required.');
  }
  if (a.replace !== undefined && typeof a.replace !== 'boolean') {
    throw new InvalidArgumentError('replace must be true or false.');
  }
  return a as AddConnectionArgs;
}

/** The credential fields given (missing ones left out, so an edit keeps the stored ones). */
export function credentialsOf(a: Partial<AddConnectionArgs>): Partial<Credentials> {
  return tidy({ accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey, sessionToken: a.sessionToken });
}

export type EditConnectionArgs = Partial<AddConnectionArgs> & { id: string };

// ---- the multi-step input ----

interface Step {
  field: keyof AddConnectionArgs & string;
  prompt: string;
  placeholder?: string;
  password?: boolean;
  picks?: Array<{ label: string; value: string; description?: string }>;
  validate?(value: string): string | undefined;
  /** Shown only when this holds for the values so far. */
  when?(values: Values): boolean;
  /** A first value from the answers so far. */
  suggest?(values: Values): string;
}

type Values = Record<string, string>;
const BACK = Symbol('back');

function ask(title: string, step: Step, n: number, total: number, value: string): Promise<string | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const input = step.picks ? vscode.window.createQuickPick<{ label: string; value: string; description?: string }>() : vscode.window.createInputBox();
    input.title = title;
    input.step = n;
    input.totalSteps = total;
    input.ignoreFocusOut = true;
    input.buttons = n > 1 ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const done = (v: string | typeof BACK | undefined) => {
      if (!settled) {
        settled = true;
        resolve(v);
        input.dispose();
      }
    };
    input.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && done(BACK));
    input.onDidHide(() => done(undefined));
    if ('items' in input) {
      input.placeholder = step.prompt;
      input.items = step.picks ?? [];
      input.activeItems = input.items.filter((i) => i.value === value);
      input.onDidAccept(() => done(input.selectedItems[0]?.value ?? input.activeItems[0]?.value));
    } else {
      input.prompt = step.prompt;
      input.placeholder = step.placeholder;
      input.password = step.password === true;
      input.value = value;
      input.onDidChangeValue((v) => (input.validationMessage = step.validate?.(v)));
      input.onDidAccept(() => {
        const problem = step.validate?.(input.value);
        if (problem) {
          input.validationMessage = problem;
          return;
        }
        done(input.value);
      });
    }
    input.show();
  });
}

/** Runs the steps one after another; Back returns to the previous one with its value kept. */
async function runSteps(title: string, steps: Step[], values: Values): Promise<Values | undefined> {
  const history: number[] = [];
  let i = 0;
  while (i < steps.length) {
    const shown = steps.filter((s) => !s.when || s.when(values));
    const step = steps[i];
    if (!shown.includes(step)) {
      i++;
      continue;
    }
    const answer = await ask(title, step, shown.indexOf(step) + 1, shown.length, values[step.field] ?? step.suggest?.(values) ?? '');
    if (answer === undefined) {
      return undefined;
    }
    if (answer === BACK) {
      i = history.pop() ?? 0;
      continue;
    }
    values[step.field] = answer;
    history.push(i);
    i++;
  }
  return values;
}

function steps(connections: ConnectionManager, editing: string | undefined): Step[] {
  const required = (what: string) => (v: string) => (v.trim() ? undefined : `${what} is required.`);
  return [
    { field: 'endpoint', prompt: 'Endpoint URL', placeholder: 'https://obs.cn-north-4.myhuaweicloud.com', validate: (v) => endpointProblem(v.trim()) },
    ...(editing ? [] : [{
      field: 'id' as const, prompt: 'Connection id (lowercase letters, digits, dashes)', suggest: suggestId,
      validate: (v: string) => (!isValidConnectionId(v) ? 'Use lowercase letters, digits and dashes.'
        : connections.has(v) ? `"${v}" exists already: choose another id, or use Edit Connection.` : undefined),
    }]),
    { field: 'label', prompt: 'Label shown in the tree (optional)' },
    { field: 'accessKeyId', prompt: 'Access key id (AK)', validate: required('The access key id') },
    {
      field: 'secretAccessKey', password: true, validate: editing ? undefined : required('The secret access key'),
      prompt: editing ? 'New secret access key (SK) — leave empty to keep the stored one' : 'Secret access key (SK) — kept in VS Code secret storage only',
    },
    { field: 'region', prompt: 'Region (leave empty for us-east-1)', placeholder: 'us-east-1' },
    {
      field: 'dialect', prompt: 'Protocol', picks: [
        { label: 'Detect', value: 'auto', description: 'ask the endpoint once (OBS answers x-obs-api)' },
        { label: 'S3', value: 's3', description: 'AWS Signature V4' },
        { label: 'Huawei OBS', value: 'obs', description: 'OBS signature, x-obs- headers' },
      ],
    },
    {
      field: 'allowInsecureSse', prompt: 'Plain HTTP: customer keys (SSE-C) would travel unencrypted. Allow SSE over HTTP?',
      when: (v) => (v.endpoint ?? '').trim().startsWith('http:'),
      picks: [
        { label: 'Do not allow', value: 'false', description: 'SSE-C and SSE-KMS requests are refused on this connection' },
        { label: 'Allow (local test server only)', value: 'true' },
      ],
    },
  ];
}

/** The values of the multi-step input as arguments of Add / Edit (empty optional fields left out). */
function toArgs(values: Values): Partial<AddConnectionArgs> {
  const text = (k: string) => (values[k]?.trim() ? values[k].trim() : undefined);
  return {
    id: text('id'), endpoint: text('endpoint'), label: text('label'), region: text('region'),
    accessKeyId: text('accessKeyId'), secretAccessKey: values.secretAccessKey || undefined,
    dialect: text('dialect') as ConnectionSettings['dialect'],
    allowInsecureSse: values.allowInsecureSse === undefined ? undefined : values.allowInsecureSse === 'true',
  };
}

function toValues(s: Partial<ConnectionSettings> & { accessKeyId?: string }): Values {
  const v: Values = {};
  for (const [k, x] of Object.entries(s)) {
    if (typeof x === 'string' || typeof x === 'boolean') {
      v[k] = String(x);
    }
  }
  return v;
}

/** Add (`editing` undefined) or edit a connection step by step; undefined when the person backs out. */
export async function connectionWizard(connections: ConnectionManager, title: string, initial: Values, editing?: string): Promise<Values | undefined> {
  const values = { dialect: 'auto', ...initial };
  return runSteps(title, steps(connections, editing), values);
}

function suggestId(values: Values): string {
  try {
    return new URL(values.endpoint ?? '').hostname.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  } catch {
    return '';
  }
}

/**
 * Tests what was entered (reachable, dialect, credentials); on failure the person may save anyway, go back and
 * change it, or cancel. Returns the arguments to save.
 */
export async function saveTested(connections: ConnectionManager, values: Values, mode: 'add' | 'edit'): Promise<AddConnectionArgs | undefined> {
  for (;;) {
    const args = toArgs(values);
    const tested = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Testing connection "${values.id}"…`, cancellable: true },
      async (_p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return mode === 'add'
          ? connections.test(settingsOf({ ...args, id: values.id }), credentialsOf(args) as Credentials, ac.signal)
          : connections.testChanges(values.id, settingsOf({ ...args, id: undefined }), credentialsOf(args), ac.signal);
      },
    );
    if (tested.ok) {
      return { ...(args as AddConnectionArgs), id: values.id };
    }
    const pick = await vscode.window.showWarningMessage(
      `The test of "${values.id}" failed: ${tested.error?.message ?? 'unknown error'}`,
      { modal: true, detail: 'Save it anyway (for a server that is down right now), or go back and change what you entered.' },
      'Save Anyway', 'Change…',
    );
    if (pick === 'Save Anyway') {
      return { ...(args as AddConnectionArgs), id: values.id };
    }
    if (pick !== 'Change…') {
      return undefined;
    }
    const again = await connectionWizard(connections, mode === 'add' ? 'Add Connection' : `Edit Connection "${values.id}"`, values, mode === 'edit' ? values.id : undefined);
    if (!again) {
      return undefined;
    }
    values = again;
  }
}

// ---- commands ----

async function pickConnection(connections: ConnectionManager, invocation: unknown[], placeHolder: string): Promise<string | undefined> {
  const node = invocation[0] as ConnectionNode | undefined;
  if (node?.kind === 'connection') {
    return node.connectionId;
  }
  const pick = await vscode.window.showQuickPick(
    connections.entries().map((e) => ({ label: e.settings.label || e.settings.id, description: e.problem ?? e.settings.endpoint, id: e.settings.id })),
    { placeHolder },
  );
  return pick?.id;
}

export function editConnectionCommand(connections: ConnectionManager): CommandDefinition<EditConnectionArgs, { id: string }> {
  return {
    id: 'obs.editConnection',
    parse: (arg) => {
      const id = requireString(arg, 'id', 'Which connection? Pass { id, ...the fields to change }.');
      if ('replace' in arg) {
        throw new InvalidArgumentError('replace belongs to obs.addConnection; obs.editConnection changes only the fields given.');
      }
      if (!connections.has(id)) {
        throw new InvalidArgumentError(`There is no connection "${id}"; add it with obs.addConnection.`);
      }
      return validateConnectionArgs(arg as Partial<AddConnectionArgs>, true) as EditConnectionArgs;
    },
    async prompt(invocation) {
      const id = await pickConnection(connections, invocation, 'Connection to edit');
      const entry = connections.entries().find((e) => e.settings.id === id);
      if (!id || !entry) {
        return undefined;
      }
      const values = await connectionWizard(connections, `Edit Connection "${id}"`, { ...toValues(entry.settings), id }, id);
      return values ? saveTested(connections, values, 'edit') : undefined;
    },
    async run(a) {
      const { id, ...rest } = a;
      await connections.edit(id, settingsOf({ ...rest, id: undefined }), credentialsOf(rest));
      return { id };
    },
    done: (r) => `Connection "${r.id}" saved.`,
  };
}

export function testConnectionCommand(connections: ConnectionManager): CommandDefinition<{ id: string }, ConnectionTest> {
  return {
    id: 'obs.testConnection',
    parse: (arg) => ({ id: requireString(arg, 'id', 'Which connection? Pass { id }.') }),
    async prompt(invocation) {
      const id = await pickConnection(connections, invocation, 'Connection to test');
      return id ? { id } : undefined;
    },
    progressTitle: (a) => `Testing connection "${a.id}"…`,
    async run(a, ctx) {
      const result = await connections.testSaved(a.id, ctx.signal);
      if (ctx.interactive && !result.ok) {
        void vscode.window.showWarningMessage(`Connection "${a.id}": ${result.error?.message ?? 'the test failed.'}`, 'Edit Connection').then((pick) => {
          if (pick) {
            void vscode.commands.executeCommand('obs.editConnection', { kind: 'connection', connectionId: a.id });
          }
        });
      }
      return result;
    },
    done: (r, a) => (r.ok ? `Connection "${a.id}" works: ${r.dialect === 'obs' ? 'Huawei OBS' : 'S3'} protocol, ${r.buckets?.length ?? 0} bucket${r.buckets?.length === 1 ? '' : 's'}.` : undefined),
  };
}
