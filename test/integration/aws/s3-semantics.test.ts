// Emulated S3 semantics held to the S3 API reference (issue 9): conditional writes and reads, listing
// past one page (ListObjectsV2, ListObjects, ListObjectVersions), and the error answers for a key
// that is too long or a version id that is malformed. Each test names the page that settles it.
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { useLocalAws } from '../../support/aws.js';

const aws = useLocalAws({ buckets: ['cond', 'listing', 'many', 'store', { name: 'versions', versioning: true }] });
const s3 = () => aws.clients.s3;

async function failure(p: Promise<unknown>): Promise<S3ServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(e)}`);
  return e;
}

/** Puts `keys` with bounded concurrency. */
async function putAll(bucket: string, keys: readonly string[], concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '' }));
      }
    }),
  );
}

describe('strong consistency (S3 User Guide, "Amazon S3 data consistency model")', () => {
  test('a read while the key is being overwritten gets the old or the new object whole, with its own ETag', async () => {
    // "Amazon S3 does not support object locking for concurrent writers ... the request with the
    // latest timestamp wins"; a read returns a whole object: PUTs are atomic.
    const size = 512 * 1024;
    const body = (c: string) => c.repeat(size);
    await s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'whole', Body: body('a') }));
    const seen = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const writes = ['b', 'c', 'a'].map((c) =>
        s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'whole', Body: body(c) })),
      );
      const reads = Array.from({ length: 6 }, async () => {
        const got = await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'whole' }));
        const text = await got.Body!.transformToString();
        // The ETag is the one of these very bytes (an unencrypted single-part object: their MD5).
        const md5 = createHash('md5').update(text).digest('hex');
        seen.add(`${text.length}:${new Set(text).size}:${got.ETag === `"${md5}"`}`);
      });
      await Promise.all([...writes, ...reads]);
    }
    expect([...seen]).toEqual([`${size}:1:true`]);
  });
});

describe('conditional writes (API_PutObject "If-None-Match", "If-Match"; S3 User Guide "conditional writes")', () => {
  test('If-None-Match: * creates a new key and answers 412 PreconditionFailed once the key exists', async () => {
    const first = await s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'once', Body: 'a', IfNoneMatch: '*' }));
    expect(first.ETag).toBeDefined();
    const e = await failure(
      s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'once', Body: 'b', IfNoneMatch: '*' })),
    );
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    const body = await (
      await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'once' }))
    ).Body!.transformToString();
    expect(body).toBe('a');
  });

  test('If-None-Match: * succeeds when the current version is a delete marker (the key does not exist)', async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'versions', Key: 'marked', Body: 'a' }));
    await s3().send(new DeleteObjectCommand({ Bucket: 'versions', Key: 'marked' }));
    const put = await s3().send(
      new PutObjectCommand({ Bucket: 'versions', Key: 'marked', Body: 'b', IfNoneMatch: '*' }),
    );
    expect(put.VersionId).toHaveLength(32);
  });

  test('If-Match writes only over the object with that ETag: a mismatch is 412, a missing key 404 NoSuchKey', async () => {
    const v1 = await s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'cas', Body: 'one' }));
    const v2 = await s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'cas', Body: 'two', IfMatch: v1.ETag }));
    expect(v2.ETag).not.toBe(v1.ETag);
    const stale = await failure(
      s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'cas', Body: 'three', IfMatch: v1.ETag })),
    );
    expect([stale.name, stale.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    const missing = await failure(
      s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'cas-missing', Body: 'x', IfMatch: v1.ETag })),
    );
    expect([missing.name, missing.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
    const body = await (
      await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'cas' }))
    ).Body!.transformToString();
    expect(body).toBe('two');
  });

  test('concurrent If-None-Match: * writes of one key: exactly one succeeds, the others are refused', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `writer-${i}`);
    const results = await Promise.allSettled(
      bodies.map((Body) => s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'race', Body, IfNoneMatch: '*' }))),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [bodies[i]] : []));
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected')
        expect(['PreconditionFailed', 'ConditionalRequestConflict']).toContain((r.reason as Error).name);
    const stored = await (
      await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'race' }))
    ).Body!.transformToString();
    expect(stored).toBe(won[0]);
  });
});

describe('conditional reads (API_GetObject and API_HeadObject, "If-Match" ... "If-Unmodified-Since"; RFC 7232)', () => {
  let etag: string;
  let lastModified: Date;
  beforeAll(async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'read', Body: 'content' }));
    const head = await s3().send(new HeadObjectCommand({ Bucket: 'cond', Key: 'read' }));
    etag = head.ETag!;
    lastModified = head.LastModified!;
  });
  const before = () => new Date(lastModified.getTime() - 60_000);
  const after = () => new Date(lastModified.getTime() + 60_000);

  test('If-Match: the ETag serves the object, another is 412 PreconditionFailed', async () => {
    const ok = await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfMatch: etag }));
    expect(await ok.Body!.transformToString()).toBe('content');
    const e = await failure(s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfMatch: '"0000"' })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    const head = await failure(s3().send(new HeadObjectCommand({ Bucket: 'cond', Key: 'read', IfMatch: '"0000"' })));
    expect(head.$metadata.httpStatusCode).toBe(412);
  });

  test('If-None-Match: the same ETag is 304 Not Modified, another serves the object', async () => {
    const e = await failure(s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfNoneMatch: etag })));
    expect(e.$metadata.httpStatusCode).toBe(304);
    const head = await failure(s3().send(new HeadObjectCommand({ Bucket: 'cond', Key: 'read', IfNoneMatch: etag })));
    expect(head.$metadata.httpStatusCode).toBe(304);
    const ok = await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfNoneMatch: '"0000"' }));
    expect(await ok.Body!.transformToString()).toBe('content');
  });

  test('If-Modified-Since and If-Unmodified-Since compare with Last-Modified', async () => {
    const notModified = await failure(
      s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfModifiedSince: after() })),
    );
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const modified = await s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfModifiedSince: before() }));
    expect(await modified.Body!.transformToString()).toBe('content');
    const changed = await failure(
      s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfUnmodifiedSince: before() })),
    );
    expect([changed.name, changed.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    const unchanged = await s3().send(
      new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfUnmodifiedSince: after() }),
    );
    expect(await unchanged.Body!.transformToString()).toBe('content');
  });

  test('combinations as API_GetObject states: If-Match true wins over If-Unmodified-Since false; If-None-Match false gives 304 despite If-Modified-Since true', async () => {
    const ok = await s3().send(
      new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfMatch: etag, IfUnmodifiedSince: before() }),
    );
    expect(await ok.Body!.transformToString()).toBe('content');
    const e = await failure(
      s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'read', IfNoneMatch: etag, IfModifiedSince: before() })),
    );
    expect(e.$metadata.httpStatusCode).toBe(304);
  });

  test('conditions apply to the version asked for', async () => {
    const v1 = await s3().send(new PutObjectCommand({ Bucket: 'versions', Key: 'read', Body: 'one' }));
    await s3().send(new PutObjectCommand({ Bucket: 'versions', Key: 'read', Body: 'two' }));
    const e = await failure(
      s3().send(
        new GetObjectCommand({ Bucket: 'versions', Key: 'read', VersionId: v1.VersionId, IfNoneMatch: v1.ETag }),
      ),
    );
    expect(e.$metadata.httpStatusCode).toBe(304);
    const ok = await s3().send(
      new GetObjectCommand({ Bucket: 'versions', Key: 'read', VersionId: v1.VersionId, IfMatch: v1.ETag }),
    );
    expect(await ok.Body!.transformToString()).toBe('one');
  });
});

describe('listing (API_ListObjectsV2, API_ListObjects, API_ListObjectVersions)', () => {
  test('ListObjectsV2 pages past 1,000 keys with opaque continuation tokens; every key once, in UTF-8 binary order', async () => {
    const keys = Array.from({ length: 1_100 }, (_, i) => `p/${String(i).padStart(5, '0')}`);
    // Written in-process: the listing is under test, not 1,100 PutObject round trips.
    await aws.local.s3.seedObjects(
      'many',
      keys.map((key) => ({ key })),
    );
    const seen: string[] = [];
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await s3().send(
        new ListObjectsV2Command({ Bucket: 'many', Prefix: 'p/', ContinuationToken: token }),
      );
      pages.push(page.KeyCount ?? 0);
      for (const o of page.Contents ?? []) seen.push(o.Key!);
      expect(page.MaxKeys).toBe(1000);
      if (page.IsTruncated) {
        expect(page.NextContinuationToken).toBeDefined();
        // Opaque: the token does not show the key it continues after.
        expect(page.NextContinuationToken).not.toContain(seen.at(-1)!);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toEqual([1000, 100]);
    expect(seen).toEqual(keys);
  });

  test('MaxKeys, StartAfter and ContinuationToken page in S3 order (a-b/ < a.b/ < a/), with Delimiter counting common prefixes as keys', async () => {
    const keys = ['l/a/1', 'l/a/2', 'l/a-b/1', 'l/a.b/1', 'l/a.B', 'l/a', 'l/b', 'l/é', 'l/z'];
    await putAll('listing', keys);
    const order = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const walk = async (extra: { Delimiter?: string; StartAfter?: string; MaxKeys?: number }) => {
      const out: string[] = [];
      let token: string | undefined;
      let calls = 0;
      do {
        const page = await s3().send(
          new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'l/', ContinuationToken: token, ...extra }),
        );
        calls++;
        const entries = [
          ...(page.Contents ?? []).map((c) => c.Key!),
          ...(page.CommonPrefixes ?? []).map((c) => c.Prefix!),
        ];
        expect(page.KeyCount).toBe(entries.length);
        expect(entries.length).toBeLessThanOrEqual(extra.MaxKeys ?? 1000);
        out.push(...entries.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return { out, calls };
    };
    expect((await walk({ MaxKeys: 2 })).out).toEqual(order);
    expect((await walk({ MaxKeys: 2 })).calls).toBe(5);
    expect((await walk({ MaxKeys: 3, StartAfter: 'l/a.b/1' })).out).toEqual(order.filter((k) => k > 'l/a.b/1'));
    expect((await walk({ MaxKeys: 1, Delimiter: '/' })).out).toEqual([
      'l/a',
      'l/a-b/',
      'l/a.B',
      'l/a.b/',
      'l/a/',
      'l/b',
      'l/z',
      'l/é',
    ]);
    const zero = await s3().send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'l/', MaxKeys: 0 }));
    expect([zero.KeyCount, zero.Contents]).toEqual([0, undefined]);
  });

  test('a continuation token of another bucket or a forged one is 400 InvalidArgument', async () => {
    const page = await s3().send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'l/', MaxKeys: 1 }));
    expect(page.IsTruncated).toBe(true);
    for (const ContinuationToken of [page.NextContinuationToken!, 'bm90IGEgdG9rZW4=']) {
      const e = await failure(s3().send(new ListObjectsV2Command({ Bucket: 'cond', ContinuationToken })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    }
  });

  test('ListObjects (v1) pages with Marker, NextMarker with a delimiter', async () => {
    const first = await s3().send(new ListObjectsCommand({ Bucket: 'listing', Prefix: 'l/', MaxKeys: 4 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents?.map((c) => c.Key)).toEqual(['l/a', 'l/a-b/1', 'l/a.B', 'l/a.b/1']);
    const rest = await s3().send(new ListObjectsCommand({ Bucket: 'listing', Prefix: 'l/', Marker: 'l/a.b/1' }));
    expect(rest.Contents?.map((c) => c.Key)).toEqual(['l/a/1', 'l/a/2', 'l/b', 'l/z', 'l/é']);
    const grouped = await s3().send(
      new ListObjectsCommand({ Bucket: 'listing', Prefix: 'l/', Delimiter: '/', MaxKeys: 2 }),
    );
    expect([grouped.IsTruncated, grouped.NextMarker]).toEqual([true, 'l/a-b/']);
  });

  test('ListObjectVersions pages with KeyMarker and VersionIdMarker, newest first per key', async () => {
    const written: { key: string; versionId: string }[] = [];
    for (const key of ['v/a', 'v/b', 'v/c'])
      for (let i = 0; i < 3; i++) {
        const put = await s3().send(new PutObjectCommand({ Bucket: 'versions', Key: key, Body: `${key}-${i}` }));
        written.push({ key, versionId: put.VersionId! });
      }
    const expected = ['v/a', 'v/b', 'v/c'].flatMap((key) =>
      written
        .filter((w) => w.key === key)
        .reverse()
        .map((w) => `${w.key}@${w.versionId}`),
    );
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    let calls = 0;
    do {
      const page = await s3().send(
        new ListObjectVersionsCommand({ Bucket: 'versions', Prefix: 'v/', MaxKeys: 2, KeyMarker, VersionIdMarker }),
      );
      calls++;
      seen.push(...(page.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`));
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (KeyMarker);
    expect(seen).toEqual(expected);
    expect(calls).toBe(5);
    const all = await s3().send(new ListObjectVersionsCommand({ Bucket: 'versions', Prefix: 'v/' }));
    expect(all.Versions?.map((v) => v.IsLatest)).toEqual([true, false, false, true, false, false, true, false, false]);
    // KeyMarker alone continues after every version of that key.
    const after = await s3().send(
      new ListObjectVersionsCommand({ Bucket: 'versions', Prefix: 'v/', KeyMarker: 'v/a' }),
    );
    expect(after.Versions?.map((v) => v.Key)).toEqual(['v/b', 'v/b', 'v/b', 'v/c', 'v/c', 'v/c']);
    const noKey = await failure(
      s3().send(new ListObjectVersionsCommand({ Bucket: 'versions', VersionIdMarker: written[0]!.versionId })),
    );
    expect([noKey.name, noKey.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
  });
});

