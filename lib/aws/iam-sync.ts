// One spec's IAM run (auth mode IAM; docs/architecture.md#iam-access): the grants index updated
// with what the spec contributes now, then the managed policies of every affected domain made to
// match the index.
//
// 1. prospectiveIamPolicies (also PlanAgainstCluster's check, read-only): reads the run's own index
//    and its targets', computes the next indexes and the policies of every affected domain, and
//    refuses with the numbers (IamPolicyLimitError) before anything is written.
// 2. the index writes, each a conditional read-modify-write (lib/aws/iam-index-store.ts);
// 3. each affected domain converges: policies computed from its index and the public one at ETags
//    e, applied, and the two ETags read again; when another run changed either meanwhile, computed
//    and applied again (bounded), so concurrent runs end with the policies of the last index.
// Affected: the run's domain, every domain whose index the run changed, and, when the public
// bindings changed, every domain that has its own contribution (IAM has no wildcard principal).
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  PUBLIC_TARGET,
  checkPolicyLimits,
  contributionsOf,
  indexUpdates,
  policiesFromIndex,
  withoutFormerRoles,
  type IamIndex,
} from '../access/iam-index.js';
import type { DomainIamPolicies, IamLimits, MskCluster } from '../access/iam.js';
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec } from '../spec/model.js';
import { indexEtag, listIndexTargets, readIndex, updateIndex } from './iam-index-store.js';
import { addCounts, applyDomainPolicies, zeroCounts, type PolicyCounts, type PolicyNaming } from './iam-policies.js';

export interface IamRunDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly cluster: MskCluster;
  readonly config: ProvisionConfig;
  readonly limits: IamLimits;
}

export interface Prospect {
  readonly updates: ReturnType<typeof indexUpdates>;
  /** Domains whose policies the run converges, sorted. */
  readonly affected: readonly string[];
  readonly policies: readonly DomainIamPolicies[];
  readonly publicChanged: boolean;
}

/** Converge rounds per domain before giving up (each round follows a concurrent index change). */
export const MAX_CONVERGE_ROUNDS = 5;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What a run of `domain` (`spec`; undefined: its removal) would write and which policies every
 * affected domain would get, read-only. Throws IamPolicyLimitError before anything is written.
 */
export async function prospectiveIamPolicies(
  deps: IamRunDeps,
  domain: string,
  spec: DomainSpec | undefined,
): Promise<Prospect> {
  const { s3, bucket } = deps;
  const own = await readIndex(s3, bucket, domain);
  // A removal of a domain that was never provisioned with IAM: every IAM run writes its own index.
  if (!spec && !own.index) return { updates: [], affected: [], policies: [], publicChanged: false };
  const roles = (spec?.iamRoles ?? []).map((r) => r.name);
  const updates = indexUpdates(domain, own.index, spec && contributionsOf(spec, deps.config), roles);
  const current = new Map<string, IamIndex | undefined>([[domain, own.index]]);
  const next = new Map<string, IamIndex | undefined>();
  const changed = new Set<string>();
  for (const u of updates) {
    if (!current.has(u.target)) current.set(u.target, (await readIndex(s3, bucket, u.target)).index);
    const before = current.get(u.target);
    const after = u.update(before);
    next.set(u.target, after);
    if (after !== before) changed.add(u.target);
  }
  const publicChanged = changed.has(PUBLIC_TARGET);
  const affected = new Set([domain, ...[...changed].filter((t) => t !== PUBLIC_TARGET)]);
  if (publicChanged) for (const t of await listIndexTargets(s3, bucket)) if (t !== PUBLIC_TARGET) affected.add(t);
  const indexOf = async (t: string) =>
    next.has(t) ? next.get(t) : current.has(t) ? current.get(t) : (await readIndex(s3, bucket, t)).index;
  const publicIndex = await indexOf(PUBLIC_TARGET);
  const policies: DomainIamPolicies[] = [];
  const sorted = [...affected].sort(cmp);
  for (const d of sorted) {
    const p = policiesFromIndex(await indexOf(d), publicIndex, deps.cluster, deps.limits);
    policies.push({ ...p, domain: d });
  }
  checkPolicyLimits(policies, deps.limits);
  return { updates, affected: sorted, policies, publicChanged };
}

