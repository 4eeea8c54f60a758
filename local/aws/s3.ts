// Emulated Amazon S3: the third-party s3rver (@20minutes/s3rver) on a loopback port, with a Koa
// middleware of ours in front of its router that closes the gaps this project depends on:
//
// - Objects are held in memory (a store in place of s3rver's files): a write replaces an object in
//   one step, and a key is a name, not a path.
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
//
// The emulator lives in local/aws/s3/: server.ts (s3rver, the middleware and its routing, the
// in-process API), objects.ts (writes, reads, deletes, versions), listings.ts, bucket-config.ts
// (policy, encryption, versioning, notifications), conditions.ts (conditional reads and writes),
// iam.ts, events.ts, operations.ts (which operation a request is), wire.ts (XML, headers),
// memory-store.ts (the objects) and state.ts (what the modules share).
export { S3Emulator, startS3 } from './s3/server.js';
export { s3OperationOf } from './s3/operations.js';
export type { BucketEncryption, S3ObjectEvent, S3Options } from './s3/state.js';
