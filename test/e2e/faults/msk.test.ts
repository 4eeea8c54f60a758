// Fault matrix, Amazon MSK (issue 13): the cluster not trusting the PCA (from the start, or removed
// between two runs), InvalidSecretArn on a new secret's first association, 25 uploads whose
// associations come back unprocessed at first, and the 1,000-user limit (reached before the run, or
// taken by another run during it). Each: the outcome, the report and the event, a zero plan after,
// no orphans.
import { DescribeClusterV2Command, ListScramSecretsCommand, UpdateSecurityCommand } from '@aws-sdk/client-kafka';
import { CreateCertificateAuthorityCommand } from '@aws-sdk/client-acm-pca';
import { DescribeSecretCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { followExecutions, uploadSpec } from '../../../local/driver.js';
import { MAX_SCRAM_USERS_PER_CLUSTER } from '../../../lib/aws/msk.js';
import { executionHistory, listBucket, readReport, specText, useE2eEnvironment } from '../../support/e2e.js';
import {
  errorsOf,
  eventOf,
  expectZeroPlanAndNoOrphans,
  rerun,
  expectCleanAfterFaults,
  withFaults,
} from '../../support/faults.js';
import { findOrphans } from '../../support/orphans.js';

// The emulator refuses every new secret's first association with InvalidSecretArn (its default, as
// MSK often does right after creation).
const e2e = useE2eEnvironment({ mskAccessFailuresPerNewSecret: 1 });
const TIMEOUT = 240_000;

const spec = (domain: string) => specText(`urn:${domain.replace(/\./g, ':')}`, [{ name: '_private.work' }]);

async function setTrustedCas(arns: string[]): Promise<void> {
  const env = e2e.env;
  const d = await env.clients.kafka.send(new DescribeClusterV2Command({ ClusterArn: env.resources.clusterArn }));
  await env.clients.kafka.send(
    new UpdateSecurityCommand({
      ClusterArn: env.resources.clusterArn,
      CurrentVersion: d.ClusterInfo!.CurrentVersion!,
      ClientAuthentication: { Tls: { Enabled: true, CertificateAuthorityArnList: arns } },
    }),
  );
}

/** A CA the cluster may trust instead of the pipeline's (TLS client authentication stays on). */
async function anotherCa(): Promise<string> {
  const { CertificateAuthorityArn } = await e2e.env.clients.pca.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'EC_prime256v1',
        SigningAlgorithm: 'SHA256WITHECDSA',
        Subject: { CommonName: 'another team CA' },
      },
    }),
  );
  return CertificateAuthorityArn!;
}

/** The pipeline roles' MSK DescribeClusterV2 calls so far (the IAM record; the test's own calls left out). */
function pipelineDescribeClusterCalls(): number {
  const env = e2e.env;
  const roles = new Set(env.stack.resources.filter((r) => r.type === 'AWS::IAM::Role').map((r) => r.attributes.Arn!));
  return env.iam.record.filter((r) => roles.has(r.principalArn) && r.action === 'kafka:DescribeClusterV2').length;
}

const enteredStates = (history: readonly HistoryEvent[]) =>
  history.flatMap((h) => (h.stateEnteredEventDetails?.name ? [h.stateEnteredEventDetails.name] : []));

async function secretNamed(name: string) {
  const list = await e2e.env.clients.secrets.send(
    new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }),
  );
  return (list.SecretList ?? []).filter((s) => s.Name === name);
}

