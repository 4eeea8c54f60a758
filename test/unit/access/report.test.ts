import fc from 'fast-check';
import { accessReport, formatAccessReport } from '../../../lib/access/report.js';
import { resolveConfig } from '../../../lib/config.js';
import { arbSpecSet, makeSpec } from '../../support/gen.js';

const config = resolveConfig({ authModes: ['SCRAM', 'MTLS'] });
const shop = makeSpec('shop.orders', [
  { channel: 'placed', visibility: 'public' },
  { channel: 'paid', visibility: 'protected', grants: ['billing'] },
  { channel: 'audit', visibility: 'private' },
]);
const billing = makeSpec(
  'billing',
  [{ channel: 'inv', visibility: 'private' }],
  [
    'shop.orders._public.placed', // public: fine
    'shop.orders._protected.paid', // granted: fine
    'shop.orders._private.audit', // private: not granted
    'shop.orders._protected.refunds', // in shop.orders' namespace, not declared
    'nobody.topic', // no owner at all
  ],
);

describe('accessReport', () => {
  const report = accessReport([shop, billing], config);
  const byTopic = new Map(report.topics.map((t) => [t.topic, t]));

  it('lists who can read and write every owned topic, through the authorizer', () => {
    expect(report.topics.map((t) => t.topic)).toEqual([
      'billing._private.inv',
      'shop.orders._private.audit',
      'shop.orders._protected.paid',
      'shop.orders._public.placed',
    ]);
    expect(byTopic.get('shop.orders._public.placed')?.read).toEqual({
      everyone: true,
      principals: ['User:CN=shop.orders', 'User:shop.orders'],
      domains: ['shop.orders'],
    });
    expect(byTopic.get('shop.orders._protected.paid')?.read).toEqual({
      everyone: false,
      principals: ['User:CN=billing', 'User:CN=shop.orders', 'User:billing', 'User:shop.orders'],
      domains: ['billing', 'shop.orders'],
    });
    expect(byTopic.get('shop.orders._private.audit')?.read.domains).toEqual(['shop.orders']);
    for (const t of report.topics)
      expect(t.write).toEqual({
        everyone: false,
        principals: [`User:CN=${t.owner}`, `User:${t.owner}`],
        domains: [t.owner],
      });
  });

  it('finds dangling subscriptions: not granted, undeclared in the namespace, unknown', () => {
    expect(
      report.danglingSubscriptions.map((d) => [d.topic, d.reason, d.owner ?? null, d.deniedPrincipals.length]),
    ).toEqual([
      ['shop.orders._private.audit', 'not-granted', 'shop.orders', 2],
      ['shop.orders._protected.refunds', 'unknown-topic', 'shop.orders', 2],
      ['nobody.topic', 'unknown-topic', null, 2],
    ]);
    expect(report.danglingSubscriptions[0]?.message).toMatch(/grant-access:billing/);
  });

  it('can evaluate as MSK does by default (allow.everyone.if.no.acl.found): an unowned topic is open', () => {
    const msk = accessReport([shop, billing], config, { allowEveryoneIfNoAclFound: true });
    expect(msk.danglingSubscriptions.find((d) => d.topic === 'nobody.topic')?.deniedPrincipals).toEqual([]);
    // Owned topics are covered by the owner's prefix, so nothing changes for them.
    expect(msk.topics).toEqual(report.topics);
  });

  it('leaves refused specs out and says why', () => {
    const r = accessReport([makeSpec('ab', [{ channel: 'x' }]), makeSpec('ab.c', [{ channel: 'y' }]), shop], config);
    expect(r.refused.map((e) => [e.domain, e.rule])).toEqual([
      ['ab', 'nested-domain'],
      ['ab.c', 'nested-domain'],
    ]);
    expect(r.topics.every((t) => t.owner === 'shop.orders')).toBe(true);
    expect(formatAccessReport(r)).toMatch(/Refused specs[\s\S]*ab\.c: nested-domain/);
  });

  it('formats a table', () => {
    const text = formatAccessReport(report);
    expect(text.split('\n')[0]).toMatch(/^TOPIC\s+OWNER\s+VISIBILITY\s+READ\s+WRITE$/);
    expect(text).toMatch(/shop\.orders\._public\.placed\s+shop\.orders\s+public\s+everyone\s+shop\.orders/);
    expect(text).toMatch(
      /shop\.orders\._protected\.paid\s+shop\.orders\s+protected\s+billing, shop\.orders\s+shop\.orders/,
    );
    expect(text).toMatch(/Dangling subscriptions:/);
  });

  it('agrees with the spec semantics on random spec sets', () => {
    fc.assert(
      fc.property(arbSpecSet(), (specs) => {
        const r = accessReport(specs, config);
        const topics = new Map(specs.flatMap((s) => s.owned.map((t) => [t.name, { s, t }] as const)));
        expect(r.topics).toHaveLength(topics.size);
        for (const ta of r.topics) {
          const { s, t } = topics.get(ta.topic)!;
          const isPublic = t.visibility === 'public';
          expect(ta.read.everyone).toBe(isPublic);
          const granted = t.visibility === 'protected' ? t.grants.filter((g) => g !== '_public') : [];
          if (!isPublic) expect(ta.read.domains).toEqual([...new Set([s.domain, ...granted])].sort());
          expect(ta.write.domains).toEqual([s.domain]);
          expect(ta.write.everyone).toBe(false);
        }
        // A dangling subscription is exactly one to a topic the subscriber cannot read.
        for (const s of specs) {
          for (const sub of s.subscriptions) {
            const owned = topics.get(sub.topic);
            const readable =
              owned !== undefined &&
              (owned.s.domain === s.domain ||
                owned.t.visibility === 'public' ||
                (owned.t.visibility === 'protected' && owned.t.grants.includes(s.domain)));
            const dangling = r.danglingSubscriptions.some((d) => d.domain === s.domain && d.topic === sub.topic);
            expect([s.domain, sub.topic, dangling]).toEqual([s.domain, sub.topic, !readable]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
