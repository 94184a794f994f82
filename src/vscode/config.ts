// Non-secret connection settings (application scope: they decide where keys are sent).
import * as vscode from 'vscode';
import type { DefaultEncryption } from '../keys/access';
import type { Addressing, DialectSetting } from '../storage';

export interface ConnectionSettings {
  id: string;
  label?: string;
  endpoint: string;
  region?: string;
  dialect?: DialectSetting;
  addressing?: Addressing;
  allowInsecureSse?: boolean;
  caCertificatePath?: string;
  defaultEncryption?: { type: 'none' | 'kms' | 'sse-c'; kmsKeyId?: string; keyFingerprint?: string };
}

const SECTION = 'obs';
const KEY = 'connections';

export function readConnections(): ConnectionSettings[] {
  const raw = vscode.workspace.getConfiguration(SECTION).get<unknown>(KEY);
  return Array.isArray(raw) ? (raw as ConnectionSettings[]).filter((c) => c && typeof c.id === 'string') : [];
}

export async function writeConnections(list: ConnectionSettings[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(KEY, list, vscode.ConfigurationTarget.Global);
}

export function defaultEncryptionOf(settings: ConnectionSettings): DefaultEncryption {
  const d = settings.defaultEncryption;
  if (d?.type === 'kms') {
    return d.kmsKeyId ? { type: 'kms', kmsKeyId: d.kmsKeyId } : { type: 'kms' };
  }
  if (d?.type === 'sse-c' && d.keyFingerprint) {
    return { type: 'sse-c', keyFingerprint: d.keyFingerprint };
  }
  return { type: 'none' };
}

export function onConnectionsChanged(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.${KEY}`)) {
      listener();
    }
  });
}
