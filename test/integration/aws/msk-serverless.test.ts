// MSK Serverless and IAM access control in the emulated MSK control API, through the unmodified
// @aws-sdk/client-kafka: a serverless cluster (CreateClusterV2 with Serverless) describes itself as
// ClusterType SERVERLESS with its VPC configuration and IAM client authentication, answers
// GetBootstrapBrokers with the SASL/IAM string only, and refuses the provisioned-only operations with
// BadRequestException; a provisioned cluster may enable SASL/IAM beside SCRAM and TLS.
import {
  BatchAssociateScramSecretCommand,
  BatchDisassociateScramSecretCommand,
  CreateClusterV2Command,
  DescribeClusterCommand,
  DescribeClusterV2Command,
  GetBootstrapBrokersCommand,
  KafkaClient,
  ListClustersV2Command,
  ListScramSecretsCommand,
  UpdateSecurityCommand,
} from '@aws-sdk/client-kafka';
import { Gateway } from '../../../local/aws/gateway.js';
import { MskEmulator } from '../../../local/aws/msk.js';
import { NoopBroker } from '../../support/noop-broker.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let gateway: Gateway;
let msk: MskEmulator;
let kafka: KafkaClient;

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  gateway = new Gateway({ log: () => undefined });
  msk = new MskEmulator({ broker: new NoopBroker() });
  gateway.registerService(msk);
  await gateway.start();
  kafka = new KafkaClient({ endpoint: gateway.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
});
afterAll(async () => {
  msk.close();
  await gateway.stop();
});

const serverless = (ClusterName: string) =>
  new CreateClusterV2Command({
    ClusterName,
    Serverless: {
      VpcConfigs: [{ SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] }],
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    },
    Tags: { team: 'data' },
  });

test('a serverless cluster: ClusterType SERVERLESS, its VPC configuration and IAM authentication, no Provisioned', async () => {
  const created = await kafka.send(serverless('events-serverless'));
  expect(created).toMatchObject({ ClusterName: 'events-serverless', ClusterType: 'SERVERLESS' });
  const { ClusterInfo: info } = await kafka.send(new DescribeClusterV2Command({ ClusterArn: created.ClusterArn }));
  expect(info).toMatchObject({
    ClusterArn: created.ClusterArn,
    ClusterType: 'SERVERLESS',
    State: 'ACTIVE',
    Tags: { team: 'data' },
    Serverless: {
      VpcConfigs: [{ SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] }],
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    },
  });
  expect(info!.Provisioned).toBeUndefined();

  const listed = await kafka.send(new ListClustersV2Command({ ClusterTypeFilter: 'SERVERLESS' }));
  expect(listed.ClusterInfoList!.map((c) => c.ClusterName)).toContain('events-serverless');
  expect(listed.ClusterInfoList!.every((c) => c.ClusterType === 'SERVERLESS')).toBe(true);

  // SASL/IAM only, on MSK Serverless's host name shape and port 9098.
  const brokers = await kafka.send(new GetBootstrapBrokersCommand({ ClusterArn: created.ClusterArn }));
  expect(Object.keys(brokers).filter((k) => k.startsWith('BootstrapBroker'))).toEqual(['BootstrapBrokerStringSaslIam']);
  expect(brokers.BootstrapBrokerStringSaslIam).toMatch(
    /^boot-[a-z0-9]+\.c1\.kafka-serverless\.us-east-1\.amazonaws\.com:9098$/,
  );
});

test('provisioned-only operations on a serverless cluster: BadRequestException', async () => {
  const arn = (await kafka.send(serverless('events-serverless-2'))).ClusterArn!;
  const secret = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_x-AbCdEf';
  const refused = {
    name: 'BadRequestException',
    status: 400,
    message: 'This operation cannot be performed on serverless clusters.',
  };
  expect(await failure(kafka.send(new DescribeClusterCommand({ ClusterArn: arn })))).toEqual(refused);
  expect(
    await failure(kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: arn, SecretArnList: [secret] }))),
  ).toEqual(refused);
  expect(
    await failure(kafka.send(new BatchDisassociateScramSecretCommand({ ClusterArn: arn, SecretArnList: [secret] }))),
  ).toEqual(refused);
  expect(await failure(kafka.send(new ListScramSecretsCommand({ ClusterArn: arn })))).toEqual(refused);
  const version = (await kafka.send(new DescribeClusterV2Command({ ClusterArn: arn }))).ClusterInfo!.CurrentVersion!;
  expect(
    await failure(
      kafka.send(
        new UpdateSecurityCommand({
          ClusterArn: arn,
          CurrentVersion: version,
          ClientAuthentication: { Sasl: { Scram: { Enabled: true } } },
        }),
      ),
    ),
  ).toEqual(refused);
});

