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
// - Default encryption (PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption): a
//   write that sends no SSE header gets the bucket's default, e.g. SSE-KMS under its key (S3 User
//   Guide, "Setting default server-side encryption behavior for Amazon S3 buckets").
// - Bucket policies (PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy, `putBucketPolicy`).
// - IAM, only with an authorizer (`S3Options.iam`, `startLocalAws({ iam })`): the caller is the
//   principal of the SigV4 access key (header or presigned `X-Amz-Credential`); an unknown key is
//   403 InvalidAccessKeyId, an unsigned request 403 AccessDenied. Every grant local/aws/iam/actions.ts
//   lists for the operation is evaluated with the bucket's policy beside the caller's identity
//   policies (explicit deny wins); a denial is 403 AccessDenied with IAM's message. GetObject and
//   HeadObject of a missing key answer 403 to a caller without s3:ListBucket on the bucket and 404
//   NoSuchKey to one with it (API_GetObject, "Permissions"). SSE-KMS writes need the caller's
//   kms:GenerateDataKey and SSE-KMS reads its kms:Decrypt on the key, via S3 (S3 User Guide,
//   "Using server-side encryption with AWS KMS keys", "Permissions"); KMS's denial comes back as
//   403 AccessDenied with KMS's message.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Readable } from 'node:stream';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './core.js';
import { buildArn, randomChars, randomHex } from './arn.js';
import type { FaultInjector } from './faults.js';
import type { KmsEmulator } from './kms.js';
import type { EventBridgeEvent } from './eventbridge.js';
import { isoSeconds } from './eventbridge.js';
import { requiredGrants } from './iam/actions.js';
import { policyProblems } from './iam/authority.js';
import {
  accessKeyOf,
  accountOf,
  authorizeOnBehalf,
  firstDenial,
  onBehalfKmsRequest,
  type EnforcingAuthorizer,
} from './iam/enforce.js';
import type { PolicyDocument } from './iam/types.js';
import { PageTokens, pageSize } from './pagination.js';
import { s3RequestErrorOf } from './models/hooks.js';

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
  /** Authorize every request against IAM (default: no IAM). */
  readonly iam?: EnforcingAuthorizer;
}

