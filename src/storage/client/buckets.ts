// Service and bucket level reads: ListBuckets, ListObjects.

import { Transport } from '../transport';
import { QueryParams } from '../encode';
import { parseListBuckets, parseListObjects, START_AFTER_MARK } from '../xml';
import { BucketInfo, ListOptions, ListPage, RequestOptions } from '../types';

export async function listBuckets(t: Transport, opts?: RequestOptions): Promise<BucketInfo[]> {
  const res = await t.send({ operation: 'listBuckets', method: 'GET', signal: opts?.signal });
  return parseListBuckets(res.body.toString('utf8'));
}

export function listObjectsQuery(version: 1 | 2, opts: ListOptions): QueryParams {
  const q: QueryParams = [];
  if (version === 2) {
    q.push(['list-type', '2']);
  }
  q.push(['encoding-type', 'url']);
  if (opts.prefix) {
    q.push(['prefix', opts.prefix]);
  }
  if (opts.delimiter) {
    q.push(['delimiter', opts.delimiter]);
  }
  if (opts.maxKeys !== undefined) {
    q.push(['max-keys', String(Math.max(1, Math.min(1000, Math.floor(opts.maxKeys))))]);
  }
  const c = opts.continuation;
  if (c) {
    if (version === 1) {
      q.push(['marker', c.startsWith(START_AFTER_MARK) ? c.slice(START_AFTER_MARK.length) : c]);
    } else if (c.startsWith(START_AFTER_MARK)) {
      q.push(['start-after', c.slice(START_AFTER_MARK.length)]);
    } else {
      q.push(['continuation-token', c]);
    }
  }
  return q;
}

export async function listObjects(t: Transport, bucket: string, opts: ListOptions): Promise<ListPage> {
  const res = await t.send({
    operation: 'listObjects', method: 'GET', bucket, signal: opts.signal,
    query: listObjectsQuery(t.dialect.listVersion, opts),
  });
  return parseListObjects(res.body.toString('utf8'));
}
