// Percent-encoding for object keys, query strings and listing values.

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function encodeWith(input: string, keepSlash: boolean): string {
  let out = '';
  for (const ch of input) {
    if (UNRESERVED.test(ch) || (keepSlash && ch === '/')) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/**
 * Encodes an object key for the request path: RFC 3986 unreserved characters and `/` stay as they are, every other
 * character becomes %XX of its UTF-8 bytes (space is %20, never `+`). Used once, exactly as signed (S3 and OBS).
 */
export function encodeKey(key: string): string {
  return encodeWith(key, true);
}

/** Encodes a query name or value (RFC 3986: `/` becomes %2F too). */
export function encodeQueryComponent(value: string): string {
  return encodeWith(value, false);
}

export type QueryParams = Array<[string, string]>;

/** Builds `a=1&b&c=x` from raw pairs; an empty value is written as the bare name (S3/OBS sub-resource style). */
export function buildQuery(params: QueryParams): string {
  return params
    .map(([k, v]) => (v === '' ? encodeQueryComponent(k) : `${encodeQueryComponent(k)}=${encodeQueryComponent(v)}`))
    .join('&');
}

/** Decodes a value from a listing made with `encoding-type=url`: form decoding, so `+` is a space. */
export function decodeListingValue(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, '%20'));
}

/** Splits a raw query string into decoded pairs (for redirects and tests). */
export function parseQuery(query: string): QueryParams {
  if (query === '') {
    return [];
  }
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    return [safeDecode(k), safeDecode(v)];
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
