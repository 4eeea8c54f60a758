import { bindingKey } from '../../../lib/access/bindings.js';
import type { AclBinding } from '../../../lib/access/types.js';
import { resolveConfig } from '../../../lib/config.js';
import {
  SEAL_PRINCIPAL,
  aclRevocation,
  certificatesToRevoke,
  decideRemoval,
  findOrphans,
  isSealBinding,
  markRevoked,
  revocationsToSend,
  sealBindings,
  specKeysOf,
  type SpecVersion,
} from '../../../lib/decommission/index.js';
import { plan } from '../../../lib/plan/plan.js';
import { makeSpec } from '../../support/gen.js';

const config = resolveConfig({ authModes: ['SCRAM', 'MTLS'] });
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
const T0 = new Date('2026-12-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();
const marker = (key: string, s: number, isLatest = true): SpecVersion => ({
  key,
  isLatest,
  deleteMarker: true,
  lastModified: at(s),
});
const version = (key: string, s: number, isLatest = true): SpecVersion => ({
  key,
  isLatest,
  deleteMarker: false,
  lastModified: at(s),
});
const settings = { graceSeconds: 3600, maxRemovals: 3 };

describe('decideRemoval: the grace period and the bulk guard', () => {
  it('names the three spec keys of a domain', () => {
    expect(specKeysOf('shop.order')).toEqual([
      'specs/shop.order.yaml',
      'specs/shop.order.yml',
      'specs/shop.order.json',
    ]);
  });

  it('a removed spec whose key has a current version again is RESTORED', () => {
    const versions = [
      version('specs/a.b.yaml', 10),
      marker('specs/a.b.yaml', 5, false),
      version('specs/a.b.yaml', 0, false),
    ];
    expect(decideRemoval({ domain: 'a.b', versions, removedAt: at(5), now: at(3605), settings, force: false })).toEqual(
      {
        status: 'RESTORED',
        domain: 'a.b',
        currentKey: 'specs/a.b.yaml',
      },
    );
  });

  it('another extension of the same domain still holding a spec counts as restored', () => {
    const versions = [marker('specs/a.b.yaml', 5), version('specs/a.b.json', 1)];
    expect(
      decideRemoval({ domain: 'a.b', versions, removedAt: at(5), now: at(3605), settings, force: false }).status,
    ).toBe('RESTORED');
  });

  it('a removal within the limit is decommissioned; the removals are listed', () => {
    const versions = [marker('specs/a.b.yaml', 5), marker('specs/c.d.yaml', 6), version('specs/e.f.yaml', 0)];
    expect(decideRemoval({ domain: 'a.b', versions, removedAt: at(5), now: at(3605), settings, force: false })).toEqual(
      {
        status: 'DECOMMISSION',
        domain: 'a.b',
        removals: ['a.b', 'c.d'],
        count: 2,
        limit: 3,
        forced: false,
      },
    );
  });

  it('more than the limit within one grace period either side is REFUSED with the count', () => {
    const versions = ['a', 'b', 'c', 'd'].map((d, i) => marker(`specs/${d}.x.yaml`, i));
    const r = decideRemoval({ domain: 'a.x', versions, removedAt: at(0), now: at(3600), settings, force: false });
    expect(r).toMatchObject({ status: 'REFUSED', count: 4, limit: 3, removals: ['a.x', 'b.x', 'c.x', 'd.x'] });
  });

  it('removals outside the window do not count; a spec removed long ago does not count either', () => {
    const versions = [
      marker('specs/a.x.yaml', 0),
      marker('specs/old1.x.yaml', -7300),
      marker('specs/old2.x.yaml', -7300),
      marker('specs/old3.x.yaml', -7300),
    ];
    expect(
      decideRemoval({ domain: 'a.x', versions, removedAt: at(0), now: at(3600), settings, force: false }),
    ).toMatchObject({
      status: 'DECOMMISSION',
      count: 1,
    });
  });

  it('a forced run passes the guard, but never decommissions a spec that is back', () => {
    const versions = ['a', 'b', 'c', 'd'].map((d, i) => marker(`specs/${d}.x.yaml`, i));
    expect(
      decideRemoval({ domain: 'a.x', versions, removedAt: at(0), now: at(3600), settings, force: true }),
    ).toMatchObject({
      status: 'DECOMMISSION',
      count: 4,
      forced: true,
    });
    const back = [...versions, version('specs/a.x.yml', 100)];
    expect(
      decideRemoval({ domain: 'a.x', versions: back, removedAt: at(0), now: at(3600), settings, force: true }).status,
    ).toBe('RESTORED');
  });

  it('a domain whose versions are all gone (permanently deleted) is decommissioned, and counts itself', () => {
    expect(
      decideRemoval({ domain: 'a.x', versions: [], removedAt: at(0), now: at(3600), settings, force: false }),
    ).toMatchObject({
      status: 'DECOMMISSION',
      removals: ['a.x'],
      count: 1,
    });
  });

  it('ignores keys that are not spec keys and prefix-alike domains', () => {
    const versions = [
      marker('specs/team/a.x.yaml', 0),
      marker('specs/a.xy.yaml', 0),
      version('specs/a.xy.yaml', -5, false),
    ];
    const r = decideRemoval({ domain: 'a.x', versions, removedAt: at(0), now: at(60), settings, force: false });
    expect(r).toMatchObject({ status: 'DECOMMISSION', removals: ['a.x', 'a.xy'] });
  });
});

describe('aclRevocation: the managed scope goes, a seal stays', () => {
  const current = [
    acl({ resourceName: 'shop.order.', patternType: 'PREFIXED', principal: 'User:shop.order', operation: 'WRITE' }),
    acl({ resourceName: 'shop.order.', patternType: 'PREFIXED', principal: 'User:CN=shop.order', operation: 'READ' }),
    acl({ resourceName: 'shop.order._public.', patternType: 'PREFIXED', principal: 'User:*' }),
    acl({ resourceName: 'shop.order._protected.x', principal: 'User:shop.payments' }),
    acl({ resourceType: 'GROUP', resourceName: 'shop.order.', patternType: 'PREFIXED', principal: 'User:shop.order' }),
    acl({
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      principal: 'User:CN=shop.order',
      operation: 'IDEMPOTENT_WRITE',
    }),
    // a grant another domain gave shop.order: its principal's, so it goes too
    acl({ resourceName: 'shop.payments._protected.y', principal: 'User:shop.order' }),
    // not shop.order's: prefix-alike domain, other domain's own, a DENY brake, the bare-id SpecMesh prefix of someone else
    acl({ resourceName: 'shop.orders.', patternType: 'PREFIXED', principal: 'User:shop.orders' }),
    acl({ resourceName: 'shop.orders._protected.z', principal: 'User:shop.payments' }),
    acl({ resourceName: 'shop.order.', patternType: 'PREFIXED', principal: 'User:*', permission: 'DENY' }),
  ];

  it('deletes every ALLOW binding of its principals and on its topics, and nothing else', () => {
    const r = aclRevocation(current, 'shop.order');
    expect(r.toDelete.map(bindingKey).sort()).toEqual(current.slice(0, 7).map(bindingKey).sort());
    expect(r.toCreate).toEqual(sealBindings('shop.order'));
  });

  it('is idempotent: after it ran, nothing is left to do', () => {
    const after = [...current.slice(7), ...sealBindings('shop.order')];
    expect(aclRevocation(after, 'shop.order')).toEqual({ toDelete: [], toCreate: [] });
  });

  it('the seal is a PREFIXED D. topic binding for a principal no domain id or certificate of ours can produce', () => {
    const [seal] = sealBindings('shop.order');
    expect(seal).toMatchObject({
      resourceType: 'TOPIC',
      resourceName: 'shop.order.',
      patternType: 'PREFIXED',
      principal: SEAL_PRINCIPAL,
      permission: 'ALLOW',
      operation: 'DESCRIBE',
    });
    expect(isSealBinding(seal!)).toBe(true);
    expect(SEAL_PRINCIPAL).toMatch(/:.*:/); // a ':' inside the name: never a domain id
  });

  it('a returning spec removes the seal without tripping the mass-deletion guard', () => {
    const spec = makeSpec('shop.order', [{ channel: 'audit', visibility: 'private' }]);
    const p = plan([spec], { topics: [], acls: sealBindings('shop.order') }, config);
    expect(p.errors).toEqual([]);
    expect(p.aclsToDelete).toEqual(sealBindings('shop.order'));
  });
});

describe('certificates', () => {
  it('revokes the unexpired ones only', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(
      certificatesToRevoke(
        [
          { serial: 'aa', notAfter: '2026-12-20T00:00:00Z' },
          { serial: 'bb', notAfter: '2026-11-30T00:00:00Z' },
          { serial: 'cc', notAfter: '2027-01-01T00:00:00Z' },
        ],
        now,
      ),
    ).toEqual(['aa', 'cc']);
  });

  it('asks PCA only about serials current.json does not record as revoked (a run after a crash sends none again)', () => {
    const current = {
      domain: 'a.b',
      serial: 'cc',
      notBefore: '2026-11-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
      keys: { key: 'k', cert: 'c', chain: 'h' },
      generation: 2,
    };
    expect(revocationsToSend(['aa', 'cc'], current)).toEqual(['aa', 'cc']);
    expect(revocationsToSend(['aa', 'cc'], undefined)).toEqual(['aa', 'cc']);
    const marked = markRevoked(current, { at: '2026-12-01T00:00:00.000Z', serials: ['cc'] });
    expect(revocationsToSend(['aa', 'cc'], marked)).toEqual(['aa']);
  });

  it('marks current.json revoked, keeping what it said', () => {
    const current = {
      domain: 'a.b',
      serial: 'aa',
      notBefore: '2026-11-01T00:00:00.000Z',
      notAfter: '2026-12-01T00:00:00.000Z',
      keys: { key: 'k', cert: 'c', chain: 'h' },
      generation: 2,
    };
    expect(markRevoked(current, { at: '2026-12-01T00:00:00.000Z', serials: ['aa'] })).toEqual({
      ...current,
      revoked: { at: '2026-12-01T00:00:00.000Z', reason: 'CESSATION_OF_OPERATION', serials: ['aa'] },
    });
  });
});

