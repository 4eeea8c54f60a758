// The emulated MSK control API through the unmodified @aws-sdk/client-kafka, with an in-memory broker fake,
// the emulated KMS, Secrets Manager and ACM PCA: cluster description, bootstrap brokers, the CA list feeding the
// broker's trust store, and SCRAM association with MSK's documented validations and UnprocessedScramSecrets.
import {
  KafkaClient,
  BatchAssociateScramSecretCommand,
  BatchDisassociateScramSecretCommand,
  CreateClusterV2Command,
  DescribeClusterCommand,
  DescribeClusterOperationCommand,
  DescribeClusterV2Command,
  GetBootstrapBrokersCommand,
  ListClustersV2Command,
  ListScramSecretsCommand,
  UpdateSecurityCommand,
  paginateListScramSecrets,
} from '@aws-sdk/client-kafka';
import { SecretsManagerClient, CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import { ACMPCAClient, CreateCertificateAuthorityCommand } from '@aws-sdk/client-acm-pca';
import {
  ACMPCAClient as PcaClient,
  GetCertificateCommand,
  IssueCertificateCommand,
  waitUntilCertificateIssued,
} from '@aws-sdk/client-acm-pca';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { Gateway } from '../../../local/aws/gateway.js';
import { useKafka } from '../../support/kafka.js';
import { KmsEmulator } from '../../../local/aws/kms.js';
import { SecretsManagerEmulator } from '../../../local/aws/secrets-manager.js';
import { AcmPcaEmulator } from '../../../local/aws/acm-pca.js';
import {
  MskEmulator,
  caLookupFrom,
  kmsKeyManagerFrom,
  secretLookupFrom,
  type BrokerControl,
} from '../../../local/aws/msk.js';

class FakeBroker implements BrokerControl {
  readonly listeners = { scram: '127.0.0.1:19096', mtls: '127.0.0.1:19094' };
  readonly users = new Map<string, string>();
  trusted: readonly string[] = [];
  async upsertScramUser(name: string, password: string): Promise<void> {
    this.users.set(name, password);
  }
  async deleteScramUser(name: string): Promise<void> {
    this.users.delete(name);
  }
  async setTrustedClientCas(pems: readonly string[]): Promise<void> {
    this.trusted = [...pems];
  }
}

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const broker = new FakeBroker();
const kmsEmu = new KmsEmulator();
const smEmu = new SecretsManagerEmulator(kmsEmu);
const pcaEmu = new AcmPcaEmulator();
const mskEmu = new MskEmulator({
  broker,
  secret: secretLookupFrom(smEmu),
  keyManager: kmsKeyManagerFrom(kmsEmu),
  caCertificatePem: caLookupFrom(pcaEmu),
  accessFailuresPerNewSecret: 0,
});
let gw: Gateway;
let kafka: KafkaClient;
let sm: SecretsManagerClient;
let cmk: string;
let clusterArn: string;

async function errorOf(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata?: { httpStatusCode?: number } }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { name: string; message: string } | undefined;
  if (!e) throw new Error('expected the call to fail');
  return e;
}

async function secret(name: string, username: string, kmsKeyId: string | null = cmk): Promise<string> {
  const out = await sm.send(
    new CreateSecretCommand({
      Name: name,
      KmsKeyId: kmsKeyId ?? undefined,
      SecretString: JSON.stringify({ username, password: `pw-${username}-0123456789abcdef` }),
    }),
  );
  return out.ARN!;
}

async function newCa(): Promise<string> {
  const pca = new ACMPCAClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  const out = await pca.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'EC_prime256v1',
        SigningAlgorithm: 'SHA256WITHECDSA',
        Subject: { CommonName: `ca-${Math.random()}` },
      },
    }),
  );
  return out.CertificateAuthorityArn!;
}

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  gw.registerService(kmsEmu.service);
  gw.registerService(smEmu.service);
  gw.registerService(pcaEmu);
  gw.registerService(mskEmu);
  await gw.start();
  kafka = new KafkaClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  sm = new SecretsManagerClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  const kms = new KMSClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  cmk = (await kms.send(new CreateKeyCommand({ Description: 'msk scram' }))).KeyMetadata!.Arn!;
  clusterArn = await mskEmu.registerCluster({ name: 'local' });
});
afterAll(() => gw.stop());

