// ApplyIamPolicies (auth mode IAM): after ApplyTopicsAndAcls, the grants index gets what the spec
// contributes now and every affected domain's managed policies under /msk-spec/ are made to match
// it (lib/aws/iam-sync.ts). Decommission calls it with `remove: true`: the domain's contributions
// leave every index, the affected domains reconverge, its own policies are detached and deleted.
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { parseClusterArn } from '../../lib/access/iam.js';
import { iamClient, s3Client } from '../../lib/aws/clients.js';
import { clusterArn, iamPolicySettings, provisionConfig } from '../../lib/aws/env-config.js';
import { syncIam } from '../../lib/aws/iam-sync.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { instrument, logger, metrics, MetricUnit } from '../../lib/observability.js';
import { Correlated, DomainId, parseInput } from '../_shared/input.js';
import { readAcceptedSpec, SpecStepInput } from '../_shared/spec-step.js';

const Removal = Correlated.extend({ domain: DomainId, bucket: z.string().min(1), remove: z.literal(true) });
const Input = z.union([Removal, SpecStepInput]);

export interface ApplyIamDeps {
  readonly s3?: S3Client;
  readonly iam?: IAMClient;
  readonly config?: ProvisionConfig;
}

export async function applyIamPolicies(event: unknown, deps: ApplyIamDeps = {}) {
  const input = parseInput(Input, event);
  const config = deps.config ?? provisionConfig();
  const s3 = deps.s3 ?? s3Client();
  const spec = 'remove' in input ? undefined : await readAcceptedSpec(s3, input, config);
  const { naming, limits } = iamPolicySettings();
  const cluster = parseClusterArn(clusterArn());
  const iam = deps.iam ?? iamClient();
  const out = await syncIam({ s3, iam, bucket: input.bucket, cluster, config, limits, naming }, input.domain, spec);
  logger.info(out.changed ? 'iam policies applied' : 'iam policies unchanged', { ...out, domains: undefined });
  for (const m of ['policiesCreated', 'policiesUpdated', 'policiesDeleted', 'versionsDeleted'] as const)
    metrics.addMetric(`Iam${m[0]!.toUpperCase()}${m.slice(1)}`, MetricUnit.Count, out[m]);
  return out;
}

export const handler = instrument('ApplyIamPolicies', (event: unknown) => applyIamPolicies(event));
