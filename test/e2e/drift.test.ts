// Drift, end to end: whatever happened to the cluster out of band (ACLs deleted with kafkajs, a
// SCRAM association lost, a topic deleted), a "Reprovision Requested" event re-applies every spec
// in the bucket through the provision workflow and the broker matches the accepted specs again.
//
// The bucket, as the beforeAll leaves it: the four examples provisioned, two specs the pipeline
// refuses (one under another domain's key, one whose id is the wildcard) and one it accepts but
// has never applied (its only run could not read it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { BatchDisassociateScramSecretCommand } from '@aws-sdk/client-kafka';
import type { Environment } from '../../local/environment.js';
import { followExecutions } from '../../local/driver.js';
import { getText } from '../../lib/aws/cert-store.js';
import { listSpecKeys } from '../../lib/aws/specs.js';
import { desiredBindings } from '../../lib/access/bindings.js';
import { exactFilter } from '../../lib/kafka/index.js';
import { checkKeyBinding, parseSpec, type DomainSpec } from '../../lib/spec/index.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import {
  E2E_START_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  EXAMPLES,
  INVALID_EXAMPLE_DIR,
  appliedOf,
  canLogIn,
  exampleText,
  exampleUploads,
  probe,
  probeMismatches,
  sortedKeys,
  specText,
  useE2eEnvironment,
} from '../support/e2e.js';

const e2e = useE2eEnvironment();

/** The specs the bucket holds now that the pipeline accepts: what the broker must match after any run. */
async function acceptedSpecsInBucket(env: Environment): Promise<DomainSpec[]> {
  const specs: DomainSpec[] = [];
  for (const key of await listSpecKeys(env.clients.s3, env.resources.specBucket)) {
    const text = (await getText(env.clients.s3, env.resources.specBucket, key)) ?? '';
    const r = parseSpec(text, key, DEFAULT_CONFIG);
    if (r.ok && !checkKeyBinding(key, r.spec)) specs.push(r.spec);
  }
  return specs;
}

beforeAll(async () => {
  const examples = await e2e.provisionAll(exampleUploads());
  expect(examples.map((r) => r.status)).toEqual(EXAMPLES.map(() => 'SUCCEEDED'));
  const refused = [
    await e2e.provision('specs/shop.rogue.yaml', exampleText('shop.order')),
    await e2e.provision('specs/wildcard.yaml', readFileSync(join(INVALID_EXAMPLE_DIR, 'wildcard.yaml'), 'utf8')),
  ];
  expect(refused.map((r) => r.report?.status)).toEqual(['FAILED', 'FAILED']);
  const unread = await e2e.withFault(
    { service: 's3', operation: 'GetObject', error: { code: 'AccessDenied', statusCode: 403 }, times: 1 },
    () => e2e.provision('specs/e2e.unread.yaml', specText('urn:e2e:unread', [{ name: '_private.work' }])),
  );
  expect([unread.execution.status, unread.report]).toEqual(['FAILED', undefined]);
}, E2E_START_TIMEOUT_MS);

