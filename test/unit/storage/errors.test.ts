import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorContext, errorFromException, errorFromResponse, StorageError } from '../../../src/storage/errors';

const GET: ErrorContext = { operation: 'getObject', method: 'GET', bucket: 'b', key: 'k' };
const HEAD: ErrorContext = { operation: 'headObject', method: 'HEAD', bucket: 'b', key: 'k' };
const xml = (code: string, message = ''): string =>
  `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>tx9</RequestId></Error>`;

void test('SSE-C read without a key: RGW 400 InvalidArgument and AWS 400 InvalidRequest both map to KeyMissing', () => {
  assert.equal(errorFromResponse({ status: 400, headers: {}, body: xml('InvalidArgument') }, GET).code, 'KeyMissing');
  assert.equal(errorFromResponse({ status: 400, headers: {}, body: xml('InvalidRequest') }, GET).code, 'KeyMissing');
  assert.equal(errorFromResponse({ status: 400, headers: {} }, HEAD).code, 'KeyMissing');
});

void test('SSE-C read with a wrong key: RGW 400 (HEAD without body) and AWS 403 AccessDenied map to KeyWrong', () => {
  const withKey = { ...GET, sentSseCustomerKey: true };
  assert.equal(errorFromResponse({ status: 400, headers: {}, body: xml('InvalidArgument', 'MD5 did not match') }, withKey).code, 'KeyWrong');
  assert.equal(errorFromResponse({ status: 403, headers: {}, body: xml('AccessDenied') }, withKey).code, 'KeyWrong');
  assert.equal(errorFromResponse({ status: 400, headers: {} }, { ...HEAD, sentSseCustomerKey: true }).code, 'KeyWrong');
});

void test('a 400 InvalidArgument on a write is not an SSE-C key problem', () => {
  const e = errorFromResponse({ status: 400, headers: {}, body: xml('InvalidArgument') }, { operation: 'putObject', method: 'PUT', bucket: 'b', key: 'k' });
  assert.equal(e.code, 'InvalidArgument');
});

void test('InvalidAccessKeyId is KmsKeyUnknown only with a KMS key id AND confirmed credentials, else BadCredentials', () => {
  const put: ErrorContext = { operation: 'putObject', method: 'PUT', bucket: 'b', key: 'k', sentKmsKeyId: true };
  const body = xml('InvalidAccessKeyId');
  assert.equal(errorFromResponse({ status: 403, headers: {}, body }, { ...put, credentialsConfirmed: true }).code, 'KmsKeyUnknown');
  assert.equal(errorFromResponse({ status: 403, headers: {}, body }, put).code, 'BadCredentials');
  assert.equal(errorFromResponse({ status: 403, headers: {}, body }, { ...put, sentKmsKeyId: false, credentialsConfirmed: true }).code, 'BadCredentials');
  assert.equal(errorFromResponse({ status: 403, headers: {}, body: xml('SignatureDoesNotMatch') }, put).code, 'BadCredentials');
});

void test('empty server message: the message is built from code, status, operation, bucket and key', () => {
  const e = errorFromResponse({ status: 404, headers: { 'x-amz-request-id': 'rid' }, body: xml('NoSuchKey') }, { ...GET, sentSseCustomerKey: false });
  assert.equal(e.code, 'NoSuchKey');
  assert.match(e.message, /getObject/);
  assert.match(e.message, /404/);
  assert.match(e.message, /NoSuchKey/);
  assert.match(e.message, /b\/k/);
  assert.equal(e.requestId, 'tx9');
});

void test('HEAD errors come from x-obs-error-code / -message headers, with request id, id-2 and indicator', () => {
  const e = errorFromResponse({
    status: 404,
    headers: { 'x-obs-error-code': 'NoSuchBucket', 'x-obs-error-message': 'The specified bucket does not exist',
      'x-obs-request-id': 'R1', 'x-obs-id-2': 'H2', 'x-reserved-indicator': 'IND' },
  }, { operation: 'headBucket', method: 'HEAD', bucket: 'b' });
  assert.equal(e.code, 'NoSuchBucket');
  assert.equal(e.serverMessage, 'The specified bucket does not exist');
  assert.deepEqual([e.requestId, e.hostId, e.indicator], ['R1', 'H2', 'IND']);
});

void test('other mappings: 412, 501 NotImplemented, RequestTimeTooSkewed, SlowDown, 409 append position', () => {
  const put: ErrorContext = { operation: 'putObject', method: 'PUT', bucket: 'b', key: 'k' };
  assert.equal(errorFromResponse({ status: 412, headers: {}, body: xml('PreconditionFailed') }, put).code, 'PreconditionFailed');
  assert.equal(errorFromResponse({ status: 412, headers: {} }, put).code, 'PreconditionFailed');
  assert.equal(errorFromResponse({ status: 501, headers: {}, body: xml('NotImplemented') }, put).code, 'NotImplemented');
  assert.equal(errorFromResponse({ status: 403, headers: {}, body: xml('RequestTimeTooSkewed') }, put).code, 'ClockSkew');
  assert.equal(errorFromResponse({ status: 503, headers: {}, body: xml('SlowDown') }, put).code, 'Throttled');
  assert.equal(errorFromResponse({ status: 409, headers: {}, body: xml('PositionNotEqualToLength') }, put).code, 'Conflict');
});

void test('exceptions: abort -> Aborted, undici timeouts -> Timeout, others -> Network', () => {
  const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
  assert.equal(errorFromException(abort, GET).code, 'Aborted');
  assert.equal(errorFromException(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), GET).code, 'Timeout');
  assert.equal(errorFromException(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), GET).code, 'Network');
});

void test('StorageError.toJSON carries code, status, ids and context; it is a plain Error subclass', () => {
  const e = errorFromResponse({ status: 404, headers: {}, body: xml('NoSuchKey') }, GET);
  assert.ok(e instanceof Error && e instanceof StorageError);
  const json = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
  assert.equal(json.code, 'NoSuchKey');
  assert.equal(json.status, 404);
  assert.equal(json.operation, 'getObject');
  assert.equal(json.key, 'k');
});

test('network failures name a refused connection and an untrusted certificate in plain words', () => {
  const refused = errorFromException(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { operation: 'listBuckets' });
  assert.equal(refused.code, 'Network');
  assert.match(refused.message, /listBuckets .*refused the connection \(ECONNREFUSED\)/);
  const tls = errorFromException(Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), { operation: 'listBuckets' });
  assert.match(tls.message, /certificate is not trusted/);
});
