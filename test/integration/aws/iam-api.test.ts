// The emulated IAM API (local/aws/iam/service.ts) through the real @aws-sdk/client-iam on the
// gateway: managed policies and their versions with IAM's limits and errors (IAM API Reference;
// IAM User Guide, "IAM and AWS STS quotas"), roles, and one state with the authority: a policy
// attached through the API is in force for the role's next request, a detached one no longer.
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
  ListRoleTagsCommand,
  TagRoleCommand,
  UntagRoleCommand,
  paginateListPolicies,
} from '@aws-sdk/client-iam';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import type { Credentials, PolicyDocument } from '../../../local/aws/iam/types.js';

const ACCOUNT = '000000000000';
const policyArn = (path: string, name: string) => `arn:aws:iam::${ACCOUNT}:policy${path}${name}`;

let aws: LocalAws;
let iam: IamAuthority;
let admin: IAMClient;

const client = (credentials: Credentials, region = 'us-east-1') =>
  new IAMClient({ endpoint: aws.endpoint, region, credentials, maxAttempts: 1 });

const doc = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource, ...extra }] });

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the request to fail');
}

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, log: () => undefined });
  admin = client(iam.credentialsFor(localAdminArn()));
});
afterAll(async () => {
  await aws?.stop();
});

test('CreatePolicy, GetPolicy, GetPolicyVersion: the document comes back URL-encoded (RFC 3986), as AWS returns it', async () => {
  const text = doc('kafka-cluster:Connect', 'arn:aws:kafka:us-east-1:000000000000:cluster/c/*');
  const created = await admin.send(
    new CreatePolicyCommand({ PolicyName: 'p-basic', Path: '/msk-spec/', PolicyDocument: text, Description: 'd' }),
  );
  expect(created.Policy).toMatchObject({
    PolicyName: 'p-basic',
    Arn: policyArn('/msk-spec/', 'p-basic'),
    Path: '/msk-spec/',
    DefaultVersionId: 'v1',
    AttachmentCount: 0,
    IsAttachable: true,
  });
  expect(created.Policy!.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
  expect(created.Policy!.CreateDate).toBeInstanceOf(Date);
  const got = await admin.send(new GetPolicyCommand({ PolicyArn: created.Policy!.Arn }));
  expect(got.Policy).toMatchObject({ PolicyName: 'p-basic', Description: 'd', DefaultVersionId: 'v1' });
  const v1 = await admin.send(new GetPolicyVersionCommand({ PolicyArn: created.Policy!.Arn, VersionId: 'v1' }));
  expect(v1.PolicyVersion!.Document).not.toContain('{');
  expect(JSON.parse(decodeURIComponent(v1.PolicyVersion!.Document!))).toEqual(JSON.parse(text));
  expect(v1.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });

  expect(
    await failure(
      admin.send(new CreatePolicyCommand({ PolicyName: 'p-basic', Path: '/other/', PolicyDocument: text })),
    ),
  ).toEqual({
    name: 'EntityAlreadyExistsException',
    status: 409,
    message: 'A policy called p-basic already exists. Duplicate names are not allowed.',
  });
  expect(await failure(admin.send(new GetPolicyCommand({ PolicyArn: policyArn('/', 'missing') })))).toEqual({
    name: 'NoSuchEntityException',
    status: 404,
    message: `Policy ${policyArn('/', 'missing')} was not found.`,
  });
  expect(
    (await failure(admin.send(new GetPolicyVersionCommand({ PolicyArn: created.Policy!.Arn, VersionId: 'v9' })))).name,
  ).toBe('NoSuchEntityException');
});

