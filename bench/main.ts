// `npm run bench` (via bench/run.sh): the product side by side with awscli, rclone and the bare-undici limit against a
// bluestore RGW. Every figure is the median of BENCH_RUNS (default 3) alternating runs (ours, peers, bare, ours, ...);
// ratios are taken per run and shown as median (min-max). Prints the tables and appends them, with date and commit,
// to bench/RESULTS.md. Fails loudly when any tool produced a wrong result (cmp, counts, key MD5 of the result).

import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { keyFingerprint, StorageClient, uploadObject } from '../src/storage';
import { env, median, MiB, OpResult, PART_SIZE, pool, TRANSFER_CONCURRENCY, TREE_LOOKUPS, TREE_PAGE } from './common';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench', '.data');
const OUT = join(ROOT, 'out', 'bench');
const BUCKET = 'bench';
const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const HTTP_SIZE_MIB = Number(process.env.BENCH_HTTP_SIZE_MIB ?? 32);
const TREE_KEYS = Number(process.env.BENCH_LIST_KEYS ?? 10_000);
const REKEY_OBJECTS = Number(process.env.BENCH_REKEY_JOB_OBJECTS ?? 1000);
const DL_OBJECTS = Number(process.env.BENCH_DL_OBJECTS ?? 1000);
const DL_OBJECT_BYTES = 16 * 1024;
const OPEN_ITERATIONS = 9;
const EXPAND_ALL = process.env.BENCH_EXPAND_ALL === '1';
const THROTTLE_SHARE = Number(process.env.BENCH_THROTTLE_SHARE ?? 0.6);
const PREFIX_WIDTH = 8;
/** Fresh destination prefixes per invocation (rclone skips what a destination already has). */
const STAMP = Date.now().toString(36);

let lastLog = Date.now();
function log(msg: string): void {
  const now = Date.now();
  process.stderr.write(`[bench] ${new Date(now).toISOString().slice(11, 19)} (+${((now - lastLog) / 1000).toFixed(0)} s) ${msg}\n`);
  lastLog = now;
}

/** One run of one tool: seconds it took, what it handled, its peak RSS above idle. */
interface Sample {
  seconds: number;
  /** A peer's wall time with its start-up. */
  raw?: number;
  /** Start-up was over 90% of a peer's wall time (its net figure is floored). */
  startupBound?: boolean;
  amount: number;
  rss?: number;
  extra?: Record<string, unknown>;
  /** CPU seconds the store's own daemons (RGW + OSD) used during this run. */
  server?: number;
}

interface Tool {
  name: string;
  run: (i: number) => Sample;
}

/** BENCH_RUNS rounds; each round runs every tool once, in order (A B C A B C ...). */
function alternate(tools: Tool[], runs = RUNS): Record<string, Sample[]> {
  const out: Record<string, Sample[]> = Object.fromEntries(tools.map((t) => [t.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const t of tools) {
      out[t.name].push(withServerCpu(() => t.run(i)));
    }
  }
  return out;
}

function check(r: SpawnSyncReturns<string>, what: string): void {
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  }
}

