import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyFormatError, parseKey, shortFingerprint } from '../../../src/keys/keyMaterial';
import { keyFingerprint } from '../../../src/storage';

const raw = randomBytes(32);

describe('parseKey', () => {
  it('accepts base64 with padding, without padding, URL alphabet and with a trailing newline', () => {
    const b64 = raw.toString('base64');
    for (const text of [b64, b64.replace(/=+$/, ''), raw.toString('base64url'), `${b64}\n`, `  ${b64.slice(0, 20)}\n${b64.slice(20)}  `]) {
      assert.deepEqual(Buffer.from(parseKey(text)), raw, `form: ${JSON.stringify(text.length)}`);
    }
  });

  it('accepts hex in either case and with a 0x prefix', () => {
    const hex = raw.toString('hex');
    for (const text of [hex, hex.toUpperCase(), `0x${hex}`]) {
      assert.deepEqual(Buffer.from(parseKey(text)), raw);
    }
  });

  it('accepts the raw 32 bytes of a key file', () => {
    assert.deepEqual(Buffer.from(parseKey(new Uint8Array(raw))), raw);
  });

  it('accepts a key file holding base64 or hex text (trailing newline, CRLF, byte order mark)', () => {
    for (const text of [`${raw.toString('base64')}\n`, `${raw.toString('hex').toUpperCase()}\r\n`, raw.toString('base64').replace(/=+$/, '')]) {
      assert.deepEqual(Buffer.from(parseKey(Buffer.from(text))), raw);
    }
    assert.deepEqual(Buffer.from(parseKey(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(raw.toString('base64'))]))), raw);
  });

  it('refuses a raw key file of 16 or 33 bytes and says how many bytes it holds', () => {
    for (const n of [16, 33]) {
      const bytes = Buffer.concat([Buffer.from([0xff]), randomBytes(n - 1)]); // certainly not text
      assert.throws(() => parseKey(bytes), (e: Error) => e instanceof KeyFormatError && e.message.includes(`${n} bytes`) && /exactly 32 bytes/.test(e.message));
    }
  });

  it('refuses a 16-byte key and says how many bytes it found', () => {
    assert.throws(() => parseKey(randomBytes(16).toString('base64')), (e: Error) => e instanceof KeyFormatError && /16 bytes/.test(e.message) && /32/.test(e.message));
    assert.throws(() => parseKey(randomBytes(16).toString('hex')), /16 bytes/);
  });

  it('refuses 63 or 65 hex digits with a hex reason (not a base64 one)', () => {
    const hex = randomBytes(32).toString('hex');
    for (const text of [hex.slice(1), `${hex}a`, `0x${hex.slice(1)}`]) {
      assert.throws(() => parseKey(text), (e: Error) => e instanceof KeyFormatError && /hex with 6[35] digits/.test(e.message)
        && /64 hex digits/.test(e.message) && !/base64|decodes/.test(e.message));
    }
    assert.throws(() => parseKey(hex.slice(2)), (e: Error) => /31 bytes as hex \(62 digits\)/.test(e.message));
  });

  it('refuses text that is neither base64 nor hex, without echoing it', () => {
    const secretish = 'this is not a key!';
    assert.throws(
      () => parseKey(secretish),
      (e: Error) => e instanceof KeyFormatError && /neither base64 nor hex/.test(e.message) && !e.message.includes(secretish),
    );
  });

  it('refuses an empty or blank value', () => {
    assert.throws(() => parseKey(''), /empty/);
    assert.throws(() => parseKey('  \n '), /empty/);
  });
});

describe('keyFingerprint', () => {
  it('is base64(MD5(raw key)), the value servers echo as customer-key-MD5', () => {
    assert.equal(keyFingerprint(raw), createHash('md5').update(raw).digest('base64'));
  });
  it('has a short form without padding that is a prefix of the fingerprint', () => {
    const fp = keyFingerprint(raw);
    const s = shortFingerprint(fp);
    assert.equal(s.length, 8);
    assert.ok(fp.startsWith(s));
  });
});
