// The limit each bench row is measured against: a bare undici client doing the same requests at the same
// concurrency, signed with our SigV4 signer (UNSIGNED-PAYLOAD), the three SSE-C headers where the object has a key,
// and nothing else: no retries, no verification, no parsing beyond what the next request needs.
// usage: node out/bench/bare.js <op> [args...]   (prints one JSON line, like ours.js)

import { createHash } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { encodeKey, type QueryParams, buildQuery } from '../src/storage/encode';
import { signV4, UNSIGNED_PAYLOAD } from '../src/storage/signing/sigv4';
import { fileRanges } from '../src/storage/transfer/download';
import { benchEndpoint, childMain, env, LabelQueue, measure, OpResult, PART_SIZE, pool, TRANSFER_CONCURRENCY, TREE_LOOKUPS, TREE_PAGE } from './common';

type Body = Buffer | Readable | undefined;

class Bare {
  private readonly agent: Agent;
  private readonly origin: string;
  private readonly host: string;
  requests = 0;

  constructor() {
    const { url, https } = benchEndpoint();
    this.origin = url.replace(/\/$/, '');
    this.host = new URL(url).host;
    this.agent = new Agent({
      connections: 16,
      connect: https ? { secureContext: createSecureContext({ ca: readFileSync(env('RGW_CA_FILE'), 'utf8') }) } : {},
    });
  }

  async send(method: string, bucket: string, key: string, query: QueryParams, headers: Record<string, string>, body?: Body): Promise<Dispatcher.ResponseData> {
    const path = `/${bucket}${key === '' ? '' : `/${encodeKey(key)}`}`;
    const signed = signV4({ method, path, query, headers: { ...headers, host: this.host } }, {
      accessKeyId: env('RGW_ACCESS_KEY'), secretAccessKey: env('RGW_SECRET_KEY'), region: process.env.RGW_REGION ?? 'us-east-1',
      date: new Date(), payloadHash: UNSIGNED_PAYLOAD,
    });
    const qs = buildQuery(query);
    this.requests++;
    // reset: false keeps the connection after a HEAD (undici closes it by default), as ours does.
    const res = await this.agent.request({ origin: this.origin, path: qs ? `${path}?${qs}` : path, method: method as Dispatcher.HttpMethod, headers: { ...headers, ...signed.headers }, body, reset: false });
    if (res.statusCode >= 300) {
      const text = await res.body.text();
      throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    }
    return res;
  }

  async text(method: string, bucket: string, key: string, query: QueryParams, headers: Record<string, string> = {}, body?: Body): Promise<string> {
    return (await this.send(method, bucket, key, query, headers, body)).body.text();
  }

  async drain(method: string, bucket: string, key: string, query: QueryParams, headers: Record<string, string> = {}, body?: Body): Promise<Dispatcher.ResponseData> {
    const res = await this.send(method, bucket, key, query, headers, body);
    await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    return res;
  }

