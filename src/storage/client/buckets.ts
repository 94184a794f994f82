// Service and bucket level reads: ListBuckets, ListObjects.

import { header, Transport } from '../transport';
import { QueryParams } from '../encode';
import { parseBucketLocation, parseListBuckets, parseListObjects, START_AFTER_MARK } from '../xml';
import { BucketHead, BucketInfo, ListBucketsOptions, ListOptions, ListPage, RequestOptions } from '../types';

/** ListBuckets. On OBS `withLocation` asks for each bucket's region (any regional endpoint lists all regions). */
export async function listBuckets(t: Transport, opts?: ListBucketsOptions): Promise<BucketInfo[]> {
  const headers: Record<string, string> = opts?.withLocation && t.dialect.name === 'obs' ? { 'x-obs-location': 'true' } : {};
  const res = await t.send({ operation: 'listBuckets', method: 'GET', headers, signal: opts?.signal });
  return parseListBuckets(res.body.toString('utf8'));
}

export async function getBucketLocation(t: Transport, bucket: string, opts?: RequestOptions): Promise<string> {
  const res = await t.send({ operation: 'getBucketLocation', method: 'GET', bucket, query: [['location', '']], signal: opts?.signal });
  return parseBucketLocation(res.body.toString('utf8'));
}

export async function headBucket(t: Transport, bucket: string, opts?: RequestOptions): Promise<BucketHead> {
  const res = await t.send({ operation: 'headBucket', method: 'HEAD', bucket, signal: opts?.signal });
  const out: BucketHead = {};
  const region = header(res.headers, 'x-amz-bucket-region') ?? header(res.headers, 'x-obs-bucket-location');
  if (region) {
    out.region = region;
  }
  if ((header(res.headers, 'x-obs-fs-file-interface') ?? '').toLowerCase() === 'enabled') {
    out.fileInterface = true;
  }
  return out;
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