/** A bucket's default encryption (ServerSideEncryptionByDefault). */
export interface BucketEncryption {
  readonly algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  readonly kmsKeyId?: string;
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
  /** The authenticated caller, with IAM on. */
  principalArn?: string;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Tags of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>...` document. */
function tagsFromXml(xml: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const m of xml.matchAll(/<Tag>\s*<Key>([\s\S]*?)<\/Key>\s*<Value>([\s\S]*?)<\/Value>\s*<\/Tag>/g))
    tags[xmlUnescape(m[1]!)] = xmlUnescape(m[2]!);
  return tags;
}

function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot|#x?[0-9a-fA-F]+);/g, (m, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (named[e]) return named[e];
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : m;
  });
}

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

/** Operations whose authorization can depend on the object's current tags (s3:ExistingObjectTag/<key>). */
const TAG_CONDITIONED = new Set([
  'GetObject',
  'HeadObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
]);

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
  private readonly policies = new Map<string, PolicyDocument>();
  private readonly encryption = new Map<string, BucketEncryption>();
  private iam: EnforcingAuthorizer | undefined;
  /** Current object's SSE and version, by `bucket\0key`. */
  private readonly objects = new Map<string, ObjectInfo>();
  /** Version history, newest last, by `bucket\0key` (versioning-enabled buckets only). */
  private readonly history = new Map<string, VersionRecord[]>();
  private readonly TaggingConfiguration: TaggingConfigurationCtor;
  private readonly accounts: AwsAccountModule;
  /** Conditional writes in flight, by `bucket\0key`: each waits for the one before it. */
  private readonly keyLocks = new Map<string, Promise<void>>();
  /** Seals continuation tokens, so a token is opaque and a forged or another bucket's one is refused. */
  private readonly tokens = new PageTokens();
  private _url = '';

  constructor(private readonly opts: S3Options = {}) {
    const S3rver = require('@20minutes/s3rver') as S3rverCtor;
    this.TaggingConfiguration = (
      require('@20minutes/s3rver/lib/models/config') as { TaggingConfiguration: TaggingConfigurationCtor }
    ).TaggingConfiguration;
    this.accounts = require('@20minutes/s3rver/lib/models/account') as AwsAccountModule;
    this.iam = opts.iam;
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

  /**
   * Writes objects in-process, as an unconditional, untagged, SSE-S3 PutObject into an unversioned
   * bucket would leave them, but without HTTP, IAM, events or version records: for tests that need
   * thousands of keys to list (a PutObject round trip each would dominate them).
   */
  async seedObjects(bucket: string, objects: readonly { key: string; body?: string | Buffer }[]): Promise<void> {
    if (!(await this.app.store.getBucket(bucket))) throw new Error(`NoSuchBucket: ${bucket}`);
    const S3Object = require('@20minutes/s3rver/lib/models/object') as new (
      bucket: string,
      key: string,
      content: Buffer,
      metadata: Record<string, string>,
    ) => unknown;
    const store = this.app.store as S3rverStore & { putObject(o: unknown): Promise<unknown> };
    for (let i = 0; i < objects.length; i += 32)
      await Promise.all(
        objects
          .slice(i, i + 32)
          .map(({ key, body }) =>
            store.putObject(
              new S3Object(bucket, key, Buffer.from(body ?? ''), { 'content-type': 'binary/octet-stream' }),
            ),
          ),
      );
  }

  /** Turns IAM enforcement on (or off with undefined) for requests from now on. */
  enforce(iam: EnforcingAuthorizer | undefined): void {
    this.iam = iam;
  }

  /** Puts a bucket policy in-process (the local deployer); validated as PutBucketPolicy validates it. */
  putBucketPolicy(bucket: string, policy: PolicyDocument): void {
    const problems = policyProblems(policy, 'resource');
    if (problems.length > 0) throw new Error(`MalformedPolicy: bucket ${bucket}: ${problems.join('; ')}`);
    this.policies.set(bucket, policy);
  }

  bucketPolicy(bucket: string): PolicyDocument | undefined {
    return this.policies.get(bucket);
  }

  deleteBucketPolicy(bucket: string): void {
    this.policies.delete(bucket);
  }

  /** Sets a bucket's default encryption in-process (what PutBucketEncryption stores). */
  putBucketEncryption(bucket: string, enc: BucketEncryption | undefined): void {
    if (enc) this.encryption.set(bucket, enc);
    else this.encryption.delete(bucket);
  }

  bucketEncryption(bucket: string): BucketEncryption {
    // Every bucket has SSE-S3 by default since January 2023 (S3 User Guide, "Default encryption").
    return this.encryption.get(bucket) ?? { algorithm: 'AES256' };
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
    const akid = accessKeyOf(
      header(ctx, 'authorization'),
      typeof ctx.query['X-Amz-Credential'] === 'string' ? ctx.query['X-Amz-Credential'] : undefined,
    );
    try {
      let principalArn: string | undefined;
      if (this.iam) {
        // API error codes (ErrorResponses.html): InvalidAccessKeyId for a key IAM never issued;
        // an anonymous request has no identity policies, and no bucket here grants `*`.
        if (akid === undefined) throw new S3HttpError('AccessDenied', 'Access Denied', 403);
        principalArn = this.iam.principalForAccessKey(akid);
        if (principalArn === undefined)
          throw new S3HttpError(
            'InvalidAccessKeyId',
            'The AWS Access Key Id you provided does not exist in our records.',
            403,
          );
      }
      if (akid && !this.accounts.registry.has(akid)) this.accounts.DUMMY_ACCOUNT.createKeyPair(akid, akid);
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
      const info: RequestInfo = { operation, requestId, ...(principalArn ? { principalArn } : {}) };
      checkObjectRequest(ctx, operation, key);
      // The request is checked against the S3 model (local/aws/models/) once the caller is known.
      const invalid = await s3RequestErrorOf(ctx, operation);
      if (invalid) throw new S3HttpError(invalid.code, invalid.message, invalid.status);
      if (principalArn) await this.authorizeRequest(ctx, operation, principalArn, bucket, key);
      switch (operation) {
        case 'PutBucketPolicy':
        case 'GetBucketPolicy':
        case 'DeleteBucketPolicy':
          return await this.policyConfig(ctx, operation, bucket);
        case 'PutBucketEncryption':
        case 'GetBucketEncryption':
        case 'DeleteBucketEncryption':
          return await this.encryptionConfig(ctx, operation, bucket);
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
        case 'ListObjectsV2':
        case 'ListObjects':
          return await this.listObjects(ctx, bucket, operation === 'ListObjectsV2');
        case 'GetObjectTagging':
        case 'PutObjectTagging':
        case 'DeleteObjectTagging': {
          // The tagging calls answer the version they acted on in x-amz-version-id
          // (API_GetObjectTagging, API_PutObjectTagging, API_DeleteObjectTagging, response headers).
          await this.als.run(info, next);
          const requested = typeof ctx.query.versionId === 'string' ? ctx.query.versionId : undefined;
          const version = requested ?? this.objects.get(`${bucket}\0${key}`)?.versionId;
          if (ctx.status < 300 && version !== undefined) ctx.set('x-amz-version-id', version);
          return;
        }
        case 'DeleteObjects':
          return await this.removeMany(ctx, next, info, bucket);
        case 'CreateMultipartUpload': {
          // API_CreateMultipartUpload: the SSE headers are given here and apply to the completed object.
          const sse = this.sseFor(ctx, bucket);
          await this.kmsOnBehalf(info, sse, 'kms:GenerateDataKey', bucket, key);
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

  // ---- IAM ----

  /** The operation's input as IAM sees it: names from the S3 API reference (Bucket, Key, ...). */
  private iamInput(ctx: KoaContext, bucket: string, key: string): Record<string, unknown> {
    const q = (n: string) => (typeof ctx.query[n] === 'string' ? (ctx.query[n] as string) : undefined);
    const input: Record<string, unknown> = {
      Bucket: bucket,
      Key: key,
      VersionId: q('versionId'),
      Prefix: q('prefix'),
      Delimiter: q('delimiter'),
      MaxKeys: q('max-keys'),
      ServerSideEncryption: header(ctx, 'x-amz-server-side-encryption'),
      SSEKMSKeyId: header(ctx, 'x-amz-server-side-encryption-aws-kms-key-id'),
      Acl: header(ctx, 'x-amz-acl'),
    };
    const tagging = header(ctx, 'x-amz-tagging');
    if (tagging !== undefined) input.Tagging = Object.fromEntries(new URLSearchParams(tagging));
    const source = header(ctx, 'x-amz-copy-source');
    if (source !== undefined) {
      const src = parseCopySource(source);
      input.CopySource = source;
      input.CopySourceBucket = src.bucket;
      input.CopySourceKey = src.key;
      input.CopySourceVersionId = src.versionId;
    }
    return input;
  }

  /**
   * Authorizes the operation's grants (identity policies plus the bucket policy of the bucket each
   * resource lives in), then the cases S3 decides with more than one permission.
   */
  private async authorizeRequest(
    ctx: KoaContext,
    operation: string,
    principalArn: string,
    bucket: string,
    key: string,
  ): Promise<void> {
    const iam = this.iam!;
    const region = this.opts.region ?? LOCAL_REGION;
    // DeleteObjects: each key is authorized in removeMany.
    if (operation === 'DeleteObjects') return;
    const input = this.iamInput(ctx, bucket, key);
    if (TAG_CONDITIONED.has(operation) && key !== '')
      input.ExistingObjectTags = await this.existingTags(ctx, bucket, key);
    if (operation === 'PutObjectTagging') {
      // The new tags are in the body (API_PutObjectTagging): s3:RequestObjectTag/<key> and
      // s3:RequestObjectTagKeys. Read it, then hand s3rver the same bytes.
      const raw = await readAll(ctx.req);
      input.Tagging = tagsFromXml(raw.toString('utf8'));
      this.replaceBody(ctx, raw);
    }
    const grants = requiredGrants(`s3:${operation}`, {
      region,
      accountId: accountOf(principalArn),
      input,
      lookups: {},
    });
    if (!grants) throw new S3HttpError('NotImplemented', `No IAM mapping for ${operation} in the local emulator.`, 501);
    const denial = await firstDenial(iam, principalArn, grants, (g) => this.policies.get(bucketOfArn(g.resource)));
    if (denial) throw new S3HttpError('AccessDenied', denial.message, 403);

    // API_GetObject / API_HeadObject, "Permissions": for a key that does not exist, S3 answers 404
    // NoSuchKey only to a caller allowed s3:ListBucket on the bucket, 403 AccessDenied otherwise.
    if ((operation === 'GetObject' || operation === 'HeadObject') && input.VersionId === undefined) {
      const id = `${bucket}\0${key}`;
      const markedDeleted = this.history.get(id)?.at(-1)?.deleteMarker === true;
      const bucketExists = Boolean(await ctx.store.getBucket(bucket));
      const exists = bucketExists && !markedDeleted && (await this.exists(ctx, bucket, key));
      // A missing bucket is NoSuchBucket for anyone allowed the object action (s3rver answers it).
      if (bucketExists && !exists) {
        const list = requiredGrants('s3:ListObjectsV2', {
          region,
          accountId: accountOf(principalArn),
          input: { Bucket: bucket },
          lookups: {},
        })!;
        const decision = await firstDenial(iam, principalArn, list, () => this.policies.get(bucket));
        if (decision) throw new S3HttpError('AccessDenied', 'Access Denied', 403);
      }
    }
  }

  /** Gives s3rver, which reads request bodies from ctx.req, `body` instead of the consumed stream. */
  private replaceBody(ctx: KoaContext, body: Buffer): void {
    const original = ctx.req as NodeJS.ReadableStream & { headers?: unknown };
    ctx.req = Object.assign(Readable.from([body]), { headers: original.headers });
  }

  /** The object's current tags (s3:ExistingObjectTag/<key>), or undefined when it has none or does not exist. */
  private async existingTags(
    ctx: KoaContext,
    bucket: string,
    key: string,
  ): Promise<Record<string, string> | undefined> {
    const store = ctx.store as S3rverStore & {
      getSubresource?(b: string, k: string, type: string): Promise<{ toXML(): string } | null>;
    };
    const config = await store.getSubresource?.(bucket, key, 'tagging').catch(() => null);
    if (!config) return undefined;
    return tagsFromXml(config.toXML());
  }

  private async exists(ctx: KoaContext, bucket: string, key: string): Promise<boolean> {
    const store = ctx.store as S3rverStore & { existsObject?(b: string, k: string): Promise<boolean> };
    if (store.existsObject) return store.existsObject(bucket, key);
    return (await store.getObject(bucket, key)) !== null;
  }

  /** kms:GenerateDataKey (writes) or kms:Decrypt (reads) for the caller on an SSE-KMS object's key, via S3. */
  private async kmsOnBehalf(
    info: RequestInfo,
    sse: Record<string, string>,
    action: 'kms:GenerateDataKey' | 'kms:Decrypt',
    bucket: string,
    key: string,
  ): Promise<void> {
    const keyArn = sse['x-amz-server-side-encryption-aws-kms-key-id'];
    if (!this.iam || !info.principalArn || !sse['x-amz-server-side-encryption']?.startsWith('aws:kms') || !keyArn)
      return;
    const decision = await authorizeOnBehalf(
      this.iam,
      onBehalfKmsRequest({
        principalArn: info.principalArn,
        action,
        keyArn,
        service: 's3',
        region: this.opts.region ?? LOCAL_REGION,
        // S3's encryption context is the object ARN (S3 User Guide, "Encryption context").
        encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${bucket}/${key}` },
      }),
    );
    if (!decision.allowed) throw new S3HttpError('AccessDenied', decision.message, 403);
  }

  // PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html): the policy is JSON
  // in the body; GetBucketPolicy of a bucket without one is 404 NoSuchBucketPolicy.
  private async policyConfig(ctx: KoaContext, operation: string, bucket: string): Promise<void> {
    await this.requireBucket(ctx, bucket);
    if (operation === 'PutBucketPolicy') {
      const text = (await readAll(ctx.req)).toString('utf8');
      let doc: PolicyDocument;
      try {
        doc = JSON.parse(text) as PolicyDocument;
      } catch {
        throw new S3HttpError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
      }
      const problems = policyProblems(doc, 'resource');
      if (problems.length > 0) throw new S3HttpError('MalformedPolicy', problems.join('; '), 400);
      this.policies.set(bucket, doc);
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    if (operation === 'DeleteBucketPolicy') {
      this.policies.delete(bucket);
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    const doc = this.policies.get(bucket);
    if (!doc) throw new S3HttpError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
    ctx.type = 'application/json';
    ctx.status = 200;
    ctx.body = JSON.stringify(doc);
  }

  // PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html):
  // ServerSideEncryptionConfiguration/Rule/ApplyServerSideEncryptionByDefault/{SSEAlgorithm, KMSMasterKeyID}.
  private async encryptionConfig(ctx: KoaContext, operation: string, bucket: string): Promise<void> {
    await this.requireBucket(ctx, bucket);
    if (operation === 'PutBucketEncryption') {
      const xml = (await readAll(ctx.req)).toString('utf8');
      const algorithm = /<SSEAlgorithm>\s*([^<\s]+)\s*<\/SSEAlgorithm>/.exec(xml)?.[1];
      const kmsKeyId = /<KMSMasterKeyID>\s*([^<\s]+)\s*<\/KMSMasterKeyID>/.exec(xml)?.[1];
      if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse')
        throw new S3HttpError(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema',
          400,
        );
      if (kmsKeyId !== undefined && algorithm === 'AES256')
        throw new S3HttpError(
          'InvalidArgument',
          'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
          400,
        );
      this.encryption.set(bucket, { algorithm, ...(kmsKeyId !== undefined ? { kmsKeyId } : {}) });
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    if (operation === 'DeleteBucketEncryption') {
      this.encryption.delete(bucket);
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    const enc = this.bucketEncryption(bucket);
    ctx.type = 'application/xml';
    ctx.status = 200;
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionConfiguration xmlns="${XMLNS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${enc.algorithm}</SSEAlgorithm>${enc.kmsKeyId ? `<KMSMasterKeyID>${xmlEscape(enc.kmsKeyId)}</KMSMasterKeyID>` : ''}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`;
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
  private sseFor(ctx: KoaContext, bucket: string): Record<string, string> {
    const sent = header(ctx, 'x-amz-server-side-encryption');
    // No SSE header: the bucket's default encryption applies (and its key, when it names one).
    const fallback = sent === undefined ? this.encryption.get(bucket) : undefined;
    const mode = sent ?? fallback?.algorithm;
    const keyId = header(ctx, 'x-amz-server-side-encryption-aws-kms-key-id') ?? fallback?.kmsKeyId;
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

  // Conditional writes (API_PutObject, API_CopyObject, API_CompleteMultipartUpload: "If-None-Match",
  // "If-Match"; S3 User Guide, "How to prevent object overwrites with conditional writes"):
  // `If-None-Match: *` writes only when the key has no current object (a delete marker counts as
  // none), else 412 PreconditionFailed; `If-Match: <etag>` writes only over the current object with
  // that ETag, else 412, and 404 NoSuchKey when there is none. If-None-Match takes `*` only; another
  // value is 501 NotImplemented. Conditional writes of one key are serialized, so of two racing
  // `If-None-Match: *` writes exactly one succeeds and the other gets 412 (AWS may answer the
  // loser 409 ConditionalRequestConflict instead; callers handle both).
  private async write(
    ctx: KoaContext,
    next: () => Promise<void>,
    info: RequestInfo,
    bucket: string,
    key: string,
  ): Promise<void> {
    const noneMatch = header(ctx, 'if-none-match');
    const match = header(ctx, 'if-match');
    if (noneMatch === undefined && match === undefined) return this.writeObject(ctx, next, info, bucket, key);
    if (noneMatch !== undefined && noneMatch.trim() !== '*')
      throw new S3HttpError(
        'NotImplemented',
        'A header you provided implies functionality that is not implemented',
        501,
      );
    const release = await this.lockKey(`${bucket}\0${key}`);
    try {
      const store = ctx.store as S3rverStore & { getMetadata(b: string, k: string): Promise<Record<string, string>> };
      const current = await store.getMetadata(bucket, key).catch(() => undefined);
      if (noneMatch !== undefined && current) throw preconditionFailed();
      if (match !== undefined) {
        if (!current) throw new S3HttpError('NoSuchKey', 'The specified key does not exist.', 404);
        if (!etagMatches(match, current.etag ?? '')) throw preconditionFailed();
      }
      await this.writeObject(ctx, next, info, bucket, key);
    } finally {
      release();
    }
  }

  /** Waits for the conditional writes of `id` before this one; the result releases the key. */
  private async lockKey(id: string): Promise<() => void> {
    const previous = this.keyLocks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => mine);
    this.keyLocks.set(id, chained);
    await previous;
    return () => {
      release();
      if (this.keyLocks.get(id) === chained) this.keyLocks.delete(id);
    };
  }

  // PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), CopyObject,
  // CompleteMultipartUpload: tags, SSE and version id around s3rver's write.
  private async writeObject(
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
        : this.sseFor(ctx, bucket);
    if (info.operation === 'CopyObject') {
      // Reading an SSE-KMS source needs kms:Decrypt on its key (API_CopyObject, "Permissions").
      const src = parseCopySource(header(ctx, 'x-amz-copy-source') ?? '');
      const srcInfo = this.objects.get(`${src.bucket}\0${src.key}`);
      if (srcInfo) await this.kmsOnBehalf(info, srcInfo.sse, 'kms:Decrypt', src.bucket, src.key);
    }
    await this.kmsOnBehalf(info, sse, 'kms:GenerateDataKey', bucket, key);
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

  /**
   * GetObject / HeadObject preconditions (API_GetObject, "If-Match", "If-Modified-Since",
   * "If-None-Match", "If-Unmodified-Since"; RFC 7232 section 6 for their order): If-Match false, or
   * (without If-Match) If-Unmodified-Since false, is 412 PreconditionFailed; If-None-Match false, or
   * (without If-None-Match) If-Modified-Since false, is 304 Not Modified. So If-Match true with
   * If-Unmodified-Since false serves the object, and If-None-Match false with If-Modified-Since true
   * is 304, as API_GetObject states. Dates compare in whole seconds (Last-Modified's resolution); a
   * date that does not parse is ignored. Returns true when the 304 answer is set. The headers are
   * then removed, so s3rver (which evaluates two of them its own way) does not decide again.
   */
  private notModified(ctx: KoaContext, etag: string, lastModified: Date): boolean {
    const seconds = Math.floor(lastModified.getTime() / 1000);
    const ifMatch = header(ctx, 'if-match');
    const ifNoneMatch = header(ctx, 'if-none-match');
    const unmodifiedSince = httpDateSeconds(header(ctx, 'if-unmodified-since'));
    const modifiedSince = httpDateSeconds(header(ctx, 'if-modified-since'));
    for (const h of CONDITION_HEADERS) delete ctx.headers[h];
    if (
      ifMatch !== undefined ? !etagMatches(ifMatch, etag) : unmodifiedSince !== undefined && seconds > unmodifiedSince
    )
      throw preconditionFailed();
    const notModified =
      ifNoneMatch !== undefined
        ? etagMatches(ifNoneMatch, etag)
        : modifiedSince !== undefined && seconds <= modifiedSince;
    if (!notModified) return false;
    ctx.status = 304;
    ctx.body = null;
    ctx.set('etag', etag);
    ctx.set('last-modified', lastModified.toUTCString());
    return true;
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
      if (this.notModified(ctx, record.headers?.etag ?? '', record.lastModified)) {
        ctx.set('x-amz-version-id', record.versionId);
        return;
      }
      if (info.operation === 'GetObject')
        await this.kmsOnBehalf(info, record.headers ?? {}, 'kms:Decrypt', bucket, key);
      for (const [h, v] of Object.entries(record.headers ?? {})) ctx.set(h, v);
      ctx.set('x-amz-version-id', record.versionId);
      ctx.set('accept-ranges', 'bytes');
      ctx.body = record.body ?? Buffer.alloc(0);
      ctx.type = record.headers?.['content-type'] ?? 'binary/octet-stream';
      ctx.status = 200;
      return;
    }
    // HeadObject returns metadata only; GetObject decrypts, so it needs kms:Decrypt (API_GetObject).
    if (current && info.operation === 'GetObject')
      await this.kmsOnBehalf(info, current.sse, 'kms:Decrypt', bucket, key);
    const latest = this.history.get(id)?.at(-1);
    if (latest?.deleteMarker && requested === undefined) {
      ctx.set('x-amz-delete-marker', 'true');
      ctx.set('x-amz-version-id', latest.versionId);
    }
    const store = ctx.store as S3rverStore & { getMetadata(b: string, k: string): Promise<Record<string, string>> };
    const conditional = CONDITION_HEADERS.some((h) => h in ctx.headers);
    const meta = conditional ? await store.getMetadata(bucket, key).catch(() => undefined) : undefined;
    if (meta && this.notModified(ctx, meta.etag ?? '', new Date(meta['last-modified']!))) {
      if (current?.versionId !== undefined) ctx.set('x-amz-version-id', current.versionId);
      return;
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
  //
  // With IAM on, every key is authorized on its own (s3:DeleteObject, or s3:DeleteObjectVersion
  // with a VersionId; API_DeleteObjects, "Permissions"): refused keys are left out of what s3rver
  // sees and come back as <Error> entries with Code AccessDenied, the rest are deleted.
  private async removeMany(
    ctx: KoaContext,
    next: () => Promise<void>,
    info: RequestInfo,
    bucket: string,
  ): Promise<void> {
    const refused: string[] = [];
    if (this.iam && info.principalArn) {
      const xml = (await readAll(ctx.req)).toString('utf8');
      const objects = [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => ({
        key: xmlUnescape(/<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)?.[1] ?? ''),
        versionId: /<VersionId>([\s\S]*?)<\/VersionId>/.exec(m[1]!)?.[1],
        xml: m[0],
      }));
      const allowed: string[] = [];
      for (const o of objects) {
        const grants = requiredGrants('s3:DeleteObject', {
          region: this.opts.region ?? LOCAL_REGION,
          accountId: accountOf(info.principalArn),
          input: { Bucket: bucket, Key: o.key, ...(o.versionId ? { VersionId: o.versionId } : {}) },
          lookups: {},
        })!;
        const denial = await firstDenial(this.iam, info.principalArn, grants, () => this.policies.get(bucket));
        if (denial)
          refused.push(
            `<Error><Key>${xmlEscape(o.key)}</Key>${o.versionId ? `<VersionId>${xmlEscape(o.versionId)}</VersionId>` : ''}<Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
          );
        else allowed.push(o.xml);
      }
      if (allowed.length === 0) {
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="${XMLNS}">${refused.join('')}</DeleteResult>`;
        ctx.status = 200;
        return;
      }
      // s3rver reads the body from ctx.req: hand it the allowed objects only.
      this.replaceBody(ctx, Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Delete>${allowed.join('')}</Delete>`));
    }
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
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="${XMLNS}">${results.join('')}${refused.join('')}</DeleteResult>`;
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

  // ListObjectsV2 and ListObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
  // API_ListObjects.html), answered here rather than by s3rver: s3rver signs its continuation
  // tokens with DES, which OpenSSL 3 no longer offers (every truncated listing was a 500), and it
  // lists in file-system walk order, which is not S3's UTF-8 binary order (`a/x` came before `a-b`,
  // so a page boundary inside `a/` lost `a-b` and `a.b`). Here: keys in UTF-8 binary order;
  // MaxKeys (at most 1,000 returned, the requested value echoed) counts keys and common prefixes
  // alike, as KeyCount does; StartAfter / Marker; NextContinuationToken is opaque (AES-GCM under a
  // per-emulator key, so a forged or another bucket's token is 400 InvalidArgument); ListObjects
  // returns NextMarker only with a Delimiter, as documented; EncodingType=url encodes the keys.
  private async listObjects(ctx: KoaContext, bucket: string, v2: boolean): Promise<void> {
    // The listing reads the bucket's directory: a name that is not one (`..` decoded from `%2E%2E`)
    // names no bucket (S3 User Guide, "Bucket naming rules").
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket))
      throw new S3HttpError('NoSuchBucket', 'The specified bucket does not exist', 404);
    await this.requireBucket(ctx, bucket);
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
      const continued =
        token !== undefined ? (this.tokens.open(token, `ListObjectsV2:${bucket}`, badToken) as string) : '';
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
    for (const key of maxKeys === 0 ? [] : this.keysOf(bucket, prefix, marker)) {
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

    const store = ctx.store as S3rverStore & { getMetadata(b: string, k: string): Promise<Record<string, string>> };
    const metadata = await Promise.all(contents.map((k) => store.getMetadata(bucket, k).catch(() => undefined)));
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
        ? `${token !== undefined ? el('ContinuationToken', xmlEscape(token)) : ''}${truncated ? el('NextContinuationToken', this.tokens.seal(`ListObjectsV2:${bucket}`, last!)) : ''}`
        : '') +
      (encoding ? el('EncodingType', 'url') : '');
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${XMLNS}">${head}${items}${common}</ListBucketResult>`;
    ctx.status = 200;
  }

  /**
   * Every key of the bucket that starts with `prefix` and sorts after `after`, in UTF-8 binary
   * order: s3rver's object files, read from its directory without their metadata. A key `a/b/c` is
   * the file `a/b/c._S3rver_object`; directories wholly before `after` or outside `prefix` are skipped.
   */
  private keysOf(bucket: string, prefix: string, after: string): string[] {
    const keys: string[] = [];
    const visit = (dir: string, rel: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          const sub = `${rel}${e.name}/`;
          if (!sub.startsWith(prefix) && !prefix.startsWith(sub)) continue;
          // Every key under `sub` sorts before `after` unless `after` itself is under `sub`.
          if (compareKeys(sub, after) < 0 && !after.startsWith(sub)) continue;
          visit(join(dir, e.name), sub);
        } else if (e.name.endsWith(OBJECT_SUFFIX)) {
          const key = rel + e.name.slice(0, -OBJECT_SUFFIX.length);
          if (key.startsWith(prefix) && compareKeys(key, after) > 0) keys.push(key);
        }
      }
    };
    visit(join(this.dir, bucket), '');
    return keys.sort(compareKeys);
  }

  // ListObjectVersions (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html):
  // the versions and delete markers this emulator has recorded (writes while versioning was
  // Enabled), keys in UTF-8 binary order and newest first per key, filtered by prefix. Pages of
  // MaxKeys (at most 1,000) entries: KeyMarker alone continues after every version of that key,
  // with VersionIdMarker after that version of it; a truncated page names NextKeyMarker and
  // NextVersionIdMarker. A VersionIdMarker without KeyMarker is 400 InvalidArgument, as is a
  // malformed one.
  private async listVersions(ctx: KoaContext, bucket: string): Promise<void> {
    await this.requireBucket(ctx, bucket);
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
    const keys = [...this.history.keys()]
      .filter((id) => id.startsWith(`${bucket}\0`))
      .map((id) => id.slice(bucket.length + 1))
      .filter((k) => k.startsWith(prefix) && compareKeys(k, keyMarker) >= 0)
      .sort(compareKeys);
    const entries: string[] = [];
    let last: { key: string; versionId: string } | undefined;
    let truncated = false;
    outer: for (const key of keys) {
      const list = [...(this.history.get(`${bucket}\0${key}`) ?? [])].reverse();
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
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="${XMLNS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyMarker>${xmlEscape(keyMarker)}</KeyMarker><VersionIdMarker>${xmlEscape(versionIdMarker ?? '')}</VersionIdMarker>${next}<MaxKeys>${rawMax ?? 1000}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${entries.join('')}</ListVersionsResult>`;
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

/** Operations that create an object under the request's key. */
const KEY_WRITES = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy']);
/** Object operations that take a `versionId` query parameter. */
const VERSIONED_OPERATIONS = new Set([
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
]);

/** The version ids this emulator issues (randomVersionId), and S3's `null` version. */
const VERSION_ID = /^(?:null|[A-Za-z0-9._]{32})$/;

/**
 * Checks S3 makes on the request line before anything else:
 * - a key is at most 1,024 bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects"); a write of
 *   a longer one is 400 KeyTooLongError "Your key is too long" (ErrorResponses.html, "List of error
 *   codes"); no object can have such a key, so any other object call answers NoSuchKey;
 * - a version id S3 cannot decode is 400 InvalidArgument "Invalid version id specified" (an empty
 *   one "Version id cannot be the empty string"), not 404: only a well-formed id of a version that
 *   does not exist is 404 NoSuchVersion (API_GetObject, "Errors").
 */
function checkObjectRequest(ctx: KoaContext, operation: string, key: string): void {
  if (key !== '' && Buffer.byteLength(key, 'utf8') > 1024) {
    if (KEY_WRITES.has(operation)) throw new S3HttpError('KeyTooLongError', 'Your key is too long', 400);
    throw new S3HttpError('NoSuchKey', 'The specified key does not exist.', 404);
  }
  if (!VERSIONED_OPERATIONS.has(operation) || !('versionId' in ctx.query)) return;
  const id = queryParam(ctx, 'versionId');
  if (id === undefined || id === '')
    throw new S3HttpError('InvalidArgument', 'Version id cannot be the empty string', 400);
  if (!VERSION_ID.test(id)) throw new S3HttpError('InvalidArgument', 'Invalid version id specified', 400);
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

/** A continuation token this bucket's ListObjectsV2 never issued (API_ListObjectsV2, "ContinuationToken"). */
function badToken(): S3HttpError {
  return new S3HttpError('InvalidArgument', 'The continuation token provided is incorrect', 400);
}

/** S3 orders keys by the bytes of their UTF-8 encoding (API_ListObjectsV2: "in UTF-8 binary order"). */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** An ETag list of If-Match / If-None-Match (RFC 7232 section 3.1): `*` or quoted tags, weak or strong. */
function etagMatches(condition: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return condition.split(',').some((c) => c.trim() === '*' || bare(c) === bare(etag));
}

/** An HTTP date (RFC 7231 section 7.1.1.1) in whole seconds; undefined when it does not parse (the condition is then ignored). */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

const OBJECT_SUFFIX = '._S3rver_object';

/** The precondition headers of GetObject and HeadObject (RFC 7232). */
const CONDITION_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;

/** 412 PreconditionFailed (ErrorResponses.html, "List of error codes"). */
function preconditionFailed(): S3HttpError {
  return new S3HttpError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
}

function header(ctx: KoaContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A query parameter's value (the first, when it is repeated). */
function queryParam(ctx: KoaContext, name: string): string | undefined {
  const v = ctx.query[name];
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

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=id]`, URL-encoded (API_CopyObject). */
function parseCopySource(value: string): { bucket: string; key: string; versionId?: string } {
  const [pathPart, queryPart] = value.replace(/^\//, '').split('?', 2) as [string, string | undefined];
  const slash = pathPart.indexOf('/');
  const bucket = safeDecode(slash < 0 ? pathPart : pathPart.slice(0, slash));
  const key = slash < 0 ? '' : safeDecode(pathPart.slice(slash + 1));
  const versionId = queryPart ? (new URLSearchParams(queryPart).get('versionId') ?? undefined) : undefined;
  return { bucket, key, ...(versionId ? { versionId } : {}) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The bucket an S3 ARN names (`arn:aws:s3:::bucket[/key]`). */
function bucketOfArn(arn: string): string {
  return arn.replace(/^arn:[^:]*:s3:::/, '').split('/')[0] ?? '';
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
