// What IAM enforcement costs per request on the embedded cloud:
// - the authority alone: evaluations per second, synchronous (`evaluate`, runUnsafeSimulation on
//   pre-validated input) and validated (`evaluateAsync`, runSimulation), over a mix of allowed and
//   denied requests (S3 with a bucket policy, KMS with the default key policy, Secrets Manager);
// - a gateway round trip (KMS DescribeKey through the SDK v3 client) and an S3 GetObject, each with
//   and without enforcement, median and p95 in microseconds.
// Progress goes to stderr; the last stdout line is one JSON object.
import { loadavg } from 'node:os';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { IamAuthority, defaultKeyPolicy } from '../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../local/aws/env.js';
import type { AuthorizationRequest, Credentials, PolicyDocument } from '../local/aws/iam/types.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/provision`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 400);

function authorityUnderTest(): { iam: IamAuthority; requests: AuthorizationRequest[] } {
  const iam = new IamAuthority();
  const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  iam.addResourcePolicyProvider((arn) => (arn === key ? defaultKeyPolicy(ACCOUNT) : undefined));
  iam.putRole(ROLE, {
    tags: { 'msk-spec-domain': 'shop.orders' },
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::specs/*' },
          {
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: key,
            Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
          },
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: `arn:aws:secretsmanager:*:${ACCOUNT}:secret:AmazonMSK_\${aws:PrincipalTag/msk-spec-domain}-*`,
          },
        ],
      },
    ],
  });
  const bucketPolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::specs/*',
        Condition: {
          StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        },
      },
    ],
  };
  const requests: AuthorizationRequest[] = [
    {
      principalArn: ROLE,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::specs/shop.orders.yaml',
      resourcePolicy: bucketPolicy,
    },
    {
      principalArn: ROLE,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::specs/shop.orders.yaml',
      resourcePolicy: bucketPolicy,
      context: { 's3:x-amz-server-side-encryption-aws-kms-key-id': `${key}-other` },
    },
    { principalArn: ROLE, action: 's3:PutObject', resource: 'arn:aws:s3:::reports/x.json' },
    {
      principalArn: ROLE,
      action: 'kms:Decrypt',
      resource: key,
      context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT },
    },
    {
      principalArn: ROLE,
      action: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:AmazonMSK_shop.orders-AbCdEf`,
    },
    {
      principalArn: ROLE,
      action: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:AmazonMSK_shop.payments-AbCdEf`,
    },
  ];
  return { iam, requests };
}

async function evaluationsPerSecond(): Promise<{ sync: number; async: number; allowedShare: number }> {
  const { iam, requests } = authorityUnderTest();
  let allowed = 0;
  for (const r of requests) if (iam.evaluate(r).allowed) allowed++;
  // Warm up both paths (iam-data loads lazily).
  for (let i = 0; i < 200; i++) {
    iam.evaluate(requests[i % requests.length]!);
    await iam.evaluateAsync(requests[i % requests.length]!);
  }
  let n = 0;
  let t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    for (const r of requests) iam.evaluate(r);
    n += requests.length;
  }
  const sync = n / ((performance.now() - t0) / 1000);
  n = 0;
  t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    for (const r of requests) await iam.evaluateAsync(r);
    n += requests.length;
  }
  const asyncRate = n / ((performance.now() - t0) / 1000);
  return { sync: Math.round(sync), async: Math.round(asyncRate), allowedShare: allowed / requests.length };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timed(n: number, call: () => Promise<unknown>): Promise<{ medianUs: number; p95Us: number }> {
  for (let i = 0; i < 30; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { medianUs: Math.round(quantile(samples, 0.5)), p95Us: Math.round(quantile(samples, 0.95)) };
}

async function roundTrips(enforce: boolean): Promise<{ kmsDescribeKey: object; s3GetObject: object }> {
  const iam = enforce ? new IamAuthority() : undefined;
  const aws: LocalAws = await startLocalAws({ ...(iam ? { iam } : {}), buckets: ['specs'], log: () => undefined });
  try {
    const credentials: Credentials = iam
      ? iam.credentialsFor(localAdminArn())
      : { accessKeyId: 'test', secretAccessKey: 'test' };
    const key = aws.kms.createCustomerKey().Arn;
    const kms = new KMSClient({ endpoint: aws.endpoint, region: aws.region, credentials, maxAttempts: 1 });
    const s3 = new S3Client({
      endpoint: aws.s3Endpoint,
      region: aws.region,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new PutObjectCommand({ Bucket: 'specs', Key: 'a.yaml', Body: 'x' }));
    const kmsDescribeKey = await timed(ROUND_TRIPS, () => kms.send(new DescribeKeyCommand({ KeyId: key })));
    const s3GetObject = await timed(ROUND_TRIPS, async () => {
      const out = await s3.send(new GetObjectCommand({ Bucket: 'specs', Key: 'a.yaml' }));
      await out.Body!.transformToString();
    });
    return { kmsDescribeKey, s3GetObject };
  } finally {
    await aws.stop();
  }
}

const evaluations = await evaluationsPerSecond();
console.error(`authority: ${evaluations.sync} evaluations/s sync, ${evaluations.async} async`);
const without = await roundTrips(false);
console.error(`round trips without IAM: ${JSON.stringify(without)}`);
const withIam = await roundTrips(true);
console.error(`round trips with IAM: ${JSON.stringify(withIam)}`);
console.log(
  JSON.stringify({
    evaluationsPerSecond: evaluations,
    roundTripUs: { withoutIam: without, withIam },
    roundTrips: ROUND_TRIPS,
    loadavg: loadavg()[0],
  }),
);
