// `npm run bench` (via bench/run.sh): our transfer layer side by side with awscli and rclone against a bluestore RGW.
// Prints one table and appends it, with date and commit, to bench/RESULTS.md.

import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StorageClient, uploadObject } from '../src/storage';
import { keyFingerprint } from '../src/storage';
import { benchClient, env, MiB, OpResult } from './common';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench', '.data');
const OURS = join(ROOT, 'out', 'bench', 'ours.js');
const BUCKET = 'bench';
const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const LIST_KEYS = Number(process.env.BENCH_LIST_KEYS ?? 10_000);
const REKEY_OBJECTS = Number(process.env.BENCH_REKEY_OBJECTS ?? 200);
const REKEY_JOB_OBJECTS = Number(process.env.BENCH_REKEY_JOB_OBJECTS ?? 1000);
const GET_ITERATIONS = Number(process.env.BENCH_GET_ITERATIONS ?? 200);

interface Row {
  op: string;
  ours: string;
  theirs: string;
  ratio: string;
  ourRss: string;
  theirRss: string;
  note: string;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function fmtMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

function check(r: SpawnSyncReturns<string>, what: string): void {
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  }
}

function runOurs(args: string[]): OpResult {
  const r = spawnSync(process.execPath, ['--expose-gc', OURS, ...args], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 });
  check(r, `ours ${args[0]}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as OpResult;
}

/** Runs a peer tool under /usr/bin/time; returns seconds and its peak RSS (bytes) when measurable. */
function runTheirs(cmd: string, args: string[], extraEnv: Record<string, string>, what: string): { seconds: number; peakRss?: number; stdout: string } {
  const timeFile = join(DATA, 'time.txt');
  const argv = TIME ? [TIME, '-f', '%M', '-o', timeFile, cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...extraEnv }, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  check(r, what);
  let peakRss: number | undefined;
  if (TIME && existsSync(timeFile)) {
    const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    peakRss = Number.isFinite(kb) ? kb * 1024 : undefined;
  }
  return { seconds, peakRss, stdout: r.stdout };
}

function awsEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: env('RGW_ACCESS_KEY'), AWS_SECRET_ACCESS_KEY: env('RGW_SECRET_KEY'),
    AWS_DEFAULT_REGION: process.env.RGW_REGION ?? 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

function rcloneEnv(keyA: Buffer, keyB: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of [['SRCA', keyA], ['DSTB', keyB]] as const) {
    const p = `RCLONE_CONFIG_${name}_`;
    Object.assign(out, {
      [`${p}TYPE`]: 's3', [`${p}PROVIDER`]: 'Ceph', [`${p}ENDPOINT`]: env('RGW_HTTPS_ENDPOINT'),
      [`${p}ACCESS_KEY_ID`]: env('RGW_ACCESS_KEY'), [`${p}SECRET_ACCESS_KEY`]: env('RGW_SECRET_KEY'),
      [`${p}REGION`]: process.env.RGW_REGION ?? 'us-east-1', [`${p}FORCE_PATH_STYLE`]: 'true',
      [`${p}SSE_CUSTOMER_ALGORITHM`]: 'AES256', [`${p}SSE_CUSTOMER_KEY_BASE64`]: key.toString('base64'),
    });
  }
  return out;
}

/** What the storage client does not offer (bucket creation, ACLs) goes through awscli. */
function awsApi(args: string[], what: string, tolerate?: RegExp): void {
  const r = spawnSync(AWS, ['s3api', ...args, '--endpoint-url', env('RGW_HTTP_ENDPOINT')], { encoding: 'utf8', env: { ...process.env, ...awsEnv() } });
  if (r.status !== 0 && !(tolerate && tolerate.test(r.stderr ?? ''))) {
    check(r, what);
  }
}

function cmpFiles(a: string, b: string): void {
  const r = spawnSync('cmp', [a, b], { encoding: 'utf8' });
  check(r, `cmp ${a} ${b}`);
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      await fn(items[next++]);
    }
  }));
}

function mibps(bytes: number, seconds: number): number {
  return bytes / MiB / seconds;
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const bigFile = join(DATA, '1g.bin');
  const size = statSync(bigFile).size;
  const keyAFile = join(DATA, 'keyA.bin');
  const keyBFile = join(DATA, 'keyB.bin');
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  writeFileSync(keyAFile, keyA, { mode: 0o600 });
  writeFileSync(keyBFile, keyB, { mode: 0o600 });
  writeFileSync(join(DATA, 'rclone.conf'), '');

  const client: StorageClient = benchClient();
  awsApi(['create-bucket', '--bucket', BUCKET], 'aws s3api create-bucket', /BucketAlreadyOwnedByYou|BucketAlreadyExists/);
  const rows: Row[] = [];
  const endpoint = env('RGW_HTTP_ENDPOINT');
  const aws = awsEnv();
  const sseArgs = (keyFile: string): string[] => ['--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`];

  // 1) 1 GiB SSE-C upload
  log(`1/5 upload ${fmtMiB(size)} SSE-C`);
  const up = runOurs(['upload', bigFile, BUCKET, 'big/ours.bin', keyAFile]);
  const upAws = runTheirs(AWS, ['s3', 'cp', bigFile, `s3://${BUCKET}/big/aws.bin`, ...sseArgs(keyAFile), '--endpoint-url', endpoint, '--only-show-errors'], aws, 'aws s3 cp (upload)');
  rows.push(row('1 GiB SSE-C upload', mibps(up.amount, up.seconds), mibps(size, upAws.seconds), 'MiB/s', 'awscli', up, upAws.peakRss,
    `ours: ${String(up.extra?.parts)} parts x 8 MiB, 4 in flight; awscli defaults (8 MiB, 10 threads)`));

  // rclone speaks SSE-C only over HTTPS; its rows are over the HTTPS endpoint.
  const rc = { ...rcloneEnv(keyA, keyB), AWS_CA_BUNDLE: '' };
  const rcArgs = ['--ca-cert', env('RGW_CA_FILE'), '--config', join(DATA, 'rclone.conf')];
  const upRclone = runTheirs('rclone', ['copyto', bigFile, `srca:${BUCKET}/big/rclone.bin`, ...rcArgs], rc, 'rclone copyto (upload)');
  rows.push(row('1 GiB SSE-C upload', mibps(up.amount, up.seconds), mibps(size, upRclone.seconds), 'MiB/s', 'rclone', up, upRclone.peakRss,
    'rclone defaults over HTTPS (it refuses SSE-C over HTTP); ours over HTTP'));

  // 2) 1 GiB SSE-C download (both of the object we uploaded, both to a file)
  log('2/5 download SSE-C');
  const dlOurs = join(DATA, 'dl-ours.bin');
  const dlAws = join(DATA, 'dl-aws.bin');
  const down = runOurs(['download', BUCKET, 'big/ours.bin', keyAFile, dlOurs]);
  const downAws = runTheirs(AWS, ['s3', 'cp', `s3://${BUCKET}/big/ours.bin`, dlAws, ...sseArgs(keyAFile), '--endpoint-url', endpoint, '--only-show-errors'], aws, 'aws s3 cp (download)');
  cmpFiles(bigFile, dlOurs);
  cmpFiles(bigFile, dlAws);
  rows.push(row('1 GiB SSE-C download', mibps(down.amount, down.seconds), mibps(size, downAws.seconds), 'MiB/s', 'awscli', down, downAws.peakRss,
    'ours: 8 MiB ranges, 4 in flight, in order, to a file; both byte-identical (cmp)'));

  const dlRclone = join(DATA, 'dl-rclone.bin');
  const downRclone = runTheirs('rclone', ['copyto', `srca:${BUCKET}/big/ours.bin`, dlRclone, ...rcArgs], rc, 'rclone copyto (download)');
  cmpFiles(bigFile, dlRclone);
  rows.push(row('1 GiB SSE-C download', mibps(down.amount, down.seconds), mibps(size, downRclone.seconds), 'MiB/s', 'rclone', down, downRclone.peakRss,
    'rclone defaults over HTTPS; ours over HTTP; byte-identical (cmp)'));
  for (const f of [dlOurs, dlAws, dlRclone]) {
    rmSync(f, { force: true });
  }

  // 3) list 10,000 keys
  log(`3/5 list ${LIST_KEYS} keys (creating them first)`);
  const names = Array.from({ length: LIST_KEYS }, (_, i) => `list/k${String(i).padStart(6, '0')}`);
  await pool(names, 32, async (k) => {
    await client.putObject(BUCKET, k, new Uint8Array(0));
  });
  const list = runOurs(['list', BUCKET, 'list/']);
  const listAws = runTheirs(AWS, ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', 'list/', '--query', 'length(Contents)', '--endpoint-url', endpoint], aws, 'aws s3api list-objects-v2');
  if (list.amount !== LIST_KEYS || Number(listAws.stdout.trim()) !== LIST_KEYS) {
    throw new Error(`listing counted ours=${list.amount} aws=${listAws.stdout.trim()}, expected ${LIST_KEYS}`);
  }
  rows.push(row(`list ${LIST_KEYS} keys`, list.amount / list.seconds, LIST_KEYS / listAws.seconds, 'objects/s', 'awscli s3api', list, listAws.peakRss,
    'pages of 1000 (ListObjectsV2); aws time includes its start-up'));

  const listRclone = runTheirs('rclone', ['lsf', `srca:${BUCKET}/list/`, ...rcArgs], rc, 'rclone lsf');
  const rcloneCount = listRclone.stdout.split('\n').filter((l) => l.trim() !== '').length;
  if (rcloneCount !== LIST_KEYS) {
    throw new Error(`rclone listed ${rcloneCount} keys, expected ${LIST_KEYS}`);
  }
  rows.push(row(`list ${LIST_KEYS} keys`, list.amount / list.seconds, LIST_KEYS / listRclone.seconds, 'objects/s', 'rclone lsf', list, listRclone.peakRss,
    'rclone over HTTPS; its time includes its start-up'));

  // 4) re-key 200 x 1 MiB SSE-C objects A -> B over HTTPS
  log(`4/5 re-key ${REKEY_OBJECTS} x 1 MiB SSE-C A -> B`);
  const srcKeys = Array.from({ length: REKEY_OBJECTS }, (_, i) => `rekey/src/o${String(i).padStart(4, '0')}.bin`);
  const payload = randomBytes(MiB);
  await pool(srcKeys, 8, async (k) => {
    await uploadObject(client, BUCKET, k, { kind: 'bytes', data: payload }, { encryption: { type: 'sse-c', key: keyA } });
  });
  const rekey = runOurs(['rekey', BUCKET, 'rekey/src/', 'rekey/ours/', keyAFile, keyBFile, '8']);
  const rclone = runTheirs('rclone', ['copy', `srca:${BUCKET}/rekey/src`, `dstb:${BUCKET}/rekey/rclone`, '--transfers', '8',
    '--ca-cert', env('RGW_CA_FILE'), '--config', join(DATA, 'rclone.conf')], { ...rcloneEnv(keyA, keyB), AWS_CA_BUNDLE: '' }, 'rclone copy');
  for (const prefix of ['rekey/ours/', 'rekey/rclone/']) {
    const page = await client.listObjects(BUCKET, { prefix, maxKeys: 1000 });
    if (page.objects.length !== REKEY_OBJECTS) {
      throw new Error(`${prefix}: ${page.objects.length} objects, expected ${REKEY_OBJECTS}`);
    }
    const head = await client.headObject(BUCKET, page.objects[0].key, { sseCustomerKey: keyB });
    if (head.encryption.type !== 'sse-c' || head.encryption.keyMd5 !== keyFingerprint(keyB)) {
      throw new Error(`${prefix}: not encrypted with key B`);
    }
  }
  rows.push(row(`re-key ${REKEY_OBJECTS} x 1 MiB SSE-C`, rekey.amount / rekey.seconds, REKEY_OBJECTS / rclone.seconds, 'objects/s', 'rclone copy --transfers 8', rekey, rclone.peakRss,
    `HTTPS; ours 8 at once, paths ${JSON.stringify(rekey.extra?.paths)}; both verified readable with B`));

  // 4b) re-key a prefix of 1,000 x 256 KiB through the product's job engine (in place) vs rclone copy between two remotes
  log(`4b/5 re-key job: ${REKEY_JOB_OBJECTS} x 256 KiB SSE-C A -> B`);
  const small = randomBytes(256 * 1024);
  const jobKeys = Array.from({ length: REKEY_JOB_OBJECTS }, (_, i) => `o${String(i).padStart(4, '0')}.bin`);
  await pool(jobKeys, 8, async (k) => {
    for (const prefix of ['rkjob/ours/', 'rkjob/src/']) {
      await uploadObject(client, BUCKET, prefix + k, { kind: 'bytes', data: small }, { encryption: { type: 'sse-c', key: keyA } });
    }
  });
  const job = runOurs(['rekeyjob', BUCKET, 'rkjob/ours/', keyAFile, keyBFile, '8']);
  const rcloneJob = runTheirs('rclone', ['copy', `srca:${BUCKET}/rkjob/src`, `dstb:${BUCKET}/rkjob/rclone`, '--transfers', '8',
    '--ca-cert', env('RGW_CA_FILE'), '--config', join(DATA, 'rclone.conf')], { ...rcloneEnv(keyA, keyB), AWS_CA_BUNDLE: '' }, 'rclone copy');
  for (const prefix of ['rkjob/ours/', 'rkjob/rclone/']) {
    const listed = await client.listObjects(BUCKET, { prefix, maxKeys: 1000 });
    const head = await client.headObject(BUCKET, listed.objects[listed.objects.length - 1].key, { sseCustomerKey: keyB });
    if (listed.objects.length !== Math.min(1000, REKEY_JOB_OBJECTS) || head.encryption.type !== 'sse-c' || head.encryption.keyMd5 !== keyFingerprint(keyB)) {
      throw new Error(`${prefix}: not all re-keyed to B`);
    }
  }
  rows.push(row(`re-key ${REKEY_JOB_OBJECTS} x 256 KiB prefix (job)`, job.amount / job.seconds, REKEY_JOB_OBJECTS / rcloneJob.seconds, 'objects/s', 'rclone copy --transfers 8', job, rcloneJob.peakRss,
    `HTTPS; obs.reencrypt's engine in place, 8 at once, paths ${JSON.stringify(job.extra?.paths)}; rclone copies to another prefix with key B; both checked with B`));

  // 5) 1 MiB GET: our client vs a bare undici GET (overhead of signing, parsing, error handling)
  log(`5/5 ${GET_ITERATIONS} x 1 MiB GET, ours vs bare undici`);
  await client.putObject(BUCKET, 'get/1m.bin', payload);
  awsApi(['put-object-acl', '--bucket', BUCKET, '--key', 'get/1m.bin', '--acl', 'public-read'], 'aws s3api put-object-acl');
  const get = runOurs(['get1m', BUCKET, 'get/1m.bin', String(GET_ITERATIONS)]);
  const bareSeconds = Number(get.extra?.bareSeconds);
  rows.push(row('1 MiB GET (sequential)', mibps(get.amount, get.seconds), mibps(Number(get.extra?.bareBytes), bareSeconds), 'MiB/s', 'bare undici GET', get, undefined,
    `${GET_ITERATIONS} GETs each after 20 warm-up; per GET ours ${(get.seconds / GET_ITERATIONS * 1000).toFixed(2)} ms vs ${(bareSeconds / GET_ITERATIONS * 1000).toFixed(2)} ms`));

  await client.dispose();
  report(rows);
}

