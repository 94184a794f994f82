import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCompleteMultipartXml, buildDeleteXml, parseBucketEncryption, parseBucketLocation, parseCompleteMultipart, parseCopyResult,
  parseDeleteResult, parseInitiateMultipart, parseListMultipartUploads, parseListParts, parseXml, text,
} from '../../../src/storage/xml';

void test('parseCopyResult: ETag from CopyObjectResult or CopyPartResult; none for an error body or empty body', () => {
  assert.equal(parseCopyResult('<CopyObjectResult><LastModified>2026-01-01T00:00:00Z</LastModified><ETag>"e1"</ETag></CopyObjectResult>').etag, '"e1"');
  assert.equal(parseCopyResult('<CopyPartResult><ETag>e2</ETag></CopyPartResult>').etag, 'e2');
  assert.equal(parseCopyResult('<Error><Code>InternalError</Code></Error>').etag, undefined);
  assert.equal(parseCopyResult('').etag, undefined);
  assert.equal(parseCopyResult('<CopyObjectResult><ETag></ETag></CopyObjectResult>').etag, undefined);
});

void test('parseInitiateMultipart keeps the upload id as a string', () => {
  assert.equal(parseInitiateMultipart('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>0001</UploadId></InitiateMultipartUploadResult>').uploadId, '0001');
});

void test('parseCompleteMultipart: empty ETag (RGW) is undefined; a 200 with an <Error> root is an error', () => {
  assert.equal(parseCompleteMultipart('<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>').etag, undefined);
  assert.equal(parseCompleteMultipart('<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>').etag, '"x-2"');
  assert.equal(parseCompleteMultipart('<Error><Code>InvalidPart</Code><Message>m</Message></Error>').error?.code, 'InvalidPart');
});

void test('parseListParts: a single Part is a list; next marker read when truncated', () => {
  const r = parseListParts('<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker><Part><PartNumber>1</PartNumber><ETag>"p1"</ETag><Size>5</Size></Part></ListPartsResult>');
  assert.deepEqual(r.parts.map((p) => [p.partNumber, p.etag, p.size]), [[1, '"p1"', 5]]);
  assert.equal(r.isTruncated, true);
  assert.equal(r.nextPartNumberMarker, 1);
});

void test('parseListMultipartUploads decodes url-encoded keys', () => {
  const r = parseListMultipartUploads('<ListMultipartUploadsResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Upload><Key>a+b%2F</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>');
  assert.deepEqual(r.uploads.map((u) => [u.key, u.uploadId]), [['a b/', 'u1']]);
});

void test('parseDeleteResult: Deleted and Error entries (single entries are lists)', () => {
  const r = parseDeleteResult('<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>');
  assert.deepEqual(r.deleted, [{ key: 'a' }]);
  assert.deepEqual(r.errors, [{ key: 'b', code: 'AccessDenied', message: 'no' }]);
});

void test('parseBucketLocation: OBS <Location>, AWS <LocationConstraint> (empty = us-east-1), SDK nesting', () => {
  assert.equal(parseBucketLocation('<Location xmlns="http://obs.cn-north-4.myhuaweicloud.com/doc/2015-06-30/">cn-north-4</Location>'), 'cn-north-4');
  assert.equal(parseBucketLocation('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>'), 'eu-west-1');
  assert.equal(parseBucketLocation('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>'), 'us-east-1');
  assert.equal(parseBucketLocation('<CreateBucketConfiguration><LocationConstraint>ap-1</LocationConstraint></CreateBucketConfiguration>'), 'ap-1');
});

void test('parseBucketEncryption reads algorithm, KMS key, SM4 and project id', () => {
  const r = parseBucketEncryption(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>
    <SSEAlgorithm>kms</SSEAlgorithm><KMSDataEncryption>SM4</KMSDataEncryption><KMSMasterKeyID>k1</KMSMasterKeyID><ProjectID>p</ProjectID>
    </ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`);
  assert.deepEqual(r, { algorithm: 'kms', kmsKeyId: 'k1', dataAlgorithm: 'SM4', projectId: 'p' });
});

void test('buildCompleteMultipartXml sorts parts ascending and escapes ETags', () => {
  const xml = buildCompleteMultipartXml([{ partNumber: 2, etag: '"b"' }, { partNumber: 1, etag: '"a"' }]);
  assert.equal(xml, '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part></CompleteMultipartUpload>');
});

void test('buildDeleteXml escapes markup and keeps \\r as a character reference; the parser reads keys back intact', () => {
  const keys = ['a<b>&"\'', 'cr\rlf\n', ' spaced ', '日本'];
  const xml = buildDeleteXml(keys.map((key) => ({ key })), true);
  assert.match(xml, /<Quiet>true<\/Quiet>/);
  assert.match(xml, /&#13;/);
  const parsed = parseXml(xml) as { Delete: { Object: Array<{ Key: string }> } };
  assert.deepEqual(parsed.Delete.Object.map((o) => text(o.Key)), keys);
});
