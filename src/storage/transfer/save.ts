// Conditional save: write the object only if it still has the ETag read when it was opened (or, create-only, only
// if it does not exist). A real conflict is a StorageError with code 'PreconditionFailed'; the object on the
// server is left untouched.

import { StorageClient } from '../client/storageClient';
import { StorageError } from '../errors';
import { uploadObject } from './upload';
import { checkUpload } from './arguments';
import { UploadOptions, UploadResult, UploadSource } from './transferTypes';

export interface SaveOptions extends Omit<UploadOptions, 'ifMatch' | 'ifNoneMatch'> {
  /** ETag read when the object was opened; `undefined` together with `createOnly` for a new object. */
  expectedEtag?: string;
  /** Fail when the object exists (If-None-Match: *). */
  createOnly?: boolean;
}

export async function saveObject(
  client: StorageClient, bucket: string, key: string, source: UploadSource, opts: SaveOptions,
): Promise<UploadResult> {
  checkUpload('save', client, bucket, key, source, opts);
  const { expectedEtag, createOnly, ...rest } = opts;
  if (expectedEtag === undefined && !createOnly) {
    throw new StorageError({
      code: 'InvalidArgument', operation: 'save', bucket, key,
      argument: 'opts.expectedEtag', message: 'save: opts.expectedEtag (the ETag read at open) or opts.createOnly is required',
    });
  }
  return uploadObject(client, bucket, key, source, {
    ...rest,
    ifMatch: expectedEtag,
    ifNoneMatch: createOnly ? '*' : undefined,
  });
}
