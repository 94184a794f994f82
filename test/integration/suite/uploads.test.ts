// No orphan uploads, in the real extension host against the real RGW behind the fault proxy, awscli as the witness:
// a multipart save cut off by a long outage leaves its upload journaled, and the next use of the connection after
// the server is back aborts it; obs.cleanUpUploads aborts ours by default and any with all: true.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { activateApi as activated } from '../support/extension';
import { FaultProxy } from '../../support/faultProxy';
import { after, before, suite, test } from '../harness';
import { aws, awsOk, rgw, uniqueBucket } from '../support/rgw';

const CONN = 'uploads';
const MiB = 1024 * 1024;

interface Report { planned: number; done: number; skipped: number; failed: number; items: Array<{ key: string; ours: boolean; status: string; reason?: string }> }

suite('unfinished uploads', () => {
  const bucket = uniqueBucket('uploads');
  let proxy: FaultProxy;
  const run = <T>(id: string, arg: object) => Promise.resolve(vscode.commands.executeCommand<T>(id, arg));
  const unfinished = async (): Promise<Array<{ Key: string; UploadId: string }>> =>
    (JSON.parse((await awsOk(['s3api', 'list-multipart-uploads', '--bucket', bucket])) || '{}') as { Uploads?: Array<{ Key: string; UploadId: string }> }).Uploads ?? [];

  before(async () => {
    await activated();
    await awsOk(['s3api', 'create-bucket', '--bucket', bucket]);
    proxy = new FaultProxy({ upstream: rgw.http });
    const endpoint = await proxy.start();
    await run('obs.addConnection', { id: CONN, endpoint, region: rgw.region, accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey, allowInsecureSse: true });
  });

  after(async () => {
    await run('obs.removeConnection', { id: CONN }).catch(() => undefined);
    await proxy?.close();
  });

  test('a multipart save cut off by a long outage is aborted by the next use once the server is back', async () => {
    const uri = vscode.Uri.parse(`obs://${CONN}/${bucket}/outage.bin`);
    // The upload starts; then the server is gone for parts, completion and aborts alike.
    proxy.resetNext({ afterBytes: 0, times: 1_000_000, match: (r) => /[?&]uploadId=/.test(r.url) });
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, randomBytes(40 * MiB))));
    const left = await unfinished();
    assert.equal(left.length, 1, 'the outage left the upload on the server (its abort could not get through)');
    assert.equal(left[0].Key, 'outage.bin');

    proxy.clearFaults();
    await new Promise((r) => setTimeout(r, 5_500));
    // The next use of the connection (any operation) sweeps the abandoned upload.
    await vscode.workspace.fs.readDirectory(vscode.Uri.parse(`obs://${CONN}/${bucket}/`));
    let remaining = left.length;
    for (let i = 0; i < 40 && remaining > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      remaining = (await unfinished()).length;
    }
    assert.equal(remaining, 0, 'the abandoned upload was aborted once the server was back');
    const headAfter = await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'outage.bin']);
    assert.notEqual(headAfter.code, 0, 'no object was created by the cut-off save');
  });

  test('obs.cleanUpUploads leaves uploads it did not start unless all: true, and refuses bad arguments', async () => {
    const created = JSON.parse(await awsOk(['s3api', 'create-multipart-upload', '--bucket', bucket, '--key', 'foreign.bin'])) as { UploadId: string };
    const first = await run<Report>('obs.cleanUpUploads', { connection: CONN, bucket });
    assert.equal(first.planned, 1);
    assert.equal(first.done, 0);
    assert.equal(first.skipped, 1);
    assert.equal(first.items[0].ours, false);
    assert.match(first.items[0].reason ?? '', /not started by Encrypted Buckets/);
    assert.deepEqual((await unfinished()).map((u) => u.UploadId), [created.UploadId]);

    const all = await run<Report>('obs.cleanUpUploads', { connection: CONN, bucket, all: true });
    assert.equal(all.done, 1);
    assert.equal(all.failed, 0);
    assert.deepEqual(await unfinished(), []);

    await assert.rejects(run('obs.cleanUpUploads', { connection: CONN, all: 'yes' }), /all must be true or false/);
    await assert.rejects(run('obs.cleanUpUploads', { bucket }), /connection is missing/);
    await assert.rejects(run('obs.cleanUpUploads', { connection: 'no-such-connection' }), /no connection "no-such-connection"/);
  });
});
