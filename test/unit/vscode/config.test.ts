// Connection settings are checked wherever they are read (settings edited by hand included): each bad value is
// named in words; the same rules refuse obs.addConnection / obs.editConnection arguments. And the next steps an
// error message offers.
import '../fakes/registerVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConnectionArgs } from '../../../src/commands/addConnection';
import { StorageError } from '../../../src/storage';
import { checkConnectionSetting, endpointProblem } from '../../../src/vscode/config';
import { nextSteps } from '../../../src/vscode/errors';

const good = { id: 'rgw', endpoint: 'https://s3.example.com' };

void test('a well-formed entry has no problem, with every optional field', () => {
  assert.equal(checkConnectionSetting(good).problem, undefined);
  assert.equal(checkConnectionSetting({
    ...good, label: 'RGW', region: 'eu-1', dialect: 'obs', addressing: 'virtual', allowInsecureSse: false,
    caCertificatePath: '/ca.pem', defaultEncryption: { type: 'sse-c', keyFingerprint: 'AAAAAAAAAAAAAAAAAAAAAA==' },
  }).problem, undefined);
});

const BAD: Array<[string, unknown, RegExp]> = [
  ['a numeric id', { ...good, id: 42 }, /id must be text.*found 42/],
  ['an id with capitals', { ...good, id: 'My-RGW' }, /"My-RGW" must be lowercase/],
  ['a missing id', { endpoint: good.endpoint }, /id must be text/],
  ['an unknown dialect', { ...good, dialect: 'swift' }, /"dialect" must be one of auto, s3, obs \(found "swift"\)/],
  ['an unknown addressing mode', { ...good, addressing: 'host' }, /"addressing" must be one of auto, path, virtual/],
  ['an endpoint that is not a URL', { ...good, endpoint: 'not a url' }, /not a URL/],
  ['an ftp endpoint', { ...good, endpoint: 'ftp://x' }, /must start with https:\/\//],
  ['an endpoint with credentials', { ...good, endpoint: 'https://ak:sk@x' }, /must not contain credentials/],
  ['an endpoint with a query', { ...good, endpoint: 'https://x/?a=1' }, /must not contain credentials, a query/],
  ['no endpoint', { id: 'x' }, /endpoint is missing/],
  ['a numeric region', { ...good, region: 5 }, /"region" must be text/],
  ['allowInsecureSse as text', { ...good, allowInsecureSse: 'yes' }, /"allowInsecureSse" must be true or false/],
  ['an unknown default encryption', { ...good, defaultEncryption: { type: 'aes' } }, /"defaultEncryption.type" must be one of/],
  ['an SSE-C default without a fingerprint', { ...good, defaultEncryption: { type: 'sse-c' } }, /needs "keyFingerprint"/],
  ['not an object', 'rgw', /must be an object/],
];

for (const [name, entry, reason] of BAD) {
  void test(`settings: ${name} is a problem in words, and refused as a command argument`, () => {
    const { problem } = checkConnectionSetting(entry);
    assert.match(problem ?? '(none)', reason);
    if (typeof entry === 'object') {
      assert.throws(() => validateConnectionArgs({ ...(entry as object), accessKeyId: 'AK', secretAccessKey: 'SK' }),
        (e: unknown) => (e as { code?: string }).code === 'InvalidArgument' && reason.test((e as Error).message));
    }
  });
}

void test('endpoint checks accept http and https URLs only', () => {
  assert.equal(endpointProblem('http://127.0.0.1:7480'), undefined);
  assert.equal(endpointProblem('https://obs.cn-north-4.myhuaweicloud.com'), undefined);
  assert.match(endpointProblem(undefined) ?? '', /missing/);
});

void test('command arguments: unknown fields, empty credentials and a non-boolean replace are refused by name', () => {
  const ok = { ...good, accessKeyId: 'AK', secretAccessKey: 'SK' };
  assert.throws(() => validateConnectionArgs({ ...ok, secret: 'x' } as never), /Unknown argument: secret/);
  assert.throws(() => validateConnectionArgs({ ...ok, secretAccessKey: '' }), /secretAccessKey must be non-empty/);
  assert.throws(() => validateConnectionArgs({ ...ok, replace: 'yes' } as never), /replace must be true or false/);
  assert.throws(() => validateConnectionArgs({ id: 'x', endpoint: good.endpoint }), /accessKeyId and secretAccessKey are required/);
  assert.doesNotThrow(() => validateConnectionArgs({ id: 'x', secretAccessKey: 'new' }, true));
});

void test('error messages offer the next step: Edit Connection for credentials, Import Key for keys, Retry for transient ones', () => {
  const err = (code: StorageError['code']) => new StorageError({ code, operation: 'op', message: 'm' });
  assert.deepEqual(nextSteps(err('BadCredentials')), ['Edit Connection', 'Show Log']);
  assert.deepEqual(nextSteps(err('KeyWrong')), ['Import Key', 'Show Log']);
  assert.deepEqual(nextSteps(err('Network')), ['Retry', 'Show Log']);
  assert.deepEqual(nextSteps(err('Aborted')), []);
  assert.deepEqual(nextSteps(Object.assign(new Error('x'), { code: 'NoKeyOpensObject' })), ['Import Key', 'Show Log']);
});
