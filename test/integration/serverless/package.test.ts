// `serverless package` (offline, once) and the CloudFormation it generates: the three state
// machines wired to their Lambdas, the three rules, the buckets' protections, and one role per
// function holding exactly the actions its handler calls.
import { execFileSync } from 'node:child_process';
import { FUNCTION_KEYS } from '../../../functions/registry.js';
import { readFileSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = join(root, '.cache', 'sls-package-test');

/* eslint-disable @typescript-eslint/no-explicit-any */
type Resource = { Type: string; Properties: any; Condition?: string };
let resources: Record<string, Resource>;

beforeAll(() => {
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/serverless/bin/serverless.js'), 'package', '--package', out],
    {
      cwd: root,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      stdio: 'pipe',
      timeout: 170_000,
    },
  );
  resources = (
    JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, Resource>;
    }
  ).Resources;
}, 180_000);

const FUNCTIONS = {
  ValidateSpec: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    's3:GetObject',
    's3:GetObjectVersion',
    'kms:Decrypt',
  ],
  EnsureScramSecret: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'secretsmanager:DescribeSecret',
    'secretsmanager:CreateSecret',
    'secretsmanager:RestoreSecret',
    'secretsmanager:TagResource',
    'kms:GenerateDataKey',
    'kms:Decrypt',
  ],
  AssociateScramSecrets: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'kafka:BatchAssociateScramSecret',
    'kafka:ListScramSecrets',
    'kms:CreateGrant',
    'kms:DescribeKey',
  ],
  IssueCertificate: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'acm-pca:IssueCertificate',
    'acm-pca:DescribeCertificateAuthority',
    'kafka:DescribeClusterV2',
    's3:GetObject',
    's3:PutObject',
    'kms:GenerateDataKey',
    'kms:Decrypt',
  ],
  CollectCertificate: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'acm-pca:GetCertificate',
    's3:GetObject',
    's3:PutObject',
    's3:DeleteObject',
    's3:ListBucket',
    'kms:GenerateDataKey',
    'kms:Decrypt',
  ],
  ApplyTopicsAndAcls: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    's3:GetObject',
    's3:GetObjectVersion',
    'kms:Decrypt',
    'kafka:GetBootstrapBrokers',
    'kafka-cluster:Connect',
    'kafka-cluster:DescribeCluster',
    'kafka-cluster:AlterCluster',
    'kafka-cluster:DescribeClusterDynamicConfiguration',
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:CreateTopic',
    'kafka-cluster:AlterTopic',
    'kafka-cluster:DescribeTopicDynamicConfiguration',
    'kafka-cluster:AlterTopicDynamicConfiguration',
    'secretsmanager:GetSecretValue',
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
  FindExpiringCertificates: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    's3:ListBucket',
  ],
  ListSpecs: [
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    's3:ListBucket',
  ],
} as const;

/** Statements of a role, with Fn::If branches (conditional grants) unwrapped. */
function statements(role: string): any[] {
  const r = resources[role]!;
  return r.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).flatMap((s: any) =>
    'Fn::If' in s ? [s['Fn::If'][1]] : [s],
  );
}
const actions = (role: string) => statements(role).flatMap((s) => [s.Action].flat() as string[]);

