import { BatchAssociateScramSecretCommand, KafkaClient, ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { associate, handler as associateHandler } from '../../../functions/associate-scram-secrets/handler.js';
import { ensureSecret, handler as ensureHandler } from '../../../functions/ensure-scram-secret/handler.js';
import {
  associateScramSecrets,
  MAX_SCRAM_SECRETS_PER_CALL,
  requireScramRoom,
  secretNameOfArn,
} from '../../../lib/aws/msk.js';
import { ensureScramSecret } from '../../../lib/aws/secrets.js';
import { isValidPassword } from '../../../lib/credentials/password.js';
import { captureOutput, ENV, fakeContext, setEnv, mockAws } from './_support.js';

const sm = mockAws(SecretsManagerClient);
const kafka = mockAws(KafkaClient);
const notFound = () =>
  Object.assign(new Error('Secrets Manager can’t find the specified secret.'), { name: 'ResourceNotFoundException' });
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_shop.orders-AbCdEf';

beforeEach(() => {
  sm.reset();
  kafka.reset();
  setEnv();
});

describe('EnsureScramSecret', () => {
  it('creates AmazonMSK_<D> under the customer-managed key with {username, password}, and returns only the ARN', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN, Name: 'AmazonMSK_shop.orders' });
    const { result, output } = await captureOutput(() =>
      ensureHandler({ domain: 'shop.orders', correlationId: 'exec-1' }, fakeContext('ensureScramSecret')),
    );
    expect(result).toEqual({
      domain: 'shop.orders',
      secretArn: SECRET_ARN,
      secretName: 'AmazonMSK_shop.orders',
      action: 'CREATED',
    });

    const create = sm.commandCalls(CreateSecretCommand)[0]!.args[0].input;
    expect(create.Name).toBe('AmazonMSK_shop.orders');
    expect(create.KmsKeyId).toBe(ENV.KMS_KEY_ARN);
    const secret = JSON.parse(create.SecretString!) as { username: string; password: string };
    expect(secret.username).toBe('shop.orders');
    expect(isValidPassword(secret.password)).toBe(true);
    // The password exists only in the CreateSecret request: not in the result, not in any log line.
    expect(JSON.stringify(result)).not.toContain(secret.password);
    expect(output).not.toContain(secret.password);
    expect(output).not.toContain('SecretString');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('applies the configured name prefix', async () => {
    setEnv({ SECRET_PREFIX: 'prod_' });
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN });
    const out = await ensureSecret({ domain: 'shop.orders' });
    expect(out.secretName).toBe('AmazonMSK_prod_shop.orders');
  });

  it('reuses an existing secret without reading or regenerating it', async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN: SECRET_ARN,
      Name: 'AmazonMSK_shop.orders',
      KmsKeyId: ENV.KMS_KEY_ARN,
    });
    const out = await ensureSecret({ domain: 'shop.orders' });
    expect(out.action).toBe('EXISTING');
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('restores a secret scheduled for deletion', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, KmsKeyId: ENV.KMS_KEY_ARN, DeletedDate: new Date() });
    sm.on(RestoreSecretCommand).resolves({ ARN: SECRET_ARN });
    const out = await ensureSecret({ domain: 'shop.orders' });
    expect(out.action).toBe('RESTORED');
    expect(sm.commandCalls(RestoreSecretCommand)[0]!.args[0].input).toEqual({ SecretId: SECRET_ARN });
  });

  it('refuses an existing secret under the default aws/secretsmanager key', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    await expect(ensureSecret({ domain: 'shop.orders' })).rejects.toMatchObject({ name: 'SecretKeyMismatch' });
  });

  it('refuses to be configured with an AWS-managed key', async () => {
    setEnv({ KMS_KEY_ARN: 'alias/aws/secretsmanager' });
    sm.on(DescribeSecretCommand).rejects(notFound());
    await expect(ensureSecret({ domain: 'shop.orders' })).rejects.toMatchObject({ name: 'ConfigurationError' });
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
  });

  it('reuses the secret another execution created concurrently', async () => {
    sm.on(DescribeSecretCommand)
      .rejectsOnce(notFound())
      .resolves({ ARN: SECRET_ARN, KmsKeyId: 'key/11111111-2222-3333-4444-555555555555' });
    sm.on(CreateSecretCommand).rejects(Object.assign(new Error('exists'), { name: 'ResourceExistsException' }));
    const out = await ensureScramSecret(new SecretsManagerClient({}), {
      name: 'AmazonMSK_shop.orders',
      username: 'shop.orders',
      kmsKeyId: ENV.KMS_KEY_ARN,
    });
    expect(out).toEqual({ arn: SECRET_ARN, name: 'AmazonMSK_shop.orders', action: 'EXISTING' });
  });

  it('refuses a malformed domain before any call', async () => {
    await expect(ensureSecret({ domain: 'Shop Orders' })).rejects.toMatchObject({ name: 'ConfigurationError' });
    expect(sm.calls()).toHaveLength(0);
  });
});

