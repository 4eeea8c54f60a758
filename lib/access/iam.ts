// The access model (docs/architecture.md#access-model) translated into IAM, for clients that
// authenticate to MSK with IAM: Kafka ACLs have no effect on them, MSK authorizes each of their
// requests by IAM policy alone (Amazon MSK Developer Guide, "IAM access control",
// https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html).
//
// The translation starts from the ACL bindings `desiredBindings` gives for the same specs and
// config, so there is one access model and IAM cannot drift from it:
// - a binding of `User:D` or `User:CN=D` goes to domain D's policies; a binding of `User:*` (the
//   public rows) goes to the policies of every domain in the spec set, since IAM has no wildcard
//   principal: the public topics reach every domain the pipeline manages, and no other IAM
//   principal (see docs/architecture.md#iam-access);
// - each operation becomes the MSK action of the table below, plus the DESCRIBE that Kafka implies
//   for READ, WRITE, DELETE and ALTER and that IAM does not (ReadData does not allow DescribeTopic);
// - LITERAL `N` becomes the ARN of `N`; PREFIXED `P` becomes the ARN of `P` followed by `*`.
//
// Why a trailing `*` widens nothing: in an IAM ARN pattern `*` matches any characters, `/` and `.`
// included (IAM User Guide, "IAM JSON policy elements: Resource"), but here it comes only after the
// literal `arn:…:topic/<cluster>/<uuid>/P`, so `…/P*` matches exactly the names that start with P:
// Kafka's PREFIXED rule (KIP-290). Every prefix the access model writes ends in `.` (`shop.order.`
// never matches `shop.orders.x`), and a name holding a keyword in a later segment
// (`x._private._public.y`) matches only the prefixes of its own first segments, as under ACLs. No
// pattern here ever starts or continues with a wildcard, and a name with `*`, `?` or `$` (IAM's
// wildcards and policy variables) is refused: Kafka names cannot hold them and domain ids cannot.
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec } from '../spec/model.js';
import { desiredBindings, domainOfPrincipal, WILDCARD_PRINCIPAL } from './bindings.js';
import type { AclBinding, Operation, ResourceType } from './types.js';

// ---- MSK's IAM actions ----------------------------------------------------------------------

/**
 * Kafka's operation on a resource → the MSK IAM action that authorizes it, and the actions MSK says
 * it needs besides (Amazon MSK Developer Guide, "Semantics of IAM authorization policy actions and
 * resources", https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html: the
 * "Description" column names the equivalent Kafka ACL, the "Required actions" column the
 * dependencies). Every action also needs kafka-cluster:Connect on the cluster.
 *
 * | action                               | Kafka ACL                  | required actions                                 | resource         |
 * | ------------------------------------ | -------------------------- | ------------------------------------------------ | ---------------- |
 * | Connect                              | (connect, authenticate)    | none                                             | cluster          |
 * | DescribeCluster                      | DESCRIBE CLUSTER           | Connect                                          | cluster          |
 * | AlterCluster                         | ALTER CLUSTER              | Connect, DescribeCluster                         | cluster          |
 * | DescribeClusterDynamicConfiguration  | DESCRIBE_CONFIGS CLUSTER   | Connect                                          | cluster          |
 * | AlterClusterDynamicConfiguration     | ALTER_CONFIGS CLUSTER      | Connect, DescribeClusterDynamicConfiguration     | cluster          |
 * | WriteDataIdempotently                | IDEMPOTENT_WRITE CLUSTER   | Connect, WriteData                               | cluster          |
 * | CreateTopic                          | CREATE TOPIC               | Connect                                          | topic            |
 * | DescribeTopic                        | DESCRIBE TOPIC             | Connect                                          | topic            |
 * | AlterTopic                           | ALTER TOPIC                | Connect, DescribeTopic                           | topic            |
 * | DeleteTopic                          | DELETE TOPIC               | Connect, DescribeTopic                           | topic            |
 * | DescribeTopicDynamicConfiguration    | DESCRIBE_CONFIGS TOPIC     | Connect                                          | topic            |
 * | AlterTopicDynamicConfiguration       | ALTER_CONFIGS TOPIC        | Connect, DescribeTopicDynamicConfiguration       | topic            |
 * | ReadData                             | READ TOPIC                 | Connect, DescribeTopic, AlterGroup               | topic            |
 * | WriteData                            | WRITE TOPIC                | Connect, DescribeTopic                           | topic            |
 * | DescribeGroup                        | DESCRIBE GROUP             | Connect                                          | group            |
 * | AlterGroup                           | READ GROUP (join a group)  | Connect, DescribeGroup                           | group            |
 * | DeleteGroup                          | DELETE GROUP               | Connect, DescribeGroup                           | group            |
 * | DescribeTransactionalId              | DESCRIBE TRANSACTIONAL_ID  | Connect                                          | transactional-id |
 * | AlterTransactionalId                 | WRITE TRANSACTIONAL_ID     | Connect, DescribeTransactionalId, WriteData      | transactional-id |
 *
 * Resource ARNs (same page, "Resources"): `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`,
 * `…:topic/<name>/<uuid>/<topic>`, `…:group/<name>/<uuid>/<group>`,
 * `…:transactional-id/<name>/<uuid>/<id>`.
 */
