// The exact IAM requests that keep a domain's managed policies (lib/aws/iam-policies.ts).
import { describe, expect, it, beforeEach } from '@jest/globals';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockAws } from '../functions/_support.js';
import type { IamPolicyDocument } from '../../../lib/access/iam.js';
import {
  applyDomainPolicies,
  ensurePolicy,
  isPolicyOf,
  policyBase,
  policyName,
} from '../../../lib/aws/iam-policies.js';

const iam = mockAws(IAMClient);
const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const naming = { partition: 'aws', account: '111122223333', stage: 'prod' };
const ARN1 = 'arn:aws:iam::111122223333:policy/msk-spec/msk-spec-prod-shop.orders-1';
const ARN2 = 'arn:aws:iam::111122223333:policy/msk-spec/msk-spec-prod-shop.orders-2';
const doc = (resource: string): IamPolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Connect', Effect: 'Allow', Action: ['kafka-cluster:Connect'], Resource: resource }],
});
const DOC = doc('arn:aws:kafka:us-east-1:111122223333:cluster/data/abcd-1');
const missing = () => new NoSuchEntityException({ message: 'not found', $metadata: {} });
const version = (n: number, isDefault = false) => ({
  VersionId: `v${n}`,
  IsDefaultVersion: isDefault,
  CreateDate: new Date(Date.UTC(2026, 0, n)),
});
const writes = () =>
  iam
    .calls()
    .map((c) => c.args[0].constructor.name)
    .filter((n) => !/^(Get|List)/.test(n));

beforeEach(() => iam.reset());

describe('policy names', () => {
  it('are msk-spec-<stage>-<domain>-<n>, at most 128 characters, unique for long ids', () => {
    expect(policyName('prod', 'shop.orders', 3)).toBe('msk-spec-prod-shop.orders-3');
    const long = `${'a'.repeat(150)}.x`;
    const other = `${'a'.repeat(150)}.y`;
    expect(policyName('prod', long, 10).length).toBeLessThanOrEqual(128);
    expect(policyBase('prod', long)).not.toBe(policyBase('prod', other));
    expect(isPolicyOf(policyName('prod', long, 2), 'prod', long)).toBe(true);
    expect(isPolicyOf('msk-spec-prod-shop.orders-1', 'prod', 'shop.order')).toBe(false);
    expect(isPolicyOf('msk-spec-prod-shop.order-1', 'prod', 'shop.order')).toBe(true);
    expect(isPolicyOf('msk-spec-prod-shop.order-x', 'prod', 'shop.order')).toBe(false);
  });
});

describe('ensurePolicy', () => {
  it('creates a missing policy under /msk-spec/ with the document', async () => {
    iam.on(GetPolicyCommand).rejects(missing());
    iam.on(CreatePolicyCommand).resolves({ Policy: { Arn: ARN1 } });
    const c = await ensurePolicy(client, naming, 'msk-spec-prod-shop.orders-1', DOC, 'd');
    expect(c.policiesCreated).toBe(1);
    expect(iam.commandCalls(CreatePolicyCommand)[0]!.args[0].input).toEqual({
      PolicyName: 'msk-spec-prod-shop.orders-1',
      Path: '/msk-spec/',
      PolicyDocument: JSON.stringify(DOC),
      Description: 'd',
    });
  });

  it('sends no write when the default version holds the document (URL-encoded, as IAM returns it)', async () => {
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: ARN1, DefaultVersionId: 'v3' } });
    iam
      .on(GetPolicyVersionCommand, { PolicyArn: ARN1, VersionId: 'v3' })
      .resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(DOC)), VersionId: 'v3' } });
    const c = await ensurePolicy(client, naming, 'msk-spec-prod-shop.orders-1', DOC, 'd');
    expect(c).toMatchObject({ policiesUnchanged: 1, policiesUpdated: 0, versionsDeleted: 0 });
    expect(writes()).toEqual([]);
  });

  it('with 5 versions, deletes the oldest non-default one, then creates the new default version', async () => {
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: ARN1, DefaultVersionId: 'v2' } });
    iam
      .on(GetPolicyVersionCommand)
      .resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(doc('x'))) } });
    // v2 is the default and the oldest; v3 is the oldest non-default.
    iam.on(ListPolicyVersionsCommand).resolves({
      Versions: [version(6), version(5), version(4), version(3), version(2, true)],
    });
    const c = await ensurePolicy(client, naming, 'msk-spec-prod-shop.orders-1', DOC, 'd');
    expect(c).toMatchObject({ policiesUpdated: 1, versionsDeleted: 1 });
    expect(writes()).toEqual(['DeletePolicyVersionCommand', 'CreatePolicyVersionCommand']);
    expect(iam.commandCalls(DeletePolicyVersionCommand)[0]!.args[0].input).toEqual({
      PolicyArn: ARN1,
      VersionId: 'v3',
    });
    expect(iam.commandCalls(CreatePolicyVersionCommand)[0]!.args[0].input).toEqual({
      PolicyArn: ARN1,
      PolicyDocument: JSON.stringify(DOC),
      SetAsDefault: true,
    });
  });

  it('with fewer than 5 versions, deletes none', async () => {
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: ARN1, DefaultVersionId: 'v1' } });
    iam
      .on(GetPolicyVersionCommand)
      .resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(doc('x'))) } });
    iam.on(ListPolicyVersionsCommand).resolves({ Versions: [version(1, true), version(2)] });
    await ensurePolicy(client, naming, 'msk-spec-prod-shop.orders-1', DOC, 'd');
    expect(writes()).toEqual(['CreatePolicyVersionCommand']);
  });
});

