import fc from 'fast-check';
import { bindingKey, desiredBindings, isManagedBy } from '../../../lib/access/bindings.js';
import type { AclBinding } from '../../../lib/access/types.js';
import { resolveConfig } from '../../../lib/config.js';
import type { ClusterState } from '../../../lib/kafka/state.js';
import { applyPlanToState, isEmptyPlan, knownDomains, plan } from '../../../lib/plan/plan.js';
import type { DomainSpec } from '../../../lib/spec/model.js';
import { arbDomainIds, arbSpecsFor, makeSpec } from '../../support/gen.js';

const config = resolveConfig({ authModes: ['SCRAM', 'MTLS'] });
const EMPTY: ClusterState = { topics: [], acls: [] };
const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'TOPIC',
  patternType: 'LITERAL',
  resourceName: 'x',
  principal: 'User:x',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  ...over,
});
const keys = (bs: readonly AclBinding[]) => new Set(bs.map(bindingKey));

const shop = makeSpec('shop.orders', [
  { channel: 'placed', visibility: 'public', partitions: 6, configs: { 'retention.ms': '86400000' } },
  { channel: 'paid', visibility: 'protected', grants: ['billing'] },
  { channel: 'audit', visibility: 'private', replicas: 2 },
]);

describe('plan against an empty cluster', () => {
  const p = plan([shop], EMPTY, config);
  it('creates the topics with the spec settings or the defaults', () => {
    expect(p.errors).toEqual([]);
    expect(p.topicsToCreate).toEqual([
      { domain: 'shop.orders', name: 'shop.orders._private.audit', partitions: 3, replicas: 2, configs: {} },
      { domain: 'shop.orders', name: 'shop.orders._protected.paid', partitions: 3, replicas: 3, configs: {} },
      {
        domain: 'shop.orders',
        name: 'shop.orders._public.placed',
        partitions: 6,
        replicas: 3,
        configs: { 'retention.ms': '86400000' },
      },
    ]);
  });
  it('creates exactly the desired bindings and deletes nothing', () => {
    expect(p.aclsToCreate).toEqual(desiredBindings([shop], config));
    expect(p.aclsToDelete).toEqual([]);
    expect(p.summary).toMatchObject({
      domains: 1,
      topicsToCreate: 3,
      aclsToCreate: p.aclsToCreate.length,
      aclsToDelete: 0,
      errors: 0,
    });
    expect(isEmptyPlan(p)).toBe(false);
  });
  it('a second run after applying is a zero plan', () => {
    const after = applyPlanToState(EMPTY, p);
    expect(isEmptyPlan(plan([shop], after, config))).toBe(true);
  });
});

describe('topic changes', () => {
  const state: ClusterState = {
    topics: [
      {
        name: 'shop.orders._public.placed',
        partitions: 3,
        replicationFactor: 3,
        configs: { 'retention.ms': '1', 'cleanup.policy': 'compact' },
      },
      { name: 'shop.orders._protected.paid', partitions: 12, replicationFactor: 3, configs: {} },
      { name: 'shop.orders._private.audit', partitions: 1, replicationFactor: 3, configs: {} },
      { name: 'shop.orders._private.gone', partitions: 1, replicationFactor: 3, configs: {} },
      { name: 'other.topic', partitions: 1, replicationFactor: 3, configs: { a: 'b' } },
    ],
    acls: [],
  };
  const p = plan([shop], state, config);

  it('increases partitions the spec states, never decreases one it omits', () => {
    expect(p.partitionIncreases).toEqual([
      { domain: 'shop.orders', topic: 'shop.orders._public.placed', from: 3, to: 6 },
    ]);
    // `paid` omits partitions: 12 stays, no error; `audit` omits partitions: 1 stays below the default.
    expect(p.errors.filter((e) => e.rule === 'partition-decrease')).toEqual([]);
  });
  it('treats the spec configs as the whole dynamic config: set differing keys, remove unstated ones', () => {
    expect(p.configChanges).toEqual([
      {
        domain: 'shop.orders',
        topic: 'shop.orders._public.placed',
        set: { 'retention.ms': '86400000' },
        remove: ['cleanup.policy'],
      },
    ]);
  });
  it('reports a replication-factor change as an error naming the topic', () => {
    expect(p.errors).toEqual([
      expect.objectContaining({
        domain: 'shop.orders',
        rule: 'replication-factor-change',
        topic: 'shop.orders._private.audit',
      }),
    ]);
    expect(() => applyPlanToState(state, p)).toThrow(/replication-factor-change/);
    expect(
      isEmptyPlan({
        ...p,
        topicsToCreate: [],
        partitionIncreases: [],
        configChanges: [],
        aclsToCreate: [],
        aclsToDelete: [],
      }),
    ).toBe(false);
  });
  it('reports a partition decrease as an error', () => {
    const s = makeSpec('shop.orders', [{ channel: 'paid', visibility: 'protected', partitions: 4 }]);
    const e = plan([s], state, config).errors;
    expect(e).toEqual([expect.objectContaining({ rule: 'partition-decrease', topic: 'shop.orders._protected.paid' })]);
    expect(e[0]?.message).toMatch(/12 partitions.*asks for 4/);
  });
  it('never deletes a topic; lists undeclared topics of the domain as orphans', () => {
    expect(p.orphanTopics).toEqual(['shop.orders._private.gone']);
    expect(JSON.stringify(p)).not.toMatch(/other\.topic/);
  });
});

