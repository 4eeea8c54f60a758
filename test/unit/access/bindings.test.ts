import fc from 'fast-check';
import { Authorizer } from '../../../lib/access/authorizer.js';
import {
  bindingKey,
  desiredBindings,
  domainOfPrincipal,
  isManagedBy,
  managingDomains,
  principalsOf,
} from '../../../lib/access/bindings.js';
import type { AclBinding, Operation } from '../../../lib/access/types.js';
import { resolveConfig } from '../../../lib/config.js';
import type { AuthMode, ProvisionConfig } from '../../../lib/config.js';
import type { DomainSpec } from '../../../lib/spec/model.js';
import { arbSpecSet, makeSpec } from '../../support/gen.js';

const scram = resolveConfig({ authModes: ['SCRAM'] });
const both = resolveConfig({ authModes: ['SCRAM', 'MTLS'] });
const fmt = (b: AclBinding): string =>
  `${b.resourceType} ${b.patternType} ${b.resourceName} ${b.principal} ${b.operation} ${b.permission} ${b.host}`;

describe('principalsOf', () => {
  it('gives User:D for SCRAM and User:CN=D for mTLS, in config order', () => {
    expect(principalsOf('shop.orders', both)).toEqual(['User:shop.orders', 'User:CN=shop.orders']);
    expect(principalsOf('shop.orders', resolveConfig({ authModes: ['MTLS'] }))).toEqual(['User:CN=shop.orders']);
    expect(principalsOf('shop.orders', scram)).toEqual(['User:shop.orders']);
  });
  it('gives IAM no Kafka principal: MSK authorizes IAM clients by IAM policy alone, never by ACLs', () => {
    expect(principalsOf('shop.orders', resolveConfig({ authModes: ['IAM'] }))).toEqual([]);
    expect(principalsOf('shop.orders', resolveConfig({ authModes: ['SCRAM', 'IAM', 'MTLS'] }))).toEqual([
      'User:shop.orders',
      'User:CN=shop.orders',
    ]);
    expect(principalsOf('shop.orders', resolveConfig({ authModes: ['IAM', 'MTLS'] }))).toEqual(['User:CN=shop.orders']);
  });
  it.each(['*', 'a,b', 'a=b', 'Shop', '.shop', 'shop.', 'a', 'a b', ''])(
    'refuses the id %j (no principal injection)',
    (id) => {
      expect(() => principalsOf(id, both)).toThrow(/invalid domain id/);
    },
  );
  it('maps principals back to domains', () => {
    expect(domainOfPrincipal('User:shop.orders')).toBe('shop.orders');
    expect(domainOfPrincipal('User:CN=shop.orders')).toBe('shop.orders');
    expect(domainOfPrincipal('User:*')).toBeUndefined();
    expect(domainOfPrincipal('User:CN=shop,O=x')).toBeUndefined();
    expect(domainOfPrincipal('Group:shop')).toBeUndefined();
  });
});

