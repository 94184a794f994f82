// obs.showProperties { location } and obs.copyLink { location, expiresInSeconds? }: what an object is (size, dates,
// ETag, content type, encryption with the key's label and fingerprint, KMS key id, metadata; never key bytes), and
// a presigned GET link that says plainly when the link alone cannot open the object (SSE-C).
import * as vscode from 'vscode';
import { shortFingerprint } from '../keys/keyMaterial';
import type { KeyRing } from '../keys/keyRing';
import type { ObjectLocation } from '../objects';
import type { ObjectHead } from '../storage';
import type { ConnectionManager } from '../vscode/connections';
import { askLocation, selection, toLocation } from './jobs';
import { InvalidArgumentError, type CommandDefinition } from './runner';

export const PROPERTIES_SCHEME = 'obs-properties';
const DEFAULT_LINK_SECONDS = 3600;
const MAX_LINK_SECONDS = 604_800;

export interface ObjectProperties {
  location: ObjectLocation;
  size: number;
  lastModified: string;
  etag: string;
  contentType?: string;
  encryption: {
    type: ObjectHead['encryption']['type'];
    algorithm?: string;
    /** SSE-C: the key's fingerprint (base64 MD5, as the server echoes it) and its label when stored here. */
    keyFingerprint?: string;
    keyLabel?: string;
    keyStored?: boolean;
    kmsKeyId?: string;
  };
  metadata: Record<string, string>;
}

/** Properties shown read-only as markdown, one document per object. */
export class PropertiesDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.path) ?? '# Properties not available\n\nShow them again from the tree.\n';
  }
  add(p: ObjectProperties): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROPERTIES_SCHEME, path: `/${p.location.connection}/${p.location.bucket}/${p.location.key}.md` });
    if (this.docs.size > 50) {
      this.docs.delete(this.docs.keys().next().value ?? '');
    }
    this.docs.set(uri.path, propertiesMarkdown(p));
    this.changed.fire(uri);
    return uri;
  }
  dispose(): void {
    this.changed.dispose();
  }
}

export function propertiesMarkdown(p: ObjectProperties): string {
  const e = p.encryption;
  const enc = e.type === 'sse-c'
    ? `SSE-C (${e.algorithm ?? 'AES256'}), key ${e.keyLabel ? `"${e.keyLabel}"` : e.keyStored === false ? 'not stored here' : 'stored'}, fingerprint ${e.keyFingerprint || 'unknown'}${e.keyFingerprint ? ` (${shortFingerprint(e.keyFingerprint)})` : ''}`
    : e.type === 'kms' ? `SSE-KMS, key id ${e.kmsKeyId ?? 'the bucket default'}`
      : e.type === 'service' ? 'server-managed keys (SSE-S3 / SSE-OBS)' : 'none';
  const meta = Object.entries(p.metadata);
  return [
    `# ${p.location.bucket}/${p.location.key}`,
    '',
    '| Property | Value |',
    '| --- | --- |',
    `| Connection | ${p.location.connection} |`,
    `| Size | ${p.size} bytes |`,
    `| Modified | ${p.lastModified} |`,
    `| ETag | ${p.etag} |`,
    `| Content type | ${p.contentType ?? (e.keyStored === false ? 'unknown (no stored key opens it)' : '—')} |`,
    `| Encryption | ${enc} |`,
    '',
    '## Metadata',
    '',
    ...(meta.length ? meta.map(([k, v]) => `- ${k}: ${v}`) : ['(none)']),
    '',
  ].join('\n');
}

function locationArg(arg: Record<string, unknown>): ObjectLocation {
  const loc = toLocation(arg.location, 'location');
  if (loc.key === '' || loc.key.endsWith('/')) {
    throw new InvalidArgumentError('location must name an object (a key not ending in "/").');
  }
  return loc;
}

async function promptLocation(invocation: unknown[]): Promise<ObjectLocation | undefined> {
  const picked = selection(invocation)[0];
  return picked ?? askLocation('Object (obs://connection/bucket/key)', 'obs://');
}