  /** A whole object into memory. */
  async getBytes(bucket: string, key: string, headers: Record<string, string>): Promise<Buffer> {
    const res = await this.send('GET', bucket, key, [], headers);
    const chunks: Buffer[] = [];
    for await (const c of res.body) {
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** One listing page: its keys (and common prefixes) and the next continuation token. */
  async listPage(bucket: string, prefix: string, maxKeys: number, continuation?: string, delimiter?: string): Promise<{ keys: string[]; prefixes: number; next?: string }> {
    const q: QueryParams = [['list-type', '2'], ['max-keys', String(maxKeys)], ['prefix', prefix]];
    if (delimiter) {
      q.push(['delimiter', delimiter]);
    }
    if (continuation) {
      q.push(['continuation-token', continuation]);
    }
    const xml = await this.text('GET', bucket, '', q);
    const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]));
    const prefixes = (xml.match(/<CommonPrefixes>/g) ?? []).length;
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    const next = truncated ? unescapeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '') : undefined;
    return { keys, prefixes, next };
  }

  async listAll(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let next: string | undefined;
    do {
      const page = await this.listPage(bucket, prefix, 1000, next);
      keys.push(...page.keys);
      next = page.next;
    } while (next);
    return keys;
  }

  /** Multipart upload, parts of PART_SIZE, TRANSFER_CONCURRENCY in flight; `part(n)` gives part n's body. */
  async multipart(bucket: string, key: string, size: number, sse: Record<string, string>, part: (offset: number, length: number) => Body): Promise<number> {
    const init = await this.text('POST', bucket, key, [['uploads', '']], sse);
    const uploadId = unescapeXml(/<UploadId>([^<]*)</.exec(init)?.[1] ?? '');
    const count = Math.ceil(size / PART_SIZE);
    const etags: string[] = new Array<string>(count);
    await pool(Array.from({ length: count }, (_, i) => i), TRANSFER_CONCURRENCY, async (i) => {
      const offset = i * PART_SIZE;
      const length = Math.min(PART_SIZE, size - offset);
      const res = await this.drain('PUT', bucket, key, [['partNumber', String(i + 1)], ['uploadId', uploadId]],
        { ...sse, 'content-length': String(length) }, part(offset, length));
      etags[i] = String(res.headers.etag);
    });
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    await this.text('POST', bucket, key, [['uploadId', uploadId]], { ...sse, 'content-type': 'application/xml' }, Buffer.from(xml));
    return count;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, '\'').replace(/&#x?[0-9a-fA-F]+;/g, (m) =>
    String.fromCodePoint(m[2] === 'x' ? parseInt(m.slice(3, -1), 16) : parseInt(m.slice(2, -1), 10))).replace(/&amp;/g, '&');
}

/** The three SSE-C request headers for a key file. */
function sseHeaders(keyFile: string): Record<string, string> {
  const key = readFileSync(keyFile);
  return {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': key.toString('base64'),
    'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
  };
}

