// The listings: ListObjectsV2, ListObjects and ListObjectVersions, answered here in S3's key order
// (s3rver's own listing is not; see listObjects) with S3's paging (MaxKeys, markers, continuation
// tokens through local/aws/pagination.ts).
import { pageSize } from '../pagination.js';
import { VERSION_ID } from './operations.js';
import type { KoaContext } from './s3rver.js';
import { requireBucket, type S3State } from './state.js';
import { S3HttpError, XMLNS, queryParam, sendXml, xmlEscape } from './wire.js';

// ListObjectsV2 and ListObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
// API_ListObjects.html), answered here rather than by s3rver: s3rver signs its continuation
// tokens with DES, which OpenSSL 3 no longer offers (every truncated listing was a 500), and it
// lists in file-system walk order, which is not S3's UTF-8 binary order (`a/x` came before `a-b`,
// so a page boundary inside `a/` lost `a-b` and `a.b`). Here: keys in UTF-8 binary order;
// MaxKeys (at most 1,000 returned, the requested value echoed) counts keys and common prefixes
// alike, as KeyCount does; StartAfter / Marker; NextContinuationToken is opaque (AES-GCM under a
// per-emulator key, so a forged or another bucket's token is 400 InvalidArgument); ListObjects
// returns NextMarker only with a Delimiter, as documented; EncodingType=url encodes the keys.
export async function listObjects(s: S3State, ctx: KoaContext, bucket: string, v2: boolean): Promise<void> {
  // A name that breaks the bucket naming rules (`..` decoded from `%2E%2E`) names no bucket (S3
  // User Guide, "Bucket naming rules").
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket))
    throw new S3HttpError('NoSuchBucket', 'The specified bucket does not exist', 404);
  await requireBucket(ctx, bucket);
  const q = (n: string) => queryParam(ctx, n);
  const prefix = q('prefix') ?? '';
  const delimiter = q('delimiter') ?? '';
  const encoding = q('encoding-type');
  if (encoding !== undefined && encoding !== 'url')
    throw new S3HttpError('InvalidArgument', 'Invalid Encoding Method specified in Request', 400);
  const rawMax = q('max-keys');
  const maxKeys = maxKeysOf(rawMax);
  let marker: string;
  const token = q('continuation-token');
  if (v2) {
    if ('marker' in ctx.query)
      throw new S3HttpError('InvalidArgument', 'Marker unsupported with REST.GET.BUCKET in list-type=2', 400);
    // With both, the listing continues after whichever sorts later (the token was issued for a
    // listing that already started after StartAfter).
    const startAfter = q('start-after') ?? '';
    const continued = token !== undefined ? continuedAfter(s, bucket, token) : '';
    marker = compareKeys(continued, startAfter) > 0 ? continued : startAfter;
  } else {
    if ('continuation-token' in ctx.query)
      throw new S3HttpError(
        'InvalidArgument',
        'continuation-token only supported in REST.GET.BUCKET with list-type=2',
        400,
      );
    if ('start-after' in ctx.query)
      throw new S3HttpError('InvalidArgument', 'startAfter only supported in REST.GET.BUCKET with list-type=2', 400);
    marker = q('marker') ?? '';
  }

  const contents: string[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (const key of maxKeys === 0 ? [] : keysOf(s, bucket, prefix, marker)) {
    let entry = key;
    let isPrefix = false;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        entry = key.slice(0, at + delimiter.length);
        isPrefix = true;
        // Keys of a common prefix already returned (on this page, or as the marker of the last).
        if (entry === last || compareKeys(entry, marker) <= 0) continue;
      }
    }
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    (isPrefix ? prefixes : contents).push(entry);
    last = entry;
  }

  const metadata = await Promise.all(contents.map((k) => ctx.store.getMetadata(bucket, k).catch(() => undefined)));
  const enc = (s: string) => xmlEscape(encoding === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const el = (name: string, value: string | number | boolean | undefined) =>
    value === undefined ? '' : `<${name}>${typeof value === 'string' ? value : String(value)}</${name}>`;
  const owner =
    !v2 || q('fetch-owner') === 'true' ? '<Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>' : '';
  const items = contents
    .map((key, i) => {
      const m = metadata[i];
      if (!m) return '';
      return `<Contents>${el('Key', enc(key))}${el('LastModified', new Date(m['last-modified']!).toISOString())}${el('ETag', xmlEscape(m.etag ?? ''))}${el('Size', Number(m['content-length'] ?? 0))}${owner}<StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join('');
  const common = prefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('');
  const head =
    `${el('Name', xmlEscape(bucket))}${el('Prefix', enc(prefix))}` +
    (v2
      ? `${q('start-after') !== undefined ? el('StartAfter', enc(q('start-after')!)) : ''}${el('KeyCount', contents.length + prefixes.length)}`
      : `${el('Marker', enc(marker))}${truncated && delimiter ? el('NextMarker', enc(last!)) : ''}`) +
    `${el('MaxKeys', rawMax ?? 1000)}${delimiter ? el('Delimiter', enc(delimiter)) : ''}${el('IsTruncated', truncated)}` +
    (v2
      ? `${token !== undefined ? el('ContinuationToken', xmlEscape(token)) : ''}${truncated ? el('NextContinuationToken', s.tokens.seal(listing(bucket), last!)) : ''}`
      : '') +
    (encoding ? el('EncodingType', 'url') : '');
  sendXml(
    ctx,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${XMLNS}">${head}${items}${common}</ListBucketResult>`,
  );
}

/** Every key of the bucket that starts with `prefix` and sorts after `after`, in UTF-8 binary order. */
function keysOf(s: S3State, bucket: string, prefix: string, after: string): string[] {
  const keys: string[] = [];
  for (const key of s.store.keys(bucket)) if (key.startsWith(prefix) && compareKeys(key, after) > 0) keys.push(key);
  return keys.sort(compareKeys);
}

// ListObjectVersions (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html):
// the versions and delete markers this emulator has recorded (writes while versioning was
// Enabled), keys in UTF-8 binary order and newest first per key, filtered by prefix. Pages of
// MaxKeys (at most 1,000) entries: KeyMarker alone continues after every version of that key,
// with VersionIdMarker after that version of it; a truncated page names NextKeyMarker and
// NextVersionIdMarker. A VersionIdMarker without KeyMarker is 400 InvalidArgument, as is a
// malformed one.
export async function listVersions(s: S3State, ctx: KoaContext, bucket: string): Promise<void> {
  await requireBucket(ctx, bucket);
  const q = (n: string) => queryParam(ctx, n);
  const prefix = q('prefix') ?? '';
  const keyMarker = q('key-marker') ?? '';
  const versionIdMarker = q('version-id-marker');
  if (versionIdMarker !== undefined && versionIdMarker !== '') {
    if (keyMarker === '')
      throw new S3HttpError('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', 400);
    if (!VERSION_ID.test(versionIdMarker))
      throw new S3HttpError('InvalidArgument', 'Invalid version id specified', 400);
  }
  const rawMax = q('max-keys');
  const maxKeys = maxKeysOf(rawMax);
  const owner = '<Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>';
  const keys = [...s.history.keys()]
    .filter((id) => id.startsWith(`${bucket}\0`))
    .map((id) => id.slice(bucket.length + 1))
    .filter((k) => k.startsWith(prefix) && compareKeys(k, keyMarker) >= 0)
    .sort(compareKeys);
  const entries: string[] = [];
  let last: { key: string; versionId: string } | undefined;
  let truncated = false;
  outer: for (const key of keys) {
    const list = [...(s.history.get(`${bucket}\0${key}`) ?? [])].reverse();
    let start = 0;
    if (key === keyMarker) {
      if (!versionIdMarker) continue;
      const at = list.findIndex((r) => r.versionId === versionIdMarker);
      if (at < 0) continue;
      start = at + 1;
    }
    for (let i = start; i < list.length; i++) {
      if (entries.length >= maxKeys) {
        truncated = true;
        break outer;
      }
      const r = list[i]!;
      const common = `<Key>${xmlEscape(key)}</Key><VersionId>${r.versionId}</VersionId><IsLatest>${i === 0}</IsLatest><LastModified>${r.lastModified.toISOString()}</LastModified>`;
      if (r.deleteMarker) entries.push(`<DeleteMarker>${common}${owner}</DeleteMarker>`);
      else {
        entries.push(
          `<Version>${common}<ETag>${xmlEscape(r.headers?.etag ?? '')}</ETag><Size>${r.body?.length ?? 0}</Size><StorageClass>STANDARD</StorageClass>${owner}</Version>`,
        );
      }
      last = { key, versionId: r.versionId };
    }
  }
  const next =
    truncated && last
      ? `<NextKeyMarker>${xmlEscape(last.key)}</NextKeyMarker><NextVersionIdMarker>${last.versionId}</NextVersionIdMarker>`
      : '';
  sendXml(
    ctx,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="${XMLNS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyMarker>${xmlEscape(keyMarker)}</KeyMarker><VersionIdMarker>${xmlEscape(versionIdMarker ?? '')}</VersionIdMarker>${next}<MaxKeys>${rawMax ?? 1000}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${entries.join('')}</ListVersionsResult>`,
  );
}

/**
 * MaxKeys of ListObjects, ListObjectsV2 and ListObjectVersions: an integer 0-2147483647, else 400
 * InvalidArgument (as S3 answers); at most 1,000 entries are returned whatever is asked
 * (API_ListObjectsV2, "MaxKeys"), and the request's value is echoed.
 */
function maxKeysOf(raw: string | undefined): number {
  if (raw !== undefined && !/^-?\d+$/.test(raw))
    throw new S3HttpError('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  const asked = pageSize(
    raw === undefined ? undefined : Number(raw),
    { min: 0, max: 2147483647, default: 1000 },
    () => new S3HttpError('InvalidArgument', 'Argument maxKeys must be an integer between 0 and 2147483647', 400),
  );
  return Math.min(1000, asked);
}

/** The listing a continuation token belongs to: ListObjectsV2 of one bucket. */
function listing(bucket: string): string {
  return `ListObjectsV2:${bucket}`;
}

/**
 * The entry a continuation token continues after; 400 InvalidArgument for a token this bucket's
 * listing never issued (API_ListObjectsV2, "ContinuationToken").
 */
function continuedAfter(s: S3State, bucket: string, token: string): string {
  const invalid = () => new S3HttpError('InvalidArgument', 'The continuation token provided is incorrect', 400);
  const after = s.tokens.open(token, listing(bucket), invalid);
  if (typeof after !== 'string') throw invalid();
  return after;
}

/** S3 orders keys by the bytes of their UTF-8 encoding (API_ListObjectsV2: "in UTF-8 binary order"). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