describe('stage filter', () => {
  it('creates only the channels of the configured stage', () => {
    const s = makeSpec('acme', [{ channel: 'a', envs: ['prod'] }, { channel: 'b', envs: ['dev'] }, { channel: 'c' }]);
    const names = (stage?: string) =>
      plan([s], EMPTY, resolveConfig(stage ? { stage } : {})).topicsToCreate.map((t) => t.name);
    expect(names('prod')).toEqual(['acme._private.a', 'acme._private.c']);
    expect(names()).toHaveLength(3);
  });
});

describe('spec-set refusals', () => {
  it('nested domain ids: both specs are refused and contribute nothing', () => {
    const p = plan(
      [makeSpec('ab', [{ channel: 'x' }]), makeSpec('ab.c', [{ channel: 'y' }]), makeSpec('ok', [{ channel: 'z' }])],
      EMPTY,
      config,
    );
    expect(p.errors.map((e) => [e.domain, e.rule])).toEqual([
      ['ab', 'nested-domain'],
      ['ab.c', 'nested-domain'],
    ]);
    expect(p.domains).toEqual(['ok']);
    expect(p.topicsToCreate.map((t) => t.name)).toEqual(['ok._private.z']);
    expect(p.aclsToCreate.every((b) => !b.resourceName.startsWith('ab') && !b.principal.includes('ab'))).toBe(true);
  });

  it('nested domain ids against domains the cluster already serves, both ways', () => {
    const cluster = applyPlanToState(EMPTY, plan([makeSpec('ab', [])], EMPTY, config));
    expect(knownDomains(cluster)).toEqual(new Set(['ab']));
    expect(plan([makeSpec('ab.c', [])], cluster, config).errors).toEqual([
      expect.objectContaining({ domain: 'ab.c', rule: 'nested-domain' }),
    ]);
    const child = applyPlanToState(EMPTY, plan([makeSpec('ab.c', [])], EMPTY, config));
    const e = plan([makeSpec('ab', [])], child, config);
    expect(e.errors).toEqual([expect.objectContaining({ domain: 'ab', rule: 'nested-domain' })]);
    expect(e.aclsToDelete).toEqual([]);
    // ...and the same spec re-planned against its own state is fine.
    expect(isEmptyPlan(plan([makeSpec('ab', [])], cluster, config))).toBe(true);
  });

  it('ids that merely share a string prefix are fine (shop.order / shop.orders, ab / abc / ab-c)', () => {
    const specs = ['shop.order', 'shop.orders', 'ab', 'abc', 'ab-c'].map((d) => makeSpec(d, [{ channel: 'x' }]));
    expect(plan(specs, EMPTY, config).errors).toEqual([]);
  });

  it('refuses invalid ids, invalid grants, duplicate domains and topics outside the namespace', () => {
    const outside: DomainSpec = {
      ...makeSpec('acme', []),
      owned: [{ ...makeSpec('other', [{ channel: 'x' }]).owned[0]! }],
    };
    const p = plan(
      [
        makeSpec('Bad*', []),
        makeSpec('granter', [{ channel: 'x', visibility: 'protected', grants: ['*'] }]),
        makeSpec('twice', []),
        makeSpec('twice', []),
        outside,
      ],
      EMPTY,
      config,
    );
    expect(p.errors.map((e) => [e.domain, e.rule])).toEqual([
      ['Bad*', 'domain-id'],
      ['granter', 'grant-id'],
      ['twice', 'duplicate-domain'],
      ['acme', 'topic-outside-domain'],
    ]);
    expect(p.domains).toEqual([]);
    expect(p.aclsToCreate).toEqual([]);
    expect(p.aclsToCreate.some((b) => b.principal === 'User:*' && b.resourceType !== 'TOPIC')).toBe(false);
  });
});

