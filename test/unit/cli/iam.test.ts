// `msk-spec iam-policy`, and `--auth iam` for `can` and `access`, run in-process on the examples.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../../cli/program.js';
import { policyChars } from '../../../lib/access/iam.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = path.join(repoRoot, 'examples/specs');
const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/data-mesh/5f0c7c2e-9a3b-4c1d-8e2f-0a1b2c3d4e5f-3';

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
  });
  return { code, out, err };
}

describe('msk-spec iam-policy', () => {
  it('prints {"<domain>": [policy, ...]} with --json, each policy within the size limit', async () => {
    const r = await cli(['iam-policy', EXAMPLES, '--cluster-arn', ARN, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, Array<{ Version: string; Statement: unknown[] }>>;
    expect(Object.keys(doc)).toEqual(['shop.catalog', 'shop.order', 'shop.orders', 'shop.payments']);
    for (const policies of Object.values(doc)) {
      expect(policies.length).toBeGreaterThan(0);
      for (const p of policies) {
        expect(p.Version).toBe('2012-10-17');
        expect(policyChars(p)).toBeLessThanOrEqual(6144);
      }
    }
    expect(JSON.stringify(doc['shop.payments'])).toContain('/shop.order._protected.payment-requested"');
    expect(JSON.stringify(doc['shop.orders'])).not.toContain('shop.order._protected');
  });

  it('takes the cluster from MSK_SPEC_CLUSTER_ARN, --domain picks one domain, text shows the sizes', async () => {
    const r = await cli(['iam-policy', EXAMPLES, '--domain', 'shop.order'], { MSK_SPEC_CLUSTER_ARN: ARN });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# shop\.order: 1 policy \(\d+ of 6144 characters\)/);
    expect(r.out).not.toContain('# shop.orders');
    expect(r.out).toContain('"kafka-cluster:Connect"');
  });

  it('refuses a missing or malformed cluster ARN and an unknown domain', async () => {
    expect((await cli(['iam-policy', EXAMPLES])).err).toMatch(/--cluster-arn is required/);
    expect((await cli(['iam-policy', EXAMPLES, '--cluster-arn', 'arn:aws:kafka:eu-west-1:1:cluster/*/x'])).code).toBe(
      1,
    );
    expect((await cli(['iam-policy', EXAMPLES, '--cluster-arn', ARN, '--domain', 'nobody'])).code).toBe(1);
  });
});

describe('--auth iam', () => {
  it('can: answers from the domain policies through the simulator, exit 0 allowed and 3 denied', async () => {
    const ask = (principal: string, topic: string) =>
      cli([
        'can',
        EXAMPLES,
        '--auth',
        'iam',
        '--cluster-arn',
        ARN,
        '--principal',
        principal,
        '--operation',
        'read',
        '--topic',
        topic,
      ]);
    const yes = await ask('shop.payments', 'shop.order._protected.payment-requested');
    expect(yes.code).toBe(0);
    expect(yes.out).toMatch(/^ALLOWED: shop\.payments's IAM role READ/);
    expect(yes.out).toContain(
      'allowed kafka-cluster:ReadData on arn:aws:kafka:eu-west-1:123456789012:topic/data-mesh/',
    );
    expect(yes.out).toContain('allowed kafka-cluster:DescribeTopic on the same resource');
    // Its id starts with shop.order, but prefixes end in '.'.
    const no = await ask('User:shop.orders', 'shop.order._protected.payment-requested');
    expect(no.code).toBe(3);
    expect(no.out).toContain('denied  kafka-cluster:ReadData');
    const json = await cli(
      [
        'can',
        EXAMPLES,
        '--auth',
        'iam',
        '--principal',
        'User:CN=shop.order',
        '--operation',
        'write',
        '--group',
        'shop.order.g',
        '--json',
      ],
      { MSK_SPEC_CLUSTER_ARN: ARN },
    );
    expect(JSON.parse(json.out)).toMatchObject({ allowed: false, auth: 'iam', domain: 'shop.order' });
    expect(
      (
        await cli([
          'can',
          EXAMPLES,
          '--auth',
          'iam,scram',
          '--cluster-arn',
          ARN,
          '--principal',
          'x.y',
          '--operation',
          'read',
          '--topic',
          't',
        ])
      ).code,
    ).toBe(1);
  });

  it('access: public topics reach every domain of the set, protected ones their grantees', async () => {
    const r = await cli(['access', EXAMPLES, '--auth', 'iam', '--cluster-arn', ARN, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      topics: Array<{ topic: string; read: { domains: string[] }; write: { domains: string[] } }>;
    };
    const row = (t: string) => report.topics.find((x) => x.topic === t)!;
    expect(row('shop.order._public.created').read.domains).toEqual([
      'shop.catalog',
      'shop.order',
      'shop.orders',
      'shop.payments',
    ]);
    expect(row('shop.order._protected.payment-requested').read.domains).toEqual(['shop.order', 'shop.payments']);
    expect(row('shop.order._protected.payment-requested').write.domains).toEqual(['shop.order']);
    const mine = await cli(['access', EXAMPLES, '--auth', 'iam', '--cluster-arn', ARN, '--principal', 'shop.orders']);
    expect(mine.out).toContain("shop.orders's IAM role may read shop.order._public.created");
    expect(mine.out).not.toContain('may read shop.order._protected');
  });
});
