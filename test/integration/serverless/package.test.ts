// `serverless package` (local/package.ts: once per inputs, cached) and the CloudFormation it
// generates: a template that holds no parameter value (every setting a CloudFormation Parameter,
// passed at deploy time), the three state machines wired to their Lambdas, the three rules, the
// buckets' protections, and one role per function holding exactly the actions its handler calls.
// test/integration/serverless/iam.test.ts evaluates those roles for the requests the code sends.
import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FUNCTION_KEYS } from '../../../local/lambda/registry.js';
import type { PackagedDeployment } from '../../../local/package.js';
import { PRODUCTION_PARAMETERS, ROOT, packaged_, resolveTemplate } from '../../support/template.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Resource = { Type: string; Properties: any; Condition?: string };
let pkg: PackagedDeployment;
let resources: Record<string, Resource>;

beforeAll(async () => {
  pkg = await packaged_();
  resources = pkg.template.Resources as Record<string, Resource>;
}, 300_000);

const PARAMETERS = [
  'ClusterArn',
  'PcaArn',
  'KmsKeyArn',
  'MaxConcurrentProvisions',
  'AuthModes',
  'KafkaAdminAuth',
  'KafkaAdminSecretArn',
  'KafkaAdminSecretKmsKeyArn',
  'KafkaAdminCertDomain',
  'KafkaAdminConcurrency',
  'SecretPrefix',
  'CertValidityDays',
  'CertKeyAlgorithm',
  'CertificateRetentionDays',
  'KafkaSubnetIds',
  'KafkaSecurityGroupIds',
  'KafkaVpcId',
  'KafkaVpcEndpoints',
  'KafkaRouteTableIds',
  'KafkaBootstrapBrokers',
  'DecommissionGraceSeconds',
  'DecommissionMaxRemovals',
  'SecretRecoveryDays',
  'DecommissionDeleteTopics',
  'OrphanMode',
  'IamMaxPoliciesPerRole',
];
const camel = (p: string) => p[0]!.toLowerCase() + p.slice(1);

// Every role: its logs and traces. Kafka-facing roles: the brokers' address and a connection, from
// inside the VPC (the ENI actions Lambda needs there). Spec readers: one version of a spec object.
const OBSERVE = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const IN_VPC = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];
const KAFKA_ADMIN = [
  ...IN_VPC,
  'kafka:GetBootstrapBrokers',
  'kafka-cluster:Connect',
  'kafka-cluster:DescribeCluster',
  'secretsmanager:GetSecretValue',
];
const READ_SPEC = ['s3:GetObject', 's3:GetObjectVersion', 'kms:Decrypt'];
const CERT_STORE = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 'kms:GenerateDataKey', 'kms:Decrypt'];

