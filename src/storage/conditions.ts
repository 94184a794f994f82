// Conditional writes and reads: ETag forms, the conditions (If-Match on the ETag read at open, If-None-Match: * for
// create-only), the object's current ETag, and the one "someone else changed it" error. Shared by the client's
// If-Match policy (client/conditionalRequest.ts) and the transfer's checks.

import { StorageError } from './errors';
import { ListOptions, ListPage } from './types';

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
  /** The ETag (quoted or not) the object must still have, or `*` for "must exist". */
  ifMatch?: string;
  /** `*`: the object must not exist. */
  ifNoneMatch?: string;
}

export function hasConditions(c: Conditions): boolean {
  return c.ifMatch !== undefined || c.ifNoneMatch !== undefined;
}

/** One listing page (the client's ListObjects). */
export type ListObjects = (bucket: string, opts: ListOptions) => Promise<ListPage>;

/**
 * The object's current ETag, or undefined when it does not exist. Read from a listing (prefix = key, one entry):
 * listings need no SSE-C key, so this works whatever key the current version was written with.
 */
export async function currentEtag(list: ListObjects, bucket: string, key: string, signal?: AbortSignal): Promise<string | undefined> {
  const page = await list(bucket, { prefix: key, maxKeys: 1, signal });
  const first = page.objects[0];
  return first && first.key === key ? first.etag : undefined;
}

/** PreconditionFailed that says what happened: the object exists (create-only), is gone, or has another ETag. */
export function conflictError(operation: string, bucket: string, key: string, c: Conditions, current: string | undefined, cause?: StorageError): StorageError {
  let message: string;
  if (cause?.serverCode === 'ConditionalRequestConflict') {
    message = `${operation} refused (${bucket}/${key}): another write to the object raced this conditional one (409 ConditionalRequestConflict); `
      + `read it again${current === undefined ? '' : ` (now ETag ${quoteEtag(current)})`} before saving`;
  } else if (c.ifNoneMatch !== undefined) {
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

/** Checks the conditions against the current ETag (before a long write, or where the server may not enforce them). */
export async function checkConditions(
  list: ListObjects, bucket: string, key: string, c: Conditions, operation: string, signal?: AbortSignal,
): Promise<void> {
  if (!hasConditions(c)) {
    return;
  }
  const current = await currentEtag(list, bucket, key, signal);
  const mustExist = c.ifMatch !== undefined && unquoteEtag(c.ifMatch) === '*';
  if ((c.ifNoneMatch !== undefined && current !== undefined)
    || (mustExist && current === undefined)
    || (c.ifMatch !== undefined && !mustExist && (current === undefined || !sameEtag(current, c.ifMatch)))) {
    throw conflictError(operation, bucket, key, c, current);
  }
}
