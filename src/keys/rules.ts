// Encryption rules: the encryption a NEW object gets, by connection, bucket and key prefix. Pure (no `vscode`): the
// rules come from the `obs.encryptionRules` setting, matching and validation happen here.
//
// A prefix is a plain string prefix of the key, as S3 prefixes are: `a/` covers `a/x` but not the object `a`; `a`
// covers `a`, `a/x` and `ab`. Keys are compared exactly as the server stores them (no Unicode normalisation: the
// server treats `café` in NFC and in NFD as two different keys). The longest matching prefix wins; the empty
// prefix covers the whole bucket; with no matching rule the connection's default applies.

export type NewObjectEncryption =
  | { type: 'none' }
  | { type: 'kms'; kmsKeyId?: string }
  | { type: 'sse-c'; keyFingerprint: string };

export interface RuleTarget {
  connection: string;
  bucket: string;
  /** '' = the whole bucket. */
  prefix: string;
}

export interface EncryptionRule extends RuleTarget {
  encryption: NewObjectEncryption;
}

/** A rule whose encryption cannot be used (a typo in settings.json): it still matches, and a write it governs is refused. */
export interface BrokenRule extends RuleTarget {
  problem: string;
}

export type ParsedRule = EncryptionRule | BrokenRule;

/** What decided a new object's encryption, in words and as data. */
export interface ChosenEncryption {
  encryption: NewObjectEncryption;
  /** `rule "conn/bucket/prefix"` or `the default of connection "conn"`, for messages. */
  chosenBy: string;
  rule?: EncryptionRule;
}

export class RuleError extends Error {
  readonly code = 'InvalidArgument';
}

/** A matching rule whose encryption cannot be used: the write is refused rather than sent with another encryption. */
export class BrokenRuleError extends Error {
  readonly code = 'InvalidRule';
  constructor(readonly rule: BrokenRule) {
    super(`The encryption rule ${ruleId(rule)} (setting obs.encryptionRules) cannot be used: ${rule.problem} Nothing was written; fix or remove the rule.`);
    this.name = 'BrokenRuleError';
  }
}

const CONNECTION_ID = /^[a-z0-9-]+$/;
const FINGERPRINT = /^[A-Za-z0-9+/]{22}==$/;

/** A rule's identity: its connection, bucket and prefix (at most one rule per target). */
export function ruleId(t: RuleTarget): string {
  return `${t.connection}/${t.bucket}/${t.prefix}`;
}

/** How `usedBy` names a connection's default encryption (rule ids always contain a `/`, these never do). */
export function connectionDefaultId(connection: string): string {
  return `connection:${connection}`;
}

export function isBroken(r: ParsedRule): r is BrokenRule {
  return 'problem' in r;
}

function target(raw: Record<string, unknown>): RuleTarget {
  const { connection, bucket, prefix } = raw;
  if (typeof connection !== 'string' || !CONNECTION_ID.test(connection)) {
    throw new RuleError('A rule needs connection: the id of a connection (lowercase letters, digits and dashes).');
  }
  if (typeof bucket !== 'string' || bucket === '' || bucket.includes('/')) {
    throw new RuleError('A rule needs bucket: a bucket name (without "/").');
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new RuleError('prefix must be text (leave it out, or "", for the whole bucket).');
  }
  return { connection, bucket, prefix: prefix ?? '' };
}

/** The encryption part of a rule or a default; throws RuleError with the reason. */
export function parseNewObjectEncryption(raw: unknown): NewObjectEncryption {
  const e = raw as { type?: unknown; kmsKeyId?: unknown; keyFingerprint?: unknown } | undefined;
  switch (e?.type) {
    case 'none':
      return { type: 'none' };
    case 'kms':
      if (e.kmsKeyId !== undefined && (typeof e.kmsKeyId !== 'string' || e.kmsKeyId === '')) {
        throw new RuleError('encryption.kmsKeyId must be a KMS key id (or left out for the bucket\'s default KMS key).');
      }
      return e.kmsKeyId ? { type: 'kms', kmsKeyId: e.kmsKeyId } : { type: 'kms' };
    case 'sse-c':
      if (typeof e.keyFingerprint !== 'string' || !FINGERPRINT.test(e.keyFingerprint)) {
        throw new RuleError('encryption.keyFingerprint must be a stored key\'s fingerprint (base64 MD5, as obs.importKey and obs.listKeys return).');
      }
      return { type: 'sse-c', keyFingerprint: e.keyFingerprint };
    case 'keep':
      throw new RuleError('A rule decides the encryption of new objects, which have nothing to keep: use none, kms or sse-c.');
    default:
      throw new RuleError('encryption must be { type: "none" } | { type: "kms", kmsKeyId? } | { type: "sse-c", keyFingerprint }.');
  }
}