/** Each function's role: exactly these actions, beyond OBSERVE. */
const FUNCTIONS: Record<string, readonly string[]> = {
  ValidateSpec: [...READ_SPEC, 's3:ListBucket'],
  EnsureScramSecret: [
    'secretsmanager:DescribeSecret',
    'secretsmanager:CreateSecret',
    'secretsmanager:RestoreSecret',
    'secretsmanager:TagResource',
    'kms:GenerateDataKey',
    'kms:Decrypt',
  ],
  AssociateScramSecrets: [
    'kafka:BatchAssociateScramSecret',
    'kafka:ListScramSecrets',
    'kms:CreateGrant',
    'kms:DescribeKey',
    // A run that lost the race for the cluster's last SCRAM slot schedules its secret for deletion.
    'secretsmanager:DeleteSecret',
  ],
  IssueCertificate: [
    ...CERT_STORE,
    'acm-pca:IssueCertificate',
    'acm-pca:DescribeCertificateAuthority',
    'kafka:DescribeClusterV2',
  ],
  CollectCertificate: [...CERT_STORE, 'acm-pca:GetCertificate', 's3:DeleteObject'],
  ApplyTopicsAndAcls: [
    ...READ_SPEC,
    ...KAFKA_ADMIN,
    'kafka-cluster:AlterCluster',
    'kafka-cluster:DescribeClusterDynamicConfiguration',
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:CreateTopic',
    'kafka-cluster:AlterTopic',
    'kafka-cluster:DescribeTopicDynamicConfiguration',
    'kafka-cluster:AlterTopicDynamicConfiguration',
  ],
  // Reads and validates only: no AlterCluster (ACL writes), no AlterTopicDynamicConfiguration.
  PlanAgainstCluster: [
    ...READ_SPEC,
    ...KAFKA_ADMIN,
    'kafka:DescribeClusterV2',
    // The cluster's SCRAM users, counted against MSK's limit of 1000.
    'kafka:ListScramSecrets',
    // IAM mode: the grants index, for the limits check (a missing entry is a 404).
    's3:ListBucket',
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:DescribeTopicDynamicConfiguration',
    'kafka-cluster:CreateTopic',
    'kafka-cluster:AlterTopic',
  ],
  // The grants index and the managed policies under /msk-spec/ (IAM mode).
  ApplyIamPolicies: [
    ...READ_SPEC,
    's3:ListBucket',
    's3:PutObject',
    'kms:GenerateDataKey',
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'iam:ListPolicyVersions',
    'iam:CreatePolicy',
    'iam:CreatePolicyVersion',
    'iam:DeletePolicyVersion',
    'iam:DeletePolicy',
    'iam:AttachRolePolicy',
    'iam:DetachRolePolicy',
    'iam:ListAttachedRolePolicies',
  ],
  // The expiry index is listed; the due list is written under rotation/ (SSE-KMS) for RenewEach's ItemReader.
  FindExpiringCertificates: ['s3:ListBucket', 's3:PutObject', 'kms:GenerateDataKey'],
  CheckRemoval: ['s3:ListBucketVersions'],
  RevokeScramSecret: [
    'kafka:BatchDisassociateScramSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:DeleteSecret',
  ],
  RevokeCertificates: [...CERT_STORE, 'acm-pca:RevokeCertificate', 's3:DeleteObject'],
  FindOrphans: [...KAFKA_ADMIN, ...CERT_STORE, 'secretsmanager:ListSecrets', 'kafka:ListScramSecrets'],
  RevokeAcls: [
    ...KAFKA_ADMIN,
    'kafka-cluster:AlterCluster',
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:DeleteTopic',
    's3:GetObject',
    'kms:Decrypt',
  ],
};

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
    expect(Object.keys(pkg.artifacts).sort()).toEqual([...FUNCTION_KEYS].sort());
    for (const fn of FUNCTION_KEYS) expect(statSync(pkg.artifacts[fn]!).size).toBeLessThan(1024 * 1024);
  });

  it('declares every setting as a CloudFormation Parameter, and holds no parameter value', () => {
    expect(Object.keys(pkg.template.Parameters ?? {}).sort()).toEqual([...PARAMETERS].sort());
    expect(Object.keys(PRODUCTION_PARAMETERS).every((k) => PARAMETERS.includes(k))).toBe(true);
    // Outside the Parameters themselves: no account id, ARN of a parameter's kind, subnet or
    // group id (those come at deploy time). Only the matches are printed on failure.
    const { Parameters: _p, ...rest } = pkg.template;
    const text = JSON.stringify(rest);
    expect(text.match(/\b[0-9]{12}\b/g)).toBeNull();
    expect(text.match(/arn:aws:(kafka|acm-pca|kms|secretsmanager):[a-z][^"]*/g)).toBeNull();
    expect(text.match(/\b(subnet|sg|vpc|rtb)-[0-9a-f]{6,}/g)).toBeNull();
    for (const fn of FUNCTION_KEYS) {
      const id = `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
      for (const [name, v] of Object.entries(resources[id]!.Properties.Environment.Variables))
        if (!['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL'].includes(name))
          expect([name, typeof v === 'string' ? 'literal' : 'intrinsic']).toEqual([
            name,
            ['STAGE', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'].includes(name) ? 'literal' : 'intrinsic',
          ]);
    }
  });

  it('passes every Parameter at deploy time from --param (provider.stackParameters), with the same defaults', () => {
    const state = JSON.parse(readFileSync(join(pkg.dir, 'serverless-state.json'), 'utf8'));
    const stack = state.service.provider.stackParameters as { ParameterKey: string; ParameterValue: string }[];
    expect(stack.map((p) => p.ParameterKey).sort()).toEqual([...PARAMETERS].sort());
    const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as any;
    const defaults = yml.params.default as Record<string, string>;
    for (const [name, p] of Object.entries(pkg.template.Parameters!)) {
      if (p.Default === undefined) {
        // Required: no serverless default either, so a deploy that forgets it is refused.
        expect([name, camel(name) in defaults]).toEqual([name, false]);
        expect(stack.find((s) => s.ParameterKey === name)!.ParameterValue).toBe('');
      } else {
        expect([name, String(defaults[camel(name)])]).toEqual([name, String(p.Default)]);
        expect([name, stack.find((s) => s.ParameterKey === name)!.ParameterValue]).toEqual([name, String(p.Default)]);
      }
    }
  });

  it('a first deployment declares the Parameters in the core stack too (deploy/stack-parameters.cjs)', () => {
    const require = createRequire(import.meta.url);
    const Plugin = require(join(ROOT, 'deploy', 'stack-parameters.cjs'));
    const core = JSON.parse(readFileSync(join(pkg.dir, 'cloudformation-template-create-stack.json'), 'utf8'));
    expect(core.Parameters).toBeUndefined();
    const serverless = {
      service: { provider: { compiledCloudFormationTemplate: pkg.template, coreCloudFormationTemplate: core } },
    };
    const plugin = new Plugin(serverless);
    plugin.hooks['before:aws:deploy:deploy:createStack']();
    expect(Object.keys(core.Parameters).sort()).toEqual([...PARAMETERS].sort());
  });

  it('refuses at deploy time a Kafka-facing function that could not reach private brokers, or a half-configured admin', () => {
    const failed = (values: Record<string, string>) =>
      resolveTemplate(pkg.template, values).failedRules.map((r) => r.split(':')[0]);
    const base = { ClusterArn: 'arn:aws:kafka:us-east-1:1:cluster/a/b', PcaArn: 'p', KmsKeyArn: 'k' };
    expect(failed(PRODUCTION_PARAMETERS)).toEqual([]);
    expect(failed(base)).toEqual(['KafkaReachable']);
    expect(failed({ ...base, KafkaBootstrapBrokers: 'b-1.public.example:9198' })).toEqual([]);
    expect(failed({ ...base, KafkaSubnetIds: 'subnet-0a' })).toEqual(['VpcNeedsSecurityGroups']);
    expect(failed({ ...PRODUCTION_PARAMETERS, KafkaVpcId: '' })).toEqual(['EndpointsNeedVpc']);
    expect(failed({ ...PRODUCTION_PARAMETERS, KafkaAdminAuth: 'SCRAM' })).toEqual(['ScramAdminNeedsSecret']);
    expect(failed({ ...PRODUCTION_PARAMETERS, KafkaAdminAuth: 'MTLS' })).toEqual(['MtlsAdminNeedsDomain']);
    expect(
      failed({ ...PRODUCTION_PARAMETERS, KafkaAdminAuth: 'MTLS', KafkaAdminCertDomain: 'platform.admin' }),
    ).toEqual([]);
  });

  it('creates the VPC endpoints in the Kafka subnets, admitting HTTPS from the function’s first security group', () => {
    const t = resolveTemplate(pkg.template, PRODUCTION_PARAMETERS);
    expect(t.resources.KafkaApiVpcEndpoint!.Properties).toMatchObject({
      ServiceName: 'com.amazonaws.us-east-1.kafka',
      VpcId: PRODUCTION_PARAMETERS.KafkaVpcId,
      SubnetIds: PRODUCTION_PARAMETERS.KafkaSubnetIds!.split(','),
      PrivateDnsEnabled: true,
    });
    expect(t.resources.S3GatewayVpcEndpoint!.Properties.RouteTableIds).toEqual([
      PRODUCTION_PARAMETERS.KafkaRouteTableIds,
    ]);
    expect(t.resources.SecretsManagerVpcEndpoint).toBeUndefined(); // IAM admin: no secret to read
    expect(t.resources.VpcEndpointSecurityGroup!.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: PRODUCTION_PARAMETERS.KafkaSecurityGroupIds,
      }),
    ]);
    expect(t.resources.ApplyTopicsAndAclsLambdaFunction!.Properties.VpcConfig).toEqual({
      SubnetIds: PRODUCTION_PARAMETERS.KafkaSubnetIds!.split(','),
      SecurityGroupIds: [PRODUCTION_PARAMETERS.KafkaSecurityGroupIds],
    });
    const none = resolveTemplate(pkg.template, { ...PRODUCTION_PARAMETERS, KafkaVpcEndpoints: 'false' });
    expect(Object.values(none.resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')).toEqual([]);
  });

  it('refuses at deploy time what could not work (CloudFormation Rules)', () => {
    expect(Object.keys((pkg.template as any).Rules).sort()).toEqual([
      'EndpointsNeedVpc',
      'KafkaReachable',
      'MtlsAdminNeedsDomain',
      'ScramAdminNeedsSecret',
      'VpcNeedsSecurityGroups',
    ]);
  });

  it('runs every function on nodejs22.x, arm64', () => {
    for (const r of Object.values(resources).filter((x) => x.Type === 'AWS::Lambda::Function')) {
      expect(r.Properties.Runtime).toBe('nodejs22.x');
      expect(r.Properties.Architectures).toEqual(['arm64']);
    }
  });

  it('bounds the functions that connect to Kafka by reserved concurrency, AdmitSpecs to one at a time, and only those', () => {
    const reserved = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.ReservedConcurrentExecutions !== undefined)
      .map(([id, r]) => [id, r.Properties.ReservedConcurrentExecutions]);
    expect(Object.fromEntries(reserved)).toEqual({
      ...Object.fromEntries(
        ['ApplyTopicsAndAcls', 'PlanAgainstCluster', 'RevokeAcls', 'FindOrphans'].map((f) => [
          `${f}LambdaFunction`,
          { Ref: 'KafkaAdminConcurrency' },
        ]),
      ),
      // One invocation at a time, so two never share out the last free provision slot.
      AdmitSpecsLambdaFunction: 1,
    });
  });

  it('creates the VPC endpoints only when asked, in the Kafka subnets', () => {
    expect(resources.KafkaApiVpcEndpoint!.Condition).toBe('CreateVpcEndpoints');
    expect(resources.SecretsManagerVpcEndpoint!.Condition).toBe('CreateSecretsManagerEndpoint');
    expect(resources.S3GatewayVpcEndpoint!.Condition).toBe('CreateS3GatewayEndpoint');
    expect(resources.KafkaApiVpcEndpoint!.Properties.ServiceName).toEqual({
      'Fn::Sub': 'com.amazonaws.${AWS::Region}.kafka',
    });
  });

  it('outputs the team upload policy', () => {
    expect(pkg.template.Outputs!.TeamSpecUploadPolicyArn.Value).toEqual({ Ref: 'TeamSpecUploadPolicy' });
  });

  it('deploys the four state machines, their Lambda tasks resolved to the functions', () => {
    const machines = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
      .map(([id]) => id)
      .sort();
    expect(machines).toEqual([
      'DecommissionStateMachine',
      'ProvisionStateMachine',
      'ReprovisionStateMachine',
      'RotateCertificatesStateMachine',
    ]);
    const refs = (id: string) => JSON.stringify(resources[id]!.Properties.DefinitionString['Fn::Sub'][1]);
    for (const fn of [
      'ValidateSpec',
      'PlanAgainstCluster',
      'EnsureScramSecret',
      'AssociateScramSecrets',
      'IssueCertificate',
      'CollectCertificate',
      'ApplyTopicsAndAcls',
    ]) {
      expect(refs('ProvisionStateMachine')).toContain(`"${fn}LambdaFunction","Arn"`);
    }
    expect(refs('RotateCertificatesStateMachine')).toContain('"FindExpiringCertificatesLambdaFunction","Arn"');
    expect(refs('ReprovisionStateMachine')).toContain('{"Ref":"SpecBucket"}'); // ItemReader and ResultWriter
    expect(refs('ReprovisionStateMachine')).toContain('{"Ref":"ProvisionStateMachine"}');
    expect(refs('ReprovisionStateMachine')).toContain('"FindOrphansLambdaFunction","Arn"');
    expect(refs('ReprovisionStateMachine')).toContain('{"Ref":"DecommissionStateMachine"}');
    for (const fn of ['CheckRemoval', 'RevokeScramSecret', 'RevokeCertificates', 'RevokeAcls'])
      expect(refs('DecommissionStateMachine')).toContain(`"${fn}LambdaFunction","Arn"`);
  });

  it('wires the rules: Object Created under specs/ → admission queue → provision, Reprovision Requested → reprovision, daily → rotation', () => {
    const rules = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .map((r) => r.Properties);
    const target = (p: any) => p.Targets[0].Arn.Ref ?? p.Targets[0].Arn['Fn::GetAtt']?.[0];
    const s3Rule = rules.find(
      (p) => p.EventPattern?.source?.[0] === 'aws.s3' && p.EventPattern['detail-type'][0] === 'Object Created',
    );
    const removed = rules.find(
      (p) => p.EventPattern?.source?.[0] === 'aws.s3' && p.EventPattern['detail-type'][0] === 'Object Deleted',
    );
    expect(removed.EventPattern.detail).toEqual({
      bucket: { name: [{ Ref: 'SpecBucket' }] },
      object: { key: [{ prefix: 'specs/' }] },
    });
    expect(target(removed)).toBe('DecommissionStateMachine');
    expect(s3Rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: 'SpecBucket' }] }, object: { key: [{ prefix: 'specs/' }] } },
    });
    // Uploads go to the admission queue, which AdmitSpecs drains into the provision workflow.
    expect(target(s3Rule)).toBe('AdmissionQueue');
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping')!;
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['AdmissionQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['AdmitSpecsLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // Batches of up to 10 that fill for up to a second, at most two invoked at once.
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(resources.AdmitSpecsLambdaFunction!.Properties.Environment.Variables.PROVISION_STATE_MACHINE_ARN).toEqual({
      Ref: 'ProvisionStateMachine',
    });
    expect(resources.AdmissionQueuePolicy!.Properties.PolicyDocument.Statement[0].Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['SpecUploadedRule', 'Arn'] } },
    });
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
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { Ref: 'KmsKeyArn' },
    });
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
      ExpirationInDays: { Ref: 'CertificateRetentionDays' },
    });
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      'aws:kms',
    );
  });

  it.each(Object.entries(FUNCTIONS))('%s has its own role holding exactly what its handler calls', (fn, expected) => {
    const role = resources[`${fn}LambdaFunction`]!.Properties.Role;
    expect(role).toEqual({ 'Fn::GetAtt': [`${fn}Role`, 'Arn'] });
    expect(new Set(actions(`${fn}Role`))).toEqual(new Set([...OBSERVE, ...expected]));
    for (const s of statements(`${fn}Role`)) {
      expect(s.Effect).toBe('Allow');
      // Actions with no resource type in the Service Authorization Reference take only "*".
      const wildcardOk = [s.Action]
        .flat()
        .every(
          (a: string) =>
            a.startsWith('xray:') ||
            a.startsWith('ec2:') ||
            a === 'kafka:GetBootstrapBrokers' ||
            a === 'secretsmanager:ListSecrets',
        );
      if (!wildcardOk) expect(s.Resource).not.toBe('*');
      expect([s.Action].flat().some((a: string) => a.endsWith(':*') || a === '*')).toBe(false);
    }
  });

  it('keeps secret values out of reach of every function but the Kafka admin (SCRAM admin option only)', () => {
    for (const fn of Object.keys(FUNCTIONS)) {
      if (['ApplyTopicsAndAcls', 'PlanAgainstCluster', 'RevokeAcls', 'FindOrphans'].includes(fn)) continue;
      expect(actions(`${fn}Role`)).not.toContain('secretsmanager:GetSecretValue');
    }
    const getSecret = resources.ApplyTopicsAndAclsRole!.Properties.Policies[0].PolicyDocument.Statement.find(
      (s: any) => 'Fn::If' in s && s['Fn::If'][0] === 'HasAdminSecret',
    );
    expect(getSecret).toBeDefined();
  });

  it('puts the Kafka-facing Lambda in the VPC when subnets are given', () => {
    expect(resources.ApplyTopicsAndAclsLambdaFunction!.Properties.VpcConfig['Fn::If'][0]).toBe('HasKafkaVpc');
    expect(resources.PlanAgainstClusterLambdaFunction!.Properties.VpcConfig).toEqual(
      resources.ApplyTopicsAndAclsLambdaFunction!.Properties.VpcConfig,
    );
    expect(resources.ValidateSpecLambdaFunction!.Properties.VpcConfig).toBeUndefined();
  });

  it('the provision state machine may invoke its six functions, write reports/ and put events, nothing more', () => {
    const st = resources.ProvisionStateMachineRole!.Properties.Policies[0].PolicyDocument.Statement as any[];
    expect(new Set(st.flatMap((s) => [s.Action].flat()))).toEqual(
      new Set([
        'lambda:InvokeFunction',
        's3:PutObject',
        'kms:GenerateDataKey',
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
