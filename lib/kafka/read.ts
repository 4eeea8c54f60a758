// Reads what the planner needs from a cluster: the relevant topics (with dynamic configs only) and
// the ACL bindings in scope. Thin on purpose: kafkajs calls in, ClusterState out.
import type { AclBinding } from '../access/types.js';
import type { ClusterState, TopicState } from './state.js';
import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import { fromKafkaJsResources } from './acls.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from './kafkajs.js';

/** Kafka's ConfigSource.DYNAMIC_TOPIC_CONFIG: a value set on the topic itself. */
const DYNAMIC_TOPIC_CONFIG = 1;

export interface ReadOptions {
  /** Topics whose names start with one of these (e.g. `shop.orders.`) are read, with their configs. */
  readonly topicPrefixes: readonly string[];
  /** ACL bindings of these principals are read, on any resource. */
  readonly principals: readonly string[];
}

const anyFilter = {
  resourcePatternType: ResourcePatternTypes.ANY,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
};

/**
 * The ACLs in scope: those of `principals` on any resource, plus every ACL on a topic whose name
 * starts with one of `topicPrefixes` (whoever holds it: grants to other domains and `User:*`).
 *
 * DescribeAcls cannot filter by "name starts with" (MATCH answers "which ACLs apply to this one
 * name", not "which names start with this"), so topic ACLs are read in ONE call for all topics and
 * filtered here. Principals are filtered on the broker, one call each, and only when no topic call
 * was made (a topic-only call would miss their group, transactional-id and cluster ACLs, so with
 * prefixes the call covers every resource type instead: still one call).
 */
export async function readAcls(admin: Admin, opts: ReadOptions): Promise<AclBinding[]> {
  const principals = new Set(opts.principals);
  const inScope = (b: AclBinding) =>
    principals.has(b.principal) ||
    (b.resourceType === 'TOPIC' && opts.topicPrefixes.some((p) => b.resourceName.startsWith(p)));
  let found: AclBinding[];
  if (opts.topicPrefixes.length > 0) {
    found = await readAllAcls(admin);
  } else {
    const results = await Promise.all(
      [...principals].map((principal) =>
        admin.describeAcls({ resourceType: AclResourceTypes.ANY, principal, ...anyFilter }),
      ),
    );
    found = results.flatMap((r) => fromKafkaJsResources(r.resources).bindings);
  }
  return found.filter(inScope);
}

/** Every ACL binding on the cluster, in one DescribeAcls call with the ANY filter. */
export async function readAllAcls(admin: Admin): Promise<AclBinding[]> {
  const r = await admin.describeAcls({ resourceType: AclResourceTypes.ANY, ...anyFilter });
  return fromKafkaJsResources(r.resources).bindings;
}

/** The dynamic (set on the topic) configs of these topics, in one DescribeConfigs call. */
export async function readDynamicConfigs(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const dynamic = new Map<string, Record<string, string>>();
  if (topics.length === 0) return dynamic;
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  for (const r of configs.resources) {
    // Kafka's code, name and retriable flag travel with it, so lib/kafka/errors.ts classifies it
    // like any protocol error (UNKNOWN_TOPIC_OR_PARTITION right after a create is transient).
    if (r.errorCode !== 0)
      throw Object.assign(new Error(`DescribeConfigs of topic ${r.resourceName} failed`), {
        ...createErrorFromCode(r.errorCode),
        name: 'KafkaJSProtocolError',
        topic: r.resourceName,
        ...(r.errorMessage ? { brokerMessage: r.errorMessage } : {}),
      });
    const set: Record<string, string> = {};
    for (const e of r.configEntries) {
      if (e.configSource === DYNAMIC_TOPIC_CONFIG && !e.isDefault && e.configValue !== null)
        set[e.configName] = e.configValue;
    }
    dynamic.set(r.resourceName, set);
  }
  return dynamic;
}

/** Topics whose names start with one of the prefixes: partitions, replication factor, dynamic configs. */
export async function readTopics(admin: Admin, topicPrefixes: readonly string[]): Promise<TopicState[]> {
  if (topicPrefixes.length === 0) return [];
  const names = (await admin.listTopics()).filter((t) => topicPrefixes.some((p) => t.startsWith(p))).sort();
  if (names.length === 0) return [];
  const [meta, dynamic] = await Promise.all([
    admin.fetchTopicMetadata({ topics: names }),
    readDynamicConfigs(admin, names),
  ]);
  return meta.topics
    .map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      configs: dynamic.get(t.name) ?? {},
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function readClusterState(admin: Admin, opts: ReadOptions): Promise<ClusterState> {
  const [topics, acls] = await Promise.all([readTopics(admin, opts.topicPrefixes), readAcls(admin, opts)]);
  return { topics, acls };
}
