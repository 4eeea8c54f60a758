// Objects and their versions: writes, reads, deletes around s3rver's own, with what s3rver lacks
// (tags from `x-amz-tagging`, SSE, versioning with a history of versions and delete markers).
import { kmsOnBehalf, authorizeDeletes } from './iam.js';
import { sseFor } from './bucket-config.js';
import { CONDITION_HEADERS, conditionalWrite, notModified } from './conditions.js';
import { sequencer } from './events.js';
import { randomVersionId } from './operations.js';
import { s3rver, type KoaContext, type Next } from './s3rver.js';
import { requireBucket, type RequestInfo, type S3State } from './state.js';
import {
  S3HttpError,
  XMLNS,
  header,
  parseCopySource,
  parseTagging,
  deleteEntries,
  readAll,
  replaceBody,
  sendNoContent,
  sendXml,
  taggingXml,
  xmlEscape,
} from './wire.js';

/** PutObject, CopyObject, CompleteMultipartUpload: the write, under its conditions (conditions.ts). */
export async function write(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
): Promise<void> {
  await conditionalWrite(ctx, bucket, key, () => writeObject(s, ctx, next, info, bucket, key));
}

/**
 * CreateMultipartUpload: the SSE headers are given here and apply to the completed object
 * (API_CreateMultipartUpload), so they are kept for CompleteMultipartUpload.
 */
export async function createUpload(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
): Promise<void> {
  const sse = sseFor(s, ctx, bucket);
  await kmsOnBehalf(s, info, sse, 'kms:GenerateDataKey', bucket, key);
  await next();
  if (ctx.status < 300) {
    s.objects.set(`upload\0${bucket}\0${key}`, { sse });
    for (const [h, v] of Object.entries(sse)) ctx.set(h, v);
  }
}

/**
 * GetObjectTagging, PutObjectTagging, DeleteObjectTagging: s3rver's answer, with the version they
 * acted on in x-amz-version-id (API_GetObjectTagging, API_PutObjectTagging,
 * API_DeleteObjectTagging, response headers).
 */
export async function tagging(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
): Promise<void> {
  await next();
  const requested = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
  const version = requested ?? s.objects.get(`${bucket}\0${key}`)?.versionId;
  if (ctx.status < 300 && version !== undefined) ctx.set('x-amz-version-id', version);
}

// PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), CopyObject,
// CompleteMultipartUpload: tags, SSE and version id around s3rver's write.
async function writeObject(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
): Promise<void> {
  const id = `${bucket}\0${key}`;
  const tagging = info.operation === 'PutObject' ? parseTagging(header(ctx, 'x-amz-tagging')) : undefined;
  const sse =
    info.operation === 'CompleteMultipartUpload'
      ? (s.objects.get(`upload\0${bucket}\0${key}`)?.sse ?? { 'x-amz-server-side-encryption': 'AES256' })
      : sseFor(s, ctx, bucket);
  if (info.operation === 'CopyObject') {
    // Reading an SSE-KMS source needs kms:Decrypt on its key (API_CopyObject, "Permissions").
    const src = parseCopySource(header(ctx, 'x-amz-copy-source') ?? '');
    const srcInfo = s.objects.get(`${src.bucket}\0${src.key}`);
    if (srcInfo) await kmsOnBehalf(s, info, srcInfo.sse, 'kms:Decrypt', src.bucket, src.key);
  }
  await kmsOnBehalf(s, info, sse, 'kms:GenerateDataKey', bucket, key);
  const status = s.versioning.get(bucket);
  if (status === 'Enabled') info.versionId = randomVersionId();
  else if (status === 'Suspended') info.versionId = 'null';
  const previous = s.objects.get(id);
  if (info.versionId !== undefined) s.objects.set(id, { sse, versionId: info.versionId });
  try {
    await next();
  } catch (e) {
    if (previous) s.objects.set(id, previous);
    else s.objects.delete(id);
    throw e;
  }
  if (ctx.status >= 300) {
    if (previous) s.objects.set(id, previous);
    else s.objects.delete(id);
    return;
  }
  s.objects.set(id, { sse, ...(info.versionId !== undefined ? { versionId: info.versionId } : {}) });
  if (info.operation === 'PutObject' || info.operation === 'CopyObject') {
    if (tagging && tagging.length > 0) {
      await ctx.store.putSubresource(bucket, key, s3rver().TaggingConfiguration.validate(taggingXml(tagging)));
    } else if (info.operation === 'PutObject') {
      await ctx.store.deleteSubresource(bucket, key, 'tagging');
    }
  }
  for (const [h, v] of Object.entries(sse)) ctx.set(h, v);
  if (info.versionId !== undefined) {
    ctx.set('x-amz-version-id', info.versionId);
    record(s, bucket, key, info.versionId);
  }
}

