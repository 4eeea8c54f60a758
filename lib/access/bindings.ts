// The access model (docs/architecture.md#access-model): which ACL bindings a set of specs needs, and which
// existing bindings a domain's reconciliation may touch (its managed scope).
//
// Every prefix this module emits ends in `.`: `shop.order.` can never match `shop.orders.x`
// (SpecMesh issue 564 came from prefixing with the bare id). A bare-id prefix would be a leak.
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec, OwnedTopic } from '../spec/model.js';
import { BindingSet } from './binding-set.js';
import { CLUSTER_RESOURCE_NAME, OPERATIONS, RESOURCE_TYPES } from './types.js';
import type { AclBinding, Operation, ResourceType } from './types.js';

// The shape of a domain id (docs/architecture.md#specs), one rule for the parser and the access model.
// Anything else could inject a principal (`*`, `,`, `=`).
import { DOMAIN_ID_PATTERN, MAX_DOMAIN_ID_LENGTH, isValidDomainId } from '../spec/names.js';
export { isValidDomainId };

/** The grant keyword that turns any channel public (`grant-access:_public`). */
export const PUBLIC_GRANT = '_public';
export const WILDCARD_PRINCIPAL = 'User:*';

function assertDomainId(id: string): void {
  if (!isValidDomainId(id)) {
    throw new Error(
      `invalid domain id ${JSON.stringify(id)}: must match ${DOMAIN_ID_PATTERN} and be at most ${MAX_DOMAIN_ID_LENGTH} characters`,
    );
  }
}

/** The principal a SCRAM user `D` authenticates as. */
export const scramPrincipal = (domain: string): string => `User:${domain}`;
/** The principal a client certificate with subject exactly `CN=D` authenticates as (full RFC 2253 DN). */
export const mtlsPrincipal = (domain: string): string => `User:CN=${domain}`;

/**
 * The Kafka principals of domain `D` for the enabled authentication methods, in config.authModes
 * order (SCRAM `User:D`, mTLS `User:CN=D`). IAM adds none: an IAM client is authorized by IAM policy
 * alone, Kafka ACLs have no effect on it (lib/access/iam.ts). Throws on an id that is not a valid domain id, so that no
 * caller can ever turn spec text into `User:*` or a multi-RDN distinguished name.
 */
