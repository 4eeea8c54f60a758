// A configured auth mode the cluster lacks is a clear error before anything is created (issue 12),
// end to end on the deployed template: the cluster's TLS client authentication is turned off with
// UpdateSecurity (as an operator could), and a spec uploaded under AuthModes SCRAM,MTLS fails at
// PlanAgainstCluster with a FAILED report naming the cluster, the lacking mode and what the cluster
// offers; no secret, association, certificate, topic or ACL exists for the domain afterwards.
import { describe, expect, it } from '@jest/globals';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeClusterV2Command, ListScramSecretsCommand, UpdateSecurityCommand } from '@aws-sdk/client-kafka';
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
const DOMAIN = 'e2e.notls';

describe('the cluster must offer every configured auth mode', () => {
  it(
    'TLS off on the cluster, AuthModes SCRAM,MTLS: FAILED at PlanAgainstCluster naming cluster, mode and offer; nothing created',
    async () => {
      const env = e2e.env;
      const arn = env.resources.clusterArn;
      const { ClusterInfo } = await env.clients.kafka.send(new DescribeClusterV2Command({ ClusterArn: arn }));
      await env.clients.kafka.send(
        new UpdateSecurityCommand({
          ClusterArn: arn,
          CurrentVersion: ClusterInfo!.CurrentVersion!,
          ClientAuthentication: { Tls: { Enabled: false } },
        }),
      );

      const { execution, report } = await e2e.provision(
        `specs/${DOMAIN}.yaml`,
        specText(`urn:${DOMAIN.replace('.', ':')}`, [{ name: '_public.a' }]),
      );
      expect(execution.status).toBe('FAILED');
      expect(report).toMatchObject({ status: 'FAILED', domain: DOMAIN, error: { name: 'ConfigurationError' } });
      expect(report!.error!.cause).toContain(
        `cluster ${arn} does not offer MTLS (TLS client authentication), which AuthModes SCRAM,MTLS configures; it offers SASL/SCRAM.`,
      );

      const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
      const associations =
        (await env.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: arn }))).SecretArnList ?? [];
      expect({
        secrets: (secrets.SecretList ?? []).map((s) => s.Name!).filter((n) => n.endsWith(`_${DOMAIN}`)),
        associations: associations.filter((a) => a.includes(`_${DOMAIN}`)),
        certificates: await listBucket(env, env.resources.certBucket, `certificates/${DOMAIN}/`),
        topics: (await brokerTopics(e2e.admin)).filter((t) => t.startsWith(`${DOMAIN}.`)),
        acls: sortedKeys(await brokerAcls(env, e2e.admin)).filter((k) => k.includes(DOMAIN)),
      }).toEqual({ secrets: [], associations: [], certificates: [], topics: [], acls: [] });
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
