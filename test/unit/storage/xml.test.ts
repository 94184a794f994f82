import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeleteResult, parseErrorXml, parseListBuckets, parseListMultipartUploads, parseListObjects, scanListing, START_AFTER_MARK } from '../../../src/storage/xml';

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

// ---- The listing scanner (hot path) against the general parser ----

const ODD = ['a&b', '<tag>', 'quote"s', "apo's", ' lead', 'trail ', '\ttab', 'emoji 😀', 'ä/ö/ü', 'a+b', '100%', 'x>y', 'line\rfeed', '&amp;lt;', 'dir/', 'ünï/cödé/'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\r/g, '&#13;');
const escNumeric = (s: string): string => [...s].map((c) => (/[A-Za-z0-9/ ]/.test(c) ? c : `&#${c.codePointAt(0)};`)).join('');

function listingBody(opts: { v2: boolean; encoded: boolean; truncated: boolean; keys: string[]; prefixes: string[]; enc: (s: string) => string; pretty: boolean }): string {
  const n = opts.pretty ? '\n  ' : '';
  const v = (s: string): string => opts.enc(opts.encoded ? encodeURIComponent(s) : s);
  const head = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `${n}<Name>b</Name>${n}<Prefix></Prefix>${n}<MaxKeys>1000</MaxKeys>`,
    opts.encoded ? `${n}<EncodingType>url</EncodingType>` : '',
    opts.v2 ? `${n}<KeyCount>${opts.keys.length}</KeyCount>` : `${n}<Marker></Marker>`,
    `${n}<IsTruncated>${opts.truncated}</IsTruncated>`,
    opts.truncated && opts.v2 ? `${n}<NextContinuationToken>tok&amp;1</NextContinuationToken>` : '',
    opts.truncated && !opts.v2 ? `${n}<NextMarker>${v(opts.keys.at(-1) ?? 'm')}</NextMarker>` : '',
  ].join('');
  const contents = opts.keys.map((k, i) => `${n}<Contents>${n}<Key>${v(k)}</Key><LastModified>2026-12-0${1 + (i % 9)}T10:00:00.000Z</LastModified>`
    + `<ETag>&quot;${i.toString(16).padStart(32, '0')}&quot;</ETag><Size>${i * 7}</Size>`
    + `${i % 3 === 0 ? '<StorageClass>STANDARD</StorageClass>' : i % 3 === 1 ? '<StorageClass/>' : ''}`
    + `<Owner><ID>o</ID><DisplayName>O</DisplayName></Owner>${n}</Contents>`).join('');
  const prefixes = opts.prefixes.map((p) => `${n}<CommonPrefixes><Prefix>${v(p)}</Prefix></CommonPrefixes>`).join('');
  return `${head}${contents}${prefixes}\n</ListBucketResult>`;
}

void test('listing scanner: reads every page shape the way the general parser does', () => {
  let scanned = 0;
  for (const v2 of [true, false]) {
    for (const encoded of [true, false]) {
      for (const truncated of [true, false]) {
        for (const enc of [esc, escNumeric]) {
          for (const pretty of [true, false]) {
            for (const keys of [[], ODD.filter((k) => !k.endsWith('/')), Array.from({ length: 50 }, (_, i) => `k${i}${ODD[i % ODD.length]}`)]) {
              const prefixes = keys.length === 0 ? [] : ODD.filter((k) => k.endsWith('/'));
              const body = listingBody({ v2, encoded, truncated, keys, prefixes, enc, pretty });
              assert.ok(scanListing(body), `the scanner reads ${body.slice(0, 120)}`);
              scanned++;
              assert.deepEqual(parseListObjects(body), parseListObjects(body, { general: true }), `same page for v2=${v2} encoded=${encoded} truncated=${truncated} pretty=${pretty}`);
            }
          }
        }
      }
    }
  }
  assert.equal(scanned, 96);
  // A sample is what it should be, not merely the same both ways.
  const page = parseListObjects(listingBody({ v2: true, encoded: true, truncated: true, keys: ['a&b', ' lead'], prefixes: ['dir/'], enc: esc, pretty: true }));
  assert.deepEqual(page.objects.map((o) => [o.key, o.size, o.etag, o.storageClass]), [['a&b', 0, `"${'0'.repeat(32)}"`, 'STANDARD'], [' lead', 7, `"${'0'.repeat(31)}1"`, undefined]]);
  assert.deepEqual(page.prefixes, ['dir/']);
  assert.equal(page.nextContinuation, 'tok&1');
});

void test('listing scanner: hands what it does not read to the general parser, with the same result', () => {
  const plain = listingBody({ v2: true, encoded: false, truncated: false, keys: ['a', 'b'], prefixes: [], enc: esc, pretty: false });
  const odd = [
    plain.replace('<Key>a</Key>', '<Key><![CDATA[a]]></Key>'),
    plain.replace('<Key>b</Key>', '<!-- c --><Key>b</Key>'),
    plain.replace(/<(\/?)(Contents|Key|Size)>/g, '<$1s3:$2>').replace('<ListBucketResult xmlns', '<ListBucketResult xmlns:s3="x" xmlns'),
    plain.replace('<Key>a</Key>', '<Key xml:space="preserve">a</Key>'),
    plain.replace('<Key>a</Key>', '<Key>a&nbsp;</Key>'),
  ];
  for (const body of odd) {
    assert.equal(scanListing(body), undefined, body);
    let general: unknown;
    try {
      general = parseListObjects(body, { general: true });
    } catch (e) {
      general = e;
    }
    let either: unknown;
    try {
      either = parseListObjects(body);
    } catch (e) {
      either = e;
    }
    assert.deepEqual(either, general);
  }
});

void test('a key with entity-like text (&amp;lt;) is read as sent, by the scanner and the general parser alike', () => {
  const body = '<ListBucketResult><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>&amp;amp;lt;&#38;&#x3c;&#1114112;</Key><Size>1</Size></Contents></ListBucketResult>';
  for (const general of [false, true]) {
    assert.equal(parseListObjects(body, { general }).objects[0].key, '&amp;lt;&<&#1114112;');
  }
  const uploads = parseListMultipartUploads('<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>&amp;amp;</Key><UploadId>u</UploadId></Upload></ListMultipartUploadsResult>');
  assert.equal(uploads.uploads[0].key, '&amp;');
  const deleted = parseDeleteResult('<DeleteResult><Deleted><Key>&amp;quot;</Key></Deleted></DeleteResult>');
  assert.equal(deleted.deleted[0].key, '&quot;');
});
