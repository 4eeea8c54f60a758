// CheckRemoval: the decommission workflow's gate. START names the domain an S3 "Object Deleted"
// event (or an operator's input) removed and the grace period to wait; DECIDE, after the wait,
// lists the spec versions and decides (lib/decommission decideRemoval): RESTORED, REFUSED or
// DECOMMISSION. It changes nothing.
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3Client } from '../../lib/aws/clients.js';
import { listSpecVersions } from '../../lib/aws/decommission.js';
import { decommissionSettings, specBucket } from '../../lib/aws/env-config.js';
import { reportKey } from '../../lib/aws/reports.js';
import { decideRemoval } from '../../lib/decommission/index.js';
import { domainFromKey } from '../../lib/spec/key.js';
import { instrument, logger } from '../../lib/observability.js';
import { Correlated, DomainId, optionalDate, parseInput, requireDomain } from '../_shared/input.js';

/** START gets the execution input: an S3 event (detail.object.key, time) or an operator's {domain}. */
const Removed = z.object({ detail: z.object({ object: z.object({ key: z.string() }) }) });
const Start = Correlated.extend({
  phase: z.literal('START'),
  event: z.object({ time: z.string().optional(), domain: z.string().optional() }).and(Removed.partial()),
});
/** DECIDE gets START's output fields. */
const Decide = Correlated.extend({
  phase: z.literal('DECIDE'),
  domain: DomainId,
  removedAt: z.string().optional(),
  force: z.boolean().optional(),
});
const Input = z.discriminatedUnion('phase', [Start, Decide]);
export type CheckRemovalInput = z.input<typeof Input>;

export async function checkRemoval(event: CheckRemovalInput, deps: { s3?: S3Client } = {}): Promise<object> {
  const input = parseInput(Input, event);
  const [settings, bucket] = [decommissionSettings(), specBucket()];
  if (input.phase === 'START') {
    const key = input.event.detail?.object.key;
    const domain = requireDomain(key !== undefined ? domainFromKey(key) : input.event.domain);
    const removedAt = optionalDate(input.event.time).toISOString();
    logger.info('spec removed', { domain, key, removedAt, graceSeconds: settings.graceSeconds });
    const { graceSeconds } = settings;
    return { domain, bucket, key: key ?? null, removedAt, graceSeconds, reportKey: reportKey(domain) };
  }
  const { domain, removedAt, force } = input;
  const versions = await listSpecVersions(deps.s3 ?? s3Client(), bucket);
  const now = new Date();
  const d = decideRemoval({ domain, versions, removedAt: optionalDate(removedAt), now, settings, force: !!force });
  logger.info('removal decided', { domain, status: d.status, ...('count' in d ? { count: d.count } : {}) });
  // Small: at most 50 domains named (the count is exact).
  return 'removals' in d ? { ...d, removals: d.removals.slice(0, 50) } : d;
}

export const handler = instrument('CheckRemoval', (event: CheckRemovalInput) => checkRemoval(event));
