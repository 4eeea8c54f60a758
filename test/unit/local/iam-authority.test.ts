// IamAuthority in-process: principals and their credentials, policy validation, AWS's denial
// messages, principal tags, resource policies (KMS delegation), recording and the enforcing switch,
// and the synchronous path held to iam-simulate's validated runSimulation on generated requests.
import fc from 'fast-check';
import { IamAuthority, MalformedPolicyError, defaultKeyPolicy } from '../../../local/aws/iam/authority.js';
import type { AuthorizationRequest, PolicyDocument } from '../../../local/aws/iam/types.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/provision`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const allow = (Action: string | string[], Resource: string | string[], extra: object = {}): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...extra }],
});

test('credentials: stable per principal, ASIA + session token for roles, AKIA for users; keys map back', () => {
  const iam = new IamAuthority();
  iam.putRole(ROLE, { policies: [] });
  iam.putUser(USER, { policies: [] });
  const r = iam.credentialsFor(ROLE);
  const u = iam.credentialsFor(USER);
  expect(r.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
  expect(r.sessionToken).toBeDefined();
  expect(u.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
  expect(u.sessionToken).toBeUndefined();
  expect(u.secretAccessKey).toHaveLength(40);
  iam.putRole(ROLE, { policies: [allow('s3:GetObject', '*')] });
  expect(iam.credentialsFor(ROLE)).toEqual(r);
  expect(iam.principalForAccessKey(r.accessKeyId)).toBe(ROLE);
  expect(iam.principalForAccessKey(u.accessKeyId)).toBe(USER);
  expect(iam.principalForAccessKey('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
  expect(() => iam.credentialsFor(`arn:aws:iam::${ACCOUNT}:role/none`)).toThrow();
  iam.deletePrincipal(USER);
  expect(iam.principalForAccessKey(u.accessKeyId)).toBeUndefined();
});

test('a policy IAM would refuse is refused when it is put, naming the problem', () => {
  const iam = new IamAuthority();
  expect(() =>
    iam.putRole(ROLE, {
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] }],
    }),
  ).toThrow(MalformedPolicyError);
  expect(() => iam.putRole('arn:aws:iam::000000000000:user/x', { policies: [] })).toThrow(/not an IAM role ARN/);
});

test("denials in AWS's words: implicit (identity, resource), explicit (identity, resource); a role shows as its session", () => {
  const iam = new IamAuthority();
  iam.putRole(ROLE, {
    policies: [
      allow(['s3:GetObject', 'kms:Decrypt'], '*'),
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/secret/*' }],
      },
    ],
  });
  const session = `arn:aws:sts::${ACCOUNT}:assumed-role/provision/provision`;
  const req = (action: string, resource: string, extra: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
    principalArn: ROLE,
    action,
    resource,
    ...extra,
  });
  expect(iam.evaluate(req('s3:PutObject', 'arn:aws:s3:::b/k'))).toEqual({
    allowed: false,
    reason: 'implicit-deny',
    message: `User: ${session} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" because no identity-based policy allows the s3:PutObject action`,
  });
  expect(iam.evaluate(req('s3:GetObject', 'arn:aws:s3:::b/secret/x')).message).toBe(
    `User: ${session} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/secret/x" with an explicit deny in an identity-based policy`,
  );
  const bucketDeny: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
  };
  expect(iam.evaluate(req('s3:GetObject', 'arn:aws:s3:::b/k', { resourcePolicy: bucketDeny }))).toMatchObject({
    reason: 'explicit-deny',
    message: expect.stringContaining('with an explicit deny in a resource-based policy'),
  });
  // KMS: the key policy must delegate to IAM or name the caller.
  iam.putResourcePolicy(KEY, {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` }, Action: 'kms:*', Resource: '*' },
    ],
  });
  expect(iam.evaluate(req('kms:Decrypt', KEY)).message).toBe(
    `User: ${session} is not authorized to perform: kms:Decrypt on resource: ${KEY} because no resource-based policy allows the kms:Decrypt action`,
  );
  iam.putResourcePolicy(KEY, defaultKeyPolicy(ACCOUNT));
  expect(iam.evaluate(req('kms:Decrypt', KEY)).allowed).toBe(true);
  iam.deleteResourcePolicy(KEY);
  // A key with no policy at all: KMS always has one; without a provider nothing trusts IAM.
  expect(iam.evaluate(req('kms:Decrypt', KEY)).allowed).toBe(false);
  iam.addResourcePolicyProvider((arn) => (arn === KEY ? defaultKeyPolicy(ACCOUNT) : undefined));
  expect(iam.evaluate(req('kms:Decrypt', KEY)).allowed).toBe(true);
});

test('principal context keys: tags as policy variables, aws:PrincipalArn (the role ARN), aws:username for users', () => {
  const iam = new IamAuthority();
  iam.putRole(ROLE, {
    tags: { 'msk-spec-domain': 'shop.orders' },
    policies: [allow('s3:PutObject', 'arn:aws:s3:::specs/specs/${aws:PrincipalTag/msk-spec-domain}.yaml')],
  });
  iam.putUser(USER, {
    policies: [
      allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*'),
      allow('kms:DescribeKey', '*', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }),
    ],
  });
  const put = (key: string) =>
    iam.evaluate({ principalArn: ROLE, action: 's3:PutObject', resource: `arn:aws:s3:::specs/${key}` });
  expect(put('specs/shop.orders.yaml').allowed).toBe(true);
  expect(put('specs/shop.order.yaml').allowed).toBe(false);
  expect(
    iam.evaluate({ principalArn: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::home/alice/x' }).allowed,
  ).toBe(true);
  expect(
    iam.evaluate({ principalArn: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::home/bob/x' }).allowed,
  ).toBe(false);
  const pinned: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::specs/*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': ROLE } },
      },
    ],
  };
  expect(
    iam.evaluate({
      principalArn: ROLE,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::specs/specs/shop.orders.yaml',
      resourcePolicy: pinned,
    }).allowed,
  ).toBe(true);
});

test('authorize records allowed requests only; enforcing off allows all and records them', () => {
  const iam = new IamAuthority();
  iam.putRole(ROLE, { policies: [allow('s3:GetObject', '*')] });
  const get = { principalArn: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
  const put = { principalArn: ROLE, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' };
  expect(iam.authorize(get).allowed).toBe(true);
  expect(iam.authorize(put).allowed).toBe(false);
  iam.evaluate(get);
  expect(iam.record).toEqual([get]);
  iam.enforcing = false;
  expect(iam.authorize(put).allowed).toBe(true);
  expect(iam.evaluate(put).allowed).toBe(false);
  expect(iam.record).toEqual([get, put]);
  iam.clearRecord();
  expect(iam.record).toEqual([]);
});

test('the synchronous path agrees with the validated runSimulation on generated requests', async () => {
  const actions = ['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'secretsmanager:GetSecretValue'] as const;
  const resources: Record<(typeof actions)[number], string[]> = {
    's3:GetObject': ['arn:aws:s3:::specs/a.yaml', 'arn:aws:s3:::certs/x/key.pem'],
    's3:PutObject': ['arn:aws:s3:::specs/a.yaml', 'arn:aws:s3:::reports/b.json'],
    'kms:Decrypt': [KEY],
    'secretsmanager:GetSecretValue': [
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:AmazonMSK_a-AbCdEf`,
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:other-AbCdEf`,
    ],
  };
  const patterns = [
    '*',
    'arn:aws:s3:::specs/*',
    'arn:aws:s3:::*/*',
    KEY,
    `arn:aws:secretsmanager:*:*:secret:AmazonMSK_*`,
  ];
  const statement = fc.record({
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: fc.constantFrom<string | string[]>('*', 's3:*', 's3:GetObject', 'kms:Decrypt', [
      's3:PutObject',
      'secretsmanager:*',
    ]),
    Resource: fc.constantFrom(...patterns),
    Condition: fc.option(
      fc.constantFrom(
        { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
        { Null: { 's3:x-amz-server-side-encryption': 'false' } },
        { Bool: { 'aws:SecureTransport': 'true' } },
      ),
      { nil: undefined },
    ),
  });
  // Requests carry only the condition keys the reference lists for their action (the services take
  // them from local/aws/iam/actions.ts); runSimulation drops any other key, runUnsafeSimulation would not.
  const contexts: Record<(typeof actions)[number], Record<string, string>[]> = {
    's3:GetObject': [{}, { 'aws:SecureTransport': 'true' }],
    's3:PutObject': [
      {},
      { 's3:x-amz-server-side-encryption': 'aws:kms', 'aws:SecureTransport': 'true' },
      { 's3:x-amz-server-side-encryption': 'AES256' },
    ],
    'kms:Decrypt': [{}, { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT }],
    'secretsmanager:GetSecretValue': [{}, { 'aws:SecureTransport': 'true' }],
  };
  await fc.assert(
    fc.asyncProperty(
      fc.array(statement, { minLength: 0, maxLength: 4 }),
      fc.constantFrom(...actions),
      fc.nat(),
      fc.nat(),
      async (statements, action, i, j) => {
        const iam = new IamAuthority();
        const clean = statements.map(({ Condition, ...rest }) => (Condition ? { ...rest, Condition } : rest));
        iam.putRole(ROLE, { policies: clean.length > 0 ? [{ Version: '2012-10-17', Statement: clean }] : [] });
        iam.addResourcePolicyProvider((arn) => (arn === KEY ? defaultKeyPolicy(ACCOUNT) : undefined));
        const list = resources[action];
        const context = contexts[action][j % contexts[action].length]!;
        const request = { principalArn: ROLE, action, resource: list[i % list.length]!, context };
        expect(iam.evaluate(request)).toEqual(await iam.evaluateAsync(request));
      },
    ),
    { numRuns: 300 },
  );
});

// The authority remembers its recent decisions (a burst repeats the same request: EventBridge
// delivering to one queue, a poller receiving from it, a function calling one state machine), so a
// repeat skips the simulator. A decision is a function of the request and the policies in force:
// any change to either is a new question.
describe('remembered decisions', () => {
  const get = (context: Record<string, string> = {}): AuthorizationRequest => ({
    principalArn: ROLE,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::b/k',
    context,
  });

  test('replacing a principal’s policies or tags decides again', () => {
    const iam = new IamAuthority();
    iam.putRole(ROLE, { policies: [allow('s3:GetObject', '*')] });
    expect(iam.evaluate(get()).allowed).toBe(true);
    iam.putRole(ROLE, { policies: [allow('s3:PutObject', '*')] });
    expect(iam.evaluate(get()).allowed).toBe(false);
    iam.putRole(ROLE, {
      policies: [allow('s3:GetObject', '*', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } } })],
      tags: { team: 'a' },
    });
    expect(iam.evaluate(get()).allowed).toBe(true);
    iam.setPrincipalTags(ROLE, { team: 'b' });
    expect(iam.evaluate(get()).allowed).toBe(false);
    iam.deletePrincipal(ROLE);
    expect(iam.evaluate(get()).allowed).toBe(false);
  });

  test('a resource policy put, replaced or deleted, and what providers answer, decide again', () => {
    const iam = new IamAuthority();
    iam.putRole(ROLE, { policies: [allow('s3:GetObject', '*')] });
    const deny: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/k' }],
    };
    iam.putResourcePolicy('arn:aws:s3:::b/k', deny);
    expect(iam.evaluate(get()).allowed).toBe(false);
    iam.deleteResourcePolicy('arn:aws:s3:::b/k');
    expect(iam.evaluate(get()).allowed).toBe(true);
    let provided: PolicyDocument | undefined;
    iam.addResourcePolicyProvider(() => provided);
    expect(iam.evaluate(get()).allowed).toBe(true);
    provided = deny;
    expect(iam.evaluate(get()).allowed).toBe(false);
    // A policy given with the request (a bucket's, as S3 passes it) counts as well.
    provided = undefined;
    expect(iam.evaluate({ ...get(), resourcePolicy: deny }).allowed).toBe(false);
    expect(iam.evaluate(get()).allowed).toBe(true);
  });

  test('attached policies from a provider, and the request context, decide again', () => {
    const iam = new IamAuthority();
    iam.putRole(ROLE, { policies: [] });
    let attached: PolicyDocument[] = [];
    iam.addIdentityPolicyProvider(() => attached);
    expect(iam.evaluate(get()).allowed).toBe(false);
    attached = [allow('s3:GetObject', '*', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })];
    expect(iam.evaluate(get({ 'aws:SecureTransport': 'true' })).allowed).toBe(true);
    expect(iam.evaluate(get({ 'aws:SecureTransport': 'false' })).allowed).toBe(false);
    expect(iam.evaluate(get({ 'aws:SecureTransport': 'true' })).allowed).toBe(true);
    attached = [];
    expect(iam.evaluate(get({ 'aws:SecureTransport': 'true' })).allowed).toBe(false);
  });

  test('a remembered decision is the one the simulator gives, denial message included', () => {
    const iam = new IamAuthority();
    iam.putRole(ROLE, { policies: [allow('s3:PutObject', '*')] });
    const first = iam.evaluate(get());
    expect(iam.evaluate(get())).toEqual(first);
    expect(first.message).toMatch(/is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b\/k"/);
  });
});
