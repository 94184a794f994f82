// Error table against the real RGW (S3 directly, and OBS through the gateway): each failure has its own stable code,
// a message naming the operation, bucket and key, and no secret anywhere in what the error exposes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { ConnectionConfig, StorageClient, StorageError } from '../../src/storage';
import { Gateway, startGateway } from '../obs-gateway/gateway';
import { collect, RGW_SKIP, rgw, RgwEnv, uniqueBucket } from './support/env';
import { createBucket, destroyBucket } from './support/rgwAdmin';

interface Target {
  name: string;
  config(env: RgwEnv, secret?: string): ConnectionConfig;
  setup?(env: RgwEnv): Promise<void>;
  teardown?(): Promise<void>;
}

let gw: Gateway | undefined;

const TARGETS: Target[] = [
  {
    name: 'S3 on RGW',
    config: (env, secret) => ({
      endpoint: env.httpEndpoint, region: env.region, dialect: 's3', allowInsecureSse: true, maxAttempts: 1,
      credentials: { accessKeyId: env.accessKey, secretAccessKey: secret ?? env.secretKey },
    }),
  },
  {
    name: 'OBS through the gateway',
    setup: async (env) => {
      gw = await startGateway({ upstream: env.httpEndpoint, accessKey: env.accessKey, secretKey: env.secretKey, region: env.region });
    },
    teardown: async () => {
      await gw?.close();
    },
    config: (env, secret) => ({
      endpoint: gw?.endpoint ?? 'http://localhost:1', dialect: 'obs', allowInsecureSse: true, maxAttempts: 1,
      credentials: { accessKeyId: env.accessKey, secretAccessKey: secret ?? env.secretKey },
    }),
  },
];

for (const target of TARGETS) {
  describe(`error table: ${target.name}`, { skip: RGW_SKIP }, () => {
    let env: RgwEnv;
    let client: StorageClient;
    let bucket: string;
    const key = randomBytes(32);
    const wrongKey = randomBytes(32);
    const clients: StorageClient[] = [];

    const fresh = (secret?: string): StorageClient => {
      const c = new StorageClient(target.config(env, secret));
      clients.push(c);
      return c;
    };

    before(async () => {
      env = rgw();
      await target.setup?.(env);
      bucket = uniqueBucket('err');
      await createBucket(env, bucket);
      client = fresh();
      await client.putObject(bucket, 'dir/secret object', Buffer.from('sse-c data'), { encryption: { type: 'sse-c', key } });
      await client.putObject(bucket, 'dir/plain', Buffer.from('plain data'));
    });
    after(async () => {
      if (client) {
        await destroyBucket(env, client, bucket);
      }
      await Promise.all(clients.map((c) => c.dispose()));
      await target.teardown?.();
    });

    /** Runs the call, checks the code, the message and that no secret leaks; returns the error. */
    async function expectError(call: Promise<unknown>, code: string, operation: string, b: string, k?: string): Promise<StorageError> {
      let caught: unknown;
      try {
        await call;
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof StorageError, `expected StorageError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
      const err = caught;
      assert.equal(err.code, code, `${err.message}`);
      assert.equal(err.operation, operation);
      assert.ok(err.message.includes(operation), `message does not name the operation: ${err.message}`);
      assert.ok(err.message.includes(b), `message does not name the bucket: ${err.message}`);
      if (k !== undefined) {
        assert.ok(err.message.includes(k), `message does not name the key: ${err.message}`);
      }
      const secrets = [env.secretKey, key.toString('base64'), wrongKey.toString('base64'), 'wrong-secret-value'];
      const surfaces = { json: JSON.stringify(err), message: err.message, stack: err.stack ?? '', inspect: inspect(err, { depth: 5 }) };
      for (const [where, text] of Object.entries(surfaces)) {
        for (const s of secrets) {
          assert.ok(!text.includes(s), `${where} contains a secret`);
        }
        assert.ok(!/authorization|AWS4-HMAC-SHA256 Credential|OBS [A-Z0-9]+:/i.test(text), `${where} contains an Authorization value`);
      }
      return err;
    }

    it('SSE-C object read without a key: KeyMissing (GET and HEAD)', async () => {
      await expectError(client.getObject(bucket, 'dir/secret object'), 'KeyMissing', 'getObject', bucket, 'dir/secret object');
      await expectError(client.headObject(bucket, 'dir/secret object'), 'KeyMissing', 'headObject', bucket, 'dir/secret object');
    });

    it('SSE-C object read with the wrong key: KeyWrong (GET and HEAD)', async () => {
      await expectError(client.getObject(bucket, 'dir/secret object', { sseCustomerKey: wrongKey }), 'KeyWrong', 'getObject', bucket, 'dir/secret object');
      await expectError(client.headObject(bucket, 'dir/secret object', { sseCustomerKey: wrongKey }), 'KeyWrong', 'headObject', bucket, 'dir/secret object');
    });

    it('unknown KMS key id: KmsKeyUnknown (on a fresh client and on a used one)', async () => {
      await expectError(fresh().putObject(bucket, 'dir/kms', Buffer.from('x'), { encryption: { type: 'kms', keyId: 'no-such-kms-key' } }),
        'KmsKeyUnknown', 'putObject', bucket, 'dir/kms');
      await expectError(client.putObject(bucket, 'dir/kms', Buffer.from('x'), { encryption: { type: 'kms', keyId: 'no-such-kms-key' } }),
        'KmsKeyUnknown', 'putObject', bucket, 'dir/kms');
    });

    it('wrong secret: BadCredentials (also when the request names a KMS key)', async () => {
      const bad = fresh('wrong-secret-value');
      await expectError(bad.getObject(bucket, 'dir/plain'), 'BadCredentials', 'getObject', bucket, 'dir/plain');
      await expectError(bad.putObject(bucket, 'dir/x', Buffer.from('x'), { encryption: { type: 'kms', keyId: env.kmsKey1 } }),
        'BadCredentials', 'putObject', bucket, 'dir/x');
    });

    it('missing bucket: NoSuchBucket (GET object, list)', async () => {
      const missing = uniqueBucket('missing');
      await expectError(client.getObject(missing, 'k'), 'NoSuchBucket', 'getObject', missing, 'k');
      await expectError(client.listObjects(missing, {}), 'NoSuchBucket', 'listObjects', missing);
    });

    it('missing bucket on HEAD object: NoSuchBucket (a bodiless 404 is told apart by a bucket HEAD)', async () => {
      const missing = uniqueBucket('missing');
      await expectError(client.headObject(missing, 'k'), 'NoSuchBucket', 'headObject', missing, 'k');
    });

    it('missing object: NoSuchKey (GET and HEAD)', async () => {
      await expectError(client.getObject(bucket, 'dir/none'), 'NoSuchKey', 'getObject', bucket, 'dir/none');
      await expectError(client.headObject(bucket, 'dir/none'), 'NoSuchKey', 'headObject', bucket, 'dir/none');
    });

    it('failed If-Match on a write: PreconditionFailed; the object is unchanged', async () => {
      await expectError(client.putObject(bucket, 'dir/plain', Buffer.from('new'), { ifMatch: '"00000000000000000000000000000000"' }),
        'PreconditionFailed', 'putObject', bucket, 'dir/plain');
      assert.equal((await collect((await client.getObject(bucket, 'dir/plain')).body)).toString(), 'plain data');
    });
  });
}
