// "Who can do what": for every owned topic of a spec set, the principals and domains that may READ
// and WRITE it, decided by the Authorizer over the desired bindings (never by re-deriving the
// access rules), plus the subscriptions that would not work. Feeds `msk-spec access` and the table
// `npm start` prints at the end.
import type { ProvisionConfig } from '../config.js';
import { checkSpecSet } from '../plan/plan.js';
import type { PlanError } from '../plan/plan.js';
import type { DomainSpec, Visibility } from '../spec/model.js';
import { Authorizer } from './authorizer.js';
import { desiredBindings, domainOfPrincipal, effectiveVisibility, inStage, principalsOf } from './bindings.js';
import type { Operation } from './types.js';

export interface AccessList {
  /** True when any principal at all may do it (through `User:*`, or allow.everyone.if.no.acl.found). */
  readonly everyone: boolean;
  /** Named principals allowed (sorted). */
  readonly principals: readonly string[];
  /** The domains those principals belong to (sorted, unique). */
  readonly domains: readonly string[];
}

export interface TopicAccess {
  readonly topic: string;
  readonly owner: string;
  readonly visibility: Visibility;
  readonly read: AccessList;
  readonly write: AccessList;
}

export interface DanglingSubscription {
  /** The subscribing domain. */
  readonly domain: string;
  readonly topic: string;
  readonly channel: string;
  readonly path: string;
  /** `not-granted`: the owner's spec does not let this domain read it; `unknown-topic`: no spec in the set owns it. */
  readonly reason: 'not-granted' | 'unknown-topic';
  readonly owner?: string;
  /** Principals of the subscriber that may not READ the topic. */
  readonly deniedPrincipals: readonly string[];
  readonly message: string;
}

export interface AccessReport {
  readonly topics: readonly TopicAccess[];
  readonly danglingSubscriptions: readonly DanglingSubscription[];
  /** Specs refused by the spec-set rules (same as the planner's); they are left out of the report. */
  readonly refused: readonly PlanError[];
  readonly bindings: number;
}

export interface AccessReportOptions {
  /** Evaluate as a cluster with allow.everyone.if.no.acl.found (MSK's default). Default false. */
  readonly allowEveryoneIfNoAclFound?: boolean;
}

/** A principal no binding can name (not a valid domain principal), standing for "anyone else". */
const SOMEONE_ELSE = 'User:\u0000someone-else';

function accessList(authz: Authorizer, topic: string, operation: Operation, candidates: Iterable<string>): AccessList {
  const allowed = (principal: string) =>
    authz.authorize({ principal, operation, resourceType: 'TOPIC', resourceName: topic }).allowed;
  const principals: string[] = [];
  for (const p of candidates) if (p !== 'User:*' && allowed(p)) principals.push(p);
  principals.sort();
  const domains = [...new Set(principals.map(domainOfPrincipal).filter((d): d is string => d !== undefined))].sort();
  return { everyone: allowed(SOMEONE_ELSE), principals, domains };
}

export function accessReport(
  specs: readonly DomainSpec[],
  config: ProvisionConfig,
  opts: AccessReportOptions = {},
): AccessReport {
  const refused = checkSpecSet(specs, { topics: [], acls: [] }, config);
  const refusedDomains = new Set(refused.map((e) => e.domain));
  const accepted = specs
    .filter((s) => !refusedDomains.has(s.domain))
    .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const bindings = desiredBindings(accepted, config);
  const authz = new Authorizer(
    bindings,
    opts.allowEveryoneIfNoAclFound === undefined ? {} : { allowEveryoneIfNoAclFound: opts.allowEveryoneIfNoAclFound },
  );

  const owners = new Map<string, string>();
  const topics: TopicAccess[] = [];
  for (const s of accepted) {
    const ownerPrincipals = principalsOf(s.domain, config);
    for (const t of [...s.owned].filter((x) => inStage(x, config)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      owners.set(t.name, s.domain);
      // Anyone not named on the resource is decided like SOMEONE_ELSE; the owner is listed even if
      // a future binding shape stopped naming it directly.
      const candidates = new Set([...authz.principalsOn('TOPIC', t.name), ...ownerPrincipals]);
      topics.push({
        topic: t.name,
        owner: s.domain,
        visibility: effectiveVisibility(t),
        read: accessList(authz, t.name, 'READ', candidates),
        write: accessList(authz, t.name, 'WRITE', candidates),
      });
    }
  }

  const danglingSubscriptions: DanglingSubscription[] = [];
  for (const s of accepted) {
    const mine = principalsOf(s.domain, config);
    for (const sub of s.subscriptions) {
      const owner = owners.get(sub.topic);
      if (owner === s.domain) continue;
      const deniedPrincipals = mine.filter(
        (principal) =>
          !authz.authorize({ principal, operation: 'READ', resourceType: 'TOPIC', resourceName: sub.topic }).allowed,
      );
      if (owner === undefined) {
        const nsOwner = accepted.find((o) => sub.topic.startsWith(`${o.domain}.`))?.domain;
        danglingSubscriptions.push({
          domain: s.domain,
          topic: sub.topic,
          channel: sub.channel,
          path: sub.path,
          reason: 'unknown-topic',
          ...(nsOwner !== undefined ? { owner: nsOwner } : {}),
          deniedPrincipals,
          message:
            nsOwner !== undefined
              ? `${s.domain} subscribes to ${sub.topic} (${sub.path}), which ${nsOwner}'s spec does not declare`
              : `${s.domain} subscribes to ${sub.topic} (${sub.path}), which no spec in the set owns`,
        });
      } else if (deniedPrincipals.length > 0) {
        danglingSubscriptions.push({
          domain: s.domain,
          topic: sub.topic,
          channel: sub.channel,
          path: sub.path,
          reason: 'not-granted',
          owner,
          deniedPrincipals,
          message: `${s.domain} subscribes to ${sub.topic} (${sub.path}), but ${owner} does not grant it read access (${deniedPrincipals.join(', ')} denied): ${owner} must add a grant-access:${s.domain} tag on a protected channel, or make it public`,
        });
      }
    }
  }
  return { topics, danglingSubscriptions, refused, bindings: bindings.length };
}

function describe(list: AccessList): string {
  if (list.everyone) return 'everyone';
  const named = list.principals.filter((p) => domainOfPrincipal(p) === undefined);
  const parts = [...list.domains, ...named];
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** A plain-text "who can do what" table, for the CLI and the end of `npm start`. */
export function formatAccessReport(report: AccessReport): string {
  const rows = report.topics.map((t) => [t.topic, t.owner, t.visibility, describe(t.read), describe(t.write)]);
  const header = ['TOPIC', 'OWNER', 'VISIBILITY', 'READ', 'WRITE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  if (report.danglingSubscriptions.length > 0) {
    out.push('', 'Dangling subscriptions:');
    for (const d of report.danglingSubscriptions) out.push(`  ${d.message}`);
  }
  if (report.refused.length > 0) {
    out.push('', 'Refused specs (not in the table):');
    for (const e of report.refused) out.push(`  ${e.domain}: ${e.rule}: ${e.message}`);
  }
  return out.join('\n');
}
