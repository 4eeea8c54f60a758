// Emulated S3 (s3rver plus our middleware) through the real SDK v3 client: the gaps we close
// (PutObject tags, SSE-KMS headers, versioning, notification configuration), object events, and faults.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import type { S3ObjectEvent } from '../../../local/aws/s3.js';
import { s3OperationOf } from '../../../local/aws/s3.js';
import { useLocalAws } from '../../support/aws.js';

const aws = useLocalAws({ buckets: ['plain', { name: 'versioned', versioning: true }] });
const s3 = () => aws.clients.s3;

test('buckets from options exist; CreateBucket and ListObjectsV2 work', async () => {
  await s3().send(new CreateBucketCommand({ Bucket: 'created' }));
  await s3().send(new PutObjectCommand({ Bucket: 'created', Key: 'a/b.yaml', Body: 'x' }));
  const out = await s3().send(new ListObjectsV2Command({ Bucket: 'created' }));
  expect(out.Contents?.map((c) => c.Key)).toEqual(['a/b.yaml']);
  await expect(s3().send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'k' }))).rejects.toBeInstanceOf(
    NoSuchBucket,
  );
  await expect(s3().send(new GetObjectCommand({ Bucket: 'plain', Key: 'missing' }))).rejects.toBeInstanceOf(NoSuchKey);
});

test('PutObject with Tagging stores the tags; a later PutObject without tags clears them', async () => {
  await s3().send(
    new PutObjectCommand({
      Bucket: 'plain',
      Key: 'tagged.yaml',
      Body: 'spec',
      Tagging: 'domain=payments&owner=team%20a',
    }),
  );
  const tags = await s3().send(new GetObjectTaggingCommand({ Bucket: 'plain', Key: 'tagged.yaml' }));
  expect(tags.TagSet).toEqual([
    { Key: 'domain', Value: 'payments' },
    { Key: 'owner', Value: 'team a' },
  ]);
  await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'tagged.yaml', Body: 'spec2' }));
  expect((await s3().send(new GetObjectTaggingCommand({ Bucket: 'plain', Key: 'tagged.yaml' }))).TagSet).toEqual([]);
  await s3().send(
    new PutObjectTaggingCommand({
      Bucket: 'plain',
      Key: 'tagged.yaml',
      Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] },
    }),
  );
  expect((await s3().send(new GetObjectTaggingCommand({ Bucket: 'plain', Key: 'tagged.yaml' }))).TagSet).toEqual([
    { Key: 'k', Value: 'v' },
  ]);
});

test('PutObject with more than 10 tags or duplicate keys is rejected', async () => {
  const many = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
  const e1 = (await s3()
    .send(new PutObjectCommand({ Bucket: 'plain', Key: 't', Body: 'x', Tagging: many }))
    .catch((e: unknown) => e)) as S3ServiceException;
  expect(e1.$metadata.httpStatusCode).toBe(400);
  const e2 = (await s3()
    .send(new PutObjectCommand({ Bucket: 'plain', Key: 't', Body: 'x', Tagging: 'a=1&a=2' }))
    .catch((e: unknown) => e)) as S3ServiceException;
  expect(e2.name).toBe('InvalidTag');
});

