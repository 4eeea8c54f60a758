// The local CloudFormation deploy (local/cloudformation/deploy.ts) and the IAM API share one state:
// a template's roles and AWS::IAM::ManagedPolicy resources are what GetRole, GetPolicy and
// ListAttachedRolePolicies answer, and a managed policy the template attaches is in force for the
// role through the authority, while one attached to nobody (the team upload policy's shape) is not.
import {
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
} from '@aws-sdk/client-iam';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { deployStack, type StackTargets } from '../../../local/cloudformation/deploy.js';
import type { Template } from '../../../local/cloudformation/template.js';

const ACCOUNT = '000000000000';
let aws: LocalAws;
let iam: IamAuthority;
let admin: IAMClient;

const assume = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const allow = (Action: string, Resource = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource }],
});

const template: Template = {
  Resources: {
    ReaderRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'reader',
        Path: '/service-role/',
        AssumeRolePolicyDocument: assume,
        Policies: [{ PolicyName: 'own', PolicyDocument: allow('kms:ListKeys') }],
        ManagedPolicyArns: [{ Ref: 'ListingPolicy' }],
      },
    },
    WriterRole: {
      Type: 'AWS::IAM::Role',
      Properties: { RoleName: 'writer', AssumeRolePolicyDocument: assume },
    },
    ListingPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { ManagedPolicyName: 'listing', Path: '/stack/', PolicyDocument: allow('iam:ListPolicies') },
    },
    TaggingPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        ManagedPolicyName: 'tagging',
        Path: '/stack/',
        PolicyDocument: allow('iam:GetPolicy'),
        Roles: [{ Ref: 'WriterRole' }],
      },
    },
    UploadPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { ManagedPolicyName: 'upload', PolicyDocument: allow('s3:PutObject') },
    },
  },
} as unknown as Template;

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, log: () => undefined });
  admin = new IAMClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: iam.credentialsFor(localAdminArn()),
    maxAttempts: 1,
  });
  // Only IAM resources: the other targets are never reached.
  const none = undefined as never;
  const targets: StackTargets = {
    s3: none,
    sfn: none,
    events: none,
    lambda: none,
    registerLambda: none,
    packageDir: '',
    iam: aws.iamService!,
  };
  await deployStack(template, { stackName: 'iam-deploy', region: 'us-east-1', accountId: ACCOUNT }, targets);
});
afterAll(async () => {
  await aws?.stop();
});

test("the template's roles and managed policies are the IAM API's entities", async () => {
  expect((await admin.send(new GetRoleCommand({ RoleName: 'reader' }))).Role!.Arn).toBe(
    `arn:aws:iam::${ACCOUNT}:role/service-role/reader`,
  );
  const listed = await admin.send(new ListPoliciesCommand({ Scope: 'Local' }));
  expect(listed.Policies!.map((p) => [p.Arn, p.AttachmentCount])).toEqual([
    [`arn:aws:iam::${ACCOUNT}:policy/stack/listing`, 1],
    [`arn:aws:iam::${ACCOUNT}:policy/stack/tagging`, 1],
    [`arn:aws:iam::${ACCOUNT}:policy/upload`, 0],
  ]);
  // Attached by ManagedPolicyArns on the role, and by Roles on the policy.
  expect((await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: 'reader' }))).AttachedPolicies).toEqual([
    { PolicyName: 'listing', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/stack/listing` },
  ]);
  expect((await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: 'writer' }))).AttachedPolicies).toEqual([
    { PolicyName: 'tagging', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/stack/tagging` },
  ]);
  expect(
    (await admin.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/upload` }))).Policy!
      .DefaultVersionId,
  ).toBe('v1');
});

test('what the template attaches is in force for the role; detached through the API, it no longer is', async () => {
  const reader = `arn:aws:iam::${ACCOUNT}:role/service-role/reader`;
  const decide = (action: string) => iam.evaluate({ principalArn: reader, action, resource: '*' }).allowed;
  expect([decide('kms:ListKeys'), decide('iam:ListPolicies'), decide('s3:PutObject')]).toEqual([true, true, false]);
  await admin.send(
    new DetachRolePolicyCommand({ RoleName: 'reader', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/stack/listing` }),
  );
  expect([decide('kms:ListKeys'), decide('iam:ListPolicies')]).toEqual([true, false]);
});