function row(op: string, ours: number, theirs: number, unit: string, tool: string, r: OpResult, theirRss: number | undefined, note: string): Row {
  const rssDelta = Math.max(0, r.peakRss - r.idleRss);
  return {
    op,
    ours: `${ours.toFixed(1)} ${unit}`,
    theirs: `${tool}: ${theirs.toFixed(1)} ${unit}`,
    ratio: (ours / theirs).toFixed(2),
    ourRss: `${(rssDelta / MiB).toFixed(0)} MiB`,
    theirRss: theirRss === undefined ? '-' : `${(theirRss / MiB).toFixed(0)} MiB`,
    note,
  };
}

function report(rows: Row[]): void {
  const header = '| operation | ours | theirs | ratio ours/theirs | our peak RSS above idle | their peak RSS | notes |';
  const sep = '|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => `| ${r.op} | ${r.ours} | ${r.theirs} | ${r.ratio} | ${r.ourRss} | ${r.theirRss} | ${r.note} |`);
  const table = [header, sep, ...lines].join('\n');
  process.stdout.write(`\n${table}\n\n`);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src/storage', 'bench'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' (working tree modified)' : '';
  const cpus = spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim();
  const results = join(ROOT, 'bench', 'RESULTS.md');
  if (!existsSync(results)) {
    writeFileSync(results, '# Benchmark results\n\n`npm run bench` appends one table per run. RGW 16.2.15 on bluestore (sparse file), loopback; '
      + 'ratio > 1 means ours is faster. RSS: ours is the peak of the measuring process above its idle RSS; theirs is the tool\'s '
      + 'whole peak RSS (/usr/bin/time %M).\n');
  }
  appendFileSync(results, `\n## ${new Date().toISOString()} - commit ${commit}${dirty} - ${cpus} CPUs, node ${process.version}\n\n${table}\n`);
  log(`appended to ${results}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`[bench] FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