export interface ConvergeResult extends PolicyCounts {
  /** Rounds beyond the first: another run changed the index while this one applied it. */
  recomputed: number;
  policies: number;
}

/** Makes one domain's policies and attachments match its index and the public one (see the header). */
export async function convergeDomain(
  deps: IamRunDeps & { readonly iam: IAMClient; readonly naming: PolicyNaming },
  domain: string,
): Promise<ConvergeResult> {
  const { s3, bucket } = deps;
  const counts = zeroCounts();
  for (let round = 0; ; round++) {
    const own = await readIndex(s3, bucket, domain);
    const pub = await readIndex(s3, bucket, PUBLIC_TARGET);
    const p = policiesFromIndex(own.index, pub.index, deps.cluster, deps.limits);
    checkPolicyLimits([p], deps.limits);
    const formerRoles = own.index?.formerRoles ?? [];
    addCounts(
      counts,
      await applyDomainPolicies(deps.iam, deps.naming, {
        domain,
        docs: p.policies,
        roles: own.index?.roles ?? [],
        formerRoles,
      }),
    );
    let ownEtag = own.etag;
    if (formerRoles.length > 0) {
      // Detached: the index forgets them (a conditional write like every other).
      const r = await updateIndex(s3, bucket, {
        target: domain,
        update: (cur) => cur && withoutFormerRoles(cur, formerRoles),
      });
      if (r.changed && r.retries === 0) ownEtag = r.etag;
    }
    const [nowOwn, nowPub] = [await indexEtag(s3, bucket, domain), await indexEtag(s3, bucket, PUBLIC_TARGET)];
    if ((nowOwn === ownEtag && nowPub === pub.etag) || round + 1 >= MAX_CONVERGE_ROUNDS)
      return { ...counts, recomputed: round, policies: p.policies.length };
  }
}

export interface IamRunResult extends PolicyCounts {
  readonly domain: string;
  /** Index objects written. */
  readonly indexWrites: number;
  /** Domains whose policies were converged (at most 50 listed). */
  readonly domainsConverged: number;
  readonly domains: readonly string[];
  readonly recomputed: number;
  /** The run's own domain's policy count after the run. */
  readonly policies: number;
  readonly changed: boolean;
}

/** A whole run: limits checked, the index written, every affected domain converged. */
export async function syncIam(
  deps: IamRunDeps & { readonly iam: IAMClient; readonly naming: PolicyNaming },
  domain: string,
  spec: DomainSpec | undefined,
): Promise<IamRunResult> {
  const prospect = await prospectiveIamPolicies(deps, domain, spec);
  let indexWrites = 0;
  let affected = new Set(prospect.affected);
  for (const u of prospect.updates) {
    const r = await updateIndex(deps.s3, deps.bucket, u);
    if (!r.changed) continue;
    indexWrites++;
    if (u.target !== PUBLIC_TARGET) affected.add(u.target);
  }
  affected = new Set([...affected].sort(cmp));
  const counts = zeroCounts();
  let recomputed = 0;
  let policies = 0;
  for (const d of affected) {
    const r = await convergeDomain(deps, d);
    addCounts(counts, r);
    recomputed += r.recomputed;
    if (d === domain) policies = r.policies;
  }
  const changed =
    indexWrites > 0 ||
    counts.policiesCreated + counts.policiesUpdated + counts.policiesDeleted + counts.attached + counts.detached > 0;
  return {
    domain,
    ...counts,
    indexWrites,
    domainsConverged: affected.size,
    domains: [...affected].slice(0, 50),
    recomputed,
    policies,
    changed,
  };
}
