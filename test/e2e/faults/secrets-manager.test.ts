// Fault matrix, Secrets Manager (issue 13): throttling, the KMS key disabled, a secret scheduled for
// deletion. Each: the outcome, the report and the event, a zero plan after, no orphans.
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { DeleteSecretCommand, GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { specText, useE2eEnvironment } from '../../support/e2e.js';
import {
  errorsOf,
  eventOf,
  expectZeroPlanAndNoOrphans,
  rerun,
  withFaults,
  expectCleanAfterFaults,
} from '../../support/faults.js';

const e2e = useE2eEnvironment();
const TIMEOUT = 240_000;

const spec = (domain: string) => specText(`urn:${domain.replace(/\./g, ':')}`, [{ name: '_private.work' }]);

async function secretsNamed(name: string) {
  const list = await e2e.env.clients.secrets.send(
    new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }),
  );
  return (list.SecretList ?? []).filter((s) => s.Name === name);
}

describe('fault matrix: Secrets Manager', () => {
  it(
    'throttling on every Secrets Manager call for a burst: every step that reads or writes a secret rides it out; one secret',
    async () => {
      const domain = 'faults.sm-throttled';
      // More than the SDK's 3 attempts in one invocation, twice over.
      const { execution, report } = await withFaults(
        e2e,
        [
          {
            service: 'secretsmanager',
            operation: '*',
            times: 7,
            error: { code: 'ThrottlingException', message: 'Rate exceeded' },
          },
        ],
        () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'CREATED', association: 'NEW' } },
      });
      // The first steps to call Secrets Manager take the burst: PlanAgainstCluster reads the Kafka admin's
      // secret (an AWS error on the way to Kafka is KafkaTransient when the SDK calls it retryable).
      // Its two failed invocations (3 SDK attempts each) are retried on the ASL's KafkaTransient budget.
      // (ScramAssociationPending and RequestInProgressException are the emulators' defaults, not this fault.)
      const errors = await errorsOf(e2e, execution.executionArn);
      expect(errors.filter((e) => !['ScramAssociationPending', 'RequestInProgressException'].includes(e))).toEqual([
        'KafkaTransient',
        'KafkaTransient',
      ]);
      expect(await secretsNamed(`AmazonMSK_${domain}`)).toHaveLength(1);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'the secret scheduled for deletion out of band: the next run restores it (same password, still associated)',
    async () => {
      const env = e2e.env;
      const domain = 'faults.sm-deleted';
      const first = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
      expect(first.report).toMatchObject({ status: 'PROVISIONED' });
      const [secret] = await secretsNamed(`AmazonMSK_${domain}`);
      const before = await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secret!.ARN! }));
      await env.clients.secrets.send(new DeleteSecretCommand({ SecretId: secret!.ARN!, RecoveryWindowInDays: 7 }));

      const { execution, report } = await rerun(e2e, domain);
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'RESTORED', secretArn: secret!.ARN } },
      });
      const after = await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secret!.ARN! }));
      expect(after.SecretString === before.SecretString).toBe(true);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'the KMS key disabled at the secret read: the run fails and says so; once enabled again the next run converges',
    async () => {
      const env = e2e.env;
      const domain = 'faults.sm-key-disabled';
      const KeyId = env.resources.kmsKeyArn;
      // The deployment's one key also encrypts the spec and certificate buckets, and S3 cannot read
      // or write under a disabled key (s3.test.ts: the key disabled for a whole run fails at
      // ValidateSpec). Here it is disabled just as the first secret is read, after the spec was
      // read, and enabled again when the failure report is written.
      const enableAtNextPut = {
        service: 's3',
        operation: 'PutObject',
        times: 1,
        run: () => env.clients.kms.send(new EnableKeyCommand({ KeyId })).then(() => undefined),
      };
      const added: string[] = [];
      let failed;
      try {
        failed = await withFaults(
          e2e,
          [
            {
              service: 'secretsmanager',
              operation: 'GetSecretValue',
              times: 1,
              run: async () => {
                await env.clients.kms.send(new DisableKeyCommand({ KeyId }));
                added.push(env.aws.faults.add(enableAtNextPut));
              },
            },
          ],
          () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
        );
      } finally {
        added.forEach((id) => env.aws.faults.remove(id));
        await env.clients.kms.send(new EnableKeyCommand({ KeyId }));
      }
      // The first step to read a secret (PlanAgainstCluster, the Kafka admin's) cannot decrypt it:
      // terminal, with Secrets Manager's own words in the cause. Nothing was created.
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'KafkaRefused' } });
      expect(failed.report!.error!.cause).toContain('DecryptionFailure');
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { status: 'FAILED', domain, error: { name: 'KafkaRefused' } },
      });
      expect(await errorsOf(e2e, failed.execution.executionArn)).toEqual(['KafkaRefused']);
      expect(await secretsNamed(`AmazonMSK_${domain}`)).toEqual([]);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({ status: 'PROVISIONED' });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
