// The emulated MSK's defaults (issue 9), through the unmodified @aws-sdk/client-kafka and an in-memory
// broker: a brand-new secret's first association is refused once with InvalidSecretArn, as MSK often
// does right after the secret was created (docs/facts.md, "BatchAssociateScramSecret"), unless a test
// turns it off; CreateClusterV2's broker count is bounded as the MSK model bounds it (botocore
// kafka/2018-11-14/service-2.json: NumberOfBrokerNodes is __integerMin1Max15).
import {
  KafkaClient,
  BatchAssociateScramSecretCommand,
  CreateClusterV2Command,
  type CreateClusterV2CommandInput,
} from '@aws-sdk/client-kafka';
import { SecretsManagerClient, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import { Gateway } from '../../../local/aws/gateway.js';
import { KmsEmulator } from '../../../local/aws/kms.js';
import { SecretsManagerEmulator } from '../../../local/aws/secrets-manager.js';
import { MskEmulator, kmsKeyManagerFrom, secretLookupFrom, type BrokerControl } from '../../../local/aws/msk.js';

class FakeBroker implements BrokerControl {
  readonly listeners = { scram: '127.0.0.1:19096', mtls: '127.0.0.1:19094' };
  readonly users = new Map<string, string>();
  async upsertScramUser(name: string, password: string): Promise<void> {
    this.users.set(name, password);
  }
  async deleteScramUser(name: string): Promise<void> {
    this.users.delete(name);
  }
  async setTrustedClientCas(): Promise<void> {}
}

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const kmsEmu = new KmsEmulator();
const smEmu = new SecretsManagerEmulator(kmsEmu);
const lookups = { secret: secretLookupFrom(smEmu), keyManager: kmsKeyManagerFrom(kmsEmu) };
let gw: Gateway;
let cmk: string;
let n = 0;

async function newSecret(): Promise<string> {
  const sm = new SecretsManagerClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  const user = `user-${++n}`;
  const out = await sm.send(
    new CreateSecretCommand({
      Name: `AmazonMSK_${user}`,
      KmsKeyId: cmk,
      SecretString: JSON.stringify({ username: user, password: `pw-${user}-0123456789abcdef` }),
    }),
  );
  return out.ARN!;
}

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  gw.registerService(kmsEmu.service);
  gw.registerService(smEmu.service);
  await gw.start();
  const kms = new KMSClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  cmk = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
});
afterAll(async () => {
  await gw.stop();
});

test('by default a new secret is refused once with InvalidSecretArn and associates on the retry; a secret seen before is not refused again', async () => {
  const msk = new MskEmulator({ broker: new FakeBroker(), ...lookups });
  const cluster = await msk.registerCluster({ name: 'default' });
  const arn = await newSecret();
  const first = await msk.batchAssociateScramSecret(cluster, { secretArnList: [arn] });
  expect(first.unprocessedScramSecrets).toEqual([
    {
      errorCode: 'InvalidSecretArn',
      errorMessage: "Amazon MSK wasn't able to access the provided secret.",
      secretArn: arn,
    },
  ]);
  const second = await msk.batchAssociateScramSecret(cluster, { secretArnList: [arn] });
  expect(second.unprocessedScramSecrets).toEqual([]);
  await msk.batchDisassociateScramSecret(cluster, { secretArnList: [arn] });
  const again = await msk.batchAssociateScramSecret(cluster, { secretArnList: [arn] });
  expect(again.unprocessedScramSecrets).toEqual([]);
});

test('accessFailuresPerNewSecret: 0 turns the refusal off', async () => {
  const msk = new MskEmulator({ broker: new FakeBroker(), ...lookups, accessFailuresPerNewSecret: 0 });
  const cluster = await msk.registerCluster({ name: 'immediate' });
  const out = await msk.batchAssociateScramSecret(cluster, { secretArnList: [await newSecret()] });
  expect(out.unprocessedScramSecrets).toEqual([]);
});

test('CreateClusterV2: 15 broker nodes are accepted, 16 and 0 are BadRequestException naming numberOfBrokerNodes', async () => {
  const msk = new MskEmulator({ broker: new FakeBroker(), ...lookups });
  const local = new Gateway({ log: () => undefined });
  local.registerService(msk);
  await local.start();
  try {
    const kafka = new KafkaClient({ endpoint: local.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const input = (name: string, NumberOfBrokerNodes: number): CreateClusterV2CommandInput => ({
      ClusterName: name,
      Provisioned: {
        KafkaVersion: '3.6.0',
        NumberOfBrokerNodes,
        BrokerNodeGroupInfo: { ClientSubnets: ['subnet-a', 'subnet-b', 'subnet-c'], InstanceType: 'kafka.m5.large' },
      },
    });
    expect((await kafka.send(new CreateClusterV2Command(input('fifteen', 15)))).ClusterArn).toBeDefined();
    for (const count of [16, 0]) {
      const e = (await kafka
        .send(new CreateClusterV2Command(input(`n${count}`, count)))
        .catch((err: unknown) => err)) as {
        name: string;
        $metadata: { httpStatusCode?: number };
        InvalidParameter?: string;
      };
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['BadRequestException', 400]);
      // The member's name, or its path in the request when the model layer answers first.
      expect(e.InvalidParameter).toMatch(/(^|\.)numberOfBrokerNodes$/);
    }
    // The emulator's own check, without the gateway in front.
    await expect(
      msk.createClusterV2({
        clusterName: 'direct',
        provisioned: {
          kafkaVersion: '3.6.0',
          numberOfBrokerNodes: 16,
          brokerNodeGroupInfo: { clientSubnets: ['subnet-a'], instanceType: 'kafka.m5.large' },
        },
      }),
    ).rejects.toMatchObject({ code: 'BadRequestException' });
  } finally {
    msk.close();
    await local.stop();
  }
});

test('through the SDK the default refusal reaches the caller as UnprocessedScramSecrets on HTTP 200', async () => {
  const msk = new MskEmulator({ broker: new FakeBroker(), ...lookups });
  gw.registerService(msk);
  const cluster = await msk.registerCluster({ name: 'sdk' });
  const kafka = new KafkaClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  const arn = await newSecret();
  const first = await kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: cluster, SecretArnList: [arn] }));
  expect(first.$metadata.httpStatusCode).toBe(200);
  expect(first.UnprocessedScramSecrets?.map((u) => u.ErrorCode)).toEqual(['InvalidSecretArn']);
  const retry = await kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: cluster, SecretArnList: [arn] }));
  expect(retry.UnprocessedScramSecrets).toEqual([]);
  msk.close();
});
