// Applies a plan (lib/plan/plan.ts) to a cluster with kafkajs: one call per kind of change.
// Order: topics, partitions, configs, then new ACLs before removed ones, so that a binding being
// replaced (say LITERAL by PREFIXED) never leaves a window without access.
import type { AclBinding } from '../access/types.js';
import { exactFilter, toKafkaJsAcl } from './acls.js';
import { ConfigResourceTypes, type Admin } from './kafkajs.js';

/** The parts of lib/plan/plan.ts's Plan this adapter reads (structural, so the planner owns the type). */
export interface ApplicablePlan {
  readonly topicsToCreate: readonly {
    readonly name: string;
    readonly partitions: number;
    readonly replicas: number;
    readonly configs: Readonly<Record<string, string>>;
  }[];
  readonly partitionIncreases: readonly { readonly topic: string; readonly from: number; readonly to: number }[];
  readonly configChanges: readonly {
    readonly topic: string;
    readonly set: Readonly<Record<string, string>>;
    readonly remove: readonly string[];
  }[];
  readonly aclsToCreate: readonly AclBinding[];
  readonly aclsToDelete: readonly AclBinding[];
}

export interface ApplyResult {
  readonly topicsCreated: number;
  readonly partitionsIncreased: number;
  readonly configsAltered: number;
  readonly aclsCreated: number;
  readonly aclsDeleted: number;
}

const DYNAMIC_TOPIC_CONFIG = 1;

/**
 * kafkajs only has the legacy AlterConfigs API, which REPLACES a topic's whole dynamic config: a
 * request with just the changed keys would silently drop every other override. So the current
 * dynamic configs are read first, the change is applied to them, and the complete result is sent.
 * (IncrementalAlterConfigs would avoid the read; a client that has it can drop this step.)
 */
async function alterTopicConfigs(admin: Admin, changes: ApplicablePlan['configChanges']): Promise<number> {
  if (changes.length === 0) return 0;
  const current = await admin.describeConfigs({
    includeSynonyms: false,
    resources: changes.map((c) => ({ type: ConfigResourceTypes.TOPIC, name: c.topic })),
  });
  const byTopic = new Map<string, Record<string, string>>();
  for (const r of current.resources) {
    if (r.errorCode !== 0) throw new Error(`describing configs of topic ${r.resourceName} failed: error ${r.errorCode} ${r.errorMessage ?? ''}`);
    const set: Record<string, string> = {};
    for (const e of r.configEntries) {
      if (e.configSource === DYNAMIC_TOPIC_CONFIG && !e.isDefault && e.configValue !== null) set[e.configName] = e.configValue;
    }
    byTopic.set(r.resourceName, set);
  }
  await admin.alterConfigs({
    validateOnly: false,
    resources: changes.map((c) => {
      const next = { ...(byTopic.get(c.topic) ?? {}), ...c.set };
      for (const k of c.remove) delete next[k];
      return {
        type: ConfigResourceTypes.TOPIC,
        name: c.topic,
        configEntries: Object.entries(next).map(([name, value]) => ({ name, value })),
      };
    }),
  });
  return changes.length;
}

export async function applyPlan(admin: Admin, plan: ApplicablePlan): Promise<ApplyResult> {
  if (plan.topicsToCreate.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: plan.topicsToCreate.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicas,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  if (plan.partitionIncreases.length > 0) {
    await admin.createPartitions({ topicPartitions: plan.partitionIncreases.map((p) => ({ topic: p.topic, count: p.to })) });
  }
  const configsAltered = await alterTopicConfigs(admin, plan.configChanges);
  if (plan.aclsToCreate.length > 0) await admin.createAcls({ acl: plan.aclsToCreate.map(toKafkaJsAcl) });
  if (plan.aclsToDelete.length > 0) await admin.deleteAcls({ filters: plan.aclsToDelete.map(exactFilter) });
  return {
    topicsCreated: plan.topicsToCreate.length,
    partitionsIncreased: plan.partitionIncreases.length,
    configsAltered,
    aclsCreated: plan.aclsToCreate.length,
    aclsDeleted: plan.aclsToDelete.length,
  };
}
