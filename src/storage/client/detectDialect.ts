// OBS vs S3 auto-detection: an unsigned `HEAD /?apiversion`; OBS answers with `x-obs-api: 3.0` (or newer).

import { DialectName } from '../types';
import { header, Transport } from '../transport';

/** Results per endpoint origin, shared by clients of the same endpoint for the life of the process. */
const cache = new Map<string, DialectName>();

export function obsApiVersionIsObs(value: string | undefined): boolean {
  // Compared as a string, as the official SDKs do ('3.0' and later).
  return value !== undefined && value.trim() >= '3.0';
}

/** Probes once; network failures are not cached (the next call probes again). */
export async function detectDialect(t: Transport, signal?: AbortSignal): Promise<DialectName> {
  const origin = t.endpointUrl.origin;
  const known = cache.get(origin);
  if (known) {
    return known;
  }
  const res = await t.send({
    operation: 'detectDialect', method: 'HEAD', query: [['apiversion', '']], unsigned: true, acceptAnyStatus: true, signal,
  });
  const api = header(res.headers, 'x-obs-api') ?? header(res.headers, 'api');
  const dialect: DialectName = res.status < 300 && obsApiVersionIsObs(api) ? 'obs' : 's3';
  cache.set(origin, dialect);
  return dialect;
}

/** For tests. */
export function clearDialectCache(): void {
  cache.clear();
}