test('SSE-KMS headers are validated and echoed on PutObject, HeadObject and GetObject', async () => {
  const { KeyMetadata: key } = await aws.clients.kms.send(new CreateKeyCommand({}));
  const put = await s3().send(
    new PutObjectCommand({
      Bucket: 'plain',
      Key: 'enc.yaml',
      Body: 'secret spec',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key!.KeyId,
    }),
  );
  expect(put.ServerSideEncryption).toBe('aws:kms');
  expect(put.SSEKMSKeyId).toBe(key!.Arn);
  const head = await s3().send(new HeadObjectCommand({ Bucket: 'plain', Key: 'enc.yaml' }));
  expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key!.Arn, ContentLength: 11 });
  const get = await s3().send(new GetObjectCommand({ Bucket: 'plain', Key: 'enc.yaml' }));
  expect(get).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key!.Arn });
  expect(await get.Body?.transformToString()).toBe('secret spec');
  // no key id: the AWS-managed aws/s3 key
  const dflt = await s3().send(
    new PutObjectCommand({ Bucket: 'plain', Key: 'enc2.yaml', Body: 'x', ServerSideEncryption: 'aws:kms' }),
  );
  expect(dflt.SSEKMSKeyId).toBe(aws.local.kms.resolveKey('alias/aws/s3').Arn);
  // no SSE header: SSE-S3
  expect(
    (await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'plain.yaml', Body: 'x' }))).ServerSideEncryption,
  ).toBe('AES256');
  const bad = (await s3()
    .send(
      new PutObjectCommand({
        Bucket: 'plain',
        Key: 'enc3.yaml',
        Body: 'x',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/none',
      }),
    )
    .catch((e: unknown) => e)) as S3ServiceException;
  expect(bad.name).toBe('KMS.NotFoundException');
  expect(bad.$metadata.httpStatusCode).toBe(400);
});

// S3 uses the object's KMS key on every SSE-KMS write (GenerateDataKey) and read (Decrypt), so the
// key's state decides: KMS answers DisabledException for a disabled key and KMSInvalidStateException
// for one pending deletion (KMS API Reference, API_GenerateDataKey / API_Decrypt, "Errors"; both
// HTTP 400), which S3 returns with a `KMS.` prefix (the S3 error codes RDS lists for its S3 exports:
// Amazon RDS User Guide, "Failure messages for Amazon S3 export tasks"). HeadObject decrypts nothing.
test('SSE-KMS writes and reads fail while the key is disabled or pending deletion, and work again once it is enabled', async () => {
  const kms = aws.clients.kms;
  const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({}));
  const put = (Key: string) =>
    s3().send(
      new PutObjectCommand({
        Bucket: 'versioned',
        Key,
        Body: 'spec',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: key!.Arn,
      }),
    );
  const get = async (Key: string, VersionId?: string) =>
    (await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key, VersionId }))).Body!.transformToString();
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => 'allowed',
      (e: S3ServiceException) => `${e.name} ${e.$metadata.httpStatusCode}: ${e.message}`,
    );
  const { VersionId } = await put('kms/a.yaml');

  await kms.send(new DisableKeyCommand({ KeyId: key!.KeyId }));
  const disabled = `KMS.DisabledException 400: ${key!.Arn} is disabled.`;
  expect(await failure(put('kms/b.yaml'))).toBe(disabled);
  expect(await failure(get('kms/a.yaml'))).toBe(disabled);
  expect(await failure(get('kms/a.yaml', VersionId))).toBe(disabled);
  expect((await s3().send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'kms/a.yaml' }))).SSEKMSKeyId).toBe(
    key!.Arn,
  );
  // Nothing was written by the refused put.
  expect(await failure(s3().send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'kms/b.yaml' })))).toMatch(
    /^NotFound 404/,
  );

  await kms.send(new EnableKeyCommand({ KeyId: key!.KeyId }));
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key!.KeyId, PendingWindowInDays: 7 }));
  const pending = `KMS.KMSInvalidStateException 400: ${key!.Arn} is pending deletion.`;
  expect(await failure(put('kms/b.yaml'))).toBe(pending);
  expect(await failure(get('kms/a.yaml'))).toBe(pending);

  await kms.send(new CancelKeyDeletionCommand({ KeyId: key!.KeyId }));
  await kms.send(new EnableKeyCommand({ KeyId: key!.KeyId }));
  await put('kms/b.yaml');
  expect(await get('kms/a.yaml')).toBe('spec');
  expect(await get('kms/b.yaml')).toBe('spec');
});

