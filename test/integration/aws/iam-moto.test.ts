// A second opinion on the emulated IAM API (local/aws/iam/service.ts): the calls the pipeline makes to
// keep a domain's managed policies (create, version, prune the oldest version, attach, detach, list)
// and the errors it must handle, run in the same order against the embedded cloud and against moto's
// server (test/support/moto.ts). Each answer is reduced to the HTTP status, the error code, and the
// response's shape with ids, ARNs and dates normalised away, as in moto-second-opinion.test.ts.
//
// moto is not the truth: the IAM API Reference and the IAM User Guide are. Every disagreement is
// listed in DISAGREEMENTS with what settles it; the test fails on any other disagreement, and on an
// entry that no longer disagrees.
import { jest } from '@jest/globals';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { differences, outcomeOf, startMoto, type MotoServer, type Outcome } from '../../support/moto.js';

jest.setTimeout(300_000);

const ACCOUNT_RE = /^\d{12}$/;
const arn = (account: string, path: string, name: string) => `arn:aws:iam::${account}:policy${path}${name}`;
const doc = (action: string, resource = '*') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

interface Step {
  readonly name: string;
  run(c: IAMClient, account: string): Promise<unknown>;
}

const P = '/msk-spec/';
const STEPS: readonly Step[] = [
  {
    name: 'CreatePolicy',
    run: (c) =>
      c.send(new CreatePolicyCommand({ PolicyName: 'dom-1', Path: P, PolicyDocument: doc('kafka-cluster:Connect') })),
  },
  { name: 'GetPolicy', run: (c, a) => c.send(new GetPolicyCommand({ PolicyArn: arn(a, P, 'dom-1') })) },
  ...[2, 3, 4, 5].map((i) => ({
    name: `CreatePolicyVersion v${i}`,
    run: (c: IAMClient, a: string) =>
      c.send(
        new CreatePolicyVersionCommand({
          PolicyArn: arn(a, P, 'dom-1'),
          PolicyDocument: doc(`kafka-cluster:ReadData`, `arn:aws:kafka:us-east-1:${a}:topic/c/u/t${i}`),
          SetAsDefault: true,
        }),
      ),
  })),
  {
    name: 'CreatePolicyVersion sixth (LimitExceeded)',
    run: (c, a) =>
      c.send(new CreatePolicyVersionCommand({ PolicyArn: arn(a, P, 'dom-1'), PolicyDocument: doc('s3:GetObject') })),
  },
  {
    name: 'ListPolicyVersions',
    run: (c, a) => c.send(new ListPolicyVersionsCommand({ PolicyArn: arn(a, P, 'dom-1') })),
  },
  {
    name: 'DeletePolicyVersion default (DeleteConflict)',
    run: (c, a) => c.send(new DeletePolicyVersionCommand({ PolicyArn: arn(a, P, 'dom-1'), VersionId: 'v5' })),
  },
  {
    name: 'DeletePolicyVersion oldest',
    run: (c, a) => c.send(new DeletePolicyVersionCommand({ PolicyArn: arn(a, P, 'dom-1'), VersionId: 'v1' })),
  },
  {
    name: 'CreatePolicyVersion after pruning',
    run: (c, a) =>
      c.send(
        new CreatePolicyVersionCommand({
          PolicyArn: arn(a, P, 'dom-1'),
          PolicyDocument: doc('s3:GetObject'),
          SetAsDefault: true,
        }),
      ),
  },
  {
    name: 'GetPolicyVersion',
    run: (c, a) => c.send(new GetPolicyVersionCommand({ PolicyArn: arn(a, P, 'dom-1'), VersionId: 'v6' })),
  },
  {
    name: 'GetPolicyVersion missing (NoSuchEntity)',
    run: (c, a) => c.send(new GetPolicyVersionCommand({ PolicyArn: arn(a, P, 'dom-1'), VersionId: 'v1' })),
  },
  {
    name: 'CreateRole',
    run: (c) => c.send(new CreateRoleCommand({ RoleName: 'connect', AssumeRolePolicyDocument: trust })),
  },
  { name: 'GetRole', run: (c) => c.send(new GetRoleCommand({ RoleName: 'connect' })) },
  {
    name: 'AttachRolePolicy',
    run: (c, a) => c.send(new AttachRolePolicyCommand({ RoleName: 'connect', PolicyArn: arn(a, P, 'dom-1') })),
  },
  {
    name: 'ListAttachedRolePolicies',
    run: (c) => c.send(new ListAttachedRolePoliciesCommand({ RoleName: 'connect' })),
  },
  {
    name: 'ListPolicies Local under the path',
    run: (c) => c.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: P })),
  },
  { name: 'DeleteRole attached (DeleteConflict)', run: (c) => c.send(new DeleteRoleCommand({ RoleName: 'connect' })) },
  {
    name: 'DetachRolePolicy',
    run: (c, a) => c.send(new DetachRolePolicyCommand({ RoleName: 'connect', PolicyArn: arn(a, P, 'dom-1') })),
  },
  {
    name: 'DetachRolePolicy not attached (NoSuchEntity)',
    run: (c, a) => c.send(new DetachRolePolicyCommand({ RoleName: 'connect', PolicyArn: arn(a, P, 'dom-1') })),
  },
  {
    name: 'GetPolicy missing (NoSuchEntity)',
    run: (c, a) => c.send(new GetPolicyCommand({ PolicyArn: arn(a, P, 'none') })),
  },
  {
    name: 'CreatePolicy duplicate (EntityAlreadyExists)',
    run: (c) => c.send(new CreatePolicyCommand({ PolicyName: 'dom-1', Path: P, PolicyDocument: doc('s3:GetObject') })),
  },
  {
    name: 'CreatePolicy not JSON (MalformedPolicyDocument)',
    run: (c) => c.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: '{"Version":' })),
  },
  {
    name: 'CreatePolicy over 6,144 characters (LimitExceeded)',
    run: (c) =>
      c.send(
        new CreatePolicyCommand({
          PolicyName: 'big',
          PolicyDocument: doc('s3:GetObject', `arn:aws:s3:::${'a'.repeat(6100)}`),
        }),
      ),
  },
  {
    name: 'DeletePolicy with versions (DeleteConflict)',
    run: (c, a) => c.send(new DeletePolicyCommand({ PolicyArn: arn(a, P, 'dom-1') })),
  },
  { name: 'DeleteRole', run: (c) => c.send(new DeleteRoleCommand({ RoleName: 'connect' })) },
  { name: 'GetRole deleted (NoSuchEntity)', run: (c) => c.send(new GetRoleCommand({ RoleName: 'connect' })) },
  // Last, on a policy of its own: moto deletes an attached policy, which would change every later step.
  {
    name: 'CreatePolicy second',
    run: (c) => c.send(new CreatePolicyCommand({ PolicyName: 'dom-2', Path: P, PolicyDocument: doc('s3:GetObject') })),
  },
  {
    name: 'CreateRole second',
    run: (c) => c.send(new CreateRoleCommand({ RoleName: 'connect-2', AssumeRolePolicyDocument: trust })),
  },
  {
    name: 'AttachRolePolicy second',
    run: (c, a) => c.send(new AttachRolePolicyCommand({ RoleName: 'connect-2', PolicyArn: arn(a, P, 'dom-2') })),
  },
  {
    name: 'DeletePolicy attached (DeleteConflict)',
    run: (c, a) => c.send(new DeletePolicyCommand({ PolicyArn: arn(a, P, 'dom-2') })),
  },
];

