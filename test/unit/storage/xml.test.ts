import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseErrorXml, parseListBuckets, parseListObjects, START_AFTER_MARK } from '../../../src/storage/xml';

const V2_ENCODED = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bkt</Name><Prefix>dir%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>
  <NextContinuationToken>dir/b c</NextContinuationToken>
  <Contents><Key>dir/a+b%2Bc%01</Key><LastModified>2026-11-01T10:00:00.123Z</LastModified>
    <ETag>&quot;0123&quot;</ETag><Size>0012</Size><StorageClass>STANDARD</StorageClass></Contents>
  <CommonPrefixes><Prefix>dir/sub+dir%2F</Prefix></CommonPrefixes>
</ListBucketResult>`;

void test('parseListObjects v2: decodes url-encoded keys and prefixes, keeps ETag text, reads the token', () => {
  const page = parseListObjects(V2_ENCODED);
  assert.equal(page.objects.length, 1);
  const o = page.objects[0];
  assert.equal(o.key, 'dir/a b+c\u0001');
  assert.equal(o.etag, '"0123"');
  assert.equal(o.size, 12);
  assert.equal(o.lastModified.getTime(), Date.parse('2026-11-01T10:00:00.123Z'));
  assert.equal(o.storageClass, 'STANDARD');
  assert.deepEqual(page.prefixes, ['dir/sub dir/']);
  assert.equal(page.isTruncated, true);
  assert.equal(page.nextContinuation, 'dir/b c');
});

void test('parseListObjects: a single Contents / CommonPrefixes element is still a list; no coercion of numeric-looking keys', () => {
  const page = parseListObjects('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>0123</Key><Size>1</Size><ETag>1e5</ETag></Contents></ListBucketResult>');
  assert.equal(page.objects[0].key, '0123');
  assert.equal(page.objects[0].etag, '1e5');
  assert.deepEqual(page.prefixes, []);
  assert.equal(page.nextContinuation, undefined);
});

void test('parseListObjects: keys keep leading/trailing spaces and decode XML character references', () => {
  const page = parseListObjects('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key> a&amp;b&#13; </Key><Size>1</Size></Contents></ListBucketResult>');
  assert.equal(page.objects[0].key, ' a&b\r ');
});

void test('parseListObjects v1: NextMarker is decoded; truncated without NextMarker falls back to the greatest key or prefix', () => {
  const withMarker = parseListObjects(`<ListBucketResult><Marker></Marker><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
    <NextMarker>x+y</NextMarker><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>`);
  assert.equal(withMarker.nextContinuation, 'x y');
  const noMarker = parseListObjects(`<ListBucketResult><Marker></Marker><IsTruncated>true</IsTruncated>
    <Contents><Key>a</Key><Size>1</Size></Contents><CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes></ListBucketResult>`);
  assert.equal(noMarker.nextContinuation, 'b/');
});

void test('parseListObjects v2: truncated without a token continues with start-after the last key', () => {
  const page = parseListObjects('<ListBucketResult><KeyCount>1</KeyCount><IsTruncated>true</IsTruncated><Contents><Key>k9</Key><Size>1</Size></Contents></ListBucketResult>');
  assert.equal(page.nextContinuation, START_AFTER_MARK + 'k9');
});

void test('parseListBuckets reads names, creation dates and OBS locations', () => {
  const buckets = parseListBuckets(`<ListAllMyBucketsResult xmlns="http://obs.example/doc/2015-06-30/"><Owner><ID>o</ID></Owner><Buckets>
    <Bucket><Name>b1</Name><CreationDate>2026-01-02T03:04:05.000Z</CreationDate><Location>cn-north-4</Location></Bucket>
  </Buckets></ListAllMyBucketsResult>`);
  assert.deepEqual(buckets, [{ name: 'b1', creationDate: new Date('2026-01-02T03:04:05.000Z'), location: 'cn-north-4' }]);
  assert.deepEqual(parseListBuckets('<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>'), []);
});

void test('parseErrorXml reads code, message, resource, request id, host id; empty Message is undefined', () => {
  const e = parseErrorXml('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message></Message><Resource>/b/k</Resource><RequestId>tx1</RequestId><HostId>h2</HostId></Error>');
  assert.deepEqual(e, { code: 'NoSuchKey', message: undefined, resource: '/b/k', requestId: 'tx1', hostId: 'h2' });
  assert.equal(parseErrorXml('not xml at all <'), undefined);
  assert.equal(parseErrorXml('<Other/>'), undefined);
});
