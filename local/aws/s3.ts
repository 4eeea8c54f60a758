// Emulated Amazon S3: the third-party s3rver (@20minutes/s3rver) on a loopback port, with a Koa
// middleware of ours in front of its router that closes the gaps this project depends on:
//
// - Faults: every S3 operation goes through the shared FaultInjector (service `s3`); errors are
//   S3's XML error document (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
// - Tags sent with PutObject in `x-amz-tagging` (URL-encoded, at most 10 tags, keys <= 128 and
//   values <= 256 chars; API_PutObject, "x-amz-tagging") are stored, so GetObjectTagging returns
//   them; a PutObject without the header leaves the new object untagged, as in S3.
// - SSE: `x-amz-server-side-encryption` (AES256 | aws:kms) and
//   `x-amz-server-side-encryption-aws-kms-key-id` are validated against the emulated KMS and echoed
//   on PutObject, HeadObject and GetObject (API_PutObject / API_HeadObject response headers). With no
//   header the object is SSE-S3 (AES256), S3's default since January 2023.
// - Versioning (PutBucketVersioning / GetBucketVersioning): s3rver has none, so we keep it here.
//   In a bucket with versioning Enabled every write gets a VersionId (returned in
//   `x-amz-version-id`), older versions are kept in memory and served by GetObject/HeadObject with
//   `versionId`; DeleteObject without versionId adds a delete marker. Unversioned buckets return no
//   VersionId at all (S3 returns none for a never-versioned bucket); Suspended ones return "null".
// - Notifications: PutBucketNotificationConfiguration / GetBucketNotificationConfiguration are
//   stored as given; `<EventBridgeConfiguration/>` turns on EventBridge delivery for the bucket
//   (S3 User Guide, "Using EventBridge").
// - Object events: s3rver's events, enriched with version id and reason, are re-emitted as
//   `S3ObjectEvent`s; `toEventBridgeEvent` shapes them exactly like S3's EventBridge integration.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Readable } from 'node:stream';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './core.js';
import { buildArn, randomChars, randomHex } from './arn.js';
import type { FaultInjector } from './faults.js';
import type { KmsEmulator } from './kms.js';
import type { EventBridgeEvent } from './eventbridge.js';
import { isoSeconds } from './eventbridge.js';

const require = createRequire(import.meta.url);

// Minimal typings for the parts of s3rver (a CommonJS Koa app) we use.
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  ip: string;
  status: number;
  body: unknown;
  type: string;
  store: S3rverStore;
  set(name: string, value: string): void;
  remove(name: string): void;
  request: { body?: unknown };
  req: NodeJS.ReadableStream;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverObject {
  metadata: Record<string, string>;
  content: Readable | null;
}
interface S3rverStore {
  getBucket(name: string): Promise<unknown>;
  putBucket(name: string): Promise<unknown>;
  getObject(bucket: string, key: string): Promise<S3rverObject | null>;
  putSubresource(bucket: string, key: string, resource: unknown): Promise<void>;
  deleteSubresource(bucket: string, key: string, type: string): Promise<void>;
}
interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}
interface S3rverApp {
  middleware: KoaMiddleware[];
  store: S3rverStore;
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (e: { Records: S3rverRecord[] }) => void): void;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverApp;
interface AwsAccountModule {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secret: string): void };
}
interface TaggingConfigurationCtor {
  validate(xml: string): unknown;
}

export interface S3ObjectEvent {
  /** S3 event type, e.g. `ObjectCreated:Put`, `ObjectRemoved:Delete`, `ObjectRemoved:DeleteMarkerCreated`. */
  readonly type: string;
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly etag?: string;
  /** Present for versioning-enabled (an id) or suspended ("null") buckets. */
  readonly versionId?: string;
  readonly sequencer: string;
  readonly time: Date;
  /** The API call, as S3's EventBridge `detail.reason`: PutObject, POST Object, CopyObject, CompleteMultipartUpload, DeleteObject. */
  readonly reason: string;
  readonly requestId: string;
  readonly sourceIp: string;
}

