// The grants index (docs/architecture.md#iam-access): what each spec contributes to each domain's
// IAM access, kept in the spec bucket so that a run never has to read every spec.
//
// A domain D's IAM access is its own bindings plus every grant another spec gives it plus every
// public binding (lib/access/iam.ts, iamPolicies). So for each target T there is one index object
// (`iam/index/<T>.json`, lib/aws/iam-index-store.ts) mapping each source domain S to the ACL-model
// bindings S contributes to T:
// - T = D, S = D: D's own access (only D's spec writes it; without it D has no spec provisioned in
//   IAM mode and gets no policy, as iamPolicies leaves grantees without a spec pending);
// - T = D, S ≠ D: S's protected-topic grants to D;
// - T = `_public` (not a domain id: ids start with [a-z0-9]): S's `User:*` bindings, which IAM has
//   no wildcard principal for, so they reach every managed domain: a run that changes them
//   reconverges every domain that has its own contribution.
// D's own index also keeps the roles D's spec names, the roles it named before (detached at the
// next convergence), and `outgoing`: the other targets D contributed to on its last run, so that
// a run finds the grants it has to take away without reading anything else.
//
// Everything here is pure; the bindings are stored compactly (the principal follows from the
// target, every binding is an ALLOW for any host).
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec } from '../spec/model.js';
import { domainBindings, domainOfPrincipal, scramPrincipal, WILDCARD_PRINCIPAL } from './bindings.js';
import {
  aclModelConfig,
  packPolicies,
  policyChars,
  statementsFor,
  IamPolicyError,
  IamPolicyLimitError,
  type DomainIamPolicies,
  type IamLimitExceeded,
  type IamLimits,
  type MskCluster,
} from './iam.js';
import { OPERATIONS, PATTERN_TYPES, RESOURCE_TYPES, type AclBinding } from './types.js';

/** The index target holding every spec's public (`User:*`) bindings. */
export const PUBLIC_TARGET = '_public';

/** One binding without what the target implies: [resource type, pattern type, resource name, operation]. */
export type IndexedBinding = readonly [
  AclBinding['resourceType'],
  AclBinding['patternType'],
  string,
  AclBinding['operation'],
];

