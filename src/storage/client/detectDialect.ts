// OBS vs S3 auto-detection: an unsigned `HEAD /?apiversion`; OBS answers with `x-obs-api: 3.0` (or newer).

import { DialectName } from '../types';
import { header, Transport } from '../transport';

export function obsApiVersionIsObs(value: string | undefined): boolean {
  // Compared as a string, as the official SDKs do ('3.0' and later).
  return value !== undefined && value.trim() >= '3.0';
}

/** One probe; the client keeps the answer in its profile (a failed probe is repeated on the next request). */
export async function detectDialect(t: Transport, signal?: AbortSignal): Promise<DialectName> {
  const res = await t.send({
    operation: 'detectDialect', method: 'HEAD', query: [['apiversion', '']], unsigned: true, acceptAnyStatus: true, signal,
  });
  const api = header(res.headers, 'x-obs-api') ?? header(res.headers, 'api');
  return res.status < 300 && obsApiVersionIsObs(api) ? 'obs' : 's3';
}