/** Keeps the object just written, for reads by versionId (its bytes are never changed in place). */
function record(s: S3State, bucket: string, key: string, versionId: string): void {
  const obj = s.store.current(bucket, key);
  if (!obj) return;
  const { body, headers } = obj;
  const id = `${bucket}\0${key}`;
  const list = (s.history.get(id) ?? []).filter((r) => r.versionId !== versionId || versionId !== 'null');
  list.push({
    versionId,
    deleteMarker: false,
    lastModified: new Date(),
    body,
    headers: { ...headers, ...s.objects.get(id)?.sse },
  });
  s.history.set(id, list);
}

// GetObject / HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html):
// `versionId` selects a version (NoSuchVersion when unknown; 405 MethodNotAllowed for a delete
// marker); SSE and x-amz-version-id response headers.
export async function read(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
): Promise<void> {
  const id = `${bucket}\0${key}`;
  const requested = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
  const current = s.objects.get(id);
  // `versionId=null` names the null version, i.e. the object of a never-versioned bucket.
  const isCurrent = requested !== undefined && namesCurrent(current, requested);
  if (requested !== undefined && !isCurrent) {
    await requireBucket(ctx, bucket);
    const record = s.history.get(id)?.find((r) => r.versionId === requested);
    if (!record) throw new S3HttpError('NoSuchVersion', 'The specified version does not exist.', 404);
    if (record.deleteMarker) {
      ctx.set('x-amz-delete-marker', 'true');
      ctx.set('x-amz-version-id', record.versionId);
      throw new S3HttpError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
    if (notModified(ctx, record.headers?.etag ?? '', record.lastModified)) {
      ctx.set('x-amz-version-id', record.versionId);
      return;
    }
    if (info.operation === 'GetObject') await kmsOnBehalf(s, info, record.headers ?? {}, 'kms:Decrypt', bucket, key);
    for (const [h, v] of Object.entries(record.headers ?? {})) ctx.set(h, v);
    ctx.set('x-amz-version-id', record.versionId);
    ctx.set('accept-ranges', 'bytes');
    ctx.body = record.body ?? Buffer.alloc(0);
    ctx.type = record.headers?.['content-type'] ?? 'binary/octet-stream';
    ctx.status = 200;
    return;
  }
  // HeadObject returns metadata only; GetObject decrypts, so it needs kms:Decrypt (API_GetObject).
  if (current && info.operation === 'GetObject') await kmsOnBehalf(s, info, current.sse, 'kms:Decrypt', bucket, key);
  const latest = s.history.get(id)?.at(-1);
  if (latest?.deleteMarker && requested === undefined) {
    ctx.set('x-amz-delete-marker', 'true');
    ctx.set('x-amz-version-id', latest.versionId);
  }
  const conditional = CONDITION_HEADERS.some((h) => h in ctx.headers);
  const meta = conditional ? await ctx.store.getMetadata(bucket, key).catch(() => undefined) : undefined;
  if (meta && notModified(ctx, meta.etag ?? '', new Date(meta['last-modified']!))) {
    if (current?.versionId !== undefined) ctx.set('x-amz-version-id', current.versionId);
    return;
  }
  await next();
  if (ctx.status < 300 && current) {
    for (const [h, v] of Object.entries(current.sse)) ctx.set(h, v);
    if (current.versionId !== undefined) ctx.set('x-amz-version-id', current.versionId);
  } else if (ctx.status < 300) {
    ctx.set('x-amz-server-side-encryption', 'AES256');
  }
}

// DeleteObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html): in a
// versioning-enabled bucket, without versionId, a delete marker becomes the current version;
// with versionId, that version is removed for good (deleteVersion).
export async function remove(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
): Promise<void> {
  const id = `${bucket}\0${key}`;
  const requested = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
  if (requested !== undefined) {
    await requireBucket(ctx, bucket);
    const { deleteMarker } = await deleteVersion(s, ctx, info, bucket, key, requested);
    ctx.set('x-amz-version-id', requested);
    if (deleteMarker) ctx.set('x-amz-delete-marker', 'true');
    sendNoContent(ctx);
    return;
  }
  const versioned = s.versioning.get(bucket) === 'Enabled';
  if (versioned) {
    info.versionId = randomVersionId();
    info.deleteMarker = true;
  }
  await next();
  if (ctx.status >= 300) return;
  await ctx.store.deleteSubresource(bucket, key, 'tagging').catch(() => undefined);
  s.objects.delete(id);
  if (versioned && info.versionId !== undefined) {
    addDeleteMarker(s, id, info.versionId);
    ctx.set('x-amz-delete-marker', 'true');
    ctx.set('x-amz-version-id', info.versionId);
  }
}

// DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): each
// entry is authorized on its own (authorizeDeletes); refused ones come back as <Error> entries.
// An entry with a VersionId deletes that version for good, as DeleteObject with versionId does
// (deleteVersion: s3rver knows no versions). The others go to s3rver, which deletes and answers
// but emits no events: afterwards we emit one ObjectRemoved event per deleted object and, in a
// versioning-enabled bucket, add a delete marker per key and report it (DeleteMarker,
// DeleteMarkerVersionId) in the result.
export async function removeMany(
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
): Promise<void> {
  const raw = await readAll(ctx.req);
  const entries = deleteEntries(raw.toString('utf8'));
  const { refused, allowed } = await authorizeDeletes(s, info, bucket, entries);
  const results: string[] = [];
  const byVersion = allowed.filter((e) => e.versionId !== undefined);
  if (byVersion.length > 0) await requireBucket(ctx, bucket);
  for (const { key, versionId } of byVersion) {
    const { deleteMarker } = await deleteVersion(s, ctx, info, bucket, key, versionId!);
    const version = xmlEscape(versionId!);
    results.push(
      `<Deleted><Key>${xmlEscape(key)}</Key><VersionId>${version}</VersionId>${deleteMarker ? `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>${version}</DeleteMarkerVersionId>` : ''}</Deleted>`,
    );
  }
  const plain = allowed.filter((e) => e.versionId === undefined);
  // No entries at all: s3rver answers the body as it is (MalformedXML).
  if (plain.length > 0 || entries.length === 0) {
    replaceBody(
      ctx,
      entries.length === 0
        ? raw
        : Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Delete>${plain.map((e) => e.xml).join('')}</Delete>`),
    );
    await next();
    if (ctx.status >= 300) return;
  }
  const versioned = s.versioning.get(bucket) === 'Enabled';
  for (const { key } of plain) {
    const id = `${bucket}\0${key}`;
    const existed = s.objects.has(id);
    s.objects.delete(id);
    const markerId = versioned ? addDeleteMarker(s, id, randomVersionId()) : undefined;
    if (existed) {
      await ctx.store.deleteSubresource(bucket, key, 'tagging').catch(() => undefined);
      emitRemoved(s, info, bucket, key, markerId, markerId !== undefined);
    }
    results.push(
      `<Deleted><Key>${xmlEscape(key)}</Key>${markerId ? `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>${markerId}</DeleteMarkerVersionId>` : ''}</Deleted>`,
    );
  }
  sendXml(
    ctx,
    `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="${XMLNS}">${results.join('')}${refused.join('')}</DeleteResult>`,
  );
}

/**
 * Deletes one version for good (API_DeleteObject with versionId; DeleteObjects' entries with a
 * VersionId). The current one: its object goes, and the previous version, if any, becomes current
 * (dropVersion). A noncurrent one, or a delete marker: it leaves the history. `null` names the
 * object of a never-versioned bucket. A version that does not exist is no error, and no event;
 * the others are ObjectRemoved:Delete with that version id (S3 User Guide, "Event notification
 * types": "a versioned object was permanently deleted"). `deleteMarker`: the version was one.
 */
async function deleteVersion(
  s: S3State,
  ctx: KoaContext,
  info: RequestInfo,
  bucket: string,
  key: string,
  versionId: string,
): Promise<{ deleteMarker: boolean }> {
  const id = `${bucket}\0${key}`;
  const current = s.objects.get(id);
  const isCurrent = current !== undefined && namesCurrent(current, versionId);
  const record = s.history.get(id)?.find((r) => r.versionId === versionId);
  if (isCurrent) {
    await ctx.store.deleteObject(bucket, key);
    await ctx.store.deleteSubresource(bucket, key, 'tagging').catch(() => undefined);
    s.objects.delete(id);
  }
  await dropVersion(s, ctx, bucket, key, versionId);
  if (isCurrent || record) emitRemoved(s, info, bucket, key, isCurrent ? current.versionId : versionId, false);
  return { deleteMarker: record?.deleteMarker === true };
}

/** Whether `versionId` names the current version; `null` names the object of a never-versioned bucket. */
function namesCurrent(current: { readonly versionId?: string } | undefined, versionId: string): boolean {
  return versionId === current?.versionId || (versionId === 'null' && current?.versionId === undefined);
}

/** Makes a delete marker the newest version of `id` (bucket NUL key); returns its version id. */
function addDeleteMarker(s: S3State, id: string, versionId: string): string {
  const list = s.history.get(id) ?? [];
  list.push({ versionId, deleteMarker: true, lastModified: new Date() });
  s.history.set(id, list);
  return versionId;
}

/**
 * The event of a delete S3 answers without s3rver (S3 User Guide, "Event notification types"):
 * ObjectRemoved:DeleteMarkerCreated when a delete marker was made, else ObjectRemoved:Delete ("an
 * object was deleted, or a versioned object was permanently deleted").
 */
function emitRemoved(
  s: S3State,
  info: RequestInfo,
  bucket: string,
  key: string,
  versionId: string | undefined,
  deleteMarker: boolean,
): void {
  s.emit({
    type: deleteMarker ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete',
    bucket,
    key,
    ...(versionId !== undefined ? { versionId } : {}),
    sequencer: sequencer(),
    time: new Date(),
    reason: 'DeleteObject',
    requestId: info.requestId,
    sourceIp: '127.0.0.1',
  });
}

/**
 * Removes a version from the history; when it was the newest, the next newest becomes current
 * again (API_DeleteObject: deleting a delete marker or the current version by id "restores"
 * the previous version). Its body is written back to s3rver.
 */
async function dropVersion(s: S3State, ctx: KoaContext, bucket: string, key: string, versionId: string): Promise<void> {
  const id = `${bucket}\0${key}`;
  const list = s.history.get(id) ?? [];
  const wasLatest = list.at(-1)?.versionId === versionId;
  const rest = list.filter((r) => r.versionId !== versionId);
  s.history.set(id, rest);
  if (!wasLatest) return;
  const next = rest.at(-1);
  if (!next || next.deleteMarker) {
    s.objects.delete(id);
    return;
  }
  const headers = next.headers ?? {};
  await ctx.store.putObject(new (s3rver().S3Object)(bucket, key, next.body ?? Buffer.alloc(0), headers));
  const sse = Object.fromEntries(Object.entries(headers).filter(([h]) => h.startsWith('x-amz-server-side-encryption')));
  s.objects.set(id, { sse, versionId: next.versionId });
}
