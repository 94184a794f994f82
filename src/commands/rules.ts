// obs.addRule { connection, bucket, prefix?, encryption } and obs.removeRule { connection, bucket, prefix? }: the
// encryption rules in the obs.encryptionRules setting (at most one rule per connection, bucket and prefix).
import * as vscode from 'vscode';
import { shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import { newEncryptionLabel } from '../keys/labels';
import { parseRule, parseRuleTarget, ruleId, sameTarget, type EncryptionRule, type NewObjectEncryption, type RuleTarget } from '../keys/rules';
import type { ConnectionManager } from '../vscode/connections';
import { readEncryptionRules, ruleSetting, updateEncryptionRules } from '../vscode/config';
import { toUri } from '../vscode/uri';
import { askEncryption, askLocation, selection } from './jobs';
import { InvalidArgumentError, type CommandDefinition } from './runner';

/** A raw settings entry that names this target (entries this version cannot read are left alone). */
function names(raw: unknown, t: RuleTarget): boolean {
  try {
    return sameTarget(parseRuleTarget(raw as Record<string, unknown>), t);
  } catch {
    return false;
  }
}

export function addRuleCommand(connections: ConnectionManager, ring: KeyRing): CommandDefinition<EncryptionRule, { id: string; replaced: boolean }> {
  return {
    id: 'obs.addRule',
    parse: (a) => parseRule(a),
    async prompt(invocation) {
      const [first] = invocation;
      const keyItem = (first as { kind?: string; fingerprint?: string } | undefined)?.kind === 'key' ? (first as { fingerprint: string }) : undefined;
      const [from] = keyItem ? [] : selection(invocation);
      const start = from ?? { connection: connections.list()[0]?.id ?? '', bucket: '', key: '' };
      const where = await askLocation(
        'New objects under (obs://connection/bucket/prefix; a prefix ending in "/" is a folder, none is the whole bucket)',
        start.connection ? toUri({ connectionId: start.connection, bucket: start.bucket || undefined, key: start.key }).toString(true) : 'obs://',
      );
      if (!where) {
        return undefined;
      }
      let encryption: NewObjectEncryption | undefined;
      if (keyItem?.fingerprint) {
        encryption = { type: 'sse-c', keyFingerprint: keyItem.fingerprint };
      } else {
        const picked = await askEncryption(ring, false);
        encryption = picked && picked.type !== 'keep' ? picked : undefined;
      }
      return encryption ? parseRule({ connection: where.connection, bucket: where.bucket, prefix: where.key, encryption }) : undefined;
    },
    async run(rule) {
      if (!connections.find(rule.connection)) {
        throw new InvalidArgumentError(`There is no connection "${rule.connection}".`);
      }
      if (rule.encryption.type === 'sse-c' && !(await ring.find(rule.encryption.keyFingerprint))) {
        throw new InvalidArgumentError(
          `No stored key has the fingerprint ${shortFingerprint(rule.encryption.keyFingerprint)}: import it first, so that new objects can be written.`,
        );
      }
      let replaced = false;
      await updateEncryptionRules((raw) => {
        // A replaced rule keeps its place (and any duplicate of it goes); a new one goes last.
        const at = raw.findIndex((r) => names(r, rule));
        replaced = at >= 0;
        return replaced ? raw.filter((r, i) => i === at || !names(r, rule)).map((r, i) => (i === at ? ruleSetting(rule) : r)) : [...raw, ruleSetting(rule)];
      });
      return { id: ruleId(rule), replaced };
    },
    done: (r, rule) => `New objects under ${ruleId(rule)} get ${newEncryptionLabel(rule.encryption)}${r.replaced ? ' (rule replaced)' : ''}.`,
  };
}

export function removeRuleCommand(): CommandDefinition<RuleTarget, { removed: boolean }> {
  return {
    id: 'obs.removeRule',
    parse: (a) => parseRuleTarget(a),
    async prompt([first]) {
      // The Keys view's rule item under a key: its id is connection/bucket/prefix (bucket names hold no "/").
      const use = first as { kind?: string; use?: string } | undefined;
      const m = use?.kind === 'keyUse' ? /^([^/]+)\/([^/]+)\/(.*)$/s.exec(use.use ?? '') : null;
      if (m) {
        return { connection: m[1], bucket: m[2], prefix: m[3] };
      }
      const { rules } = readEncryptionRules();
      if (rules.length === 0) {
        void vscode.window.showInformationMessage('There are no encryption rules.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(
        rules.map((r) => ({ label: ruleId(r), description: 'encryption' in r ? newEncryptionLabel(r.encryption) : `broken: ${r.problem}`, rule: r })),
        { placeHolder: 'Rule to remove (new objects there get the next matching rule, or the connection default)' },
      );
      return pick ? { connection: pick.rule.connection, bucket: pick.rule.bucket, prefix: pick.rule.prefix } : undefined;
    },
    async run(t) {
      let removed = false;
      await updateEncryptionRules((raw) => {
        const rest = raw.filter((r) => !names(r, t));
        removed = rest.length !== raw.length;
        return rest;
      });
      return { removed };
    },
    done: (r, t) => (r.removed ? `Rule ${ruleId(t)} removed.` : `There was no rule ${ruleId(t)}.`),
  };
}
