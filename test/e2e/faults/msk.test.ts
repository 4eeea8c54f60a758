// Fault matrix, Amazon MSK (issue 13): the cluster not trusting the PCA, InvalidSecretArn on a new
// secret's first association, 25 uploads whose associations come back unprocessed at first, and the
// 1,000-user limit. Each: the outcome, the report and the event, a zero plan after, no orphans.
import { DescribeClusterV2Command, ListScramSecretsCommand, UpdateSecurityCommand } from '@aws-sdk/client-kafka';
import { CreateCertificateAuthorityCommand } from '@aws-sdk/client-acm-pca';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { followExecutions, uploadSpec } from '../../../local/driver.js';
import { MAX_SCRAM_USERS_PER_CLUSTER } from '../../../lib/aws/msk.js';
import { readReport, specText, useE2eEnvironment } from '../../support/e2e.js';
import { errorsOf, eventOf, expectZeroPlanAndNoOrphans, rerun, expectCleanAfterFaults } from '../../support/faults.js';
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

async function secretNamed(name: string) {
  const list = await e2e.env.clients.secrets.send(
    new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }),
  );
  return (list.SecretList ?? []).filter((s) => s.Name === name);
}

describe('fault matrix: MSK', () => {
  // First in the file: IssueCertificate checks the cluster's trust on a cold start (and every 5 minutes).
  it(
    'the cluster not trusting the PCA: ClusterTrustMissing before any certificate; once trusted, the next run converges',
    async () => {
      const env = e2e.env;
      const domain = 'faults.msk-untrusted';
      // The cluster keeps TLS client authentication, but with another CA than the pipeline's (an
      // empty list would turn TLS off, which PlanAgainstCluster refuses before this point).
      const { CertificateAuthorityArn: otherCa } = await env.clients.pca.send(
        new CreateCertificateAuthorityCommand({
          CertificateAuthorityType: 'ROOT',
          CertificateAuthorityConfiguration: {
            KeyAlgorithm: 'EC_prime256v1',
            SigningAlgorithm: 'SHA256WITHECDSA',
            Subject: { CommonName: 'another team CA' },
          },
        }),
      );
      await setTrustedCas([otherCa!]);
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

  // Last in the file: it fills the cluster with other teams' users (and empties it again).
  it(
    'the 1,000-user limit: ScramUserLimit before MSK is called; once there is room, the next run associates',
    async () => {
      const env = e2e.env;
      const domain = 'faults.msk-full';
      const inUse = env.msk.associatedSecrets(env.resources.clusterArn).length;
      const others = Array.from(
        { length: MAX_SCRAM_USERS_PER_CLUSTER - inUse },
        (_, i) => `arn:aws:secretsmanager:${env.aws.region}:${env.aws.accountId}:secret:AmazonMSK_other-${i}-AbCdEf`,
      );
      const empty = env.msk.fillScramUsers(env.resources.clusterArn, others);
      let failed;
      try {
        failed = await e2e.provision(`specs/${domain}.yaml`, spec(domain));
      } finally {
        empty();
      }
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'ScramUserLimit' } });
      expect(failed.report!.error!.cause).toContain(`limit of ${MAX_SCRAM_USERS_PER_CLUSTER}`);
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { domain, error: { name: 'ScramUserLimit' } },
      });
      expect(env.msk.associatedSecrets(env.resources.clusterArn)).toHaveLength(inUse);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({ status: 'PROVISIONED', credentials: { scram: { association: 'NEW' } } });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
