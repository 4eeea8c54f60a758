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

interface Target {
  readonly aws: LocalAws;
  readonly kms: KMSClient;
  readonly s3: S3Client;
  readonly key: string;
}

async function target(enforce: boolean): Promise<Target> {
  const iam = enforce ? new IamAuthority() : undefined;
  const aws: LocalAws = await startLocalAws({ ...(iam ? { iam } : {}), buckets: ['specs'], log: () => undefined });
  const credentials: Credentials = iam
    ? iam.credentialsFor(localAdminArn())
    : { accessKeyId: 'test', secretAccessKey: 'test' };
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
  return { aws, kms, s3, key: aws.kms.createCustomerKey().Arn };
}

/**
 * Median and p95 of `call` against both targets, sampled alternately (with, without, with, ...) so
 * that load from other processes on the machine weighs on both alike.
 */
async function interleaved(
  targets: readonly [Target, Target],
  call: (t: Target) => Promise<unknown>,
): Promise<{ withIam: { medianUs: number; p95Us: number }; withoutIam: { medianUs: number; p95Us: number } }> {
  const samples: [number[], number[]] = [[], []];
  for (let i = 0; i < 30; i++) for (const t of targets) await call(t);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    for (const j of [0, 1] as const) {
      const t = process.hrtime.bigint();
      await call(targets[j]);
      samples[j].push(Number(process.hrtime.bigint() - t) / 1000);
    }
  }
  const stats = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return { medianUs: Math.round(quantile(xs, 0.5)), p95Us: Math.round(quantile(xs, 0.95)) };
  };
  return { withIam: stats(samples[0]), withoutIam: stats(samples[1]) };
}

const evaluations = await evaluationsPerSecond();
console.error(`authority: ${evaluations.sync} evaluations/s sync, ${evaluations.async} async`);
const targets = [await target(true), await target(false)] as const;
let kmsDescribeKey;
let s3GetObject;
try {
  kmsDescribeKey = await interleaved(targets, (t) => t.kms.send(new DescribeKeyCommand({ KeyId: t.key })));
  s3GetObject = await interleaved(targets, async (t) => {
    const out = await t.s3.send(new GetObjectCommand({ Bucket: 'specs', Key: 'a.yaml' }));
    await out.Body!.transformToString();
  });
} finally {
  await Promise.all(targets.map((t) => t.aws.stop()));
}
console.error(`KMS DescribeKey: ${JSON.stringify(kmsDescribeKey)}; S3 GetObject: ${JSON.stringify(s3GetObject)}`);
console.log(
  JSON.stringify({
    evaluationsPerSecond: evaluations,
    roundTripUs: {
      kmsDescribeKey,
      s3GetObject,
      addedMedianUs: {
        kmsDescribeKey: kmsDescribeKey.withIam.medianUs - kmsDescribeKey.withoutIam.medianUs,
        s3GetObject: s3GetObject.withIam.medianUs - s3GetObject.withoutIam.medianUs,
      },
    },
    roundTrips: ROUND_TRIPS,
    loadavg: loadavg()[0],
  }),
);