test('versioning: every write has a VersionId; old versions stay readable by id; delete adds a marker', async () => {
  const v1 = await s3().send(
    new PutObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', Body: 'one', ContentType: 'application/yaml' }),
  );
  const v2 = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', Body: 'two!' }));
  expect(v1.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
  expect(v2.VersionId).not.toBe(v1.VersionId);
  const cur = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml' }));
  expect(cur.VersionId).toBe(v2.VersionId);
  expect(await cur.Body?.transformToString()).toBe('two!');
  const old = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', VersionId: v1.VersionId }));
  expect(old).toMatchObject({
    VersionId: v1.VersionId,
    ContentType: 'application/yaml',
    ContentLength: 3,
    ETag: v1.ETag,
  });
  expect(await old.Body?.transformToString()).toBe('one');
  expect(
    (await s3().send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', VersionId: v1.VersionId })))
      .ContentLength,
  ).toBe(3);
  expect(
    (await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', VersionId: v2.VersionId })))
      .VersionId,
  ).toBe(v2.VersionId);
  const missing = (await s3()
    .send(new GetObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', VersionId: 'x'.repeat(32) }))
    .catch((e: unknown) => e)) as S3ServiceException;
  expect(missing.name).toBe('NoSuchVersion');
  expect(missing.$metadata.httpStatusCode).toBe(404);
  const del = await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml' }));
  expect(del.DeleteMarker).toBe(true);
  expect(del.VersionId).toBeDefined();
  await expect(s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml' }))).rejects.toBeInstanceOf(
    NoSuchKey,
  );
  expect(
    await (
      await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'spec.yaml', VersionId: v1.VersionId }))
    ).Body?.transformToString(),
  ).toBe('one');
});

test('deleting the current version or the delete marker by id makes the previous version current; ListObjectVersions lists them', async () => {
  const key = 'restore/spec.yaml';
  const v1 = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: key, Body: 'one' }));
  const v2 = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: key, Body: 'two' }));
  const del = await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: key, VersionId: v2.VersionId }));
  expect(del.VersionId).toBe(v2.VersionId);
  let cur = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: key }));
  expect([cur.VersionId, await cur.Body?.transformToString()]).toEqual([v1.VersionId, 'one']);
  const marker = await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: key }));
  await expect(s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: key }))).rejects.toBeInstanceOf(NoSuchKey);
  const listed = await s3().send(new ListObjectVersionsCommand({ Bucket: 'versioned', Prefix: 'restore/' }));
  expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[marker.VersionId, true]]);
  expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
    [key, v1.VersionId, false, 3],
  ]);
  const undo = await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: key, VersionId: marker.VersionId }));
  expect(undo.DeleteMarker).toBe(true);
  cur = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: key }));
  expect([cur.VersionId, await cur.Body?.transformToString()]).toEqual([v1.VersionId, 'one']);
});

test('DeleteObjects emits removal events and, in a versioned bucket, adds delete markers', async () => {
  const seen: S3ObjectEvent[] = [];
  const off = aws.local.s3.onObjectEvent((e) => seen.push(e));
  const v1 = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'many/a', Body: 'a' }));
  await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'many/b', Body: 'b' }));
  const out = await s3().send(
    new DeleteObjectsCommand({ Bucket: 'versioned', Delete: { Objects: [{ Key: 'many/a' }] } }),
  );
  expect(out.Deleted?.[0]).toMatchObject({ Key: 'many/a', DeleteMarker: true });
  const plain = await s3().send(
    new DeleteObjectsCommand({ Bucket: 'plain', Delete: { Objects: [{ Key: 'many/b' }] } }),
  );
  expect(plain.Deleted?.[0]?.Key).toBe('many/b');
  expect(plain.Deleted?.[0]?.DeleteMarker).toBeUndefined();
  off();
  const removed = seen.filter((e) => e.type.startsWith('ObjectRemoved'));
  expect(removed.map((e) => [e.type, e.bucket, e.key])).toEqual([
    ['ObjectRemoved:DeleteMarkerCreated', 'versioned', 'many/a'],
    ['ObjectRemoved:Delete', 'plain', 'many/b'],
  ]);
  expect(removed[0]!.versionId).toBe(out.Deleted?.[0]?.DeleteMarkerVersionId);
  await expect(s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'many/a' }))).rejects.toBeInstanceOf(
    NoSuchKey,
  );
  expect(
    await (
      await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'many/a', VersionId: v1.VersionId }))
    ).Body?.transformToString(),
  ).toBe('a');
});