async function main(): Promise<OpResult> {
  const [op, ...args] = process.argv.slice(2);
  const bare = new Bare();
  try {
    switch (op) {
      case 'upload': {
        const [file, bucket, key, keyFile] = args;
        const sse = sseHeaders(keyFile);
        const size = statSync(file).size;
        return await measure(async () => {
          const parts = await bare.multipart(bucket, key, size, sse, (offset, length) => createReadStream(file, { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 }));
          return { amount: size, extra: { parts, requests: bare.requests } };
        });
      }
      case 'download': {
        // HEAD for the size, then the same ranges as ours (fileRanges: the first PART_SIZE, the rest up to 64 MiB),
        // TRANSFER_CONCURRENCY in flight, each range's bytes gathered in 256 KiB and written at their offset.
        const [bucket, key, keyFile, out] = args;
        const sse = sseHeaders(keyFile);
        return await measure(async () => {
          const head = await bare.drain('HEAD', bucket, key, [], sse);
          const size = Number(head.headers['content-length']);
          const ranges = fileRanges(size, PART_SIZE, { concurrency: TRANSFER_CONCURRENCY });
          const fh = await open(out, 'w');
          try {
            await pool(ranges, TRANSFER_CONCURRENCY, async ([start, end]) => {
              const res = await bare.send('GET', bucket, key, [], { ...sse, range: `bytes=${start}-${end}` });
              const buf = Buffer.allocUnsafe(256 * 1024);
              let fill = 0;
              let pos = start;
              for await (const c of res.body) {
                const b = c as Buffer;
                for (let off = 0; off < b.length;) {
                  const n = b.copy(buf, fill, off);
                  fill += n;
                  off += n;
                  if (fill === buf.length) {
                    await fh.write(buf, 0, fill, pos);
                    pos += fill;
                    fill = 0;
                  }
                }
              }
              if (fill > 0) {
                await fh.write(buf, 0, fill, pos);
              }
            });
          } finally {
            await fh.close();
          }
          return { amount: size, extra: { requests: bare.requests } };
        });
      }
      case 'list': {
        const [bucket, prefix] = args;
        return await measure(async () => ({ amount: (await bare.listAll(bucket, prefix)).length }));
      }
      case 'open': {
        // The editor's read: the whole object into memory, after one warm-up GET of a small object (warm connection).
        const [bucket, key, warmKey, keyFile, iterations] = args;
        const sse = sseHeaders(keyFile);
        await bare.getBytes(bucket, warmKey, sse);
        const times: number[] = [];
        return await measure(async () => {
          let bytes = 0;
          for (let i = 0; i < Number(iterations); i++) {
            const t0 = process.hrtime.bigint();
            bytes += (await bare.getBytes(bucket, key, sse)).length;
            times.push(Number(process.hrtime.bigint() - t0) / 1e9);
          }
          return { amount: bytes, extra: { times } };
        });
      }
      case 'save': {
        // One PUT below 16 MiB, else multipart from memory (PART_SIZE x TRANSFER_CONCURRENCY).
        const [bucket, key, keyFile, mib] = args;
        const sse = sseHeaders(keyFile);
        const data = Buffer.alloc(Number(mib) * 1024 * 1024, 7);
        return await measure(async () => {
          if (data.length < 16 * 1024 * 1024) {
            await bare.drain('PUT', bucket, key, [], { ...sse, 'content-length': String(data.length) }, data);
          } else {
            await bare.multipart(bucket, key, data.length, sse, (offset, length) => data.subarray(offset, offset + length));
          }
          return { amount: data.length, extra: { requests: bare.requests } };
        });
      }
      case 'expand': {
        // The tree's folder expansion without the product (see ours.ts): pages of TREE_PAGE (delimiter /), one keyed
        // HEAD per listed object queued, TREE_LOOKUPS at once, in the background.
        const [bucket, prefix, keyFile, waitAll] = args;
        const sse = sseHeaders(keyFile);
        return await measure(async () => {
          const t0 = process.hrtime.bigint();
          const queue = new LabelQueue(TREE_LOOKUPS, async (k) => {
            await bare.drain('HEAD', bucket, k, [], sse);
          });
          let firstSeconds = 0;
          let objects = 0;
          let next: string | undefined;
          do {
            const page = await bare.listPage(bucket, prefix, TREE_PAGE, next, '/');
            queue.add(page.keys);
            objects += page.keys.length;
            if (!firstSeconds) {
              await queue.idle();
              firstSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
            }
            next = page.next;
          } while (next);
          const listedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
          if (waitAll === 'all') {
            await queue.idle();
          }
          await queue.stop();
          const labelled = queue.done;
          return { amount: objects, extra: { firstSeconds, listedSeconds, labelled } };
        });
      }
      case 'rekey': {
        // In place: GET with the old key, PUT with the new one, `width` objects at once.
        const [bucket, prefix, fromFile, toFile, width] = args;
        const from = sseHeaders(fromFile);
        const to = sseHeaders(toFile);
        return await measure(async () => {
          const keys = await bare.listAll(bucket, prefix);
          await pool(keys, Number(width), async (k) => {
            const data = await bare.getBytes(bucket, k, from);
            await bare.drain('PUT', bucket, k, [], { ...to, 'content-length': String(data.length) }, data);
          });
          return { amount: keys.length, extra: { requests: bare.requests } };
        });
      }
      case 'dlprefix': {
        const [bucket, prefix, keyFile, outDir, width] = args;
        const sse = sseHeaders(keyFile);
        await mkdir(outDir, { recursive: true });
        return await measure(async () => {
          const keys = await bare.listAll(bucket, prefix);
          await pool(keys, Number(width), async (k) => {
            await writeFile(join(outDir, k.slice(prefix.length)), await bare.getBytes(bucket, k, sse));
          });
          return { amount: keys.length, extra: { requests: bare.requests } };
        });
      }
      default:
        throw new Error(`unknown op ${op}`);
    }
  } finally {
    await bare.close();
  }
}

childMain('bare.js', main);
