// Readiness probe for the local RGW, with no dependencies beyond node's standard library.
//
//   node probe.mjs anon   <endpoint> [caFile]   GET / without credentials; succeeds on HTTP 200
//   node probe.mjs signed <endpoint> [caFile]   SigV4-signed ListBuckets with RGW_ACCESS_KEY / RGW_SECRET_KEY /
//                                               RGW_REGION from the environment; succeeds on 200 + a bucket list
//
// Exit 0 on success, 1 on a wrong answer or a network error (one line on stderr says which).
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [mode, endpoint, caFile] = process.argv.slice(2);
if ((mode !== 'anon' && mode !== 'signed') || !endpoint) {
  console.error('usage: node probe.mjs anon|signed <endpoint> [caFile]');
  process.exit(2);
}

const url = new URL('/', endpoint);
const headers = {};

if (mode === 'signed') {
  const accessKey = process.env.RGW_ACCESS_KEY;
  const secretKey = process.env.RGW_SECRET_KEY;
  const region = process.env.RGW_REGION || 'us-east-1';
  if (!accessKey || !secretKey) {
    console.error('probe: RGW_ACCESS_KEY and RGW_SECRET_KEY must be set');
    process.exit(2);
  }
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update('').digest('hex');
  const signed = { host: url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const names = Object.keys(signed).sort();
  const canonicalRequest = [
    'GET',
    '/',
    '',
    ...names.map((n) => `${n}:${signed[n]}`),
    '',
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
  let key = hmac(`AWS4${secretKey}`, day);
  for (const part of [region, 's3', 'aws4_request']) {
    key = hmac(key, part);
  }
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  Object.assign(headers, signed, {
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  });
}

const lib = url.protocol === 'https:' ? https : http;
const options = { method: 'GET', headers, timeout: 5000 };
if (url.protocol === 'https:' && caFile) {
  options.ca = readFileSync(caFile);
}

const req = lib.request(url, options, (res) => {
  const chunks = [];
  res.on('data', (c) => chunks.push(c));
  res.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const ok = res.statusCode === 200 && (mode === 'anon' || body.includes('<ListAllMyBucketsResult'));
    if (!ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '';
      console.error(`probe ${mode}: HTTP ${res.statusCode} ${code}`.trim());
    }
    process.exit(ok ? 0 : 1);
  });
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  console.error(`probe ${mode}: ${err.code ?? err.message}`);
  process.exit(1);
});
req.end();