test('DeleteObjects with VersionIds deletes those versions for good, current or not, and reports a delete marker it removes', async () => {
  // API_DeleteObjects: an entry with a VersionId deletes that version permanently, as DeleteObject
  // with versionId does; DeleteMarker and DeleteMarkerVersionId say the version was a delete marker.
  const put = async (Key: string, Body: string) =>
    (await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key, Body }))).VersionId!;
  const [v1, v2, v3] = [await put('by-id/k', 'one'), await put('by-id/k', 'two'), await put('by-id/k', 'three')];
  const kept = await put('by-id/gone', 'x');
  const marker = (await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'by-id/gone' }))).VersionId!;
  const seen: S3ObjectEvent[] = [];
  const off = aws.local.s3.onObjectEvent((e) => seen.push(e));
  const out = await s3().send(
    new DeleteObjectsCommand({
      Bucket: 'versioned',
      Delete: {
        Objects: [
          { Key: 'by-id/k', VersionId: v1 },
          { Key: 'by-id/k', VersionId: v3 },
          { Key: 'by-id/gone', VersionId: marker },
        ],
      },
    }),
  );
  off();
  const byVersion = (a: { VersionId?: string }, b: { VersionId?: string }) =>
    String(a.VersionId).localeCompare(String(b.VersionId));
  expect(out.Errors).toBeUndefined();
  expect(out.Deleted?.sort(byVersion)).toEqual(
    [
      { Key: 'by-id/k', VersionId: v1 },
      { Key: 'by-id/k', VersionId: v3 },
      { Key: 'by-id/gone', VersionId: marker, DeleteMarker: true, DeleteMarkerVersionId: marker },
    ].sort(byVersion),
  );
  // v3 was current: v2 is now. The delete marker was: the object is back.
  const k = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'by-id/k' }));
  expect([k.VersionId, await k.Body?.transformToString()]).toEqual([v2, 'two']);
  const gone = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'by-id/gone' }));
  expect([gone.VersionId, await gone.Body?.transformToString()]).toEqual([kept, 'x']);
  const listed = await s3().send(new ListObjectVersionsCommand({ Bucket: 'versioned', Prefix: 'by-id/' }));
  expect(listed.DeleteMarkers).toBeUndefined();
  expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
    ['by-id/gone', kept, true],
    ['by-id/k', v2, true],
  ]);
  expect(seen.map((e) => [e.type, e.key, e.versionId]).sort()).toEqual(
    [
      ['ObjectRemoved:Delete', 'by-id/k', v1],
      ['ObjectRemoved:Delete', 'by-id/k', v3],
      ['ObjectRemoved:Delete', 'by-id/gone', marker],
    ].sort(),
  );
});

test('the object of a never-versioned bucket is its null version: DeleteObject and DeleteObjects with VersionId null delete it', async () => {
  for (const [i, del] of [
    (Key: string) => s3().send(new DeleteObjectCommand({ Bucket: 'plain', Key, VersionId: 'null' })),
    (Key: string) =>
      s3().send(new DeleteObjectsCommand({ Bucket: 'plain', Delete: { Objects: [{ Key, VersionId: 'null' }] } })),
  ].entries()) {
    const Key = `null-version/${i}`;
    await s3().send(new PutObjectCommand({ Bucket: 'plain', Key, Body: 'x' }));
    await del(Key);
    await expect(s3().send(new GetObjectCommand({ Bucket: 'plain', Key }))).rejects.toBeInstanceOf(NoSuchKey);
  }
});

