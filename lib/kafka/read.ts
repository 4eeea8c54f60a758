// Reads what the planner needs from a cluster: the relevant topics (with dynamic configs only) and
// the ACL bindings in scope, each read filtered on the broker. Thin on purpose: kafkajs calls in,
// ClusterState out.
import type { AclBinding } from '../access/types.js';
import type { ClusterState, TopicState } from './state.js';
import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import { BindingSet } from '../access/binding-set.js';
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
  /** Topics under the prefixes whose ACLs are read although they may not exist yet: those a plan may create. */
  readonly names?: readonly string[];
  /** Prefixes under `topicPrefixes` that the access model writes PREFIXED ACLs on (`shop.orders._public.`). */
  readonly accessPrefixes?: readonly string[];
}

const anyFilter = {
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
};

/**
 * The ACLs in scope: those of `principals` on any resource, plus every ACL that applies to a topic
 * under one of `topicPrefixes` (whoever holds it: grants to other domains and `User:*`), read
 * without fetching the rest of the cluster, so a run costs what its domain holds, not what the
 * cluster holds.
 *
 * DescribeAcls cannot ask "which names start with this" (DescribeAclsRequest.json: one filter per
 * request; KIP-290 pattern types LITERAL, PREFIXED, ANY and MATCH). MATCH on a name answers the
 * other question exactly: every binding that applies to that name, i.e. LITERAL on it, PREFIXED on
 * any prefix of it, and the wildcard (Kafka's ResourcePatternFilter.matches). So one principal
 * filter per principal (every resource type), plus one MATCH per name of `matchCandidates`: each
 * existing topic under the prefixes, each of `names`, and each prefix no such topic lies under.
 * That finds every binding that grants anything on a topic the scope has or will create. A binding
 * under the prefixes that applies to no such name grants nothing while that holds; once a topic it
 * applies to exists, the topic is listed and the next read finds the binding.
 */
export async function readAcls(
  admin: Admin,
  opts: ReadOptions,
  topicsUnderPrefixes?: readonly string[],
): Promise<AclBinding[]> {
  const principals = new Set(opts.principals);
  const inScope = (b: AclBinding) =>
    principals.has(b.principal) ||
    (b.resourceType === 'TOPIC' && opts.topicPrefixes.some((p) => b.resourceName.startsWith(p)));
  const candidates =
    opts.topicPrefixes.length === 0
      ? []
      : matchCandidates(
          [...opts.topicPrefixes, ...(opts.accessPrefixes ?? [])],
          [...(opts.names ?? []), ...(topicsUnderPrefixes ?? (await listTopicsUnder(admin, opts.topicPrefixes)))],
        );
  const results = await Promise.all([
    ...[...principals].map((principal) =>
      admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        ...anyFilter,
      }),
    ),
    ...candidates.map((resourceName) =>
      admin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourcePatternType: ResourcePatternTypes.MATCH,
        resourceName,
        ...anyFilter,
      }),
    ),
  ]);
  const found = new BindingSet();
  const out: AclBinding[] = [];
  for (const r of results)
    for (const b of fromKafkaJsResources(r.resources).bindings) if (inScope(b) && found.add(b)) out.push(b);
  return out;
}

/**
 * The names to MATCH: every topic, and each prefix that no other candidate lies under. MATCH on a
 * name returns the PREFIXED bindings on every prefix of it, so a prefix with a topic (or a longer
 * prefix) under it adds only a LITERAL binding on the prefix itself, i.e. on a topic of that name,
 * which would be listed. The broker scans its whole ACL cache for each DescribeAcls
 * (StandardAuthorizerData.acls), so each name left out is one scan fewer.
 */
export function matchCandidates(prefixes: readonly string[], topics: readonly string[]): string[] {
  const names = new Set(topics);
  const all = [...new Set([...prefixes, ...names])];
  const covered = (p: string) => all.some((other) => other !== p && other.startsWith(p));
  return all.filter((n) => names.has(n) || !covered(n)).sort();
}

/** The names of the topics under the prefixes (Metadata for all topics: Kafka lists no other way). */
export async function listTopicsUnder(admin: Admin, topicPrefixes: readonly string[]): Promise<string[]> {
  return (await admin.listTopics()).filter((t) => topicPrefixes.some((p) => t.startsWith(p))).sort();
}

/** Every ACL binding on the cluster, in one DescribeAcls call with the ANY filter. */
export async function readAllAcls(admin: Admin): Promise<AclBinding[]> {
  const r = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    ...anyFilter,
  });
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
export async function readTopics(
  admin: Admin,
  topicPrefixes: readonly string[],
  topicsUnderPrefixes?: readonly string[],
): Promise<TopicState[]> {
  if (topicPrefixes.length === 0) return [];
  const names = topicsUnderPrefixes ?? (await listTopicsUnder(admin, topicPrefixes));
  if (names.length === 0) return [];
  const [meta, dynamic] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [...names] }),
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

/** The scope's topics and ACLs; the topics are listed once, for both. */
export async function readClusterState(admin: Admin, opts: ReadOptions): Promise<ClusterState> {
  const listed = opts.topicPrefixes.length === 0 ? [] : await listTopicsUnder(admin, opts.topicPrefixes);
  const [topics, acls] = await Promise.all([
    readTopics(admin, opts.topicPrefixes, listed),
    readAcls(admin, opts, listed),
  ]);
  return { topics, acls };
}
