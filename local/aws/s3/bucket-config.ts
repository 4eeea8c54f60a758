// Bucket configuration: policy, default encryption, versioning and notifications, as the
// Put/Get/DeleteBucket* calls store and answer them (s3rver keeps none of these), and the SSE a
// write gets from its headers or the bucket's default.
import { policyProblems } from '../iam/authority.js';
import type { PolicyDocument } from '../iam/types.js';
import type { KoaContext } from './s3rver.js';
import { requireBucket, type BucketEncryption, type S3State } from './state.js';
import { S3HttpError, XMLNS, header, malformedXml, readAll, sendNoContent, sendXml, xmlEscape } from './wire.js';

/** A bucket's default encryption; every bucket has SSE-S3 by default since January 2023 (S3 User Guide, "Default encryption"). */
export function bucketEncryption(s: S3State, bucket: string): BucketEncryption {
  return s.encryption.get(bucket) ?? { algorithm: 'AES256' };
}

// PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html): the policy is JSON
// in the body; GetBucketPolicy of a bucket without one is 404 NoSuchBucketPolicy.
export async function policyConfig(s: S3State, ctx: KoaContext, operation: string, bucket: string): Promise<void> {
  await requireBucket(ctx, bucket);
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
    s.policies.set(bucket, doc);
    sendNoContent(ctx);
    return;
  }
  if (operation === 'DeleteBucketPolicy') {
    s.policies.delete(bucket);
    sendNoContent(ctx);
    return;
  }
  const doc = s.policies.get(bucket);
  if (!doc) throw new S3HttpError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
  ctx.type = 'application/json';
  ctx.status = 200;
  ctx.body = JSON.stringify(doc);
}

// PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html):
// ServerSideEncryptionConfiguration/Rule/ApplyServerSideEncryptionByDefault/{SSEAlgorithm, KMSMasterKeyID}.
export async function encryptionConfig(s: S3State, ctx: KoaContext, operation: string, bucket: string): Promise<void> {
  await requireBucket(ctx, bucket);
  if (operation === 'PutBucketEncryption') {
    const xml = (await readAll(ctx.req)).toString('utf8');
    const algorithm = /<SSEAlgorithm>\s*([^<\s]+)\s*<\/SSEAlgorithm>/.exec(xml)?.[1];
    const kmsKeyId = /<KMSMasterKeyID>\s*([^<\s]+)\s*<\/KMSMasterKeyID>/.exec(xml)?.[1];
    if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') throw malformedXml();
    if (kmsKeyId !== undefined && algorithm === 'AES256')
      throw new S3HttpError(
        'InvalidArgument',
        'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
        400,
      );
    s.encryption.set(bucket, { algorithm, ...(kmsKeyId !== undefined ? { kmsKeyId } : {}) });
    ctx.status = 200;
    ctx.body = '';
    return;
  }
  if (operation === 'DeleteBucketEncryption') {
    s.encryption.delete(bucket);
    sendNoContent(ctx);
    return;
  }
  const enc = bucketEncryption(s, bucket);
  sendXml(
    ctx,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionConfiguration xmlns="${XMLNS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${enc.algorithm}</SSEAlgorithm>${enc.kmsKeyId ? `<KMSMasterKeyID>${xmlEscape(enc.kmsKeyId)}</KMSMasterKeyID>` : ''}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
  );
}

// PutBucketVersioning / GetBucketVersioning:
//   https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html (Status Enabled | Suspended)
// PutBucketNotificationConfiguration / GetBucketNotificationConfiguration:
//   https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
export async function bucketConfig(s: S3State, ctx: KoaContext, operation: string, bucket: string): Promise<void> {
  await requireBucket(ctx, bucket);
  if (operation.startsWith('Put')) {
    const xml = (await readAll(ctx.req)).toString('utf8');
    if (operation === 'PutBucketVersioning') {
      const status = /<Status>\s*(\w+)\s*<\/Status>/.exec(xml)?.[1];
      if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
      s.versioning.set(bucket, status);
    } else {
      if (!/<NotificationConfiguration[\s>]/.test(xml) && !/<NotificationConfiguration\/>/.test(xml)) {
        throw malformedXml();
      }
      s.notifications.set(bucket, xml);
      if (/<EventBridgeConfiguration\s*\/?>/.test(xml)) s.eventBridge.add(bucket);
      else s.eventBridge.delete(bucket);
    }
    ctx.status = 200;
    ctx.body = '';
    return;
  }
  const status = s.versioning.get(bucket);
  sendXml(
    ctx,
    operation === 'GetBucketVersioning'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="${XMLNS}">${status ? `<Status>${status}</Status>` : ''}</VersioningConfiguration>`
      : (s.notifications.get(bucket) ??
          `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="${XMLNS}"/>`),
  );
}

/** The SSE headers to store and echo for a write (API_PutObject: x-amz-server-side-encryption*). */
export function sseFor(s: S3State, ctx: KoaContext, bucket: string): Record<string, string> {
  const sent = header(ctx, 'x-amz-server-side-encryption');
  // No SSE header: the bucket's default encryption applies (and its key, when it names one).
  const fallback = sent === undefined ? s.encryption.get(bucket) : undefined;
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
  if (s.opts.kms) {
    try {
      keyArn = s.opts.kms.resolveKey(keyId ?? 'alias/aws/s3', s.region, s.accountId).Arn;
    } catch {
      throw new S3HttpError('KMS.NotFoundException', `Invalid keyId '${keyId ?? ''}'`, 400);
    }
  }
  return {
    'x-amz-server-side-encryption': mode,
    ...(keyArn !== undefined ? { 'x-amz-server-side-encryption-aws-kms-key-id': keyArn } : {}),
  };
}
