// Who can read and write each topic, and which subscriptions are dangling, answered by the one
// authorizer model (lib/access/authorizer.ts) over the bindings the specs produce: the CLI asks
// the same questions a broker would, rather than re-deriving access from visibility rules.
import { Authorizer } from '../lib/access/authorizer.js';
import {
  desiredBindings,
  domainOfPrincipal,
  effectiveVisibility,
  inStage,
  principalsOf,
} from '../lib/access/bindings.js';
import type { Operation } from '../lib/access/types.js';
import type { ProvisionConfig } from '../lib/config.js';
import type { DomainSpec, Visibility } from '../lib/spec/model.js';

export const EVERYONE = 'User:*';

export interface TopicAccess {
  readonly topic: string;
  /** Undefined when no loaded spec declares the topic. */
  readonly owner?: string;
  readonly visibility?: Visibility;
  readonly grants?: readonly string[];
  /** Principals allowed READ (`User:*` when everyone may). */
  readonly readers: string[];
  readonly writers: string[];
}

export interface DanglingSubscription {
  readonly domain: string;
  readonly topic: string;
  readonly path: string;
  readonly source: string;
  readonly owner?: string;
  readonly reason: 'unknown-topic' | 'not-granted';
  readonly message: string;
}

export interface AccessView {
  readonly topics: TopicAccess[];
  readonly dangling: DanglingSubscription[];
}

export function accessView(
  specs: readonly DomainSpec[],
  config: ProvisionConfig,
  extraTopics: readonly string[] = [],
): AccessView {
  const authorizer = new Authorizer(desiredBindings(specs, config));
  const principals = [EVERYONE, ...specs.flatMap((s) => principalsOf(s.domain, config))];
  const may = (principal: string, operation: Operation, topic: string) =>
    authorizer.authorize({ principal, operation, resourceType: 'TOPIC', resourceName: topic }).allowed;
  const who = (operation: Operation, topic: string) =>
    may(EVERYONE, operation, topic) ? [EVERYONE] : principals.filter((p) => may(p, operation, topic));

  const owners = new Map<string, { spec: DomainSpec; visibility: Visibility; grants: readonly string[] }>();
  for (const s of specs)
    for (const t of s.owned)
      if (inStage(t, config)) owners.set(t.name, { spec: s, visibility: effectiveVisibility(t), grants: t.grants });

  const names = [...new Set([...owners.keys(), ...extraTopics])].sort();
  const topics: TopicAccess[] = names.map((topic) => {
    const o = owners.get(topic);
    return {
      topic,
      ...(o ? { owner: o.spec.domain, visibility: o.visibility, grants: o.grants } : {}),
      readers: who('READ', topic),
      writers: who('WRITE', topic),
    };
  });

  const dangling: DanglingSubscription[] = [];
  for (const s of specs) {
    const mine = principalsOf(s.domain, config);
    for (const sub of s.subscriptions) {
      if (mine.every((p) => may(p, 'READ', sub.topic))) continue;
      const o = owners.get(sub.topic);
      const base = { domain: s.domain, topic: sub.topic, path: sub.path, source: s.source };
      if (!o) {
        dangling.push({
          ...base,
          reason: 'unknown-topic',
          message: `no loaded spec declares ${sub.topic}, and no binding lets ${s.domain} read it`,
        });
      } else {
        dangling.push({
          ...base,
          owner: o.spec.domain,
          reason: 'not-granted',
          message: `${o.spec.domain} has not granted ${s.domain} access to this ${o.visibility} topic${o.grants.length ? ` (granted to: ${o.grants.join(', ')})` : ''}; it needs grant-access:${s.domain} on a ${config.visibilityKeywords.protected} channel`,
        });
      }
    }
  }
  return { topics, dangling };
}

/** `User:*` → "everyone"; otherwise principals grouped by the domain they identify. */
export function describePrincipals(principals: readonly string[]): string {
  if (principals.includes(EVERYONE)) return 'everyone (User:*)';
  if (principals.length === 0) return 'nobody';
  const byDomain = new Map<string, string[]>();
  for (const p of principals) {
    const d = domainOfPrincipal(p) ?? p;
    byDomain.set(d, [...(byDomain.get(d) ?? []), p]);
  }
  return [...byDomain].map(([d, ps]) => `${d} [${ps.join(', ')}]`).join(', ');
}