describe('findOrphans', () => {
  const prefix = 'AmazonMSK_';
  const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`;
  it('finds each kind for domains with no spec, and nothing of domains that have one', () => {
    const r = findOrphans({
      specDomains: ['live.one'],
      secretNamePrefix: prefix,
      secrets: [
        { name: 'AmazonMSK_live.one', arn: arn('AmazonMSK_live.one'), domainTag: 'live.one' },
        { name: 'AmazonMSK_gone.one', arn: arn('AmazonMSK_gone.one'), domainTag: 'gone.one' },
        // not ours: no pipeline tag, or another prefix
        { name: 'AmazonMSK_hand.made', arn: arn('AmazonMSK_hand.made') },
      ],
      associatedSecretArns: [
        arn('AmazonMSK_live.one'),
        arn('AmazonMSK_gone.two'),
        arn('AmazonMSK_LocalAdmin'),
        arn('AmazonMSK_admin'),
      ],
      excludedSecretArns: [arn('AmazonMSK_admin')],
      indexDomains: ['live.one', 'gone.three'],
      acls: [
        acl({ resourceName: 'live.one.', patternType: 'PREFIXED', principal: 'User:live.one' }),
        acl({ resourceName: 'gone.four.', patternType: 'PREFIXED', principal: 'User:CN=gone.four' }),
        // a grant from a live domain to a gone one is the live domain's: not an orphan
        acl({ resourceName: 'live.one._protected.x', principal: 'User:gone.five' }),
        // not our naming
        acl({ resourceName: 'x.', patternType: 'PREFIXED', principal: 'User:Some Person' }),
        ...sealBindings('gone.six'),
      ],
      config,
    });
    expect(r.secrets).toEqual([{ domain: 'gone.one', name: 'AmazonMSK_gone.one' }]);
    expect(r.scramUsers).toEqual([{ domain: 'gone.two', secretArn: arn('AmazonMSK_gone.two') }]);
    expect(r.certificateIndex).toEqual([{ domain: 'gone.three' }]);
    expect(r.acls.map((a) => a.domain)).toEqual(['gone.four']);
    expect(r.domains).toEqual(['gone.four', 'gone.one', 'gone.three', 'gone.two']);
  });
});
