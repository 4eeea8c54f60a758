// The IAM translation (lib/access/iam.ts): MSK's action table, ARN forms, the policies a domain
// gets, and AWS's size and count limits. Decisions against the ACL model: iam-oracle.test.ts.
import { describe, expect, it } from '@jest/globals';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  DEFAULT_IAM_LIMITS,
  IamPolicyError,
  IamPolicyLimitError,
  MSK_ACTIONS,
  iamPolicies,
  packPolicies,
  parseClusterArn,
  policyChars,
  resourceArn,
  resourcePattern,
  type IamStatement,
} from '../../../lib/access/iam.js';
import { resolveConfig } from '../../../lib/config.js';
import { makeSpec, syntheticSpecs } from '../../support/gen.js';

const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/data-mesh/5f0c7c2e-9a3b-4c1d-8e2f-0a1b2c3d4e5f-3';
const CLUSTER = parseClusterArn(ARN);
const config = resolveConfig({});

describe('MSK action table', () => {
  it('names actions and ARNs the Service Authorization Reference knows, with matching resource types', async () => {
    // runSimulation (validated) refuses an unknown action, or an ARN that is not of the action's
    // resource type (e.g. ReadData on the cluster ARN).
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'kafka-cluster:*', Resource: '*' }],
    };
    for (const [type, ops] of Object.entries(MSK_ACTIONS)) {
      for (const action of Object.values(ops)) {
        const out = await runSimulation(
          {
            request: {
              principal: 'arn:aws:iam::123456789012:role/r',
              action,
              resource: { resource: resourceArn(CLUSTER, type as never, 'shop.order.x'), accountId: CLUSTER.account },
              contextVariables: {},
            },
            identityPolicies: [{ name: 'p', policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
          },
          { simulationMode: 'Strict' },
        );
        expect([action, out.resultType === 'error' ? out.errors : out.overallResult]).toEqual([action, 'Allowed']);
      }
    }
    const wrong = await runSimulation(
      {
        request: {
          principal: 'arn:aws:iam::123456789012:role/r',
          action: 'kafka-cluster:ReadData',
          resource: { resource: ARN, accountId: CLUSTER.account },
          contextVariables: {},
        },
        identityPolicies: [{ name: 'p', policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      { simulationMode: 'Strict' },
    );
    expect(wrong.resultType).toBe('error');
  });
});

describe('cluster ARN and resource patterns', () => {
  it('parses MSK cluster ARNs and refuses anything else, wildcards included', () => {
    expect(CLUSTER).toMatchObject({ region: 'eu-west-1', account: '123456789012', name: 'data-mesh' });
    expect(resourceArn(CLUSTER, 'GROUP', 'shop.order.g')).toBe(
      'arn:aws:kafka:eu-west-1:123456789012:group/data-mesh/5f0c7c2e-9a3b-4c1d-8e2f-0a1b2c3d4e5f-3/shop.order.g',
    );
    expect(resourceArn(CLUSTER, 'TRANSACTIONAL_ID', 'x')).toContain(':transactional-id/data-mesh/');
    for (const bad of [
      'arn:aws:kafka:eu-west-1:123456789012:cluster/*/abc',
      'arn:aws:kafka:eu-west-1:123456789012:cluster/c/*',
      'arn:aws:kafka:*:123456789012:cluster/c/u',
      'arn:aws:kafka:eu-west-1:123456789012:topic/c/u/t',
      'cluster/c/u',
    ])
      expect(() => parseClusterArn(bad)).toThrow(IamPolicyError);
  });

  it('writes a prefix as its literal ARN plus a trailing *, and refuses names holding IAM wildcards', () => {
    expect(
      resourcePattern(CLUSTER, { resourceType: 'TOPIC', patternType: 'PREFIXED', resourceName: 'shop.order.' }),
    ).toMatch(/\/shop\.order\.\*$/);
    for (const name of ['a*', 'a?b', '${aws:username}', 'a/b'])
      expect(() =>
        resourcePattern(CLUSTER, { resourceType: 'GROUP', patternType: 'LITERAL', resourceName: name }),
      ).toThrow(IamPolicyError);
  });
});

describe('the policies of a domain', () => {
  const specs = [
    makeSpec('shop.order', [
      { channel: 'created', visibility: 'public' },
      { channel: 'payment-requested', visibility: 'protected', grants: ['shop.payments', 'ghost.team'] },
      { channel: 'audit', visibility: 'private', grants: ['_public'] },
      { channel: 'internal', visibility: 'private' },
    ]),
    makeSpec('shop.payments', [{ channel: 'done', visibility: 'private' }]),
  ];

  it("hold the domain's own access, the grants other specs give it, and every public topic", () => {
    const set = iamPolicies(specs, config, ARN);
    expect([...set.domains.keys()]).toEqual(['shop.order', 'shop.payments']);
    expect(set.pendingGrantees).toEqual(['ghost.team']);
    const [doc] = set.domains.get('shop.payments')!.policies;
    const t = (n: string) => resourceArn(CLUSTER, 'TOPIC', n);
    expect(doc!.Statement).toEqual([
      {
        Sid: 'ClusterConnectWriteIdempotently',
        Effect: 'Allow',
        Action: ['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'],
        Resource: ARN,
      },
      {
        Sid: 'TopicDescribeReadWrite',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData', 'kafka-cluster:WriteData'],
        Resource: `${t('shop.payments.')}*`,
      },
      {
        Sid: 'TopicDescribeRead',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: [
          t('shop.order._private.audit'),
          t('shop.order._protected.payment-requested'),
          `${t('shop.order._public.')}*`,
        ],
      },
      {
        Sid: 'TopicCreate',
        Effect: 'Allow',
        Action: ['kafka-cluster:CreateTopic'],
        Resource: `${t('shop.payments._private.')}*`,
      },
      {
        Sid: 'GroupAlterDescribe',
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: `${resourceArn(CLUSTER, 'GROUP', 'shop.payments.')}*`,
      },
      {
        Sid: 'TransactionalIdAlterDescribe',
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterTransactionalId', 'kafka-cluster:DescribeTransactionalId'],
        Resource: `${resourceArn(CLUSTER, 'TRANSACTIONAL_ID', 'shop.payments.')}*`,
      },
    ]);
    // The owner's own `D.` covers its public prefix: not repeated.
    expect(JSON.stringify(set.domains.get('shop.order')!.policies)).not.toContain('shop.order._public.');
  });

  it('give DeleteTopic on own topics only with ownerDelete', () => {
    const on = iamPolicies(specs, resolveConfig({ ownerDelete: true }), ARN).domains.get('shop.order')!.policies;
    expect(on[0]!.Statement[1]!.Action).toContain('kafka-cluster:DeleteTopic');
    expect(JSON.stringify(iamPolicies(specs, config, ARN).domains)).not.toContain('DeleteTopic');
  });

  it('are the same whichever auth modes are on: IAM-only gives the Kafka principals no ACLs, but the policies all the access', () => {
    const all = JSON.stringify([...iamPolicies(specs, config, ARN).domains]);
    expect(JSON.stringify([...iamPolicies(specs, resolveConfig({ authModes: ['IAM'] }), ARN).domains])).toBe(all);
    expect(JSON.stringify([...iamPolicies(specs, resolveConfig({ authModes: ['MTLS', 'IAM'] }), ARN).domains])).toBe(
      all,
    );
  });

  it('are deterministic whatever the input order', () => {
    expect(JSON.stringify([...iamPolicies([...specs].reverse(), config, ARN).domains])).toBe(
      JSON.stringify([...iamPolicies(specs, config, ARN).domains]),
    );
  });
});

describe("AWS's limits", () => {
  const stmt = (n: number): IamStatement => ({
    Sid: 'TopicDescribeRead',
    Effect: 'Allow',
    Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
    Resource: Array.from({ length: n }, (_, i) =>
      resourceArn(CLUSTER, 'TOPIC', `team-${i}.svc._protected.channel-${i}`),
    ),
  });

  it('counts characters without whitespace', () => {
    expect(policyChars({ a: 'b c' })).toBe(10); // {"a":"bc"}
  });

  it('splits one statement over several policies, each at most the limit, losing and duplicating nothing', () => {
    const s = stmt(300);
    const docs = packPolicies([s], 6144);
    expect(docs.length).toBeGreaterThan(1);
    for (const d of docs) expect(policyChars(d)).toBeLessThanOrEqual(6144);
    const all = docs.flatMap((d) =>
      d.Statement.flatMap((x) => (typeof x.Resource === 'string' ? [x.Resource] : x.Resource)),
    );
    expect(all).toEqual(s.Resource);
    // Filled: every policy but the last could take no further resource.
    for (const d of docs.slice(0, -1)) expect(policyChars(d) + 120).toBeGreaterThan(6144);
  });

  it('packs exactly at the limit', () => {
    for (const n of [1, 2, 3, 50]) {
      const one = packPolicies([stmt(n)], 100_000);
      const exact = policyChars(one[0]);
      expect(packPolicies([stmt(n)], exact)).toHaveLength(1);
      if (n > 1) expect(packPolicies([stmt(n)], exact - 1)).toHaveLength(2);
    }
  });

  it('refuses, with the numbers, a domain that needs more policies than a role may hold', () => {
    const specs = syntheticSpecs(150, 3);
    let err: unknown;
    try {
      iamPolicies(specs, config, ARN, { ...DEFAULT_IAM_LIMITS, maxPolicies: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IamPolicyLimitError);
    const e = err as IamPolicyLimitError;
    expect(e.exceeded.length).toBeGreaterThan(0);
    expect(e.exceeded[0]).toMatchObject({ maxPolicies: 2, maxPolicyChars: 6144 });
    expect(e.exceeded[0]!.policiesNeeded).toBeGreaterThan(2);
    expect(e.message).toMatch(
      /needs \d+ managed policies \(\d+ characters at most 6144 per policy\), more than the 2 a role may hold/,
    );
    // With the quota at 20 the same set fits.
    const ok = iamPolicies(specs, config, ARN, { ...DEFAULT_IAM_LIMITS, maxPolicies: 20 });
    for (const d of ok.domains.values()) for (const c of d.chars) expect(c).toBeLessThanOrEqual(6144);
  });
});