export interface S3Options {
  readonly faults?: FaultInjector;
  readonly kms?: KmsEmulator;
  readonly port?: number;
  /** Region and account reported in events (default LOCAL_REGION / LOCAL_ACCOUNT_ID). */
  readonly region?: string;
  readonly accountId?: string;
}

interface VersionRecord {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly lastModified: Date;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

interface ObjectInfo {
  sse: Record<string, string>;
  versionId?: string;
}

interface RequestInfo {
  readonly operation: string;
  readonly requestId: string;
  versionId?: string;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

class S3HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Operation name (as in the S3 API reference) of a path-style request. */
export function s3OperationOf(
  method: string,
  path: string,
  query: Record<string, unknown>,
  headers: Record<string, unknown>,
): string {
  const parts = path.split('/').filter(Boolean);
  const has = (q: string) => q in query;
  if (parts.length === 0) return 'ListBuckets';
  if (parts.length === 1) {
    const sub = [
      'versioning',
      'notification',
      'tagging',
      'cors',
      'website',
      'location',
      'policy',
      'lifecycle',
      'encryption',
      'acl',
      'versions',
      'uploads',
      'delete',
    ].find(has);
    const cap = (s: string) =>
      ({
        versioning: 'Versioning',
        notification: 'NotificationConfiguration',
        tagging: 'Tagging',
        cors: 'Cors',
        website: 'Website',
        location: 'Location',
        policy: 'Policy',
        lifecycle: 'LifecycleConfiguration',
        encryption: 'Encryption',
        acl: 'Acl',
      })[s] ?? s;
    switch (method) {
      case 'PUT':
        return sub ? `PutBucket${cap(sub)}` : 'CreateBucket';
      case 'DELETE':
        return sub ? `DeleteBucket${cap(sub)}` : 'DeleteBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'POST':
        return sub === 'delete' ? 'DeleteObjects' : 'PostObject';
      default:
        if (sub === 'versions') return 'ListObjectVersions';
        if (sub === 'uploads') return 'ListMultipartUploads';
        if (sub) return `GetBucket${cap(sub)}`;
        return query['list-type'] === '2' ? 'ListObjectsV2' : 'ListObjects';
    }
  }
  switch (method) {
    case 'PUT':
      if (has('tagging')) return 'PutObjectTagging';
      if (has('uploadId')) return 'x-amz-copy-source' in headers ? 'UploadPartCopy' : 'UploadPart';
      return 'x-amz-copy-source' in headers ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      return 'PostObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      return has('tagging') ? 'DeleteObjectTagging' : 'DeleteObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      if (has('tagging')) return 'GetObjectTagging';
      if (has('acl')) return 'GetObjectAcl';
      if (has('uploadId')) return 'ListParts';
      return 'GetObject';
  }
}

const REASONS: Record<string, string> = {
  PutObject: 'PutObject',
  PostObject: 'POST Object',
  CopyObject: 'CopyObject',
  CompleteMultipartUpload: 'CompleteMultipartUpload',
  DeleteObject: 'DeleteObject',
  DeleteObjects: 'DeleteObject',
};

export class S3Emulator {
  private readonly app: S3rverApp;
  private readonly dir: string;
  private readonly als = new AsyncLocalStorage<RequestInfo>();
  private readonly emitter = new EventEmitter();
  private readonly versioning = new Map<string, 'Enabled' | 'Suspended'>();
  private readonly notifications = new Map<string, string>();
  private readonly eventBridge = new Set<string>();
  /** Current object's SSE and version, by `bucket\0key`. */
  private readonly objects = new Map<string, ObjectInfo>();
  /** Version history, newest last, by `bucket\0key` (versioning-enabled buckets only). */
  private readonly history = new Map<string, VersionRecord[]>();
  private readonly TaggingConfiguration: TaggingConfigurationCtor;
  private readonly accounts: AwsAccountModule;
  private _url = '';

