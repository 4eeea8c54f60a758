// Emulated KMS through the real SDK v3 client: keys, aliases, the AWS-managed Secrets Manager key,
// and the documented errors.
import {
  AlreadyExistsException,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  InvalidAliasNameException,
  InvalidMarkerException,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListKeysCommand,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { useLocalAws } from '../../support/aws.js';

const aws = useLocalAws();
const kms = () => aws.clients.kms;

test('CreateKey: a symmetric customer-managed key with a UUID id and a key ARN', async () => {
  const { KeyMetadata: k } = await kms().send(
    new CreateKeyCommand({ Description: 'msk secrets', Tags: [{ TagKey: 'team', TagValue: 'a' }] }),
  );
  expect(k?.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(k?.Arn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${k?.KeyId}`);
  expect(k).toMatchObject({
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: 'Enabled',
    Enabled: true,
    Description: 'msk secrets',
    Origin: 'AWS_KMS',
  });
  expect(k?.CreationDate).toBeInstanceOf(Date);
});

test('CreateKey: an incompatible KeySpec/KeyUsage is a ValidationException', async () => {
  const err = await kms()
    .send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'SIGN_VERIFY' }))
    .catch((e: unknown) => e);
  expect((err as Error).name).toBe('ValidationException');
  const rsa = await kms().send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }));
  expect(rsa.KeyMetadata?.SigningAlgorithms).toContain('RSASSA_PKCS1_V1_5_SHA_256');
});

test('DescribeKey by key id, key ARN, alias name and alias ARN', async () => {
  const { KeyMetadata: k } = await kms().send(new CreateKeyCommand({}));
  await kms().send(new CreateAliasCommand({ AliasName: 'alias/msk-scram', TargetKeyId: k!.KeyId }));
  for (const id of [k!.KeyId!, k!.Arn!, 'alias/msk-scram', 'arn:aws:kms:us-east-1:000000000000:alias/msk-scram']) {
    const out = await kms().send(new DescribeKeyCommand({ KeyId: id }));
    expect(out.KeyMetadata?.KeyId).toBe(k!.KeyId);
  }
});

test('DescribeKey: unknown keys and aliases are NotFoundException', async () => {
  const e1 = await kms()
    .send(new DescribeKeyCommand({ KeyId: '11111111-2222-3333-4444-555555555555' }))
    .catch((e: unknown) => e);
  expect(e1).toBeInstanceOf(NotFoundException);
  expect((e1 as Error).message).toBe(
    "Key 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555' does not exist",
  );
  const e2 = await kms()
    .send(new DescribeKeyCommand({ KeyId: 'alias/nope' }))
    .catch((e: unknown) => e);
  expect(e2).toBeInstanceOf(NotFoundException);
  expect((e2 as NotFoundException).$metadata.httpStatusCode).toBe(400);
});

test('the AWS-managed alias/aws/secretsmanager key exists in every region', async () => {
  for (const region of ['us-east-1', 'eu-central-1']) {
    const client = aws.makeClients({ region }).kms;
    const { KeyMetadata: k } = await client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }));
    expect(k).toMatchObject({ KeyManager: 'AWS', KeySpec: 'SYMMETRIC_DEFAULT', KeyState: 'Enabled' });
    expect(k?.Arn).toMatch(new RegExp(`^arn:aws:kms:${region}:000000000000:key/`));
  }
});

test('CreateAlias: errors for a duplicate, a bad name, the reserved alias/aws/ prefix and a missing key', async () => {
  const { KeyMetadata: k } = await kms().send(new CreateKeyCommand({}));
  await kms().send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: k!.Arn }));
  await expect(
    kms().send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: k!.KeyId })),
  ).rejects.toBeInstanceOf(AlreadyExistsException);
  await expect(
    kms().send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: k!.KeyId })),
  ).rejects.toBeInstanceOf(InvalidAliasNameException);
  await expect(
    kms().send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: k!.KeyId })),
  ).rejects.toBeInstanceOf(InvalidAliasNameException);
  await expect(
    kms().send(new CreateAliasCommand({ AliasName: 'alias/x', TargetKeyId: '11111111-2222-3333-4444-555555555555' })),
  ).rejects.toBeInstanceOf(NotFoundException);
});

test('ListAliases: all aliases incl. AWS-managed ones, filter by KeyId, paging with Marker', async () => {
  const { KeyMetadata: k } = await kms().send(new CreateKeyCommand({}));
  await kms().send(new CreateAliasCommand({ AliasName: 'alias/list-a', TargetKeyId: k!.KeyId }));
  await kms().send(new CreateAliasCommand({ AliasName: 'alias/list-b', TargetKeyId: k!.KeyId }));
  const all = await kms().send(new ListAliasesCommand({}));
  const names = all.Aliases?.map((a) => a.AliasName);
  expect(names).toEqual(expect.arrayContaining(['alias/aws/secretsmanager', 'alias/list-a', 'alias/list-b']));
  const mine = await kms().send(new ListAliasesCommand({ KeyId: k!.Arn }));
  expect(mine.Aliases?.map((a) => a.AliasName)).toEqual(['alias/list-a', 'alias/list-b']);
  expect(mine.Aliases?.[0]).toMatchObject({
    AliasArn: 'arn:aws:kms:us-east-1:000000000000:alias/list-a',
    TargetKeyId: k!.KeyId,
  });
  const p1 = await kms().send(new ListAliasesCommand({ KeyId: k!.KeyId, Limit: 1 }));
  expect(p1.Truncated).toBe(true);
  const p2 = await kms().send(new ListAliasesCommand({ KeyId: k!.KeyId, Limit: 1, Marker: p1.NextMarker }));
  expect([p1.Aliases?.[0]?.AliasName, p2.Aliases?.[0]?.AliasName]).toEqual(['alias/list-a', 'alias/list-b']);
  expect(p2.Truncated).toBe(false);
  // API_ListAliases, Errors: InvalidMarkerException, "the marker ... is not valid": a forged one, or
  // one of another listing (ListKeys, or the aliases of another key).
  const keys = await kms().send(new ListKeysCommand({ Limit: 1 }));
  const other = await kms().send(new ListAliasesCommand({ Limit: 1 }));
  for (const Marker of [keys.NextMarker, other.NextMarker, 'bm90IGEgbWFya2Vy'])
    await expect(kms().send(new ListAliasesCommand({ KeyId: k!.KeyId, Limit: 1, Marker }))).rejects.toBeInstanceOf(
      InvalidMarkerException,
    );
});

test('UpdateAlias and DeleteAlias', async () => {
  const { KeyMetadata: a } = await kms().send(new CreateKeyCommand({}));
  const { KeyMetadata: b } = await kms().send(new CreateKeyCommand({}));
  await kms().send(new CreateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: a!.KeyId }));
  await kms().send(new UpdateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: b!.KeyId }));
  expect((await kms().send(new DescribeKeyCommand({ KeyId: 'alias/moving' }))).KeyMetadata?.KeyId).toBe(b!.KeyId);
  await kms().send(new DeleteAliasCommand({ AliasName: 'alias/moving' }));
  await expect(kms().send(new DescribeKeyCommand({ KeyId: 'alias/moving' }))).rejects.toBeInstanceOf(NotFoundException);
});

test('DisableKey, ScheduleKeyDeletion (7-30 days) and CancelKeyDeletion change KeyState', async () => {
  const { KeyMetadata: k } = await kms().send(new CreateKeyCommand({}));
  await kms().send(new DisableKeyCommand({ KeyId: k!.KeyId }));
  expect((await kms().send(new DescribeKeyCommand({ KeyId: k!.KeyId }))).KeyMetadata?.KeyState).toBe('Disabled');
  await expect(
    kms().send(new ScheduleKeyDeletionCommand({ KeyId: k!.KeyId, PendingWindowInDays: 3 })),
  ).rejects.toMatchObject({ name: 'ValidationException' });
  const s = await kms().send(new ScheduleKeyDeletionCommand({ KeyId: k!.KeyId, PendingWindowInDays: 7 }));
  expect(s.KeyState).toBe('PendingDeletion');
  expect((await kms().send(new DescribeKeyCommand({ KeyId: k!.KeyId }))).KeyMetadata?.DeletionDate).toBeInstanceOf(
    Date,
  );
  await expect(kms().send(new DisableKeyCommand({ KeyId: k!.KeyId }))).rejects.toBeInstanceOf(KMSInvalidStateException);
  await kms().send(new CancelKeyDeletionCommand({ KeyId: k!.KeyId }));
  expect((await kms().send(new DescribeKeyCommand({ KeyId: k!.KeyId }))).KeyMetadata?.KeyState).toBe('Disabled');
});

test('ListKeys lists created and AWS-managed keys', async () => {
  const out = await kms().send(new ListKeysCommand({}));
  expect(out.Keys?.length).toBeGreaterThanOrEqual(2);
  expect(out.Keys?.[0]?.KeyArn).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\//);
});

test('resolveKey (in-process) answers like DescribeKey', () => {
  const k = aws.local.kms.createCustomerKey({ description: 'in-process' });
  expect(aws.local.kms.resolveKey(k.Arn)).toMatchObject({ KeyId: k.KeyId, KeyManager: 'CUSTOMER' });
  expect(aws.local.kms.resolveKey('alias/aws/secretsmanager').KeyManager).toBe('AWS');
  expect(() => aws.local.kms.resolveKey('alias/none')).toThrow(expect.objectContaining({ code: 'NotFoundException' }));
});

test('faults apply to KMS operations', async () => {
  aws.local.faults.add({ service: 'kms', operation: 'DescribeKey', times: 1, error: { code: 'KMSInternalException' } });
  const err = await kms()
    .send(new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }))
    .catch((e: unknown) => e);
  expect((err as Error).name).toBe('KMSInternalException');
  expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(500);
});
