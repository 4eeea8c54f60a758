// The emulator's state, shared by the modules that answer S3 requests: each
// bucket's configuration (versioning, notifications, policy, default encryption), each object's
// SSE and version, the version history, and the request in flight (for s3rver's events).
import { EventEmitter } from 'node:events';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../core.js';
import type { FaultInjector } from '../faults.js';
import type { EnforcingAuthorizer } from '../iam/enforce.js';
import type { PolicyDocument } from '../iam/types.js';
import type { KmsEmulator } from '../kms.js';
import { PageTokens } from '../pagination.js';
import { KeyLocks } from './conditions.js';
import { MemoryStore } from './memory-store.js';
import type { KoaContext } from './s3rver.js';
import { S3HttpError } from './wire.js';

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

export interface VersionRecord {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly lastModified: Date;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

export interface ObjectInfo {
  sse: Record<string, string>;
  versionId?: string;
}

export interface RequestInfo {
  readonly operation: string;
  readonly requestId: string;
  versionId?: string;
  /** A DeleteObject that makes a delete marker (versioning enabled, no versionId given). */
  deleteMarker?: boolean;
  /** The authenticated caller, with IAM on. */
  principalArn?: string;
}

export class S3State {
  readonly emitter = new EventEmitter();
  readonly versioning = new Map<string, 'Enabled' | 'Suspended'>();
  readonly notifications = new Map<string, string>();
  readonly eventBridge = new Set<string>();
  readonly policies = new Map<string, PolicyDocument>();
  readonly encryption = new Map<string, BucketEncryption>();
  iam: EnforcingAuthorizer | undefined;
  /** Current object's SSE and version, by `bucket\0key`. */
  readonly objects = new Map<string, ObjectInfo>();
  /** Version history, newest last, by `bucket\0key` (versioning-enabled buckets only). */
  readonly history = new Map<string, VersionRecord[]>();
  /** Seals continuation tokens, so a token is opaque and a forged or another bucket's one is refused. */
  readonly tokens = new PageTokens();
  /** Conditional writes in flight, by `bucket\0key`: each waits for the one before it. */
  readonly keyLocks = new KeyLocks();

  /** The objects' bytes and metadata, which s3rver's controllers read and write as `ctx.store`. */
  readonly store = new MemoryStore();

  constructor(readonly opts: S3Options) {
    this.iam = opts.iam;
  }

  get region(): string {
    return this.opts.region ?? LOCAL_REGION;
  }

  get accountId(): string {
    return this.opts.accountId ?? LOCAL_ACCOUNT_ID;
  }

  emit(event: S3ObjectEvent): void {
    this.emitter.emit('object', event);
  }
}

// The request in flight rides on its Koa context, where s3rver's object events find it (s3rver
// emits them with the context, local/patches). An AsyncLocalStorage would do as well, but in
// Node 20 it installs promise hooks that every promise of the process then pays for.
const REQUEST = 'msk-spec.request';

/** Binds `info` to the request, for the events s3rver emits while it answers. */
export function bindRequest(ctx: KoaContext, info: RequestInfo): void {
  ctx.state[REQUEST] = info;
}

/** The RequestInfo bound to a request by `bindRequest`, if any. */
export function requestOf(ctx: KoaContext | undefined): RequestInfo | undefined {
  return ctx?.state[REQUEST] as RequestInfo | undefined;
}

export async function requireBucket(ctx: KoaContext, bucket: string): Promise<void> {
  if (!(await ctx.store.getBucket(bucket)))
    throw new S3HttpError('NoSuchBucket', 'The specified bucket does not exist', 404);
}
