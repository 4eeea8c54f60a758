// PlanAgainstCluster asks the cluster for its client authentication first: a configured mode the
// cluster lacks is refused before the spec is read or Kafka is reached, so nothing can follow it.
import { DescribeClusterV2Command, KafkaClient } from '@aws-sdk/client-kafka';
import { S3Client } from '@aws-sdk/client-s3';
import { planAgainstCluster } from '../../../functions/plan-against-cluster/handler.js';
import { ENV, mockAws, setEnv } from './_support.js';

const kafka = mockAws(KafkaClient);
const s3 = mockAws(S3Client);

const INPUT = { domain: 'shop.orders', bucket: 'spec-bucket', key: 'specs/shop.orders.yaml', versionId: 'v1' };

beforeEach(() => {
  kafka.reset();
  s3.reset();
});

describe('PlanAgainstCluster: the cluster must offer every configured authentication mode', () => {
  it.each([
    [
      'an IAM-only provisioned cluster, SCRAM and mTLS configured',
      { ClusterType: 'PROVISIONED', Provisioned: { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } } },
      'does not offer SCRAM (SASL/SCRAM), MTLS (TLS client authentication), which AuthModes SCRAM,MTLS configures; it offers SASL/IAM.',
    ],
    [
      'a serverless cluster',
      { ClusterType: 'SERVERLESS', Serverless: { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } } },
      `MSK Serverless cluster ${ENV.CLUSTER_ARN} does not offer SCRAM`,
    ],
  ])('%s: refused before the spec is read or Kafka is reached', async (_, info, message) => {
    setEnv({ AUTH_MODES: 'SCRAM,MTLS', KAFKA_ADMIN_AUTH: 'IAM' });
    kafka.on(DescribeClusterV2Command).resolves({ ClusterInfo: info });
    let connected = false;
    const run = planAgainstCluster(INPUT, {
      connect: async () => {
        connected = true;
        throw new Error('must not connect');
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining(message) });
    expect(kafka.commandCalls(DescribeClusterV2Command).map((c) => c.args[0].input)).toEqual([
      { ClusterArn: ENV.CLUSTER_ARN },
    ]);
    expect(s3.calls()).toHaveLength(0);
    expect(connected).toBe(false);
  });
});
