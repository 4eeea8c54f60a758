// Fault matrix, Amazon S3 (issue 13): 503 SlowDown on reads and writes, the spec's version deleted
// between the event and ValidateSpec, the buckets' KMS key disabled. Each: the outcome, the report and the event, a zero plan
// after (where a spec remains), no orphans.
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { brokerTopics, listBucket, readReport, specText, useE2eEnvironment } from '../../support/e2e.js';
import {
  errorsOf,
  eventOf,
  expectZeroPlanAndNoOrphans,
  rerun,
  withFaults,
  expectCleanAfterFaults,
} from '../../support/faults.js';
import { assertNoOrphans } from '../../support/orphans.js';

const e2e = useE2eEnvironment();
const TIMEOUT = 240_000;

const spec = (domain: string) => specText(`urn:${domain.replace(/\./g, ':')}`, [{ name: '_private.work' }]);
const SLOW_DOWN = { code: 'SlowDown', message: 'Please reduce your request rate.' };
async function secretsNamed(name: string) {
  const list = await e2e.env.clients.secrets.send(
    new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }),
  );
  return (list.SecretList ?? []).filter((s) => s.Name === name);
}
const functionNamed = (key: string) => e2e.env.lambda.functionNames().find((n) => n.endsWith(`-${key}`))!;

describe('fault matrix: S3', () => {
  it(
    '503 SlowDown bursts on reads and on writes: the SDK and each state retry; the run succeeds with one certificate',
    async () => {
      const domain = 'faults.s3-slow';
      // More than the SDK's 3 attempts in one invocation, on reads and writes alike; from the moment the
      // workflow starts (the upload itself is not the pipeline's).
      const slow = [
        { service: 's3', operation: 'GetObject', times: 4, error: SLOW_DOWN },
        { service: 's3', operation: 'PutObject', times: 4, error: SLOW_DOWN },
      ];
      const ids: string[] = [];
      const onStart = {
        service: 'lambda',
        operation: functionNamed('validateSpec'),
        times: 1,
        run: () => void ids.push(...slow.map((f) => e2e.env.aws.faults.add(f))),
      };
      const { execution, report } = await withFaults(e2e, [onStart], async () => {
        const run = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
        // Every injected answer was given (each fault removes itself when used up).
        expect(e2e.env.aws.faults.list()).toEqual([]);
        return run;
      }).finally(() => ids.forEach((id) => e2e.env.aws.faults.remove(id)));
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      expect(eventOf(e2e, execution.executionArn)?.['detail-type']).toBe('Spec Provisioned');
      expect(
        (await errorsOf(e2e, execution.executionArn)).filter((e) => e === 'SlowDown').length,
      ).toBeGreaterThanOrEqual(2);
      const certs = await listBucket(e2e.env, e2e.env.resources.certBucket, `certificates/${domain}/`);
      expect(certs.filter((k) => k.endsWith('/cert.pem'))).toHaveLength(1);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    "the spec's version deleted between the event and ValidateSpec: FAILED (spec-missing), nothing created",
    async () => {
      const env = e2e.env;
      const domain = 'faults.s3-vanished';
      const deleted: string[] = [];
      const { execution, report } = await withFaults(
        e2e,
        [
          {
            service: 'lambda',
            operation: functionNamed('validateSpec'),
            times: 1,
            // The version the event names goes (its only one), so ValidateSpec finds nothing to read.
            run: async () => {
              const Bucket = env.resources.specBucket;
              const Key = `specs/${domain}.yaml`;
              const { VersionId } = await env.clients.s3.send(new HeadObjectCommand({ Bucket, Key }));
              await env.clients.s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId: VersionId! }));
              deleted.push(VersionId!);
            },
          },
        ],
        () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
      );
      expect(deleted).toHaveLength(1);
      expect(execution.status).toBe('FAILED');
      expect(report).toMatchObject({
        status: 'FAILED',
        domain,
        error: { name: 'SpecRefused', issues: [{ rule: 'spec-missing', file: `specs/${domain}.yaml`, path: '$' }] },
      });
      expect(eventOf(e2e, execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { domain, error: { name: 'SpecRefused' } },
      });
      expect((await brokerTopics(e2e.admin)).filter((t) => t.startsWith(`${domain}.`))).toEqual([]);
      expect(await listBucket(env, env.resources.certBucket, `certificates/${domain}/`)).toEqual([]);
      await assertNoOrphans(env, e2e.admin);
    },
    TIMEOUT,
  );

  // The buckets are SSE-KMS under the deployment's customer-managed key (serverless.yml
  // BucketEncryption), so S3 needs the key for every read and write of a spec, a report or a
  // certificate: a disabled key answers KMS.DisabledException (local/aws/s3/iam.ts kmsOnBehalf).
  it(
    "the spec bucket's KMS key disabled after the upload: FAILED at ValidateSpec, told by the event alone (no report can be written); re-enabled, the next run provisions and then converges",
    async () => {
      const env = e2e.env;
      const domain = 'faults.s3-key-disabled';
      const KeyId = env.resources.kmsKeyArn;
      let finished;
      try {
        finished = await withFaults(
          e2e,
          [
            {
              service: 'lambda',
              operation: functionNamed('validateSpec'),
              times: 1,
              run: () => env.clients.kms.send(new DisableKeyCommand({ KeyId })).then(() => undefined),
            },
          ],
          () => e2e.provisionAll([{ key: `specs/${domain}.yaml`, text: spec(domain) }]),
        );
        await e2e.settled();
      } finally {
        await env.clients.kms.send(new EnableKeyCommand({ KeyId }));
      }
      const [execution] = finished;
      expect(execution!.status).toBe('FAILED');
      // ValidateSpec cannot read the spec: not retried (a key does not enable itself), no domain known yet.
      expect(await errorsOf(e2e, execution!.executionArn)).toEqual(['KMS.DisabledException']);
      const event = eventOf(e2e, execution!.executionArn);
      expect(event).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: {
          status: 'FAILED',
          domain: null,
          source: { bucket: { name: env.resources.specBucket }, object: { key: `specs/${domain}.yaml` } },
          error: { name: 'KMS.DisabledException' },
        },
      });
      expect((event!.detail.error as { cause: string }).cause).toContain(`${KeyId} is disabled.`);
      expect(await readReport(env.clients.s3, env.resources.specBucket, domain)).toBeUndefined();
      expect(await secretsNamed(`AmazonMSK_${domain}`)).toEqual([]);
      expect(await listBucket(env, env.resources.certBucket, `certificates/${domain}/`)).toEqual([]);
      await assertNoOrphans(env, e2e.admin);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'CREATED' }, mtls: { status: 'ISSUED' } },
      });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
