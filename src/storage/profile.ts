// What one StorageClient has learned about its server: the protocol dialect, the clock offset, whether the
// credentials are known to work, and the server's deviations from S3 (quirks) met on this connection. Owned by one
// client (`client.profile`); never shared between connections, never kept beyond the client. QUIRKS.md lists every
// deviation, where it is compensated and which test proves it.

import { Dialect, DIALECTS } from './dialect';
import { DialectName, DialectSetting } from './types';

export interface ServerQuirks {
  /**
   * If-Match must carry the bare ETag: the quoted (RFC 7232) form was refused with 412 while the object had exactly
   * that ETag (RGW 16 compares against the unquoted value). Learned by the client's If-Match policy.
   */
  ifMatchUnquoted: boolean;
  /**
   * If-Match / If-None-Match on CompleteMultipartUpload may be ignored (RGW 16 ignores them), so a conditional
   * multipart write checks the object itself right before Complete. Assumed until the server answers 412 to a
   * conditional Complete, which proves it evaluates them.
   */
  conditionalCompleteIgnored: boolean;
  /** A server-side copy of an encrypted object answered NotImplemented (RGW before Ceph 20). */
  encryptedCopyNotImplemented: boolean;
  /** UploadPartCopy was refused while changing the SSE-C key (RGW 16 decrypts the source with the target's key). */
  rekeyingPartCopyRejected: boolean;
}

export type QuirkName = keyof ServerQuirks;

export class ServerProfile {
  /** The dialect requests are built in; for `auto`, S3 until `settleDialect`. */
  dialect: Dialect;
  /** False while an `auto` dialect waits for its probe. */
  dialectSettled: boolean;
  /** Server clock minus local clock (from a RequestTimeTooSkewed answer's Date), added to every signing date. */
  clockOffsetMs = 0;
  /** Set by the first 2xx to a signed request; cleared when the credentials change. */
  credentialsConfirmed = false;
  /** Throttling answers (503 SlowDown, 429) seen so far: work that adapts its pace watches this. */
  throttles = 0;
  private readonly learned: ServerQuirks = {
    ifMatchUnquoted: false,
    conditionalCompleteIgnored: true,
    encryptedCopyNotImplemented: false,
    rekeyingPartCopyRejected: false,
  };

  constructor(setting: DialectSetting | undefined, private readonly log?: (line: string) => void) {
    this.dialect = setting === 'obs' ? DIALECTS.obs : DIALECTS.s3;
    this.dialectSettled = setting !== 'auto';
  }

  get quirks(): Readonly<ServerQuirks> {
    return this.learned;
  }

  /** Records what the server just showed; logged once when it changes what the client does. */
  learn<K extends QuirkName>(name: K, value: ServerQuirks[K]): void {
    if (this.learned[name] !== value) {
      this.learned[name] = value;
      this.log?.(`server profile: ${name} = ${String(value)}`);
    }
  }

  settleDialect(name: DialectName): void {
    this.dialect = DIALECTS[name];
    this.dialectSettled = true;
  }
}
