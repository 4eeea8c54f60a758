// PlanAgainstCluster: between ValidateSpec and the credentials. Reads the cluster state in the
// domain's scope, plans (with the mass-deletion guard), and has the cluster check the plan without
// changing anything (broker count, CreateTopics/CreatePartitions validateOnly; lib/kafka/
// cluster-plan.ts). A spec the cluster would refuse therefore gets no secret, no certificate, no
// topic and no ACL. First of all, the cluster must offer every configured authentication mode
// (DescribeClusterV2; lib/plan/cluster-auth.ts), trust the PCA for mTLS and have room for the
// domain's SCRAM user (lib/aws/msk.ts checkClusterFor). With IAM, every affected domain's managed policies
// must stay within IAM's limits (lib/aws/iam-sync.ts). It reads and validates only: its role can create nothing.
import { kafkaClient, s3Client } from '../../lib/aws/clients.js';
import { clusterArn, iamLimits, pcaArn, provisionConfig, secretNamePrefix } from '../../lib/aws/env-config.js';
import { prospectiveIamPolicies } from '../../lib/aws/iam-sync.js';
import { checkClusterFor } from '../../lib/aws/msk.js';
import { scramSecretName } from '../../lib/credentials/secret-name.js';
import { parseClusterArn } from '../../lib/access/iam.js';
import type { ClientAuthMode } from '../../lib/plan/cluster-auth.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { checkPlan, digestOf, planDomain, type PlanDigest } from '../../lib/kafka/cluster-plan.js';
import { connectAdmin, type AdminConnection, type AdminDeps } from '../../lib/kafka/connect.js';
import { instrument, logger } from '../../lib/observability.js';
import { parseSpecStepInput, readAcceptedSpec } from '../_shared/spec-step.js';

export interface PlanAgainstClusterOutput extends PlanDigest {
  readonly domain: string;
  /** The configured authentication modes, each offered by the cluster (the credential branches to run). */
  readonly authModes: readonly ClientAuthMode[];
  /** The cluster's broker count the new topics' replicas were checked against (only when the plan creates topics). */
  readonly brokers?: number;
  readonly kafkaRequests: number;
  /** AuthModes with IAM: the domains whose policies the run would change, and the most policies one of them needs. */
  readonly iam?: { readonly domains: number; readonly maxPolicies: number };
}

export interface PlanDeps extends AdminDeps {
  readonly config?: ProvisionConfig;
  readonly connect?: () => Promise<AdminConnection>;
}

export async function planAgainstCluster(event: unknown, deps: PlanDeps = {}): Promise<PlanAgainstClusterOutput> {
  const input = parseSpecStepInput(event);
  const config = deps.config ?? provisionConfig();
  const arn = clusterArn();
  const authModes = await checkClusterFor(deps.kafka ?? kafkaClient(), arn, config.authModes, {
    pcaArn: () => pcaArn(),
    scramSecretName: () => scramSecretName(secretNamePrefix(), input.domain),
  });
  const s3 = deps.s3 ?? s3Client();
  const spec = await readAcceptedSpec(s3, input, config);
  // IAM: every affected domain's policies within IAM's limits (IamPolicyLimitError), before anything is created.
  const iam = config.authModes.includes('IAM')
    ? await prospectiveIamPolicies(
        { s3, bucket: input.bucket, cluster: parseClusterArn(arn), config, limits: iamLimits() },
        input.domain,
        spec,
      )
    : undefined;
  const conn = await (deps.connect ?? (() => connectAdmin(deps)))();
  try {
    const p = await planDomain(conn.admin, spec, config, { force: input.force });
    const { brokers } = await checkPlan(conn.admin, p);
    const iamOut = iam && {
      domains: iam.affected.length,
      maxPolicies: Math.max(0, ...iam.policies.map((x) => x.policies.length)),
    };
    const out = {
      domain: input.domain,
      authModes,
      ...digestOf(p),
      ...(brokers !== undefined ? { brokers } : {}),
      kafkaRequests: conn.requests(),
      ...(iamOut ? { iam: iamOut } : {}),
    };
    logger.info('plan checked', { ...out.counts, brokers, kafkaRequests: out.kafkaRequests });
    return out;
  } finally {
    await conn.close();
  }
}

export const handler = instrument('PlanAgainstCluster', (event: unknown) => planAgainstCluster(event));