describe('desiredBindings: the access model table', () => {
  const spec = makeSpec('shop.orders', [
    { channel: 'placed', visibility: 'public' },
    { channel: 'paid', visibility: 'protected', grants: ['billing'] },
    { channel: 'audit', visibility: 'private' },
  ]);

  it('produces exactly the table for a one-grant spec (SCRAM)', () => {
    expect(desiredBindings([spec], scram).map(fmt)).toEqual([
      'TOPIC PREFIXED shop.orders. User:shop.orders DESCRIBE ALLOW *',
      'TOPIC PREFIXED shop.orders. User:shop.orders READ ALLOW *',
      'TOPIC PREFIXED shop.orders. User:shop.orders WRITE ALLOW *',
      'TOPIC PREFIXED shop.orders._private. User:shop.orders CREATE ALLOW *',
      'TOPIC PREFIXED shop.orders._public. User:* DESCRIBE ALLOW *',
      'TOPIC PREFIXED shop.orders._public. User:* READ ALLOW *',
      'TOPIC LITERAL shop.orders._protected.paid User:billing DESCRIBE ALLOW *',
      'TOPIC LITERAL shop.orders._protected.paid User:billing READ ALLOW *',
      'GROUP PREFIXED shop.orders. User:shop.orders READ ALLOW *',
      'TRANSACTIONAL_ID PREFIXED shop.orders. User:shop.orders DESCRIBE ALLOW *',
      'TRANSACTIONAL_ID PREFIXED shop.orders. User:shop.orders WRITE ALLOW *',
      'CLUSTER LITERAL kafka-cluster User:shop.orders IDEMPOTENT_WRITE ALLOW *',
    ]);
  });

  it('gives every allow to each enabled principal', () => {
    const bs = desiredBindings([spec], both);
    expect(bs).toHaveLength(2 * 12 - 2); // the two User:* public rows are not doubled
    expect(bs.filter((b) => b.principal === 'User:CN=billing').map((b) => b.operation)).toEqual(['DESCRIBE', 'READ']);
  });

  it('every prefix ends in a dot (SpecMesh issue 564)', () => {
    fc.assert(
      fc.property(arbSpecSet(), (specs) => {
        for (const b of desiredBindings(specs, both))
          if (b.patternType === 'PREFIXED') expect(b.resourceName.endsWith('.')).toBe(true);
      }),
    );
  });

  it('owner DELETE only when config.ownerDelete', () => {
    const del = (c: ProvisionConfig) =>
      desiredBindings([spec], c)
        .filter((b) => b.operation === 'DELETE')
        .map(fmt);
    expect(del(scram)).toEqual([]);
    expect(del(resolveConfig({ authModes: ['SCRAM'], ownerDelete: true }))).toEqual([
      'TOPIC PREFIXED shop.orders. User:shop.orders DELETE ALLOW *',
    ]);
  });

  it('uses the configured visibility keywords', () => {
    const c = resolveConfig({ authModes: ['SCRAM'], visibilityKeywords: { public: 'zzpublic' } });
    const s = makeSpec('acme', [{ channel: 'x', visibility: 'public' }], [], c.visibilityKeywords);
    const names = desiredBindings([s], c).map((b) => b.resourceName);
    expect(names).toContain('acme.zzpublic.');
    expect(names).not.toContain('acme._public.');
  });

  it('grant-access:_public opens a protected channel to User:* with a LITERAL grant', () => {
    const s = makeSpec('acme', [{ channel: 'x', visibility: 'protected', grants: ['_public', 'billing'] }]);
    const lit = desiredBindings([s], scram).filter((b) => b.patternType === 'LITERAL' && b.resourceType === 'TOPIC');
    expect(lit.map(fmt)).toEqual([
      'TOPIC LITERAL acme._protected.x User:* DESCRIBE ALLOW *',
      'TOPIC LITERAL acme._protected.x User:* READ ALLOW *',
    ]);
  });

  it('ignores grants on private channels and a grant to the owner itself', () => {
    const s = makeSpec('acme', [
      { channel: 'x', visibility: 'private', grants: ['billing'] },
      { channel: 'y', visibility: 'protected', grants: ['acme'] },
    ]);
    expect(
      desiredBindings([s], scram).filter((b) => b.patternType === 'LITERAL' && b.resourceType === 'TOPIC'),
    ).toEqual([]);
  });

  it('skips channels filtered out by the stage', () => {
    const s = makeSpec('acme', [{ channel: 'x', visibility: 'protected', grants: ['billing'], envs: ['prod'] }]);
    const granted = (stage?: string) =>
      desiredBindings([s], resolveConfig({ authModes: ['SCRAM'], ...(stage ? { stage } : {}) })).some(
        (b) => b.principal === 'User:billing',
      );
    expect(granted('prod')).toBe(true);
    expect(granted('dev')).toBe(false);
    expect(granted(undefined)).toBe(true);
  });

  it('is deterministic whatever the spec order, without duplicates', () => {
    fc.assert(
      fc.property(arbSpecSet(), fc.boolean(), (specs, rev) => {
        const a = desiredBindings(specs, both);
        const b = desiredBindings(rev ? [...specs].reverse() : [...specs].sort(() => 0), both);
        expect(b).toEqual(a);
        expect(new Set(a.map(bindingKey)).size).toBe(a.length);
      }),
    );
  });

  it('bindingKey is injective on fields that could run together', () => {
    const base: AclBinding = {
      resourceType: 'TOPIC',
      patternType: 'LITERAL',
      resourceName: 'ab',
      principal: 'User:c',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    };
    expect(bindingKey(base)).not.toBe(bindingKey({ ...base, resourceName: 'a', principal: 'bUser:c' }));
    expect(bindingKey(base)).toBe(bindingKey({ ...base }));
  });
});