/** Where moto and the embedded cloud differ, and what settles it. */
const BOUNDARY =
  'API_Policy (and botocore iam Policy shape): PermissionsBoundaryUsageCount is part of the Policy IAM returns; moto leaves it out';
const NO_DOCUMENT =
  'API_PolicyVersion, Document: "not returned in the response to the CreatePolicyVersion or ListPolicyVersions operations"; moto returns it';
const NEWEST_FIRST =
  'IAM User Guide, "Use ListPolicyVersions with a CLI": IAM lists v2 (the default) before v1, newest first; moto lists in creation order';
const DISAGREEMENTS: readonly { readonly step: string; readonly path: string; readonly settledBy: string }[] = [
  ...['CreatePolicy', 'GetPolicy', 'CreatePolicy second'].map((step) => ({
    step,
    path: 'Policy.PermissionsBoundaryUsageCount',
    settledBy: BOUNDARY,
  })),
  { step: 'ListPolicies Local under the path', path: 'Policies[0].PermissionsBoundaryUsageCount', settledBy: BOUNDARY },
  ...[
    'CreatePolicyVersion v2',
    'CreatePolicyVersion v3',
    'CreatePolicyVersion v4',
    'CreatePolicyVersion v5',
    'CreatePolicyVersion after pruning',
  ].map((step) => ({ step, path: 'PolicyVersion.Document', settledBy: NO_DOCUMENT })),
  ...[0, 1, 2, 3, 4].map((i) => ({
    step: 'ListPolicyVersions',
    path: `Versions[${i}].Document`,
    settledBy: NO_DOCUMENT,
  })),
  ...[
    'Versions[0].VersionId',
    'Versions[1].VersionId',
    'Versions[3].VersionId',
    'Versions[4].VersionId',
    'Versions[0].IsDefaultVersion',
    'Versions[4].IsDefaultVersion',
  ].map((path) => ({ step: 'ListPolicyVersions', path, settledBy: NEWEST_FIRST })),
  {
    step: 'ListPolicyVersions',
    path: 'IsTruncated',
    settledBy:
      'API_ListPolicyVersions response elements, and the CLI example\'s "IsTruncated": false; moto leaves it out',
  },
  ...['status', 'error'].flatMap((path) => [
    {
      step: 'CreatePolicy over 6,144 characters (LimitExceeded)',
      path,
      settledBy:
        'IAM User Guide, "IAM and AWS STS quotas": managed policy size 6,144 characters, whitespace not counted; moto does not check it',
    },
    {
      step: 'DeletePolicy with versions (DeleteConflict)',
      path,
      settledBy:
        'API_DeletePolicy: "you must delete all the policy\'s versions" first (DeleteConflict); moto deletes them with it',
    },
    {
      step: 'DeletePolicy attached (DeleteConflict)',
      path,
      settledBy:
        'API_DeletePolicy: "you must first detach the policy from all users, groups, and roles" (DeleteConflict); moto deletes it',
    },
  ]),
];

