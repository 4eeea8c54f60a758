// FindExpiringCertificates: the domains whose current certificate has passed 2/3 of its lifetime,
// from the expiry index with ListObjectsV2 only (lib/aws/certificates.ts findExpiring), written to
// rotation/<execution name>/due.json in the certificate bucket for the renewal Map's ItemReader;
// the result is the counts and where the list is (lib/aws/rotation.ts recordDueList).
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3Client } from '../../lib/aws/clients.js';
import { certBucket, kmsKeyArn, specBucket } from '../../lib/aws/env-config.js';
import { recordDueList, type DueListSummary } from '../../lib/aws/rotation.js';
import { instrument } from '../../lib/observability.js';
import { Correlated, optionalDate, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  /** The scheduled event's `time`; the renewal clock. Defaults to now. */
  now: z.string().optional(),
  /** The whole triggering event (the state machine passes `$`); its `time` is used when `now` is absent. */
  trigger: z.object({ time: z.string().optional(), now: z.string().optional() }).passthrough().optional(),
  /** `$$.Execution.Name`: names the due list's key (an execution name has no `/`: API_StartExecution). */
  executionName: z.string().regex(/^[^/\s]{1,80}$/, 'expected an execution name'),
});
export type FindExpiringInput = z.input<typeof Input>;
export type FindExpiringOutput = DueListSummary;
export type { ExpiringCertificate } from '../../lib/aws/certificates.js';

export async function findExpiring(event: FindExpiringInput, deps: { s3?: S3Client } = {}): Promise<DueListSummary> {
  const { now, trigger, executionName } = parseInput(Input, event);
  const ctx = { s3: deps.s3 ?? s3Client(), certBucket: certBucket(), specBucket: specBucket(), kmsKeyId: kmsKeyArn() };
  return recordDueList(ctx, optionalDate(now ?? trigger?.now ?? trigger?.time), executionName);
}

export const handler = instrument('FindExpiringCertificates', (event: FindExpiringInput) => findExpiring(event));
