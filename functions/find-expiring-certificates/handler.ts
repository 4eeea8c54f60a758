// FindExpiringCertificates: the domains whose current certificate has passed 2/3 of its lifetime,
// from the expiry index with ListObjectsV2 only (lib/aws/certificates.ts findExpiring).
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { findExpiring as scan, type ExpiryScan } from '../../lib/aws/certificates.js';
import { s3Client } from '../../lib/aws/clients.js';
import { certBucket, specBucket } from '../../lib/aws/env-config.js';
import { instrument } from '../../lib/observability.js';
import { Correlated, optionalDate, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  /** The scheduled event's `time`; the renewal clock. Defaults to now. */
  now: z.string().optional(),
  /** The whole triggering event (the state machine passes `$`); its `time` is used when `now` is absent. */
  trigger: z.object({ time: z.string().optional(), now: z.string().optional() }).passthrough().optional(),
});
export type FindExpiringInput = z.input<typeof Input>;
export type FindExpiringOutput = ExpiryScan;
export type { ExpiringCertificate } from '../../lib/aws/certificates.js';

export async function findExpiring(event: FindExpiringInput, deps: { s3?: S3Client } = {}): Promise<ExpiryScan> {
  const { now, trigger } = parseInput(Input, event);
  const ctx = { s3: deps.s3 ?? s3Client(), certBucket: certBucket(), specBucket: specBucket() };
  return scan(ctx, optionalDate(now ?? trigger?.now ?? trigger?.time));
}

export const handler = instrument('FindExpiringCertificates', (event: FindExpiringInput) => findExpiring(event));
