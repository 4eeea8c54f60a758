// The emulated endpoints count the requests they are sent, by caller, service and operation (local/aws/request-counts.ts,
// read by the benchmarks' cost meter, bench/_cost.ts): on each wire protocol of the gateway (JSON, REST-JSON, Query)
// and on S3, and a request IAM refuses counts as well, since AWS receives (and throttles) it all the same.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { KafkaClient, ListClustersV2Command } from '@aws-sdk/client-kafka';
import { IAMClient, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { createMsk, type MskEmulator } from '../../../local/aws/msk.js';
import type { RequestCount } from '../../../local/aws/request-counts.js';
import type { Credentials } from '../../../local/aws/iam/types.js';
import { NoopBroker } from '../../support/noop-broker.js';

let aws: LocalAws;
let iam: IamAuthority;
let msk: MskEmulator;

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, buckets: ['counted'], log: () => undefined });
  msk = createMsk({ broker: new NoopBroker() });
  aws.gateway.registerService(msk);
});

afterAll(async () => {
  msk?.close();
  await aws?.stop();
});

function clients(credentials: Credentials) {
  const base = { endpoint: aws.endpoint, region: aws.region, credentials, maxAttempts: 1 };
  return {
    kms: new KMSClient(base),
    kafka: new KafkaClient(base),
    iam: new IAMClient(base),
    s3: new S3Client({ ...base, endpoint: aws.s3Endpoint, forcePathStyle: true }),
  };
}

const countOf = (counts: readonly RequestCount[], principalArn: string, service: string, operation: string) =>
  counts.find((c) => c.principalArn === principalArn && c.service === service && c.operation === operation)?.count ?? 0;

test('each request counts once for its caller, service and operation, refused ones too', async () => {
  const admin = localAdminArn();
  const role = 'arn:aws:iam::000000000000:role/counted';
  iam.putRole(role, {
    policies: [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['kms:DescribeKey', 's3:GetObject'], Resource: '*' }],
      },
    ],
  });
  const asAdmin = clients(iam.credentialsFor(admin));
  const roleCredentials = iam.credentialsFor(role);
  const asRole = clients(roleCredentials);
  const rolePrincipal = iam.principalForAccessKey(roleCredentials.accessKeyId)!;

  const key = (await asAdmin.kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  await asAdmin.kafka.send(new ListClustersV2Command({})); // REST-JSON
  await asAdmin.iam.send(new ListPoliciesCommand({})); // Query
  await asAdmin.s3.send(new PutObjectCommand({ Bucket: 'counted', Key: 'k', Body: 'x' }));
  for (let i = 0; i < 2; i++) await asRole.kms.send(new DescribeKeyCommand({ KeyId: key }));
  await asRole.s3.send(new GetObjectCommand({ Bucket: 'counted', Key: 'k' }));
  // Refused by IAM: counted all the same.
  await expect(asRole.kms.send(new ListAliasesCommand({}))).rejects.toThrow(/not authorized/);
  await expect(asRole.s3.send(new PutObjectCommand({ Bucket: 'counted', Key: 'k', Body: 'y' }))).rejects.toThrow(
    /not authorized/,
  );

  const counts = [...aws.gateway.requests.snapshot(), ...aws.s3.requests.snapshot()];
  expect(countOf(counts, admin, 'kms', 'CreateKey')).toBe(1);
  expect(countOf(counts, admin, 'kafka', 'ListClustersV2')).toBe(1);
  expect(countOf(counts, admin, 'iam', 'ListPolicies')).toBe(1);
  expect(countOf(counts, admin, 's3', 'PutObject')).toBe(1);
  expect(countOf(counts, rolePrincipal, 'kms', 'DescribeKey')).toBe(2);
  expect(countOf(counts, rolePrincipal, 's3', 'GetObject')).toBe(1);
  expect(countOf(counts, rolePrincipal, 'kms', 'ListAliases')).toBe(1);
  expect(countOf(counts, rolePrincipal, 's3', 'PutObject')).toBe(1);
  expect(counts.filter((c) => c.principalArn === rolePrincipal).reduce((n, c) => n + c.count, 0)).toBe(5);
});
