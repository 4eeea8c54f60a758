// ListSpecs: every spec object in the bucket, for the reprovision workflow's Map. One item is a
// small {bucket, key}; the provision workflow reads the latest version itself.
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../lib/aws/clients.js';
import { specBucket } from '../../lib/aws/env-config.js';
import { listSpecKeys } from '../../lib/aws/specs.js';
import { instrument, logger, type Correlated } from '../../lib/observability.js';

export type ListSpecsInput = Correlated;

export interface ListSpecsOutput {
  readonly bucket: string;
  readonly count: number;
  readonly specs: readonly { readonly bucket: string; readonly key: string }[];
}

export async function listSpecs(_event: ListSpecsInput, deps: { s3?: S3Client } = {}): Promise<ListSpecsOutput> {
  const bucket = specBucket();
  const keys = await listSpecKeys(deps.s3 ?? s3Client(), bucket);
  logger.info('specs listed', { count: keys.length });
  return { bucket, count: keys.length, specs: keys.map((key) => ({ bucket, key })) };
}

export const handler = instrument('ListSpecs', (event: ListSpecsInput) => listSpecs(event));