  constructor(private readonly opts: S3Options = {}) {
    const S3rver = require('@20minutes/s3rver') as S3rverCtor;
    this.TaggingConfiguration = (
      require('@20minutes/s3rver/lib/models/config') as { TaggingConfiguration: TaggingConfigurationCtor }
    ).TaggingConfiguration;
    this.accounts = require('@20minutes/s3rver/lib/models/account') as AwsAccountModule;
    this.dir = mkdtempSync(join(tmpdir(), 'msk-spec-s3-'));
    this.app = new S3rver({
      address: '127.0.0.1',
      port: opts.port ?? 0,
      silent: true,
      directory: this.dir,
      resetOnClose: false,
      vhostBuckets: false,
      allowMismatchedSignatures: true,
    });
    // Our middleware runs before s3rver's own (Koa composes `middleware` when the server starts).
    this.app.middleware.unshift((ctx, next) => this.middleware(ctx, next));
    this.app.on('event', (e) => this.onS3rverEvent(e));
  }

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    if (!this._url) throw new Error('S3 emulator not started');
    return this._url;
  }

  async start(): Promise<string> {
    const addr = await this.app.run();
    this._url = `http://127.0.0.1:${addr.port}`;
    return this._url;
  }

  async stop(): Promise<void> {
    const server = this.app.httpServer;
    if (server) {
      server.closeAllConnections();
      await this.app.close().catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Creates a bucket in-process (idempotent), optionally with versioning and EventBridge notifications on. */
  async createBucket(name: string, opts: { versioning?: boolean; eventBridge?: boolean } = {}): Promise<void> {
    await this.app.store.putBucket(name);
    if (opts.versioning) this.versioning.set(name, 'Enabled');
    if (opts.eventBridge) {
      this.eventBridge.add(name);
      this.notifications.set(
        name,
        `<NotificationConfiguration xmlns="${XMLNS}"><EventBridgeConfiguration></EventBridgeConfiguration></NotificationConfiguration>`,
      );
    }
  }

  /** Whether the bucket's notification configuration turns EventBridge on. */
  eventBridgeEnabled(bucket: string): boolean {
    return this.eventBridge.has(bucket);
  }

  /** Object-created and -removed events. */
  onObjectEvent(listener: (e: S3ObjectEvent) => void): () => void {
    this.emitter.on('object', listener);
    return () => this.emitter.off('object', listener);
  }

  /** The event S3's EventBridge integration sends for `e` (S3 User Guide, "EventBridge event message structure"). */
  toEventBridgeEvent(e: S3ObjectEvent): Omit<EventBridgeEvent, 'version' | 'id'> & { id?: string } {
    const created = e.type.startsWith('ObjectCreated');
    const accountId = this.opts.accountId ?? LOCAL_ACCOUNT_ID;
    return {
      'detail-type': created ? 'Object Created' : 'Object Deleted',
      source: 'aws.s3',
      account: accountId,
      time: isoSeconds(e.time),
      region: this.opts.region ?? LOCAL_REGION,
      resources: [buildArn('s3', '', '', e.bucket)],
      detail: {
        version: '0',
        bucket: { name: e.bucket },
        object: {
          key: e.key,
          ...(created ? { size: e.size, etag: e.etag } : {}),
          ...(e.versionId !== undefined ? { 'version-id': e.versionId } : {}),
          sequencer: e.sequencer,
        },
        'request-id': e.requestId,
        requester: accountId,
        'source-ip-address': e.sourceIp,
        reason: e.reason,
        ...(created
          ? {}
          : {
              'deletion-type':
                e.type === 'ObjectRemoved:DeleteMarkerCreated' ? 'Delete Marker Created' : 'Permanently Deleted',
            }),
      },
    };
  }

  // ---- the middleware ----

  private async middleware(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
    const path = ctx.path;
    const operation = s3OperationOf(ctx.method, path, ctx.query, ctx.headers);
    const requestId = randomHex(8).toUpperCase();
    ctx.set('x-amz-request-id', requestId);
    // Like the gateway, accept any credentials: s3rver knows one key pair and checks signatures,
    // so register whatever access key id the request is signed with (signatures are then not checked).
    const akid =
      /Credential=([^/,\s]+)\//.exec(header(ctx, 'authorization') ?? '')?.[1] ??
      (typeof ctx.query['X-Amz-Credential'] === 'string' ? ctx.query['X-Amz-Credential'].split('/')[0] : undefined);
    if (akid && !this.accounts.registry.has(akid)) this.accounts.DUMMY_ACCOUNT.createKeyPair(akid, akid);
    try {
      if (this.opts.faults) {
        const hit = this.opts.faults.take('s3', operation);
        if (hit) {
          if (hit.latencyMs > 0) await new Promise((r) => setTimeout(r, hit.latencyMs));
          if (hit.error) throw new S3HttpError(hit.error.code, hit.error.message, hit.error.statusCode);
        }
      }
      const segments = path
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s));
      const bucket = segments[0] ?? '';
      const key = segments.slice(1).join('/') + (segments.length > 1 && path.endsWith('/') ? '/' : '');
      const info: RequestInfo = { operation, requestId };
      switch (operation) {
        case 'PutBucketVersioning':
        case 'GetBucketVersioning':
        case 'PutBucketNotificationConfiguration':
        case 'GetBucketNotificationConfiguration':
          return await this.bucketConfig(ctx, operation, bucket);
        case 'PutObject':
        case 'CopyObject':
        case 'CompleteMultipartUpload':
          return await this.write(ctx, next, info, bucket, key);
        case 'GetObject':
        case 'HeadObject':
          return await this.read(ctx, next, info, bucket, key);
        case 'DeleteObject':
          return await this.remove(ctx, next, info, bucket, key);
        case 'ListObjectVersions':
          return await this.listVersions(ctx, bucket);
        case 'DeleteObjects':
          return await this.removeMany(ctx, next, info, bucket);
        case 'CreateMultipartUpload': {
          // API_CreateMultipartUpload: the SSE headers are given here and apply to the completed object.
          const sse = this.sseFor(ctx);
          await this.als.run(info, next);
          if (ctx.status < 300) {
            this.objects.set(`upload\0${bucket}\0${key}`, { sse });
            for (const [h, v] of Object.entries(sse)) ctx.set(h, v);
          }
          return;
        }
        default:
          return await this.als.run(info, next);
      }
    } catch (e) {
      if (!(e instanceof S3HttpError)) throw e;
      // HEAD answers carry no body (Koa drops it for HEAD anyway).
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
      ctx.type = 'application/xml';
      ctx.status = e.status;
    }
  }