// ---------------------------------------------------------------------------------------------
// The intended access matrix, derived from the spec semantics alone (not from the bindings), and
// checked through the Authorizer over the desired bindings.

const UNKNOWN_DOMAINS = ['unknown.dom', 'shop', 'nobody', 'shop.orderx'];
const TOPIC_OPS: Operation[] = [
  'READ',
  'WRITE',
  'DESCRIBE',
  'DELETE',
  'CREATE',
  'ALTER',
  'ALTER_CONFIGS',
  'DESCRIBE_CONFIGS',
];

function checkMatrix(specs: readonly DomainSpec[], config: ProvisionConfig, allowEveryoneIfNoAclFound: boolean): void {
  const authz = new Authorizer(desiredBindings(specs, config), { allowEveryoneIfNoAclFound });
  const ids = specs.map((s) => s.domain);
  const universe = [...ids, ...UNKNOWN_DOMAINS]
    .flatMap((d) => [`User:${d}`, `User:CN=${d}`])
    .concat(['User:anonymous']);
  const enabledCache = new Map<string, Set<string>>();
  const enabled = (d: string): Set<string> => {
    let e = enabledCache.get(d);
    if (!e) enabledCache.set(d, (e = new Set(principalsOf(d, config))));
    return e;
  };
  // Plain comparisons in the inner loops (jest's expect is costly at thousands of calls per run).
  const want = (
    principal: string,
    operation: Operation,
    type: AclBinding['resourceType'],
    name: string,
    expected: boolean,
  ): void => {
    if (can(principal, operation, type, name) !== expected)
      throw new Error(`${principal} ${operation} ${type} ${name}: expected ${String(expected)}`);
  };
  const can = (
    principal: string,
    operation: Operation,
    resourceType: AclBinding['resourceType'],
    resourceName: string,
  ) => authz.authorize({ principal, operation, resourceType, resourceName }).allowed;

  for (const spec of specs) {
    const owners = enabled(spec.domain);
    for (const t of spec.owned) {
      const isPublic = t.visibility === 'public' || t.grants.includes('_public');
      const granted = new Set(
        t.visibility === 'protected' && !isPublic
          ? t.grants.filter((g) => g !== '_public').flatMap((g) => [...enabled(g)])
          : [],
      );
      for (const p of universe) {
        const owner = owners.has(p);
        const reads = owner || isPublic || granted.has(p);
        const expected: Record<string, boolean> = {
          READ: reads,
          DESCRIBE: reads,
          WRITE: owner,
          DELETE: owner && config.ownerDelete,
          CREATE: owner && t.name.startsWith(`${spec.domain}.${config.visibilityKeywords.private}.`),
          ALTER: false,
          ALTER_CONFIGS: false,
          DESCRIBE_CONFIGS: false,
        };
        for (const op of TOPIC_OPS) want(p, op, 'TOPIC', t.name, expected[op]!);
      }
    }
  }
  // Consumer groups and transactional ids: only under the owner's `D.`; cluster: idempotent write for domains only.
  const groupNames = [...ids, ...UNKNOWN_DOMAINS].flatMap((d) => [`${d}.app`, d, `${d}x.app`, `${d}s.app`]);
  for (const p of universe) {
    const pd = ids.find((d) => enabled(d).has(p));
    for (const g of groupNames) {
      const mine = pd !== undefined && g.startsWith(`${pd}.`);
      // A name under no domain's prefix has no ACL at all: allow.everyone.if.no.acl.found opens it
      // (MSK's default!), exactly as Kafka would.
      const uncovered = !ids.some((d) => g.startsWith(`${d}.`));
      const expected = mine || (allowEveryoneIfNoAclFound && uncovered);
      want(p, 'READ', 'GROUP', g, expected);
      want(p, 'WRITE', 'TRANSACTIONAL_ID', g, expected);
      want(p, 'DESCRIBE', 'TRANSACTIONAL_ID', g, expected);
      want(p, 'DELETE', 'GROUP', g, allowEveryoneIfNoAclFound && uncovered);
    }
    want(p, 'IDEMPOTENT_WRITE', 'CLUSTER', 'kafka-cluster', pd !== undefined);
    want(p, 'ALTER', 'CLUSTER', 'kafka-cluster', false);
    // Nobody writes a topic outside every domain; nobody reads one unless allow-everyone and no ACL at all.
    want(p, 'WRITE', 'TOPIC', 'nobody.x', allowEveryoneIfNoAclFound);
  }
}

