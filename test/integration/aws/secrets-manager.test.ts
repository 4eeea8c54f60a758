// Emulated Secrets Manager through the real SDK v3 client: every operation with its documented
// errors, staging labels, idempotency, deletion and restore, filters and paging.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  EncryptionFailure,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { useLocalAws } from '../../support/aws.js';

const aws = useLocalAws();
const sm = () => aws.clients.secrets;
let n = 0;
const uniq = (p: string) => `${p}-${++n}`;
const token = (c: string) => c.repeat(32);

test('CreateSecret: ARN ends in - and six random characters; value readable as AWSCURRENT', async () => {
  const name = uniq('AmazonMSK_alice');
  const out = await sm().send(
    new CreateSecretCommand({ Name: name, SecretString: '{"username":"alice","password":"p"}' }),
  );
  expect(out.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[A-Za-z0-9]{6}$`));
  expect(out.Name).toBe(name);
  expect(out.VersionId).toBeDefined();
  const got = await sm().send(new GetSecretValueCommand({ SecretId: name }));
  expect(got).toMatchObject({
    ARN: out.ARN,
    Name: name,
    VersionId: out.VersionId,
    SecretString: '{"username":"alice","password":"p"}',
    VersionStages: ['AWSCURRENT'],
  });
  expect(got.CreatedDate).toBeInstanceOf(Date);
  // by full ARN and partial ARN (without the suffix)
  expect((await sm().send(new GetSecretValueCommand({ SecretId: out.ARN }))).Name).toBe(name);
  expect((await sm().send(new GetSecretValueCommand({ SecretId: out.ARN!.slice(0, -7) }))).Name).toBe(name);
});

test('CreateSecret: an existing name is ResourceExistsException; same token + same value is idempotent; different value is ResourceExistsException', async () => {
  const name = uniq('dup');
  const first = await sm().send(
    new CreateSecretCommand({ Name: name, SecretString: 'a', ClientRequestToken: token('a') }),
  );
  expect(first.VersionId).toBe(token('a'));
  const again = await sm().send(
    new CreateSecretCommand({ Name: name, SecretString: 'a', ClientRequestToken: token('a') }),
  );
  expect(again).toMatchObject({ ARN: first.ARN, VersionId: first.VersionId });
  await expect(
    sm().send(new CreateSecretCommand({ Name: name, SecretString: 'b', ClientRequestToken: token('a') })),
  ).rejects.toBeInstanceOf(ResourceExistsException);
  const err = await sm()
    .send(new CreateSecretCommand({ Name: name, SecretString: 'a' }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ResourceExistsException);
  expect((err as Error).message).toBe(`The operation failed because the secret ${name} already exists.`);
});

test('CreateSecret: invalid names, both value kinds, and a missing KMS key are rejected', async () => {
  await expect(sm().send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'x' }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(
    sm().send(new CreateSecretCommand({ Name: uniq('both'), SecretString: 'x', SecretBinary: Buffer.from('y') })),
  ).rejects.toBeInstanceOf(InvalidParameterException);
  await expect(
    sm().send(new CreateSecretCommand({ Name: uniq('nokey'), SecretString: 'x', KmsKeyId: 'alias/nope' })),
  ).rejects.toBeInstanceOf(EncryptionFailure);
});

test('CreateSecret with KmsKeyId, Tags and Description; DescribeSecret reports them', async () => {
  const { KeyMetadata: key } = await aws.clients.kms.send(new CreateKeyCommand({}));
  const name = uniq('AmazonMSK_described');
  const created = await sm().send(
    new CreateSecretCommand({
      Name: name,
      KmsKeyId: key!.Arn,
      SecretString: 's',
      Tags: [{ Key: 'team', Value: 'payments' }],
      Description: 'scram user',
    }),
  );
  const d = await sm().send(new DescribeSecretCommand({ SecretId: name }));
  expect(d).toMatchObject({
    ARN: created.ARN,
    Name: name,
    KmsKeyId: key!.Arn,
    Description: 'scram user',
    Tags: [{ Key: 'team', Value: 'payments' }],
    VersionIdsToStages: { [created.VersionId!]: ['AWSCURRENT'] },
  });
  expect(d.CreatedDate).toBeInstanceOf(Date);
  expect(d.DeletedDate).toBeUndefined();
  const snap = aws.local.secrets.inspect(created.ARN!);
  expect(snap).toMatchObject({ name, kmsKeyId: key!.Arn, currentValue: 's', deleted: false });
  expect(snap?.kmsKey?.KeyManager).toBe('CUSTOMER');
  // the default key is the AWS-managed one
  const dflt = await sm().send(new CreateSecretCommand({ Name: uniq('default-key'), SecretString: 's' }));
  expect((await sm().send(new DescribeSecretCommand({ SecretId: dflt.ARN }))).KmsKeyId).toBeUndefined();
  expect(aws.local.secrets.inspect(dflt.ARN!)?.kmsKey?.KeyManager).toBe('AWS');
});

test('GetSecretValue: unknown secret, unknown VersionId/VersionStage are ResourceNotFoundException', async () => {
  const err = await sm()
    .send(new GetSecretValueCommand({ SecretId: 'nope' }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ResourceNotFoundException);
  expect((err as Error).message).toBe("Secrets Manager can't find the specified secret.");
  const name = uniq('versions');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  await expect(
    sm().send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
  await expect(sm().send(new GetSecretValueCommand({ SecretId: name, VersionId: token('z') }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  const empty = uniq('empty');
  await sm().send(new CreateSecretCommand({ Name: empty }));
  await expect(sm().send(new GetSecretValueCommand({ SecretId: empty }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
});

test('PutSecretValue: AWSCURRENT moves and AWSPREVIOUS follows; AWSPENDING stays where put', async () => {
  const name = uniq('rotate');
  const v1 = (
    await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'one', ClientRequestToken: token('1') }))
  ).VersionId!;
  const p2 = await sm().send(
    new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token('2') }),
  );
  expect(p2).toMatchObject({ VersionId: token('2'), VersionStages: ['AWSCURRENT'] });
  let d = await sm().send(new DescribeSecretCommand({ SecretId: name }));
  expect(d.VersionIdsToStages).toEqual({ [v1]: ['AWSPREVIOUS'], [token('2')]: ['AWSCURRENT'] });
  await sm().send(
    new PutSecretValueCommand({
      SecretId: name,
      SecretString: 'three',
      ClientRequestToken: token('3'),
      VersionStages: ['AWSPENDING'],
    }),
  );
  d = await sm().send(new DescribeSecretCommand({ SecretId: name }));
  expect(d.VersionIdsToStages).toEqual({
    [v1]: ['AWSPREVIOUS'],
    [token('2')]: ['AWSCURRENT'],
    [token('3')]: ['AWSPENDING'],
  });
  expect(
    (await sm().send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).SecretString,
  ).toBe('three');
  expect(
    (await sm().send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).SecretString,
  ).toBe('one');
  expect((await sm().send(new GetSecretValueCommand({ SecretId: name, VersionId: v1 }))).SecretString).toBe('one');
  await sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'four', ClientRequestToken: token('4') }));
  d = await sm().send(new DescribeSecretCommand({ SecretId: name }));
  // version 1 lost its last label: deprecated, no longer listed
  expect(d.VersionIdsToStages).toEqual({
    [token('2')]: ['AWSPREVIOUS'],
    [token('3')]: ['AWSPENDING'],
    [token('4')]: ['AWSCURRENT'],
  });
  const all = await sm().send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
  expect(all.Versions?.map((v) => v.VersionId)).toEqual([v1, token('2'), token('3'), token('4')]);
  expect(aws.local.secrets.currentValue(name)).toBe('four');
});

test('PutSecretValue: same token + same value is a no-op, different value ResourceExistsException', async () => {
  const name = uniq('idem');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'one' }));
  await sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token('t') }));
  const again = await sm().send(
    new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token('t') }),
  );
  expect(again.VersionId).toBe(token('t'));
  const err = await sm()
    .send(new PutSecretValueCommand({ SecretId: name, SecretString: 'other', ClientRequestToken: token('t') }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ResourceExistsException);
  await expect(sm().send(new PutSecretValueCommand({ SecretId: name }))).rejects.toBeInstanceOf(
    InvalidRequestException,
  );
});

test('PutSecretValue on a secret without versions makes the first version AWSCURRENT', async () => {
  const name = uniq('first');
  await sm().send(new CreateSecretCommand({ Name: name }));
  const p = await sm().send(
    new PutSecretValueCommand({ SecretId: name, SecretString: 'x', VersionStages: ['AWSPENDING'] }),
  );
  expect(new Set(p.VersionStages)).toEqual(new Set(['AWSPENDING', 'AWSCURRENT']));
});

test('UpdateSecretVersionStage: moving AWSCURRENT needs RemoveFromVersionId and moves AWSPREVIOUS', async () => {
  const name = uniq('stage');
  const v1 = (
    await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'one', ClientRequestToken: token('1') }))
  ).VersionId!;
  const v2 = (
    await sm().send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'two',
        ClientRequestToken: token('2'),
        VersionStages: ['AWSPENDING'],
      }),
    )
  ).VersionId!;
  const err = await sm()
    .send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: v2 }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterException);
  expect((err as Error).message).toContain(`currently attached to version ${v1}`);
  await sm().send(
    new UpdateSecretVersionStageCommand({
      SecretId: name,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: v2,
      RemoveFromVersionId: v1,
    }),
  );
  await sm().send(
    new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: v2 }),
  );
  const d = await sm().send(new DescribeSecretCommand({ SecretId: name }));
  expect(d.VersionIdsToStages).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
  await expect(
    sm().send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', RemoveFromVersionId: v2 }),
    ),
  ).rejects.toBeInstanceOf(InvalidParameterException);
  await expect(
    sm().send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'X', MoveToVersionId: token('9') })),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
});

test('DeleteSecret with a recovery window: reads fail with InvalidRequestException, DescribeSecret shows DeletedDate, RestoreSecret undoes it', async () => {
  const name = uniq('AmazonMSK_deleted');
  const created = await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  const del = await sm().send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
  expect(del.ARN).toBe(created.ARN);
  expect(del.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(6 * 86_400_000);
  const err = await sm()
    .send(new GetSecretValueCommand({ SecretId: name }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidRequestException);
  expect((err as Error).message).toBe(
    "You can't perform this operation on the secret because it was marked for deletion.",
  );
  await expect(sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'y' }))).rejects.toBeInstanceOf(
    InvalidRequestException,
  );
  await expect(sm().send(new CreateSecretCommand({ Name: name, SecretString: 'y' }))).rejects.toBeInstanceOf(
    InvalidRequestException,
  );
  expect((await sm().send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeInstanceOf(Date);
  expect(aws.local.secrets.inspect(name)?.deleted).toBe(true);
  const listed = await sm().send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
  expect(listed.SecretList).toEqual([]);
  const planned = await sm().send(
    new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }], IncludePlannedDeletion: true }),
  );
  expect(planned.SecretList?.map((s) => s.Name)).toEqual([name]);
  const restored = await sm().send(new RestoreSecretCommand({ SecretId: name }));
  expect(restored).toMatchObject({ ARN: created.ARN, Name: name });
  expect((await sm().send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('x');
});

test('DeleteSecret: window outside 7-30 and window+force are InvalidParameterException; force deletes at once', async () => {
  const name = uniq('force');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  await expect(sm().send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 6 }))).rejects.toBeInstanceOf(
    InvalidParameterException,
  );
  await expect(sm().send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 31 }))).rejects.toBeInstanceOf(
    InvalidParameterException,
  );
  await expect(
    sm().send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })),
  ).rejects.toBeInstanceOf(InvalidParameterException);
  await sm().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  await expect(sm().send(new DescribeSecretCommand({ SecretId: name }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  // the name is free again
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'again' }));
});

test('DeleteSecret default window is 30 days', async () => {
  const name = uniq('thirty');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  const del = await sm().send(new DeleteSecretCommand({ SecretId: name }));
  const days = (del.DeletionDate!.getTime() - Date.now()) / 86_400_000;
  expect(Math.round(days)).toBe(30);
});

test('TagResource merges tags, UntagResource removes them', async () => {
  const name = uniq('tags');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x', Tags: [{ Key: 'a', Value: '1' }] }));
  await sm().send(
    new TagResourceCommand({
      SecretId: name,
      Tags: [
        { Key: 'a', Value: '2' },
        { Key: 'b', Value: '3' },
      ],
    }),
  );
  expect((await sm().send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
    { Key: 'a', Value: '2' },
    { Key: 'b', Value: '3' },
  ]);
  await sm().send(new UntagResourceCommand({ SecretId: name, TagKeys: ['a'] }));
  expect((await sm().send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([{ Key: 'b', Value: '3' }]);
  await expect(
    sm().send(new TagResourceCommand({ SecretId: 'nope', Tags: [{ Key: 'a', Value: '1' }] })),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
});

test('ListSecrets: name/tag-key/tag-value prefix filters, negation, AND across filters, paging', async () => {
  const prefix = uniq('lst');
  for (const [i, team] of [
    ['1', 'payments'],
    ['2', 'orders'],
    ['3', 'payments'],
  ] as const) {
    await sm().send(
      new CreateSecretCommand({
        Name: `${prefix}/AmazonMSK_${i}`,
        SecretString: 'x',
        Tags: [{ Key: 'msk-spec:domain', Value: team }],
      }),
    );
  }
  const names = async (
    filters: { Key: 'name' | 'tag-key' | 'tag-value' | 'description' | 'all'; Values: string[] }[],
  ) => ((await sm().send(new ListSecretsCommand({ Filters: filters }))).SecretList ?? []).map((s) => s.Name);
  expect(await names([{ Key: 'name', Values: [`${prefix}/`] }])).toEqual([
    `${prefix}/AmazonMSK_1`,
    `${prefix}/AmazonMSK_2`,
    `${prefix}/AmazonMSK_3`,
  ]);
  expect(
    await names([
      { Key: 'name', Values: [`${prefix}/`] },
      { Key: 'tag-value', Values: ['pay'] },
    ]),
  ).toEqual([`${prefix}/AmazonMSK_1`, `${prefix}/AmazonMSK_3`]);
  expect(
    await names([
      { Key: 'name', Values: [`${prefix}/`] },
      { Key: 'tag-value', Values: ['!pay'] },
    ]),
  ).toEqual([`${prefix}/AmazonMSK_2`]);
  expect(await names([{ Key: 'name', Values: [`${prefix.toUpperCase()}/`] }])).toEqual([]);
  expect((await names([{ Key: 'tag-key', Values: ['msk-spec:'] }])).length).toBeGreaterThanOrEqual(3);
  const p1 = await sm().send(
    new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`${prefix}/`] }], MaxResults: 2 }),
  );
  expect(p1.SecretList).toHaveLength(2);
  expect(p1.SecretList?.[0]?.SecretVersionsToStages).toBeDefined();
  const p2 = await sm().send(
    new ListSecretsCommand({
      Filters: [{ Key: 'name', Values: [`${prefix}/`] }],
      MaxResults: 2,
      NextToken: p1.NextToken,
    }),
  );
  expect(p2.SecretList?.map((s) => s.Name)).toEqual([`${prefix}/AmazonMSK_3`]);
  expect(p2.NextToken).toBeUndefined();
  // API_ListSecrets, API_ListSecretVersionIds, Errors: InvalidNextTokenException. A token continues
  // only the query that issued it: not another filter, and not another operation's listing.
  const invalid = { name: 'InvalidNextTokenException' };
  await expect(sm().send(new ListSecretsCommand({ NextToken: 'garbage' }))).rejects.toMatchObject(invalid);
  await expect(sm().send(new ListSecretsCommand({ NextToken: p1.NextToken }))).rejects.toMatchObject(invalid);
  await expect(
    sm().send(new ListSecretVersionIdsCommand({ SecretId: `${prefix}/AmazonMSK_1`, NextToken: p1.NextToken })),
  ).rejects.toMatchObject(invalid);
});

test('UpdateSecret changes description and key in place and writes a new AWSCURRENT version', async () => {
  const name = uniq('upd');
  const v1 = (await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'one' }))).VersionId!;
  const u = await sm().send(new UpdateSecretCommand({ SecretId: name, SecretString: 'two', Description: 'new' }));
  const d = await sm().send(new DescribeSecretCommand({ SecretId: name }));
  expect(d.Description).toBe('new');
  expect(d.VersionIdsToStages).toEqual({ [v1]: ['AWSPREVIOUS'], [u.VersionId!]: ['AWSCURRENT'] });
});

test('a disabled KMS key makes GetSecretValue fail with DecryptionFailure', async () => {
  const { KeyMetadata: key } = await aws.clients.kms.send(new CreateKeyCommand({}));
  const name = uniq('disabled-key');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x', KmsKeyId: key!.KeyId }));
  await aws.clients.kms.send(new DisableKeyCommand({ KeyId: key!.KeyId }));
  await expect(sm().send(new GetSecretValueCommand({ SecretId: name }))).rejects.toMatchObject({
    name: 'DecryptionFailure',
  });
});

test('SecretBinary round-trips as bytes', async () => {
  const name = uniq('binary');
  const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
  await sm().send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
  const got = await sm().send(new GetSecretValueCommand({ SecretId: name }));
  expect(got.SecretString).toBeUndefined();
  expect(Buffer.from(got.SecretBinary!)).toEqual(Buffer.from(bytes));
});

test('GetRandomPassword honours length and exclusions', async () => {
  const out = await sm().send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true }));
  expect(out.RandomPassword).toMatch(/^[A-Za-z0-9]{40}$/);
  expect(out.RandomPassword).toMatch(/[a-z]/);
  expect(out.RandomPassword).toMatch(/[A-Z]/);
  expect(out.RandomPassword).toMatch(/[0-9]/);
});

test('onChange reports value changes and deletions to in-process listeners', async () => {
  const seen: string[] = [];
  const off = aws.local.secrets.onChange((c) => seen.push(c.kind));
  const name = uniq('watched');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  await sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: 'y' }));
  await sm().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  off();
  expect(seen).toEqual(['created', 'value', 'purged']);
});