test('PutBucketVersioning / GetBucketVersioning; unversioned buckets return no VersionId', async () => {
  await s3().send(new CreateBucketCommand({ Bucket: 'toggle' }));
  expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'toggle' }))).Status).toBeUndefined();
  expect((await s3().send(new PutObjectCommand({ Bucket: 'toggle', Key: 'k', Body: 'x' }))).VersionId).toBeUndefined();
  // the object of a never-versioned bucket is its "null" version
  expect(
    await (
      await s3().send(new GetObjectCommand({ Bucket: 'toggle', Key: 'k', VersionId: 'null' }))
    ).Body?.transformToString(),
  ).toBe('x');
  await s3().send(new PutBucketVersioningCommand({ Bucket: 'toggle', VersioningConfiguration: { Status: 'Enabled' } }));
  expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'toggle' }))).Status).toBe('Enabled');
  expect((await s3().send(new PutObjectCommand({ Bucket: 'toggle', Key: 'k', Body: 'y' }))).VersionId).toHaveLength(32);
  await s3().send(
    new PutBucketVersioningCommand({ Bucket: 'toggle', VersioningConfiguration: { Status: 'Suspended' } }),
  );
  expect((await s3().send(new PutObjectCommand({ Bucket: 'toggle', Key: 'k', Body: 'z' }))).VersionId).toBe('null');
  await expect(s3().send(new GetBucketVersioningCommand({ Bucket: 'nope' }))).rejects.toBeInstanceOf(NoSuchBucket);
});

test('notification configuration with EventBridge is stored and switches EventBridge delivery on', async () => {
  await s3().send(new CreateBucketCommand({ Bucket: 'notified' }));
  expect(aws.local.s3.eventBridgeEnabled('notified')).toBe(false);
  await s3().send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'notified',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
  expect(aws.local.s3.eventBridgeEnabled('notified')).toBe(true);
  const got = await s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: 'notified' }));
  expect(got.EventBridgeConfiguration).toEqual({});
  await s3().send(new PutBucketNotificationConfigurationCommand({ Bucket: 'notified', NotificationConfiguration: {} }));
  expect(aws.local.s3.eventBridgeEnabled('notified')).toBe(false);
});

test('object events carry bucket, key, size, etag, version id, sequencer and reason', async () => {
  const seen: S3ObjectEvent[] = [];
  const off = aws.local.s3.onObjectEvent((e) => seen.push(e));
  const put = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'events/a.yaml', Body: 'hello' }));
  await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'events/b.yaml', Body: 'hi' }));
  await s3().send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'events/b.yaml' }));
  off();
  expect(seen).toHaveLength(3);
  expect(seen[0]).toMatchObject({
    type: 'ObjectCreated:Put',
    bucket: 'versioned',
    key: 'events/a.yaml',
    size: 5,
    etag: put.ETag!.replace(/"/g, ''),
    versionId: put.VersionId,
    reason: 'PutObject',
  });
  expect(seen[1]!.versionId).toBeUndefined();
  expect(seen[2]).toMatchObject({
    type: 'ObjectRemoved:Delete',
    bucket: 'plain',
    key: 'events/b.yaml',
    reason: 'DeleteObject',
  });
  expect(seen[0]!.sequencer < seen[1]!.sequencer).toBe(true);
  const eb = aws.local.s3.toEventBridgeEvent(seen[0]!);
  expect(eb).toMatchObject({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    resources: ['arn:aws:s3:::versioned'],
    detail: {
      version: '0',
      bucket: { name: 'versioned' },
      object: { key: 'events/a.yaml', size: 5, 'version-id': put.VersionId },
      reason: 'PutObject',
    },
  });
});

