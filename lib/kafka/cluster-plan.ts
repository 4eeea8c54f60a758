// One domain's plan against a live cluster, shared by PlanAgainstCluster (before any credential is
// made) and ApplyTopicsAndAcls (which re-plans, because the cluster may have changed since):
//   1. read the cluster state in the domain's scope and plan (lib/plan/plan.ts), with the
//      mass-deletion guard;
//   2. `check`: replicas at most the cluster's broker count (DescribeCluster), then the broker's own
//      verdict without changing anything: CreateTopics and CreatePartitions with validateOnly
//      (CreateTopicsRequest.json / CreatePartitionsRequest.json `validateOnly`, KIP-108), which run
//      the controller's full validation (configs, replication, create.topic.policy) and create
//      nothing. (Kafka has no validateOnly for ACLs; ACL bindings are built by lib/access, and
//      AlterConfigs on an existing topic is checked statically by the table.)
// A refusal is a PlanRefused (the plan's own rules, broker count) or a KafkaRefused naming the
// topic, the setting and value, Kafka's error code and name, and Kafka's message.
import { createHash } from 'node:crypto';
import { bindingKey, keywordPrefixes, principalsOf } from '../access/bindings.js';
import type { ProvisionConfig } from '../config.js';
import { PlanRefused } from '../errors.js';
import { plan as makePlan, type Plan } from '../plan/plan.js';
import type { DomainSpec } from '../spec/model.js';
import { request, topicContext } from './apply.js';
import type { Admin } from './kafkajs.js';
import { readClusterState, type ReadOptions } from './read.js';

export interface PlanCounts {
  readonly topicsToCreate: number;
  readonly partitionIncreases: number;
  readonly configChanges: number;
  readonly aclsToCreate: number;
  readonly aclsToDelete: number;
}

/** What a plan does, small enough for a state payload: counts and a digest of every action. */
export interface PlanDigest {
  readonly counts: PlanCounts;
  /** sha256 over the sorted action keys: equal digests, equal plans. */
  readonly digest: string;
}

function actionKeys(p: Plan): string[] {
  return [
    ...p.topicsToCreate.map((t) => `create ${t.name} p=${t.partitions} r=${t.replicas} ${JSON.stringify(t.configs)}`),
    ...p.partitionIncreases.map((x) => `partitions ${x.topic} ${x.from}->${x.to}`),
    ...p.configChanges.map((c) => `configs ${c.topic} ${JSON.stringify(c.set)} -${c.remove.join(',')}`),
    ...p.aclsToCreate.map((b) => `+acl ${bindingKey(b)}`),
    ...p.aclsToDelete.map((b) => `-acl ${bindingKey(b)}`),
  ].sort();
}

export function digestOf(p: Plan): PlanDigest {
  return {
    counts: {
      topicsToCreate: p.topicsToCreate.length,
      partitionIncreases: p.partitionIncreases.length,
      configChanges: p.configChanges.length,
      aclsToCreate: p.aclsToCreate.length,
      aclsToDelete: p.aclsToDelete.length,
    },
    digest: createHash('sha256').update(actionKeys(p).join('\n')).digest('hex'),
  };
}

/** How the applied plan differs from the checked one: undefined when they are the same. */
export function planDrift(
  checked: PlanDigest | undefined,
  now: PlanDigest,
): { readonly checked: PlanCounts; readonly applied: PlanCounts } | undefined {
  if (!checked || checked.digest === now.digest) return undefined;
  return { checked: checked.counts, applied: now.counts };
}

/**
 * What a plan of these specs reads from the cluster (lib/kafka/read.ts): their namespaces, their
 * principals, and the names their plan may create or write ACLs on.
 */
export function scopeOf(specs: readonly DomainSpec[], config: ProvisionConfig): ReadOptions {
  return {
    topicPrefixes: specs.map((s) => `${s.domain}.`),
    principals: specs.flatMap((s) => principalsOf(s.domain, config)),
    names: specs.flatMap((s) => s.owned.map((t) => t.name)),
    accessPrefixes: specs.flatMap((s) => keywordPrefixes(s.domain, config)),
  };
}

/** Reads the domain's scope and plans; the plan's own errors (guards, spec-set rules) are a PlanRefused. */
export async function planDomain(
  admin: Admin,
  spec: DomainSpec,
  config: ProvisionConfig,
  opts: { readonly force?: boolean } = {},
): Promise<Plan> {
  const current = await request({ operation: 'reading the cluster state' }, () =>
    readClusterState(admin, scopeOf([spec], config)),
  );
  const p = makePlan([spec], current, config, { force: opts.force === true });
  if (p.errors.length > 0) throw new PlanRefused(p.errors.map((x) => `${x.rule}: ${x.message}`).join('; '));
  return p;
}

/**
 * The broker's verdict on a plan's topic changes, without making them. Resolves with the broker count
 * when the plan creates topics: their replicas are checked against it. kafkajs' describeCluster asks
 * Metadata for every topic in the cluster, so a plan that creates none does not pay for it.
 */
export async function checkPlan(admin: Admin, p: Plan): Promise<{ brokers?: number }> {
  const checked: { brokers?: number } = {};
  if (p.topicsToCreate.length > 0) {
    const { brokers } = await request({ operation: 'DescribeCluster' }, () => admin.describeCluster());
    const tooMany = p.topicsToCreate.filter((t) => t.replicas > brokers.length);
    if (tooMany.length > 0)
      throw new PlanRefused(
        tooMany
          .map(
            (t) =>
              `replicas: topic ${t.name} asks for ${t.replicas} replicas but the cluster has ${brokers.length} broker${brokers.length === 1 ? '' : 's'}; expected at most ${brokers.length}`,
          )
          .join('; '),
      );
    await request(topicContext('CreateTopics (validateOnly)', p), () =>
      admin.createTopics({
        validateOnly: true,
        waitForLeaders: false,
        topics: p.topicsToCreate.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicas,
          configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        })),
      }),
    );
    checked.brokers = brokers.length;
  }
  if (p.partitionIncreases.length > 0)
    await request(topicContext('CreatePartitions (validateOnly)', p), () =>
      admin.createPartitions({
        validateOnly: true,
        topicPartitions: p.partitionIncreases.map((x) => ({ topic: x.topic, count: x.to })),
      }),
    );
  return checked;
}
