// Object reads: HEAD and GET (SSE-C key and range aware).

import { Transport } from '../transport';
import { sseCustomerHeaders } from '../sse';
import { StorageError } from '../errors';
import { parseObjectHead } from './head';
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
  const res = await t.send({
    operation: 'headObject', method: 'HEAD', bucket, key,
    headers: opts?.sseCustomerKey ? sseCustomerHeaders(opts.sseCustomerKey, t.dialect) : {},
    signal: opts?.signal,
  });
  return parseObjectHead(res.headers);
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