function normalise(v: unknown, key = ''): unknown {
  if (v instanceof Date) return '<date>';
  if (Array.isArray(v)) return v.map((x) => normalise(x, key));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === '$metadata' || x === undefined) continue;
      out[k] = normalise(x, k);
    }
    return out;
  }
  if (typeof v === 'string') {
    if (v.startsWith('arn:')) return '<arn>';
    if (ACCOUNT_RE.test(v)) return '<account>';
    if (/(PolicyId|RoleId|Marker)$/.test(key)) return '<id>';
    // Documents: compared decoded and parsed, not as text.
    if (/Document$/.test(key)) return JSON.parse(decodeURIComponent(v)) as unknown;
  }
  return v;
}

let local: LocalAws;
let moto: MotoServer;
let results: { step: string; local: Outcome; moto: Outcome }[] = [];

beforeAll(async () => {
  moto = await startMoto();
  const iam = new IamAuthority();
  local = await startLocalAws({ iam, log: () => undefined });
  const run = async (c: IAMClient, account: string) => {
    const out = new Map<string, Outcome>();
    for (const s of STEPS) out.set(s.name, await outcomeOf(s.run(c, account), normalise));
    c.destroy();
    return out;
  };
  const base = { region: 'us-east-1', maxAttempts: 1 };
  const onLocal = await run(
    new IAMClient({ ...base, endpoint: local.endpoint, credentials: iam.credentialsFor(localAdminArn()) }),
    local.accountId,
  );
  // moto's default account.
  const onMoto = await run(
    new IAMClient({ ...base, endpoint: moto.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    '123456789012',
  );
  results = STEPS.map((s) => ({ step: s.name, local: onLocal.get(s.name)!, moto: onMoto.get(s.name)! }));
}, 300_000);

afterAll(async () => {
  await local?.stop();
  await moto?.stop();
});

test('the emulated IAM and moto agree on every call, or the IAM documentation settles it', () => {
  const lines = differences(results);
  const listed = (x: { step: string; path: string }) =>
    DISAGREEMENTS.some((t) => t.step === x.step && t.path === x.path);
  if (process.env.MOTO_SECOND_OPINION_DUMP)
    for (const r of results)
      process.stderr.write(`${r.step}\n  local ${JSON.stringify(r.local)}\n  moto  ${JSON.stringify(r.moto)}\n`);
  process.stderr.write(
    `[moto iam] ${results.filter((r) => !lines.some((x) => x.step === r.step)).length} of ${results.length} calls agree; ${lines.length} differences\n${lines.map((x) => `  ${x.step}: ${x.line}`).join('\n')}\n`,
  );
  expect(lines.filter((x) => !listed(x)).map((x) => `${x.step}: ${x.line}`)).toEqual([]);
  expect(DISAGREEMENTS.filter((t) => !lines.some((x) => x.step === t.step && x.path === t.path))).toEqual([]);
});
