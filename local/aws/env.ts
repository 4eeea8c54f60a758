// Starts the emulated AWS endpoints: one gateway (KMS, Secrets Manager, EventBridge, and whatever
// else is registered on it: ACM PCA, MSK, Step Functions) and S3 (s3rver) on its own port, sharing
// one fault injector. S3 object events reach EventBridge for buckets whose notification
// configuration enables it.
//
// The returned `env` is what a process needs for the unmodified SDK v3 clients to land here
// (SDK "Service-specific endpoints": AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>).
//
// IAM (`startLocalAws({ iam })`, local/aws/iam/): every request to the gateway and to S3 is
// authorized for the principal its access key belongs to, against the principal's identity policies
// and the resource's policy (bucket policy, KMS key policy), as AWS does; the KMS calls S3, Secrets
// Manager and MSK make on the caller's behalf are authorized too. An administrator user
// (`arn:aws:iam::<account>:user/local-admin`, Allow * on *) is created, and `env` carries its
// credentials, so child processes (the CLI) act as the admin. The IAM API itself (Query protocol,
// local/aws/iam/service.ts) is served on the gateway too, reached like the others through
// AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_IAM).
//
// Known deviations from AWS (all emulators here):
// - Request validation (local/aws/models/) checks the botocore models' constraints only: a union's
//   "exactly one member" is not checked, nor S3's blob and text payloads (PutObject's body,
//   PutBucketPolicy's policy: the handlers read those); without python3/pip or PyPI the models
//   cannot be fetched and validation is off (one line says so; the model-validation test fails).
// - Without `iam`: no IAM; any credentials are accepted; a 12-digit access key id is taken as the
//   account id, otherwise the account is LOCAL_ACCOUNT_ID.
// - With `iam`: SigV4 signatures are not verified unless `verifySignatures` (gateway only; S3
//   never checks them), so by default the access key id alone names the caller;
//   aws:SecureTransport is reported "true" although the loopback endpoints speak HTTP, since they
//   stand for AWS's HTTPS endpoints; aws:SourceIp is 127.0.0.1. In-process calls between emulators
//   (S3 → EventBridge delivery, Step Functions' own checks) are not signed requests.
//   Not modelled: SCPs, RCPs, permissions boundaries, session policies, secret resource policies,
//   KMS grants (kms:CreateGrant is authorized, no grant is kept), and the tagging action KMS,
//   ACM PCA and MSK also ask for when a create call carries tags (Secrets Manager's and S3's
//   are required). MSK's unknown-key error is UnauthorizedException (401), its model's error for
//   credentials it cannot validate. On the synchronous `authorize` path a wildcard-only action's
//   Allow naming a specific resource counts (local/aws/iam/authority.ts); the gateway and S3 take
//   the validated path for those actions.
// - KMS has no cryptography (no Encrypt/Decrypt/GenerateDataKey); key state is enforced where the
//   other emulators read it (Secrets Manager: EncryptionFailure/DecryptionFailure).
// - Secrets Manager: no rotation, replication, resource policies or BatchGetSecretValue; the
//   `all` and `description` filters are approximations of AWS's word matching; DescribeSecret's
//   DeletedDate is the time DeleteSecret was called; deprecated versions are never purged.
// - SQS (local/aws/sqs/service.ts): standard queues only; queue URLs are
//   `<gateway>/<account>/<name>` (the SDK sends to a QueueUrl's host, so AWS's
//   `https://sqs.<region>.amazonaws.com/...` form would leave the machine); the other deviations are
//   listed there.
// - EventBridge: only the default bus; schedules are not run on a clock (`events.triggerSchedule`);
//   no retries, DLQs or batching for target delivery (failures are recorded in `events.deliveries`).
// - S3 (s3rver behind our middleware, objects in memory, local/aws/s3.ts): path-style only; objects
//   and versions live in memory of this process, and ListObjectVersions lists only the versions written while
//   versioning was Enabled; DeleteObjects reports every key as deleted (events only for objects
//   written through this emulator); tags belong to the key, not to a version (GetObjectTagging of
//   an older version answers the current tags, with that VersionId); Last-Modified of a version
//   restored by deleting its successor is the restore time. A key with an empty segment (`a//b`)
//   is answered 404 Not Found by s3rver's router, although S3 allows it. Conditional writes of one key are serialized: a losing
//   concurrent writer gets 412 (AWS may answer it 409 ConditionalRequestConflict). Continuation
//   tokens are good only in the emulator that issued them; each listing page sorts the bucket's
//   keys again. Multipart uploads: the parts' ETags are not checked (no InvalidPart) and the
//   object's ETag is the MD5 of its bytes, not S3's MD5 of the parts' MD5s with `-N`. Version ids this emulator did not issue are InvalidArgument unless they have
//   its shape (32 of [A-Za-z0-9._]).
// - MSK: a new secret's association is refused a fixed number of times (default once,
//   `accessFailuresPerNewSecret`), where AWS's refusals depend on timing. The local broker has no
//   SASL/IAM listener (MSK's IAM authentication is AWS's own): the IAM bootstrap string of a
//   serverless or IAM-enabled cluster has MSK's host name shape and resolves nowhere.
// - IAM API (local/aws/iam/service.ts): managed policies and roles only (no users, groups, inline-
//   policy operations, AWS managed policies or permissions boundaries); changes are visible at once,
//   where IAM is eventually consistent.
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './core.js';
import { FaultInjector } from './faults.js';
import { Gateway } from './gateway.js';
import { KmsEmulator } from './kms.js';
import { SecretsManagerEmulator } from './secrets-manager.js';
import { EventBridgeEmulator } from './eventbridge.js';
import { S3Emulator } from './s3.js';
import { SqsEmulator } from './sqs/service.js';
import { IamAuthority } from './iam/authority.js';
import { IamService } from './iam/service.js';
import type { ResourceLookups } from './iam/actions.js';