describe('serverless package', () => {
  it('produces one bundle per function, each well under 1 MiB zipped', () => {
    for (const fn of FUNCTION_KEYS) {
      expect(statSync(join(out, `${fn}.zip`)).size).toBeLessThan(1024 * 1024);
    }
  });

  it('deploys the three state machines, their Lambda tasks resolved to the functions', () => {
    const machines = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
      .map(([id]) => id)
      .sort();
    expect(machines).toEqual(['ProvisionStateMachine', 'ReprovisionStateMachine', 'RotateCertificatesStateMachine']);
    const refs = (id: string) => JSON.stringify(resources[id]!.Properties.DefinitionString['Fn::Sub'][1]);
    for (const fn of [
      'ValidateSpec',
      'EnsureScramSecret',
      'AssociateScramSecrets',
      'IssueCertificate',
      'CollectCertificate',
      'ApplyTopicsAndAcls',
    ]) {
      expect(refs('ProvisionStateMachine')).toContain(`"${fn}LambdaFunction","Arn"`);
    }
    expect(refs('RotateCertificatesStateMachine')).toContain('"FindExpiringCertificatesLambdaFunction","Arn"');
    expect(refs('ReprovisionStateMachine')).toContain('"ListSpecsLambdaFunction","Arn"');
    expect(refs('ReprovisionStateMachine')).toContain('{"Ref":"ProvisionStateMachine"}');
  });

  it('wires the rules: Object Created under specs/ → provision, Reprovision Requested → reprovision, daily → rotation', () => {
    const rules = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties);
    const target = (p: any) => p.Targets[0].Arn.Ref;
    const s3Rule = rules.find((p) => p.EventPattern?.source?.[0] === 'aws.s3');
    expect(s3Rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: 'SpecBucket' }] }, object: { key: [{ prefix: 'specs/' }] } },
    });
    expect(target(s3Rule)).toBe('ProvisionStateMachine');
    const re = rules.find((p) => p.EventPattern?.['detail-type']?.[0] === 'Reprovision Requested');
    expect(re.EventPattern.source).toEqual(['msk-spec-provisioner']);
    expect(target(re)).toBe('ReprovisionStateMachine');
    const sched = rules.find((p) => p.ScheduleExpression);
    expect(sched.ScheduleExpression).toBe('rate(1 day)');
    expect(target(sched)).toBe('RotateCertificatesStateMachine');
  });

  it('protects the spec bucket: versioning, EventBridge, no public access, SSE-KMS by default, non-KMS puts denied', () => {
    const b = resources.SpecBucket!.Properties;
    expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(b.NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled).toBe(true);
    expect(Object.values(b.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      'aws:kms',
    );
    const policy = resources.SpecBucketPolicy!.Properties.PolicyDocument.Statement as any[];
    expect(policy.find((s) => s.Sid === 'DenyNonKmsEncryption')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
    });
    expect(policy.find((s) => s.Sid === 'DenyInsecureTransport')).toMatchObject({ Effect: 'Deny' });
  });

  it('expires certificate objects after they lapse and keeps them SSE-KMS', () => {
    const b = resources.CertificateBucket!.Properties;
    expect(b.LifecycleConfiguration.Rules[0]).toMatchObject({
      Prefix: 'certificates/',
      Status: 'Enabled',
      ExpirationInDays: expect.anything(),
    });
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      'aws:kms',
    );
  });

  it.each(Object.entries(FUNCTIONS))('%s has its own role holding exactly what its handler calls', (fn, expected) => {
    const role = resources[`${fn}LambdaFunction`]!.Properties.Role;
    expect(role).toEqual({ 'Fn::GetAtt': [`${fn}Role`, 'Arn'] });
    expect(new Set(actions(`${fn}Role`))).toEqual(new Set(expected));
    for (const s of statements(`${fn}Role`)) {
      expect(s.Effect).toBe('Allow');
      const wildcardOk = [s.Action].flat().every((a: string) => a.startsWith('xray:') || a.startsWith('ec2:'));
      if (!wildcardOk) expect(s.Resource).not.toBe('*');
      expect([s.Action].flat().some((a: string) => a.endsWith(':*') || a === '*')).toBe(false);
    }
  });

  it('keeps secret values out of reach of every function but the Kafka admin (SCRAM admin option only)', () => {
    for (const fn of Object.keys(FUNCTIONS)) {
      if (fn === 'ApplyTopicsAndAcls') continue;
      expect(actions(`${fn}Role`)).not.toContain('secretsmanager:GetSecretValue');
    }
    const getSecret = resources.ApplyTopicsAndAclsRole!.Properties.Policies[0].PolicyDocument.Statement.find(
      (s: any) => 'Fn::If' in s && s['Fn::If'][0] === 'HasAdminSecret',
    );
    expect(getSecret).toBeDefined();
  });

  it('puts the Kafka-facing Lambda in the VPC when subnets are given', () => {
    expect(resources.ApplyTopicsAndAclsLambdaFunction!.Properties.VpcConfig['Fn::If'][0]).toBe('HasKafkaVpc');
    expect(resources.ValidateSpecLambdaFunction!.Properties.VpcConfig).toBeUndefined();
  });

  it('the provision state machine may invoke its six functions, write reports/ and put events, nothing more', () => {
    const st = resources.ProvisionStateMachineRole!.Properties.Policies[0].PolicyDocument.Statement as any[];
    expect(new Set(st.flatMap((s) => [s.Action].flat()))).toEqual(
      new Set([
        'lambda:InvokeFunction',
        's3:PutObject',
        'kms:GenerateDataKey',
        'kms:Decrypt',
        'events:PutEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ]),
    );
    expect(st.find((s) => s.Action.includes('s3:PutObject')).Resource['Fn::Join'][1][1]).toBe('/reports/*');
  });
});
/* eslint-enable @typescript-eslint/no-explicit-any */