export const MSK_ACTIONS: Readonly<Record<ResourceType, Partial<Record<Operation, string>>>> = {
  CLUSTER: {
    DESCRIBE: 'kafka-cluster:DescribeCluster',
    ALTER: 'kafka-cluster:AlterCluster',
    DESCRIBE_CONFIGS: 'kafka-cluster:DescribeClusterDynamicConfiguration',
    ALTER_CONFIGS: 'kafka-cluster:AlterClusterDynamicConfiguration',
    IDEMPOTENT_WRITE: 'kafka-cluster:WriteDataIdempotently',
  },
  TOPIC: {
    CREATE: 'kafka-cluster:CreateTopic',
    DESCRIBE: 'kafka-cluster:DescribeTopic',
    ALTER: 'kafka-cluster:AlterTopic',
    DELETE: 'kafka-cluster:DeleteTopic',
    DESCRIBE_CONFIGS: 'kafka-cluster:DescribeTopicDynamicConfiguration',
    ALTER_CONFIGS: 'kafka-cluster:AlterTopicDynamicConfiguration',
    READ: 'kafka-cluster:ReadData',
    WRITE: 'kafka-cluster:WriteData',
  },
  GROUP: {
    DESCRIBE: 'kafka-cluster:DescribeGroup',
    READ: 'kafka-cluster:AlterGroup',
    DELETE: 'kafka-cluster:DeleteGroup',
  },
  TRANSACTIONAL_ID: {
    DESCRIBE: 'kafka-cluster:DescribeTransactionalId',
    WRITE: 'kafka-cluster:AlterTransactionalId',
  },
};

export const CONNECT = 'kafka-cluster:Connect';

/** The "Required actions" column of the table above (Connect left out: every action needs it). */
export const MSK_REQUIRED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'kafka-cluster:AlterCluster': ['kafka-cluster:DescribeCluster'],
  'kafka-cluster:AlterClusterDynamicConfiguration': ['kafka-cluster:DescribeClusterDynamicConfiguration'],
  'kafka-cluster:WriteDataIdempotently': ['kafka-cluster:WriteData'],
  'kafka-cluster:AlterTopic': ['kafka-cluster:DescribeTopic'],
  'kafka-cluster:DeleteTopic': ['kafka-cluster:DescribeTopic'],
  'kafka-cluster:AlterTopicDynamicConfiguration': ['kafka-cluster:DescribeTopicDynamicConfiguration'],
  'kafka-cluster:ReadData': ['kafka-cluster:DescribeTopic', 'kafka-cluster:AlterGroup'],
  'kafka-cluster:WriteData': ['kafka-cluster:DescribeTopic'],
  'kafka-cluster:AlterGroup': ['kafka-cluster:DescribeGroup'],
  'kafka-cluster:DeleteGroup': ['kafka-cluster:DescribeGroup'],
  'kafka-cluster:AlterTransactionalId': ['kafka-cluster:DescribeTransactionalId', 'kafka-cluster:WriteData'],
};

/** The MSK action for a Kafka operation on a resource type, or undefined when MSK has none. */
export function mskAction(resourceType: ResourceType, operation: Operation): string | undefined {
  return MSK_ACTIONS[resourceType][operation];
}

