// What the workflows ride out, end to end: AWS answering "not yet" or "slow down" (a PCA
// certificate still in progress, a throttled SCRAM association), two uploads of one spec racing
// each other, a SCRAM secret someone scheduled for deletion, and PCA refusing one renewal of a
// rotation run. Each test provisions its own domains and checks, with real clients or the stored
// certificates, that what the runs stored works.
//
// The emulated PCA answers RequestInProgressException three times for every certificate here
// (pcaReadyAfterPolls), so every run in this file exercises the CollectCertificate Retry.
import { createPrivateKey } from 'node:crypto';
import { DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { followExecutions, uploadSpec } from '../../local/driver.js';
import { getText } from '../../lib/aws/cert-store.js';
import { readMtlsCredentials } from '../../lib/aws/client-credentials.js';
import {
  E2E_TEST_TIMEOUT_MS,
  certificateOf,
  credentialsOf,
  executionHistory,
  listBucket,
  probe,
  probeMismatches,
  specText,
  taskErrors,
  useE2eEnvironment,
  renewalsOf,
  type RotationOutput,
} from '../support/e2e.js';

const PCA_POLLS_IN_PROGRESS = 3;
const DAY_MS = 86_400_000;
const e2e = useE2eEnvironment({ pcaReadyAfterPolls: PCA_POLLS_IN_PROGRESS });

describe('what the provision workflow rides out', () => {
  it(
    'rides out a PCA answering RequestInProgressException several times and a throttled SCRAM association',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:resilient', [{ name: '_private.work' }]);
      const { execution, report } = await e2e.withFault(
        {
          service: 'kafka',
          operation: 'BatchAssociateScramSecret',
          error: { code: 'TooManyRequestsException', message: 'Too Many Requests' },
          // more than the SDK's own 3 attempts inside one Lambda run: the state machine's Retry is needed
          times: 4,
        },
        async (faultId) => {
          const run = await e2e.provision('specs/e2e.resilient.yaml', text);
          // Every injected throttle was answered (the fault removes itself when used up).
          expect(env.aws.faults.list().map((f) => f.id)).not.toContain(faultId);
          return run;
        },
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', executionId: execution.executionArn });
      expect(credentialsOf(report).scram).toMatchObject({ association: 'NEW' });

      const errors = taskErrors(await executionHistory(env, execution.executionArn));
      expect(errors.filter((e) => e === 'RequestInProgressException').length).toBe(PCA_POLLS_IN_PROGRESS);
      expect(errors.filter((e) => e === 'TooManyRequestsException').length).toBeGreaterThanOrEqual(1);
      // The association really happened and the certificate really works.
      const { wrong } = await probeMismatches([
        probe(await e2e.scram('e2e.resilient'), 'e2e.resilient._private.work', 'WRITE', true),
        probe(await e2e.mtls('e2e.resilient'), 'e2e.resilient._private.work', 'READ', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'two uploads of a new domain in quick succession: both runs end well and every stored certificate matches its key',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:twice', [{ name: '_private.work' }]);
      const since = new Date();
      await uploadSpec(env, { key: 'specs/e2e.twice.yaml', text });
      await uploadSpec(env, { key: 'specs/e2e.twice.yaml', text: `${text}# again\n` });
      const runs = await followExecutions(env, env.resources.stateMachines.provision!, 2, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);

      const stored = await listBucket(env, env.resources.certBucket, 'certificates/e2e.twice/');
      const serials = stored.filter((k) => k.endsWith('/cert.pem')).map((k) => k.split('/')[2]!);
      expect(serials.length).toBeGreaterThanOrEqual(1);
      const read = (serial: string, file: string) =>
        getText(env.clients.s3, env.resources.certBucket, `certificates/e2e.twice/${serial}/${file}`);
      for (const serial of serials) {
        const [certPem, keyPem] = [(await read(serial, 'cert.pem'))!, (await read(serial, 'key.pem'))!];
        expect([serial, certificateOf(certPem).checkPrivateKey(createPrivateKey(keyPem))]).toEqual([serial, true]);
      }
      const { wrong } = await probeMismatches([
        probe(await e2e.mtls('e2e.twice'), 'e2e.twice._private.work', 'WRITE', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'restores a SCRAM secret scheduled for deletion, with the same password, and its users log in again',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:restored', [{ name: '_private.work' }]);
      const name = 'AmazonMSK_e2e.restored';
      expect((await e2e.provision('specs/e2e.restored.yaml', text)).report).toMatchObject({ status: 'PROVISIONED' });
      const password = (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
      await env.clients.secrets.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
      expect((await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeDefined();

      const { execution, report } = await e2e.provision('specs/e2e.restored.yaml', text);
      expect(execution.status).toBe('SUCCEEDED');
      expect(credentialsOf(report).scram).toMatchObject({ secret: 'RESTORED' });
      expect(
        (await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate,
      ).toBeUndefined();
      expect((await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe(
        password,
      );
      const { wrong } = await probeMismatches([
        probe(await e2e.scram('e2e.restored'), 'e2e.restored._private.work', 'WRITE', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'one domain\'s failed renewal emits "Certificate Renewal Failed" and does not stop the others',
    async () => {
      const env = e2e.env;
      for (const d of ['e2e.renew1', 'e2e.renew2']) {
        const text = specText(`urn:${d.replace('.', ':')}`, [{ name: '_private.work' }]);
        expect((await e2e.provision(`specs/${d}.yaml`, text)).report).toMatchObject({ status: 'PROVISIONED' });
      }
      // Every domain holding a certificate now (this test's two, and any other test's before it).
      const current = async (d: string) =>
        (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, d))!.current;
      const domains = (await listBucket(env, env.resources.certBucket, 'certificates/'))
        .map((k) => /^certificates\/([^_/][^/]*)\/current\.json$/.exec(k)?.[1])
        .filter((d): d is string => d !== undefined)
        .sort();
      expect(domains).toEqual(expect.arrayContaining(['e2e.renew1', 'e2e.renew2']));
      const before = Object.fromEntries(await Promise.all(domains.map(async (d) => [d, await current(d)] as const)));
      const eventsBefore = e2e.events.length;

      // A reference time 25 days ahead: every 30-day certificate is then past 2/3 of its lifetime.
      // The first IssueCertificate call is refused by PCA (not a retried error).
      const run = await e2e.withFault(
        {
          service: 'acm-pca',
          operation: 'IssueCertificate',
          error: { code: 'InvalidStateException', message: 'injected' },
          times: 1,
        },
        () => e2e.run('rotateCertificates', { time: new Date(Date.now() + 25 * DAY_MS).toISOString() }),
      );
      expect(run.status).toBe('SUCCEEDED');
      const output = run.output as RotationOutput;
      const renewals = await renewalsOf(env, output);
      const byStatus = (st: string) => renewals.filter((r) => r.status === st).map((r) => r.domain);
      expect(byStatus('FAILED')).toHaveLength(1);
      const failed = byStatus('FAILED')[0]!;
      // The run's own summary says the same, naming the failure.
      expect(output).toMatchObject({
        due: domains.length,
        renewed: domains.length - 1,
        failed: 1,
        failures: [{ domain: failed, error: 'InvalidStateException' }],
      });
      const renewed = byStatus('RENEWED');
      expect([failed, ...renewed].sort()).toEqual(domains);

      expect(await current(failed)).toEqual(before[failed]);
      for (const d of renewed) {
        const now = await current(d);
        expect([d, now.serial === before[d]!.serial, now.generation]).toEqual([d, false, before[d]!.generation + 1]);
      }

      const events = e2e.events.slice(eventsBefore).filter((e) => e['detail-type'] === 'Certificate Renewal Failed');
      expect(events).toHaveLength(1);
      expect(events[0]!.detail).toMatchObject({ domain: failed, error: 'InvalidStateException' });
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
