import fc from 'fast-check';
import { Authorizer } from '../../../lib/access/authorizer.js';
import type { Decision } from '../../../lib/access/authorizer.js';
import { OPERATIONS } from '../../../lib/access/types.js';
import type { AccessRequest, AclBinding, Operation } from '../../../lib/access/types.js';

const b = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'TOPIC',
  resourceName: 'shop.orders',
  patternType: 'LITERAL',
  principal: 'User:alice',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  ...over,
});
const req = (over: Partial<AccessRequest>): AccessRequest => ({
  principal: 'User:alice',
  operation: 'READ',
  resourceType: 'TOPIC',
  resourceName: 'shop.orders',
  ...over,
});
const decide = (bindings: AclBinding[], r: Partial<AccessRequest>, allowEveryoneIfNoAclFound = false): Decision =>
  new Authorizer(bindings, { allowEveryoneIfNoAclFound }).authorize(req(r));

describe('Authorizer: Kafka StandardAuthorizer rules', () => {
  it('denies when nothing matches (allow.everyone.if.no.acl.found off)', () => {
    expect(decide([], {})).toEqual({ allowed: false, decidedBy: [], reason: 'no-matching-allow' });
  });

  it('allows on a matching LITERAL ALLOW and names the binding', () => {
    const grant = b({});
    expect(decide([grant], {})).toEqual({ allowed: true, decidedBy: [grant], reason: 'allow-acl' });
    expect(decide([grant], { resourceName: 'shop.orders2' }).allowed).toBe(false);
    expect(decide([grant], { resourceName: 'shop.order' }).allowed).toBe(false);
  });

  it('DENY wins over ALLOW, also when the ALLOW is more specific', () => {
    const grant = b({});
    const deny = b({ patternType: 'PREFIXED', resourceName: 'shop.', permission: 'DENY' });
    const d = decide([grant, deny], {});
    expect(d).toEqual({ allowed: false, decidedBy: [deny], reason: 'deny-acl' });
    // A wildcard-resource DENY also wins.
    expect(decide([grant, b({ resourceName: '*', permission: 'DENY' })], {}).reason).toBe('deny-acl');
    // A DENY for the wildcard principal denies everyone.
    expect(decide([grant, b({ principal: 'User:*', permission: 'DENY' })], {}).allowed).toBe(false);
  });

  it('User:* is the wildcard principal', () => {
    const everyone = b({ principal: 'User:*' });
    expect(decide([everyone], { principal: 'User:bob' }).allowed).toBe(true);
    expect(decide([everyone], { principal: 'User:CN=bob' }).allowed).toBe(true);
    // A principal literally named like a prefix of another is not a wildcard.
    expect(decide([b({ principal: 'User:ali' })], {}).allowed).toBe(false);
  });

  it('LITERAL `*` is the wildcard resource name; PREFIXED `*` is not', () => {
    expect(decide([b({ resourceName: '*' })], { resourceName: 'anything' }).allowed).toBe(true);
    expect(decide([b({ resourceName: '*', patternType: 'PREFIXED' })], { resourceName: 'anything' }).allowed).toBe(
      false,
    );
    // The wildcard is per resource type.
    expect(decide([b({ resourceName: '*', resourceType: 'GROUP' })], { resourceName: 'anything' }).allowed).toBe(false);
  });

  it('PREFIXED matches by string prefix (so prefixes must end in a dot)', () => {
    const p = b({ patternType: 'PREFIXED', resourceName: 'shop.order' });
    expect(decide([p], { resourceName: 'shop.order' }).allowed).toBe(true);
    expect(decide([p], { resourceName: 'shop.orders.x' }).allowed).toBe(true); // the SpecMesh 564 leak
    expect(decide([p], { resourceName: 'shop.orde' }).allowed).toBe(false);
    const dotted = b({ patternType: 'PREFIXED', resourceName: 'shop.order.' });
    expect(decide([dotted], { resourceName: 'shop.orders.x' }).allowed).toBe(false);
    expect(decide([dotted], { resourceName: 'shop.order.x' }).allowed).toBe(true);
    // A LITERAL binding is never a prefix.
    expect(decide([b({ resourceName: 'shop.' })], { resourceName: 'shop.orders' }).allowed).toBe(false);
  });

  it.each(['READ', 'WRITE', 'DELETE', 'ALTER'] as const)(
    'ALLOW %s implies DESCRIBE (not the other way round)',
    (op) => {
      expect(decide([b({ operation: op })], { operation: 'DESCRIBE' }).allowed).toBe(true);
      expect(decide([b({ operation: 'DESCRIBE' })], { operation: op }).allowed).toBe(false);
    },
  );

  it('other operations do not imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS only', () => {
    for (const op of ['CREATE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE'] as const) {
      expect(decide([b({ operation: op })], { operation: 'DESCRIBE' }).allowed).toBe(false);
    }
    expect(decide([b({ operation: 'ALTER_CONFIGS' })], { operation: 'DESCRIBE_CONFIGS' }).allowed).toBe(true);
    expect(decide([b({ operation: 'ALTER' })], { operation: 'DESCRIBE_CONFIGS' }).allowed).toBe(false);
    expect(decide([b({ operation: 'DESCRIBE_CONFIGS' })], { operation: 'ALTER_CONFIGS' }).allowed).toBe(false);
  });

  it('implication is for ALLOW only: DENY READ does not deny DESCRIBE', () => {
    const bs = [b({ operation: 'WRITE' }), b({ operation: 'READ', permission: 'DENY' })];
    expect(decide(bs, { operation: 'DESCRIBE' }).allowed).toBe(true);
    expect(decide(bs, { operation: 'READ' }).reason).toBe('deny-acl');
  });

  it('ALL matches every operation, for ALLOW and for DENY', () => {
    for (const op of OPERATIONS) {
      expect(decide([b({ operation: 'ALL' })], { operation: op }).allowed).toBe(true);
      expect(
        decide([b({ operation: 'ALL' }), b({ operation: 'ALL', permission: 'DENY', principal: 'User:*' })], {
          operation: op,
        }).allowed,
      ).toBe(false);
    }
  });

  it('host `*` matches any host; a specific host only that host; a request without a host only `*`', () => {
    const h = b({ host: '10.0.0.1' });
    expect(decide([h], { host: '10.0.0.1' }).allowed).toBe(true);
    expect(decide([h], { host: '10.0.0.2' }).allowed).toBe(false);
    expect(decide([h], {}).allowed).toBe(false);
    expect(decide([b({})], { host: '10.0.0.2' }).allowed).toBe(true);
  });

  describe('allow.everyone.if.no.acl.found', () => {
    it('on: a resource with no binding at all is open', () => {
      expect(decide([], {}, true)).toEqual({ allowed: true, decidedBy: [], reason: 'no-acls-allow-everyone' });
      expect(decide([b({ resourceName: 'other' })], {}, true).reason).toBe('no-acls-allow-everyone');
    });
    it('on: any binding on the resource switches it off, even one for another principal or operation', () => {
      expect(decide([b({ principal: 'User:bob' })], {}, true)).toEqual({
        allowed: false,
        decidedBy: [],
        reason: 'no-matching-allow',
      });
      expect(decide([b({ operation: 'WRITE', permission: 'DENY' })], {}, true).allowed).toBe(false);
      expect(decide([b({ host: '10.9.9.9' })], {}, true).allowed).toBe(false);
      // ...matched through a prefix or the wildcard resource too.
      expect(
        decide([b({ patternType: 'PREFIXED', resourceName: 'sh', principal: 'User:bob' })], {}, true).allowed,
      ).toBe(false);
      expect(decide([b({ resourceName: '*', principal: 'User:bob' })], {}, true).allowed).toBe(false);
    });
    it('on: a matching DENY still denies (DENY-only match counts as ACLs found)', () => {
      const deny = b({ permission: 'DENY' });
      expect(decide([deny], {}, true)).toEqual({ allowed: false, decidedBy: [deny], reason: 'deny-acl' });
    });
    it('off: a resource with no binding is closed', () => {
      expect(decide([b({ resourceName: 'other' })], {}, false).allowed).toBe(false);
    });
  });

  it('counts a binding given twice once', () => {
    const a = new Authorizer([b({}), b({})]);
    expect(a.size).toBe(1);
    expect(a.authorize(req({})).decidedBy).toHaveLength(1);
  });

  it('reports the principals named on a resource', () => {
    const a = new Authorizer([
      b({}),
      b({ principal: 'User:*', patternType: 'PREFIXED', resourceName: 'shop.' }),
      b({ resourceName: 'x', principal: 'User:z' }),
    ]);
    expect([...a.principalsOn('TOPIC', 'shop.orders')].sort()).toEqual(['User:*', 'User:alice']);
    expect(a.bindingsOn('TOPIC', 'shop.orders')).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// The indexed authorizer against a naive linear reference written straight from Kafka's findResult
// and MatchingRuleBuilder. Names and principals come from tiny alphabets so that prefixes collide.

const IMPLIES_DESCRIBE: readonly Operation[] = ['DESCRIBE', 'READ', 'WRITE', 'DELETE', 'ALTER'];
function reference(
  bindings: readonly AclBinding[],
  r: AccessRequest,
  allowEveryone: boolean,
): { allowed: boolean; reason: string } {
  let any = false;
  let deny = false;
  let allowed = false;
  for (const x of bindings) {
    if (x.resourceType !== r.resourceType) continue;
    const nameMatch =
      x.patternType === 'LITERAL'
        ? x.resourceName === r.resourceName || x.resourceName === '*'
        : r.resourceName.startsWith(x.resourceName);
    if (!nameMatch) continue;
    any = true;
    if (x.principal !== r.principal && x.principal !== 'User:*') continue;
    if (x.host !== '*' && x.host !== r.host) continue;
    let opMatch = x.operation === 'ALL' || x.operation === r.operation;
    if (!opMatch && x.permission === 'ALLOW') {
      if (r.operation === 'DESCRIBE') opMatch = IMPLIES_DESCRIBE.includes(x.operation);
      if (r.operation === 'DESCRIBE_CONFIGS') opMatch = x.operation === 'ALTER_CONFIGS';
    }
    if (!opMatch) continue;
    if (x.permission === 'DENY') deny = true;
    else allowed = true;
  }
  if (deny) return { allowed: false, reason: 'deny-acl' };
  if (allowed) return { allowed: true, reason: 'allow-acl' };
  if (!any && allowEveryone) return { allowed: true, reason: 'no-acls-allow-everyone' };
  return { allowed: false, reason: 'no-matching-allow' };
}

const names = fc.constantFrom('a', 'a.', 'a.b', 'a.bc', 'ab', 'ab.c', '*', 'b', 'b.a', '');
const principals = fc.constantFrom('User:a', 'User:ab', 'User:*', 'User:CN=a', 'User:b');
const ops = fc.constantFrom(...OPERATIONS);
const arbBinding: fc.Arbitrary<AclBinding> = fc.record({
  resourceType: fc.constantFrom('TOPIC', 'GROUP'),
  resourceName: names,
  patternType: fc.constantFrom('LITERAL', 'PREFIXED'),
  principal: principals,
  host: fc.constantFrom('*', '*', '*', '10.0.0.1'),
  operation: ops,
  permission: fc.constantFrom('ALLOW', 'ALLOW', 'DENY'),
});
const arbRequest: fc.Arbitrary<AccessRequest> = fc.record(
  {
    principal: principals,
    host: fc.constantFrom('10.0.0.1', '10.0.0.2'),
    operation: ops,
    resourceType: fc.constantFrom('TOPIC', 'GROUP'),
    resourceName: fc.constantFrom('a', 'a.b', 'a.bc', 'a.b.c', 'ab', 'ab.c', 'b', 'b.a', 'c', '*'),
  },
  { requiredKeys: ['principal', 'operation', 'resourceType', 'resourceName'] },
);

describe('Authorizer agrees with a linear reference of Kafka rules', () => {
  it('on random bindings and requests', () => {
    fc.assert(
      fc.property(
        fc.array(arbBinding, { maxLength: 12 }),
        fc.array(arbRequest, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (bs, reqs, everyone) => {
          const a = new Authorizer(bs, { allowEveryoneIfNoAclFound: everyone });
          for (const r of reqs) {
            const d = a.authorize(r);
            expect({ allowed: d.allowed, reason: d.reason }).toEqual(reference(bs, r, everyone));
            // The allocation-free decision path answers exactly as the full one.
            expect(a.isAllowed(r)).toBe(d.allowed);
            // decidedBy holds exactly bindings of the deciding permission.
            if (d.reason === 'deny-acl') expect(d.decidedBy.every((x) => x.permission === 'DENY')).toBe(true);
            if (d.reason === 'allow-acl')
              expect(d.decidedBy.length > 0 && d.decidedBy.every((x) => x.permission === 'ALLOW')).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