// Kafka's implied DESCRIBE (StandardAuthorizer; docs/facts.md#apache-kafka), which IAM lacks.
const IMPLIES_DESCRIBE: ReadonlySet<Operation> = new Set(['READ', 'WRITE', 'DELETE', 'ALTER']);

// ---- the cluster and its resource ARNs ------------------------------------------------------

export interface MskCluster {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
  readonly uuid: string;
}

export class IamPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IamPolicyError';
  }
}

// MSK cluster names: 1-64 of [0-9A-Za-z-], starting alphanumeric (MSK API Reference, CreateCluster
// ClusterName); the uuid part is MSK's generated id (`<uuid>-<n>`). Neither may hold a wildcard.
const CLUSTER_ARN =
  /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([0-9A-Za-z][0-9A-Za-z-]{0,63})\/([0-9A-Za-z-]+)$/;

/** Parses `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`; throws IamPolicyError otherwise. */
export function parseClusterArn(arn: string): MskCluster {
  const m = CLUSTER_ARN.exec(arn.trim());
  if (!m) {
    throw new IamPolicyError(
      `not an MSK cluster ARN: ${JSON.stringify(arn)} (expected arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)`,
    );
  }
  const [, partition, region, account, name, uuid] = m as unknown as [string, string, string, string, string, string];
  return { arn: arn.trim(), partition, region, account, name, uuid };
}

const ARN_TYPE: Readonly<Record<Exclude<ResourceType, 'CLUSTER'>, string>> = {
  TOPIC: 'topic',
  GROUP: 'group',
  TRANSACTIONAL_ID: 'transactional-id',
};

/** The ARN MSK authorizes a request on: the cluster, or `<type>/<name>/<uuid>/<resource name>`. */
export function resourceArn(cluster: MskCluster, resourceType: ResourceType, name: string): string {
  if (resourceType === 'CLUSTER') return cluster.arn;
  const c = cluster;
  return `arn:${c.partition}:kafka:${c.region}:${c.account}:${ARN_TYPE[resourceType]}/${c.name}/${c.uuid}/${name}`;
}

// Kafka topic names are [a-zA-Z0-9._-]; groups and transactional ids are free text, but the access
// model only ever names domain prefixes for them. Anything with an IAM wildcard (`*`, `?`) or a
// policy variable (`$`) would widen the pattern, and is refused.
const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

/** The IAM resource pattern of an ACL resource pattern: LITERAL `N` → ARN of N, PREFIXED `P` → ARN of P + `*`. */
export function resourcePattern(
  cluster: MskCluster,
  b: Pick<AclBinding, 'resourceType' | 'patternType' | 'resourceName'>,
): string {
  if (b.resourceType === 'CLUSTER') return cluster.arn;
  if (!SAFE_NAME.test(b.resourceName)) {
    throw new IamPolicyError(
      `cannot translate ${b.patternType} ${b.resourceType} ${JSON.stringify(b.resourceName)} into IAM: only [A-Za-z0-9._-] is safe in an ARN pattern`,
    );
  }
  const arn = resourceArn(cluster, b.resourceType, b.resourceName);
  return b.patternType === 'PREFIXED' ? `${arn}*` : arn;
}

// ---- policy documents ----------------------------------------------------------------------

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
}

export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamStatement[];
}

/** What IAM counts against the managed-policy size limit: the characters of the JSON, whitespace excluded. */
export function policyChars(doc: unknown): number {
  return JSON.stringify(doc).replace(/\s/g, '').length;
}

/**
 * AWS's limits (IAM User Guide, "IAM and AWS STS quotas"): a managed policy holds at most 6,144
 * characters, whitespace not counted; a role has at most 10 managed policies attached by default,
 * 20 with a quota increase.
 */
export interface IamLimits {
  readonly maxPolicyChars: number;
  readonly maxPolicies: number;
}

export const DEFAULT_IAM_LIMITS: IamLimits = { maxPolicyChars: 6144, maxPolicies: 10 };

/** One grant of access before it becomes a statement: a resource pattern and its actions. */
interface Grant {
  readonly resourceType: ResourceType;
  readonly patternType: AclBinding['patternType'];
  readonly resourceName: string;
  readonly actions: Set<string>;
}