// S3 User Guide, "Event notification types": s3:ObjectRemoved:Delete is "an object was deleted, or a
// versioned object was permanently deleted"; DeleteMarkerCreated only when a delete marker is made.
test('deleting a version by id, current or not, is ObjectRemoved:Delete with that version id', async () => {
  const key = 'events/permanent.yaml';
  const v1 = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: key, Body: 'one' }));
  const v2 = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: key, Body: 'two' }));
  const seen: S3ObjectEvent[] = [];
  const off = aws.local.s3.onObjectEvent((e) => seen.push(e));
  await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: key, VersionId: v1.VersionId }));
  await s3().send(new DeleteObjectCommand({ Bucket: 'versioned', Key: key, VersionId: v2.VersionId }));
  off();
  expect(seen.map((e) => [e.type, e.key, e.versionId])).toEqual([
    ['ObjectRemoved:Delete', key, v1.VersionId],
    ['ObjectRemoved:Delete', key, v2.VersionId],
  ]);
  expect(aws.local.s3.toEventBridgeEvent(seen[1]!).detail).toMatchObject({
    object: { key, 'version-id': v2.VersionId },
    'deletion-type': 'Permanently Deleted',
  });
  const left = await s3().send(new ListObjectVersionsCommand({ Bucket: 'versioned', Prefix: key }));
  expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
});

test("faults apply to S3 operations (a fault's run before the answer), and the SDK retries SlowDown", async () => {
  aws.local.faults.add({
    service: 's3',
    operation: 'GetObject',
    times: 1,
    error: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  });
  await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'f', Body: 'x' }));
  const err = (await s3()
    .send(new GetObjectCommand({ Bucket: 'plain', Key: 'f' }))
    .catch((e: unknown) => e)) as S3ServiceException;
  expect(err.name).toBe('InternalError');
  expect(err.$metadata.httpStatusCode).toBe(500);
  aws.local.faults.add({ service: 's3', operation: 'PutObject', times: 2, error: { code: 'SlowDown' } });
  const retrying = aws.makeClients({ maxAttempts: 3 }).s3;
  const out = await retrying.send(new PutObjectCommand({ Bucket: 'plain', Key: 'f', Body: 'y' }));
  expect(out.$metadata.attempts).toBe(3);
  aws.local.faults.add({ service: 's3', operation: 'HeadObject', times: 1, error: { code: 'ServiceUnavailable' } });
  const head = (await s3()
    .send(new HeadObjectCommand({ Bucket: 'plain', Key: 'f' }))
    .catch((e: unknown) => e)) as S3ServiceException;
  expect(head.$metadata.httpStatusCode).toBe(503);
  // A fault's `run` interleaves before S3 answers: here the object changes just before it is read.
  aws.local.faults.add({
    service: 's3',
    operation: 'GetObject',
    times: 1,
    run: async () => void (await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'f', Body: 'changed' }))),
  });
  const read = await s3().send(new GetObjectCommand({ Bucket: 'plain', Key: 'f' }));
  expect(await read.Body!.transformToString()).toBe('changed');
});

test('s3OperationOf names requests as the S3 API reference does', () => {
  expect(s3OperationOf('PUT', '/b/k', {}, {})).toBe('PutObject');
  expect(s3OperationOf('PUT', '/b/k', {}, { 'x-amz-copy-source': '/a/b' })).toBe('CopyObject');
  expect(s3OperationOf('GET', '/b', { 'list-type': '2' }, {})).toBe('ListObjectsV2');
  expect(s3OperationOf('PUT', '/b', { notification: '' }, {})).toBe('PutBucketNotificationConfiguration');
  expect(s3OperationOf('POST', '/b/k', { uploadId: 'u' }, {})).toBe('CompleteMultipartUpload');
  expect(s3OperationOf('GET', '/', {}, {})).toBe('ListBuckets');
});

test('a client that only knows the gateway endpoint (AWS_ENDPOINT_URL) reaches S3 through it', async () => {
  const restore = aws.applyEnv();
  try {
    delete process.env.AWS_ENDPOINT_URL_S3;
    // Endpoint, region and credentials all come from the environment, as in a Lambda.
    const client = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await client.send(new PutObjectCommand({ Bucket: 'plain', Key: 'via-gateway.yaml', Body: 'through the proxy' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'via-gateway.yaml' }));
    expect(await got.Body?.transformToString()).toBe('through the proxy');
    client.destroy();
  } finally {
    restore();
  }
  expect(process.env.AWS_ENDPOINT_URL).toBeUndefined();
});
