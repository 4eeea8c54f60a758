// IAM on the gateway's services (Secrets Manager, KMS, ACM PCA, MSK), through the real SDK v3
// clients: unknown keys, AccessDeniedException / ForbiddenException with IAM's message, KMS key
// policies and via-service conditions, the KMS calls Secrets Manager and MSK make for the caller,
// principal-tag policy variables, wildcard-only actions, and the enforcing switch.
import {
  KMSClient,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ACMPCAClient, ListCertificateAuthoritiesCommand } from '@aws-sdk/client-acm-pca';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchAssociateScramSecretCommand,
  DescribeClusterCommand,
  DescribeClusterV2Command,
  KafkaClient,
} from '@aws-sdk/client-kafka';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { createAcmPca } from '../../../local/aws/acm-pca.js';
import { createMsk, kmsKeyManagerFrom, secretLookupFrom, type MskEmulator } from '../../../local/aws/msk.js';
import type { Credentials, PolicyDocument } from '../../../local/aws/iam/types.js';
import { NoopBroker } from '../../support/noop-broker.js';

const ACCOUNT = '000000000000';
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

let aws: LocalAws;
let iam: IamAuthority;
let msk: MskEmulator;
let cmk: string;
let clusterArn: string;

const allow = (Action: string | string[], Resource: string | string[], extra: object = {}): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...extra }],
});

function clients(credentials: Credentials) {
  const base = { endpoint: aws.endpoint, region: aws.region, credentials, maxAttempts: 1 };
  return {
    sm: new SecretsManagerClient(base),
    kms: new KMSClient(base),
    pca: new ACMPCAClient(base),
    kafka: new KafkaClient(base),
    events: new EventBridgeClient(base),
  };
}
const as = (principal: string) => clients(iam.credentialsFor(principal));

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the request to fail');
}

const secretValue = JSON.stringify({ username: 'shop.orders', password: 'not-a-real-password-0123456789' });

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, log: () => undefined });
  aws.gateway.registerService(createAcmPca());
  msk = createMsk({
    broker: new NoopBroker(),
    secret: secretLookupFrom(aws.secrets),
    keyManager: kmsKeyManagerFrom(aws.kms),
    // This file is about the grant MSK needs; the first-association refusal is msk-defaults.test.ts's.
    accessFailuresPerNewSecret: 0,
  });
  aws.gateway.registerService(msk);
  clusterArn = await msk.registerCluster({ name: 'local' });
  const admin = as(localAdminArn());
  cmk = (await admin.kms.send(new CreateKeyCommand({ Description: 'scram' }))).KeyMetadata!.Arn!;
});

afterAll(async () => {
  msk?.close();
  await aws?.stop();
});

