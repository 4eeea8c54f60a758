// Spec objects in the spec bucket: the exact version that triggered a run, and the list for reprovision.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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

export const isSpecKey = (key: string): boolean =>
  key.startsWith(SPEC_PREFIX) &&
  !key.slice(SPEC_PREFIX.length).includes('/') &&
  SPEC_EXTENSIONS.some((e) => key.endsWith(e));

export async function listSpecKeys(s3: S3Client, bucket: string): Promise<string[]> {
  return (await listKeys(s3, bucket, SPEC_PREFIX)).filter(isSpecKey).sort();
}
