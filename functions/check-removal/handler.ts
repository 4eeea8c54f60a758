// CheckRemoval: the decommission workflow's gate. START names the domain an S3 "Object Deleted"
// event (or an operator's input) removed and the grace period to wait; DECIDE, after the wait,
// lists the spec versions and decides (lib/decommission decideRemoval): RESTORED, REFUSED or
// DECOMMISSION. It changes nothing.
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../lib/aws/clients.js';
import { listSpecVersions } from '../../lib/aws/decommission.js';
import { decommissionSettings, specBucket } from '../../lib/aws/env-config.js';
import { decideRemoval, type RemovalDecision } from '../../lib/decommission/index.js';
import { ConfigurationError } from '../../lib/errors.js';
import { domainFromKey } from '../../lib/spec/key.js';
import { instrument, logger, type Correlated } from '../../lib/observability.js';
import { optionalDate, requireDomain } from '../_shared/input.js';

export interface CheckRemovalInput extends Correlated {
  readonly phase: 'START' | 'DECIDE';
  /** START: the execution input (an S3 event: detail.object.key, time; or {domain}). */
  readonly event?: { detail?: { object?: { key?: string } }; time?: string; domain?: string };
  /** DECIDE: START's output fields. */
  readonly domain?: string;
  readonly removedAt?: string;
  readonly force?: boolean;
}

export async function checkRemoval(event: CheckRemovalInput, deps: { s3?: S3Client } = {}): Promise<object> {
  const settings = decommissionSettings();
  const bucket = specBucket();
  if (event.phase === 'START') {
    const key = event.event?.detail?.object?.key;
    const domain = requireDomain(key !== undefined ? domainFromKey(key) : event.event?.domain);
    const removedAt = optionalDate(event.event?.time).toISOString();
    logger.info('spec removed', { domain, key, removedAt, graceSeconds: settings.graceSeconds });
    return {
      domain,
      bucket,
      key: key ?? null,
      removedAt,
      graceSeconds: settings.graceSeconds,
      reportKey: `reports/${domain}.json`,
    };
  }
  if (event.phase !== 'DECIDE') throw new ConfigurationError('state input has no valid "phase"');
  const domain = requireDomain(event.domain);
  const versions = await listSpecVersions(deps.s3 ?? s3Client(), bucket);
  const d: RemovalDecision = decideRemoval({
    domain,
    versions,
    removedAt: optionalDate(event.removedAt),
    now: new Date(),
    settings,
    force: event.force === true,
  });
  logger.info('removal decided', { domain, status: d.status, ...('count' in d ? { count: d.count } : {}) });
  // Small: at most 50 domains named (the count is exact).
  return 'removals' in d ? { ...d, removals: d.removals.slice(0, 50) } : d;
}

export const handler = instrument('CheckRemoval', (event: CheckRemovalInput) => checkRemoval(event));
