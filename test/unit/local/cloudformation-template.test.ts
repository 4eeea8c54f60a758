// The local deployer evaluates the packaged template as CloudFormation does; these pin the
// intrinsic functions and naming it relies on (CloudFormation User Guide, intrinsic function reference).
import { resolveTemplate, TemplateError, type Template } from '../../../local/cloudformation/template.js';

const ctx = { stackName: 'svc-local', region: 'eu-west-1', accountId: '123456789012' };

const template: Template = {
  Parameters: {
    KmsKeyArn: { Type: 'String' },
    Subnets: { Type: 'String', Default: '' },
    Mode: { Type: 'String', Default: 'IAM', AllowedValues: ['IAM', 'SCRAM'] },
  },
  Conditions: {
    HasVpc: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Subnets' }, ''] }] },
    IsScram: { 'Fn::Equals': [{ Ref: 'Mode' }, 'SCRAM'] },
  },
  Resources: {
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'svc-local-fn',
        Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
        Environment: { Variables: { BUCKET: { Ref: 'Bucket' }, KEY: { Ref: 'KmsKeyArn' } } },
        VpcConfig: {
          'Fn::If': ['HasVpc', { SubnetIds: { 'Fn::Split': [',', { Ref: 'Subnets' }] } }, { Ref: 'AWS::NoValue' }],
        },
      },
    },
    FnRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyName: 'p',
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 's3:GetObject',
                  Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/specs/*']] },
                },
                { 'Fn::If': ['IsScram', { Effect: 'Allow', Action: 'x:Y', Resource: '*' }, { Ref: 'AWS::NoValue' }] },
                {
                  Effect: 'Allow',
                  Action: 'logs:PutLogEvents',
                  Resource: {
                    'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${!Literal}',
                  },
                },
              ],
            },
          },
        ],
      },
    },
    Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'svc-local-provision',
        DefinitionString: {
          'Fn::Sub': [
            '{"Resource":"${a}","Bucket":"${Bucket}","Arn":"${Bucket.Arn}"}',
            { a: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
          ],
        },
      },
    },
    VpcOnly: { Type: 'AWS::EC2::VPCEndpoint', Condition: 'HasVpc', Properties: {} },
    Selected: {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: { 'Fn::Select': [1, { 'Fn::Split': [':cluster/', 'arn:aws:kafka:r:a:cluster/c/u'] }] },
      },
    },
  },
  Outputs: { BucketName: { Value: { Ref: 'Bucket' } }, Endpoint: { Value: { Ref: 'VpcOnly' }, Condition: 'HasVpc' } },
};

describe('resolveTemplate', () => {
  const stack = resolveTemplate(template, {
    ...ctx,
    parameters: { KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' },
  });

  it('resolves Ref, GetAtt, Join, Sub (string and map forms, ${!Literal}) and pseudo parameters', () => {
    const bucket = stack.get('Bucket').ref;
    expect(bucket).toMatch(/^svc-local-bucket-[a-z0-9]{12}$/);
    const fn = stack.get('Fn').properties;
    expect(fn.Environment.Variables).toEqual({ BUCKET: bucket, KEY: 'arn:aws:kms:eu-west-1:123456789012:key/k' });
    expect(fn.Role).toMatch(/^arn:aws:iam::123456789012:role\/svc-local-FnRole-[A-Za-z0-9]{12}$/);
    const statements = stack.get('FnRole').properties.Policies[0].PolicyDocument.Statement;
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/specs/*` },
      {
        Effect: 'Allow',
        Action: 'logs:PutLogEvents',
        Resource: 'arn:aws:logs:eu-west-1:123456789012:log-group:${Literal}',
      },
    ]);
    expect(JSON.parse(stack.get('Machine').properties.DefinitionString)).toEqual({
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:svc-local-fn',
      Bucket: bucket,
      Arn: `arn:aws:s3:::${bucket}`,
    });
    expect(stack.get('Machine').ref).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:svc-local-provision');
    expect(stack.get('Selected').properties.LogGroupName).toBe('c/u');
  });

  it('drops AWS::NoValue properties and resources whose condition is false', () => {
    expect(stack.get('Fn').properties).not.toHaveProperty('VpcConfig');
    expect(stack.resources.map((r) => r.logicalId)).not.toContain('VpcOnly');
    expect(stack.outputs).toEqual({ BucketName: stack.get('Bucket').ref });
  });

  it('orders resources after what they reference', () => {
    const ids = stack.resources.map((r) => r.logicalId);
    expect(ids.indexOf('Bucket')).toBeLessThan(ids.indexOf('FnRole'));
    expect(ids.indexOf('FnRole')).toBeLessThan(ids.indexOf('Fn'));
    expect(ids.indexOf('Fn')).toBeLessThan(ids.indexOf('Machine'));
  });

  it('takes a condition from its parameters', () => {
    const vpc = resolveTemplate(template, {
      ...ctx,
      parameters: { KmsKeyArn: 'k', Subnets: 'subnet-a,subnet-b', Mode: 'SCRAM' },
    });
    expect(vpc.get('Fn').properties.VpcConfig).toEqual({ SubnetIds: ['subnet-a', 'subnet-b'] });
    expect(vpc.get('FnRole').properties.Policies[0].PolicyDocument.Statement).toHaveLength(3);
    expect(Object.keys(vpc.outputs)).toEqual(['BucketName', 'Endpoint']);
  });

  it('refuses what CloudFormation refuses: a missing, undeclared or disallowed parameter', () => {
    expect(() => resolveTemplate(template, ctx)).toThrow(new TemplateError('Parameters: KmsKeyArn must have a value'));
    expect(() => resolveTemplate(template, { ...ctx, parameters: { KmsKeyArn: 'k', Nope: 'x' } })).toThrow(
      /Nope is not declared/,
    );
    expect(() => resolveTemplate(template, { ...ctx, parameters: { KmsKeyArn: 'k', Mode: 'MTLS' } })).toThrow(
      /not one of IAM, SCRAM/,
    );
  });

  it('names a reference to a resource that does not exist or is not created', () => {
    const broken: Template = { Resources: { A: { Type: 'AWS::S3::Bucket', Properties: { X: { Ref: 'Missing' } } } } };
    expect(() => resolveTemplate(broken, ctx)).toThrow(/Resources.A.Properties.X.Ref: no resource Missing/);
  });
});

describe('Rules and AllowedPattern refuse a stack before anything is created', () => {
  const guarded: Template = {
    Parameters: {
      Arn: {
        Type: 'String',
        AllowedPattern: 'arn:aws:kafka:[^:]+:[0-9]{12}:cluster/.+',
        ConstraintDescription: 'must be a cluster ARN',
      },
      Subnets: { Type: 'String', Default: '' },
      Brokers: { Type: 'String', Default: '' },
      Auth: { Type: 'String', Default: 'IAM' },
      Modes: { Type: 'CommaDelimitedList', Default: 'SCRAM,MTLS' },
    },
    Rules: {
      Reachable: {
        Assertions: [
          {
            Assert: {
              'Fn::Or': [
                { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Subnets' }, ''] }] },
                { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Brokers' }, ''] }] },
              ],
            },
            AssertDescription: 'Subnets is required unless Brokers is set',
          },
        ],
      },
      ScramNeedsSubnets: {
        RuleCondition: { 'Fn::Equals': [{ Ref: 'Auth' }, 'SCRAM'] },
        Assertions: [
          {
            Assert: { 'Fn::Contains': [['subnet-a', 'subnet-b'], { Ref: 'Subnets' }] },
            AssertDescription: 'SCRAM needs a known subnet',
          },
        ],
      },
    },
    Resources: { B: { Type: 'AWS::S3::Bucket' } },
  };
  const arn = 'arn:aws:kafka:us-east-1:123456789012:cluster/c/u';

  it('refuses a value outside AllowedPattern with its ConstraintDescription', () => {
    expect(() => resolveTemplate(guarded, { ...ctx, parameters: { Arn: 'not-an-arn', Subnets: 'subnet-a' } })).toThrow(
      new TemplateError('Parameters: Arn must be a cluster ARN'),
    );
  });

  it('refuses a Number parameter that is not a number or lies outside MinValue..MaxValue', () => {
    const counted: Template = {
      Parameters: { N: { Type: 'Number', Default: 10, MinValue: 1, MaxValue: 1000 } },
      Resources: { B: { Type: 'AWS::S3::Bucket' } },
    };
    const withN = (N: string) => resolveTemplate(counted, { ...ctx, parameters: { N } });
    expect(() => withN('ten')).toThrow(new TemplateError('Parameters: N="ten" must be a number'));
    expect(() => withN('')).toThrow(/must be a number/);
    expect(() => withN('0')).toThrow(new TemplateError('Parameters: N must be between 1 and 1000'));
    expect(() => withN('1001')).toThrow(/between 1 and 1000/);
    expect(withN('1000').resources).toHaveLength(1);
    expect(resolveTemplate(counted, ctx).resources).toHaveLength(1);
  });

  it('refuses a failed assertion with its AssertDescription; a rule whose condition is false does not apply', () => {
    expect(() => resolveTemplate(guarded, { ...ctx, parameters: { Arn: arn } })).toThrow(
      new TemplateError('Rules.Reachable: Subnets is required unless Brokers is set'),
    );
    expect(resolveTemplate(guarded, { ...ctx, parameters: { Arn: arn, Brokers: 'b:9096' } }).resources).toHaveLength(1);
    expect(() =>
      resolveTemplate(guarded, { ...ctx, parameters: { Arn: arn, Subnets: 'subnet-z', Auth: 'SCRAM' } }),
    ).toThrow(/Rules.ScramNeedsSubnets: SCRAM needs a known subnet/);
    expect(
      resolveTemplate(guarded, { ...ctx, parameters: { Arn: arn, Subnets: 'subnet-b', Auth: 'SCRAM' } }).resources,
    ).toHaveLength(1);
  });
});
