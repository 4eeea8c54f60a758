// The S3 emulator: s3rver on a loopback port, our middleware in front of its router (identity,
// faults, request checks, IAM, then the operation's handler or s3rver's own), and the in-process
// API the embedded cloud and the tests use. What each handler emulates is beside it, in the modules
// this file routes to; local/aws/s3.ts has the overview.
import { randomHex } from '../arn.js';
import type { EventBridgeEvent } from '../eventbridge.js';
import { accessKeyOf, type EnforcingAuthorizer } from '../iam/enforce.js';
import { policyProblems } from '../iam/authority.js';
import type { PolicyDocument } from '../iam/types.js';
import { s3RequestErrorOf } from '../models/hooks.js';
import { bucketConfig, bucketEncryption, encryptionConfig, policyConfig } from './bucket-config.js';
import { onS3rverEvent, toEventBridgeEvent } from './events.js';
import { authorizeRequest } from './iam.js';
import { listObjects, listVersions } from './listings.js';
import { createUpload, read, remove, removeMany, tagging, write } from './objects.js';
import { checkObjectRequest, s3OperationOf } from './operations.js';
import { s3rver, type KoaContext, type Next, type S3rverApp } from './s3rver.js';
import {
  S3State,
  bindRequest,
  type BucketEncryption,
  type RequestInfo,
  type S3ObjectEvent,
  type S3Options,
} from './state.js';
import { S3HttpError, XMLNS, errorDocument, header } from './wire.js';
import { RequestCounts } from '../request-counts.js';

/** What answers an operation: its handler here, given the request's bucket and key. */
type Handler = (
  s: S3State,
  ctx: KoaContext,
  next: Next,
  info: RequestInfo,
  bucket: string,
  key: string,
) => Promise<void>;

/** The operations answered here rather than by s3rver alone; every other one is s3rver's. */
// The operations on one key run one at a time. S3 is strongly consistent (S3 User Guide, "Amazon
// S3 data consistency model"): a read gets the old or the new object whole, and a conditional
// write compares with the object in place. A write takes steps (its version id and SSE here, the
// bytes in the store, the version history), so a read between them could pair one version's id
// with another's bytes, and two conditional writes could both pass their check.
const KEY_SERIALIZED: ReadonlySet<string> = new Set([
  'PutObject',
  'CopyObject',
  'CompleteMultipartUpload',
  'GetObject',
  'HeadObject',
  'DeleteObject',
]);

const HANDLERS: Readonly<Record<string, Handler>> = {
  PutBucketPolicy: (s, ctx, _n, info, bucket) => policyConfig(s, ctx, info.operation, bucket),
  GetBucketPolicy: (s, ctx, _n, info, bucket) => policyConfig(s, ctx, info.operation, bucket),
  DeleteBucketPolicy: (s, ctx, _n, info, bucket) => policyConfig(s, ctx, info.operation, bucket),
  PutBucketEncryption: (s, ctx, _n, info, bucket) => encryptionConfig(s, ctx, info.operation, bucket),
  GetBucketEncryption: (s, ctx, _n, info, bucket) => encryptionConfig(s, ctx, info.operation, bucket),
  DeleteBucketEncryption: (s, ctx, _n, info, bucket) => encryptionConfig(s, ctx, info.operation, bucket),
  PutBucketVersioning: (s, ctx, _n, info, bucket) => bucketConfig(s, ctx, info.operation, bucket),
  GetBucketVersioning: (s, ctx, _n, info, bucket) => bucketConfig(s, ctx, info.operation, bucket),
  PutBucketNotificationConfiguration: (s, ctx, _n, info, bucket) => bucketConfig(s, ctx, info.operation, bucket),
  GetBucketNotificationConfiguration: (s, ctx, _n, info, bucket) => bucketConfig(s, ctx, info.operation, bucket),
  PutObject: write,
  CopyObject: write,
  CompleteMultipartUpload: write,
  GetObject: read,
  HeadObject: read,
  DeleteObject: remove,
  DeleteObjects: (s, ctx, next, info, bucket) => removeMany(s, ctx, next, info, bucket),
  ListObjectVersions: (s, ctx, _n, _i, bucket) => listVersions(s, ctx, bucket),
  ListObjectsV2: (s, ctx, _n, _i, bucket) => listObjects(s, ctx, bucket, true),
  ListObjects: (s, ctx, _n, _i, bucket) => listObjects(s, ctx, bucket, false),
  GetObjectTagging: tagging,
  PutObjectTagging: tagging,
  DeleteObjectTagging: tagging,
  CreateMultipartUpload: createUpload,
};

