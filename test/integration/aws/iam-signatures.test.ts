// SigV4 verification on the gateway (`startLocalAws({ iam, verifySignatures: true })`): requests the
// real SDK v3 clients sign with the principal's secret key pass, on the JSON protocols and on MSK's
// REST API (an ARN in the path, query parameters); a wrong secret is InvalidSignatureException.
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeClusterCommand,
  KafkaClient,
  ListClustersV2Command,
  ListScramSecretsCommand,
} from '@aws-sdk/client-kafka';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { createMsk, type MskEmulator } from '../../../local/aws/msk.js';
import type { Credentials } from '../../../local/aws/iam/types.js';
import { NoopBroker } from '../../support/noop-broker.js';

let aws: LocalAws;
let iam: IamAuthority;
let msk: MskEmulator;
let clusterArn: string;

function clients(credentials: Credentials) {
  const base = { endpoint: aws.endpoint, region: aws.region, credentials, maxAttempts: 1 };
  return { kms: new KMSClient(base), sm: new SecretsManagerClient(base), kafka: new KafkaClient(base) };
}

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, verifySignatures: true, log: () => undefined });
  msk = createMsk({ broker: new NoopBroker() });
  aws.gateway.registerService(msk);
  clusterArn = await msk.registerCluster({ name: 'signed' });
});

afterAll(async () => {
  msk?.close();
  await aws?.stop();
});

test('requests signed with the right secret pass: JSON services and MSK REST (ARN in the path, query)', async () => {
  const admin = clients(iam.credentialsFor(localAdminArn()));
  const key = (await admin.kms.send(new CreateKeyCommand({ Description: 'signed: spaces  and  symbols !*()' })))
    .KeyMetadata!.Arn!;
  await admin.kms.send(new DescribeKeyCommand({ KeyId: key }));
  await admin.kms.send(new ListAliasesCommand({ Limit: 10 }));
  await admin.sm.send(new CreateSecretCommand({ Name: 'AmazonMSK_signed', SecretString: 'x' }));
  expect((await admin.sm.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_signed' }))).SecretString).toBe('x');
  expect((await admin.kafka.send(new DescribeClusterCommand({ ClusterArn: clusterArn }))).ClusterInfo?.ClusterArn).toBe(
    clusterArn,
  );
  await admin.kafka.send(new ListScramSecretsCommand({ ClusterArn: clusterArn, MaxResults: 5 }));
  await admin.kafka.send(new ListClustersV2Command({ ClusterNameFilter: 'sig ned', MaxResults: 3 }));
  // A role's session credentials (with the session token among the signed headers) pass too.
  const role = 'arn:aws:iam::000000000000:role/signer';
  iam.putRole(role, {
    policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] }],
  });
  await clients(iam.credentialsFor(role)).kms.send(new DescribeKeyCommand({ KeyId: key }));
});

test('a request signed with another secret is InvalidSignatureException (400; MSK 403)', async () => {
  const real = iam.credentialsFor(localAdminArn());
  const forged = clients({ accessKeyId: real.accessKeyId, secretAccessKey: 'not-the-secret' });
  const kmsError = (await forged.kms.send(new CreateKeyCommand({})).catch((e: unknown) => e)) as {
    name: string;
    $metadata: { httpStatusCode?: number };
  };
  expect(kmsError.name).toBe('InvalidSignatureException');
  expect(kmsError.$metadata.httpStatusCode).toBe(400);
  const mskError = (await forged.kafka
    .send(new DescribeClusterCommand({ ClusterArn: clusterArn }))
    .catch((e: unknown) => e)) as { name: string; $metadata: { httpStatusCode?: number } };
  expect(mskError.name).toBe('InvalidSignatureException');
  expect(mskError.$metadata.httpStatusCode).toBe(403);
});