export function showPropertiesCommand(connections: ConnectionManager, ring: KeyRing, docs: PropertiesDocuments): CommandDefinition<{ location: ObjectLocation }, ObjectProperties> {
  return {
    id: 'obs.showProperties',
    parse: (arg) => ({ location: locationArg(arg) }),
    async prompt(invocation) {
      const location = await promptLocation(invocation);
      return location ? { location } : undefined;
    },
    async run({ location }) {
      const s = await connections.session(location.connection);
      const { head, opensWithStoredKey } = await s.objects.describeObject(location.bucket, location.key);
      const e = head.encryption;
      const keyFingerprint = e.type === 'sse-c' ? e.keyMd5 : undefined;
      const entry = keyFingerprint ? await ring.find(keyFingerprint) : undefined;
      const props: ObjectProperties = {
        location, size: head.size, lastModified: head.lastModified.toISOString(), etag: head.etag, contentType: head.contentType,
        encryption: {
          type: e.type,
          ...(e.type === 'sse-c' ? { algorithm: e.algorithm, keyFingerprint, keyLabel: entry?.label, keyStored: opensWithStoredKey } : {}),
          ...(e.type === 'kms' ? { kmsKeyId: e.keyId } : {}),
        },
        metadata: head.metadata,
      };
      const doc = await vscode.workspace.openTextDocument(docs.add(props));
      await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true });
      return props;
    },
  };
}

export interface CopiedLink {
  url: string;
  expiresAt: string;
  /** Set when the link alone cannot open the object: what a reader needs besides it. */
  notice?: string;
  requiredHeaders?: string[];
}

export function copyLinkCommand(connections: ConnectionManager): CommandDefinition<{ location: ObjectLocation; expiresInSeconds: number }, CopiedLink> {
  return {
    id: 'obs.copyLink',
    parse: (arg) => {
      const location = locationArg(arg);
      const e = arg.expiresInSeconds ?? DEFAULT_LINK_SECONDS;
      if (typeof e !== 'number' || !Number.isInteger(e) || e < 1 || e > MAX_LINK_SECONDS) {
        throw new InvalidArgumentError(`expiresInSeconds must be a whole number of seconds from 1 to ${MAX_LINK_SECONDS} (7 days).`);
      }
      return { location, expiresInSeconds: e };
    },
    async prompt(invocation) {
      const location = await promptLocation(invocation);
      if (!location) {
        return undefined;
      }
      const pick = await vscode.window.showQuickPick([
        { label: '1 hour', seconds: 3600 }, { label: '1 day', seconds: 86_400 }, { label: '7 days', seconds: MAX_LINK_SECONDS }, { label: '15 minutes', seconds: 900 },
      ], { placeHolder: 'The link works for' });
      return pick ? { location, expiresInSeconds: pick.seconds } : undefined;
    },
    async run({ location, expiresInSeconds }, ctx) {
      const s = await connections.session(location.connection);
      const link = await s.objects.presignGet(location.bucket, location.key, expiresInSeconds, { signal: ctx.signal });
      await vscode.env.clipboard.writeText(link.url);
      const out: CopiedLink = { url: link.url, expiresAt: link.expiresAt.toISOString() };
      if (link.encryption.type === 'sse-c') {
        out.requiredHeaders = link.requiredHeaders;
        out.notice = `The link alone cannot open ${location.bucket}/${location.key}: it is encrypted with a customer key (SSE-C). `
          + `A reader needs the key itself (share it separately, e.g. with "Copy Key to Clipboard") and must send it in three headers with the request: `
          + `${link.requiredHeaders[0]}: AES256, ${link.requiredHeaders[1]}: <the key, base64>, ${link.requiredHeaders[2]}: ${link.encryption.keyMd5}. `
          + 'A browser cannot do that; curl or an SDK can.';
        if (ctx.interactive) {
          void vscode.window.showWarningMessage(`Link copied (valid until ${out.expiresAt}). ${out.notice}`, { modal: true });
        }
      } else if (ctx.interactive) {
        void vscode.window.showInformationMessage(`Link to ${location.bucket}/${location.key} copied; anyone with it can download the object until ${out.expiresAt}.`);
      }
      return out;
    },
  };
}