describe('smaller answers', () => {
  test('a key longer than 1,024 bytes (UTF-8) is 400 KeyTooLongError (ErrorResponses.html; S3 User Guide "Object key names")', async () => {
    const e = await failure(s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'k'.repeat(1025), Body: 'x' })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['KeyTooLongError', 400]);
    // 512 two-byte characters are 1,024 bytes: allowed; one more is not.
    const multi = await failure(s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'é'.repeat(513), Body: 'x' })));
    expect(multi.name).toBe('KeyTooLongError');
    const read = await failure(s3().send(new GetObjectCommand({ Bucket: 'cond', Key: 'k'.repeat(1025) })));
    expect(read.$metadata.httpStatusCode).toBeLessThan(500);
  });

  test('a malformed version id is 400 InvalidArgument "Invalid version id specified"; a well-formed unknown one 404 NoSuchVersion', async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'versions', Key: 'vid', Body: 'x' }));
    for (const send of [
      () => s3().send(new GetObjectCommand({ Bucket: 'versions', Key: 'vid', VersionId: 'not-a-version' })),
      () => s3().send(new DeleteObjectCommand({ Bucket: 'versions', Key: 'vid', VersionId: 'short' })),
      () => s3().send(new GetObjectTaggingCommand({ Bucket: 'versions', Key: 'vid', VersionId: 'short' })),
    ]) {
      const e = await failure(send());
      expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual([
        'InvalidArgument',
        'Invalid version id specified',
        400,
      ]);
    }
    // A HEAD answer has no body, so only the status is seen.
    const head = await failure(
      s3().send(new HeadObjectCommand({ Bucket: 'versions', Key: 'vid', VersionId: 'short' })),
    );
    expect(head.$metadata.httpStatusCode).toBe(400);
    const unknown = await failure(
      s3().send(new GetObjectCommand({ Bucket: 'versions', Key: 'vid', VersionId: 'A'.repeat(32) })),
    );
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(['NoSuchVersion', 404]);
  });

  test('GetObjectTagging and PutObjectTagging return the VersionId (API_GetObjectTagging, API_PutObjectTagging)', async () => {
    const put = await s3().send(new PutObjectCommand({ Bucket: 'versions', Key: 'tags', Body: 'x', Tagging: 'a=1' }));
    const got = await s3().send(new GetObjectTaggingCommand({ Bucket: 'versions', Key: 'tags' }));
    expect([got.VersionId, got.TagSet]).toEqual([put.VersionId, [{ Key: 'a', Value: '1' }]]);
    const byId = await s3().send(
      new GetObjectTaggingCommand({ Bucket: 'versions', Key: 'tags', VersionId: put.VersionId }),
    );
    expect(byId.VersionId).toBe(put.VersionId);
    const tagged = await s3().send(
      new PutObjectTaggingCommand({ Bucket: 'versions', Key: 'tags', Tagging: { TagSet: [{ Key: 'b', Value: '2' }] } }),
    );
    expect(tagged.VersionId).toBe(put.VersionId);
    // An unversioned bucket's object has no version id to return.
    await s3().send(new PutObjectCommand({ Bucket: 'cond', Key: 'tags', Body: 'x' }));
    expect((await s3().send(new GetObjectTaggingCommand({ Bucket: 'cond', Key: 'tags' }))).VersionId).toBeUndefined();
  });
});