describe('clusters', () => {
  test('DescribeClusterV2, DescribeCluster and ListClustersV2 show a provisioned ACTIVE cluster with SCRAM on', async () => {
    expect(clusterArn).toMatch(/^arn:aws:kafka:us-east-1:000000000000:cluster\/local\/[0-9a-f-]+-\d+$/);
    const v2 = await kafka.send(new DescribeClusterV2Command({ ClusterArn: clusterArn }));
    expect(v2.ClusterInfo).toMatchObject({
      ClusterArn: clusterArn,
      ClusterName: 'local',
      ClusterType: 'PROVISIONED',
      State: 'ACTIVE',
    });
    expect(v2.ClusterInfo!.CreationTime).toBeInstanceOf(Date);
    expect(v2.ClusterInfo!.Provisioned!.ClientAuthentication!.Sasl!.Scram!.Enabled).toBe(true);
    const v1 = await kafka.send(new DescribeClusterCommand({ ClusterArn: clusterArn }));
    expect(v1.ClusterInfo!.CurrentVersion).toBe(v2.ClusterInfo!.CurrentVersion);
    const list = await kafka.send(new ListClustersV2Command({}));
    expect(list.ClusterInfoList!.map((c) => c.ClusterArn)).toContain(clusterArn);
  });

  test('an unknown cluster is NotFoundException (404)', async () => {
    const e = await errorOf(
      kafka.send(new DescribeClusterV2Command({ ClusterArn: clusterArn.replace(/local/, 'other') })),
    );
    expect(e.name).toBe('NotFoundException');
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });

  test('CreateClusterV2 through the SDK; a duplicate name is ConflictException, an unknown CA is BadRequestException', async () => {
    const input = {
      ClusterName: 'created',
      Provisioned: {
        KafkaVersion: '3.9.x',
        NumberOfBrokerNodes: 3,
        BrokerNodeGroupInfo: { ClientSubnets: ['subnet-a', 'subnet-b', 'subnet-c'], InstanceType: 'kafka.m7g.large' },
        ClientAuthentication: { Sasl: { Scram: { Enabled: true } } },
      },
    };
    const out = await kafka.send(new CreateClusterV2Command(input));
    expect(out).toMatchObject({ ClusterName: 'created', ClusterType: 'PROVISIONED' });
    expect((await errorOf(kafka.send(new CreateClusterV2Command(input)))).name).toBe('ConflictException');
    const badCa = {
      ...input,
      ClusterName: 'badca',
      Provisioned: {
        ...input.Provisioned,
        ClientAuthentication: {
          Tls: { CertificateAuthorityArnList: ['arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/nope'] },
        },
      },
    };
    expect((await errorOf(kafka.send(new CreateClusterV2Command(badCa)))).name).toBe('BadRequestException');
  });

  test('GetBootstrapBrokers points at the broker listeners of the enabled methods', async () => {
    const out = await kafka.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
    expect(out.BootstrapBrokerStringSaslScram).toBe('127.0.0.1:19096');
    expect(out.BootstrapBrokerStringTls).toBe('127.0.0.1:19094');
  });
});

