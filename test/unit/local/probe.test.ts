// npm start's IAM rows: decided by the IAM policy simulator over the domains' policies, compared with
// the access model's decision, and shown in the matrix marked as simulated (the local broker cannot
// run MSK's IAM authentication).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { iamSimulator } from '../../../cli/iam-simulator.js';
import { Authorizer } from '../../../lib/access/authorizer.js';
import { desiredBindings, scramPrincipal } from '../../../lib/access/bindings.js';
import { iamPolicies, type IamPolicySet } from '../../../lib/access/iam.js';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { parseSpec, type DomainSpec } from '../../../lib/spec/index.js';
import { formatMatrix, mismatches, simulatedIamDecisions, type ProbeOperation } from '../../../local/probe.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/specs');
const CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:000000000000:cluster/data-products-local/5f0c7c2e-0000-4000-8000-000000000001-1';

const specs: DomainSpec[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => {
    const r = parseSpec(readFileSync(path.join(EXAMPLES, f), 'utf8'), f, DEFAULT_CONFIG);
    if (!r.ok) throw new Error(`${f} does not parse`);
    return r.spec;
  });
const topics = specs.flatMap((s) => s.owned.map((t) => t.name)).sort();
const domains = specs.map((s) => s.domain);
const authorizer = new Authorizer(desiredBindings(specs, DEFAULT_CONFIG));
const model = (domain: string, operation: ProbeOperation, topic: string) =>
  authorizer.authorize({ principal: scramPrincipal(domain), operation, resourceType: 'TOPIC', resourceName: topic })
    .allowed;

async function decisions(set: IamPolicySet) {
  return simulatedIamDecisions(set.cluster, await iamSimulator(set), domains, topics, model);
}

describe('simulatedIamDecisions', () => {
  it('over the examples, the simulator agrees with the access model on every domain, topic and operation', async () => {
    const got = await decisions(iamPolicies(specs, DEFAULT_CONFIG, CLUSTER_ARN));
    expect(got).toHaveLength(domains.length * topics.length * 2);
    expect(mismatches(got)).toEqual([]);
    // Not vacuous: both answers occur.
    expect(got.some((d) => d.allowed)).toBe(true);
    expect(got.some((d) => !d.allowed)).toBe(true);
    expect(new Set(got.map((d) => d.decidedBy))).toEqual(new Set(['simulator']));
  });

  it('a domain whose policies are missing shows as disagreeing wherever the model allows it', async () => {
    const full = iamPolicies(specs, DEFAULT_CONFIG, CLUSTER_ARN);
    const domains = new Map(full.domains);
    domains.set('shop.payments', { domain: 'shop.payments', policies: [], chars: [] });
    const wrong = mismatches(await decisions({ ...full, domains }));
    expect(wrong.length).toBeGreaterThan(0);
    expect(new Set(wrong.map((w) => w.client.domain))).toEqual(new Set(['shop.payments']));
    expect(wrong.every((w) => w.expected && !w.allowed)).toBe(true);
  });

  it('the matrix marks the IAM rows as decided by the simulator', async () => {
    const text = formatMatrix(await decisions(iamPolicies(specs, DEFAULT_CONFIG, CLUSTER_ARN)));
    for (const d of domains) expect(text).toContain(`${d} (IAM, simulated)`);
    expect(text).not.toContain('!');
  });
});