test('an access key IAM never issued: UnrecognizedClientException (400); MSK: UnauthorizedException (401)', async () => {
  const stranger = clients({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
  expect(await failure(stranger.sm.send(new ListSecretsCommand({})))).toEqual({
    name: 'UnrecognizedClientException',
    status: 400,
    message: 'The security token included in the request is invalid.',
  });
  expect(await failure(stranger.kms.send(new DescribeKeyCommand({ KeyId: cmk })))).toMatchObject({
    name: 'UnrecognizedClientException',
    status: 400,
  });
  expect(await failure(stranger.kafka.send(new DescribeClusterCommand({ ClusterArn: clusterArn })))).toMatchObject({
    name: 'UnauthorizedException',
    status: 401,
  });
});

test('an unsigned request: MissingAuthenticationTokenException', async () => {
  const res = await fetch(aws.endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1' },
    body: '{}',
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({
    __type: 'MissingAuthenticationTokenException',
    message: 'Missing Authentication Token',
  });
});

test('a role without the permission: AccessDeniedException (400) with the assumed-role ARN; MSK: ForbiddenException (403)', async () => {
  iam.putRole(role('nobody'), { policies: [allow('kms:DescribeKey', cmk)] });
  const c = as(role('nobody'));
  const e = await failure(c.sm.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_missing' })));
  expect(e).toEqual({
    name: 'AccessDeniedException',
    status: 400,
    message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/nobody/nobody is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:${aws.region}:${ACCOUNT}:secret:AmazonMSK_missing because no identity-based policy allows the secretsmanager:GetSecretValue action`,
  });
  expect(await failure(c.kafka.send(new DescribeClusterCommand({ ClusterArn: clusterArn })))).toEqual({
    name: 'ForbiddenException',
    status: 403,
    message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/nobody/nobody is not authorized to perform: kafka:DescribeCluster on resource: ${clusterArn} because no identity-based policy allows the kafka:DescribeCluster action`,
  });
  expect((await failure(c.pca.send(new ListCertificateAuthoritiesCommand({})))).name).toBe('AccessDeniedException');
  // The cluster ARN of /api/v2/clusters/{clusterArn} is the resource too.
  expect((await failure(c.kafka.send(new DescribeClusterV2Command({ ClusterArn: clusterArn })))).message).toContain(
    `kafka:DescribeClusterV2 on resource: ${clusterArn} because`,
  );
  await c.kms.send(new DescribeKeyCommand({ KeyId: cmk }));
});

test('an explicit deny in an identity policy wins over an allow', async () => {
  iam.putRole(role('denied'), {
    policies: [
      allow('kms:DescribeKey', '*'),
      { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:DescribeKey', Resource: cmk }] },
    ],
  });
  const e = await failure(as(role('denied')).kms.send(new DescribeKeyCommand({ KeyId: cmk })));
  expect(e.message).toBe(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/denied/denied is not authorized to perform: kms:DescribeKey on resource: ${cmk} with an explicit deny in an identity-based policy`,
  );
});

test('KMS: a key policy without the root delegation refuses IAM-allowed callers (no resource-based policy allows)', async () => {
  const admin = as(localAdminArn());
  const locked = (await admin.kms.send(new CreateKeyCommand({ Description: 'locked' }))).KeyMetadata!.Arn!;
  iam.putResourcePolicy(locked, {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: role('key-admin') }, Action: 'kms:*', Resource: '*' }],
  });
  const e = await failure(admin.kms.send(new DescribeKeyCommand({ KeyId: locked })));
  expect(e).toEqual({
    name: 'AccessDeniedException',
    status: 400,
    message: `User: ${localAdminArn()} is not authorized to perform: kms:DescribeKey on resource: ${locked} because no resource-based policy allows the kms:DescribeKey action`,
  });
  // The principal the key policy names needs no IAM policy at all.
  iam.putRole(role('key-admin'), { policies: [] });
  await as(role('key-admin')).kms.send(new DescribeKeyCommand({ KeyId: locked }));
});

test('KMS key policies through the API: CreateKey Policy, GetKeyPolicy, PutKeyPolicy decide who may use the key', async () => {
  const admin = as(localAdminArn());
  const onlyOwner = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: role('owner') }, Action: 'kms:*', Resource: '*' }],
  };
  iam.putRole(role('owner'), { policies: [] });
  const key = (await admin.kms.send(new CreateKeyCommand({ Description: 'owned', Policy: JSON.stringify(onlyOwner) })))
    .KeyMetadata!.Arn!;
  expect((await failure(admin.kms.send(new DescribeKeyCommand({ KeyId: key })))).message).toContain(
    'because no resource-based policy allows the kms:DescribeKey action',
  );
  const owner = as(role('owner'));
  const got = await owner.kms.send(new GetKeyPolicyCommand({ KeyId: key, PolicyName: 'default' }));
  expect(JSON.parse(got.Policy!)).toEqual(onlyOwner);
  // The owner hands the key back to IAM with the default key policy.
  const delegate = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  };
  await owner.kms.send(
    new PutKeyPolicyCommand({ KeyId: key, PolicyName: 'default', Policy: JSON.stringify(delegate) }),
  );
  await admin.kms.send(new DescribeKeyCommand({ KeyId: key }));
  expect(
    (await failure(admin.kms.send(new PutKeyPolicyCommand({ KeyId: key, Policy: '{"Statement": "nope"}' })))).name,
  ).toBe('MalformedPolicyDocumentException');
});

test('wildcard-only actions: only Resource "*" grants them (kms:CreateKey, secretsmanager:ListSecrets)', async () => {
  iam.putRole(role('narrow'), {
    policies: [allow(['kms:CreateKey', 'secretsmanager:ListSecrets'], `arn:aws:kms:${aws.region}:${ACCOUNT}:key/*`)],
  });
  expect((await failure(as(role('narrow')).kms.send(new CreateKeyCommand({})))).name).toBe('AccessDeniedException');
  expect((await failure(as(role('narrow')).sm.send(new ListSecretsCommand({})))).name).toBe('AccessDeniedException');
  iam.putRole(role('wide'), { policies: [allow(['kms:CreateKey', 'secretsmanager:ListSecrets'], '*')] });
  await as(role('wide')).sm.send(new ListSecretsCommand({}));
});

describe('Secrets Manager uses KMS for its caller', () => {
  const writer = role('secret-writer');
  const name = 'AmazonMSK_shop.orders';
  const smPolicy = allow(['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue'], '*');
  const via = { 'kms:ViaService': `secretsmanager.us-east-1.amazonaws.com` };

  test('CreateSecret under a customer key needs kms:GenerateDataKey and kms:Decrypt (key validation) via Secrets Manager', async () => {
    iam.putRole(writer, { policies: [smPolicy] });
    const create = () =>
      as(writer).sm.send(new CreateSecretCommand({ Name: name, KmsKeyId: cmk, SecretString: secretValue }));
    expect(await failure(create())).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message: 'Access to KMS is not allowed',
    });
    // Allowed only through another service: still refused.
    iam.putRole(writer, {
      policies: [
        smPolicy,
        allow(['kms:GenerateDataKey', 'kms:Decrypt'], cmk, {
          Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        }),
      ],
    });
    expect((await failure(create())).message).toBe('Access to KMS is not allowed');
    // GenerateDataKey alone: Secrets Manager also validates the key with Decrypt.
    iam.putRole(writer, {
      policies: [smPolicy, allow('kms:GenerateDataKey', cmk, { Condition: { StringEquals: via } })],
    });
    expect((await failure(create())).message).toBe('Access to KMS is not allowed');
    iam.putRole(writer, {
      policies: [smPolicy, allow(['kms:GenerateDataKey', 'kms:Decrypt'], cmk, { Condition: { StringEquals: via } })],
    });
    await create();
  });

  test('GetSecretValue needs kms:Decrypt; the AWS managed key needs no KMS permission', async () => {
    iam.putRole(writer, {
      policies: [smPolicy, allow('kms:GenerateDataKey', cmk, { Condition: { StringEquals: via } })],
    });
    expect((await failure(as(writer).sm.send(new GetSecretValueCommand({ SecretId: name })))).message).toBe(
      'Access to KMS is not allowed',
    );
    iam.putRole(writer, {
      policies: [smPolicy, allow(['kms:GenerateDataKey', 'kms:Decrypt'], cmk, { Condition: { StringEquals: via } })],
    });
    const got = await as(writer).sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBe(secretValue);
    iam.putRole(writer, { policies: [smPolicy] });
    await as(writer).sm.send(new CreateSecretCommand({ Name: 'plain', SecretString: 'x' }));
    expect((await as(writer).sm.send(new GetSecretValueCommand({ SecretId: 'plain' }))).SecretString).toBe('x');
  });
});

test('principal tags as policy variables: a team may read only the secret of its own domain', async () => {
  const admin = as(localAdminArn());
  for (const d of ['shop.catalog', 'shop.payments'])
    await admin.sm.send(new CreateSecretCommand({ Name: `AmazonMSK_${d}`, SecretString: 'x' }));
  iam.putRole(role('team'), {
    tags: { 'msk-spec-domain': 'shop.catalog' },
    policies: [
      allow(
        'secretsmanager:GetSecretValue',
        `arn:aws:secretsmanager:*:${ACCOUNT}:secret:AmazonMSK_\${aws:PrincipalTag/msk-spec-domain}-*`,
      ),
    ],
  });
  await as(role('team')).sm.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_shop.catalog' }));
  expect(
    (await failure(as(role('team')).sm.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_shop.payments' })))).name,
  ).toBe('AccessDeniedException');
});

test('MSK BatchAssociateScramSecret: without kms:CreateGrant the secret is unprocessed with InvalidSecretArn', async () => {
  const admin = as(localAdminArn());
  const arn = (
    await admin.sm.send(new CreateSecretCommand({ Name: 'AmazonMSK_grant', KmsKeyId: cmk, SecretString: secretValue }))
  ).ARN!;
  const associator = role('associator');
  iam.putRole(associator, { policies: [allow('kafka:BatchAssociateScramSecret', clusterArn)] });
  const out = await as(associator).kafka.send(
    new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
  );
  expect(out.UnprocessedScramSecrets).toEqual([
    {
      ErrorCode: 'InvalidSecretArn',
      ErrorMessage: "Amazon MSK wasn't able to access the provided secret.",
      SecretArn: arn,
    },
  ]);
  iam.putRole(associator, {
    policies: [
      allow('kafka:BatchAssociateScramSecret', clusterArn),
      allow('kms:CreateGrant', cmk, {
        Condition: {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': 'kafka.us-east-1.amazonaws.com' },
        },
      }),
    ],
  });
  const ok = await as(associator).kafka.send(
    new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [arn] }),
  );
  expect(ok.UnprocessedScramSecrets).toEqual([]);
  expect(msk.associatedSecrets(clusterArn)).toContain(arn);
});

test('enforcing off allows every request and still records it', async () => {
  iam.putRole(role('off'), { policies: [] });
  iam.enforcing = false;
  try {
    iam.clearRecord();
    await as(role('off')).kms.send(new DescribeKeyCommand({ KeyId: cmk }));
    expect(iam.record).toEqual([{ principalArn: role('off'), action: 'kms:DescribeKey', resource: cmk }]);
  } finally {
    iam.enforcing = true;
  }
  expect((await failure(as(role('off')).kms.send(new DescribeKeyCommand({ KeyId: cmk })))).name).toBe(
    'AccessDeniedException',
  );
});

test('iam:PassRole: a target with a RoleArn needs the role passed to EventBridge', async () => {
  const admin = as(localAdminArn());
  await admin.events.send(
    new PutRuleCommand({ Name: 'on-spec', EventPattern: JSON.stringify({ source: ['aws.s3'] }) }),
  );
  const targetRole = role('events-start');
  const targets = {
    Rule: 'on-spec',
    Targets: [{ Id: 'sfn', Arn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:provision`, RoleArn: targetRole }],
  };
  const ruleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/on-spec`;
  iam.putRole(role('wirer'), { policies: [allow('events:PutTargets', ruleArn)] });
  expect((await failure(as(role('wirer')).events.send(new PutTargetsCommand(targets)))).message).toBe(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/wirer/wirer is not authorized to perform: iam:PassRole on resource: ${targetRole} because no identity-based policy allows the iam:PassRole action`,
  );
  iam.putRole(role('wirer'), {
    policies: [
      allow('events:PutTargets', ruleArn),
      allow('iam:PassRole', targetRole, {
        Condition: { StringEquals: { 'iam:PassedToService': 'events.amazonaws.com' } },
      }),
    ],
  });
  await as(role('wirer')).events.send(new PutTargetsCommand(targets));
});