const TYPE_ORDER: Readonly<Record<ResourceType, number>> = { CLUSTER: 0, TOPIC: 1, GROUP: 2, TRANSACTIONAL_ID: 3 };
const TYPE_SID: Readonly<Record<ResourceType, string>> = {
  CLUSTER: 'Cluster',
  TOPIC: 'Topic',
  GROUP: 'Group',
  TRANSACTIONAL_ID: 'TransactionalId',
};
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
// `kafka-cluster:DescribeTopic` → `Describe`: the statement's resource type already says Topic.
const short = (action: string): string =>
  action.slice('kafka-cluster:'.length).replace(/Topic|Group|TransactionalId|Cluster|Data/g, '');

function addGrant(grants: Map<string, Grant>, b: AclBinding): void {
  if (b.permission !== 'ALLOW' || b.host !== '*') {
    throw new IamPolicyError(
      `cannot translate ${b.permission} for host ${b.host} into IAM: the access model writes only ALLOW for any host`,
    );
  }
  const ops: Operation[] = [b.operation];
  if (IMPLIES_DESCRIBE.has(b.operation)) ops.push('DESCRIBE');
  if (b.operation === 'ALTER_CONFIGS') ops.push('DESCRIBE_CONFIGS');
  const key = `${b.resourceType} ${b.patternType} ${b.resourceName}`;
  let g = grants.get(key);
  if (!g)
    grants.set(
      key,
      (g = {
        resourceType: b.resourceType,
        patternType: b.patternType,
        resourceName: b.resourceName,
        actions: new Set(),
      }),
    );
  for (const op of ops) {
    const action = mskAction(b.resourceType, op);
    if (action === undefined) throw new IamPolicyError(`MSK has no IAM action for ${op} on ${b.resourceType}`);
    g.actions.add(action);
  }
}

/** Whether `g` adds nothing to `by`: a prefix of the same type covering its name with at least its actions. */
function covers(by: Grant, g: Grant): boolean {
  if (by === g || by.resourceType !== g.resourceType || by.patternType !== 'PREFIXED') return false;
  if (!g.resourceName.startsWith(by.resourceName)) return false;
  if (g.patternType === 'PREFIXED' && g.resourceName === by.resourceName) return false;
  for (const a of g.actions) if (!by.actions.has(a)) return false;
  return true;
}

/**
 * The statements of one domain, unsplit: Connect on the cluster, then one statement per resource
 * type and set of actions, resources sorted. A grant a broader prefix of the domain already covers
 * (its own `D.` covers the public `D._public.`) is left out.
 */
export function statementsFor(bindings: readonly AclBinding[], cluster: MskCluster): IamStatement[] {
  const grants = new Map<string, Grant>();
  for (const b of bindings) addGrant(grants, b);
  const all = [...grants.values()];
  // Prefixes that could cover a name: those ending in `.` are looked up at each dot of the name (all
  // the access model writes); any other is checked one by one.
  const dotPrefixes = new Map<string, Grant>();
  const otherPrefixes: Grant[] = [];
  for (const g of all) {
    if (g.patternType !== 'PREFIXED') continue;
    if (g.resourceName.endsWith('.')) dotPrefixes.set(`${g.resourceType} ${g.resourceName}`, g);
    else otherPrefixes.push(g);
  }
  const covered = (g: Grant): boolean => {
    const n = g.resourceName;
    for (let i = n.indexOf('.'); i >= 0; i = n.indexOf('.', i + 1)) {
      const p = dotPrefixes.get(`${g.resourceType} ${n.slice(0, i + 1)}`);
      if (p && covers(p, g)) return true;
    }
    return otherPrefixes.some((p) => covers(p, g));
  };
  const kept = all.filter((g) => !covered(g));
  // Connect: every request of an IAM client needs it, whatever else it does.
  const clusterGrant = kept.find((g) => g.resourceType === 'CLUSTER');
  if (clusterGrant) clusterGrant.actions.add(CONNECT);
  else kept.push({ resourceType: 'CLUSTER', patternType: 'LITERAL', resourceName: '', actions: new Set([CONNECT]) });

  const byActions = new Map<string, { type: ResourceType; actions: string[]; resources: Set<string> }>();
  for (const g of kept) {
    const actions = [...g.actions].sort(cmp);
    const key = `${g.resourceType} ${actions.join(',')}`;
    let s = byActions.get(key);
    if (!s) byActions.set(key, (s = { type: g.resourceType, actions, resources: new Set<string>() }));
    s.resources.add(resourcePattern(cluster, g));
  }
  return [...byActions.values()]
    .sort(
      (a, b) =>
        TYPE_ORDER[a.type] - TYPE_ORDER[b.type] ||
        b.actions.length - a.actions.length ||
        cmp(a.actions.join(), b.actions.join()),
    )
    .map((s) => ({
      Sid: `${TYPE_SID[s.type]}${s.actions.map(short).join('')}`.slice(0, 128),
      Effect: 'Allow' as const,
      Action: s.actions,
      Resource: [...s.resources].sort(cmp),
    }));
}

