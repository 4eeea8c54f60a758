// Crash consistency (issue 13): a Lambda that dies after its side effects and before it answers
// (a `lambda-crash` fault: local/lambda/runtime.ts kills the sandbox once the handler has run)
// must leave a state the next run converges from. For each Lambda task of the provision workflow:
// crash there, then run again, and expect one secret and one certificate for the generation, a
// zero plan after, and no orphans.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { REPO_ROOT } from '../../../local/environment.js';
import { lambdaTasks, parseDefinition } from '../../../local/aws/asl.js';
import { readCurrent } from '../../../lib/aws/cert-store.js';
import { listBucket, specText, useE2eEnvironment } from '../../support/e2e.js';
import {
  errorsOf,
  expectCleanAfterFaults,
  expectZeroPlanAndNoOrphans,
  rerun,
  withFaults,
} from '../../support/faults.js';

// IAM among the modes, so that every Lambda task of the provision workflow runs (ApplyIamPolicies
// runs only when the spec step says IAM) and so is a crash point of this test.
const e2e = useE2eEnvironment({ authModes: ['SCRAM', 'MTLS', 'IAM'] });
const TIMEOUT = 240_000;

const tasksOf = (file: string) =>
  lambdaTasks(parseDefinition(readFileSync(join(REPO_ROOT, 'state-machines', file), 'utf8')));
/** Every crash point: each Lambda task state of each workflow. */
const CRASH_POINTS = Object.fromEntries(
  ['provision', 'rotate-certificates', 'reprovision', 'decommission'].map((w) => [w, [...tasksOf(`${w}.asl.yaml`)]]),
);
const PROVISION = CRASH_POINTS['provision']!;

describe('crash consistency: a Lambda dies after its side effect, before it answers', () => {
  it('knows every crash point (Lambda task states per workflow)', () => {
    expect(PROVISION.map(([state]) => state)).toEqual(
      expect.arrayContaining([
        'ValidateSpec',
        'PlanAgainstCluster',
        'EnsureScramSecret',
        'AssociateScramSecrets',
        'IssueCertificate',
        'CollectCertificate',
        'ApplyTopicsAndAcls',
        'ApplyIamPolicies',
      ]),
    );
    for (const points of Object.values(CRASH_POINTS)) expect(points.length).toBeGreaterThan(0);
  });

  it.each(PROVISION)(
    'provision, crash after %s (%s) ran: the next run converges: one secret, one certificate, zero plan, no orphans',
    async (state, functionKey) => {
      const env = e2e.env;
      const domain = `faults.crash-${state.toLowerCase()}`;
      const functionName = env.lambda.functionNames().find((n) => n.endsWith(`-${functionKey}`))!;
      const issuedBefore = env.pca.issuedCount;
      const crashed = await withFaults(e2e, [{ service: 'lambda-crash', operation: functionName, times: 1 }], () =>
        e2e.provision(
          `specs/${domain}.yaml`,
          specText(`urn:faults:crash-${state.toLowerCase()}`, [{ name: '_private.work' }]),
        ),
      );
      // Not retried (no Retry names Runtime.ExitError: the side effect may or may not be done); the run fails.
      expect(crashed.execution.status).toBe('FAILED');
      expect(await errorsOf(e2e, crashed.execution.executionArn)).toContain('Runtime.ExitError');

      const { execution, report } = await rerun(e2e, domain);
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED' });
      const secrets = await env.clients.secrets.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`AmazonMSK_${domain}`] }] }),
      );
      const mine = (secrets.SecretList ?? []).filter((s) => s.Name === `AmazonMSK_${domain}`);
      expect(mine).toHaveLength(1);
      const associated = await env.clients.kafka.send(
        new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn }),
      );
      expect(associated.SecretArnList!.filter((a) => a === mine[0]!.ARN)).toHaveLength(1);
      const certs = (await listBucket(env, env.resources.certBucket, `certificates/${domain}/`)).filter((k) =>
        k.endsWith('/cert.pem'),
      );
      expect(certs).toHaveLength(1);
      expect((await readCurrent(env.clients.s3, env.resources.certBucket, domain))?.generation).toBe(1);
      expect(env.pca.issuedCount - issuedBefore).toBe(1);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
