// IAM policy size (lib/access/iam.ts) as the spec set grows: for 10, 100 and 1,000 domains and
// 0, 10 and 50 grants received per domain, the characters of each domain's policies as IAM counts
// them (whitespace excluded; a managed policy holds at most 6,144) and how many managed policies the
// largest domain needs (a role holds 10 by default, 20 with a quota increase). Every domain has one
// public, one private and five protected channels; each protected channel grants read access to
// randomly chosen other domains. Progress goes to stderr; the last stdout line is one JSON object.
import { iamPolicies } from '../lib/access/iam.js';
import { resolveConfig } from '../lib/config.js';
import type { DomainSpec } from '../lib/spec/model.js';
import { makeSpec, rng } from '../test/support/gen.js';

// A realistic MSK cluster ARN: the uuid part is a UUID plus a revision suffix.
const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/data-mesh-prod/5f0c7c2e-9a3b-4c1d-8e2f-0a1b2c3d4e5f-3';
const PROTECTED = 5;

function specs(domains: number, grantsPerDomain: number, seed = 7): DomainSpec[] {
  const next = rng(seed);
  const ids = Array.from({ length: domains }, (_, i) => `team-${i}.svc`);
  const perChannel = Math.round(grantsPerDomain / PROTECTED);
  return ids.map((domain) =>
    makeSpec(domain, [
      { channel: 'events', visibility: 'public' },
      { channel: 'state', visibility: 'private' },
      ...Array.from({ length: PROTECTED }, (_, c) => ({
        channel: `channel-${c}`,
        visibility: 'protected' as const,
        grants: [
          ...new Set(
            Array.from({ length: Math.min(perChannel, domains - 1) }, () => ids[Math.floor(next() * domains)]!),
          ),
        ].filter((g) => g !== domain),
      })),
    ]),
  );
}

const quantile = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const rows: Array<Record<string, number | boolean>> = [];
const config = resolveConfig({});
for (const domains of [10, 100, 1000]) {
  for (const grantsPerDomain of [0, 10, 50]) {
    const set = specs(domains, grantsPerDomain);
    const t0 = performance.now();
    const out = iamPolicies(set, config, CLUSTER, { maxPolicyChars: 6144, maxPolicies: Number.MAX_SAFE_INTEGER });
    const ms = performance.now() - t0;
    const chars = [...out.domains.values()].map((d) => d.chars.reduce((a, b) => a + b, 0)).sort((a, b) => a - b);
    const policies = [...out.domains.values()].map((d) => d.policies.length).sort((a, b) => a - b);
    const grantsReceived = set.reduce((n, s) => n + s.owned.reduce((m, t) => m + t.grants.length, 0), 0) / domains;
    const row = {
      domains,
      grantsPerDomain: Math.round(grantsReceived * 10) / 10,
      charsPerDomainMedian: quantile(chars, 0.5),
      charsPerDomainMax: chars[chars.length - 1]!,
      policiesLargestDomain: policies[policies.length - 1]!,
      fitsDefaultQuota: policies[policies.length - 1]! <= 10,
      fitsRaisedQuota: policies[policies.length - 1]! <= 20,
      msPerDomain: Math.round((ms / domains) * 1000) / 1000,
    };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
console.log(JSON.stringify({ cluster: CLUSTER, maxPolicyChars: 6144, rows }));
