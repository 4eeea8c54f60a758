// SummarizeRenewals: the rotation run's counts (renewed, current, failed) and its first failures,
// from the renewal Map's ResultWriter files (lib/aws/rotation.ts summarizeRenewals). Reads only.
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3Client } from '../../lib/aws/clients.js';
import { summarizeRenewals, type RenewalSummary } from '../../lib/aws/rotation.js';
import { instrument } from '../../lib/observability.js';
import { Correlated, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  /** The Map's ResultWriterDetails: the manifest of the result files. */
  results: z.object({
    Bucket: z.string().min(1),
    Key: z.string().regex(/^reports\/_rotation\/runs\/.+\/manifest\.json$/),
  }),
});
export type SummarizeRenewalsInput = z.input<typeof Input>;
export type SummarizeRenewalsOutput = RenewalSummary;

export async function summarize(event: SummarizeRenewalsInput, deps: { s3?: S3Client } = {}): Promise<RenewalSummary> {
  const { results } = parseInput(Input, event);
  return summarizeRenewals(deps.s3 ?? s3Client(), results);
}

export const handler = instrument('SummarizeRenewals', (event: SummarizeRenewalsInput) => summarize(event));
