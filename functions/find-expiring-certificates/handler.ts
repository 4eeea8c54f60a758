// FindExpiringCertificates: the domains whose current certificate has passed 2/3 of its lifetime.
// Reads the expiry index with ListObjectsV2 only (lib/cert/policy.ts), never GET/HEAD per object.
import type { S3Client } from '@aws-sdk/client-s3';
import { daysUntil, isRenewalDue } from '../../lib/cert/policy.js';
import { s3Client } from '../../lib/aws/clients.js';
import { scanIndex } from '../../lib/aws/cert-store.js';
import { certBucket } from '../../lib/aws/env-config.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { optionalDate } from '../_shared/input.js';

export interface FindExpiringInput extends Correlated {
  /** The scheduled event's `time`; the renewal clock. Defaults to now. */
  readonly now?: string;
  /** The whole triggering event (the state machine passes `$`); its `time` is used when `now` is absent. */
  readonly trigger?: { readonly time?: string; readonly now?: string };
}

export interface ExpiringCertificate {
  readonly domain: string;
  readonly serial: string;
  readonly notAfter: string;
  readonly generation: number;
}

export interface FindExpiringOutput {
  readonly now: string;
  readonly scanned: number;
  readonly due: readonly ExpiringCertificate[];
  readonly earliestNotAfter?: string;
}

export async function findExpiring(
  event: FindExpiringInput,
  deps: { s3?: S3Client } = {},
): Promise<FindExpiringOutput> {
  const now = optionalDate(event.now ?? event.trigger?.now ?? event.trigger?.time);
  const entries = await scanIndex(deps.s3 ?? s3Client(), certBucket());
  const due = entries
    .filter((e) => isRenewalDue(e, now))
    .map(({ domain, serial, notAfter, generation }) => ({ domain, serial, notAfter, generation }));
  const earliest = entries.map((e) => e.notAfter).sort()[0];
  metrics.addMetric('CertificatesDue', MetricUnit.Count, due.length);
  if (earliest)
    metrics.addMetric('DaysToEarliestExpiry', MetricUnit.Count, Math.floor(daysUntil(earliest, now) * 100) / 100);
  logger.info('expiry scan', { scanned: entries.length, due: due.length, earliestNotAfter: earliest });
  return { now: now.toISOString(), scanned: entries.length, due, ...(earliest ? { earliestNotAfter: earliest } : {}) };
}

export const handler = instrument('FindExpiringCertificates', (event: FindExpiringInput) => findExpiring(event));