test('five versions at most: the sixth is LimitExceeded; deleting the oldest non-default version makes room', async () => {
  const arn = (
    await admin.send(new CreatePolicyCommand({ PolicyName: 'p-versions', PolicyDocument: doc('s3:GetObject') }))
  ).Policy!.Arn!;
  for (let i = 2; i <= 5; i++) {
    const v = await admin.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn,
        PolicyDocument: doc(`s3:GetObject${i}`),
        SetAsDefault: i === 4,
      }),
    );
    expect(v.PolicyVersion).toMatchObject({ VersionId: `v${i}`, IsDefaultVersion: i === 4 });
    // CreatePolicyVersion returns no document (PolicyVersion: "not returned in the response to CreatePolicyVersion").
    expect(v.PolicyVersion!.Document).toBeUndefined();
  }
  expect(
    await failure(admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:PutObject') }))),
  ).toEqual({
    name: 'LimitExceededException',
    status: 409,
    message:
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
  });
  const listed = await admin.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  expect(listed.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
    ['v5', false],
    ['v4', true],
    ['v3', false],
    ['v2', false],
    ['v1', false],
  ]);
  expect(listed.Versions!.every((v) => v.Document === undefined)).toBe(true);

  expect(await failure(admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v4' })))).toEqual({
    name: 'DeleteConflictException',
    status: 409,
    message: 'Cannot delete the default version of a policy.',
  });
  const oldest = [...listed.Versions!]
    .filter((v) => !v.IsDefaultVersion)
    .sort((a, b) => a.CreateDate!.getTime() - b.CreateDate!.getTime() || a.VersionId!.localeCompare(b.VersionId!))[0]!;
  expect(oldest.VersionId).toBe('v1');
  await admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.VersionId }));
  const v6 = await admin.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:PutObject'), SetAsDefault: true }),
  );
  // Version ids are never reused.
  expect(v6.PolicyVersion).toMatchObject({ VersionId: 'v6', IsDefaultVersion: true });
  expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v6');

  // DeletePolicy: DeleteConflict while non-default versions remain; then it goes with its default version.
  expect(await failure(admin.send(new DeletePolicyCommand({ PolicyArn: arn })))).toMatchObject({
    name: 'DeleteConflictException',
    status: 409,
  });
  for (const v of ['v2', 'v3', 'v4', 'v5'])
    await admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
  await admin.send(new DeletePolicyCommand({ PolicyArn: arn }));
  expect((await failure(admin.send(new GetPolicyCommand({ PolicyArn: arn })))).status).toBe(404);
});

test('policy size: 6,144 characters not counting whitespace; one more is LimitExceeded', async () => {
  // {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::<pad>"}]}
  const sized = (chars: number, indent = 0): string => {
    const bare = doc('s3:GetObject', 'arn:aws:s3:::');
    const pad = 'a'.repeat(chars - bare.length);
    return JSON.stringify(JSON.parse(doc('s3:GetObject', `arn:aws:s3:::${pad}`)), null, indent);
  };
  expect(sized(6144).length).toBe(6144);
  await admin.send(new CreatePolicyCommand({ PolicyName: 'p-size-max', PolicyDocument: sized(6144) }));
  // Whitespace does not count: the same document pretty-printed is well over 6,144 characters.
  expect(sized(6144, 8).length).toBeGreaterThan(6144);
  await admin.send(new CreatePolicyCommand({ PolicyName: 'p-size-indented', PolicyDocument: sized(6144, 8) }));
  expect(
    await failure(admin.send(new CreatePolicyCommand({ PolicyName: 'p-size-over', PolicyDocument: sized(6145) }))),
  ).toEqual({
    name: 'LimitExceededException',
    status: 409,
    message: 'Cannot exceed quota for PolicySize: 6144',
  });
  const arn = policyArn('/', 'p-size-max');
  expect(
    (await failure(admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: sized(6145) }))))
      .message,
  ).toBe('Cannot exceed quota for PolicySize: 6144');
});

test('MalformedPolicyDocument: not JSON, or not a valid identity policy; nothing is created', async () => {
  expect(
    await failure(
      admin.send(new CreatePolicyCommand({ PolicyName: 'p-bad', PolicyDocument: '{"Version": "2012-10-17"' })),
    ),
  ).toEqual({ name: 'MalformedPolicyDocumentException', status: 400, message: 'Syntax errors in policy.' });
  const bad = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Maybe', Action: 's3:GetObject', Resource: '*' }],
  });
  const e = await failure(admin.send(new CreatePolicyCommand({ PolicyName: 'p-bad', PolicyDocument: bad })));
  expect(e).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
  expect(e.message).toMatch(/Effect/);
  expect((await failure(admin.send(new GetPolicyCommand({ PolicyArn: policyArn('/', 'p-bad') })))).status).toBe(404);
});