export interface IamIndex {
  readonly version: 1;
  /** A domain id, or PUBLIC_TARGET. */
  readonly target: string;
  /** Source domain → what it contributes to the target, sorted. */
  readonly contributions: Readonly<Record<string, readonly IndexedBinding[]>>;
  /** Own index only: the role names the domain's spec lists (x-msk-spec-iam-roles). */
  readonly roles?: readonly string[];
  /** Own index only: roles listed before and no longer; the next convergence detaches the domain's policies from them. */
  readonly formerRoles?: readonly string[];
  /** Own index only: the other targets the domain's spec contributed to on its last run. */
  readonly outgoing?: readonly string[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort(cmp);

function encode(b: AclBinding): IndexedBinding {
  return [b.resourceType, b.patternType, b.resourceName, b.operation];
}

function decode(target: string, b: IndexedBinding): AclBinding {
  return {
    resourceType: b[0],
    patternType: b[1],
    resourceName: b[2],
    operation: b[3],
    principal: target === PUBLIC_TARGET ? WILDCARD_PRINCIPAL : scramPrincipal(target),
    host: '*',
    permission: 'ALLOW',
  };
}

const key = (b: IndexedBinding): string => JSON.stringify(b);

/**
 * What one spec contributes to each target, by the access model (the same bindings desiredBindings
 * gives, read through `User:D`): its own target, `_public` and every domain it grants a topic to.
 */
export function contributionsOf(spec: DomainSpec, config: ProvisionConfig): Map<string, IndexedBinding[]> {
  const out = new Map<string, Map<string, IndexedBinding>>();
  for (const b of domainBindings(spec, aclModelConfig(config))) {
    const target = b.principal === WILDCARD_PRINCIPAL ? PUBLIC_TARGET : domainOfPrincipal(b.principal);
    if (target === undefined)
      throw new IamPolicyError(`cannot index a binding of ${b.principal}: not a domain principal`);
    let m = out.get(target);
    if (!m) out.set(target, (m = new Map()));
    const e = encode(b);
    m.set(key(e), e);
  }
  return new Map(
    [...out].map(([t, m]) => [t, [...m.values()].sort((a, b) => cmp(key(a), key(b)))] as [string, IndexedBinding[]]),
  );
}

/** An index nobody has written yet. */
export const emptyIndex = (target: string): IamIndex => ({ version: 1, target, contributions: {} });

/** What a spec's run records in its own index besides its contribution. */
export interface OwnRecord {
  readonly roles: readonly string[];
  readonly outgoing: readonly string[];
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/**
 * `current` with `source`'s contribution set to `bindings` (undefined: removed), and for the
 * target's own spec its roles and outgoing targets. Returns `current` itself when nothing changes,
 * so the caller writes nothing.
 */
export function withContribution(
  current: IamIndex | undefined,
  target: string,
  source: string,
  bindings: readonly IndexedBinding[] | undefined,
  own?: OwnRecord,
): IamIndex {
  const base = current ?? emptyIndex(target);
  const contributions: Record<string, readonly IndexedBinding[]> = { ...base.contributions };
  if (bindings === undefined || bindings.length === 0) delete contributions[source];
  else contributions[source] = bindings;
  let next: IamIndex = {
    version: 1,
    target,
    contributions: Object.fromEntries(
      Object.keys(contributions)
        .sort(cmp)
        .map((s) => [s, contributions[s]!]),
    ),
    ...(base.roles !== undefined ? { roles: base.roles } : {}),
    ...(base.formerRoles !== undefined ? { formerRoles: base.formerRoles } : {}),
    ...(base.outgoing !== undefined ? { outgoing: base.outgoing } : {}),
  };
  if (own) {
    const roles = sortedUnique(own.roles);
    const formerRoles = sortedUnique([...(base.formerRoles ?? []), ...(base.roles ?? [])]).filter(
      (r) => !roles.includes(r),
    );
    next = { ...next, roles, formerRoles, outgoing: sortedUnique(own.outgoing) };
  }
  return current !== undefined && JSON.stringify(current) === JSON.stringify(next) ? current : next;
}

/** `current` with the roles it no longer names forgotten (they were detached). */
export function withoutFormerRoles(current: IamIndex, detached: readonly string[]): IamIndex {
  const left = (current.formerRoles ?? []).filter((r) => !detached.includes(r));
  return sameList(left, current.formerRoles) ? current : { ...current, formerRoles: left };
}

/**
 * The targets one spec's run (or its removal) writes: every target it contributes to now, every
 * target it contributed to last time (`outgoing` of its own index), and its own index, last (it
 * records `outgoing`, so a run that stops half-way is finished by the next one).
 */
export function runTargets(domain: string, own: IamIndex | undefined, next: ReadonlyMap<string, unknown>): string[] {
  const others = sortedUnique([...next.keys(), ...(own?.outgoing ?? [])]).filter((t) => t !== domain);
  return [...others, domain];
}

/** The ACL-model bindings a domain's policies hold: all of its index plus the public one; none without its own contribution. */
export function bindingsFromIndex(domainIndex: IamIndex | undefined, publicIndex: IamIndex | undefined): AclBinding[] {
  if (!domainIndex || !domainIndex.contributions[domainIndex.target]) return [];
  const out: AclBinding[] = [];
  for (const list of Object.values(domainIndex.contributions))
    for (const b of list) out.push(decode(domainIndex.target, b));
  for (const list of Object.values(publicIndex?.contributions ?? {}))
    for (const b of list) out.push(decode(PUBLIC_TARGET, b));
  return out;
}

/** The policy documents a domain needs by the index (none without its own contribution), as iamPolicies would give them. */
export function policiesFromIndex(
  domainIndex: IamIndex | undefined,
  publicIndex: IamIndex | undefined,
  cluster: MskCluster,
  limits: IamLimits,
): DomainIamPolicies {
  const domain = domainIndex?.target ?? '';
  const bindings = bindingsFromIndex(domainIndex, publicIndex);
  const policies = bindings.length === 0 ? [] : packPolicies(statementsFor(bindings, cluster), limits.maxPolicyChars);
  return { domain, policies, chars: policies.map(policyChars) };
}

/** Refuses, with the numbers, when any domain needs more policies than a role may hold (IamPolicyLimitError). */
export function checkPolicyLimits(domains: readonly DomainIamPolicies[], limits: IamLimits): void {
  const exceeded: IamLimitExceeded[] = domains
    .filter((d) => d.policies.length > limits.maxPolicies)
    .map((d) => ({
      domain: d.domain,
      policiesNeeded: d.policies.length,
      chars: d.chars.reduce((a, b) => a + b, 0),
      maxPolicies: limits.maxPolicies,
      maxPolicyChars: limits.maxPolicyChars,
    }));
  if (exceeded.length > 0) throw new IamPolicyLimitError(exceeded);
}

/** Reads an index object's JSON; throws IamPolicyError naming the target on anything else. */
export function parseIndex(target: string, text: string): IamIndex {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new IamPolicyError(
      `the IAM grants index of ${target} is not JSON: ${JSON.stringify(text.slice(0, 120))} (${text.length})`,
    );
  }
  const o = v as Partial<IamIndex> | null;
  const okBinding = (b: unknown): boolean =>
    Array.isArray(b) &&
    b.length === 4 &&
    (RESOURCE_TYPES as readonly unknown[]).includes(b[0]) &&
    (PATTERN_TYPES as readonly unknown[]).includes(b[1]) &&
    typeof b[2] === 'string' &&
    (OPERATIONS as readonly unknown[]).includes(b[3]);
  const okList = (l: unknown): boolean =>
    l === undefined || (Array.isArray(l) && l.every((x) => typeof x === 'string'));
  if (
    !o ||
    o.version !== 1 ||
    o.target !== target ||
    typeof o.contributions !== 'object' ||
    o.contributions === null ||
    !Object.values(o.contributions).every((l) => Array.isArray(l) && l.every(okBinding)) ||
    !okList(o.roles) ||
    !okList(o.formerRoles) ||
    !okList(o.outgoing)
  )
    throw new IamPolicyError(`the IAM grants index of ${target} does not have the expected shape (version 1)`);
  return o as IamIndex;
}

/** One read-modify-write of one index object; `update` returns its input itself when nothing changes (undefined stays undefined). */
export interface IndexUpdate {
  readonly target: string;
  readonly update: (current: IamIndex | undefined) => IamIndex | undefined;
}

/**
 * The index writes of one run of `domain`, in order (its own index last, see runTargets):
 * provisioning sets its contribution to every target (`contributions`, from contributionsOf) and
 * takes it away from targets it no longer contributes to; a removal (`contributions` undefined)
 * takes every contribution away and moves its roles to formerRoles, so the next convergence
 * detaches its policies from them.
 */
export function indexUpdates(
  domain: string,
  own: IamIndex | undefined,
  contributions: ReadonlyMap<string, readonly IndexedBinding[]> | undefined,
  roles: readonly string[] = [],
): IndexUpdate[] {
  const next = contributions ?? new Map<string, readonly IndexedBinding[]>();
  const outgoing = [...next.keys()].filter((t) => t !== domain);
  return runTargets(domain, own, next).map((target) => ({
    target,
    update: (current) =>
      withContribution(
        current,
        target,
        domain,
        next.get(target),
        target === domain ? { roles: contributions ? roles : [], outgoing } : undefined,
      ),
  }));
}
