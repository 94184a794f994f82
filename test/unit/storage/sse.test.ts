import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DIALECTS } from '../../../src/storage/dialect';
import { keyFingerprint } from '../../../src/storage/digest';
import { encryptionHeaders, parseEncryption, repeatedEncryptionHeaders, sseCustomerHeaders } from '../../../src/storage/sse';
import { StorageError } from '../../../src/storage';

const KEY = new Uint8Array(32).map((_, i) => i);
const KEY_B64 = Buffer.from(KEY).toString('base64');
const KEY_MD5 = createHash('md5').update(KEY).digest('base64');

void test('SSE-C target headers for S3: algorithm AES256, base64 key, base64 MD5 of the raw key', () => {
  assert.deepEqual(encryptionHeaders({ type: 'sse-c', key: KEY }, DIALECTS.s3), {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': KEY_B64,
    'x-amz-server-side-encryption-customer-key-MD5': KEY_MD5,
  });
  assert.equal(keyFingerprint(KEY), KEY_MD5);
});

void test('SSE-C copy-source headers use the copy-source- prefix, OBS uses x-obs-', () => {
  assert.deepEqual(Object.keys(sseCustomerHeaders(KEY, DIALECTS.obs, true)), [
    'x-obs-copy-source-server-side-encryption-customer-algorithm',
    'x-obs-copy-source-server-side-encryption-customer-key',
    'x-obs-copy-source-server-side-encryption-customer-key-MD5',
  ]);
});

void test('SSE-C keys that are not 32 bytes are rejected without echoing the key', () => {
  assert.throws(() => sseCustomerHeaders(new Uint8Array(16).fill(7), DIALECTS.s3), (e: unknown) =>
    e instanceof StorageError && e.code === 'InvalidArgument' && !e.message.includes(Buffer.alloc(16, 7).toString('base64')));
});

void test('SSE-KMS: aws:kms with key id on S3; kms with key id, SM4 and project id on OBS', () => {
  assert.deepEqual(encryptionHeaders({ type: 'kms', keyId: 'testkey-1' }, DIALECTS.s3), {
    'x-amz-server-side-encryption': 'aws:kms',
    'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1',
  });
  assert.deepEqual(encryptionHeaders({ type: 'kms', keyId: 'k', dataAlgorithm: 'SM4', projectId: 'p' }, DIALECTS.obs), {
    'x-obs-server-side-encryption': 'kms',
    'x-obs-server-side-encryption-kms-key-id': 'k',
    'x-obs-server-side-data-encryption': 'SM4',
    'x-obs-sse-kms-key-project-id': 'p',
  });
  assert.deepEqual(encryptionHeaders({ type: 'kms' }, DIALECTS.s3), { 'x-amz-server-side-encryption': 'aws:kms' });
});

void test('service-managed and none', () => {
  assert.deepEqual(encryptionHeaders({ type: 'service' }, DIALECTS.obs), { 'x-obs-server-side-encryption': 'AES256' });
  assert.deepEqual(encryptionHeaders({ type: 'none' }, DIALECTS.s3), {});
  assert.deepEqual(encryptionHeaders(undefined, DIALECTS.s3), {});
});

void test('only SSE-C repeats on follow-up requests (parts, later appends)', () => {
  assert.deepEqual(repeatedEncryptionHeaders({ type: 'kms', keyId: 'k' }, DIALECTS.s3), {});
  assert.equal(Object.keys(repeatedEncryptionHeaders({ type: 'sse-c', key: KEY }, DIALECTS.s3)).length, 3);
});

void test('parseEncryption classifies by value: kms / aws:kms, AES256 alone = service, customer algorithm = sse-c', () => {
  assert.deepEqual(parseEncryption({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'testkey-1' }),
    { type: 'kms', keyId: 'testkey-1' });
  assert.deepEqual(parseEncryption({ 'x-obs-server-side-encryption': 'kms', 'x-obs-server-side-encryption-kms-key-id': 'r:d:key/k', 'x-obs-server-side-data-encryption': 'SM4' }),
    { type: 'kms', keyId: 'r:d:key/k', dataAlgorithm: 'SM4' });
  assert.deepEqual(parseEncryption({ 'x-obs-server-side-encryption': 'AES256' }), { type: 'service' });
  assert.deepEqual(parseEncryption({ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key-md5': KEY_MD5 }),
    { type: 'sse-c', algorithm: 'AES256', keyMd5: KEY_MD5 });
  assert.deepEqual(parseEncryption({}), { type: 'none' });
});
