// FindExpiringCertificates: the domains whose current certificate has passed 2/3 of its lifetime.
// Reads the expiry index with ListObjectsV2 only (lib/cert/policy.ts), never GET/HEAD per object.
import type { S3Client } from '@aws-sdk/client-s3';
import { daysUntil, isRenewalDue } from '../../lib/cert/policy.js';
import { s3Client } from '../../lib/aws/clients.js';
import { scanIndex } from '../../lib/aws/cert-store.js';
import { certBucket, specBucket } from '../../lib/aws/env-config.js';
import { listSpecKeys } from '../../lib/aws/specs.js';
import { domainFromKey } from '../../lib/spec/key.js';
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
  /** Domains past their renewal point that have no spec (removed or orphaned): not renewed. */
  readonly withoutSpec?: readonly string[];
}

export async function findExpiring(
  event: FindExpiringInput,
  deps: { s3?: S3Client } = {},
): Promise<FindExpiringOutput> {
  const now = optionalDate(event.now ?? event.trigger?.now ?? event.trigger?.time);
  const s3 = deps.s3 ?? s3Client();
  const entries = await scanIndex(s3, certBucket());
  // A domain whose spec is gone is never renewed: decommissioning removes its index entries, and
  // an entry left behind (an orphan, a removal still in its grace period) is skipped here.
  const specDomains = new Set((await listSpecKeys(s3, specBucket())).map(domainFromKey));
  const pastRenewal = entries.filter((e) => isRenewalDue(e, now));
  const withoutSpec = pastRenewal.filter((e) => !specDomains.has(e.domain)).map((e) => e.domain);
  const due = pastRenewal
    .filter((e) => specDomains.has(e.domain))
    .map(({ domain, serial, notAfter, generation }) => ({ domain, serial, notAfter, generation }));
  const earliest = entries.map((e) => e.notAfter).sort()[0];
  metrics.addMetric('CertificatesDue', MetricUnit.Count, due.length);
  if (earliest)
    metrics.addMetric('DaysToEarliestExpiry', MetricUnit.Count, Math.floor(daysUntil(earliest, now) * 100) / 100);
  logger.info('expiry scan', {
    scanned: entries.length,
    due: due.length,
    withoutSpec: withoutSpec.length,
    earliestNotAfter: earliest,
  });
  return {
    now: now.toISOString(),
    scanned: entries.length,
    due,
    ...(earliest ? { earliestNotAfter: earliest } : {}),
    ...(withoutSpec.length > 0 ? { withoutSpec: withoutSpec.slice(0, 50) } : {}),
  };
}

export const handler = instrument('FindExpiringCertificates', (event: FindExpiringInput) => findExpiring(event));
