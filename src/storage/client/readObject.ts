// Object reads: HEAD and GET (SSE-C key and range aware).

import { Transport } from '../transport';
import { sseCustomerHeaders } from '../sse';
import { StorageError } from '../errors';
import { parseObjectHead } from './objectHead';
import { GetResult, ObjectHead, ReadOptions } from '../types';

function readHeaders(t: Transport, opts?: ReadOptions): Record<string, string> {
  const h: Record<string, string> = opts?.sseCustomerKey ? sseCustomerHeaders(opts.sseCustomerKey, t.dialect) : {};
  if (opts?.range) {
    const { start, end } = opts.range;
    h.range = `bytes=${start}-${end === undefined ? '' : end}`;
  }
  return h;
}

export async function headObject(t: Transport, bucket: string, key: string, opts?: ReadOptions): Promise<ObjectHead> {
  try {
    const res = await t.send({
      operation: 'headObject', method: 'HEAD', bucket, key,
      headers: opts?.sseCustomerKey ? sseCustomerHeaders(opts.sseCustomerKey, t.dialect) : {},
      signal: opts?.signal,
    });
    return parseObjectHead(res.headers);
  } catch (err) {
    throw await distinguishMissingBucket(t, err, opts?.signal);
  }
}

/**
 * A HEAD 404 has no body, so it cannot say whether the object or the whole bucket is missing. One HEAD on the
 * bucket tells: a missing bucket is reported as NoSuchBucket (with the object's operation and names kept).
 */
async function distinguishMissingBucket(t: Transport, err: unknown, signal?: AbortSignal): Promise<unknown> {
  if (!(err instanceof StorageError) || err.code !== 'NoSuchKey' || err.serverCode !== undefined || err.bucket === undefined) {
    return err;
  }
  try {
    await t.send({ operation: 'headBucket', method: 'HEAD', bucket: err.bucket, signal });
    return err;
  } catch (bucketErr) {
    if (bucketErr instanceof StorageError && bucketErr.status === 404) {
      return new StorageError({
        operation: err.operation, status: 404, requestId: err.requestId, hostId: err.hostId, indicator: err.indicator,
        bucket: err.bucket, key: err.key,
        code: 'NoSuchBucket',
        message: `${err.operation} failed (${err.bucket}/${err.key}): 404 (the bucket does not exist)`,
      });
    }
    return err;
  }
}

export async function getObject(t: Transport, bucket: string, key: string, opts?: ReadOptions): Promise<GetResult> {
  const res = await t.send({
    operation: 'getObject', method: 'GET', bucket, key, headers: readHeaders(t, opts), signal: opts?.signal, stream: true,
  });
  if (!res.stream) {
    throw new StorageError({ code: 'Unknown', operation: 'getObject', bucket, key, message: 'getObject: no response body' });
  }
  return { head: parseObjectHead(res.headers), body: res.stream };
}

