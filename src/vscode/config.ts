// Non-secret settings: connections and encryption rules (application scope: they decide where keys are sent).
import * as vscode from 'vscode';
import type { DefaultEncryption } from '../keys/access';
import { chooseEncryption, keyUsers, readRules, type ChosenEncryption, type EncryptionRule, type ParsedRule } from '../keys/rules';
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
const RULES = 'encryptionRules';

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

/** The rules as written in settings (raw entries, so that writing back keeps what this version does not read). */
function rawRules(): unknown[] {
  const raw = vscode.workspace.getConfiguration(SECTION).get<unknown>(RULES);
  return Array.isArray(raw) ? raw : [];
}

/** The encryption rules, read on every use (cheap), so a settings change applies to the next write. */
export function readEncryptionRules(): { rules: ParsedRule[]; ignored: string[] } {
  return readRules(rawRules());
}

/** Rewrites the rules: `change` gets the raw entries and the parsed ones (same order, undefined where ignored). */
export async function updateEncryptionRules(change: (raw: unknown[]) => unknown[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(RULES, change(rawRules()), vscode.ConfigurationTarget.Global);
}

/** A rule as it is written to settings (prefix left out for the whole bucket). */
export function ruleSetting(rule: EncryptionRule): Record<string, unknown> {
  return { connection: rule.connection, bucket: rule.bucket, ...(rule.prefix ? { prefix: rule.prefix } : {}), encryption: rule.encryption };
}

export function onEncryptionRulesChanged(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.${RULES}`)) {
      listener();
    }
  });
}

/** Who uses an SSE-C key for new objects: rule ids and `connection:<id>` for connection defaults. */
export function usersOfKey(fingerprint: string): string[] {
  const defaults = readConnections().map((c) => ({ connection: c.id, encryption: defaultEncryptionOf(c) }));
  return keyUsers(fingerprint, readEncryptionRules().rules, defaults);
}

/** The encryption a new object at connection/bucket/key gets and what chose it; a broken rule's reason instead. */
export function newObjectEncryption(connection: string, bucket: string, key: string): ChosenEncryption | { problem: string } {
  const settings = readConnections().find((c) => c.id === connection);
  try {
    return chooseEncryption(readEncryptionRules().rules, connection, bucket, key, settings ? defaultEncryptionOf(settings) : { type: 'none' });
  } catch (err) {
    return { problem: (err as Error).message };
  }
}