const EMPTY_POLICY_CHARS = policyChars({ Version: '2012-10-17', Statement: [] });

function withResources(s: IamStatement, resources: readonly string[]): IamStatement {
  return { ...s, Resource: resources.length === 1 ? resources[0]! : [...resources] };
}

/**
 * Packs statements into as few policy documents as `maxPolicyChars` allows, in order: a statement
 * whose resources do not fit in the current document continues, with the same Sid, in the next
 * one. Each document stands alone (IAM evaluates the union of a role's policies). Deterministic.
 */
export function packPolicies(statements: readonly IamStatement[], maxPolicyChars: number): IamPolicyDocument[] {
  const out: IamStatement[][] = [];
  let cur: IamStatement[] = [];
  let used = EMPTY_POLICY_CHARS;
  const flush = () => {
    if (cur.length > 0) out.push(cur);
    cur = [];
    used = EMPTY_POLICY_CHARS;
  };
  for (const s of statements) {
    const resources = typeof s.Resource === 'string' ? [s.Resource] : [...s.Resource];
    // The statement with `"Resource":[]`; k resources add their quoted lengths and k-1 commas, and
    // a single resource is written as a plain string (no brackets).
    const head = policyChars(withResources(s, []));
    const sizeOf = (k: number, quoted: number) => (k === 1 ? head - 2 + quoted : head + quoted + k - 1);
    let i = 0;
    while (i < resources.length) {
      const sep = cur.length > 0 ? 1 : 0;
      let k = 0;
      let quoted = 0;
      while (i + k < resources.length) {
        const q = quoted + resources[i + k]!.length + 2;
        if (used + sep + sizeOf(k + 1, q) > maxPolicyChars) break;
        quoted = q;
        k++;
      }
      if (k === 0) {
        if (cur.length === 0) {
          throw new IamPolicyError(
            `one statement with one resource (${sizeOf(1, resources[i]!.length + 2)} characters) does not fit in a policy of ${maxPolicyChars}`,
          );
        }
        flush();
        continue;
      }
      const chunk = withResources(s, resources.slice(i, i + k));
      cur.push(chunk);
      used += sep + policyChars(chunk);
      i += k;
      if (i < resources.length) flush();
    }
  }
  flush();
  const docs = out.map((st) => ({ Version: '2012-10-17' as const, Statement: st }));
  for (const d of docs) {
    const n = policyChars(d);
    if (n > maxPolicyChars)
      throw new IamPolicyError(`internal: packed a policy of ${n} characters (max ${maxPolicyChars})`);
  }
  return docs;
}

// ---- the translation ------------------------------------------------------------------------

export interface DomainIamPolicies {
  readonly domain: string;
  readonly policies: readonly IamPolicyDocument[];
  /** Characters of each policy as IAM counts them. */
  readonly chars: readonly number[];
}

export interface IamPolicySet {
  readonly cluster: MskCluster;
  /** Per domain of the spec set, in domain-id order. */
  readonly domains: ReadonlyMap<string, DomainIamPolicies>;
  /**
   * Domains granted access by some spec that have no spec in the set: under ACLs their grants
   * exist ahead of them; under IAM they get their policies when their spec arrives.
   */
  readonly pendingGrantees: readonly string[];
}

export interface IamLimitExceeded {
  readonly domain: string;
  readonly policiesNeeded: number;
  readonly chars: number;
  readonly maxPolicies: number;
  readonly maxPolicyChars: number;
}