  private async requireBucket(ctx: KoaContext, bucket: string): Promise<void> {
    if (!(await ctx.store.getBucket(bucket)))
      throw new S3HttpError('NoSuchBucket', 'The specified bucket does not exist', 404);
  }

  // PutBucketVersioning / GetBucketVersioning:
  //   https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html (Status Enabled | Suspended)
  // PutBucketNotificationConfiguration / GetBucketNotificationConfiguration:
  //   https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
  private async bucketConfig(ctx: KoaContext, operation: string, bucket: string): Promise<void> {
    await this.requireBucket(ctx, bucket);
    if (operation.startsWith('Put')) {
      const xml = (await readAll(ctx.req)).toString('utf8');
      if (operation === 'PutBucketVersioning') {
        const status = /<Status>\s*(\w+)\s*<\/Status>/.exec(xml)?.[1];
        if (status !== 'Enabled' && status !== 'Suspended')
          throw new S3HttpError(
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema',
            400,
          );
        this.versioning.set(bucket, status);
      } else {
        if (!/<NotificationConfiguration[\s>]/.test(xml) && !/<NotificationConfiguration\/>/.test(xml)) {
          throw new S3HttpError(
            'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema',
            400,
          );
        }
        this.notifications.set(bucket, xml);
        if (/<EventBridgeConfiguration\s*\/?>/.test(xml)) this.eventBridge.add(bucket);
        else this.eventBridge.delete(bucket);
      }
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    ctx.type = 'application/xml';
    ctx.status = 200;
    if (operation === 'GetBucketVersioning') {
      const status = this.versioning.get(bucket);
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="${XMLNS}">${status ? `<Status>${status}</Status>` : ''}</VersioningConfiguration>`;
    } else {
      ctx.body =
        this.notifications.get(bucket) ??
        `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="${XMLNS}"/>`;
    }
  }

  /** The SSE headers to store and echo for a write (API_PutObject: x-amz-server-side-encryption*). */
  private sseFor(ctx: KoaContext): Record<string, string> {
    const mode = header(ctx, 'x-amz-server-side-encryption');
    const keyId = header(ctx, 'x-amz-server-side-encryption-aws-kms-key-id');
    if (mode === undefined || mode === 'AES256') {
      if (keyId !== undefined)
        throw new S3HttpError(
          'InvalidArgument',
          'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
          400,
        );
      return { 'x-amz-server-side-encryption': 'AES256' };
    }
    if (mode !== 'aws:kms' && mode !== 'aws:kms:dsse')
      throw new S3HttpError('InvalidArgument', 'The encryption method specified is not supported', 400);
    let keyArn = keyId;
    if (this.opts.kms) {
      try {
        keyArn = this.opts.kms.resolveKey(
          keyId ?? 'alias/aws/s3',
          this.opts.region ?? LOCAL_REGION,
          this.opts.accountId ?? LOCAL_ACCOUNT_ID,
        ).Arn;
      } catch {
        throw new S3HttpError('KMS.NotFoundException', `Invalid keyId '${keyId ?? ''}'`, 400);
      }
    }
    return {
      'x-amz-server-side-encryption': mode,
      ...(keyArn !== undefined ? { 'x-amz-server-side-encryption-aws-kms-key-id': keyArn } : {}),
    };
  }

  // PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), CopyObject,
  // CompleteMultipartUpload: tags, SSE and version id around s3rver's write.
  private async write(
    ctx: KoaContext,
    next: () => Promise<void>,
    info: RequestInfo,
    bucket: string,
    key: string,
  ): Promise<void> {
    const id = `${bucket}\0${key}`;
    const tagging = info.operation === 'PutObject' ? parseTagging(header(ctx, 'x-amz-tagging')) : undefined;
    const sse =
      info.operation === 'CompleteMultipartUpload'
        ? (this.objects.get(`upload\0${bucket}\0${key}`)?.sse ?? { 'x-amz-server-side-encryption': 'AES256' })
        : this.sseFor(ctx);
    const status = this.versioning.get(bucket);
    if (status === 'Enabled') info.versionId = randomVersionId();
    else if (status === 'Suspended') info.versionId = 'null';
    const previous = this.objects.get(id);
    if (info.versionId !== undefined) this.objects.set(id, { sse, versionId: info.versionId });
    try {
      await this.als.run(info, next);
    } catch (e) {
      if (previous) this.objects.set(id, previous);
      else this.objects.delete(id);
      throw e;
    }
    if (ctx.status >= 300) {
      if (previous) this.objects.set(id, previous);
      else this.objects.delete(id);
      return;
    }
    this.objects.set(id, { sse, ...(info.versionId !== undefined ? { versionId: info.versionId } : {}) });
    if (info.operation === 'PutObject' || info.operation === 'CopyObject') {
      if (tagging && tagging.length > 0) {
        const xml = `<Tagging><TagSet>${tagging.map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`).join('')}</TagSet></Tagging>`;
        await ctx.store.putSubresource(bucket, key, this.TaggingConfiguration.validate(xml));
      } else if (info.operation === 'PutObject') {
        await ctx.store.deleteSubresource(bucket, key, 'tagging');
      }
    }
    for (const [h, v] of Object.entries(sse)) ctx.set(h, v);
    if (info.versionId !== undefined) {
      ctx.set('x-amz-version-id', info.versionId);
      await this.record(ctx, bucket, key, info.versionId);
    }
  }

  /** Keeps a copy of the object just written, for reads by versionId. */
  private async record(ctx: KoaContext, bucket: string, key: string, versionId: string): Promise<void> {
    const obj = await ctx.store.getObject(bucket, key);
    if (!obj) return;
    const body = obj.content ? await readAll(obj.content) : Buffer.alloc(0);
    const headers: Record<string, string> = {};
    for (const [h, v] of Object.entries(obj.metadata)) headers[h] = String(v);
    const id = `${bucket}\0${key}`;
    const list = (this.history.get(id) ?? []).filter((r) => r.versionId !== versionId || versionId !== 'null');
    list.push({
      versionId,
      deleteMarker: false,
      lastModified: new Date(),
      body,
      headers: { ...headers, ...this.objects.get(id)?.sse },
    });
    this.history.set(id, list);
  }

  // GetObject / HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html):
  // `versionId` selects a version (NoSuchVersion when unknown; 405 MethodNotAllowed for a delete
  // marker); SSE and x-amz-version-id response headers.
  private async read(
    ctx: KoaContext,
    next: () => Promise<void>,
    info: RequestInfo,
    bucket: string,
    key: string,
  ): Promise<void> {
    const id = `${bucket}\0${key}`;
    const requested = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
    const current = this.objects.get(id);
    // `versionId=null` names the null version, i.e. the object of a never-versioned bucket.
    const isCurrent = requested === current?.versionId || (requested === 'null' && current?.versionId === undefined);
    if (requested !== undefined && !isCurrent) {
      await this.requireBucket(ctx, bucket);
      const record = this.history.get(id)?.find((r) => r.versionId === requested);
      if (!record) throw new S3HttpError('NoSuchVersion', 'The specified version does not exist.', 404);
      if (record.deleteMarker) {
        ctx.set('x-amz-delete-marker', 'true');
        ctx.set('x-amz-version-id', record.versionId);
        throw new S3HttpError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
      }
      for (const [h, v] of Object.entries(record.headers ?? {})) ctx.set(h, v);
      ctx.set('x-amz-version-id', record.versionId);
      ctx.set('accept-ranges', 'bytes');
      ctx.body = record.body ?? Buffer.alloc(0);
      ctx.type = record.headers?.['content-type'] ?? 'binary/octet-stream';
      ctx.status = 200;
      return;
    }
    const latest = this.history.get(id)?.at(-1);
    if (latest?.deleteMarker && requested === undefined) {
      ctx.set('x-amz-delete-marker', 'true');
      ctx.set('x-amz-version-id', latest.versionId);
    }
    await this.als.run(info, next);
    if (ctx.status < 300 && current) {
      for (const [h, v] of Object.entries(current.sse)) ctx.set(h, v);
      if (current.versionId !== undefined) ctx.set('x-amz-version-id', current.versionId);
    } else if (ctx.status < 300) {
      ctx.set('x-amz-server-side-encryption', 'AES256');
    }
  }

  // DeleteObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html): in a
  // versioning-enabled bucket, without versionId, a delete marker becomes the current version;
  // with versionId, that version is removed for good.
  private async remove(
    ctx: KoaContext,
    next: () => Promise<void>,
    info: RequestInfo,
    bucket: string,
    key: string,
  ): Promise<void> {
    const id = `${bucket}\0${key}`;
    const requested = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
    const current = this.objects.get(id);
    if (requested !== undefined && requested !== current?.versionId) {
      await this.requireBucket(ctx, bucket);
      ctx.set('x-amz-version-id', requested);
      const removed = this.history.get(id)?.find((r) => r.versionId === requested);
      if (removed?.deleteMarker) ctx.set('x-amz-delete-marker', 'true');
      await this.dropVersion(ctx, bucket, key, requested);
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    const status = this.versioning.get(bucket);
    if (status === 'Enabled' && requested === undefined) info.versionId = randomVersionId();
    else if (requested !== undefined) info.versionId = requested;
    await this.als.run(info, next);
    if (ctx.status >= 300) return;
    await ctx.store.deleteSubresource(bucket, key, 'tagging').catch(() => undefined);
    this.objects.delete(id);
    if (status === 'Enabled' && requested === undefined && info.versionId !== undefined) {
      const list = this.history.get(id) ?? [];
      list.push({ versionId: info.versionId, deleteMarker: true, lastModified: new Date() });
      this.history.set(id, list);
      ctx.set('x-amz-delete-marker', 'true');
      ctx.set('x-amz-version-id', info.versionId);
    } else if (requested !== undefined) {
      // The current version itself was deleted for good: the previous one becomes current.
      await this.dropVersion(ctx, bucket, key, requested);
      ctx.set('x-amz-version-id', requested);
    }
  }

  // DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html):
  // s3rver deletes and answers but emits no events and knows no versions. Afterwards we emit one
  // ObjectRemoved event per deleted object and, in a versioning-enabled bucket, add a delete marker
  // per key and report it (DeleteMarker, DeleteMarkerVersionId) in the result.
  private async removeMany(
    ctx: KoaContext,
    next: () => Promise<void>,
    info: RequestInfo,
    bucket: string,
  ): Promise<void> {
    await this.als.run(info, next);
    if (ctx.status >= 300) return;
    const objects = (ctx.request.body as { Delete?: { Object?: { Key?: unknown } | { Key?: unknown }[] } } | undefined)
      ?.Delete?.Object;
    const keys = ([] as { Key?: unknown }[]).concat(objects ?? []).map((o) => String(o.Key));
    const versioned = this.versioning.get(bucket) === 'Enabled';
    const results: string[] = [];
    for (const key of keys) {
      const id = `${bucket}\0${key}`;
      const existed = this.objects.has(id);
      this.objects.delete(id);
      let markerId: string | undefined;
      if (versioned) {
        markerId = randomVersionId();
        const list = this.history.get(id) ?? [];
        list.push({ versionId: markerId, deleteMarker: true, lastModified: new Date() });
        this.history.set(id, list);
      }
      if (existed) {
        await ctx.store.deleteSubresource(bucket, key, 'tagging').catch(() => undefined);
        this.emitter.emit('object', {
          type: markerId ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete',
          bucket,
          key,
          ...(markerId ? { versionId: markerId } : {}),
          sequencer: sequencer(),
          time: new Date(),
          reason: 'DeleteObject',
          requestId: info.requestId,
          sourceIp: '127.0.0.1',
        } satisfies S3ObjectEvent);
      }
      results.push(
        `<Deleted><Key>${xmlEscape(key)}</Key>${markerId ? `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>${markerId}</DeleteMarkerVersionId>` : ''}</Deleted>`,
      );
    }
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="${XMLNS}">${results.join('')}</DeleteResult>`;
    ctx.status = 200;
  }

  /**
   * Removes a version from the history; when it was the newest, the next newest becomes current
   * again (API_DeleteObject: deleting a delete marker or the current version by id "restores"
   * the previous version). Its body is written back to s3rver.
   */
  private async dropVersion(ctx: KoaContext, bucket: string, key: string, versionId: string): Promise<void> {
    const id = `${bucket}\0${key}`;
    const list = this.history.get(id) ?? [];
    const wasLatest = list.at(-1)?.versionId === versionId;
    const rest = list.filter((r) => r.versionId !== versionId);
    this.history.set(id, rest);
    if (!wasLatest) return;
    const next = rest.at(-1);
    if (!next || next.deleteMarker) {
      this.objects.delete(id);
      return;
    }
    const S3Object = require('@20minutes/s3rver/lib/models/object') as new (
      bucket: string,
      key: string,
      content: Buffer,
      metadata: Record<string, string>,
    ) => unknown;
    const headers = next.headers ?? {};
    await (ctx.store as S3rverStore & { putObject(o: unknown): Promise<unknown> }).putObject(
      new S3Object(bucket, key, next.body ?? Buffer.alloc(0), headers),
    );
    const sse = Object.fromEntries(
      Object.entries(headers).filter(([h]) => h.startsWith('x-amz-server-side-encryption')),
    );
    this.objects.set(id, { sse, versionId: next.versionId });
  }

  // ListObjectVersions (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html):
  // the versions and delete markers this emulator has recorded (writes while versioning was
  // Enabled), newest first per key, filtered by prefix. No paging: IsTruncated is always false.
  private async listVersions(ctx: KoaContext, bucket: string): Promise<void> {
    await this.requireBucket(ctx, bucket);
    const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
    const owner = '<Owner><ID>local</ID><DisplayName>local</DisplayName></Owner>';
    const entries: string[] = [];
    const keys = [...this.history.keys()]
      .filter((id) => id.startsWith(`${bucket}\0`))
      .map((id) => id.slice(bucket.length + 1))
      .filter((k) => k.startsWith(prefix))
      .sort();
    for (const key of keys) {
      const list = [...(this.history.get(`${bucket}\0${key}`) ?? [])].reverse();
      list.forEach((r, i) => {
        const common = `<Key>${xmlEscape(key)}</Key><VersionId>${r.versionId}</VersionId><IsLatest>${i === 0}</IsLatest><LastModified>${r.lastModified.toISOString()}</LastModified>`;
        if (r.deleteMarker) entries.push(`<DeleteMarker>${common}${owner}</DeleteMarker>`);
        else {
          entries.push(
            `<Version>${common}<ETag>${xmlEscape(r.headers?.etag ?? '')}</ETag><Size>${r.body?.length ?? 0}</Size><StorageClass>STANDARD</StorageClass>${owner}</Version>`,
          );
        }
      });
    }
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="${XMLNS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${entries.join('')}</ListVersionsResult>`;
    ctx.status = 200;
  }

  // ---- events ----

  private onS3rverEvent(e: { Records: S3rverRecord[] }): void {
    const info = this.als.getStore();
    for (const r of e.Records) {
      const created = r.eventName.startsWith('ObjectCreated');
      const operation = info?.operation ?? (created ? 'PutObject' : 'DeleteObject');
      let type = r.eventName;
      if (operation === 'CompleteMultipartUpload') type = 'ObjectCreated:CompleteMultipartUpload';
      if (
        !created &&
        this.versioning.get(r.s3.bucket.name) === 'Enabled' &&
        operation === 'DeleteObject' &&
        typeof info?.versionId === 'string'
      ) {
        type = 'ObjectRemoved:DeleteMarkerCreated';
      }
      const event: S3ObjectEvent = {
        type,
        bucket: r.s3.bucket.name,
        key: r.s3.object.key,
        ...(created
          ? { size: r.s3.object.size ?? 0, ...(r.s3.object.eTag !== undefined ? { etag: r.s3.object.eTag } : {}) }
          : {}),
        ...(info?.versionId !== undefined ? { versionId: info.versionId } : {}),
        sequencer: sequencer(),
        time: new Date(r.eventTime),
        reason: REASONS[operation] ?? operation,
        requestId: info?.requestId ?? randomHex(8).toUpperCase(),
        sourceIp: '127.0.0.1',
      };
      this.emitter.emit('object', event);
    }
  }
}

let seq = 0n;
/** Sequencers only need to grow per key (S3 User Guide, "Event message structure"); a global counter does. */
function sequencer(): string {
  seq += 1n;
  return (BigInt(Date.now()) * 1000n + (seq % 1000n)).toString(16).toUpperCase().padStart(16, '0');
}

function randomVersionId(): string {
  return randomChars(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._');
}

function header(ctx: KoaContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `x-amz-tagging`: URL query encoded; at most 10 tags, unique keys of 1-128 and values of 0-256 chars (S3 User Guide, "Categorizing your storage using tags"). */
function parseTagging(value: string | undefined): [string, string][] | undefined {
  if (value === undefined) return undefined;
  const params = new URLSearchParams(value);
  const tags = [...params.entries()];
  const keys = new Set(tags.map(([k]) => k));
  if (tags.length > 10) throw new S3HttpError('BadRequest', 'Object tags cannot be greater than 10', 400);
  if (keys.size !== tags.length)
    throw new S3HttpError('InvalidTag', 'Cannot provide multiple Tags with the same key', 400);
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128)
      throw new S3HttpError('InvalidTag', 'The TagKey you have provided is invalid', 400);
    if (v.length > 256)
      throw new S3HttpError('InvalidTag', 'The TagValue you have provided is too long, max length is 256', 400);
  }
  return tags;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Starts s3rver behind our middleware on a free loopback port. */
export async function startS3(opts: S3Options = {}): Promise<S3Emulator> {
  const s3 = new S3Emulator(opts);
  await s3.start();
  return s3;
}
