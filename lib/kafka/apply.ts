// Applies a plan (lib/plan/plan.ts) to a cluster with kafkajs: one call per kind of change.
// Order: topics, partitions, configs, then new ACLs before removed ones, so that a binding being
// replaced (say LITERAL by PREFIXED) never leaves a window without access.
import type { AclBinding } from '../access/types.js';
import { exactFilter, toKafkaJsAcl } from './acls.js';
import { ConfigResourceTypes, type Admin } from './kafkajs.js';
import { classifyKafkaError, KafkaWaitTimeout, type RequestContext } from './errors.js';
import { readDynamicConfigs } from './read.js';

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

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * kafkajs only has the legacy AlterConfigs API, which REPLACES a topic's whole dynamic config: a
 * request with just the changed keys would silently drop every other override. So the current
 * dynamic configs are read first, the change is applied to them, and the complete result is sent.
 * (IncrementalAlterConfigs would avoid the read; a client that has it can drop this step.)
 */
async function alterTopicConfigs(admin: Admin, changes: ApplicablePlan['configChanges']): Promise<number> {
  if (changes.length === 0) return 0;
  const byTopic = await readDynamicConfigs(
    admin,
    changes.map((c) => c.topic),
  );
  const wanted = new Map(
    changes.map((c) => {
      const next: Record<string, string> = { ...(byTopic.get(c.topic) ?? {}), ...c.set };
      for (const k of c.remove) delete next[k];
      return [c.topic, next] as const;
    }),
  );
  const ctx: RequestContext = {
    operation: 'AlterConfigs',
    topics: new Map([...wanted].map(([topic, configs]) => [topic, { configs }] as const)),
  };
  await request(ctx, () =>
    admin.alterConfigs({
      validateOnly: false,
      resources: [...wanted].map(([name, next]) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configEntries: Object.entries(next).map(([k, value]) => ({ name: k, value })),
      })),
    }),
  );
  await until('the new topic configs', async () => {
    const now = await readDynamicConfigs(admin, [...wanted.keys()]);
    return [...wanted].every(([topic, next]) => sameRecord(now.get(topic) ?? {}, next));
  });
  return changes.length;
}

// KRaft brokers apply metadata (topics, partitions, configs, ACLs) asynchronously after the
// controller commits it: a read or a client right after the admin call can still see the old state.
// applyPlan therefore waits until the broker shows each change, so "applied" means "in force".
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  check: () => Promise<boolean>,
  retriable: (e: unknown) => boolean = () => false,
  attempts = 60,
): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      if (await check()) return;
    } catch (e) {
      if (i >= attempts || !retriable(e)) throw e;
    }
    // Typed and retriable: the change was accepted and may still land; a retried apply re-plans.
    if (i >= attempts) throw new KafkaWaitTimeout(what);
    await sleep(Math.min(25 * i, 500));
  }
}

const metadataLag = (e: unknown) => {
  const type = (e as { type?: string }).type;
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE';
};

/** New topics (or more partitions) visible with leaders. kafkajs' waitForLeaders does not retry UNKNOWN_TOPIC_OR_PARTITION. */
async function waitForPartitions(admin: Admin, want: ReadonlyMap<string, number>): Promise<void> {
  if (want.size === 0) return;
  await until(
    `topics ${[...want.keys()].join(', ')}`,
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...want.keys()] });
      return topics.every(
        (t) => t.partitions.length >= (want.get(t.name) ?? 0) && t.partitions.every((p) => p.leader >= 0),
      );
    },
    metadataLag,
  );
}

const aclText = (b: AclBinding) => `${b.principal} ${b.operation} ${b.resourceType}:${b.patternType}:${b.resourceName}`;

/** One binding present (or gone). ACL records of one request are applied in order, so checking the last one suffices. */
async function waitForAcl(admin: Admin, b: AclBinding, present: boolean): Promise<void> {
  await until(
    `ACL ${b.principal} ${b.operation} ${b.resourceType}:${b.resourceName} ${present ? 'created' : 'deleted'}`,
    async () => {
      const r = await admin.describeAcls(exactFilter(b));
      const found = r.resources.some((res) => res.acls.length > 0);
      return found === present;
    },
  );
}

/** Runs one admin request; a failure is classified with what was asked, so it names topic, setting and value. */
export async function request<T>(ctx: RequestContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw classifyKafkaError(e, ctx);
  }
}

/** The per-topic context of a plan's topic changes, for error messages. */
export function topicContext(
  operation: string,
  plan: Pick<ApplicablePlan, 'topicsToCreate' | 'partitionIncreases'>,
): RequestContext {
  return {
    operation,
    topics: new Map([
      ...plan.topicsToCreate.map(
        (t) => [t.name, { partitions: t.partitions, replicas: t.replicas, configs: t.configs }] as const,
      ),
      ...plan.partitionIncreases.map((p) => [p.topic, { partitions: p.to }] as const),
    ]),
  };
}

export async function applyPlan(admin: Admin, plan: ApplicablePlan): Promise<ApplyResult> {
  if (plan.topicsToCreate.length > 0) {
    await request(topicContext('CreateTopics', plan), () =>
      admin.createTopics({
        waitForLeaders: false,
        topics: plan.topicsToCreate.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicas,
          configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        })),
      }),
    );
  }
  if (plan.partitionIncreases.length > 0) {
    await request(topicContext('CreatePartitions', plan), () =>
      admin.createPartitions({
        topicPartitions: plan.partitionIncreases.map((p) => ({ topic: p.topic, count: p.to })),
      }),
    );
  }
  await waitForPartitions(
    admin,
    new Map([
      ...plan.topicsToCreate.map((t) => [t.name, t.partitions] as const),
      ...plan.partitionIncreases.map((p) => [p.topic, p.to] as const),
    ]),
  );
  const configsAltered = await alterTopicConfigs(admin, plan.configChanges);
  const lastCreate = plan.aclsToCreate.at(-1);
  if (lastCreate) {
    await request(
      { operation: `CreateAcls (${plan.aclsToCreate.length} bindings, first ${aclText(plan.aclsToCreate[0]!)})` },
      () => admin.createAcls({ acl: plan.aclsToCreate.map(toKafkaJsAcl) }),
    );
    await waitForAcl(admin, lastCreate, true);
  }
  const lastDelete = plan.aclsToDelete.at(-1);
  if (lastDelete) {
    await request(
      { operation: `DeleteAcls (${plan.aclsToDelete.length} bindings, first ${aclText(plan.aclsToDelete[0]!)})` },
      () => admin.deleteAcls({ filters: plan.aclsToDelete.map(exactFilter) }),
    );
    await waitForAcl(admin, lastDelete, false);
  }
  return {
    topicsCreated: plan.topicsToCreate.length,
    partitionsIncreased: plan.partitionIncreases.length,
    configsAltered,
    aclsCreated: plan.aclsToCreate.length,
    aclsDeleted: plan.aclsToDelete.length,
  };
}