// The objects are held in memory (local/aws/s3/memory-store.ts), in place of s3rver's files: the
// operations that reach the store besides PutObject and GetObject answer as the API reference says.
describe('the object store', () => {
  test('a Range read gets those bytes, 206 with Content-Range; a range past the end is 416 InvalidRange (API_GetObject "Range"; RFC 9110)', async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'store', Key: 'ranged', Body: '0123456789' }));
    const part = await s3().send(new GetObjectCommand({ Bucket: 'store', Key: 'ranged', Range: 'bytes=2-5' }));
    expect([await part.Body!.transformToString(), part.$metadata.httpStatusCode, part.ContentRange]).toEqual([
      '2345',
      206,
      'bytes 2-5/10',
    ]);
    const tail = await s3().send(new GetObjectCommand({ Bucket: 'store', Key: 'ranged', Range: 'bytes=7-' }));
    expect(await tail.Body!.transformToString()).toBe('789');
    const past = await failure(
      s3().send(new GetObjectCommand({ Bucket: 'store', Key: 'ranged', Range: 'bytes=20-30' })),
    );
    expect([past.name, past.$metadata.httpStatusCode]).toEqual(['InvalidRange', 416]);
  });

  test('a multipart upload stores its parts in part-number order as one object (API_CompleteMultipartUpload)', async () => {
    const { UploadId } = await s3().send(
      new CreateMultipartUploadCommand({ Bucket: 'store', Key: 'assembled', ContentType: 'text/plain' }),
    );
    // S3's minimum part size (5 MiB, all parts but the last) is not enforced here.
    const parts = [];
    for (const [n, body] of [
      [2, 'second'],
      [1, 'first-'],
    ] as const) {
      const { ETag } = await s3().send(
        new UploadPartCommand({ Bucket: 'store', Key: 'assembled', UploadId, PartNumber: n, Body: body }),
      );
      parts.push({ PartNumber: n, ETag });
    }
    await s3().send(
      new CompleteMultipartUploadCommand({
        Bucket: 'store',
        Key: 'assembled',
        UploadId,
        MultipartUpload: { Parts: parts.sort((a, b) => a.PartNumber - b.PartNumber) },
      }),
    );
    const got = await s3().send(new GetObjectCommand({ Bucket: 'store', Key: 'assembled' }));
    expect([await got.Body!.transformToString(), got.ContentType]).toEqual(['first-second', 'text/plain']);
  });

  test('CopyObject keeps the metadata by default and replaces it with MetadataDirective REPLACE (API_CopyObject)', async () => {
    await s3().send(
      new PutObjectCommand({
        Bucket: 'store',
        Key: 'src',
        Body: 'body',
        ContentType: 'text/plain',
        Metadata: { a: '1' },
      }),
    );
    await s3().send(new CopyObjectCommand({ Bucket: 'store', Key: 'kept', CopySource: 'store/src' }));
    const kept = await s3().send(new GetObjectCommand({ Bucket: 'store', Key: 'kept' }));
    expect([await kept.Body!.transformToString(), kept.ContentType, kept.Metadata]).toEqual([
      'body',
      'text/plain',
      { a: '1' },
    ]);
    await s3().send(
      new CopyObjectCommand({
        Bucket: 'store',
        Key: 'replaced',
        CopySource: 'store/src',
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: { b: '2' },
      }),
    );
    const replaced = await s3().send(new HeadObjectCommand({ Bucket: 'store', Key: 'replaced' }));
    expect([replaced.ContentType, replaced.Metadata, replaced.ContentLength]).toEqual([
      'application/json',
      { b: '2' },
      4,
    ]);
  });

  test('keys are names, not paths: "x/../y", "./q" and "dir/" are objects of their own, listed in key order (S3 User Guide, "Naming objects")', async () => {
    // As files, "paths/x/../y" was "paths/y" and overwrote it.
    const keys = ['paths/a/b', 'paths/x/../y', 'paths/./q', 'paths/dir/', 'paths/y'];
    for (const key of keys) await s3().send(new PutObjectCommand({ Bucket: 'store', Key: key, Body: key }));
    for (const key of keys) {
      const got = await s3().send(new GetObjectCommand({ Bucket: 'store', Key: key }));
      expect(await got.Body!.transformToString()).toBe(key);
    }
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: 'store', Prefix: 'paths/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([...keys].sort());
  });

  test('DeleteBucket refuses a bucket with objects, 409 BucketNotEmpty, and removes an empty one (API_DeleteBucket)', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    await s3().send(new PutObjectCommand({ Bucket: 'short-lived', Key: 'k', Body: 'x' }));
    const refused = await failure(s3().send(new DeleteBucketCommand({ Bucket: 'short-lived' })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['BucketNotEmpty', 409]);
    await s3().send(new DeleteObjectCommand({ Bucket: 'short-lived', Key: 'k' }));
    await s3().send(new DeleteBucketCommand({ Bucket: 'short-lived' }));
    const names = (await s3().send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(names).toEqual(expect.arrayContaining(['cond', 'store', 'versions']));
    expect(names).not.toContain('short-lived');
  });
});
