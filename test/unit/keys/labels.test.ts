import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainRefusedWrite } from '../../../src/keys/access';
import { bucketEncryptionLabel, encryptionLabel, newEncryptionLabel } from '../../../src/keys/labels';
import { StorageError } from '../../../src/storage';

const FP = 'dOeVILPvAAAAAAAAAAAAAA==';

describe('the one encryption label', () => {
  it('names the stored key that opens an SSE-C object, or says that none is stored', () => {
    const sseC = { type: 'sse-c' as const, keyMd5: FP, algorithm: 'AES256' };
    assert.equal(encryptionLabel(sseC, { stored: true, label: 'team key' }), 'SSE-C team key (dOeVILPv)');
    assert.equal(encryptionLabel(sseC, { stored: false }), 'SSE-C, key not stored (MD5 dOeVILPv)');
    assert.equal(encryptionLabel({ ...sseC, keyMd5: '' }, { stored: false }), 'SSE-C, key not stored');
    assert.equal(encryptionLabel(sseC), 'SSE-C dOeVILPv');
    assert.equal(encryptionLabel({ type: 'kms', keyId: 'testkey-2' }), 'SSE-KMS testkey-2');
    assert.equal(encryptionLabel({ type: 'none' }), 'not encrypted');
  });

  it('labels what a rule gives new objects and a bucket default', () => {
    assert.equal(newEncryptionLabel({ type: 'sse-c', keyFingerprint: FP }, 'team key'), 'SSE-C team key (dOeVILPv)');
    assert.equal(newEncryptionLabel({ type: 'kms' }), 'SSE-KMS (the bucket\'s default KMS key)');
    assert.equal(bucketEncryptionLabel(undefined), 'none');
    assert.equal(bucketEncryptionLabel({ algorithm: 'kms', kmsKeyId: 'k2' }), 'SSE-KMS k2');
    assert.equal(bucketEncryptionLabel({ algorithm: 'service' }), 'SSE (service key)');
  });
});

describe('explainRefusedWrite', () => {
  const byRule = { encryption: { type: 'kms' as const, kmsKeyId: 'nope' }, chosenBy: 'rule "c/b/p/"', rule: { connection: 'c', bucket: 'b', prefix: 'p/', encryption: { type: 'kms' as const, kmsKeyId: 'nope' } } };
  const refused = (code: 'KmsKeyUnknown' | 'AccessDenied' | 'NotImplemented' | 'Network') =>
    new StorageError({ code, message: 'server said no', operation: 'putObject', status: 403, requestId: 'rid-1', serverCode: code === 'AccessDenied' ? 'AccessDenied' : undefined });

  it('names the KMS key id, the bucket and the rule; keeps the code and the request id', () => {
    const e = explainRefusedWrite(refused('KmsKeyUnknown'), 'b', 'p/x', byRule) as StorageError;
    assert.equal(e.code, 'KmsKeyUnknown');
    assert.equal(e.requestId, 'rid-1');
    assert.match(e.message, /^b\/p\/x was not written: the KMS key id "nope", chosen by rule "c\/b\/p\/", is unknown/);
    assert.match(e.message, /change the rule/);
  });

  it('explains an access refusal as a bucket that may not allow the encryption, naming the connection default', () => {
    const chosen = { encryption: { type: 'sse-c' as const, keyFingerprint: FP }, chosenBy: 'the default of connection "c"' };
    const e = explainRefusedWrite(refused('AccessDenied'), 'b', 'x', chosen) as StorageError;
    assert.match(e.message, /Bucket b may not allow SSE-C dOeVILPv \(a bucket policy can block SSE-C or require SSE-KMS\), which the default of connection "c" chose/);
    assert.match(e.message, /default encryption/);
  });

  it('leaves other failures alone', () => {
    const err = refused('Network');
    assert.equal(explainRefusedWrite(err, 'b', 'x', byRule), err);
    const plain = new Error('x');
    assert.equal(explainRefusedWrite(plain, 'b', 'x', byRule), plain);
  });
});