export interface LocalAwsOptions {
  /** Gateway port (default: a free one). */
  readonly port?: number;
  /** S3 port (default: a free one). */
  readonly s3Port?: number;
  /** Region reported to clients through AWS_REGION and used for S3 events (default LOCAL_REGION). */
  readonly region?: string;
  /** Buckets to create at start, optionally versioned and with EventBridge notifications on. */
  readonly buckets?: readonly (
    string | { readonly name: string; readonly versioning?: boolean; readonly eventBridge?: boolean }
  )[];
  /** Gateway log for unexpected server-side errors (default: console.error). */
  readonly log?: (line: string) => void;
  /** Authorize every request against this IAM authority (default: no IAM). */
  readonly iam?: IamAuthority;
  /** With `iam`: the gateway also verifies SigV4 signatures (default false; S3 never does). */
  readonly verifySignatures?: boolean;
  /** The SQS queues' clock in ms (tests move it instead of waiting; default Date.now). */
  readonly sqsClock?: () => number;
}

/** The administrator user `startLocalAws({ iam })` creates; `env` carries its credentials. */
export function localAdminArn(accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:aws:iam::${accountId}:user/local-admin`;
}

const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } as const;

export interface LocalAws {
  /** Gateway URL: AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /** S3 URL: AWS_ENDPOINT_URL_S3 (path-style only: clients need forcePathStyle). */
  readonly s3Endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Environment for processes (and SDK clients that read it). */
  readonly env: Readonly<Record<string, string>>;
  readonly gateway: Gateway;
  readonly faults: FaultInjector;
  readonly s3: S3Emulator;
  readonly kms: KmsEmulator;
  readonly secrets: SecretsManagerEmulator;
  readonly events: EventBridgeEmulator;
  /** Amazon SQS (standard queues), on the gateway; queue URLs point at the gateway. */
  readonly sqs: SqsEmulator;
  /** The IAM authority requests are authorized against (when started with `iam`). */
  readonly iam?: IamAuthority;
  /** The IAM API (local/aws/iam/service.ts) over that authority's principals (when started with `iam`). */
  readonly iamService?: IamService;
  /** State lookups IAM uses to name resources (secret name → ARN, alias → key). */
  readonly lookups: ResourceLookups;
  stop(): Promise<void>;
}

export async function startLocalAws(opts: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = opts.region ?? LOCAL_REGION;
  const faults = new FaultInjector();
  const gateway = new Gateway({
    faults,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const kms = new KmsEmulator();
  const secrets = new SecretsManagerEmulator(kms);
  const events = new EventBridgeEmulator();
  const s3 = new S3Emulator({
    faults,
    kms,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    ...(opts.s3Port !== undefined ? { port: opts.s3Port } : {}),
  });
  const sqs = new SqsEmulator({
    ...(opts.sqsClock ? { now: opts.sqsClock } : {}),
    ...(opts.iam
      ? {
          authorizer: opts.iam,
          // SenderId: the role's or user's unique id (a role session's with its session name).
          senderIdOf: (arn: string) => {
            const p = opts.iam!.describePrincipal(arn);
            if (!p) return undefined;
            return p.kind === 'role' ? `${p.uniqueId}:${opts.iam!.callerArn(arn).split('/').pop()}` : p.uniqueId;
          },
        }
      : {}),
  });
  gateway.registerService(kms.service);
  gateway.registerService(secrets.service);
  gateway.registerService(events.service);
  gateway.registerService(sqs.service);
  // EventBridge → SQS targets, authorized by the queue policy.
  sqs.attachToEventBridge(events);

  // S3 → EventBridge (S3 User Guide, "Using EventBridge": every object event of an enabled bucket
  // goes to the default bus of the bucket's account and region).
  s3.onObjectEvent((e) => {
    if (s3.eventBridgeEnabled(e.bucket)) events.publish(s3.toEventBridgeEvent(e));
  });

  const lookups: ResourceLookups = {
    secret: (id, r, a) => secrets.iamLookup(id, r, a),
    keyArn: (id, r, a) => kms.keyArnOf(id, r, a),
    ...(opts.iam ? { roleArn: (name: string, a: string) => opts.iam!.findRole(a, name) } : {}),
  };
  const iam = opts.iam;
  // The IAM API on the same state as the authority: its roles, and the managed policies it evaluates.
  const iamService = iam ? new IamService(iam) : undefined;
  if (iamService) gateway.registerService(iamService);
  let credentials = { accessKeyId: 'test', secretAccessKey: 'test' } as {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  };
  if (iam) {
    // Kept as the caller made it if it already exists.
    if (!iam.hasPrincipal(localAdminArn(iam.accountId)))
      iam.putUser(localAdminArn(iam.accountId), { policies: [ADMIN_POLICY] });
    credentials = { ...iam.credentialsFor(localAdminArn(iam.accountId)) };
    // A key's policy: the one given to KMS, else the one KMS gives it (default, AWS managed).
    iam.addResourcePolicyProvider((arn) => kms.keyPolicy(arn));
    // A queue's policy (SetQueueAttributes Policy) is its resource policy.
    iam.addResourcePolicyProvider((arn) => (arn.startsWith('arn:aws:sqs:') ? sqs.queuePolicy(arn) : undefined));
    gateway.enforce(iam, lookups, { verifySignatures: opts.verifySignatures ?? false });
    s3.enforce(iam);
  }

  const [endpoint, s3Endpoint] = await Promise.all([gateway.start(), s3.start()]);
  sqs.setEndpoint(endpoint);
  // Clients that only know AWS_ENDPOINT_URL still reach S3 through the gateway.
  gateway.proxyService('s3', s3Endpoint);
  for (const b of opts.buckets ?? []) {
    if (typeof b === 'string') await s3.createBucket(b);
    else
      await s3.createBucket(b.name, {
        ...(b.versioning !== undefined ? { versioning: b.versioning } : {}),
        ...(b.eventBridge !== undefined ? { eventBridge: b.eventBridge } : {}),
      });
  }

  // Control routes for a test in another process (beside the gateway's /_local/faults):
  //   POST /_local/s3/buckets {name, versioning?, eventBridge?}  creates a bucket
  //   GET  /_local/events/deliveries                             EventBridge deliveries so far
  //   POST /_local/events/settled                                waits for deliveries in flight
  gateway.registerControl('POST', 's3/buckets', async (req) => {
    const b = (req.body ?? {}) as { name?: unknown; versioning?: unknown; eventBridge?: unknown };
    if (typeof b.name !== 'string' || b.name === '') return { status: 400, body: { error: 'name is required' } };
    await s3.createBucket(b.name, { versioning: b.versioning === true, eventBridge: b.eventBridge === true });
    return { status: 201, body: { name: b.name } };
  });
  gateway.registerControl('GET', 'events/deliveries', () => ({
    body: {
      deliveries: events.deliveries.map((d) => ({
        ruleArn: d.ruleArn,
        targetId: d.target.Id,
        targetArn: d.target.Arn,
        eventId: d.event.id,
        ok: d.ok,
        ...(d.error !== undefined ? { error: d.error } : {}),
        input: d.input,
      })),
    },
  }));
  gateway.registerControl('POST', 'events/settled', async () => {
    await events.settled();
    return { body: { settled: true } };
  });

  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The SDK needs path-style addressing for a loopback S3; our own code reads this (the SDK does not).
    AWS_S3_FORCE_PATH_STYLE: 'true',
    // SDK v3 default checksums add chunk framing s3rver stores verbatim (docs/facts.md).
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };

  let stopped = false;
  return {
    endpoint,
    s3Endpoint,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    env,
    gateway,
    faults,
    s3,
    kms,
    secrets,
    events,
    sqs,
    ...(iam ? { iam } : {}),
    ...(iamService ? { iamService } : {}),
    lookups,
    async stop() {
      if (stopped) return;
      stopped = true;
      await events.settled().catch(() => undefined);
      sqs.close();
      await Promise.all([gateway.stop(), s3.stop()]);
    },
  };
}