/** One rule from an argument object or a settings entry; throws RuleError with the reason. */
export function parseRule(raw: unknown): EncryptionRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RuleError('A rule is { connection, bucket, prefix?, encryption }.');
  }
  const t = target(raw as Record<string, unknown>);
  return { ...t, encryption: parseNewObjectEncryption((raw as Record<string, unknown>).encryption) };
}

/** Only the target of a rule (obs.removeRule); the encryption, if given, is not looked at. */
export function parseRuleTarget(raw: Record<string, unknown>): RuleTarget {
  return target(raw);
}

/**
 * The rules of the setting. An entry with a usable target but an unusable encryption is kept as a broken rule (it
 * refuses the writes it governs); an entry without a usable target governs nothing and is only reported.
 */
export function readRules(raw: unknown): { rules: ParsedRule[]; ignored: string[] } {
  const rules: ParsedRule[] = [];
  const ignored: string[] = [];
  (Array.isArray(raw) ? raw : []).forEach((entry, i) => {
    let t: RuleTarget;
    try {
      t = target((entry ?? {}) as Record<string, unknown>);
    } catch (err) {
      ignored.push(`obs.encryptionRules[${i}]: ${(err as Error).message}`);
      return;
    }
    try {
      rules.push({ ...t, encryption: parseNewObjectEncryption((entry as Record<string, unknown>).encryption) });
    } catch (err) {
      rules.push({ ...t, problem: (err as Error).message });
    }
  });
  return { rules, ignored };
}

/** The rule that governs `key`: the longest matching prefix; among equal prefixes, the first in the list. */
export function matchRule<R extends RuleTarget>(rules: readonly R[], connection: string, bucket: string, key: string): R | undefined {
  let best: R | undefined;
  for (const r of rules) {
    if (r.connection === connection && r.bucket === bucket && key.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) {
      best = r;
    }
  }
  return best;
}

/** The encryption of a new object at connection/bucket/key: the governing rule's, else the connection's default. */
export function chooseEncryption(
  rules: readonly ParsedRule[], connection: string, bucket: string, key: string, connectionDefault: NewObjectEncryption,
): ChosenEncryption {
  const rule = matchRule(rules, connection, bucket, key);
  if (!rule) {
    return { encryption: connectionDefault, chosenBy: `the default of connection "${connection}"` };
  }
  if (isBroken(rule)) {
    throw new BrokenRuleError(rule);
  }
  return { encryption: rule.encryption, chosenBy: `rule "${ruleId(rule)}"`, rule };
}

export function sameTarget(a: RuleTarget, b: RuleTarget): boolean {
  return a.connection === b.connection && a.bucket === b.bucket && a.prefix === b.prefix;
}

/** Who uses a key: rule ids and `connection:<id>` for connection defaults. */
export function keyUsers(
  fingerprint: string, rules: readonly ParsedRule[], defaults: ReadonlyArray<{ connection: string; encryption: NewObjectEncryption }>,
): string[] {
  const uses = (e: NewObjectEncryption): boolean => e.type === 'sse-c' && e.keyFingerprint === fingerprint;
  return [
    ...rules.filter((r) => !isBroken(r) && uses(r.encryption)).map(ruleId),
    ...defaults.filter((d) => uses(d.encryption)).map((d) => connectionDefaultId(d.connection)),
  ];
}

/** The same encryption for every new object, as a connection default with no rules (tests, tools). */
export function sameEverywhere(encryption: NewObjectEncryption): (bucket: string, key: string) => ChosenEncryption {
  return () => ({ encryption, chosenBy: 'the connection\'s default' });
}
