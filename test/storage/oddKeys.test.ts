// Keys that break naive encoders: put -> list -> get -> delete on the real RGW, in S3 directly and in OBS through
// the gateway, plain and with SSE-C.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StorageClient, StorageError } from '../../src/storage';
import { Gateway, startGateway } from '../obs-gateway/gateway';
import { collect, RGW_SKIP, rgw, RgwEnv, uniqueBucket } from './support/env';
import { createBucket, destroyBucket } from './support/rgwAdmin';

const ODD_KEYS: Array<[string, string]> = [
  ['space', 'with space/and more spaces'],
  ['plus', 'a+b+c'],
  ['percent', 'percent%20literal%'],
  ['hash', 'hash#tag'],
  ['question', 'question?mark=1'],
  ['ampersand', 'amp&ersand&x=y'],
  ['unicode', 'unicode/ü-日本語-😀'],
  ['control', 'ctl\u0001\u001f\u007f-tab\t-nl\n-cr\r-end'],
  ['double slash', 'double//slash'],
  ['leading slash', '/leading-slash'],
  ['trailing spaces', 'trailing spaces  '],
  ['1024 bytes', 'long/' + 'é'.repeat(200) + 'x'.repeat(1024 - 5 - 400)],
];

async function allKeys(client: StorageClient, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let continuation: string | undefined;
  do {
    const page = await client.listObjects(bucket, { continuation, maxKeys: 5 });
    keys.push(...page.objects.map((o) => o.key));
    continuation = page.isTruncated ? page.nextContinuation : undefined;
  } while (continuation);
  return keys;
}

for (const dialect of ['s3', 'obs'] as const) {
  describe(`odd keys round trip (${dialect === 's3' ? 'S3 on RGW' : 'OBS through the gateway'})`, { skip: RGW_SKIP }, () => {
    let env: RgwEnv;
    let client: StorageClient;
    let bucket: string;
    let gw: Gateway | undefined;
    const sseKey = randomBytes(32);

    before(async () => {
      env = rgw();
      assert.equal(Buffer.byteLength(ODD_KEYS[ODD_KEYS.length - 1][1]), 1024);
      if (dialect === 'obs') {
        gw = await startGateway({ upstream: env.httpEndpoint, accessKey: env.accessKey, secretKey: env.secretKey, region: env.region });
      }
      bucket = uniqueBucket(`odd${dialect}`);
      await createBucket(env, bucket);
      client = new StorageClient({
        endpoint: gw ? gw.endpoint : env.httpEndpoint, region: env.region, dialect, allowInsecureSse: true, maxAttempts: 1,
        credentials: { accessKeyId: env.accessKey, secretAccessKey: env.secretKey },
      });
    });
    after(async () => {
      if (client) {
        await destroyBucket(env, client, bucket);
        await client.dispose();
      }
      await gw?.close();
    });

    for (const [label, key] of ODD_KEYS) {
      it(`${label}: put, list, get, delete (plain and SSE-C)`, async () => {
        const plain = Buffer.from(`plain ${label}`);
        const secret = randomBytes(100);
        // Same length for the 1024-byte key (the limit), a suffix otherwise.
        const sseName = Buffer.byteLength(key) + 5 > 1024 ? `${key.slice(0, -5)}.ssec` : `${key}.ssec`;
        await client.putObject(bucket, key, plain);
        await client.putObject(bucket, sseName, secret, { encryption: { type: 'sse-c', key: sseKey } });

        const listed = await allKeys(client, bucket);
        assert.ok(listed.includes(key), `listing lacks ${JSON.stringify(key)}: ${JSON.stringify(listed)}`);
        assert.ok(listed.includes(sseName), `listing lacks ${JSON.stringify(sseName)}`);
        const prefixed = await client.listObjects(bucket, { prefix: key });
        assert.deepEqual(prefixed.objects.map((o) => o.key).sort(), [key, sseName].filter((k) => k.startsWith(key)).sort());

        assert.deepEqual(await collect((await client.getObject(bucket, key)).body), plain);
        assert.deepEqual(await collect((await client.getObject(bucket, sseName, { sseCustomerKey: sseKey })).body), secret);
        assert.equal((await client.headObject(bucket, key)).size, plain.length);

        await client.deleteObject(bucket, key);
        await client.deleteObject(bucket, sseName);
        const after = await allKeys(client, bucket);
        assert.ok(!after.includes(key) && !after.includes(sseName), `still listed after delete: ${JSON.stringify(key)}`);
      });
    }

    it('deleteObjects deletes every odd key: those XML cannot carry one by one (RGW refuses a batch with them), the rest batched', async () => {
      const keys = ODD_KEYS.map(([, k]) => k);
      for (const k of keys) {
        await client.putObject(bucket, k, Buffer.from('x'));
      }
      const r = await client.deleteObjects(bucket, keys);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.deleted.map((d) => d.key).sort(), [...keys].sort());
      const left = await allKeys(client, bucket);
      assert.deepEqual(keys.filter((k) => left.includes(k)), []);
    });

    it('a 1025-byte key is refused locally (InvalidArgument naming the key, as the server would with 400); 1024 bytes work', async () => {
      await assert.rejects(client.putObject(bucket, 'x'.repeat(1025), Buffer.from('x')),
        (e: unknown) => e instanceof StorageError && e.status === undefined && e.code === 'InvalidArgument' && e.argument === 'key');
      const longest = 'é'.repeat(512); // 1024 bytes as UTF-8
      await client.putObject(bucket, longest, Buffer.from('x'));
      await client.deleteObject(bucket, longest);
    });
  });
}