function child(script: 'ours' | 'bare', args: string[], extraEnv: Record<string, string> = {}): Sample {
  const r = spawnSync(process.execPath, ['--expose-gc', join(OUT, `${script}.js`), ...args], { encoding: 'utf8', env: { ...process.env, ...extraEnv }, maxBuffer: 1 << 20 });
  check(r, `${script} ${args[0]}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as OpResult;
  return { seconds: res.seconds, amount: res.amount, rss: Math.max(0, res.peakRss - res.idleRss), extra: res.extra };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
const CORES = Number(spawnSync('nproc', [], { encoding: 'utf8' }).stdout?.trim()) || 1;

/** CPU seconds (user + system) the store's daemons (RGW and its OSD) have used so far; undefined if unreadable. */
function serverCpu(): number | undefined {
  try {
    const run = join(env('RGW_DATA_DIR'), 'run');
    let ticks = 0;
    for (const f of ['client.rgw.a.pid', 'osd.0.pid']) {
      const pid = readFileSync(join(run, f), 'utf8').trim();
      // After "pid (comm) ", the fields start at the state (field 3): utime and stime are fields 14 and 15.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return Number.isFinite(ticks) ? ticks / CLK_TCK : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one sample and records the store's CPU during it. */
function withServerCpu(run: () => Sample): Sample {
  const before = serverCpu();
  const s = run();
  const after = serverCpu();
  return before === undefined || after === undefined ? s : { ...s, server: after - before };
}

/** The store's own CPU per run, and the best any client could do on this machine's cores with that much spent. */
const serverLines: string[] = [];
function addServerLine(op: string, runs: Record<string, Sample[]>, unitAmount: (s: Sample) => number, unit: string): void {
  for (const [tool, samples] of Object.entries(runs)) {
    const cpu = samples.map((x) => x.server).filter((x): x is number => x !== undefined);
    if (cpu.length === 0) {
      continue;
    }
    const per = median(cpu);
    const amount = unitAmount(samples[0]);
    serverLines.push(`| ${op} | ${tool} | ${per.toFixed(2)} s | ${(amount / (per / CORES)).toFixed(amount >= 100 ? 0 : 1)} ${unit} |`);
  }
}

const ours = (args: string[], extraEnv?: Record<string, string>): Sample => child('ours', args, extraEnv);
const bare = (args: string[], extraEnv?: Record<string, string>): Sample => child('bare', args, extraEnv);

/** A peer tool under /usr/bin/time: wall seconds, whole peak RSS, stdout. */
function peer(cmd: string, args: string[], extraEnv: Record<string, string>, what: string): { seconds: number; peakRss?: number; stdout: string } {
  const timeFile = join(DATA, 'time.txt');
  rmSync(timeFile, { force: true });
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

/** Start-up of each peer (a tiny request), measured separately and subtracted from its figures. */
const startup: Record<string, { seconds: number; rss?: number }> = {};

function peerSample(tool: 'awscli' | 'rclone', cmd: string, args: string[], extraEnv: Record<string, string>, amount: number, what: string): Sample & { stdout: string } {
  const r = peer(cmd, args, extraEnv, what);
  const s = startup[tool];
  // A net time under 10% of the wall time means start-up is nearly all of it: floored there and flagged.
  const net = r.seconds - (s?.seconds ?? 0);
  return {
    seconds: Math.max(net, r.seconds / 10), startupBound: net < r.seconds / 10, amount, stdout: r.stdout, raw: r.seconds,
    rss: r.peakRss === undefined ? undefined : Math.max(0, r.peakRss - (s?.rss ?? 0)),
  };
}

function cmpFiles(a: string, b: string): void {
  check(spawnSync('cmp', [a, b], { encoding: 'utf8' }), `cmp ${a} ${b}`);
}

// ---- the tables ----

type Unit = 'MiB/s' | 'objects/s' | 'ms' | 's';

interface Line {
  op: string;
  unit: Unit;
  /** Each run's figure (for 'ms'/'s': time, lower is better; else a rate, higher is better). */
  ours: number[];
  bare?: number[];
  peer?: { name: string; figures: number[]; raw?: number[]; startupBound?: boolean };
  rss: { ours: Array<number | undefined>; bare?: Array<number | undefined>; peer?: Array<number | undefined> };
  note: string;
}

const tables: Array<{ title: string; lines: Line[] }> = [];
let current: Line[] = [];

function table(title: string): void {
  current = [];
  tables.push({ title, lines: current });
}

const rate = (s: Sample, unit: Unit): number => {
  switch (unit) {
    case 'MiB/s': return s.amount / MiB / s.seconds;
    case 'objects/s': return s.amount / s.seconds;
    case 'ms': return s.seconds * 1000;
    case 's': return s.seconds;
  }
};

function addLine(op: string, unit: Unit, runs: Record<string, Sample[]>, peerName: string | undefined, note: string, figure = (s: Sample) => rate(s, unit)): void {
  const p = peerName ? runs[peerName] : undefined;
  current.push({
    op, unit, note,
    ours: runs.ours.map(figure),
    bare: runs.bare?.map(figure),
    peer: peerName && p ? { name: peerName, figures: p.map(figure), raw: p.every((x) => x.raw !== undefined) ? p.map((x) => figure({ ...x, seconds: x.raw! })) : undefined, startupBound: p.some((x) => x.startupBound) } : undefined,
    rss: { ours: runs.ours.map((s) => s.rss), bare: runs.bare?.map((s) => s.rss), peer: p?.map((s) => s.rss) },
  });
}

function fmt(x: number, unit: Unit): string {
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return `${x.toFixed(digits)} ${unit}`;
}

/** Ours against another, per run: > 1 means ours is faster (for times, theirs / ours). */
function ratio(oursFig: number[], other: number[], unit: Unit): string {
  const lowerIsBetter = unit === 'ms' || unit === 's';
  const rs = oursFig.map((o, i) => (lowerIsBetter ? other[i] / o : o / other[i]));
  return `**${median(rs).toFixed(2)}** (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`;
}

function fmtRss(xs: Array<number | undefined> | undefined): string {
  const known = (xs ?? []).filter((x): x is number => x !== undefined);
  return known.length ? `${(Math.max(...known) / MiB).toFixed(0)}` : '-';
}

function render(): string {
  const parts: string[] = [];
  for (const t of tables) {
    parts.push(`${t.title}\n`);
    parts.push('| operation | ours | bare limit | ours/limit | peer (start-up subtracted) | ours/peer | peak RSS above idle, MiB: ours / bare / peer | notes |');
    parts.push('|---|---|---|---|---|---|---|---|');
    for (const l of t.lines) {
      const bareCol = l.bare ? fmt(median(l.bare), l.unit) : '-';
      const limit = l.bare ? ratio(l.ours, l.bare, l.unit) : '-';
      const peerCol = l.peer ? `${l.peer.name}: ${fmt(median(l.peer.figures), l.unit)}${l.peer.startupBound ? ' (start-up was over 90% of its time: net figure floored at 10% of its wall time)' : ''}` : '-';
      const vsPeer = l.peer ? `${ratio(l.ours, l.peer.figures, l.unit)}${l.peer.raw ? `; with its start-up ${ratio(l.ours, l.peer.raw, l.unit).replace(/\*\*/g, '')}` : ''}` : '-';
      parts.push(`| ${l.op} | ${fmt(median(l.ours), l.unit)} | ${bareCol} | ${limit} | ${peerCol} | ${vsPeer} | ${fmtRss(l.rss.ours)} / ${fmtRss(l.rss.bare)} / ${fmtRss(l.rss.peer)} | ${l.note} |`);
    }
    parts.push('');
  }
  if (serverLines.length) {
    parts.push(`### The store's own CPU (RGW + OSD, on the same ${CORES} cores as the clients), median per run\n`);
    parts.push(`What the store itself spent while each tool ran, read from /proc. The last column is the best rate any client could reach on ${CORES} cores with the store spending that much and the client nothing: a bound, not a measurement.\n`);
    parts.push('| operation | tool | store CPU per run | bound on this machine |');
    parts.push('|---|---|---|---|');
    parts.push(...serverLines);
    parts.push('');
  }
  return parts.join('\n');
}

// ---- the peers' settings ----

function awsEnv(https: boolean, configFile: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: env('RGW_ACCESS_KEY'), AWS_SECRET_ACCESS_KEY: env('RGW_SECRET_KEY'),
    AWS_DEFAULT_REGION: process.env.RGW_REGION ?? 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...(https ? { AWS_CA_BUNDLE: env('RGW_CA_FILE') } : {}),
  };
}

