// obs.addConnection: with { id, label?, endpoint, region?, accessKeyId, secretAccessKey, sessionToken?,
// allowInsecureSse?, caCertificatePath?, dialect?, addressing?, defaultEncryption? } it runs without prompts.
import * as vscode from 'vscode';
import type { ConnectionSettings } from '../vscode/config';
import type { ConnectionManager } from '../vscode/connections';
import { isValidConnectionId } from '../vscode/uri';
import { InvalidArgumentError, type CommandDefinition } from './runner';

export interface AddConnectionArgs extends Omit<ConnectionSettings, 'id'> {
  id: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function validateConnectionArgs(a: Partial<AddConnectionArgs>): AddConnectionArgs {
  if (!a.id || !isValidConnectionId(a.id)) {
    throw new InvalidArgumentError('The connection id must be lowercase letters, digits and dashes.');
  }
  let url: URL;
  try {
    url = new URL(a.endpoint ?? '');
  } catch {
    throw new InvalidArgumentError('The endpoint must be a URL such as https://obs.cn-north-4.myhuaweicloud.com.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError('The endpoint must start with https:// (or http:// for a local test server).');
  }
  if (url.username || url.password || url.search) {
    throw new InvalidArgumentError('The endpoint must not contain credentials or a query; enter the keys separately.');
  }
  if (!a.accessKeyId || !a.secretAccessKey) {
    throw new InvalidArgumentError('Both the access key id and the secret access key are required.');
  }
  const de = a.defaultEncryption;
  if (de && !['none', 'kms', 'sse-c'].includes(de.type)) {
    throw new InvalidArgumentError('defaultEncryption.type must be none, kms or sse-c.');
  }
  if (de?.type === 'sse-c' && !de.keyFingerprint) {
    throw new InvalidArgumentError('An SSE-C default needs keyFingerprint (import or generate the key first).');
  }
  return a as AddConnectionArgs;
}

export function addConnectionCommand(connections: ConnectionManager): CommandDefinition<AddConnectionArgs, { id: string }> {
  const add = async (v: AddConnectionArgs): Promise<{ id: string }> => {
    const settings: ConnectionSettings = {
      id: v.id,
      label: v.label,
      endpoint: v.endpoint.replace(/\/+$/, ''),
      region: v.region,
      dialect: v.dialect,
      addressing: v.addressing,
      allowInsecureSse: v.allowInsecureSse,
      caCertificatePath: v.caCertificatePath,
      defaultEncryption: v.defaultEncryption,
    };
    // Drop undefined fields so settings.json stays tidy.
    const clean = Object.fromEntries(Object.entries(settings).filter(([, x]) => x !== undefined)) as unknown as ConnectionSettings;
    await connections.add(clean, {
      accessKeyId: v.accessKeyId,
      secretAccessKey: v.secretAccessKey,
      ...(v.sessionToken ? { sessionToken: v.sessionToken } : {}),
    });
    return { id: v.id };
  };

  const interactive = async () => {
    const ask = (prompt: string, opts: Partial<vscode.InputBoxOptions> = {}) =>
      vscode.window.showInputBox({ prompt, ignoreFocusOut: true, ...opts });
    const endpoint = await ask('Endpoint URL', {
      placeHolder: 'https://obs.cn-north-4.myhuaweicloud.com',
      validateInput: (v) => {
        try {
          return ['http:', 'https:'].includes(new URL(v).protocol) ? undefined : 'Use an https:// URL';
        } catch {
          return 'Not a URL';
        }
      },
    });
    if (!endpoint) {
      return undefined;
    }
    const suggested = new URL(endpoint).hostname.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    const id = await ask('Connection id (lowercase letters, digits, dashes)', {
      value: suggested,
      validateInput: (v) => (isValidConnectionId(v) ? undefined : 'Use lowercase letters, digits and dashes'),
    });
    if (!id) {
      return undefined;
    }
    const accessKeyId = await ask('Access key id (AK)');
    if (!accessKeyId) {
      return undefined;
    }
    const secretAccessKey = await ask('Secret access key (SK) — kept in VS Code secret storage only', { password: true });
    if (!secretAccessKey) {
      return undefined;
    }
    const region = await ask('Region (leave empty for us-east-1 / auto)', { value: '' });
    let allowInsecureSse = false;
    if (endpoint.startsWith('http:')) {
      const pick = await vscode.window.showWarningMessage(
        'This endpoint uses plain HTTP. Customer keys (SSE-C) would travel unencrypted. Allow SSE over HTTP for this connection (local test servers only)?',
        { modal: true },
        'Allow (local test server)',
        'Do not allow',
      );
      allowInsecureSse = pick === 'Allow (local test server)';
    }
    return validateConnectionArgs({ id, endpoint, accessKeyId, secretAccessKey, region: region || undefined, allowInsecureSse });
  };

  return {
    id: 'obs.addConnection',
    parse: (a) => validateConnectionArgs(a as Partial<AddConnectionArgs>),
    prompt: interactive,
    run: add,
    done: (r) => `Connection "${r.id}" added.`,
  };
}
