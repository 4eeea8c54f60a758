// Spec objects in the spec bucket: the exact version that triggered a run, and the list for reprovision.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorName } from '../errors.js';
import type { SpecIssue } from '../spec/model.js';
import { listKeys } from './cert-store.js';

export const SPEC_PREFIX = 'specs/';
export const SPEC_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export interface SpecObject {
  readonly text: string;
  readonly versionId?: string;
  readonly size: number;
}

export class SpecTooLarge extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`spec is ${size} bytes; the limit is ${limit}`);
    this.name = 'SpecTooLarge';
  }
}

/** Reads one version (or the latest) of a spec, refusing to download more than `maxBytes`. */
export async function getSpecObject(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string | undefined,
  maxBytes: number,
): Promise<SpecObject> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  const size = out.ContentLength ?? 0;
  if (size > maxBytes) {
    // Do not download it: the length header is enough to refuse.
    (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw new SpecTooLarge(size, maxBytes);
  }
  const text = await out.Body!.transformToString('utf8');
  const v = out.VersionId ?? versionId;
  return { text, size: Buffer.byteLength(text), ...(v && v !== 'null' ? { versionId: v } : {}) };
}

/**
 * One version of a spec, or the refusal its absence or size is: `spec-missing` when the object (or
 * that version) no longer exists, `max-size` when it is larger than `maxBytes` (not downloaded).
 * Any other S3 error is thrown as it is (throttling and the like are the state machine's to retry).
 */
export async function readSpecVersion(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string | undefined,
  maxBytes: number,
): Promise<{ ok: true; object: SpecObject } | { ok: false; issues: SpecIssue[] }> {
  const refusal = (rule: string, message: string) => ({
    ok: false as const,
    issues: [{ file: key, path: '$', rule, message }],
  });
  try {
    return { ok: true, object: await getSpecObject(s3, bucket, key, versionId, maxBytes) };
  } catch (e) {
    if (e instanceof SpecTooLarge)
      return refusal('max-size', `the spec is ${e.size} bytes; at most ${e.limit} bytes are accepted`);
    const name = awsErrorName(e);
    if (name === 'NoSuchKey' || name === 'NoSuchVersion')
      return refusal('spec-missing', 'the spec object (or this version of it) no longer exists');
    throw e;
  }
}

export const isSpecKey = (key: string): boolean =>
  key.startsWith(SPEC_PREFIX) &&
  !key.slice(SPEC_PREFIX.length).includes('/') &&
  SPEC_EXTENSIONS.some((e) => key.endsWith(e));

export async function listSpecKeys(s3: S3Client, bucket: string): Promise<string[]> {
  return (await listKeys(s3, bucket, SPEC_PREFIX)).filter(isSpecKey).sort();
}