/** An awscli config with our part size and concurrency (`s3 = multipart_chunksize ...`). */
function awsConfig(name: string, concurrency: number): string {
  const file = join(DATA, name);
  writeFileSync(file, `[default]\ns3 =\n  multipart_chunksize = ${PART_SIZE / MiB}MB\n  multipart_threshold = 16MB\n  max_concurrent_requests = ${concurrency}\n`);
  return file;
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

/** What the storage client does not offer (bucket creation) goes through awscli. */
function awsApi(args: string[], what: string, tolerate?: RegExp): void {
  const r = spawnSync(AWS, ['s3api', ...args, '--endpoint-url', env('RGW_HTTP_ENDPOINT')], { encoding: 'utf8', env: { ...process.env, ...awsEnv(false, '/dev/null') } });
  if (r.status !== 0 && !(tolerate && tolerate.test(r.stderr ?? ''))) {
    check(r, what);
  }
}

// ---- the throttling proxy (its own process) ----

async function withProxy<T>(perSecond: number, body: (endpoint: string) => T): Promise<{ result: T; stats: Record<string, number> }> {
  const dir = dirname(env('RGW_CA_FILE')); // the RGW's own certificate and key (test/server/start.sh)
  const p = spawn(process.execPath, [join(OUT, 'proxy.js'), env('RGW_HTTP_ENDPOINT'), join(dir, 'cert.pem'), join(dir, 'key.pem'), String(perSecond)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) {
    throw new Error('throttling proxy did not start');
  }
  const { endpoint } = JSON.parse(String(first.value)) as { endpoint: string };
  try {
    const result = body(endpoint);
    p.kill('SIGTERM');
    const last = await lines.next();
    return { result, stats: JSON.parse(String(last.value)) as Record<string, number> };
  } finally {
    p.kill('SIGKILL');
  }
}

// ---- checks ----

async function listCount(client: StorageClient, prefix: string): Promise<number> {
  let n = 0;
  let continuation: string | undefined;
  do {
    const page = await client.listObjects(BUCKET, { prefix, maxKeys: 1000, continuation });
    n += page.objects.length;
    continuation = page.isTruncated ? page.nextContinuation : undefined;
  } while (continuation);
  return n;
}

/** Every object under `prefix` (first and last listed) opens with `key` and says so (key MD5); `count` of them. */
async function expectKeyed(client: StorageClient, prefix: string, key: Buffer, count: number): Promise<void> {
  const n = await listCount(client, prefix);
  const page = await client.listObjects(BUCKET, { prefix, maxKeys: 1000 });
  for (const o of [page.objects[0], page.objects[page.objects.length - 1]]) {
    const head = o ? await client.headObject(BUCKET, o.key, { sseCustomerKey: key }) : undefined;
    if (n !== count || !head || head.encryption.type !== 'sse-c' || head.encryption.keyMd5 !== keyFingerprint(key)) {
      throw new Error(`${prefix}: ${n} objects (expected ${count}), not all readable with the expected key`);
    }
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  mkdirSync(DATA, { recursive: true });
  const bigFile = join(DATA, '1g.bin');
  const size = statSync(bigFile).size;
  const httpFile = join(DATA, 'http.bin');
  const httpSize = Math.min(size, HTTP_SIZE_MIB * MiB);
  check(spawnSync('sh', ['-c', `head -c ${httpSize} '${bigFile}' > '${httpFile}'`], { encoding: 'utf8' }), 'head -c');
  const keyAFile = join(DATA, 'keyA.bin');
  const keyBFile = join(DATA, 'keyB.bin');
  // Fresh keys per bench (run.sh removes bench/.data); reused when bench/.data survived (a rerun on the same RGW).
  const keyA = existsSync(keyAFile) ? readFileSync(keyAFile) : randomBytes(32);
  const keyB = existsSync(keyBFile) ? readFileSync(keyBFile) : randomBytes(32);
  writeFileSync(keyAFile, keyA, { mode: 0o600 });
  writeFileSync(keyBFile, keyB, { mode: 0o600 });
  writeFileSync(join(DATA, 'rclone.conf'), '');
  const https = env('RGW_HTTPS_ENDPOINT');
  const http = env('RGW_HTTP_ENDPOINT');
  const awsCfg = awsConfig('aws-transfer.cfg', TRANSFER_CONCURRENCY);
  const awsCfg8 = awsConfig('aws-prefix.cfg', PREFIX_WIDTH);
  const awsS = awsEnv(true, awsCfg);
  const sseArgs = (keyFile: string): string[] => ['--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`];
  const rc = { ...rcloneEnv(keyA, keyB), AWS_CA_BUNDLE: '' }; // rclone takes --ca-cert; with AWS_CA_BUNDLE set too it fails
  const rcArgs = ['--ca-cert', env('RGW_CA_FILE'), '--config', join(DATA, 'rclone.conf')];
  const rcTransfer = ['--s3-chunk-size', `${PART_SIZE / MiB}M`, '--s3-upload-concurrency', String(TRANSFER_CONCURRENCY), '--multi-thread-streams', String(TRANSFER_CONCURRENCY)];
  const httpEnv = { BENCH_SCHEME: 'http' };

  // Set-up and checks go over plain HTTP with our client (they are not measured).
  const client = new StorageClient({
    endpoint: http, region: process.env.RGW_REGION ?? 'us-east-1', allowInsecureSse: true,
    credentials: { accessKeyId: env('RGW_ACCESS_KEY'), secretAccessKey: env('RGW_SECRET_KEY') },
  });
  awsApi(['create-bucket', '--bucket', BUCKET], 'aws s3api create-bucket', /BucketAlreadyOwnedByYou|BucketAlreadyExists/);
  const sizeNote = `${(size / MiB).toFixed(0)} MiB`;
  const partNote = `${PART_SIZE / MiB} MiB parts/ranges, ${TRANSFER_CONCURRENCY} in flight for ours' defaults, bare, awscli (multipart_chunksize, max_concurrent_requests) and rclone (--s3-chunk-size, --s3-upload-concurrency, --multi-thread-streams)`;

  // 0) the peers' start-up: a tiny request each, alternating; subtracted from their figures below.
  log('peers\' start-up (a tiny request each)');
  const up = alternate([
    { name: 'awscli', run: () => { const r = peer(AWS, ['s3api', 'head-bucket', '--bucket', BUCKET, '--endpoint-url', https], awsS, 'aws head-bucket'); return { seconds: r.seconds, amount: 1, rss: r.peakRss }; } },
    { name: 'rclone', run: () => { const r = peer('rclone', ['lsf', `srca:${BUCKET}/nothing-here/`, ...rcArgs], rc, 'rclone lsf'); return { seconds: r.seconds, amount: 1, rss: r.peakRss }; } },
  ]);
  for (const t of ['awscli', 'rclone']) {
    // The fastest start-up seen: subtracting it never credits a peer with more than its own best start.
    startup[t] = { seconds: Math.min(...up[t].map((s) => s.seconds)), rss: Math.min(...up[t].map((s) => s.rss ?? Infinity)) };
  }

  // 1) HTTPS: 1 GiB SSE-C upload and download.
  table(`### HTTPS (SSE-C needs it on every real store): all tools against ${https}`);
  log(`upload ${sizeNote} SSE-C over HTTPS`);
  const upRuns = alternate([
    { name: 'ours', run: () => ours(['upload', bigFile, BUCKET, 'big/ours.bin', keyAFile]) },
    { name: 'awscli', run: () => peerSample('awscli', AWS, ['s3', 'cp', bigFile, `s3://${BUCKET}/big/aws.bin`, ...sseArgs(keyAFile), '--endpoint-url', https, '--only-show-errors'], awsS, size, 'aws s3 cp (upload)') },
    { name: 'rclone', run: () => peerSample('rclone', 'rclone', ['copyto', bigFile, `srca:${BUCKET}/big/rclone.bin`, ...rcArgs, ...rcTransfer, '--ignore-times'], rc, size, 'rclone copyto (upload)') },
    { name: 'bare', run: () => bare(['upload', bigFile, BUCKET, 'big/bare.bin', keyAFile]) },
  ]);
  for (const k of ['big/ours.bin', 'big/aws.bin', 'big/rclone.bin', 'big/bare.bin']) {
    const head = await client.headObject(BUCKET, k, { sseCustomerKey: keyA });
    if (head.size !== size || head.encryption.type !== 'sse-c' || head.encryption.keyMd5 !== keyFingerprint(keyA)) {
      throw new Error(`${k}: size ${head.size} or encryption wrong after upload`);
    }
  }
  addLine(`${sizeNote} SSE-C upload`, 'MiB/s', upRuns, 'awscli', `ObjectsService.upload; ${partNote}; every result HEADed with key A (size, key MD5)`);
  addLine(`${sizeNote} SSE-C upload`, 'MiB/s', upRuns, 'rclone', 'rclone copyto --ignore-times (else it skips the unchanged file in rounds 2 and 3)');
  addServerLine(`${sizeNote} SSE-C upload`, upRuns, (x) => x.amount / MiB, 'MiB/s');

  log(`download ${sizeNote} SSE-C over HTTPS`);
  const dl = (name: string): string => join(DATA, `dl-${name}.bin`);
  const verified = (s: Sample & { stdout?: string }, file: string): Sample => {
    cmpFiles(bigFile, file);
    rmSync(file, { force: true });
    return s;
  };
  const downRuns = alternate([
    { name: 'ours', run: () => verified(ours(['download', BUCKET, 'big/ours.bin', keyAFile, dl('ours')]), dl('ours')) },
    { name: 'awscli', run: () => verified(peerSample('awscli', AWS, ['s3', 'cp', `s3://${BUCKET}/big/ours.bin`, dl('aws'), ...sseArgs(keyAFile), '--endpoint-url', https, '--only-show-errors'], awsS, size, 'aws s3 cp (download)'), dl('aws')) },
    { name: 'rclone', run: () => verified(peerSample('rclone', 'rclone', ['copyto', `srca:${BUCKET}/big/ours.bin`, dl('rclone'), ...rcArgs, ...rcTransfer], rc, size, 'rclone copyto (download)'), dl('rclone')) },
    { name: 'bare', run: () => verified(bare(['download', BUCKET, 'big/ours.bin', keyAFile, dl('bare')]), dl('bare')) },
  ]);
  addLine(`${sizeNote} SSE-C download`, 'MiB/s', downRuns, 'awscli', 'ObjectsService.download to a file; every download byte-identical (cmp)');
  addLine(`${sizeNote} SSE-C download`, 'MiB/s', downRuns, 'rclone', 'rclone copyto');
  addServerLine(`${sizeNote} SSE-C download`, downRuns, (x) => x.amount / MiB, 'MiB/s');

  // 2) list 10,000 keys (the folder the tree rows expand: tiny SSE-C objects under key A).
  log(`creating ${TREE_KEYS} SSE-C objects for the listing and the tree`);
  const treeKeys = Array.from({ length: TREE_KEYS }, (_, i) => `tree/k${String(i).padStart(6, '0')}`);
  const existing = await listCount(client, 'tree/');
  if (existing !== TREE_KEYS) {
    await pool(treeKeys, 32, async (k) => {
      await client.putObject(BUCKET, k, Buffer.from('x'), { encryption: { type: 'sse-c', key: keyA } });
    });
  }
  log(`list ${TREE_KEYS} keys`);
  const expectCount = (n: number, who: string): void => {
    if (n !== TREE_KEYS) {
      throw new Error(`${who} listed ${n} keys, expected ${TREE_KEYS}`);
    }
  };
  const listRuns = alternate([
    { name: 'ours', run: () => { const s = ours(['list', BUCKET, 'tree/']); expectCount(s.amount, 'ours'); return s; } },
    { name: 'awscli', run: () => { const s = peerSample('awscli', AWS, ['s3api', 'list-objects-v2', '--bucket', BUCKET, '--prefix', 'tree/', '--query', 'length(Contents)', '--endpoint-url', https], awsS, TREE_KEYS, 'aws list-objects-v2'); expectCount(Number(s.stdout.trim()), 'awscli'); return s; } },
    { name: 'rclone', run: () => { const s = peerSample('rclone', 'rclone', ['lsf', `srca:${BUCKET}/tree/`, ...rcArgs], rc, TREE_KEYS, 'rclone lsf'); expectCount(s.stdout.split('\n').filter((l) => l.trim() !== '').length, 'rclone'); return s; } },
    { name: 'bare', run: () => { const s = bare(['list', BUCKET, 'tree/']); expectCount(s.amount, 'bare'); return s; } },
  ]);
  addLine(`list ${TREE_KEYS} keys`, 'objects/s', listRuns, 'awscli', 'ObjectsService.listAll, pages of 1000; every tool\'s count checked');
  addLine(`list ${TREE_KEYS} keys`, 'objects/s', listRuns, 'rclone', 'rclone lsf');

  // 3) what users wait for in VS Code.
  log(`expand a ${TREE_KEYS}-object folder as the tree does`);
  const expandRuns = alternate([
    { name: 'ours', run: () => {
      const s = ours(['expand', BUCKET, 'tree/', keyAFile, EXPAND_ALL ? 'all' : 'listed']);
      const labels = s.extra?.labels as Record<string, number>;
      const labelled = Number(s.extra?.labelled);
      if (s.amount !== TREE_KEYS || labels['sse-c'] !== labelled || labelled < Math.min(TREE_PAGE, TREE_KEYS) || (EXPAND_ALL && labelled !== TREE_KEYS)) {
        throw new Error(`tree expansion: ${s.amount} objects, ${labelled} labelled: ${JSON.stringify(labels)}`);
      }
      return s;
    } },
    { name: 'bare', run: () => { const s = bare(['expand', BUCKET, 'tree/', keyAFile, EXPAND_ALL ? 'all' : 'listed']); expectCount(s.amount, 'bare expand'); return s; } },
  ]);
  addLine(`expand ${TREE_KEYS}-object folder: first page with labels`, 'ms', expandRuns, undefined,
    `the tree's sequence: listPage of ${TREE_PAGE} (delimiter /), whichKey per listed object queued, ${TREE_LOOKUPS} at once (tree/provider.ts, whichKey.ts); bare: same list + keyed HEADs, ${TREE_LOOKUPS} at once; every label checked SSE-C with a stored key`,
    (s) => Number(s.extra?.firstSeconds) * 1000);
  addLine(EXPAND_ALL ? `expand ${TREE_KEYS}-object folder: all pages, all labels` : `expand ${TREE_KEYS}-object folder: all pages listed`, 's', expandRuns, undefined,
    EXPAND_ALL ? `"Load more" through all ${Math.ceil(TREE_KEYS / TREE_PAGE)} pages until every label is in`
      : `"Load more" through all ${Math.ceil(TREE_KEYS / TREE_PAGE)} pages, labels arriving in the background meanwhile (as in the tree; ours labelled ${median(expandRuns.ours.map((x) => Number(x.extra?.labelled)))} by then, bare ${median(expandRuns.bare.map((x) => Number(x.extra?.labelled)))}); BENCH_EXPAND_ALL=1 waits for all ${TREE_KEYS} labels`,
    (s) => (EXPAND_ALL ? s.seconds : Number(s.extra?.listedSeconds)));

  log('open 10 MiB SSE-C (editor read)');
  const tenMiB = randomBytes(10 * MiB);
  await uploadObject(client, BUCKET, 'open/10m.bin', { kind: 'bytes', data: tenMiB }, { encryption: { type: 'sse-c', key: keyA } });
  await client.putObject(BUCKET, 'open/warm.txt', Buffer.from('warm'), { encryption: { type: 'sse-c', key: keyA } });
  const perOpen = (s: Sample): Sample => {
    if (s.amount !== OPEN_ITERATIONS * tenMiB.length) {
      throw new Error(`open read ${s.amount} bytes, expected ${OPEN_ITERATIONS * tenMiB.length}`);
    }
    return { ...s, seconds: median(s.extra?.times as number[]) };
  };
  const openRuns = alternate([
    { name: 'ours', run: () => perOpen(ours(['open', BUCKET, 'open/10m.bin', 'open/warm.txt', keyAFile, String(OPEN_ITERATIONS)])) },
    { name: 'bare', run: () => perOpen(bare(['open', BUCKET, 'open/10m.bin', 'open/warm.txt', keyAFile, String(OPEN_ITERATIONS)])) },
  ]);
  addLine('open 10 MiB SSE-C (editor read)', 'ms', openRuns, undefined,
    `ObjectsService.read (open with the stored key, then the whole object) on a warm connection, median of ${OPEN_ITERATIONS} opens per run; bare: one keyed GET into memory`);

  for (const mib of [10, 200]) {
    log(`save ${mib} MiB SSE-C (editor write)`);
    for (const k of [`save/ours-${mib}.bin`, `save/bare-${mib}.bin`]) {
      await client.putObject(BUCKET, k, Buffer.from('old'), { encryption: { type: 'sse-c', key: keyA } });
    }
    const saveRuns = alternate([
      { name: 'ours', run: () => ours(['save', BUCKET, `save/ours-${mib}.bin`, keyAFile, String(mib)]) },
      { name: 'bare', run: () => bare(['save', BUCKET, `save/bare-${mib}.bin`, keyAFile, String(mib)]) },
    ]);
    for (const k of [`save/ours-${mib}.bin`, `save/bare-${mib}.bin`]) {
      const head = await client.headObject(BUCKET, k, { sseCustomerKey: keyA });
      if (head.size !== mib * MiB || head.encryption.type !== 'sse-c' || head.encryption.keyMd5 !== keyFingerprint(keyA)) {
        throw new Error(`${k}: size ${head.size} or key wrong after save`);
      }
    }
    addLine(`save ${mib} MiB SSE-C (editor write)`, 'MiB/s', saveRuns, undefined, mib < 16
      ? 'ObjectsService.write over an existing SSE-C object after reading it, as the editor does (open, conditional PUT keeping its key and metadata); bare: one keyed PUT; both HEADed after (size, key MD5)'
      : `ObjectsService.write, multipart at 16 MiB and above; bare: multipart, ${partNote.split(' for ')[0]}`);
  }

  // 4) re-key a prefix of 1,000 x 256 KiB: the product's job in place (A->B, then B->A, ...), the bare client in
  // place the same way, rclone copying to a fresh prefix with key B.
  log(`re-key job: ${REKEY_OBJECTS} x 256 KiB SSE-C`);
  const jobKeys = Array.from({ length: REKEY_OBJECTS }, (_, i) => `o${String(i).padStart(4, '0')}.bin`);
  const small = randomBytes(256 * 1024);
  await pool(jobKeys, 16, async (k) => {
    await uploadObject(client, BUCKET, `rkjob/ours/${k}`, { kind: 'bytes', data: small }, { encryption: { type: 'sse-c', key: keyA } });
  });
  const keyFiles = [keyAFile, keyBFile];
  const keyBytes = [keyA, keyB];
  let holder = 0; // which key rkjob/ours/ is under now
  const inPlace = (who: 'ours' | 'bare', width: string, extraEnv?: Record<string, string>, tolerate = false): Sample => {
    const args = who === 'ours'
      ? ['rekeyjob', BUCKET, 'rkjob/ours/', keyFiles[holder], keyFiles[1 - holder], width, tolerate ? 'tolerate' : 'strict']
      : ['rekey', BUCKET, 'rkjob/ours/', keyFiles[holder], keyFiles[1 - holder], width];
    const s = who === 'ours' ? ours(args, extraEnv) : bare(args, extraEnv);
    holder = 1 - holder;
    return s;
  };
  const rekeyRuns: Record<string, Sample[]> = { ours: [], bare: [], rclone: [] };
  for (let i = 0; i < RUNS; i++) {
    rekeyRuns.ours.push(withServerCpu(() => inPlace('ours', String(PREFIX_WIDTH))));
    await expectKeyed(client, 'rkjob/ours/', keyBytes[holder], REKEY_OBJECTS);
    // rclone re-keys the same objects (now under key `holder`) into a fresh prefix under the other key.
    const rcNow = { ...rcloneEnv(keyBytes[holder], keyBytes[1 - holder]), AWS_CA_BUNDLE: '' };
    rekeyRuns.rclone.push(withServerCpu(() => peerSample('rclone', 'rclone', ['copy', `srca:${BUCKET}/rkjob/ours`, `dstb:${BUCKET}/rkjob/rclone-${STAMP}-${i}`, '--transfers', String(PREFIX_WIDTH), ...rcArgs], rcNow, REKEY_OBJECTS, 'rclone copy')));
    await expectKeyed(client, `rkjob/rclone-${STAMP}-${i}/`, keyBytes[1 - holder], REKEY_OBJECTS);
    rekeyRuns.bare.push(withServerCpu(() => inPlace('bare', String(PREFIX_WIDTH))));
    await expectKeyed(client, 'rkjob/ours/', keyBytes[holder], REKEY_OBJECTS);
  }
  const paths = JSON.stringify(rekeyRuns.ours[0].extra?.paths);
  addLine(`re-key ${REKEY_OBJECTS} x 256 KiB prefix (job, ${PREFIX_WIDTH} at once)`, 'objects/s', rekeyRuns, 'rclone',
    `runJob (obs.reencrypt) in place, concurrency ${PREFIX_WIDTH}, paths ${paths}; bare: keyed GET + PUT in place, ${PREFIX_WIDTH} at once; rclone copy --transfers ${PREFIX_WIDTH} of the same objects to a fresh prefix under the other key; all results HEADed with the new key`);
  addServerLine(`re-key ${REKEY_OBJECTS} x 256 KiB prefix`, rekeyRuns, (x) => x.amount, 'objects/s');

  // 5) download a prefix of 1,000 small objects.
  log(`download a prefix of ${DL_OBJECTS} x ${DL_OBJECT_BYTES / 1024} KiB`);
  const dlKeys = Array.from({ length: DL_OBJECTS }, (_, i) => `f${String(i).padStart(4, '0')}.bin`);
  const expected = new Map<string, string>();
  await pool(dlKeys, 16, async (k) => {
    const data = randomBytes(DL_OBJECT_BYTES);
    expected.set(k, createHash('sha256').update(data).digest('hex'));
    await client.putObject(BUCKET, `dl/${k}`, data, { encryption: { type: 'sse-c', key: keyA } });
  });
  const dlDir = (who: string, i: number): string => join(DATA, `dl-${who}-${i}`);
  const verifyDir = (s: Sample, dir: string): Sample => {
    const files = readdirSync(dir).filter((f) => !f.endsWith('.part'));
    const bad = files.filter((f) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex') !== expected.get(f));
    if (files.length !== DL_OBJECTS || bad.length) {
      throw new Error(`${dir}: ${files.length} files (expected ${DL_OBJECTS}), ${bad.length} with wrong content`);
    }
    rmSync(dir, { recursive: true, force: true });
    return s;
  };
  const awsP = awsEnv(true, awsCfg8);
  const dlRuns = alternate([
    { name: 'ours', run: (i) => verifyDir(ours(['dlprefix', BUCKET, 'dl/', keyAFile, dlDir('ours', i), String(PREFIX_WIDTH)]), dlDir('ours', i)) },
    { name: 'awscli', run: (i) => verifyDir(peerSample('awscli', AWS, ['s3', 'cp', '--recursive', `s3://${BUCKET}/dl/`, dlDir('aws', i), ...sseArgs(keyAFile), '--endpoint-url', https, '--only-show-errors'], awsP, DL_OBJECTS, 'aws s3 cp --recursive'), dlDir('aws', i)) },
    { name: 'rclone', run: (i) => verifyDir(peerSample('rclone', 'rclone', ['copy', `srca:${BUCKET}/dl`, dlDir('rclone', i), '--transfers', String(PREFIX_WIDTH), ...rcArgs], rc, DL_OBJECTS, 'rclone copy (download)'), dlDir('rclone', i)) },
    { name: 'bare', run: (i) => verifyDir(bare(['dlprefix', BUCKET, 'dl/', keyAFile, dlDir('bare', i), String(PREFIX_WIDTH)]), dlDir('bare', i)) },
  ]);
  addLine(`download prefix ${DL_OBJECTS} x ${DL_OBJECT_BYTES / 1024} KiB`, 'objects/s', dlRuns, 'awscli',
    `ours: obs.download's engine (downloadMany: list, each object to <name>.part, renamed), ${PREFIX_WIDTH} at once; bare: list + keyed GET to file, ${PREFIX_WIDTH} at once; every file's SHA-256 checked`);
  addLine(`download prefix ${DL_OBJECTS} x ${DL_OBJECT_BYTES / 1024} KiB`, 'objects/s', dlRuns, 'rclone', `rclone copy --transfers ${PREFIX_WIDTH}; awscli max_concurrent_requests ${PREFIX_WIDTH}`);

  // 6) a re-key job behind a throttling proxy (HTTPS, 503 SlowDown above a request rate), width left to the engine.
  log('re-key job through the proxy, unthrottled, adaptive width');
  const free = await withProxy(0, (endpoint) => inPlace('ours', 'auto', { BENCH_ENDPOINT: endpoint }));
  await expectKeyed(client, 'rkjob/ours/', keyBytes[holder], REKEY_OBJECTS);
  const freeRate = free.stats.forwarded / free.result.seconds;
  const allowed = Math.max(1, Math.round(freeRate * THROTTLE_SHARE));
  log(`unthrottled: ${freeRate.toFixed(0)} requests/s; throttling at ${allowed}/s`);
  const limited = await withProxy(allowed, (endpoint) => inPlace('ours', 'auto', { BENCH_ENDPOINT: endpoint }, true));
  const failed = Number(limited.result.extra?.failed);
  if (failed === 0) {
    await expectKeyed(client, 'rkjob/ours/', keyBytes[holder], REKEY_OBJECTS);
  }
  const achieved = limited.stats.forwarded / limited.result.seconds;
  table('### Prefix job behind a throttling proxy (HTTPS proxy in its own process in front of the RGW; 503 SlowDown above the allowed rate, token bucket)');
  current.push({
    op: `re-key ${REKEY_OBJECTS} x 256 KiB, adaptive width, unthrottled (through the proxy)`, unit: 'objects/s', ours: [free.result.amount / free.result.seconds],
    rss: { ours: [free.result.rss] }, note: `${freeRate.toFixed(0)} requests/s forwarded; throttle answers seen by the job: ${String(free.result.extra?.throttles)}; one run`,
  });
  current.push({
    op: `re-key ${REKEY_OBJECTS} x 256 KiB, adaptive width, allowed ${allowed} requests/s (${(THROTTLE_SHARE * 100).toFixed(0)}% of the above)`, unit: 'objects/s',
    ours: [limited.result.amount / limited.result.seconds], rss: { ours: [limited.result.rss] },
    note: `**achieved ${achieved.toFixed(0)} requests/s = ${(achieved / allowed).toFixed(2)} of allowed**; **${failed} failed objects**${failed ? ` (${(limited.result.extra?.errors as string[]).join('; ').replace(/\|/g, '/')})` : ''}; ${limited.stats.rateLimited} requests answered 503 SlowDown; throttles seen by the job ${String(limited.result.extra?.throttles)}; one run`,
  });

  // 7) HTTP, for the tools that allow SSE-C over plain HTTP (rclone refuses), on a smaller object.
  table(`### HTTP (SSE-C over plain HTTP: ours with allowInsecureSse, awscli; rclone refuses), ${(httpSize / MiB).toFixed(0)} MiB`);
  const httpNote = `${(httpSize / MiB).toFixed(0)} MiB`;
  log(`upload and download ${httpNote} SSE-C over HTTP`);
  const awsH = awsEnv(false, awsCfg);
  const hUp = alternate([
    { name: 'ours', run: () => ours(['upload', httpFile, BUCKET, 'http/ours.bin', keyAFile], httpEnv) },
    { name: 'awscli', run: () => peerSample('awscli', AWS, ['s3', 'cp', httpFile, `s3://${BUCKET}/http/aws.bin`, ...sseArgs(keyAFile), '--endpoint-url', http, '--only-show-errors'], awsH, httpSize, 'aws s3 cp (upload, http)') },
    { name: 'bare', run: () => bare(['upload', httpFile, BUCKET, 'http/bare.bin', keyAFile], httpEnv) },
  ]);
  addLine(`${httpNote} SSE-C upload`, 'MiB/s', hUp, 'awscli', 'same part size and concurrency as above');
  const hverified = (s: Sample, file: string): Sample => {
    cmpFiles(httpFile, file);
    rmSync(file, { force: true });
    return s;
  };
  const hDown = alternate([
    { name: 'ours', run: () => hverified(ours(['download', BUCKET, 'http/ours.bin', keyAFile, dl('ours')], httpEnv), dl('ours')) },
    { name: 'awscli', run: () => hverified(peerSample('awscli', AWS, ['s3', 'cp', `s3://${BUCKET}/http/ours.bin`, dl('aws'), ...sseArgs(keyAFile), '--endpoint-url', http, '--only-show-errors'], awsH, httpSize, 'aws s3 cp (download, http)'), dl('aws')) },
    { name: 'bare', run: () => hverified(bare(['download', BUCKET, 'http/ours.bin', keyAFile, dl('bare')], httpEnv), dl('bare')) },
  ]);
  addLine(`${httpNote} SSE-C download`, 'MiB/s', hDown, 'awscli', 'byte-identical (cmp)');

  // The peers' start-up row.
  table('### Peers\' start-up (subtracted from their figures above)');
  for (const t of ['awscli', 'rclone']) {
    current.push({
      op: `${t} start-up: ${t === 'awscli' ? 'aws s3api head-bucket' : 'rclone lsf of an empty prefix'} (HTTPS)`, unit: 's', ours: up[t].map((s) => s.seconds),
      rss: { ours: up[t].map((s) => s.rss) }, note: `fastest of ${RUNS} (that one is subtracted); the "ours" column here is the peer's own time and whole peak RSS, subtracted as its start-up and idle RSS`,
    });
  }

  await client.dispose();
  report(render(), (Date.now() - t0) / 1000);
}

function report(text: string, seconds: number): void {
  process.stdout.write(`\n${text}\n`);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' (working tree modified)' : '';
  const cpus = spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const results = join(ROOT, 'bench', 'RESULTS.md');
  if (!existsSync(results)) {
    writeFileSync(results, '# Benchmark results\n\n`npm run bench` appends one set of tables per run.\n');
  }
  appendFileSync(results, `\n## ${new Date().toISOString()} - commit ${commit}${dirty} - ${cpus} CPUs, node ${process.version}, load ${load}; `
    + `${RUNS} alternating runs, measuring took ${seconds.toFixed(0)} s\n\n`
    + 'Ratios: > 1 means ours is faster; median of the per-run ratios (min-max). Peers: wall time minus their start-up '
    + '(last table); RSS above idle: ours and bare from inside the process, peers\' peak minus their start-up peak. Max over runs.\n\n'
    + `${text}\n`);
  log(`appended to ${results}; measuring took ${seconds.toFixed(0)} s`);
}

main().catch((e: unknown) => {
  process.stderr.write(`[bench] FAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
