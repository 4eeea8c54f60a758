// A refused spec changes nothing (issue 11), end to end on the deployed template (the specs in
// test/fixtures/bad-specs/ go through the workflow in test/e2e/hostile-specs.test.ts):
//   - a spec the static rules accept but the cluster refuses (replicas above the broker count) is
//     refused by PlanAgainstCluster, before the credentials branch: a FAILED report naming the reason;
// and in every case there is no secret, no association, no certificate, no topic and no ACL,
// checked against Secrets Manager, MSK, the certificate bucket and the broker.
import { describe, expect, it } from '@jest/globals';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import type { Environment } from '../../local/environment.js';
import {
  brokerAcls,
  brokerTopics,
  E2E_TEST_TIMEOUT_MS,
  listBucket,
  sortedKeys,
  specText,
  useE2eEnvironment,
} from '../support/e2e.js';

const e2e = useE2eEnvironment();

/** The five things a refused spec must not create, for one domain. */
async function footprint(env: Environment, domain: string) {
  const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  const associations =
    (await env.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn })))
      .SecretArnList ?? [];
  return {
    secrets: (secrets.SecretList ?? []).map((s) => s.Name!).filter((n) => n.endsWith(`_${domain}`)),
    associations: associations.filter((a) => a.includes(`_${domain}`)),
    certificates: await listBucket(env, env.resources.certBucket, `certificates/${domain}/`),
    topics: (await brokerTopics(e2e.admin)).filter((t) => t.startsWith(`${domain}.`)),
    acls: sortedKeys(await brokerAcls(env, e2e.admin)).filter(
      (k) => k.includes(`User:${domain}`) || k.includes(`User:CN=${domain}`) || k.includes(`${domain}.`),
    ),
  };
}
const NOTHING = { secrets: [], associations: [], certificates: [], topics: [], acls: [] };

describe('a spec refused at the cluster check creates nothing', () => {
  it(
    'replicas above the broker count pass the static rules but not PlanAgainstCluster: FAILED naming the reason, nothing created',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:toomany', [{ name: '_public.a' }]).replace('replicas: 1', 'replicas: 3');
      const { execution, report } = await e2e.provision('specs/e2e.toomany.yaml', text);
      expect(execution.status).toBe('FAILED');
      expect(report).toMatchObject({ status: 'FAILED', domain: 'e2e.toomany', error: { name: 'PlanRefused' } });
      expect(report!.error!.cause).toContain(
        'topic e2e.toomany._public.a asks for 3 replicas but the cluster has 1 broker',
      );
      const failed = e2e.events.filter(
        (e) => e['detail-type'] === 'Spec Provisioning Failed' && e.detail.executionId === execution.executionArn,
      );
      expect(failed).toHaveLength(1);
      expect(await footprint(env, 'e2e.toomany')).toEqual(NOTHING);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "a config the static table accepts but this cluster refuses (tiered storage without remote storage): KafkaRefused in Kafka's words, nothing created",
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:tiered', [{ name: '_public.a', configs: { 'remote.storage.enable': 'true' } }]);
      const { execution, report } = await e2e.provision('specs/e2e.tiered.yaml', text);
      expect(execution.status).toBe('FAILED');
      expect(report).toMatchObject({ status: 'FAILED', domain: 'e2e.tiered', error: { name: 'KafkaRefused' } });
      // The request, the topic, Kafka's error name and code, and the broker's own message.
      expect(report!.error!.cause).toMatch(
        /CreateTopics \(validateOnly\): topic e2e\.tiered\._public\.a: INVALID_CONFIG \(40\)[^:]*: .*remote/,
      );
      expect(await footprint(env, 'e2e.tiered')).toEqual(NOTHING);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'an accepted spec is planned, checked and applied; the apply reports no difference from the checked plan',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:fine', [{ name: '_public.a', configs: { 'retention.ms': '3600000' } }]);
      const { execution, report } = await e2e.provision('specs/e2e.fine.yaml', text);
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: true, topicsCreated: 1, differsFromCheckedPlan: false },
      });
      expect((await footprint(env, 'e2e.fine')).topics).toEqual(['e2e.fine._public.a']);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