const arbConfig = fc
  .record({
    authModes: fc.constantFrom<AuthMode[]>(['SCRAM'], ['MTLS'], ['SCRAM', 'MTLS']),
    ownerDelete: fc.boolean(),
  })
  .map((o) => resolveConfig(o));

describe('the planned bindings give exactly the intended access matrix', () => {
  it('for random spec sets (authorizer with allow.everyone.if.no.acl.found off and on)', () => {
    fc.assert(
      fc.property(arbSpecSet({ maxSpecs: 5, maxChannels: 5 }), arbConfig, fc.boolean(), (specs, config, everyone) => {
        checkMatrix(specs, config, everyone);
      }),
      { numRuns: 300 },
    );
  });

  it('shop.order gets no access to shop.orders (and vice versa): the SpecMesh 564 leak is impossible', () => {
    const specs = [
      makeSpec('shop.order', [
        { channel: 'x', visibility: 'private' },
        { channel: 'p', visibility: 'protected', grants: [] },
      ]),
      makeSpec('shop.orders', [
        { channel: 'y', visibility: 'private' },
        { channel: 'q', visibility: 'protected', grants: ['billing'] },
      ]),
    ];
    const authz = new Authorizer(desiredBindings(specs, both));
    for (const [who, other] of [
      ['shop.order', 'shop.orders'],
      ['shop.orders', 'shop.order'],
    ] as const) {
      for (const p of principalsOf(who, both)) {
        for (const t of specs.find((s) => s.domain === other)!.owned) {
          for (const op of ['READ', 'WRITE', 'DESCRIBE', 'CREATE', 'DELETE'] as const) {
            expect(
              authz.authorize({ principal: p, operation: op, resourceType: 'TOPIC', resourceName: t.name }).allowed,
            ).toBe(false);
          }
        }
        expect(
          authz.authorize({ principal: p, operation: 'READ', resourceType: 'GROUP', resourceName: `${other}.app` })
            .allowed,
        ).toBe(false);
        expect(
          authz.authorize({
            principal: p,
            operation: 'WRITE',
            resourceType: 'TRANSACTIONAL_ID',
            resourceName: `${other}.tx`,
          }).allowed,
        ).toBe(false);
        // ...while each keeps its own.
        expect(
          authz.authorize({ principal: p, operation: 'READ', resourceType: 'GROUP', resourceName: `${who}.app` })
            .allowed,
        ).toBe(true);
      }
    }
    checkMatrix(specs, both, false);
    checkMatrix(specs, both, true);
  });

  it('shows why nested ids are refused: `shop` would read and write `shop.order`', () => {
    const specs = [makeSpec('shop', []), makeSpec('shop.order', [{ channel: 'x', visibility: 'private' }])];
    const authz = new Authorizer(desiredBindings(specs, scram));
    // desiredBindings alone cannot prevent it: the dot-terminated prefix `shop.` contains `shop.order.`.
    expect(
      authz.authorize({
        principal: 'User:shop',
        operation: 'WRITE',
        resourceType: 'TOPIC',
        resourceName: 'shop.order._private.x',
      }).allowed,
    ).toBe(true);
    expect(() => checkMatrix(specs, scram, false)).toThrow(/User:shop (READ|WRITE) TOPIC shop\.order\._private\.x/);
    // plan() refuses this set: see test/unit/plan/plan.test.ts ("nested domain ids").
  });
});