const arn = (i: number) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:AmazonMSK_d${i}-xyz`;

describe('SCRAM association', () => {
  it('associates in calls of at most 10 and skips secrets already listed', async () => {
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: [arn(0)] });
    kafka.on(BatchAssociateScramSecretCommand).resolves({ UnprocessedScramSecrets: [] });
    const wanted = Array.from({ length: 23 }, (_, i) => arn(i));
    const r = await associateScramSecrets(new KafkaClient({}), ENV.CLUSTER_ARN, wanted);
    const calls = kafka.commandCalls(BatchAssociateScramSecretCommand).map((c) => c.args[0].input.SecretArnList!);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 2]);
    expect(calls.every((c) => c.length <= MAX_SCRAM_SECRETS_PER_CALL)).toBe(true);
    expect(calls.flat()).not.toContain(arn(0));
    expect(r.associated).toHaveLength(22);
    expect(r.alreadyAssociated).toEqual([arn(0)]);
  });

  it('reads UnprocessedScramSecrets on a 200: "already associated" is success', async () => {
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: [] });
    kafka.on(BatchAssociateScramSecretCommand).resolves({
      UnprocessedScramSecrets: [
        {
          SecretArn: SECRET_ARN,
          ErrorCode: 'InvalidSecretArn',
          ErrorMessage:
            'The provided secret is already associated with this cluster. To update the association, first disassociate the secret.',
        },
      ],
    });
    const out = await associate({ domain: 'shop.orders', secretArn: SECRET_ARN });
    expect(out).toEqual({ domain: 'shop.orders', secretArn: SECRET_ARN, association: 'EXISTING' });
  });

  it('turns InvalidSecretArn right after creation into the retryable ScramAssociationPending', async () => {
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: [] });
    kafka.on(BatchAssociateScramSecretCommand).resolves({
      UnprocessedScramSecrets: [
        {
          SecretArn: SECRET_ARN,
          ErrorCode: 'InvalidSecretArn',
          ErrorMessage: "Amazon MSK wasn't able to access the provided secret.",
        },
      ],
    });
    await expect(associate({ domain: 'shop.orders', secretArn: SECRET_ARN })).rejects.toMatchObject({
      name: 'ScramAssociationPending',
      retryable: true,
    });
  });

  it.each([
    ['a wrongly named secret', "Secret names must have the prefix 'AmazonMSK_'"],
    [
      'a secret under the default key',
      'The provided secret is encrypted with the default AWS KMS key. A secret created with the default AWS KMS key cannot be used with an Amazon MSK cluster.',
    ],
  ])('fails for good on %s (retrying cannot fix it)', async (_, message) => {
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: [] });
    kafka.on(BatchAssociateScramSecretCommand).resolves({
      UnprocessedScramSecrets: [{ SecretArn: SECRET_ARN, ErrorCode: 'InvalidSecretArn', ErrorMessage: message }],
    });
    await expect(associate({ domain: 'shop.orders', secretArn: SECRET_ARN })).rejects.toMatchObject({
      name: 'ScramAssociationFailed',
    });
  });

  it('counts users across ListScramSecrets pages and refuses the 1001st before calling', async () => {
    const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => arn(from + i));
    kafka
      .on(ListScramSecretsCommand)
      .resolvesOnce({ SecretArnList: page(0, 100), NextToken: 't1' })
      .resolvesOnce({ SecretArnList: page(100, 100), NextToken: 't2' })
      .resolves({ SecretArnList: page(200, 800) });
    await expect(associateScramSecrets(new KafkaClient({}), ENV.CLUSTER_ARN, [arn(5000)])).rejects.toMatchObject({
      name: 'ScramUserLimit',
    });
    expect(kafka.commandCalls(ListScramSecretsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      't1',
      't2',
    ]);
    expect(kafka.commandCalls(BatchAssociateScramSecretCommand)).toHaveLength(0);
  });

  it('second run: already listed → no association call at all', async () => {
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: [SECRET_ARN] });
    const { result } = await captureOutput(() =>
      associateHandler({ domain: 'shop.orders', secretArn: SECRET_ARN }, fakeContext('associateScramSecrets')),
    );
    expect(result).toMatchObject({ association: 'EXISTING' });
    expect(kafka.commandCalls(BatchAssociateScramSecretCommand)).toHaveLength(0);
  });
});

describe('the 1000-user limit', () => {
  // Secrets Manager ARNs end in the name, a hyphen and six random characters.
  const named = (name: string, suffix = 'AbCdEf') =>
    `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-${suffix}`;
  const others = (n: number) => Array.from({ length: n }, (_, i) => named(`AmazonMSK_other-${i}`));

  it('reads the secret name out of an ARN, hyphens in the name included', () => {
    expect(secretNameOfArn(named('AmazonMSK_shop-orders.v2', 'x1Y2z3'))).toBe('AmazonMSK_shop-orders.v2');
    expect(secretNameOfArn('arn:aws:kafka:us-east-1:111122223333:cluster/data/abcd-1')).toBeUndefined();
  });

  it('the plan refuses a new user on a full cluster, naming the cluster, the count and the limit (pages read)', async () => {
    kafka
      .on(ListScramSecretsCommand)
      .resolvesOnce({ SecretArnList: others(1000).slice(0, 100), NextToken: 't1' })
      .resolves({ SecretArnList: others(1000).slice(100) });
    await expect(requireScramRoom(new KafkaClient({}), ENV.CLUSTER_ARN, 'AmazonMSK_shop.orders')).rejects.toMatchObject(
      {
        name: 'ScramUserLimit',
        message: expect.stringContaining(
          `cluster ${ENV.CLUSTER_ARN} has 1000 SCRAM secrets associated, MSK's limit of 1000 per cluster`,
        ),
      },
    );
    expect(kafka.commandCalls(ListScramSecretsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      't1',
    ]);
  });

  it("a full cluster that already has the domain's user needs no new slot; one slot left is room", async () => {
    kafka.on(ListScramSecretsCommand).resolves({
      SecretArnList: [...others(999), named('AmazonMSK_shop.orders')],
    });
    await expect(
      requireScramRoom(new KafkaClient({}), ENV.CLUSTER_ARN, 'AmazonMSK_shop.orders'),
    ).resolves.toBeUndefined();
    kafka.reset();
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: others(999) });
    await expect(
      requireScramRoom(new KafkaClient({}), ENV.CLUSTER_ARN, 'AmazonMSK_shop.orders'),
    ).resolves.toBeUndefined();
  });

  it('a run that lost the race for the last slot schedules its secret for deletion and says so', async () => {
    kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: others(1000) });
    sm.on(DeleteSecretCommand).resolves({ ARN: SECRET_ARN, DeletionDate: new Date('2026-12-31T00:00:00Z') });
    setEnv({ SECRET_RECOVERY_DAYS: '7' });
    await expect(associate({ domain: 'shop.orders', secretArn: SECRET_ARN })).rejects.toMatchObject({
      name: 'ScramUserLimit',
      message: expect.stringContaining(
        'its secret AmazonMSK_shop.orders is not associated and is scheduled for deletion on 2026-12-31T00:00:00.000Z',
      ),
    });
    expect(kafka.commandCalls(BatchAssociateScramSecretCommand)).toHaveLength(0);
    expect(sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET_ARN, RecoveryWindowInDays: 7 },
    ]);
  });
});
