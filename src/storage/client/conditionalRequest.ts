// THE If-Match policy, one place for every conditional write (PutObject, CompleteMultipartUpload).
//
// RFC 7232 wants If-Match quoted, and that is what is sent. RGW 16 compares it against the UNQUOTED ETag, so the
// quoted form gets 412 even when it matches. A 412 is therefore checked against the object's current ETag (a
// listing: no SSE-C key needed): when the object still has exactly the ETag sent, the 412 was the quirk, and the
// write is repeated once with the bare ETag (still conditional, so a change in between still fails) and the profile
// remembers that this server wants the bare form. Otherwise it is a real conflict: PreconditionFailed naming both
// ETags. The current ETag is checked first, not blindly retried: a server that ignored a malformed If-Match would
// otherwise overwrite a newer version.

import { Conditions, conflictError, currentEtag, hasConditions, quoteEtag, sameEtag, unquoteEtag } from '../conditions';
import { isStorageError, StorageError } from '../errors';
import { Transport } from '../transport';
import { listObjects } from './buckets';

/** The condition headers in the form this server needs. */
export function conditionHeaders(c: Conditions, bareIfMatch: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (c.ifMatch !== undefined) {
    h['if-match'] = bareIfMatch ? unquoteEtag(c.ifMatch) : quoteEtag(c.ifMatch);
  }
  if (c.ifNoneMatch !== undefined) {
    h['if-none-match'] = c.ifNoneMatch;
  }
  return h;
}

/**
 * Sends a conditional write: `send` gets the condition headers to add. A 412 becomes PreconditionFailed naming both
 * ETags, unless it was the quoting quirk (then the write is repeated bare, see above).
 */
export async function sendConditional<T>(
  t: Transport, target: { operation: string; bucket: string; key: string; signal?: AbortSignal }, c: Conditions,
  send: (headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (!hasConditions(c)) {
    return send({});
  }
  const { operation, bucket, key, signal } = target;
  const profile = t.profile;
  const current = (): Promise<string | undefined> => currentEtag((b, o) => listObjects(t, b, o), bucket, key, signal);
  // The form actually sent decides, not the profile when the answer comes: a concurrent request may have learned the
  // quirk meanwhile, and this request (sent quoted) still deserves its bare repeat.
  const sentBare = profile.quirks.ifMatchUnquoted;
  try {
    return await send(conditionHeaders(c, sentBare));
  } catch (e) {
    if (racingWrite(e)) {
      // 409 ConditionalRequestConflict: another conditional write to this key was in flight; the object is (about
      // to be) another version than the one this write was based on. The same conflict as a 412, never repeated.
      throw conflictError(operation, bucket, key, c, await orKeep(current(), e), e);
    }
    if (!isStorageError(e, 'PreconditionFailed')) {
      throw e;
    }
    const now = await orKeep(current(), e);
    const quotingQuirk = c.ifMatch !== undefined && c.ifNoneMatch === undefined && !sentBare
      && unquoteEtag(c.ifMatch) !== '*' && now !== undefined && sameEtag(now, c.ifMatch);
    if (!quotingQuirk) {
      throw conflictError(operation, bucket, key, c, now, e);
    }
    try {
      const out = await send(conditionHeaders(c, true));
      profile.learn('ifMatchUnquoted', true);
      return out;
    } catch (e2) {
      if (isStorageError(e2, 'PreconditionFailed') || racingWrite(e2)) {
        throw conflictError(operation, bucket, key, c, await orKeep(current(), e2), e2);
      }
      throw e2;
    }
  }
}

/** AWS answers a conditional write that raced another one on the same key with 409 ConditionalRequestConflict. */
function racingWrite(e: unknown): e is StorageError {
  return isStorageError(e, 'Conflict') && e.serverCode === 'ConditionalRequestConflict';
}

/** The current ETag; when it cannot be read (no list permission, ...), the 412 stands as the server gave it. */
async function orKeep(etag: Promise<string | undefined>, refusal: StorageError): Promise<string | undefined> {
  try {
    return await etag;
  } catch (e) {
    throw isStorageError(e, 'Aborted') ? e : refusal;
  }
}
