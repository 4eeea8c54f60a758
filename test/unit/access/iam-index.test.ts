// The grants index (lib/access/iam-index.ts): after any sequence of provisioning runs, updates and
// removals, applied one spec at a time through the index alone, each domain's policies by the
// index are exactly what iamPolicies gives for the specs in place, and a run reads and writes only
// its own targets.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  PUBLIC_TARGET,
  contributionsOf,
  indexUpdates,
  parseIndex,
  policiesFromIndex,
  checkPolicyLimits,
  type IamIndex,
} from '../../../lib/access/iam-index.js';
import { DEFAULT_IAM_LIMITS, IamPolicyLimitError, iamPolicies, parseClusterArn } from '../../../lib/access/iam.js';
import { resolveConfig } from '../../../lib/config.js';
import type { DomainSpec } from '../../../lib/spec/model.js';
import { arbDomainIds, arbSpecsFor, makeSpec } from '../../support/gen.js';

const CLUSTER = parseClusterArn(
  'arn:aws:kafka:eu-west-1:123456789012:cluster/data-mesh/5f0c7c2e-9a3b-4c1d-8e2f-0a1b2c3d4e5f-3',
);
const config = resolveConfig({ authModes: ['SCRAM', 'MTLS', 'IAM'] });
const limits = { maxPolicyChars: 6144, maxPolicies: 50 };

/** An in-memory bucket of index objects, stored as JSON text like the real one; counts what a run touches. */
class Store {
  readonly objects = new Map<string, string>();
  touched = new Set<string>();
  read(t: string): IamIndex | undefined {
    this.touched.add(t);
    const text = this.objects.get(t);
    return text === undefined ? undefined : parseIndex(t, text);
  }
  run(domain: string, spec: DomainSpec | undefined): Set<string> {
    const changed = new Set<string>();
    for (const u of indexUpdates(domain, this.read(domain), spec && contributionsOf(spec, config), ['r'])) {
      const cur = this.read(u.target);
      const next = u.update(cur);
      if (next !== cur) {
        this.objects.set(u.target, JSON.stringify(next));
        changed.add(u.target);
      }
    }
    return changed;
  }
}

describe('the grants index', () => {
  it('gives every domain exactly the policies iamPolicies gives the specs in place, after any sequence of runs', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        arbDomainIds({ minSpecs: 2, maxSpecs: 4 }).chain((ids) =>
          fc.tuple(
            fc.constant(ids),
            arbSpecsFor(ids),
            arbSpecsFor(ids),
            fc.array(fc.tuple(fc.nat(ids.length - 1), fc.constantFrom('v1', 'v2', 'remove')), {
              minLength: 1,
              maxLength: 10,
            }),
          ),
        ),
        ([ids, v1, v2, steps]) => {
          const store = new Store();
          const live = new Map<string, DomainSpec>();
          for (const [i, what] of steps) {
            const d = ids[i]!;
            const spec = what === 'v1' ? v1[i]! : what === 'v2' ? v2[i]! : undefined;
            if (spec) live.set(d, spec);
            else live.delete(d);
            store.run(d, spec);
            runs++;
            const expected =
              live.size === 0 ? new Map() : iamPolicies([...live.values()], config, CLUSTER, limits).domains;
            for (const id of ids) {
              const got = policiesFromIndex(store.read(id), store.read(PUBLIC_TARGET), CLUSTER, limits);
              expect({ id, policies: got.policies }).toEqual({ id, policies: expected.get(id)?.policies ?? [] });
            }
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(runs).toBeGreaterThan(100);
  });

  it('a run reads and writes its own index, _public and the domains it grants to (now or before), nothing else', () => {
    const store = new Store();
    const others = ['a.one', 'b.two', 'c.three'].map((d) => makeSpec(d, [{ channel: 'x', visibility: 'private' }]));
    for (const s of others) store.run(s.domain, s);
    const grantsB = makeSpec('shop.x', [{ channel: 'p', visibility: 'protected', grants: ['b.two'] }]);
    store.touched = new Set();
    expect(store.run('shop.x', grantsB)).toEqual(new Set(['b.two', PUBLIC_TARGET, 'shop.x']));
    expect(store.touched).toEqual(new Set(['b.two', PUBLIC_TARGET, 'shop.x']));
    // The grant moves from b.two to c.three: b.two loses it, found through shop.x's own index.
    store.touched = new Set();
    const grantsC = makeSpec('shop.x', [{ channel: 'p', visibility: 'protected', grants: ['c.three'] }]);
    expect(store.run('shop.x', grantsC)).toEqual(new Set(['b.two', 'c.three', 'shop.x']));
    expect(store.touched).toEqual(new Set(['b.two', 'c.three', PUBLIC_TARGET, 'shop.x']));
    expect(JSON.stringify(store.read('b.two'))).not.toContain('shop.x');
    // A rerun changes nothing.
    expect(store.run('shop.x', grantsC)).toEqual(new Set());
  });

  it('keeps the roles a spec names, and the ones it no longer names for the next convergence to detach', () => {
    const store = new Store();
    const spec = makeSpec('shop.x');
    const run = (roles: string[]) => {
      for (const u of indexUpdates('shop.x', store.read('shop.x'), contributionsOf(spec, config), roles)) {
        store.objects.set(u.target, JSON.stringify(u.update(store.read(u.target))));
      }
      return store.read('shop.x')!;
    };
    expect(run(['a', 'b'])).toMatchObject({ roles: ['a', 'b'], formerRoles: [] });
    expect(run(['b', 'c'])).toMatchObject({ roles: ['b', 'c'], formerRoles: ['a'] });
    expect(run(['a'])).toMatchObject({ roles: ['a'], formerRoles: ['b', 'c'] });
  });

  it('refuses an index object of another shape, naming the target', () => {
    expect(() => parseIndex('shop.x', '{')).toThrow(/shop\.x is not JSON/);
    expect(() => parseIndex('shop.x', JSON.stringify({ version: 1, target: 'other', contributions: {} }))).toThrow(
      /shop\.x does not have the expected shape/,
    );
    expect(() =>
      parseIndex(
        'shop.x',
        JSON.stringify({ version: 1, target: 'shop.x', contributions: { a: [['TOPIC', 'X', 'n', 'READ']] } }),
      ),
    ).toThrow(/expected shape/);
  });

  it('refuses, with the numbers, a domain whose policies exceed what a role may hold', () => {
    const source = makeSpec(
      'shop.src',
      Array.from({ length: 400 }, (_, i) => ({
        channel: `c${i}`,
        visibility: 'protected' as const,
        grants: ['shop.big'],
      })),
    );
    const store = new Store();
    store.run('shop.big', makeSpec('shop.big'));
    store.run('shop.src', source);
    const p = policiesFromIndex(store.read('shop.big'), store.read(PUBLIC_TARGET), CLUSTER, DEFAULT_IAM_LIMITS);
    expect(() => checkPolicyLimits([p], { maxPolicyChars: 6144, maxPolicies: 1 })).toThrow(IamPolicyLimitError);
    expect(() => checkPolicyLimits([p], { maxPolicyChars: 6144, maxPolicies: 1 })).toThrow(
      new RegExp(`shop\\.big needs ${p.policies.length} managed policies`),
    );
    expect(() => checkPolicyLimits([p], DEFAULT_IAM_LIMITS)).not.toThrow();
  });
});