describe('isManagedBy: the managed scope', () => {
  const kw = both;
  const b = (over: Partial<AclBinding>): AclBinding => ({
    resourceType: 'TOPIC',
    patternType: 'LITERAL',
    resourceName: 'shop.orders.x',
    principal: 'User:someone',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
    ...over,
  });
  it.each<[string, Partial<AclBinding>, boolean]>([
    ['a LITERAL topic in D.', {}, true],
    ['a PREFIXED topic in D.', { patternType: 'PREFIXED', resourceName: 'shop.orders.' }, true],
    ['User:* on a topic in D.', { principal: 'User:*' }, true],
    [
      'a PREFIXED bare id (also matches shop.ordersX)',
      { patternType: 'PREFIXED', resourceName: 'shop.orders', principal: 'User:x' },
      false,
    ],
    ['a topic of a domain that merely shares the prefix', { resourceName: 'shop.ordersx.y' }, false],
    ['the wildcard topic for another principal', { resourceName: '*' }, false],
    [
      "D's principal on a bare-id prefix (stale SpecMesh ACL)",
      { patternType: 'PREFIXED', resourceName: 'shop.orders', principal: 'User:shop.orders' },
      true,
    ],
    [
      "D's mTLS principal on a group",
      { resourceType: 'GROUP', resourceName: 'anything', principal: 'User:CN=shop.orders' },
      true,
    ],
    [
      "D's principal on the cluster",
      {
        resourceType: 'CLUSTER',
        resourceName: 'kafka-cluster',
        principal: 'User:shop.orders',
        operation: 'IDEMPOTENT_WRITE',
      },
      true,
    ],
    [
      "another domain's protected grant to D (the granting domain manages it)",
      { resourceName: 'billing._protected.inv', principal: 'User:shop.orders' },
      false,
    ],
    [
      "D's principal with WRITE on a foreign protected topic (not a grant shape)",
      { resourceName: 'billing._protected.inv', principal: 'User:shop.orders', operation: 'WRITE' },
      true,
    ],
    [
      'a GROUP under D. for another principal',
      { resourceType: 'GROUP', resourceName: 'shop.orders.app', principal: 'User:x' },
      false,
    ],
    ['a DENY on a topic in D.', { permission: 'DENY' }, false],
    ["a DENY for D's principal", { permission: 'DENY', principal: 'User:shop.orders', resourceName: 'x' }, false],
  ])('%s → %s', (_what, over, expected) => {
    expect(isManagedBy(b(over), 'shop.orders', kw)).toBe(expected);
  });

  it('every desired binding of a spec is in its own managed scope', () => {
    fc.assert(
      fc.property(arbSpecSet(), (specs) => {
        for (const s of specs)
          for (const x of desiredBindings([s], both)) expect(isManagedBy(x, s.domain, both)).toBe(true);
      }),
    );
  });

  it("no spec's desired binding is in another spec's managed scope (non-nested ids)", () => {
    fc.assert(
      fc.property(arbSpecSet(), (specs) => {
        for (const s of specs) {
          for (const x of desiredBindings([s], both)) {
            for (const o of specs)
              if (o.domain !== s.domain) expect([o.domain, isManagedBy(x, o.domain, both)]).toEqual([o.domain, false]);
          }
        }
      }),
    );
  });

  it('managingDomains agrees with isManagedBy over a domain set', () => {
    const arbB: fc.Arbitrary<AclBinding> = fc.record({
      resourceType: fc.constantFrom('TOPIC', 'GROUP', 'CLUSTER'),
      patternType: fc.constantFrom('LITERAL', 'PREFIXED'),
      resourceName: fc.constantFrom(
        'ab.',
        'ab.c.x',
        'ab',
        'abc.x',
        'ab.c._protected.y',
        'shop._protected.z',
        '*',
        '.ab',
        'ab.c.',
      ),
      principal: fc.constantFrom('User:ab', 'User:CN=ab.c', 'User:abc', 'User:*', 'User:zz'),
      host: fc.constant('*'),
      operation: fc.constantFrom('READ', 'WRITE', 'DESCRIBE'),
      permission: fc.constantFrom('ALLOW', 'DENY'),
    });
    fc.assert(
      fc.property(arbB, fc.subarray(['ab', 'ab.c', 'abc', 'shop']), (x, ds) => {
        const set = new Set(ds);
        expect(managingDomains(x, set, both).sort()).toEqual(ds.filter((d) => isManagedBy(x, d, both)).sort());
      }),
      { numRuns: 500 },
    );
  });
});
