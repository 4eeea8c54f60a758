// IAM for S3 requests, with an authorizer on: each operation's grants (local/aws/iam/actions.ts)
// against the caller's identity policies and the bucket policy of each resource's bucket; the
// cases S3 decides with more than one permission; KMS permissions S3 uses on the caller's behalf;
// and DeleteObjects' per-key authorization.
import { buildArn, parseArn } from '../arn.js';
import { AwsServiceError } from '../core.js';
import { requiredGrants } from '../iam/actions.js';
import { accountOf, authorizeOnBehalf, firstDenial, onBehalfKmsRequest } from '../iam/enforce.js';
import type { KoaContext } from './s3rver.js';
import type { RequestInfo, S3State } from './state.js';
import {
  S3HttpError,
  header,
  parseCopySource,
  readAll,
  replaceBody,
  tagsFromXml,
  xmlEscape,
  type DeleteEntry,
} from './wire.js';

/** Operations whose authorization can depend on the object's current tags (s3:ExistingObjectTag/<key>). */
const TAG_CONDITIONED = new Set([
  'GetObject',
  'HeadObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
]);

/** The operation's input as IAM sees it: names from the S3 API reference (Bucket, Key, ...). */
function iamInput(ctx: KoaContext, bucket: string, key: string): Record<string, unknown> {
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
export async function authorizeRequest(
  s: S3State,
  ctx: KoaContext,
  operation: string,
  principalArn: string,
  bucket: string,
  key: string,
): Promise<void> {
  const iam = s.iam!;
  const region = s.region;
  // DeleteObjects: each key is authorized in removeMany.
  if (operation === 'DeleteObjects') return;
  const input = iamInput(ctx, bucket, key);
  if (TAG_CONDITIONED.has(operation) && key !== '') input.ExistingObjectTags = await existingTags(ctx, bucket, key);
  if (operation === 'PutObjectTagging') {
    // The new tags are in the body (API_PutObjectTagging): s3:RequestObjectTag/<key> and
    // s3:RequestObjectTagKeys. Read it, then hand s3rver the same bytes.
    const raw = await readAll(ctx.req);
    input.Tagging = tagsFromXml(raw.toString('utf8'));
    replaceBody(ctx, raw);
  }
  const grants = requiredGrants(`s3:${operation}`, {
    region,
    accountId: accountOf(principalArn),
    input,
    lookups: {},
  });
  if (!grants) throw new S3HttpError('NotImplemented', `No IAM mapping for ${operation} in the local emulator.`, 501);
  const denial = await firstDenial(iam, principalArn, grants, (g) => s.policies.get(bucketOfArn(g.resource)));
  if (denial) throw new S3HttpError('AccessDenied', denial.message, 403);

  // API_GetObject / API_HeadObject, "Permissions": for a key that does not exist, S3 answers 404
  // NoSuchKey only to a caller allowed s3:ListBucket on the bucket, 403 AccessDenied otherwise.
  if ((operation === 'GetObject' || operation === 'HeadObject') && input.VersionId === undefined) {
    const id = `${bucket}\0${key}`;
    const markedDeleted = s.history.get(id)?.at(-1)?.deleteMarker === true;
    const bucketExists = Boolean(await ctx.store.getBucket(bucket));
    const exists = bucketExists && !markedDeleted && (await objectExists(ctx, bucket, key));
    // A missing bucket is NoSuchBucket for anyone allowed the object action (s3rver answers it).
    if (bucketExists && !exists) {
      const list = requiredGrants('s3:ListObjectsV2', {
        region,
        accountId: accountOf(principalArn),
        input: { Bucket: bucket },
        lookups: {},
      })!;
      const decision = await firstDenial(iam, principalArn, list, () => s.policies.get(bucket));
      if (decision) throw new S3HttpError('AccessDenied', 'Access Denied', 403);
    }
  }
}

/** The object's current tags (s3:ExistingObjectTag/<key>), or undefined when it has none or does not exist. */
async function existingTags(ctx: KoaContext, bucket: string, key: string): Promise<Record<string, string> | undefined> {
  const config = await ctx.store.getSubresource?.(bucket, key, 'tagging').catch(() => null);
  if (!config) return undefined;
  return tagsFromXml(config.toXML());
}

async function objectExists(ctx: KoaContext, bucket: string, key: string): Promise<boolean> {
  if (ctx.store.existsObject) return ctx.store.existsObject(bucket, key);
  return (await ctx.store.getObject(bucket, key)) !== null;
}

/**
 * S3's use of an SSE-KMS object's key, GenerateDataKey (writes) or Decrypt (reads), on the caller's
 * behalf: with IAM on, the caller's kms:GenerateDataKey / kms:Decrypt via S3; then the key's state
 * (KmsEmulator.requireUsable). S3 answers KMS's error with its code prefixed `KMS.` and KMS's
 * status (400), e.g. KMS.DisabledException, KMS.KMSInvalidStateException (the S3 error codes the
 * Amazon RDS User Guide lists in "Failure messages for Amazon S3 export tasks").
 */
export async function kmsOnBehalf(
  s: S3State,
  info: RequestInfo,
  sse: Record<string, string>,
  action: 'kms:GenerateDataKey' | 'kms:Decrypt',
  bucket: string,
  key: string,
): Promise<void> {
  const keyArn = sse['x-amz-server-side-encryption-aws-kms-key-id'];
  if (!sse['x-amz-server-side-encryption']?.startsWith('aws:kms') || !keyArn) return;
  if (s.iam && info.principalArn)
    await authorizeKmsUse(s.iam, s.region, info.principalArn, keyArn, action, bucket, key);
  try {
    s.opts.kms?.requireUsable(keyArn, s.region, s.accountId);
  } catch (e) {
    if (e instanceof AwsServiceError) throw new S3HttpError(`KMS.${e.code}`, e.message, e.statusCode);
    throw e;
  }
}

async function authorizeKmsUse(
  authorizer: NonNullable<S3State['iam']>,
  region: string,
  principalArn: string,
  keyArn: string,
  action: 'kms:GenerateDataKey' | 'kms:Decrypt',
  bucket: string,
  key: string,
): Promise<void> {
  const decision = await authorizeOnBehalf(
    authorizer,
    onBehalfKmsRequest({
      principalArn,
      action,
      keyArn,
      service: 's3',
      region,
      // S3's encryption context is the object ARN (S3 User Guide, "Encryption context").
      encryptionContext: { 'aws:s3:arn': buildArn('s3', '', '', `${bucket}/${key}`) },
    }),
  );
  if (!decision.allowed) throw new S3HttpError('AccessDenied', decision.message, 403);
}

/**
 * DeleteObjects: every entry is authorized on its own (s3:DeleteObject, or s3:DeleteObjectVersion
 * with a VersionId; API_DeleteObjects, "Permissions"). Refused ones come back as `<Error>` entries
 * with Code AccessDenied, to answer beside the deleted ones. With no authorizer all are allowed.
 */
export async function authorizeDeletes(
  s: S3State,
  info: RequestInfo,
  bucket: string,
  entries: readonly DeleteEntry[],
): Promise<{ refused: string[]; allowed: DeleteEntry[] }> {
  const iam = s.iam;
  const principalArn = info.principalArn;
  if (!iam || !principalArn) return { refused: [], allowed: [...entries] };
  const refused: string[] = [];
  const allowed: DeleteEntry[] = [];
  for (const o of entries) {
    const grants = requiredGrants('s3:DeleteObject', {
      region: s.region,
      accountId: accountOf(principalArn),
      input: { Bucket: bucket, Key: o.key, ...(o.versionId ? { VersionId: o.versionId } : {}) },
      lookups: {},
    })!;
    const denial = await firstDenial(iam, principalArn, grants, () => s.policies.get(bucket));
    if (denial)
      refused.push(
        `<Error><Key>${xmlEscape(o.key)}</Key>${o.versionId ? `<VersionId>${xmlEscape(o.versionId)}</VersionId>` : ''}<Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
      );
    else allowed.push(o);
  }
  return { refused, allowed };
}

/** The bucket an S3 ARN names (`arn:aws:s3:::bucket[/key]`). */
function bucketOfArn(arn: string): string {
  const parsed = parseArn(arn);
  return parsed?.service === 's3' ? (parsed.resource.split('/')[0] ?? '') : '';
}
