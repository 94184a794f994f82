// Conditional writes (If-Match on the ETag read at open, If-None-Match: * for create-only) and the per-connection
// memory of the server's If-Match quirk.
//
// RGW 16 compares If-Match on PUT against the UNQUOTED ETag: the RFC 7232 form `"etag"` gets 412 even when it
// matches. When a 412 comes back we look at the object's current ETag; if it is the one we sent, the 412 was the
// quirk: retry once unquoted (still conditional, so a real change in between still fails) and remember the form
// for this connection. RGW 16 also ignores If-Match / If-None-Match on CompleteMultipartUpload, so multipart saves
// check the current ETag right before Complete as well (a narrow window, not atomic, on such servers).

import { StorageClient } from '../client/storageClient';
import { StorageError, isStorageError } from '../errors';

export interface ConnectionQuirks {
  /** PUT If-Match must carry the bare ETag (learned from a 412 whose ETag matched). */
  ifMatchUnquoted?: boolean;
  /** A server-side copy from or to an encrypted object answered NotImplemented on this connection. */
  encryptedCopyNotImplemented?: boolean;
}

const quirks = new WeakMap<object, ConnectionQuirks>();

/** Per-connection state, keyed by the client object (one client = one connection). */
export function quirksOf(client: StorageClient): ConnectionQuirks {
  let q = quirks.get(client);
  if (!q) {
    q = {};
    quirks.set(client, q);
  }
  return q;
}

export function unquoteEtag(etag: string): string {
  return etag.trim().replace(/^(W\/)?"(.*)"$/, '$2');
}

export function quoteEtag(etag: string): string {
  const bare = unquoteEtag(etag);
  return bare === '*' ? '*' : `"${bare}"`;
}

export function sameEtag(a: string, b: string): boolean {
  return unquoteEtag(a) === unquoteEtag(b);
}

export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

export function hasConditions(c: Conditions): boolean {
  return c.ifMatch !== undefined || c.ifNoneMatch !== undefined;
}

/** The client's condition options, sent exactly as given: the If-Match value in the form this connection needs. */
export interface ConditionOptions {
  ifMatch?: string;
  ifNoneMatch?: string;
  exactConditions: true;
}

export function conditionOptions(client: StorageClient, c: Conditions, unquoted = quirksOf(client).ifMatchUnquoted ?? false): ConditionOptions {
  const o: ConditionOptions = { exactConditions: true };
  if (c.ifMatch !== undefined) {
    o.ifMatch = unquoted ? unquoteEtag(c.ifMatch) : quoteEtag(c.ifMatch);
  }
  if (c.ifNoneMatch !== undefined) {
    o.ifNoneMatch = c.ifNoneMatch;
  }
  return o;
}

/**
 * The object's current ETag, or undefined when it does not exist. Read from a listing (prefix = key, one entry):
 * listings need no SSE-C key, so this works whatever key the current version was written with.
 */
export async function currentEtag(client: StorageClient, bucket: string, key: string, signal?: AbortSignal): Promise<string | undefined> {
  const page = await client.listObjects(bucket, { prefix: key, maxKeys: 1, signal });
  const first = page.objects[0];
  return first && first.key === key ? first.etag : undefined;
}

export function conflictError(operation: string, bucket: string, key: string, c: Conditions, current: string | undefined, cause?: StorageError): StorageError {
  let message: string;
  if (c.ifNoneMatch !== undefined) {
    message = `${operation} refused (${bucket}/${key}): the object already exists (create-only save)`;
  } else if (current === undefined) {
    message = `${operation} refused (${bucket}/${key}): the object was deleted on the server since it was read`;
  } else {
    message = `${operation} refused (${bucket}/${key}): the object changed on the server since it was read `
      + `(expected ETag ${quoteEtag(c.ifMatch ?? '')}, now ${quoteEtag(current)})`;
  }
  return new StorageError({
    code: 'PreconditionFailed', operation, bucket, key, message, status: cause?.status ?? 412,
    serverCode: cause?.serverCode ?? 'PreconditionFailed', requestId: cause?.requestId,
  });
}

/** Checks the conditions against the current ETag (for writes where the server does not enforce them). */
export async function precheck(client: StorageClient, bucket: string, key: string, c: Conditions, operation: string, signal?: AbortSignal): Promise<void> {
  if (!hasConditions(c)) {
    return;
  }
  const current = await currentEtag(client, bucket, key, signal);
  if (c.ifNoneMatch !== undefined && current !== undefined) {
    throw conflictError(operation, bucket, key, c, current);
  }
  if (c.ifMatch !== undefined && unquoteEtag(c.ifMatch) !== '*' && (current === undefined || !sameEtag(current, c.ifMatch))) {
    throw conflictError(operation, bucket, key, c, current);
  }
  if (c.ifMatch !== undefined && unquoteEtag(c.ifMatch) === '*' && current === undefined) {
    throw conflictError(operation, bucket, key, c, current);
  }
}

/**
 * Runs a conditional write. `write` gets the condition options for the client call; a 412 that is the quoting quirk
 * is retried once unquoted and remembered; a real conflict becomes a PreconditionFailed StorageError naming both ETags.
 */
export async function conditionalWrite<T>(
  client: StorageClient, bucket: string, key: string, c: Conditions, operation: string, signal: AbortSignal | undefined,
  write: (conditions: ConditionOptions) => Promise<T>,
): Promise<T> {
  const q = quirksOf(client);
  try {
    return await write(conditionOptions(client, c));
  } catch (e) {
    if (!isStorageError(e, 'PreconditionFailed') || !hasConditions(c)) {
      throw e;
    }
    const current = await currentEtag(client, bucket, key, signal);
    const quirkSuspected = c.ifMatch !== undefined && !q.ifMatchUnquoted && unquoteEtag(c.ifMatch) !== '*'
      && current !== undefined && sameEtag(current, c.ifMatch)
      && (c.ifNoneMatch === undefined);
    if (!quirkSuspected) {
      throw conflictError(operation, bucket, key, c, current, e);
    }
    try {
      const out = await write(conditionOptions(client, c, true));
      q.ifMatchUnquoted = true;
      return out;
    } catch (e2) {
      if (isStorageError(e2, 'PreconditionFailed')) {
        throw conflictError(operation, bucket, key, c, await currentEtag(client, bucket, key, signal), e2);
      }
      throw e2;
    }
  }
}
