// The throttling proxy as its own process (so its CPU and memory are not counted as ours): HTTPS in front of the
// RGW's plain-HTTP endpoint, with the RGW's own certificate, answering 503 SlowDown above `perSecond` requests a
// second (0: no limit). Prints {"endpoint"} when listening; on SIGTERM prints its stats and exits.
// usage: node out/bench/proxy.js <upstream http url> <cert.pem> <key.pem> <perSecond>

import { readFileSync } from 'node:fs';
import { FaultProxy } from '../test/support/faultProxy';

async function main(): Promise<void> {
  const [upstream, certFile, keyFile, perSecond] = process.argv.slice(2);
  const proxy = new FaultProxy({ upstream, maxConnections: 256, tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } });
  const endpoint = await proxy.start();
  if (Number(perSecond) > 0) {
    proxy.rateLimit({ perSecond: Number(perSecond) });
  }
  process.once('SIGTERM', () => {
    const stats: Record<string, unknown> = { ...proxy.stats };
    delete stats.log;
    process.stdout.write(`${JSON.stringify(stats)}\n`, () => {
      void proxy.close().then(() => process.exit(0));
    });
  });
  process.stdout.write(`${JSON.stringify({ endpoint })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`proxy.js failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
