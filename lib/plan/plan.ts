// The planner: what must change on a cluster so that it matches a set of specs. Pure and fast:
// every comparison goes through Maps keyed by topic name or a BindingSet, never pairwise scans.
//
// Semantics, decided here and relied on by the apply step:
// - Topics are created with the spec's partitions/replicas (the configured defaults when omitted)
//   and configs. Topics are never deleted: a topic in a planned domain's namespace that no spec
//   declares is listed in `orphanTopics`, nothing more.
// - Partitions: a spec that states `partitions` gets an increase when the topic has fewer, and an
//   error (`partition-decrease`) when it has more (Kafka cannot shrink a topic). A spec that omits
//   `partitions` leaves an existing topic's count alone: the default is for creation only, so
//   changing the default never repartitions existing topics (which would re-route keys).
// - Replication factor: a stated `replicas` different from the topic's is an error
//   (`replication-factor-change`: it needs a partition reassignment, not a config change). Omitted: not checked.
// - Configs: the spec's `configs` are the whole desired dynamic config of the topic. `set` holds the
//   keys whose value differs (or is missing), `remove` the dynamic keys the spec does not state.
//   This matches the non-incremental AlterConfigs that kafkajs uses (docs/facts.md#kafkajs), which replaces the
//   topic's dynamic config anyway, and makes the spec the single source of truth for its topics.
// - ACLs: create the desired bindings that are missing; delete bindings in the managed scope of a
//   planned domain (bindings.ts isManagedBy) that are not desired. Nothing outside that scope is
//   ever deleted, whatever the current state holds.
// - Refused domains: a spec with an invalid domain id or grant, a duplicate id, a topic outside its
//   namespace or duplicated, or an id nested in another known id (`a` and `a.b`, see below)
//   contributes nothing: no topics, no bindings to create, and none of its bindings are deleted.
// - Errors block the whole plan: `apply` (and applyPlanToState) refuse a plan with errors.
//   Actions are still listed so that a person sees what the plan would have done.
//
// Nested domain ids. Domain `a` owns the namespace `a.`, which contains every name of domain `a.b`:
// `a`'s PREFIXED `a.` grants would read and write `a.b`'s topics, groups and transactional ids,
// a channel `b/x` of `a` would collide with `a.b`'s namespace, and `a.b`'s protected grants would
// fall in `a`'s managed scope. Dot-terminated prefixes fix `shop.order`/`shop.orders` but cannot fix
// this, so a spec whose id is a dot-prefix of another known id (or has one as its own dot-prefix)
// is refused (`nested-domain`). "Known" means the planned specs plus the domains the current state
// already serves (a principal `User:X` or `User:CN=X` holding TOPIC PREFIXED `X.`), so the rule
// holds even when specs are provisioned one at a time.
import { BindingSet } from '../access/binding-set.js';
import {
  compareBindings,
  desiredBindings,
  domainOfPrincipal,
  inNamespace,
  inStage,
  isValidDomainId,
  managingDomains,
  PUBLIC_GRANT,
} from '../access/bindings.js';
import type { AclBinding } from '../access/types.js';
import type { ProvisionConfig } from '../config.js';
import type { ClusterState, TopicState } from '../kafka/state.js';
import type { DomainSpec } from '../spec/model.js';
import { DOMAIN_ID_PATTERN, MAX_DOMAIN_ID_LENGTH } from '../spec/names.js';
import { isSealBinding } from '../decommission/index.js';