export class IamPolicyLimitError extends IamPolicyError {
  constructor(readonly exceeded: readonly IamLimitExceeded[]) {
    super(
      exceeded
        .map(
          (e) =>
            `${e.domain} needs ${e.policiesNeeded} managed policies (${e.chars} characters at most ${e.maxPolicyChars} per policy), more than the ${e.maxPolicies} a role may hold: ask for the IAM quota "Managed policies per role" (up to 20) and raise the limit, or grant it fewer topics`,
        )
        .join('; '),
    );
    this.name = 'IamPolicyLimitError';
  }
}

/** Each domain's ACL bindings as IAM sees them: its own principals' and every `User:*` binding. */
export function bindingsByDomain(
  bindings: readonly AclBinding[],
  domains: readonly string[],
): { byDomain: Map<string, AclBinding[]>; pending: string[] } {
  const byDomain = new Map<string, AclBinding[]>(domains.map((d) => [d, []]));
  const everyone: AclBinding[] = [];
  const pending = new Set<string>();
  for (const b of bindings) {
    if (b.principal === WILDCARD_PRINCIPAL) {
      everyone.push(b);
      continue;
    }
    const d = domainOfPrincipal(b.principal);
    if (d === undefined)
      throw new IamPolicyError(`cannot translate a binding of ${b.principal}: not a domain principal`);
    const list = byDomain.get(d);
    if (list) list.push(b);
    else pending.add(d);
  }
  for (const list of byDomain.values()) list.push(...everyone);
  return { byDomain, pending: [...pending].sort(cmp) };
}

/**
 * The config the translation reads the access model with: the ACL model through `User:D` only,
 * whichever modes are on (IAM alone gives Kafka no principal, principalsOf; the policies still hold
 * every domain's whole access).
 */
export function aclModelConfig(config: ProvisionConfig): ProvisionConfig {
  return { ...config, authModes: ['SCRAM'] };
}

/**
 * The IAM policies of every domain of a spec set (give it the specs the planner accepts, as to
 * desiredBindings). Throws IamPolicyLimitError, naming every domain over the limit with its
 * numbers, when a domain needs more than `limits.maxPolicies` policies.
 */
export function iamPolicies(
  specs: readonly DomainSpec[],
  config: ProvisionConfig,
  clusterArn: string | MskCluster,
  limits: IamLimits = DEFAULT_IAM_LIMITS,
): IamPolicySet {
  const cluster = typeof clusterArn === 'string' ? parseClusterArn(clusterArn) : clusterArn;
  const domains = [...new Set(specs.map((s) => s.domain))].sort(cmp);
  const { byDomain, pending } = bindingsByDomain(desiredBindings(specs, aclModelConfig(config)), domains);
  const out = new Map<string, DomainIamPolicies>();
  const exceeded: IamLimitExceeded[] = [];
  for (const d of domains) {
    const policies = packPolicies(statementsFor(byDomain.get(d)!, cluster), limits.maxPolicyChars);
    const chars = policies.map(policyChars);
    out.set(d, { domain: d, policies, chars });
    if (policies.length > limits.maxPolicies) {
      exceeded.push({
        domain: d,
        policiesNeeded: policies.length,
        chars: chars.reduce((a, b) => a + b, 0),
        maxPolicies: limits.maxPolicies,
        maxPolicyChars: limits.maxPolicyChars,
      });
    }
  }
  if (exceeded.length > 0) throw new IamPolicyLimitError(exceeded);
  return { cluster, domains: out, pendingGrantees: pending };
}

// ---- the requests MSK authorizes ------------------------------------------------------------

export interface IamRequest {
  readonly action: string;
  readonly resource: string;
}

/**
 * What MSK checks for one Kafka authorization (operation on a resource) of an IAM client: Connect
 * on the cluster, and the operation's action on the resource's ARN. Undefined when MSK has no
 * action for it (such a request is denied to IAM clients).
 */
export function iamRequestsFor(
  cluster: MskCluster,
  resourceType: ResourceType,
  operation: Operation,
  resourceName: string,
): IamRequest[] | undefined {
  const action = mskAction(resourceType, operation);
  if (action === undefined) return undefined;
  return [
    { action: CONNECT, resource: cluster.arn },
    { action, resource: resourceArn(cluster, resourceType, resourceName) },
  ];
}
