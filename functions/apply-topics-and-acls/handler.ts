// ApplyTopicsAndAcls: re-reads the validated spec version and the live cluster state, re-plans (the
// cluster may have changed since PlanAgainstCluster checked it; re-planning also heals drift) and
// applies exactly that delta through lib/kafka, reporting how far it differs from the checked plan.
// Failures arrive classified: PlanRefused, KafkaTransient (retried) or KafkaRefused (lib/kafka/errors.ts).
import { s3Client } from '../../lib/aws/clients.js';
import { provisionConfig } from '../../lib/aws/env-config.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { applyPlan } from '../../lib/kafka/apply.js';
import { digestOf, planDomain, planDrift } from '../../lib/kafka/cluster-plan.js';
import { connectAdmin, type AdminConnection, type AdminDeps } from '../../lib/kafka/connect.js';
import { isEmptyPlan } from '../../lib/plan/plan.js';
import { instrument, logger } from '../../lib/observability.js';
import { recordProvisioned } from '../_shared/provision-metrics.js';
import { parseSpecStepInput, readAcceptedSpec } from '../_shared/spec-step.js';

export interface ApplyDeps extends AdminDeps {
  readonly config?: ProvisionConfig;
  /** Tests and the local runner hand in a connected admin; production connects from the environment. */
  readonly connect?: () => Promise<AdminConnection>;
}

export async function applyTopicsAndAcls(event: object, deps: ApplyDeps = {}) {
  const input = parseSpecStepInput(event);
  const config = deps.config ?? provisionConfig();
  const spec = await readAcceptedSpec(deps.s3 ?? s3Client(), input, config);
  const conn = await (deps.connect ?? (() => connectAdmin(deps)))();
  try {
    const p = await planDomain(conn.admin, spec, config, { force: input.force });
    const changed = !isEmptyPlan(p);
    const r = changed
      ? await applyPlan(conn.admin, p)
      : { topicsCreated: 0, partitionsIncreased: 0, configsAltered: 0, aclsCreated: 0, aclsDeleted: 0 };
    const drift = planDrift(input.checked, digestOf(p));
    const out = {
      domain: input.domain,
      changed,
      ...r,
      createdTopics: p.topicsToCreate.slice(0, 50).map((t) => t.name),
      kafkaRequests: conn.requests(),
      ...(input.checked ? { differsFromCheckedPlan: drift ?? false } : {}),
    };
    logger.info(changed ? 'applied' : 'no changes', { ...r, kafkaRequests: out.kafkaRequests, drift: !!drift });
    recordProvisioned(changed, out.kafkaRequests, input.startedAt);
    return out;
  } finally {
    await conn.close();
  }
}

export const handler = instrument('ApplyTopicsAndAcls', (event: object) => applyTopicsAndAcls(event));
