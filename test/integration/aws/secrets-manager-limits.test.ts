// Emulated Secrets Manager at the edges of its request shapes (issue 9). The limits come from the
// Secrets Manager model (botocore secretsmanager/2017-10-17/service-2.json: DescriptionType max
// 2048, TagValueType max 256, FiltersListType max 10, SortOrderType enum [asc, desc],
// SecretStringType min 1, SecretVersionIdType 32..64) and the Secrets Manager quotas page (50 tags
// per secret); a value outside them is the JSON protocol's ValidationException.
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { useLocalAws } from '../../support/aws.js';

const aws = useLocalAws();
const sm = () => aws.clients.secrets;
let n = 0;
const uniq = (p: string) => `${p}-limits-${++n}`;

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { name: string; message: string } | undefined;
  if (!e) throw new Error('expected the call to fail');
  return e;
}

const tags = (count: number) => Array.from({ length: count }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));

test('Description: 2,048 characters are accepted, 2,049 are ValidationException (CreateSecret, UpdateSecret)', async () => {
  const name = uniq('desc');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x', Description: 'd'.repeat(2048) }));
  const e = await failure(
    sm().send(new CreateSecretCommand({ Name: uniq('desc'), SecretString: 'x', Description: 'd'.repeat(2049) })),
  );
  expect(e.name).toBe('ValidationException');
  expect(e.message).toContain(
    "at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048",
  );
  const u = await failure(sm().send(new UpdateSecretCommand({ SecretId: name, Description: 'd'.repeat(2049) })));
  expect(u.name).toBe('ValidationException');
});

test('tags: a value of 256 characters is accepted, 257 is ValidationException; 50 tags are accepted, 51 are refused', async () => {
  const name = uniq('tags');
  await sm().send(
    new CreateSecretCommand({ Name: name, SecretString: 'x', Tags: [{ Key: 'k', Value: 'v'.repeat(256) }] }),
  );
  const long = await failure(
    sm().send(
      new CreateSecretCommand({ Name: uniq('tags'), SecretString: 'x', Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }),
    ),
  );
  expect(long.name).toBe('ValidationException');
  expect(long.message).toContain('Member must have length less than or equal to 256');
  const tagLong = await failure(
    sm().send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] })),
  );
  expect(tagLong.name).toBe('ValidationException');
  await sm().send(new CreateSecretCommand({ Name: uniq('tags'), SecretString: 'x', Tags: tags(50) }));
  const many = await failure(
    sm().send(new CreateSecretCommand({ Name: uniq('tags'), SecretString: 'x', Tags: tags(51) })),
  );
  expect(many.name).toBe('ValidationException');
  // TagResource counts the secret's tags after the merge.
  const merged = await failure(sm().send(new TagResourceCommand({ SecretId: name, Tags: tags(50) })));
  expect(merged.name).toBe('ValidationException');
});

test('ListSecrets: 10 filters are accepted, 11 are ValidationException; SortOrder outside [asc, desc] is ValidationException', async () => {
  const filter = { Key: 'name' as const, Values: ['x'] };
  await sm().send(new ListSecretsCommand({ Filters: Array.from({ length: 10 }, () => filter) }));
  const e = await failure(sm().send(new ListSecretsCommand({ Filters: Array.from({ length: 11 }, () => filter) })));
  expect(e.name).toBe('ValidationException');
  expect(e.message).toContain(
    "at 'filters' failed to satisfy constraint: Member must have length less than or equal to 10",
  );
  await sm().send(new ListSecretsCommand({ SortOrder: 'asc' }));
  const sort = await failure(sm().send(new ListSecretsCommand({ SortOrder: 'up' as never })));
  expect(sort.name).toBe('ValidationException');
  expect(sort.message).toContain(
    "at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]",
  );
});

test('an empty SecretString is ValidationException (CreateSecret, PutSecretValue, UpdateSecret)', async () => {
  const name = uniq('empty');
  const c = await failure(sm().send(new CreateSecretCommand({ Name: name, SecretString: '' })));
  expect(c.name).toBe('ValidationException');
  expect(c.message).toContain(
    "at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1",
  );
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  expect((await failure(sm().send(new PutSecretValueCommand({ SecretId: name, SecretString: '' })))).name).toBe(
    'ValidationException',
  );
  expect((await failure(sm().send(new UpdateSecretCommand({ SecretId: name, SecretString: '' })))).name).toBe(
    'ValidationException',
  );
});

test('a VersionId shorter than 32 or longer than 64 characters is ValidationException, a well-formed unknown one ResourceNotFoundException', async () => {
  const name = uniq('version');
  await sm().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
  for (const VersionId of ['short', 'v'.repeat(65)]) {
    const e = await failure(sm().send(new GetSecretValueCommand({ SecretId: name, VersionId })));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toContain("at 'versionId'");
  }
  const stage = await failure(
    sm().send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'X', MoveToVersionId: 'short' })),
  );
  expect(stage.name).toBe('ValidationException');
  const unknown = await failure(sm().send(new GetSecretValueCommand({ SecretId: name, VersionId: 'z'.repeat(32) })));
  expect(unknown.name).toBe('ResourceNotFoundException');
});