describe('UpdateSecurity', () => {
  test('the TLS CA list feeds the broker trust store; the version advances; a stale version is refused', async () => {
    const caA = await newCa();
    const caB = await newCa();
    const before = (await kafka.send(new DescribeClusterV2Command({ ClusterArn: clusterArn }))).ClusterInfo!
      .CurrentVersion!;
    const out = await kafka.send(
      new UpdateSecurityCommand({
        ClusterArn: clusterArn,
        CurrentVersion: before,
        ClientAuthentication: { Tls: { CertificateAuthorityArnList: [caA, caB], Enabled: true } },
      }),
    );
    expect(out.ClusterOperationArn).toMatch(/^arn:aws:kafka:us-east-1:000000000000:cluster-operation\//);
    expect(broker.trusted).toEqual([pcaEmu.caCertificatePem(caA), pcaEmu.caCertificatePem(caB)]);
    const after = (await kafka.send(new DescribeClusterV2Command({ ClusterArn: clusterArn }))).ClusterInfo!;
    expect(after.CurrentVersion).not.toBe(before);
    expect(after.Provisioned!.ClientAuthentication!.Tls!.CertificateAuthorityArnList).toEqual([caA, caB]);
    const op = await kafka.send(new DescribeClusterOperationCommand({ ClusterOperationArn: out.ClusterOperationArn }));
    expect(op.ClusterOperationInfo).toMatchObject({
      OperationType: 'UPDATE_SECURITY',
      OperationState: 'UPDATE_COMPLETE',
    });

    const stale = await errorOf(
      kafka.send(
        new UpdateSecurityCommand({
          ClusterArn: clusterArn,
          CurrentVersion: before,
          ClientAuthentication: { Tls: { CertificateAuthorityArnList: [caA] } },
        }),
      ),
    );
    expect(stale.name).toBe('BadRequestException');
    const unknownCa = await errorOf(
      kafka.send(
        new UpdateSecurityCommand({
          ClusterArn: clusterArn,
          CurrentVersion: after.CurrentVersion,
          ClientAuthentication: { Tls: { CertificateAuthorityArnList: [caA.replace(/.{12}$/, '000000000000')] } },
        }),
      ),
    );
    expect(unknownCa.name).toBe('BadRequestException');
    const noChange = await errorOf(
      kafka.send(
        new UpdateSecurityCommand({
          ClusterArn: clusterArn,
          CurrentVersion: after.CurrentVersion,
          ClientAuthentication: { Tls: { CertificateAuthorityArnList: [caA, caB], Enabled: true } },
        }),
      ),
    );
    expect(noChange.name).toBe('BadRequestException');
  });
});

describe('SCRAM secrets', () => {
  test('a valid AmazonMSK_ secret with a customer-managed key is associated and becomes a broker user', async () => {
    const arn = await secret('AmazonMSK_orders', 'orders');
    const out = await kafka.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
    );
    expect(out.ClusterArn).toBe(clusterArn);
    expect(out.UnprocessedScramSecrets).toEqual([]);
    expect(broker.users.get('orders')).toBe('pw-orders-0123456789abcdef');
    const again = await kafka.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
    );
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect(again.UnprocessedScramSecrets).toEqual([
      {
        ErrorCode: 'InvalidSecretArn',
        ErrorMessage:
          'The provided secret is already associated with this cluster. To update the association, first disassociate the secret.',
        SecretArn: arn,
      },
    ]);
  });

  test("MSK's validations come back as UnprocessedScramSecrets with HTTP 200", async () => {
    const noPrefix = await secret('orders-no-prefix', 'np');
    const defaultKey = await secret('AmazonMSK_default_key', 'dk', null);
    const otherRegion = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:AmazonMSK_far-AbCdEf';
    const missing = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_missing-AbCdEf';
    const good = await secret('AmazonMSK_payments', 'payments');
    const out = await kafka.send(
      new BatchAssociateScramSecretCommand({
        ClusterArn: clusterArn,
        SecretArnList: [noPrefix, defaultKey, otherRegion, missing, good],
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    const byArn = Object.fromEntries(out.UnprocessedScramSecrets!.map((u) => [u.SecretArn, u]));
    expect(Object.keys(byArn).sort()).toEqual([noPrefix, defaultKey, otherRegion, missing].sort());
    for (const u of out.UnprocessedScramSecrets!) expect(u.ErrorCode).toBe('InvalidSecretArn');
    expect(byArn[noPrefix]!.ErrorMessage).toMatch(/Secret names must have the prefix 'AmazonMSK_'/);
    expect(byArn[defaultKey]!.ErrorMessage).toMatch(/default AWS KMS key/);
    expect(byArn[otherRegion]!.ErrorMessage).toBe("Amazon MSK wasn't able to access the provided secret.");
    expect(byArn[missing]!.ErrorMessage).toBe("Amazon MSK wasn't able to access the provided secret.");
    expect(broker.users.has('payments')).toBe(true);
    expect(broker.users.has('np')).toBe(false);
    expect(broker.users.has('dk')).toBe(false);
  });

  test('more than 10 secrets per call, or none, is BadRequestException', async () => {
    const arns = Array.from(
      { length: 11 },
      (_, i) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_x${i}-AbCdEf`,
    );
    expect(
      (await errorOf(kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: arns }))))
        .name,
    ).toBe('BadRequestException');
    expect(
      (await errorOf(kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [] }))))
        .name,
    ).toBe('BadRequestException');
  });

  test('ListScramSecrets pages with NextToken; maxResults above 100 is refused', async () => {
    const extra = await Promise.all([1, 2, 3].map((i) => secret(`AmazonMSK_page${i}`, `page${i}`)));
    await kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: extra }));
    const all: string[] = [];
    for await (const page of paginateListScramSecrets({ client: kafka, pageSize: 2 }, { ClusterArn: clusterArn })) {
      expect(page.SecretArnList!.length).toBeLessThanOrEqual(2);
      all.push(...page.SecretArnList!);
    }
    expect(all).toEqual(mskEmu.associatedSecrets(clusterArn));
    expect(all).toEqual(expect.arrayContaining(extra));
    expect(
      (await errorOf(kafka.send(new ListScramSecretsCommand({ ClusterArn: clusterArn, MaxResults: 101 })))).name,
    ).toBe('BadRequestException');
  });

  test('disassociation removes the broker user; an unassociated secret is reported unprocessed', async () => {
    const arn = await secret('AmazonMSK_leaving', 'leaving');
    await kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }));
    expect(broker.users.has('leaving')).toBe(true);
    const out = await kafka.send(
      new BatchDisassociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
    );
    expect(out.UnprocessedScramSecrets).toEqual([]);
    expect(broker.users.has('leaving')).toBe(false);
    const again = await kafka.send(
      new BatchDisassociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
    );
    expect(again.UnprocessedScramSecrets).toEqual([
      expect.objectContaining({ ErrorCode: 'InvalidSecretArn', SecretArn: arn }),
    ]);
  });

  test('a password change reaches the broker on the next sync (MSK syncs periodically, not at once)', async () => {
    const arn = await secret('AmazonMSK_rotating', 'rotating');
    await kafka.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }));
    await sm.send(
      new PutSecretValueCommand({
        SecretId: arn,
        SecretString: JSON.stringify({ username: 'rotating', password: 'new-password-0123456789' }),
      }),
    );
    expect(broker.users.get('rotating')).toBe('pw-rotating-0123456789abcdef');
    await mskEmu.syncScramSecrets(clusterArn);
    expect(broker.users.get('rotating')).toBe('new-password-0123456789');
  });

  test('eventual consistency: a new secret can fail with "wasn\'t able to access" first and succeed on retry', async () => {
    const flaky = new MskEmulator({
      broker: new FakeBroker(),
      secret: secretLookupFrom(smEmu),
      keyManager: kmsKeyManagerFrom(kmsEmu),
      accessFailuresPerNewSecret: 1,
    });
    const c = await flaky.registerCluster({ name: 'flaky' });
    const arn = await secret('AmazonMSK_flaky', 'flaky');
    const first = await flaky.batchAssociateScramSecret(c, { secretArnList: [arn] });
    expect(first.unprocessedScramSecrets).toEqual([
      {
        errorCode: 'InvalidSecretArn',
        errorMessage: "Amazon MSK wasn't able to access the provided secret.",
        secretArn: arn,
      },
    ]);
    const second = await flaky.batchAssociateScramSecret(c, { secretArnList: [arn] });
    expect(second.unprocessedScramSecrets).toEqual([]);
  });

  test('a broker failure is a retryable 500 (earlier secrets stay associated); injected faults reach the SDK', async () => {
    const first = await secret('AmazonMSK_brokerok', 'brokerok');
    const arn = await secret('AmazonMSK_brokerdown', 'brokerdown');
    const oneShot = new KafkaClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const upsert = broker.upsertScramUser.bind(broker);
    broker.upsertScramUser = async (name, pw) => {
      if (name === 'brokerdown') throw new Error('broker unavailable');
      return upsert(name, pw);
    };
    try {
      const e = await errorOf(
        oneShot.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [first, arn] })),
      );
      expect(e.name).toBe('InternalServerErrorException');
      expect(e.$metadata?.httpStatusCode).toBe(500);
    } finally {
      broker.upsertScramUser = upsert;
    }
    const retried = await oneShot.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [first, arn] }),
    );
    expect(retried.UnprocessedScramSecrets).toEqual([
      expect.objectContaining({ SecretArn: first, ErrorMessage: expect.stringMatching(/already associated/) }),
    ]);
    expect(broker.users.has('brokerdown')).toBe(true);
    await oneShot.send(new BatchDisassociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }));
    gw.faults.add({
      service: 'kafka',
      operation: 'BatchAssociateScramSecret',
      error: { code: 'TooManyRequestsException', statusCode: 429, message: 'Too many requests' },
      times: 1,
    });
    const noRetry = new KafkaClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    expect(
      (
        await errorOf(
          noRetry.send(new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] })),
        )
      ).name,
    ).toBe('TooManyRequestsException');
    const ok = await noRetry.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
    );
    expect(ok.UnprocessedScramSecrets).toEqual([]);
  });

  test('the 1000-secret limit is enforced before any association', async () => {
    const big = new MskEmulator({
      secret: (arn) => ({
        arn,
        name: arn.split(':secret:')[1]!,
        kmsKeyId: cmk,
        secretString: JSON.stringify({ username: arn.slice(-12), password: 'p' }),
      }),
      keyManager: () => 'CUSTOMER',
      accessFailuresPerNewSecret: 0,
    });
    const c = await big.registerCluster({ name: 'big' });
    for (let i = 0; i < 100; i++) {
      const arns = Array.from(
        { length: 10 },
        (_, j) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_u${i * 10 + j}-AbCdEf`,
      );
      const r = await big.batchAssociateScramSecret(c, { secretArnList: arns });
      expect(r.unprocessedScramSecrets).toEqual([]);
    }
    expect(big.associatedSecrets(c)).toHaveLength(1000);
    await expect(
      big.batchAssociateScramSecret(c, {
        secretArnList: ['arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_one_more-AbCdEf'],
      }),
    ).rejects.toMatchObject({ code: 'BadRequestException' });
  });
});

// End to end without the pipeline, against the real local Kafka broker: an AmazonMSK_ secret associated through the
// SDK becomes a SCRAM-SHA-512 login; a PCA-issued certificate logs in over mTLS once UpdateSecurity trusts its CA.
describe('end to end with the real Kafka broker', () => {
  const kafkaHandle = useKafka();
  let gw2: Gateway;
  let msk2: MskEmulator;
  let k2: KafkaClient;
  let cluster: string;

  const quiet = (c: KafkaConfig): KafkaConfig => ({
    ...c,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 0 },
  });
  let lastError = '';
  /**
   * Brokers pick a new trust store up a little after the dynamic config is applied (real MSK: minutes after
   * UpdateSecurity), so a client that expects to get in keeps trying for a while, as MSK clients do.
   */
  async function eventuallyConnects(c: KafkaConfig, attempts = 40): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      if (await connects(c)) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`never connected: ${lastError}`);
  }
  async function connects(c: KafkaConfig): Promise<boolean> {
    const admin = new Kafka(quiet(c)).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch (e) {
      lastError = (e as Error).message;
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  beforeAll(async () => {
    x509.cryptoProvider.set(webcrypto as never);
    msk2 = new MskEmulator({
      broker: kafkaHandle.broker,
      secret: secretLookupFrom(smEmu),
      keyManager: kmsKeyManagerFrom(kmsEmu),
      caCertificatePem: caLookupFrom(pcaEmu),
      accessFailuresPerNewSecret: 0,
    });
    gw2 = new Gateway({ log: () => undefined });
    gw2.registerService(kmsEmu.service);
    gw2.registerService(smEmu.service);
    gw2.registerService(pcaEmu);
    gw2.registerService(msk2);
    await gw2.start();
    k2 = new KafkaClient({ endpoint: gw2.url, region: 'us-east-1', credentials: creds });
    cluster = await msk2.registerCluster({ name: 'e2e' });
  });
  afterAll(() => gw2?.stop());

  test('SCRAM: associate an AmazonMSK_ secret, log in with its username and password; disassociate, and the login fails', async () => {
    const username = 'e2e.orders';
    const password = `A${webcrypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + (b % 36).toString(36), '')}`;
    const secretArn = (
      await sm.send(
        new CreateSecretCommand({
          Name: 'AmazonMSK_e2e.orders',
          KmsKeyId: cmk,
          SecretString: JSON.stringify({ username, password }),
        }),
      )
    ).ARN!;
    const out = await k2.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: cluster, SecretArnList: [secretArn] }),
    );
    expect(out.UnprocessedScramSecrets).toEqual([]);
    const { BootstrapBrokerStringSaslScram } = await k2.send(new GetBootstrapBrokersCommand({ ClusterArn: cluster }));
    const scram = (pw: string): KafkaConfig => ({
      brokers: BootstrapBrokerStringSaslScram!.split(','),
      ssl: { ca: [kafkaHandle.broker.serverCaPem] },
      sasl: { mechanism: 'scram-sha-512', username, password: pw },
    });
    expect(await connects(scram(password))).toBe(true);
    expect(await connects(scram(`${password}x`))).toBe(false);
    await k2.send(new BatchDisassociateScramSecretCommand({ ClusterArn: cluster, SecretArnList: [secretArn] }));
    expect(await connects(scram(password))).toBe(false);
  });

  test('mTLS: a PCA certificate is refused until UpdateSecurity puts the PCA on the cluster, then it logs in', async () => {
    const pca = new PcaClient({ endpoint: gw2.url, region: 'us-east-1', credentials: creds });
    const caArn = (
      await pca.send(
        new CreateCertificateAuthorityCommand({
          CertificateAuthorityType: 'ROOT',
          CertificateAuthorityConfiguration: {
            KeyAlgorithm: 'EC_prime256v1',
            SigningAlgorithm: 'SHA256WITHECDSA',
            Subject: { CommonName: 'e2e clients' },
          },
        }),
      )
    ).CertificateAuthorityArn!;
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=e2e.orders',
      keys: keys as never,
      signingAlgorithm: alg as never,
    });
    const { CertificateArn } = await pca.send(
      new IssueCertificateCommand({
        CertificateAuthorityArn: caArn,
        Csr: new TextEncoder().encode(csr.toString('pem')),
        SigningAlgorithm: 'SHA256WITHECDSA',
        Validity: { Type: 'DAYS', Value: 1 },
      }),
    );
    await waitUntilCertificateIssued(
      { client: pca, maxWaitTime: 30, minDelay: 1 },
      { CertificateAuthorityArn: caArn, CertificateArn },
    );
    const cert = await pca.send(new GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn }));
    const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${keyDer
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END PRIVATE KEY-----\n`;
    const { BootstrapBrokerStringTls } = await k2.send(new GetBootstrapBrokersCommand({ ClusterArn: cluster }));
    const mtls: KafkaConfig = {
      brokers: BootstrapBrokerStringTls!.split(','),
      ssl: { ca: [kafkaHandle.broker.serverCaPem], cert: `${cert.Certificate}\n${cert.CertificateChain}`, key: keyPem },
    };

    expect(await connects(mtls)).toBe(false);
    const version = (await k2.send(new DescribeClusterV2Command({ ClusterArn: cluster }))).ClusterInfo!.CurrentVersion!;
    await k2.send(
      new UpdateSecurityCommand({
        ClusterArn: cluster,
        CurrentVersion: version,
        ClientAuthentication: { Tls: { CertificateAuthorityArnList: [caArn], Enabled: true } },
      }),
    );
    const described = await k2.send(new DescribeClusterV2Command({ ClusterArn: cluster }));
    expect(described.ClusterInfo!.Provisioned!.ClientAuthentication!.Tls!.CertificateAuthorityArnList).toEqual([caArn]);
    expect(await eventuallyConnects(mtls)).toBe(true);
  });
});