describe('managed scope in the plan', () => {
  const base = applyPlanToState(
    EMPTY,
    plan(
      [shop, makeSpec('billing', [{ channel: 'inv', visibility: 'protected', grants: ['shop.orders'] }])],
      EMPTY,
      config,
    ),
  );

  it("planning one spec never revokes another domain's grant to it", () => {
    const p = plan([shop], base, config);
    expect(isEmptyPlan(p)).toBe(true);
    const b = plan(
      [makeSpec('billing', [{ channel: 'inv', visibility: 'protected', grants: ['shop.orders'] }])],
      base,
      config,
    );
    expect(isEmptyPlan(b)).toBe(true);
  });

  it('a grant removed from the spec is deleted by its owner', () => {
    const p = plan([makeSpec('billing', [{ channel: 'inv', visibility: 'protected', grants: [] }])], base, config, {
      force: true,
    });
    expect(p.aclsToDelete.map((b) => `${b.principal} ${b.operation} ${b.resourceName}`)).toEqual([
      'User:CN=shop.orders READ billing._protected.inv',
      'User:CN=shop.orders DESCRIBE billing._protected.inv',
      'User:shop.orders READ billing._protected.inv',
      'User:shop.orders DESCRIBE billing._protected.inv',
    ]);
  });

  it('switching mTLS off removes the mTLS bindings', () => {
    const p = plan([shop], base, resolveConfig({ authModes: ['SCRAM'] }), { force: true });
    expect(p.aclsToCreate).toEqual([]);
    expect(p.aclsToDelete.length).toBeGreaterThan(0);
    expect(
      p.aclsToDelete.every((b) => b.principal === 'User:CN=shop.orders' || b.principal === 'User:CN=billing'),
    ).toBe(true);
  });

  it('cleans up stale bindings of the domain: bare-id prefixes (SpecMesh style) and hand-made grants', () => {
    const stale = [
      acl({ patternType: 'PREFIXED', resourceName: 'shop.orders', principal: 'User:shop.orders', operation: 'READ' }),
      acl({ resourceName: 'shop.orders._private.audit', principal: 'User:intruder' }),
      acl({
        resourceType: 'GROUP',
        patternType: 'PREFIXED',
        resourceName: 'billing.',
        principal: 'User:CN=shop.orders',
      }),
    ];
    const p = plan([shop], { ...base, acls: [...base.acls, ...stale] }, config);
    expect(keys(p.aclsToDelete)).toEqual(keys(stale));
    expect(p.errors).toEqual([]);
  });

  it('the mass-deletion guard trips above maxDeleteShare and force overrides it', () => {
    const stale = Array.from({ length: 40 }, (_, i) =>
      acl({ resourceName: `shop.orders.legacy-${i}`, principal: `User:app-${i}` }),
    );
    const state = { ...base, acls: [...base.acls, ...stale] };
    const p = plan([shop], state, config);
    expect(p.errors).toEqual([expect.objectContaining({ domain: 'shop.orders', rule: 'mass-deletion' })]);
    expect(p.errors[0]?.message).toMatch(/deletes 40 of the \d+ ACL bindings managed for shop\.orders/);
    expect(p.aclsToDelete).toHaveLength(40); // still shown
    expect(() => applyPlanToState(state, p)).toThrow(/mass-deletion/);
    const forced = plan([shop], state, config, { force: true });
    expect(forced.errors).toEqual([]);
    expect(isEmptyPlan(plan([shop], applyPlanToState(state, forced), config))).toBe(true);
    // Under the share: no error.
    expect(plan([shop], { ...base, acls: [...base.acls, ...stale.slice(0, 3)] }, config).errors).toEqual([]);
    // A share of 0 refuses any deletion.
    expect(
      plan([shop], { ...base, acls: [...base.acls, stale[0]!] }, resolveConfig({ maxDeleteShare: 0 })).errors[0]?.rule,
    ).toBe('mass-deletion');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random spec sets and random cluster states.

/** Bindings no planned domain may touch: other principals on other namespaces, DENYs, wide patterns. */
function foreignBindings(planned: readonly string[]): fc.Arbitrary<AclBinding[]> {
  const d = fc.constantFrom(...planned);
  const others = fc.constantFrom('unknown.dom', 'legacy', 'zz-team', ...planned.map((p) => `${p}x`));
  const arb: fc.Arbitrary<AclBinding> = fc.oneof(
    // another namespace, any principal that is not a planned domain's
    fc
      .record({ o: others, p: fc.constantFrom('User:legacy', 'User:*', 'User:CN=zz-team') })
      .map(({ o, p }) => acl({ resourceName: `${o}.t`, principal: p })),
    // a DENY inside a planned namespace, or for a planned principal
    d.map((x) => acl({ resourceName: `${x}._private.t`, principal: 'User:legacy', permission: 'DENY' })),
    d.map((x) =>
      acl({
        resourceType: 'GROUP',
        patternType: 'PREFIXED',
        resourceName: 'g.',
        principal: `User:${x}`,
        permission: 'DENY',
      }),
    ),
    // wider patterns that also cover other namespaces, held by non-domain principals
    d.map((x) => acl({ patternType: 'PREFIXED', resourceName: x, principal: 'User:legacy' })),
    fc.constant(acl({ resourceName: '*', principal: 'User:ops' })),
    // another domain's protected grant to a planned domain's principal
    fc
      .record({ x: d, o: others })
      .map(({ x, o }) => acl({ resourceName: `${o}._protected.t`, principal: `User:CN=${x}`, operation: 'DESCRIBE' })),
    // groups under a planned prefix, held by someone else
    d.map((x) =>
      acl({ resourceType: 'GROUP', patternType: 'PREFIXED', resourceName: `${x}.`, principal: 'User:legacy' }),
    ),
  );
  return fc.array(arb, { maxLength: 8 });
}

/** Bindings the planned domains manage but do not want: they must be deleted (with force). */
function staleBindings(planned: readonly string[]): fc.Arbitrary<AclBinding[]> {
  const d = fc.constantFrom(...planned);
  return fc.array(
    fc.oneof(
      d.map((x) => acl({ resourceName: `${x}._private.t`, principal: 'User:intruder', operation: 'WRITE' })),
      d.map((x) => acl({ patternType: 'PREFIXED', resourceName: x, principal: `User:${x}` })),
      d.map((x) =>
        acl({
          resourceType: 'TRANSACTIONAL_ID',
          patternType: 'LITERAL',
          resourceName: 'shared',
          principal: `User:CN=${x}`,
          operation: 'WRITE',
        }),
      ),
      d.map((x) =>
        acl({ patternType: 'PREFIXED', resourceName: `${x}._public.`, principal: 'User:*', operation: 'WRITE' }),
      ),
    ),
    { maxLength: 6 },
  );
}

const scenario = arbDomainIds({ maxSpecs: 5 }).chain((ids) =>
  fc.record({
    ids: fc.constant(ids),
    before: fc.subarray(ids).chain((sub) => arbSpecsFor(sub, { others: ids })),
    after: arbSpecsFor(ids),
    foreign: foreignBindings(ids),
    stale: staleBindings(ids),
    configDrift: fc.array(
      fc.tuple(fc.nat(20), fc.constantFrom('retention.ms', 'cleanup.policy'), fc.constantFrom('1', 'compact')),
      { maxLength: 4 },
    ),
  }),
);

interface Scenario {
  readonly before: DomainSpec[];
  readonly foreign: AclBinding[];
  readonly stale: AclBinding[];
  readonly configDrift: [number, string, string][];
}

function buildState(s: Scenario): ClusterState {
  const prior = applyPlanToState(EMPTY, plan(s.before, EMPTY, config));
  const topics = prior.topics.map((t, i) => {
    const drift = s.configDrift.filter(([n]) => n % Math.max(prior.topics.length, 1) === i);
    return drift.length ? { ...t, configs: Object.fromEntries(drift.map(([, k, v]) => [k, v])) } : t;
  });
  return { topics, acls: [...s.foreign, ...prior.acls, ...s.stale] };
}

describe('plan properties', () => {
  it('re-planning after applying a plan is empty', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const state = buildState(s);
        const p = plan(s.after, state, config, { force: true });
        expect(p.errors).toEqual([]);
        const next = applyPlanToState(state, p);
        const again = plan(s.after, next, config);
        expect(again).toMatchObject({
          errors: [],
          aclsToCreate: [],
          aclsToDelete: [],
          topicsToCreate: [],
          configChanges: [],
          partitionIncreases: [],
        });
        expect(isEmptyPlan(again)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('never deletes a binding outside the managed scope of the planned domains', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const state = buildState(s);
        const p = plan(s.after, state, config, { force: true });
        const deleted = keys(p.aclsToDelete);
        for (const f of s.foreign) expect([bindingKey(f), deleted.has(bindingKey(f))]).toEqual([bindingKey(f), false]);
        for (const b of p.aclsToDelete) expect(s.ids.some((d) => isManagedBy(b, d, config))).toBe(true);
        // ...and every stale managed binding goes.
        for (const b of s.stale) expect(deleted.has(bindingKey(b))).toBe(true);
        // The foreign bindings survive the apply.
        const next = keys(applyPlanToState(state, p).acls);
        for (const f of s.foreign) expect(next.has(bindingKey(f))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('does not depend on the order of specs or of the current bindings', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const state = buildState(s);
        const a = plan(s.after, state, config, { force: true });
        const b = plan(
          [...s.after].reverse(),
          { topics: [...state.topics].reverse(), acls: [...state.acls].reverse() },
          config,
          { force: true },
        );
        expect(b).toEqual(a);
      }),
      { numRuns: 50 },
    );
  });

  it('planning one domain alone never deletes what the full plan would keep', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const full = applyPlanToState(EMPTY, plan(s.after, EMPTY, config));
        for (const spec of s.after) expect(isEmptyPlan(plan([spec], full, config))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});