describe('drift healed by a reprovision', () => {
  it(
    'heals drift (ACLs deleted out of band with kafkajs, a lost SCRAM association, a deleted topic) when a "Reprovision Requested" event arrives',
    async () => {
      const env = e2e.env;
      const accepted = await acceptedSpecsInBucket(env);
      expect(accepted.map((s) => s.domain)).toEqual(expect.arrayContaining([...EXAMPLES]));
      const desired = sortedKeys(desiredBindings(accepted, DEFAULT_CONFIG));
      // Before: the broker matches the accepted specs that were provisioned (e2e.unread never was:
      // its only run could not read it; the reprovision applies it too).
      const provisionedBefore: DomainSpec[] = [];
      for (const spec of accepted) {
        if ((await e2e.report(spec.domain))?.status === 'PROVISIONED') provisionedBefore.push(spec);
      }
      expect(accepted.length - provisionedBefore.length).toBe(1);
      const desiredBefore = sortedKeys(desiredBindings(provisionedBefore, DEFAULT_CONFIG));
      expect(sortedKeys(await e2e.acls())).toEqual(desiredBefore);

      // Out of band: every ACL held by shop.payments' principals goes, including the grant on
      // shop.order's protected topic (shop.order's to manage), plus shop.catalog's public read.
      const victims = (await e2e.acls()).filter(
        (b) =>
          /^User:(CN=)?shop\.payments$/.test(b.principal) ||
          (b.resourceName === 'shop.catalog._public.' && b.principal === 'User:*'),
      );
      expect(victims.length).toBeGreaterThan(10);
      await e2e.admin.deleteAcls({ filters: victims.map(exactFilter) });
      const drifted = sortedKeys(await e2e.acls());
      expect(desiredBefore.filter((k) => !drifted.includes(k))).toEqual(sortedKeys(victims));

      const payments = await e2e.scram('shop.payments');
      const ownTopic = 'shop.payments._private.ledger';
      const refused = await probeMismatches([probe(payments, ownTopic, 'WRITE', false)]);
      expect(refused.wrong).toEqual([]);

      // More drift: shop.catalog's SCRAM secret disassociated from the cluster (its users can no
      // longer log in), and one of shop.orders' topics deleted.
      const catalogSecret = (
        await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: 'AmazonMSK_shop.catalog' }))
      ).ARN!;
      await env.clients.kafka.send(
        new BatchDisassociateScramSecretCommand({
          ClusterArn: env.resources.clusterArn,
          SecretArnList: [catalogSecret],
        }),
      );
      const catalog = await e2e.scram('shop.catalog');
      expect(await canLogIn(catalog)).toBe(false);
      await e2e.admin.deleteTopics({ topics: ['shop.orders._public.summary'] });
      expect(await e2e.topics()).not.toContain('shop.orders._public.summary');

      const { run, since } = await e2e.requestReprovision({ reason: 'e2e drift' });
      expect(run.status).toBe('SUCCEEDED');

      // Every spec in the bucket went through the provision workflow; the refused ones failed again.
      const keys = await listSpecKeys(env.clients.s3, env.resources.specBucket);
      const children = await followExecutions(env, env.resources.stateMachines.provision!, keys.length, undefined, {
        since,
        timeoutMs: 60_000,
      });
      expect(children).toHaveLength(keys.length);
      const failedKeys = children
        .filter((c) => c.status === 'FAILED')
        .map((c) => c.key)
        .sort();
      const refusedKeys = keys.filter((k) => !accepted.some((a) => k === `specs/${a.domain}.yaml`)).sort();
      expect(refusedKeys).toEqual(expect.arrayContaining(['specs/shop.rogue.yaml', 'specs/wildcard.yaml']));
      expect(failedKeys).toEqual(refusedKeys);

      expect(sortedKeys(await e2e.acls())).toEqual(desired);
      expect(await e2e.topics()).toContain('shop.orders._public.summary');
      expect(await canLogIn(catalog)).toBe(true);
      // (The reads find the records the writes in the same batch produce: a fresh one for the
      // payments reader, and one on the catalog's public topic, written by its healed SCRAM user.)
      const healed = await probeMismatches([
        probe(catalog, 'shop.catalog._public.products', 'WRITE', true),
        probe(await e2e.scram('shop.order'), 'shop.order._protected.payment-requested', 'WRITE', true),
        probe(payments, ownTopic, 'WRITE', true),
        probe(payments, 'shop.order._protected.payment-requested', 'READ', true),
        probe(await e2e.mtls('shop.order'), 'shop.catalog._public.products', 'READ', true),
      ]);
      expect(healed.wrong).toEqual([]);
      const report = await e2e.report('shop.payments');
      expect(appliedOf(report)).toMatchObject({ changed: true, topicsCreated: 0, aclsDeleted: 0 });
      expect(appliedOf(report).aclsCreated).toBeGreaterThan(0);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