describe('fault matrix: MSK', () => {
  it(
    'the cluster not trusting the PCA: ClusterTrustMissing before any certificate; once trusted, the next run converges',
    async () => {
      const env = e2e.env;
      const domain = 'faults.msk-untrusted';
      // The cluster keeps TLS client authentication, but with another CA than the pipeline's (an
      // empty list would turn TLS off, which PlanAgainstCluster refuses before this point).
      await setTrustedCas([await anotherCa()]);
      let failed;
      try {
        failed = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
      } finally {
        await setTrustedCas([env.resources.pcaArn]);
      }
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'ClusterTrustMissing' } });
      expect(failed.report!.error!.cause).toContain(env.resources.pcaArn);
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { domain, error: { name: 'ClusterTrustMissing' } },
      });
      expect(env.pca.issuedCount).toBe(0);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  // The trust is read on every run, so no warm container can carry a removed trust past it: the
  // cost is MSK's DescribeClusterV2, once per run (PlanAgainstCluster's, which it makes anyway) and
  // once more per certificate actually requested (IssueCertificate, just before the CSR).
  it(
    'the trust removed between two runs on warm containers: the second run fails with ClusterTrustMissing; restored, the next converges',
    async () => {
      const env = e2e.env;
      const domain = 'faults.msk-trust-removed';
      let calls = pipelineDescribeClusterCalls();
      const first = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
      expect(first.report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      const perIssuingRun = pipelineDescribeClusterCalls() - calls;
      const issued = env.pca.issuedCount;

      // Seconds later, the same warm containers: the cluster no longer trusts the pipeline's CA.
      await setTrustedCas([await anotherCa()]);
      let failed;
      try {
        calls = pipelineDescribeClusterCalls();
        failed = await rerun(e2e, domain);
      } finally {
        await setTrustedCas([env.resources.pcaArn]);
      }
      const perFailedRun = pipelineDescribeClusterCalls() - calls;
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'ClusterTrustMissing' } });
      expect(failed.report!.error!.cause).toContain(`does not trust ${env.resources.pcaArn}`);
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { domain, error: { name: 'ClusterTrustMissing' } },
      });
      expect(env.pca.issuedCount).toBe(issued);

      calls = pipelineDescribeClusterCalls();
      await expectZeroPlanAndNoOrphans(e2e, domain);
      const perCurrentRun = pipelineDescribeClusterCalls() - calls;
      // DescribeClusterV2 per run: the plan's one, plus one for a certificate requested.
      expect({ perIssuingRun, perFailedRun, perCurrentRun }).toEqual({
        perIssuingRun: 2,
        perFailedRun: 1,
        perCurrentRun: 1,
      });
    },
    TIMEOUT,
  );

  it(
    "InvalidSecretArn on a new secret's first association: AssociateScramSecrets retries (ScramAssociationPending) and succeeds",
    async () => {
      const domain = 'faults.msk-new-secret';
      const { execution, report } = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'CREATED', association: 'NEW' } },
      });
      expect((await errorsOf(e2e, execution.executionArn)).filter((e) => e === 'ScramAssociationPending')).toHaveLength(
        1,
      );
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    '25 specs at once, every association unprocessed (InvalidSecretArn on HTTP 200) at first: all 25 associated, once each',
    async () => {
      const env = e2e.env;
      const domains = Array.from({ length: 25 }, (_, i) => `faults.batch-${String(i).padStart(2, '0')}`);
      // At the ASL's real intervals: 25 at once meet the Kafka functions' reserved concurrency, whose
      // throttles (Lambda.TooManyRequestsException) wait out real time, not the injector's clock.
      env.sfn.setTimeOverrides({ retryIntervalMs: undefined });
      let finished;
      try {
        const since = new Date();
        for (const d of domains) await uploadSpec(env, { key: `specs/${d}.yaml`, text: spec(d) });
        finished = await followExecutions(env, env.resources.stateMachines.provision!, domains.length, undefined, {
          since,
          timeoutMs: 220_000,
        });
      } finally {
        env.sfn.setTimeOverrides({ retryIntervalMs: 0 });
      }
      await e2e.settled();
      const failures = finished.filter((f) => f.status !== 'SUCCEEDED');
      const reasons = await Promise.all(
        failures.map(
          async (f) => (await readReport(env.clients.s3, env.resources.specBucket, f.key!.slice(6, -5)))?.error,
        ),
      );
      expect(reasons).toEqual([]);
      for (const d of domains)
        expect(await readReport(env.clients.s3, env.resources.specBucket, d)).toMatchObject({
          status: 'PROVISIONED',
          credentials: { scram: { association: 'NEW' } },
        });
      const associated = (
        await env.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn }))
      ).SecretArnList!;
      for (const d of domains) {
        const [secret] = await secretNamed(`AmazonMSK_${d}`);
        expect(associated.filter((a) => a === secret!.ARN)).toHaveLength(1);
      }
      expect(await findOrphans(env, e2e.admin)).toEqual([]);
    },
    TIMEOUT,
  );

  // Last in the file: they fill the cluster with other teams' users (and empty it again).
  const otherUsers = (n: number, tag: string) =>
    Array.from(
      { length: n },
      (_, i) =>
        `arn:aws:secretsmanager:${e2e.env.aws.region}:${e2e.env.aws.accountId}:secret:AmazonMSK_other-${tag}-${i}-AbCdEf`,
    );

  it(
    'the 1,000-user limit: ScramUserLimit at PlanAgainstCluster, before any secret or certificate; once there is room, the next run provisions',
    async () => {
      const env = e2e.env;
      const domain = 'faults.msk-full';
      const inUse = env.msk.associatedSecrets(env.resources.clusterArn).length;
      const empty = env.msk.fillScramUsers(
        env.resources.clusterArn,
        otherUsers(MAX_SCRAM_USERS_PER_CLUSTER - inUse, 'full'),
      );
      let failed;
      try {
        failed = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
      } finally {
        empty();
      }
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'ScramUserLimit' } });
      expect(failed.report!.error!.cause).toContain(
        `cluster ${env.resources.clusterArn} has ${MAX_SCRAM_USERS_PER_CLUSTER} SCRAM secrets associated, MSK's limit of ${MAX_SCRAM_USERS_PER_CLUSTER}`,
      );
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { domain, error: { name: 'ScramUserLimit' } },
      });
      // Found by the plan step: no credential branch ran, so nothing was created.
      const history = await executionHistory(env, failed.execution.executionArn);
      expect(enteredStates(history)).not.toContain('ProvisionCredentials');
      expect(await secretNamed(`AmazonMSK_${domain}`)).toEqual([]);
      expect(await listBucket(env, env.resources.certBucket, `certificates/${domain}/`)).toEqual([]);
      expect(await findOrphans(env, e2e.admin)).toEqual([]);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'CREATED', association: 'NEW' } },
      });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'two runs racing for the last slot: the loser fails at AssociateScramSecrets and schedules its new secret for deletion; the next run restores and associates it',
    async () => {
      const env = e2e.env;
      const domain = 'faults.msk-last-slot';
      const inUse = env.msk.associatedSecrets(env.resources.clusterArn).length;
      const empty = env.msk.fillScramUsers(
        env.resources.clusterArn,
        otherUsers(MAX_SCRAM_USERS_PER_CLUSTER - inUse - 1, 'race'),
      );
      // The plan sees one slot left; another team's run takes it while this one creates its secret.
      const undo: (() => void)[] = [];
      let failed;
      try {
        failed = await withFaults(
          e2e,
          [
            {
              service: 'secretsmanager',
              operation: 'CreateSecret',
              times: 1,
              run: () => void undo.push(env.msk.fillScramUsers(env.resources.clusterArn, otherUsers(1, 'winner'))),
            },
          ],
          () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
        );
      } finally {
        undo.forEach((u) => u());
        empty();
      }
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'ScramUserLimit' } });
      expect(failed.report!.error!.cause).toContain('scheduled for deletion');
      expect(await errorsOf(e2e, failed.execution.executionArn)).toContain('ScramUserLimit');
      // The secret it made is not left unassociated: it waits, scheduled for deletion, for the next run.
      // (The mTLS branch ran beside it and was stopped with the Parallel state, wherever it had got
      // to: its generation's stored key, and the issued record if IssueCertificate had returned,
      // wait for the next run too, as after any failed issuance.)
      const secret = await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: `AmazonMSK_${domain}` }));
      expect(secret.DeletedDate).toBeDefined();
      const inFlight = [`pending key certificates/${domain}/pending/`, `issued record certificates/${domain}/pending/`];
      expect((await findOrphans(env, e2e.admin)).filter((o) => !inFlight.some((p) => o.startsWith(p)))).toEqual([]);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'RESTORED', association: 'NEW' } },
      });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