describe('applyDomainPolicies', () => {
  it('attaches what a role lacks, detaches and deletes a policy no longer needed, detaches from a former role', async () => {
    iam.on(GetPolicyCommand, { PolicyArn: ARN1 }).resolves({ Policy: { Arn: ARN1, DefaultVersionId: 'v1' } });
    iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: encodeURIComponent(JSON.stringify(DOC)) } });
    iam.on(GetPolicyCommand, { PolicyArn: ARN2 }).resolves({ Policy: { Arn: ARN2, DefaultVersionId: 'v2' } });
    iam
      .on(GetPolicyCommand, { PolicyArn: 'arn:aws:iam::111122223333:policy/msk-spec/msk-spec-prod-shop.orders-3' })
      .rejects(missing());
    iam.on(ListPolicyVersionsCommand, { PolicyArn: ARN2 }).resolves({ Versions: [version(1), version(2, true)] });
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: 'orders-svc' }).resolves({
      AttachedPolicies: [{ PolicyArn: ARN2, PolicyName: 'msk-spec-prod-shop.orders-2' }],
    });
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: 'old-role' }).resolves({
      AttachedPolicies: [
        { PolicyArn: ARN1, PolicyName: 'msk-spec-prod-shop.orders-1' },
        // Another domain's policy on the same role stays.
        {
          PolicyArn: 'arn:aws:iam::111122223333:policy/msk-spec/msk-spec-prod-shop.order-1',
          PolicyName: 'msk-spec-prod-shop.order-1',
        },
      ],
    });
    const c = await applyDomainPolicies(client, naming, {
      domain: 'shop.orders',
      docs: [DOC],
      roles: ['orders-svc'],
      formerRoles: ['old-role'],
    });
    expect(c).toMatchObject({ policiesUnchanged: 1, policiesDeleted: 1, versionsDeleted: 1, attached: 1, detached: 2 });
    expect(iam.commandCalls(DetachRolePolicyCommand).map((x) => x.args[0].input)).toEqual([
      { RoleName: 'orders-svc', PolicyArn: ARN2 },
      { RoleName: 'old-role', PolicyArn: ARN1 },
    ]);
    expect(iam.commandCalls(DeletePolicyVersionCommand).map((x) => x.args[0].input)).toEqual([
      { PolicyArn: ARN2, VersionId: 'v1' },
    ]);
    expect(iam.commandCalls(DeletePolicyCommand).map((x) => x.args[0].input)).toEqual([{ PolicyArn: ARN2 }]);
    expect(iam.commandCalls(AttachRolePolicyCommand).map((x) => x.args[0].input)).toEqual([
      { RoleName: 'orders-svc', PolicyArn: ARN1 },
    ]);
  });
});
