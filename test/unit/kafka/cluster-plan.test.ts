// The checked plan travels as counts and a digest; the apply step compares its own plan with it.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { digestOf, planDrift } from '../../../lib/kafka/cluster-plan.js';
import { plan } from '../../../lib/plan/plan.js';
import type { DomainSpec } from '../../../lib/spec/model.js';

const spec = (channels: string[]): DomainSpec => ({
  domain: 'shop.x',
  asyncapi: '2.6.0',
  source: 'test',
  subscriptions: [],
  owned: channels.map((c) => ({
    name: `shop.x._public.${c}`,
    channel: `_public.${c}`,
    visibility: 'public' as const,
    grants: [],
    configs: {},
    path: '$',
  })),
});
const empty = { topics: [], acls: [] };

describe('plan digest and drift', () => {
  it('the same plan has the same digest, and no drift', () => {
    const a = digestOf(plan([spec(['a', 'b'])], empty, DEFAULT_CONFIG));
    const b = digestOf(plan([spec(['b', 'a'])], empty, DEFAULT_CONFIG));
    expect(a).toEqual(b);
    expect(planDrift(a, b)).toBeUndefined();
    expect(planDrift(undefined, b)).toBeUndefined();
  });

  it('a cluster changed since the check: the counts of both plans', () => {
    const checked = digestOf(plan([spec(['a', 'b'])], empty, DEFAULT_CONFIG));
    const someoneMadeA = {
      topics: [{ name: 'shop.x._public.a', partitions: 3, replicationFactor: 3, configs: {} }],
      acls: [],
    };
    const now = digestOf(plan([spec(['a', 'b'])], someoneMadeA, DEFAULT_CONFIG));
    expect(planDrift(checked, now)).toEqual({
      checked: expect.objectContaining({ topicsToCreate: 2 }),
      applied: expect.objectContaining({ topicsToCreate: 1 }),
    });
  });
});
