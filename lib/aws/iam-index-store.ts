// The grants index objects in the spec bucket (lib/access/iam-index.ts): `iam/index/<target>.json`.
//
// Several runs may write one object at once (B's grant to D and D's own run), so every write is a
// conditional write on what was read (Amazon S3 API Reference, PutObject, "If-Match" and
// "If-None-Match"; S3 User Guide, "How to prevent object overwrites with conditional writes"):
// `If-Match: <ETag>` over the version read, `If-None-Match: *` when there was none. S3 answers
// 412 PreconditionFailed when another write came first (and 409 ConditionalRequestConflict when
// one is in flight), and the update is read and applied again.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseIndex, type IamIndex, type IndexUpdate } from '../access/iam-index.js';
import { awsErrorName, ERROR_NAMES, ProvisioningError } from '../errors.js';
import { listKeys } from './cert-store.js';

export const IAM_INDEX_PREFIX = 'iam/index/';
export const indexKey = (target: string): string => `${IAM_INDEX_PREFIX}${target}.json`;

/** How often one update is retried after losing a race (each retry re-reads). */
export const MAX_INDEX_ATTEMPTS = 10;

export interface ReadIndex {
  readonly index?: IamIndex;
  /** The ETag of the version read; undefined when the object does not exist. */
  readonly etag?: string;
}

const isMissing = (e: unknown): boolean => {
  const n = awsErrorName(e);
  return n === 'NoSuchKey' || n === 'NotFound';
};
const lostRace = (e: unknown): boolean => {
  const n = awsErrorName(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return n === 'PreconditionFailed' || n === 'ConditionalRequestConflict' || status === 412 || status === 409;
};

export async function readIndex(s3: S3Client, bucket: string, target: string): Promise<ReadIndex> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: indexKey(target) }));
    const text = await out.Body!.transformToString('utf8');
    return { index: parseIndex(target, text), ...(out.ETag ? { etag: out.ETag } : {}) };
  } catch (e) {
    if (isMissing(e)) return {};
    throw e;
  }
}

/** The ETag of the index object now (HeadObject), or undefined when there is none. */
export async function indexEtag(s3: S3Client, bucket: string, target: string): Promise<string | undefined> {
  try {
    return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: indexKey(target) }))).ETag;
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

export interface UpdatedIndex {
  readonly changed: boolean;
  readonly index: IamIndex | undefined;
  readonly etag: string | undefined;
  /** Writes that lost a race and were redone. */
  readonly retries: number;
}

/** Applies one update as a conditional read-modify-write; writes nothing when it changes nothing. */
export async function updateIndex(s3: S3Client, bucket: string, u: IndexUpdate): Promise<UpdatedIndex> {
  for (let attempt = 0; attempt < MAX_INDEX_ATTEMPTS; attempt++) {
    const { index, etag } = await readIndex(s3, bucket, u.target);
    const next = u.update(index);
    if (next === index) return { changed: false, index, etag, retries: attempt };
    try {
      const out = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: indexKey(u.target),
          Body: JSON.stringify(next),
          ContentType: 'application/json',
          ...(etag !== undefined ? { IfMatch: etag } : { IfNoneMatch: '*' }),
        }),
      );
      return { changed: true, index: next, etag: out.ETag, retries: attempt };
    } catch (e) {
      if (!lostRace(e)) throw e;
    }
  }
  throw new ProvisioningError(
    ERROR_NAMES.IamIndexContention,
    `the IAM grants index of ${u.target} kept changing under ${MAX_INDEX_ATTEMPTS} attempts to update it; the run can be retried`,
    true,
  );
}

/** Every target that has an index object (ListObjectsV2 under iam/index/: key names only). */
export async function listIndexTargets(s3: S3Client, bucket: string): Promise<string[]> {
  return (await listKeys(s3, bucket, IAM_INDEX_PREFIX))
    .filter((k) => k.endsWith('.json'))
    .map((k) => k.slice(IAM_INDEX_PREFIX.length, -'.json'.length))
    .filter((t) => t !== '' && !t.includes('/'));
}