test("names and paths outside the model: ValidationError with IAM's sentence for a path", async () => {
  expect(
    await failure(
      admin.send(
        new CreatePolicyCommand({ PolicyName: 'p-path', Path: 'msk-spec/', PolicyDocument: doc('s3:GetObject') }),
      ),
    ),
  ).toEqual({
    name: 'ValidationError',
    status: 400,
    message:
      'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
  });
  expect(
    await failure(admin.send(new CreateRoleCommand({ RoleName: 'a b', AssumeRolePolicyDocument: trust }))),
  ).toEqual({
    name: 'ValidationError',
    status: 400,
    message:
      "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
  });
});

test('attach: the role is allowed from its next request on; detach: denied again', async () => {
  const role = (
    await admin.send(
      new CreateRoleCommand({ RoleName: 'connect-worker', Path: '/teams/', AssumeRolePolicyDocument: trust }),
    )
  ).Role!;
  expect(role).toMatchObject({
    RoleName: 'connect-worker',
    Path: '/teams/',
    Arn: `arn:aws:iam::${ACCOUNT}:role/teams/connect-worker`,
  });
  expect(role.RoleId).toMatch(/^AROA/);
  const session = client(iam.credentialsFor(role.Arn!));
  const listing = () => session.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1 }));
  expect(await failure(listing())).toEqual({
    name: 'AccessDenied',
    status: 403,
    message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/connect-worker/connect-worker is not authorized to perform: iam:ListPolicies on resource: * because no identity-based policy allows the iam:ListPolicies action`,
  });
  const p = (
    await admin.send(
      new CreatePolicyCommand({ PolicyName: 'p-list', Path: '/msk-spec/', PolicyDocument: doc('iam:ListPolicies') }),
    )
  ).Policy!;
  await admin.send(new AttachRolePolicyCommand({ RoleName: 'connect-worker', PolicyArn: p.Arn }));
  expect((await listing()).Policies).toHaveLength(1);
  expect((await admin.send(new GetPolicyCommand({ PolicyArn: p.Arn }))).Policy!.AttachmentCount).toBe(1);
  expect(
    (await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: 'connect-worker' }))).AttachedPolicies,
  ).toEqual([{ PolicyName: 'p-list', PolicyArn: p.Arn }]);
  // A new default version is in force at once, too.
  await admin.send(
    new CreatePolicyVersionCommand({ PolicyArn: p.Arn, PolicyDocument: doc('iam:GetPolicy'), SetAsDefault: true }),
  );
  expect((await failure(listing())).name).toBe('AccessDenied');
  await admin.send(new DeletePolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v1' }));
  await admin.send(
    new CreatePolicyVersionCommand({ PolicyArn: p.Arn, PolicyDocument: doc('iam:ListPolicies'), SetAsDefault: true }),
  );
  expect((await listing()).Policies).toHaveLength(1);

  expect(await failure(admin.send(new DeletePolicyCommand({ PolicyArn: p.Arn })))).toEqual({
    name: 'DeleteConflictException',
    status: 409,
    message: 'Cannot delete a policy attached to entities.',
  });
  expect(await failure(admin.send(new DeleteRoleCommand({ RoleName: 'connect-worker' })))).toEqual({
    name: 'DeleteConflictException',
    status: 409,
    message: 'Cannot delete entity, must detach all policies first.',
  });
  await admin.send(new DetachRolePolicyCommand({ RoleName: 'connect-worker', PolicyArn: p.Arn }));
  expect((await failure(listing())).name).toBe('AccessDenied');
  expect(
    await failure(admin.send(new DetachRolePolicyCommand({ RoleName: 'connect-worker', PolicyArn: p.Arn }))),
  ).toEqual({
    name: 'NoSuchEntityException',
    status: 404,
    message: `Policy ${p.Arn} was not found.`,
  });
  await admin.send(new DeleteRoleCommand({ RoleName: 'connect-worker' }));
  expect(await failure(admin.send(new GetRoleCommand({ RoleName: 'connect-worker' })))).toEqual({
    name: 'NoSuchEntityException',
    status: 404,
    message: 'The role with name connect-worker cannot be found.',
  });
  // Its session is gone with it.
  expect((await failure(listing())).name).toBe('InvalidClientTokenId');
});

test('ten managed policies per role: the eleventh is LimitExceeded', async () => {
  await admin.send(new CreateRoleCommand({ RoleName: 'many', AssumeRolePolicyDocument: trust }));
  const arns: string[] = [];
  for (let i = 1; i <= 11; i++)
    arns.push(
      (
        await admin.send(
          new CreatePolicyCommand({
            PolicyName: `p-many-${i}`,
            PolicyDocument: doc(`s3:GetObject`, `arn:aws:s3:::b${i}/*`),
          }),
        )
      ).Policy!.Arn!,
    );
  for (const arn of arns.slice(0, 10))
    await admin.send(new AttachRolePolicyCommand({ RoleName: 'many', PolicyArn: arn }));
  expect(await failure(admin.send(new AttachRolePolicyCommand({ RoleName: 'many', PolicyArn: arns[10] })))).toEqual({
    name: 'LimitExceededException',
    status: 409,
    message: 'Cannot exceed quota for PoliciesPerRole: 10',
  });
  // Attaching one already attached again changes nothing.
  await admin.send(new AttachRolePolicyCommand({ RoleName: 'many', PolicyArn: arns[0] }));
  const page1 = await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: 'many', MaxItems: 6 }));
  const page2 = await admin.send(
    new ListAttachedRolePoliciesCommand({ RoleName: 'many', MaxItems: 6, Marker: page1.Marker }),
  );
  expect(page1.IsTruncated).toBe(true);
  expect(page2.IsTruncated).toBe(false);
  expect([...page1.AttachedPolicies!, ...page2.AttachedPolicies!].map((p) => p.PolicyArn)).toEqual(arns.slice(0, 10));
  expect(
    await failure(admin.send(new AttachRolePolicyCommand({ RoleName: 'many', PolicyArn: policyArn('/', 'nope') }))),
  ).toEqual({
    name: 'NoSuchEntityException',
    status: 404,
    message: `Policy ${policyArn('/', 'nope')} does not exist or is not attachable.`,
  });
  expect(
    (await failure(admin.send(new AttachRolePolicyCommand({ RoleName: 'nobody', PolicyArn: arns[0] })))).name,
  ).toBe('NoSuchEntityException');
});

test('ListPolicies pages with Marker/MaxItems and filters by PathPrefix and Scope', async () => {
  const names = Array.from({ length: 23 }, (_, i) => `p-page-${String(i).padStart(2, '0')}`);
  for (const n of names)
    await admin.send(new CreatePolicyCommand({ PolicyName: n, Path: '/paging/', PolicyDocument: doc('s3:GetObject') }));
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const out = await admin.send(
      new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/paging/', MaxItems: 10, Marker: marker }),
    );
    pages++;
    seen.push(...out.Policies!.map((p) => p.PolicyName!));
    expect(out.Policies!.length).toBeLessThanOrEqual(10);
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  expect(pages).toBe(3);
  expect(seen).toEqual(names);
  // The SDK's own paginator gets the same.
  const viaPaginator: string[] = [];
  for await (const page of paginateListPolicies({ client: admin, pageSize: 7 }, { PathPrefix: '/paging/' }))
    viaPaginator.push(...page.Policies!.map((p) => p.PolicyName!));
  expect(viaPaginator).toEqual(names);
  expect((await admin.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: '/paging/' }))).Policies).toEqual([]);
  expect((await admin.send(new ListPoliciesCommand({ PathPrefix: '/pag/' }))).Policies).toEqual([]);
  expect((await admin.send(new ListPoliciesCommand({ PathPrefix: '/paging/', OnlyAttached: true }))).Policies).toEqual(
    [],
  );
});

test('iam:PolicyARN: a role allowed to attach only policies under /msk-spec/ is refused any other', async () => {
  await admin.send(new CreateRoleCommand({ RoleName: 'team-target', AssumeRolePolicyDocument: trust }));
  const own = (
    await admin.send(
      new CreatePolicyCommand({ PolicyName: 'p-own', Path: '/msk-spec/', PolicyDocument: doc('s3:GetObject') }),
    )
  ).Policy!.Arn!;
  const foreign = (
    await admin.send(new CreatePolicyCommand({ PolicyName: 'p-foreign', Path: '/admin/', PolicyDocument: doc('*') }))
  ).Policy!.Arn!;
  const pipelineRole = `arn:aws:iam::${ACCOUNT}:role/pipeline`;
  const limited: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: `arn:aws:iam::${ACCOUNT}:role/*`,
        Condition: { ArnLike: { 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/msk-spec/*` } },
      },
    ],
  };
  iam.putRole(pipelineRole, { policies: [limited] });
  const pipeline = client(iam.credentialsFor(pipelineRole));
  await pipeline.send(new AttachRolePolicyCommand({ RoleName: 'team-target', PolicyArn: own }));
  const e = await failure(pipeline.send(new AttachRolePolicyCommand({ RoleName: 'team-target', PolicyArn: foreign })));
  expect(e).toEqual({
    name: 'AccessDenied',
    status: 403,
    message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/pipeline/pipeline is not authorized to perform: iam:AttachRolePolicy on resource: arn:aws:iam::${ACCOUNT}:role/team-target because no identity-based policy allows the iam:AttachRolePolicy action`,
  });
  await pipeline.send(new DetachRolePolicyCommand({ RoleName: 'team-target', PolicyArn: own }));
  expect((await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: 'team-target' }))).AttachedPolicies).toEqual(
    [],
  );
});

test('roles made outside the API (the deploy, a test) are the same entities: GetRole, tags, attach', async () => {
  const arn = `arn:aws:iam::${ACCOUNT}:role/service-role/deployed`;
  iam.putRole(arn, { policies: [JSON.parse(doc('s3:GetObject')) as PolicyDocument], tags: { team: 'shop' } });
  const got = (await admin.send(new GetRoleCommand({ RoleName: 'deployed' }))).Role!;
  expect(got).toMatchObject({
    Arn: arn,
    Path: '/service-role/',
    RoleName: 'deployed',
    Tags: [{ Key: 'team', Value: 'shop' }],
  });
  await admin.send(
    new TagRoleCommand({ RoleName: 'deployed', Tags: [{ Key: 'msk-spec-domain', Value: 'shop.orders' }] }),
  );
  await admin.send(new UntagRoleCommand({ RoleName: 'deployed', TagKeys: ['team'] }));
  expect((await admin.send(new ListRoleTagsCommand({ RoleName: 'deployed' }))).Tags).toEqual([
    { Key: 'msk-spec-domain', Value: 'shop.orders' },
  ]);
  // The tag is the principal's aws:PrincipalTag from now on.
  expect(
    iam.evaluate({
      principalArn: arn,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::b/shop.orders',
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: arn },
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/msk-spec-domain}',
          },
        ],
      },
    }).allowed,
  ).toBe(true);
  // Its own (inline) policies keep DeleteRole from deleting it.
  expect(await failure(admin.send(new DeleteRoleCommand({ RoleName: 'deployed' })))).toEqual({
    name: 'DeleteConflictException',
    status: 409,
    message: 'Cannot delete entity, must delete policies first.',
  });
  expect(
    (await failure(admin.send(new CreateRoleCommand({ RoleName: 'deployed', AssumeRolePolicyDocument: trust })))).name,
  ).toBe('EntityAlreadyExistsException');
});

test('IAM is global: a client configured for another Region is authorized in us-east-1', async () => {
  const arn = `arn:aws:iam::${ACCOUNT}:role/regional`;
  iam.putRole(arn, {
    policies: [
      JSON.parse(doc('iam:ListPolicies', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })),
    ],
  });
  const c = client(iam.credentialsFor(arn), 'eu-west-1');
  expect((await c.send(new ListPoliciesCommand({ MaxItems: 1 }))).Policies).toHaveLength(1);
});

test('an unknown key: InvalidClientTokenId (403); an unsigned request: MissingAuthenticationToken (403), as XML', async () => {
  const stranger = client({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
  expect(await failure(stranger.send(new ListPoliciesCommand({})))).toEqual({
    name: 'InvalidClientTokenId',
    status: 403,
    message: 'The security token included in the request is invalid.',
  });
  const res = await fetch(aws.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=ListPolicies&Version=2010-05-08',
  });
  expect(res.status).toBe(403);
  const xml = await res.text();
  expect(xml).toMatch(
    /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>Missing Authentication Token<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
  );
});