export function principalsOf(domain: string, config: Pick<ProvisionConfig, 'authModes'>): string[] {
  assertDomainId(domain);
  const out: string[] = [];
  for (const mode of config.authModes) {
    const p = mode === 'SCRAM' ? scramPrincipal(domain) : mode === 'MTLS' ? mtlsPrincipal(domain) : undefined;
    if (p !== undefined && !out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Every principal that identifies `D`, whatever the enabled methods: the managed scope uses these,
 * so that switching an authentication method off removes that method's bindings.
 */
export function allPrincipalsOf(domain: string): string[] {
  return [scramPrincipal(domain), mtlsPrincipal(domain)];
}

/** The domain a principal identifies (`User:D` or `User:CN=D`), or undefined for any other principal. */
export function domainOfPrincipal(principal: string): string | undefined {
  if (!principal.startsWith('User:')) return undefined;
  let rest = principal.slice(5);
  if (rest.startsWith('CN=')) rest = rest.slice(3);
  return isValidDomainId(rest) ? rest : undefined;
}

/** Whether a topic is provisioned on the configured stage (`bindings.kafka.envs`). */
export function inStage(topic: OwnedTopic, config: Pick<ProvisionConfig, 'stage'>): boolean {
  return config.stage === undefined || topic.envs === undefined || topic.envs.includes(config.stage);
}

/** Effective visibility: `grant-access:_public` makes any channel public. */
export function effectiveVisibility(topic: OwnedTopic): OwnedTopic['visibility'] {
  return topic.visibility === 'public' || topic.grants.includes(PUBLIC_GRANT) ? 'public' : topic.visibility;
}

/** The domains a protected topic is granted to: valid ids other than the owner and `_public`, sorted, unique. */
export function grantedDomains(owner: string, topic: OwnedTopic): string[] {
  if (effectiveVisibility(topic) !== 'protected') return [];
  const out = new Set<string>();
  for (const g of topic.grants) if (g !== owner && g !== PUBLIC_GRANT) out.add(g);
  return [...out].sort();
}

/**
 * A stable, injective string for a binding, for Map/Set keys. The fixed-vocabulary fields come
 * first; the free-text ones are length-prefixed so that no resource name or principal can make two
 * different bindings share a key.
 */
export function bindingKey(b: AclBinding): string {
  return `${b.resourceType} ${b.patternType} ${b.operation} ${b.permission} ${b.resourceName.length}:${b.resourceName}${b.principal.length}:${b.principal}${b.host}`;
}

const RESOURCE_ORDER = new Map<ResourceType, number>(RESOURCE_TYPES.map((r, i) => [r, i]));
const OPERATION_ORDER = new Map<Operation, number>(OPERATIONS.map((o, i) => [o, i]));
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A total order on bindings (resource type, name, pattern, principal, operation, permission, host), for stable output. */
export function compareBindings(a: AclBinding, b: AclBinding): number {
  return (
    (RESOURCE_ORDER.get(a.resourceType) ?? 99) - (RESOURCE_ORDER.get(b.resourceType) ?? 99) ||
    cmpStr(a.resourceName, b.resourceName) ||
    cmpStr(a.patternType, b.patternType) ||
    cmpStr(a.principal, b.principal) ||
    (OPERATION_ORDER.get(a.operation) ?? 99) - (OPERATION_ORDER.get(b.operation) ?? 99) ||
    cmpStr(a.permission, b.permission) ||
    cmpStr(a.host, b.host)
  );
}

function allow(
  resourceType: ResourceType,
  patternType: AclBinding['patternType'],
  resourceName: string,
  principal: string,
  operation: Operation,
): AclBinding {
  return { resourceType, patternType, resourceName, principal, host: '*', operation, permission: 'ALLOW' };
}

/**
 * The bindings one domain needs, in a fixed order (the access model table, row by row; topics
 * sorted by name, grants by domain id). Throws on an invalid domain id or grant id; `plan` checks
 * ids first and reports them as errors instead.
 */
export function domainBindings(spec: DomainSpec, config: ProvisionConfig): AclBinding[] {
  const d = spec.domain;
  const owners = principalsOf(d, config);
  const kw = config.visibilityKeywords;
  const out: AclBinding[] = [];
  const topicOps: Operation[] = config.ownerDelete
    ? ['DESCRIBE', 'READ', 'WRITE', 'DELETE']
    : ['DESCRIBE', 'READ', 'WRITE'];
  for (const p of owners) for (const op of topicOps) out.push(allow('TOPIC', 'PREFIXED', `${d}.`, p, op));
  for (const p of owners) out.push(allow('TOPIC', 'PREFIXED', `${d}.${kw.private}.`, p, 'CREATE'));
  for (const op of ['DESCRIBE', 'READ'] as const)
    out.push(allow('TOPIC', 'PREFIXED', `${d}.${kw.public}.`, WILDCARD_PRINCIPAL, op));

  const publicPrefix = `${d}.${kw.public}.`;
  const topics = spec.owned.filter((t) => inStage(t, config)).sort((a, b) => cmpStr(a.name, b.name));
  for (const t of topics) {
    const visibility = effectiveVisibility(t);
    if (visibility === 'public') {
      // Public by grant, outside the public prefix: a literal grant to everyone.
      if (!t.name.startsWith(publicPrefix)) {
        for (const op of ['DESCRIBE', 'READ'] as const)
          out.push(allow('TOPIC', 'LITERAL', t.name, WILDCARD_PRINCIPAL, op));
      }
    } else if (visibility === 'protected') {
      for (const g of grantedDomains(d, t)) {
        for (const p of principalsOf(g, config)) {
          for (const op of ['DESCRIBE', 'READ'] as const) out.push(allow('TOPIC', 'LITERAL', t.name, p, op));
        }
      }
    }
  }
  for (const p of owners) out.push(allow('GROUP', 'PREFIXED', `${d}.`, p, 'READ'));
  for (const p of owners)
    for (const op of ['DESCRIBE', 'WRITE'] as const) out.push(allow('TRANSACTIONAL_ID', 'PREFIXED', `${d}.`, p, op));
  for (const p of owners) out.push(allow('CLUSTER', 'LITERAL', CLUSTER_RESOURCE_NAME, p, 'IDEMPOTENT_WRITE'));
  return out;
}

/**
 * The bindings a set of specs needs (docs/architecture.md#access-model). Deterministic: specs are taken in
 * domain-id order whatever the input order, and each domain's bindings in `domainBindings` order.
 * No duplicates (a binding two specs would both produce appears once).
 */
export function desiredBindings(specs: readonly DomainSpec[], config: ProvisionConfig): AclBinding[] {
  const sorted = [...specs].sort((a, b) => cmpStr(a.domain, b.domain));
  const seen = new BindingSet();
  const out: AclBinding[] = [];
  for (const spec of sorted) for (const b of domainBindings(spec, config)) if (seen.add(b)) out.push(b);
  return out;
}

/** The prefixes the access model writes under `D.` beside `D.` itself: `D.<keyword>.` for each visibility keyword. */
export function keywordPrefixes(domain: string, config: Pick<ProvisionConfig, 'visibilityKeywords'>): string[] {
  return Object.values(config.visibilityKeywords).map((kw) => `${domain}.${kw}.`);
}

/** Whether a TOPIC resource name lies in `D`'s namespace (`D.` and anything under it). */
export function inNamespace(resourceName: string, domain: string): boolean {
  return (
    resourceName.length > domain.length &&
    resourceName.startsWith(domain) &&
    resourceName.charCodeAt(domain.length) === 46
  ); // '.'
}

/**
 * The owner of a protected-topic grant: `X` when the binding is an ALLOW DESCRIBE/READ on a
 * LITERAL topic `X.<protected>.<...>`, the only shape of binding one domain's spec gives another
 * domain's principal. Undefined otherwise.
 */
function grantOwner(b: AclBinding, protectedKeyword: string): string | undefined {
  if (b.resourceType !== 'TOPIC' || b.patternType !== 'LITERAL' || b.permission !== 'ALLOW') return undefined;
  if (b.operation !== 'READ' && b.operation !== 'DESCRIBE') return undefined;
  const marker = `.${protectedKeyword}.`;
  const i = b.resourceName.indexOf(marker);
  return i > 0 ? b.resourceName.slice(0, i) : undefined;
}

/**
 * Managed scope (docs/architecture.md#managed-scope), made precise. A binding belongs to domain `D` when:
 *
 * 1. It is an ALLOW. DENY bindings are never created by the pipeline, only narrow access, and may
 *    be an operator's emergency brake: they are outside every domain's scope.
 * 2. Its resource is a TOPIC whose name lies in `D`'s namespace (starts with `D.`), LITERAL or
 *    PREFIXED, whatever the principal (this covers `User:*` and other domains' principals on `D`'s
 *    topics: `D`'s spec alone decides who reads `D`'s topics). A PREFIXED `D` without the dot, a
 *    shorter prefix such as `sh`, or LITERAL `*` also match other domains' topics, so they are not
 *    `D`'s by name (only by principal, rule 3).
 * 3. Or its principal is `User:D` or `User:CN=D` (both, whatever config.authModes says, so that turning
 *    a method off removes its bindings), EXCEPT a protected-topic grant in another domain `X`'s
 *    namespace (LITERAL `X.<protected>.<ch>`, DESCRIBE/READ): that binding is `X`'s, and `X`'s spec
 *    alone may remove it; otherwise planning `D` alone would revoke what `X` granted it.
 *    Everything else `D`'s principal holds outside its namespace (stale SpecMesh-style bare
 *    prefixes, hand-made grants on foreign topics) is cleaned up by `D`'s reconciliation.
 *
 * Nested ids (`a` and `a.b`) would put `a.b`'s topics in `a`'s namespace; `plan` refuses such spec
 * sets, so this predicate never has to arbitrate between them.
 */
export function isManagedBy(
  binding: AclBinding,
  domain: string,
  config: Pick<ProvisionConfig, 'visibilityKeywords'>,
): boolean {
  if (binding.permission !== 'ALLOW') return false;
  if (binding.resourceType === 'TOPIC' && inNamespace(binding.resourceName, domain)) return true;
  if (domainOfPrincipal(binding.principal) !== domain) return false;
  const owner = grantOwner(binding, config.visibilityKeywords.protected);
  return owner === undefined || owner === domain || inNamespace(binding.resourceName, domain);
}

/**
 * The domains among `domains` that manage `binding` (same rule as isManagedBy), found without
 * scanning `domains`: candidates come from the principal and from the dot-prefixes of the topic name.
 */
export function managingDomains(
  binding: AclBinding,
  domains: ReadonlySet<string>,
  config: Pick<ProvisionConfig, 'visibilityKeywords'>,
): string[] {
  if (binding.permission !== 'ALLOW') return [];
  const out: string[] = [];
  if (binding.resourceType === 'TOPIC') {
    const name = binding.resourceName;
    for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
      const d = name.slice(0, i);
      if (i > 0 && domains.has(d)) out.push(d);
    }
  }
  const pd = domainOfPrincipal(binding.principal);
  if (pd !== undefined && domains.has(pd) && !out.includes(pd) && isManagedBy(binding, pd, config)) out.push(pd);
  return out;
}
