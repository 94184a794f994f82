// Add / Edit Connection as one multi-step input: title, "step n of N", Back (keeps what was typed), validation that
// keeps the step open, a step shown only for http:// endpoints. Driven through a scripted fake of VS Code's quick
// input (the real one needs a person).
import '../fakes/registerVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionWizard } from '../../../src/commands/connections';
import type { ConnectionManager } from '../../../src/vscode/connections';

type Action = { type: string } | { accept: string } | { pick: string } | 'back' | 'hide';
interface Seen { title?: string; step?: number; totalSteps?: number; back: boolean; value?: string; prompt?: string; validationMessage?: string }

const BACK = { id: 'back' };

/** Installs a quick input fake that plays `script`, one action per shown input (a rejected accept stays open). */
function scripted(script: Action[]): Seen[] {
  const seen: Seen[] = [];
  const make = (isPick: boolean) => {
    const handlers: Record<string, (x?: unknown) => void> = {};
    const on = (name: string) => (fn: (x?: unknown) => void) => {
      handlers[name] = fn;
      return { dispose: () => undefined };
    };
    const input: Record<string, unknown> = {
      value: '', buttons: [], items: [], activeItems: [], selectedItems: [],
      onDidTriggerButton: on('button'), onDidHide: on('hide'), onDidAccept: on('accept'), onDidChangeValue: on('change'),
      dispose: () => undefined,
      show: () => setImmediate(function next() {
        const action = script.shift() ?? 'hide';
        const record = (): Seen => ({
          title: input.title as string, step: input.step as number, totalSteps: input.totalSteps as number,
          back: (input.buttons as unknown[]).includes(BACK), value: input.value as string,
          prompt: (input.prompt ?? input.placeholder) as string, validationMessage: input.validationMessage as string,
        });
        if (action === 'back') {
          seen.push(record());
          handlers.button(BACK);
        } else if (action === 'hide') {
          handlers.hide();
        } else if ('pick' in action) {
          seen.push(record());
          input.selectedItems = (input.items as Array<{ value: string }>).filter((i) => i.value === action.pick);
          handlers.accept();
        } else if ('accept' in action) {
          const shown = record(); // what the step showed before typing
          input.value = action.accept;
          handlers.change(action.accept);
          seen.push(shown);
          handlers.accept();
          if (input.validationMessage) {
            seen[seen.length - 1].validationMessage = input.validationMessage as string;
            setImmediate(next); // still open: the next action goes to the same step
          }
        }
      }),
    };
    if (!isPick) {
      delete input.items;
    }
    return input;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fake = require('vscode') as Record<string, unknown>;
  fake.QuickInputButtons = { Back: BACK };
  fake.window = { createInputBox: () => make(false), createQuickPick: () => make(true) };
  return seen;
}

const connections = { has: (id: string) => id === 'taken' } as unknown as ConnectionManager;

void test('Add Connection: eight steps for an http endpoint, Back keeps the answer, a bad value keeps the step open', async () => {
  const seen = scripted([
    { accept: 'ftp://nope' }, // refused: the endpoint step stays
    { accept: 'http://127.0.0.1:7480' },
    { accept: 'taken' }, // refused: the id exists
    { accept: '127-0-0-1' },
    'back', // from the label step back to the id step
    { accept: 'rgw' },
    { accept: 'Local RGW' },
    { accept: 'AK' },
    { accept: 'SK' },
    { accept: '' },
    { pick: 's3' },
    { pick: 'true' },
  ]);
  const values = await connectionWizard(connections, 'Add Connection', {});
  assert.deepEqual(values, {
    dialect: 's3', endpoint: 'http://127.0.0.1:7480', id: 'rgw', label: 'Local RGW', accessKeyId: 'AK', secretAccessKey: 'SK', region: '', allowInsecureSse: 'true',
  });
  assert.ok(seen.every((s) => s.title === 'Add Connection'));
  // Seven steps until the endpoint says http://, then the step about SSE over plain HTTP joins.
  assert.deepEqual(seen.map((s) => s.totalSteps), [7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]);
  assert.deepEqual(seen.map((s) => s.step), [1, 1, 2, 2, 3, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(seen.map((s) => s.back), [false, false, true, true, true, true, true, true, true, true, true, true]);
  assert.match(seen[0].validationMessage ?? '', /must start with https:\/\//);
  assert.match(seen[2].validationMessage ?? '', /"taken" exists already/);
  assert.equal(seen[2].value, '127-0-0-1', 'the id is suggested from the endpoint');
  assert.equal(seen[5].value, '127-0-0-1', 'Back returns to the id step with the answer kept');
});

void test('Edit Connection: no id step, the secret may stay empty (kept), an https endpoint has no insecure-SSE step; hiding cancels', async () => {
  const seen = scripted([{ accept: 'https://obs.example.com' }, { accept: '' }, { accept: 'AK2' }, { accept: '' }, { accept: 'eu' }, { pick: 'obs' }]);
  const values = await connectionWizard(connections, 'Edit Connection "rgw"', { id: 'rgw', endpoint: 'http://old', accessKeyId: 'AK' }, 'rgw');
  assert.equal(values?.secretAccessKey, '');
  assert.equal(values?.dialect, 'obs');
  assert.equal(values?.id, 'rgw');
  assert.deepEqual(seen.map((s) => s.totalSteps), [7, 6, 6, 6, 6, 6], 'the saved http:// endpoint counts the SSE step until it is changed');
  assert.equal(seen[0].value, 'http://old', 'the step starts from the saved value');
  assert.match(seen[3].prompt ?? '', /leave empty to keep/);

  scripted(['hide']);
  assert.equal(await connectionWizard(connections, 'Add Connection', {}), undefined);
});