export interface TopicToCreate {
  readonly domain: string;
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface PartitionIncrease {
  readonly domain: string;
  readonly topic: string;
  readonly from: number;
  readonly to: number;
}

export interface ConfigChange {
  readonly domain: string;
  readonly topic: string;
  /** Keys to set, with their desired values (new keys and changed values). */
  readonly set: Readonly<Record<string, string>>;
  /** Dynamic keys the spec does not state, to remove (back to the broker default). */
  readonly remove: readonly string[];
}

export type PlanRule =
  | 'domain-id'
  | 'grant-id'
  | 'duplicate-domain'
  | 'nested-domain'
  | 'topic-outside-domain'
  | 'topic-name'
  | 'duplicate-topic'
  | 'topic-settings'
  | 'partition-decrease'
  | 'replication-factor-change'
  | 'mass-deletion';

export interface PlanError {
  readonly domain: string;
  readonly rule: PlanRule;
  readonly message: string;
  readonly topic?: string;
}

export interface PlanSummary {
  /** Domains planned (specs accepted). */
  readonly domains: number;
  /** Domains refused by a spec-set rule (they contribute nothing to the plan). */
  readonly refusedDomains: number;
  readonly topicsToCreate: number;
  readonly partitionIncreases: number;
  readonly configChanges: number;
  readonly aclsToCreate: number;
  readonly aclsToDelete: number;
  readonly errors: number;
  readonly orphanTopics: number;
}

export interface Plan {
  /** The planned domains, sorted. */
  readonly domains: readonly string[];
  readonly topicsToCreate: readonly TopicToCreate[];
  readonly partitionIncreases: readonly PartitionIncrease[];
  readonly configChanges: readonly ConfigChange[];
  /** In desiredBindings order. */
  readonly aclsToCreate: readonly AclBinding[];
  /** Sorted by compareBindings. */
  readonly aclsToDelete: readonly AclBinding[];
  readonly errors: readonly PlanError[];
  /** Topics in a planned domain's namespace that no spec declares (never deleted; for information). */
  readonly orphanTopics: readonly string[];
  readonly summary: PlanSummary;
}

export interface PlanOptions {
  /** Override the mass-deletion guard. */
  readonly force?: boolean;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Domains the cluster already serves: `X` when `User:X` or `User:CN=X` holds an ALLOW on TOPIC PREFIXED `X.`. */
export function knownDomains(state: ClusterState): Set<string> {
  const out = new Set<string>();
  for (const b of state.acls) {
    if (b.resourceType !== 'TOPIC' || b.patternType !== 'PREFIXED' || b.permission !== 'ALLOW') continue;
    const d = domainOfPrincipal(b.principal);
    if (d !== undefined && b.resourceName === `${d}.`) out.add(d);
  }
  return out;
}

/** The proper dot-prefixes of an id: `a.b.c` → `a`, `a.b`. */
function dotPrefixes(id: string): string[] {
  const out: string[] = [];
  for (let i = id.indexOf('.'); i >= 0; i = id.indexOf('.', i + 1)) if (i > 0) out.push(id.slice(0, i));
  return out;
}

function isPositiveInt(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

/**
 * Spec-set rules (ids, grants, duplicates, nesting, topic names). Returns the errors; a domain named
 * in any of them is refused as a whole.
 */
export function checkSpecSet(
  specs: readonly DomainSpec[],
  current: ClusterState,
  _config: ProvisionConfig,
): PlanError[] {
  const errors: PlanError[] = [];
  const count = new Map<string, number>();
  for (const s of specs) count.set(s.domain, (count.get(s.domain) ?? 0) + 1);

  const known = knownDomains(current);
  for (const s of specs) if (isValidDomainId(s.domain)) known.add(s.domain);
  // Every proper dot-prefix of a known id, with one id that has it.
  const nestedUnder = new Map<string, string>();
  for (const id of known) for (const p of dotPrefixes(id)) if (!nestedUnder.has(p)) nestedUnder.set(p, id);

  const reportedDup = new Set<string>();
  for (const s of specs) {
    const d = s.domain;
    if (!isValidDomainId(d)) {
      errors.push({
        domain: d,
        rule: 'domain-id',
        message: `domain id ${JSON.stringify(d)} must match ${DOMAIN_ID_PATTERN.source} and be at most ${MAX_DOMAIN_ID_LENGTH} characters (${s.source})`,
      });
      continue;
    }
    if ((count.get(d) ?? 0) > 1 && !reportedDup.has(d)) {
      reportedDup.add(d);
      const sources = specs.filter((o) => o.domain === d).map((o) => o.source);
      errors.push({
        domain: d,
        rule: 'duplicate-domain',
        message: `domain ${d} is declared by ${sources.length} specs (${sources.join(', ')}); one spec per domain`,
      });
    }
    const parent = dotPrefixes(d).find((p) => known.has(p));
    if (parent !== undefined) {
      errors.push({
        domain: d,
        rule: 'nested-domain',
        message: `domain ${d} lies inside the namespace of domain ${parent} (${parent}. is a prefix of ${d}.): ${parent} would get access to all of ${d}'s topics, groups and transactional ids; choose an id that is not under another domain's id`,
      });
    }
    const child = nestedUnder.get(d);
    if (child !== undefined) {
      errors.push({
        domain: d,
        rule: 'nested-domain',
        message: `domain ${child} lies inside the namespace of ${d} (${d}. is a prefix of ${child}.): ${d} would get access to all of ${child}'s topics, groups and transactional ids; domain ids must not be dot-prefixes of each other`,
      });
    }
    const seenTopics = new Set<string>();
    for (const t of s.owned) {
      if (!inNamespace(t.name, d)) {
        errors.push({
          domain: d,
          rule: 'topic-outside-domain',
          topic: t.name,
          message: `topic ${t.name} (${t.path}) is not under ${d}.`,
        });
      } else if (!TOPIC_NAME.test(t.name)) {
        errors.push({
          domain: d,
          rule: 'topic-name',
          topic: t.name,
          message: `topic ${t.name} (${t.path}) is not a legal Kafka topic name ([a-zA-Z0-9._-], at most 249 characters)`,
        });
      }
      if (seenTopics.has(t.name)) {
        errors.push({
          domain: d,
          rule: 'duplicate-topic',
          topic: t.name,
          message: `topic ${t.name} is declared by more than one channel of ${d} (${t.path})`,
        });
      }
      seenTopics.add(t.name);
      if (
        (t.partitions !== undefined && !isPositiveInt(t.partitions)) ||
        (t.replicas !== undefined && !isPositiveInt(t.replicas))
      ) {
        errors.push({
          domain: d,
          rule: 'topic-settings',
          topic: t.name,
          message: `topic ${t.name} (${t.path}): partitions and replicas must be positive integers`,
        });
      }
      for (const g of t.grants) {
        if (g !== PUBLIC_GRANT && !isValidDomainId(g)) {
          errors.push({
            domain: d,
            rule: 'grant-id',
            topic: t.name,
            message: `topic ${t.name} (${t.path}) grants access to ${JSON.stringify(g)}, which is not a valid domain id`,
          });
        }
      }
    }
  }
  return errors;
}

function diffConfigs(
  desired: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>>,
): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) if (current[k] !== v) set[k] = v;
  const remove = Object.keys(current)
    .filter((k) => !Object.hasOwn(desired, k))
    .sort();
  return { set, remove };
}

/** Plan the changes that make `current` match `specs` (see the header for the semantics). */
export function plan(
  specs: readonly DomainSpec[],
  current: ClusterState,
  config: ProvisionConfig,
  opts: PlanOptions = {},
): Plan {
  const errors: PlanError[] = checkSpecSet(specs, current, config);
  const refused = new Set(errors.map((e) => e.domain));
  const accepted = specs.filter((s) => !refused.has(s.domain)).sort((a, b) => cmpStr(a.domain, b.domain));
  const planned = new Set(accepted.map((s) => s.domain));

  // --- topics
  const currentTopics = new Map<string, TopicState>();
  for (const t of current.topics) currentTopics.set(t.name, t);
  const topicsToCreate: TopicToCreate[] = [];
  const partitionIncreases: PartitionIncrease[] = [];
  const configChanges: ConfigChange[] = [];
  const declared = new Set<string>();
  for (const s of accepted) {
    const topics = s.owned.filter((t) => inStage(t, config)).sort((a, b) => cmpStr(a.name, b.name));
    for (const t of topics) {
      declared.add(t.name);
      const cur = currentTopics.get(t.name);
      if (!cur) {
        topicsToCreate.push({
          domain: s.domain,
          name: t.name,
          partitions: t.partitions ?? config.defaultPartitions,
          replicas: t.replicas ?? config.defaultReplicas,
          configs: { ...t.configs },
        });
        continue;
      }
      if (t.partitions !== undefined && t.partitions > cur.partitions) {
        partitionIncreases.push({ domain: s.domain, topic: t.name, from: cur.partitions, to: t.partitions });
      } else if (t.partitions !== undefined && t.partitions < cur.partitions) {
        errors.push({
          domain: s.domain,
          rule: 'partition-decrease',
          topic: t.name,
          message: `topic ${t.name} has ${cur.partitions} partitions and the spec asks for ${t.partitions} (${t.path}); Kafka cannot decrease partitions: raise the spec to ${cur.partitions} or create a new topic`,
        });
      }
      if (t.replicas !== undefined && t.replicas !== cur.replicationFactor) {
        errors.push({
          domain: s.domain,
          rule: 'replication-factor-change',
          topic: t.name,
          message: `topic ${t.name} has replication factor ${cur.replicationFactor} and the spec asks for ${t.replicas} (${t.path}); changing it needs a partition reassignment, which the pipeline does not do`,
        });
      }
      const { set, remove } = diffConfigs(t.configs, cur.configs);
      if (remove.length > 0 || Object.keys(set).length > 0)
        configChanges.push({ domain: s.domain, topic: t.name, set, remove });
    }
  }
  const orphanTopics: string[] = [];
  for (const t of current.topics) {
    if (declared.has(t.name)) continue;
    if (dotPrefixes(t.name).some((p) => planned.has(p))) orphanTopics.push(t.name);
  }
  orphanTopics.sort(cmpStr);

  // --- ACLs
  const desired = desiredBindings(accepted, config);
  const desiredSet = new BindingSet(desired);
  const currentSet = new BindingSet();
  const aclsToDelete: AclBinding[] = [];
  const managed = new Map<string, number>();
  const deleting = new Map<string, number>();
  for (const b of current.acls) {
    if (!currentSet.add(b)) continue; // a duplicate in the input
    const owners = managingDomains(b, planned, config);
    if (owners.length === 0) continue;
    const keep = desiredSet.has(b);
    // A decommission seal (lib/decommission) grants nothing: removing it when the spec returns is
    // not a loss of access, so it does not count towards the mass-deletion guard.
    if (isSealBinding(b)) {
      if (!keep) aclsToDelete.push(b);
      continue;
    }
    for (const d of owners) {
      managed.set(d, (managed.get(d) ?? 0) + 1);
      if (!keep) deleting.set(d, (deleting.get(d) ?? 0) + 1);
    }
    if (!keep) aclsToDelete.push(b);
  }
  aclsToDelete.sort(compareBindings);
  const aclsToCreate = desired.filter((b) => !currentSet.has(b));

  // --- mass-deletion guard
  if (!opts.force) {
    for (const d of [...deleting.keys()].sort(cmpStr)) {
      const del = deleting.get(d) ?? 0;
      const total = managed.get(d) ?? 0;
      if (total > 0 && del / total > config.maxDeleteShare) {
        errors.push({
          domain: d,
          rule: 'mass-deletion',
          message: `the plan deletes ${del} of the ${total} ACL bindings managed for ${d} (${Math.round((100 * del) / total)}%, more than the allowed ${Math.round(100 * config.maxDeleteShare)}%); check the spec, then re-run with force to accept`,
        });
      }
    }
  }

  return {
    domains: accepted.map((s) => s.domain),
    topicsToCreate,
    partitionIncreases,
    configChanges,
    aclsToCreate,
    aclsToDelete,
    errors,
    orphanTopics,
    summary: {
      domains: accepted.length,
      refusedDomains: refused.size,
      topicsToCreate: topicsToCreate.length,
      partitionIncreases: partitionIncreases.length,
      configChanges: configChanges.length,
      aclsToCreate: aclsToCreate.length,
      aclsToDelete: aclsToDelete.length,
      errors: errors.length,
      orphanTopics: orphanTopics.length,
    },
  };
}

/**
 * True when there is nothing to do and nothing wrong: no topic, partition, config or ACL change and
 * no error. (A plan with errors alone is not empty: it must not be reported as "no changes".)
 */
export function isEmptyPlan(p: Plan): boolean {
  return (
    p.errors.length === 0 &&
    p.topicsToCreate.length === 0 &&
    p.partitionIncreases.length === 0 &&
    p.configChanges.length === 0 &&
    p.aclsToCreate.length === 0 &&
    p.aclsToDelete.length === 0
  );
}

/**
 * The cluster state after applying a plan, as the apply step would leave it (pure). Refuses a plan
 * with errors, as apply does.
 */
export function applyPlanToState(state: ClusterState, p: Plan): ClusterState {
  if (p.errors.length > 0) {
    throw new Error(
      `refusing to apply a plan with ${p.errors.length} error(s): ${p.errors.map((e) => `${e.domain}: ${e.rule}`).join('; ')}`,
    );
  }
  const topics = new Map<string, TopicState>();
  for (const t of state.topics) topics.set(t.name, t);
  for (const inc of p.partitionIncreases) {
    const t = topics.get(inc.topic);
    if (t) topics.set(inc.topic, { ...t, partitions: inc.to });
  }
  for (const ch of p.configChanges) {
    const t = topics.get(ch.topic);
    if (!t) continue;
    const configs: Record<string, string> = { ...t.configs, ...ch.set };
    for (const k of ch.remove) delete configs[k];
    topics.set(ch.topic, { ...t, configs });
  }
  for (const c of p.topicsToCreate) {
    if (!topics.has(c.name))
      topics.set(c.name, {
        name: c.name,
        partitions: c.partitions,
        replicationFactor: c.replicas,
        configs: { ...c.configs },
      });
  }
  const deleted = new BindingSet(p.aclsToDelete);
  const acls: AclBinding[] = [];
  const seen = new BindingSet();
  for (const b of [...state.acls, ...p.aclsToCreate]) if (!deleted.has(b) && seen.add(b)) acls.push(b);
  return { topics: [...topics.values()], acls };
}