export class S3Emulator {
  /** Requests by caller and operation (bench/_cost.ts). */
  readonly requests = new RequestCounts();
  private readonly app: S3rverApp;
  private readonly state: S3State;
  private _url = '';
  private accepted = 0;

  constructor(opts: S3Options = {}) {
    this.state = new S3State(opts);
    this.app = new (s3rver().S3rver)({
      address: '127.0.0.1',
      port: opts.port ?? 0,
      silent: true,
      resetOnClose: false,
      vhostBuckets: false,
      allowMismatchedSignatures: true,
    });
    // s3rver keeps objects in files under `directory`; ours are in memory (memory-store.ts). Its
    // controllers and middleware reach the store only as `ctx.store`, set from `app.context`.
    this.app.store = this.app.context.store = this.state.store;
    // Our middleware runs before s3rver's own (Koa composes `middleware` when the server starts).
    // s3rver's first is koa-logger, which formats and colours a line for every request and counts
    // every streamed body, even when `silent` drops the line: it is left out.
    this.app.middleware = [
      (ctx, next) => this.middleware(ctx, next),
      ...this.app.middleware.filter((m) => m.name !== 'logger'),
    ];
    this.app.on('event', (e, ctx) => onS3rverEvent(this.state, e, ctx));
  }

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    if (!this._url) throw new Error('S3 emulator not started');
    return this._url;
  }

  async start(): Promise<string> {
    const addr = await this.app.run();
    this.app.httpServer?.on('connection', () => this.accepted++);
    this._url = `http://127.0.0.1:${addr.port}`;
    return this._url;
  }

  /** TCP connections the endpoint has accepted since it started (a burst reports those it opened). */
  get connectionsAccepted(): number {
    return this.accepted;
  }

  async stop(): Promise<void> {
    const server = this.app.httpServer;
    if (server) {
      server.closeAllConnections();
      await this.app.close().catch(() => undefined);
    }
  }

  /** Creates a bucket in-process (idempotent), optionally with versioning and EventBridge notifications on. */
  async createBucket(name: string, opts: { versioning?: boolean; eventBridge?: boolean } = {}): Promise<void> {
    await this.state.store.putBucket(name);
    if (opts.versioning) this.state.versioning.set(name, 'Enabled');
    if (opts.eventBridge) {
      this.state.eventBridge.add(name);
      this.state.notifications.set(
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
    if (!(await this.state.store.getBucket(bucket))) throw new Error(`NoSuchBucket: ${bucket}`);
    const { S3Object } = s3rver();
    for (let i = 0; i < objects.length; i += 32)
      await Promise.all(
        objects
          .slice(i, i + 32)
          .map(({ key, body }) =>
            this.state.store.putObject(
              new S3Object(bucket, key, Buffer.from(body ?? ''), { 'content-type': 'binary/octet-stream' }),
            ),
          ),
      );
  }

  /** Turns IAM enforcement on (or off with undefined) for requests from now on. */
  enforce(iam: EnforcingAuthorizer | undefined): void {
    this.state.iam = iam;
  }

  /** Puts a bucket policy in-process (the local deployer); validated as PutBucketPolicy validates it. */
  putBucketPolicy(bucket: string, policy: PolicyDocument): void {
    const problems = policyProblems(policy, 'resource');
    if (problems.length > 0) throw new Error(`MalformedPolicy: bucket ${bucket}: ${problems.join('; ')}`);
    this.state.policies.set(bucket, policy);
  }

  bucketPolicy(bucket: string): PolicyDocument | undefined {
    return this.state.policies.get(bucket);
  }

  deleteBucketPolicy(bucket: string): void {
    this.state.policies.delete(bucket);
  }

  /** Sets a bucket's default encryption in-process (what PutBucketEncryption stores). */
  putBucketEncryption(bucket: string, enc: BucketEncryption | undefined): void {
    if (enc) this.state.encryption.set(bucket, enc);
    else this.state.encryption.delete(bucket);
  }

  bucketEncryption(bucket: string): BucketEncryption {
    return bucketEncryption(this.state, bucket);
  }

  /** Whether the bucket's notification configuration turns EventBridge on. */
  eventBridgeEnabled(bucket: string): boolean {
    return this.state.eventBridge.has(bucket);
  }

  /** Object-created and -removed events. */
  onObjectEvent(listener: (e: S3ObjectEvent) => void): () => void {
    this.state.emitter.on('object', listener);
    return () => this.state.emitter.off('object', listener);
  }

  /** The event S3's EventBridge integration sends for `e` (S3 User Guide, "EventBridge event message structure"). */
  toEventBridgeEvent(e: S3ObjectEvent): Omit<EventBridgeEvent, 'version' | 'id'> & { id?: string } {
    return toEventBridgeEvent(this.state, e);
  }

  private async middleware(ctx: KoaContext, next: Next): Promise<void> {
    const s = this.state;
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
      if (s.iam) {
        // API error codes (ErrorResponses.html): InvalidAccessKeyId for a key IAM never issued;
        // an anonymous request has no identity policies, and no bucket here grants `*`.
        if (akid === undefined) throw new S3HttpError('AccessDenied', 'Access Denied', 403);
        principalArn = s.iam.principalForAccessKey(akid);
        if (principalArn === undefined)
          throw new S3HttpError(
            'InvalidAccessKeyId',
            'The AWS Access Key Id you provided does not exist in our records.',
            403,
          );
      }
      this.requests.add('s3', operation, principalArn);
      const { accounts } = s3rver();
      if (akid && !accounts.registry.has(akid)) accounts.DUMMY_ACCOUNT.createKeyPair(akid, akid);
      if (s.opts.faults) {
        const hit = s.opts.faults.take('s3', operation);
        if (hit) {
          // A fault's `run` (an interleaving, local/aws/faults.ts) runs before S3 answers, as it does for the other services.
          if (hit.run) await hit.run();
          if (hit.latencyMs > 0) await new Promise((r) => setTimeout(r, hit.latencyMs));
          if (hit.error) throw new S3HttpError(hit.error.code, hit.error.message, hit.error.statusCode);
        }
      }
      const segments = path
        .split('/')
        .filter(Boolean)
        .map((seg) => decodeURIComponent(seg));
      const bucket = segments[0] ?? '';
      const key = segments.slice(1).join('/') + (segments.length > 1 && path.endsWith('/') ? '/' : '');
      const info: RequestInfo = { operation, requestId, ...(principalArn ? { principalArn } : {}) };
      bindRequest(ctx, info);
      checkObjectRequest(ctx, operation, key);
      // The request is checked against the S3 model (local/aws/models/) once the caller is known.
      const invalid = await s3RequestErrorOf(ctx, operation);
      if (invalid) throw new S3HttpError(invalid.code, invalid.message, invalid.status);
      if (principalArn) await authorizeRequest(s, ctx, operation, principalArn, bucket, key);
      const handler = Object.hasOwn(HANDLERS, operation) ? HANDLERS[operation] : undefined;
      if (handler && key !== '' && KEY_SERIALIZED.has(operation)) {
        const release = await s.keyLocks.lock(`${bucket}\0${key}`);
        try {
          return await handler(s, ctx, next, info, bucket, key);
        } finally {
          release();
        }
      }
      if (handler) return await handler(s, ctx, next, info, bucket, key);
      return await next();
    } catch (e) {
      if (!(e instanceof S3HttpError)) throw e;
      // HEAD answers carry no body (Koa drops it for HEAD anyway).
      ctx.body = errorDocument(e, requestId);
      ctx.type = 'application/xml';
      ctx.status = e.status;
    }
  }
}

/** Starts s3rver behind our middleware on a free loopback port. */
export async function startS3(opts: S3Options = {}): Promise<S3Emulator> {
  const s3 = new S3Emulator(opts);
  await s3.start();
  return s3;
}
