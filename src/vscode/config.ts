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

/** A connection as written in settings, and what is wrong with it (then it is shown, never used). */
export interface ConnectionEntry {
  settings: ConnectionSettings;
  problem?: string;
}

const DIALECTS = ['auto', 's3', 'obs'];
const ADDRESSING = ['auto', 'path', 'virtual'];
const ENCRYPTION_TYPES = ['none', 'kms', 'sse-c'];
const ID = /^[a-z0-9-]+$/;

/** Why an endpoint cannot be used, or undefined. */
export function endpointProblem(endpoint: unknown): string | undefined {
  if (typeof endpoint !== 'string' || endpoint === '') {
    return 'The endpoint is missing: give a URL such as https://obs.cn-north-4.myhuaweicloud.com.';
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `The endpoint "${endpoint}" is not a URL; use one such as https://obs.cn-north-4.myhuaweicloud.com.`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `The endpoint must start with https:// (or http:// for a local test server), not ${url.protocol}//.`;
  }
  if (url.username || url.password || url.search || url.hash) {
    return 'The endpoint must not contain credentials, a query or a fragment; enter the keys separately.';
  }
  return undefined;
}

/** Checks one entry of `obs.connections` (settings edited by hand included); the first problem, in words. */
export function checkConnectionSetting(raw: unknown): { settings: ConnectionSettings; problem?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings: { id: String(raw), endpoint: '' }, problem: 'A connection must be an object with at least "id" and "endpoint".' };
  }
  const r = raw as Record<string, unknown>;
  const settings = { ...r, id: String(r.id ?? ''), endpoint: typeof r.endpoint === 'string' ? r.endpoint : '' } as ConnectionSettings;
  const text = (name: string) => (r[name] === undefined || typeof r[name] === 'string' ? undefined : `"${name}" must be text.`);
  const oneOf = (name: string, allowed: string[]) =>
    r[name] === undefined || allowed.includes(r[name] as string) ? undefined : `"${name}" must be one of ${allowed.join(', ')} (found ${JSON.stringify(r[name])}).`;
  const de = r.defaultEncryption as Record<string, unknown> | undefined;
  const problem = [
    typeof r.id !== 'string' ? `The id must be text of lowercase letters, digits and dashes (found ${JSON.stringify(r.id)}).` : undefined,
    typeof r.id === 'string' && !ID.test(r.id) ? `The id "${r.id}" must be lowercase letters, digits and dashes.` : undefined,
    endpointProblem(r.endpoint),
    text('label'), text('region'), text('caCertificatePath'),
    oneOf('dialect', DIALECTS),
    oneOf('addressing', ADDRESSING),
    r.allowInsecureSse === undefined || typeof r.allowInsecureSse === 'boolean' ? undefined : '"allowInsecureSse" must be true or false.',
    de === undefined ? undefined
      : typeof de !== 'object' || de === null || !ENCRYPTION_TYPES.includes(de.type as string) ? `"defaultEncryption.type" must be one of ${ENCRYPTION_TYPES.join(', ')}.`
        : de.type === 'sse-c' && typeof de.keyFingerprint !== 'string' ? 'An SSE-C "defaultEncryption" needs "keyFingerprint" (import or generate the key first).' : undefined,
  ].find((p) => p !== undefined);
  return { settings, problem };
}

/** Every entry of `obs.connections`, each with its problem if it has one (a repeated id is one). */
export function readConnectionEntries(): ConnectionEntry[] {
  const raw = rawConnections();
  const seen = new Set<string>();
  return raw.map((item) => {
    const entry = checkConnectionSetting(item);
    if (!entry.problem && seen.has(entry.settings.id)) {
      entry.problem = `The id "${entry.settings.id}" is used by an earlier connection; ids must be unique.`;
    }
    seen.add(entry.settings.id);
    return entry;
  });
}

/** The connections that can be used (entries with a problem are left out; the tree shows them with it). */
export function readConnections(): ConnectionSettings[] {
  return readConnectionEntries().filter((e) => !e.problem).map((e) => e.settings);
}

export async function writeConnections(list: unknown[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(KEY, list, vscode.ConfigurationTarget.Global);
}

/** Writes one connection: replaces the entry with its id in place (or appends), keeping every other entry as written. */
export async function putConnection(settings: ConnectionSettings): Promise<void> {
  const raw = rawConnections();
  const at = raw.findIndex((c) => idOf(c) === settings.id);
  await writeConnections(at < 0 ? [...raw, settings] : raw.map((c, i) => (i === at ? settings : c)));
}

/** Removes the entries with this id (a broken one included); false when there was none. */
export async function deleteConnection(id: string): Promise<boolean> {
  const raw = rawConnections();
  const rest = raw.filter((c) => idOf(c) !== id);
  if (rest.length !== raw.length) {
    await writeConnections(rest);
  }
  return rest.length !== raw.length;
}

function rawConnections(): unknown[] {
  const raw = vscode.workspace.getConfiguration(SECTION).get<unknown>(KEY);
  return Array.isArray(raw) ? raw : [];
}

const idOf = (c: unknown): string | undefined => (typeof c === 'object' && c !== null ? String((c as { id?: unknown }).id) : undefined);

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