test('serverless requests MSK refuses: no VPC configuration, IAM turned off, both cluster types', async () => {
  expect(
    (await failure(kafka.send(new CreateClusterV2Command({ ClusterName: 'no-vpc', Serverless: { VpcConfigs: [] } }))))
      .name,
  ).toBe('BadRequestException');
  expect(
    await failure(
      kafka.send(
        new CreateClusterV2Command({
          ClusterName: 'no-iam',
          Serverless: {
            VpcConfigs: [{ SubnetIds: ['subnet-0a'] }],
            ClientAuthentication: { Sasl: { Iam: { Enabled: false } } },
          },
        }),
      ),
    ),
  ).toMatchObject({ name: 'BadRequestException', status: 400 });
  expect(
    (
      await failure(
        kafka.send(
          new CreateClusterV2Command({
            ClusterName: 'both',
            Serverless: { VpcConfigs: [{ SubnetIds: ['subnet-0a'] }] },
            Provisioned: {
              KafkaVersion: '3.9.x',
              NumberOfBrokerNodes: 1,
              BrokerNodeGroupInfo: { ClientSubnets: ['s'], InstanceType: 'kafka.m7g.large' },
            },
          }),
        ),
      )
    ).name,
  ).toBe('BadRequestException');
  // IAM is on when clientAuthentication is left out: it is MSK Serverless's only access control.
  const arn = (
    await kafka.send(
      new CreateClusterV2Command({ ClusterName: 'iam-default', Serverless: { VpcConfigs: [{ SubnetIds: ['s'] }] } }),
    )
  ).ClusterArn!;
  expect(
    (await kafka.send(new DescribeClusterV2Command({ ClusterArn: arn }))).ClusterInfo!.Serverless!.ClientAuthentication,
  ).toEqual({ Sasl: { Iam: { Enabled: true } } });
});

test('a provisioned cluster with SASL/IAM beside SCRAM and TLS: all three bootstrap strings; IAM only: one', async () => {
  const create = (ClusterName: string, scram: boolean, tls: boolean) =>
    kafka.send(
      new CreateClusterV2Command({
        ClusterName,
        Provisioned: {
          KafkaVersion: '3.9.x',
          NumberOfBrokerNodes: 1,
          BrokerNodeGroupInfo: { ClientSubnets: ['subnet-0a'], InstanceType: 'kafka.m7g.large' },
          ClientAuthentication: {
            Sasl: { Scram: { Enabled: scram }, Iam: { Enabled: true } },
            Tls: { Enabled: tls, CertificateAuthorityArnList: [] },
          },
        },
      }),
    );
  const all = (await create('all-three', true, true)).ClusterArn!;
  const info = (await kafka.send(new DescribeClusterV2Command({ ClusterArn: all }))).ClusterInfo!;
  expect(info.ClusterType).toBe('PROVISIONED');
  expect(info.Provisioned!.ClientAuthentication!.Sasl).toEqual({ Scram: { Enabled: true }, Iam: { Enabled: true } });
  const brokers = await kafka.send(new GetBootstrapBrokersCommand({ ClusterArn: all }));
  expect(brokers.BootstrapBrokerStringSaslScram).toBe('127.0.0.1:19096');
  expect(brokers.BootstrapBrokerStringSaslIam).toMatch(/:9098$/);

  const iamOnly = (await create('iam-only', false, false)).ClusterArn!;
  const only = await kafka.send(new GetBootstrapBrokersCommand({ ClusterArn: iamOnly }));
  expect(Object.keys(only).filter((k) => k.startsWith('BootstrapBroker'))).toEqual(['BootstrapBrokerStringSaslIam']);
  // No SCRAM on the cluster: association is refused as before.
  expect(
    (
      await failure(
        kafka.send(
          new BatchAssociateScramSecretCommand({
            ClusterArn: iamOnly,
            SecretArnList: ['arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_x-AbCdEf'],
          }),
        ),
      )
    ).message,
  ).toBe('SASL/SCRAM authentication is not enabled for this cluster.');
  // ListClustersV2's type filter keeps the provisioned ones apart.
  const provisioned = await kafka.send(new ListClustersV2Command({ ClusterTypeFilter: 'PROVISIONED' }));
  expect(provisioned.ClusterInfoList!.map((c) => c.ClusterName).sort()).toEqual(['all-three', 'iam-only']);
});

test('registerCluster takes the same choice: serverless, or a provisioned mix', async () => {
  const arn = await msk.registerCluster({ name: 'registered-serverless', auth: { serverless: true } });
  expect((await kafka.send(new DescribeClusterV2Command({ ClusterArn: arn }))).ClusterInfo!.ClusterType).toBe(
    'SERVERLESS',
  );
  const mixed = await msk.registerCluster({ name: 'registered-iam', auth: { iam: true, tls: false } });
  expect(
    (await kafka.send(new DescribeClusterV2Command({ ClusterArn: mixed }))).ClusterInfo!.Provisioned!
      .ClientAuthentication,
  ).toMatchObject({ Sasl: { Scram: { Enabled: false }, Iam: { Enabled: true } }, Tls: { Enabled: false } });
});
