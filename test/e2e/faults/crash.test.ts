// Crash consistency (issue 13): a Lambda that dies after its side effects and before it answers
// (a `lambda-crash` fault: local/lambda/runtime.ts kills the sandbox once the handler has run, and
// the state gets Runtime.ExitError, which no Retry names: the side effect may or may not be done)
// must leave a state that its workflow's next run converges from.
//
// The crash points are read from the four state machine definitions: every Task state whose
// Resource is a Lambda. The walk below has one entry per crash point, keyed by workflow and state
// name, and a test fails if a Lambda task state has no entry (or an entry names no such state), so
// a new step cannot go unwalked. For each point: set up what the workflow needs on a domain of its
// own, crash there, check the crash hit that state, run again, and check the workflow's invariants:
//   - provision: one secret, one association, one certificate for the generation, zero plan after;
//   - decommission: the secret disassociated and scheduled for deletion once, the certificate
//     revoked once (one RevokeCertificate request in all: no "already revoked" answer hiding a
//     second one), the ACLs gone but the seal, the IAM policies deleted, and a further run a no-op;
//   - reprovision: the drift healed, the orphan scan done by the next run, zero plan after;
//   - rotation: one new certificate for the generation (one PCA issuance), current.json naming it,
//     no pending key left, and a further run renewing nothing.
// Every point ends with no orphans (test/support/orphans.ts), and the file's histories (Map Run
// children included), reports, events and logs pass the secret scan (useE2eEnvironment's afterAll).
//
// One environment for the file; each crash point provisions a domain of its own and reads nothing
// another point left. Rotation points issue their domain's first certificate with the PCA's clock
// 21 days behind, so that at today's clock that domain alone is past 2/3 of its lifetime.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IAMClient, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { DescribeSecretCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ADMIN_ARN, REPO_ROOT } from '../../../local/environment.js';
import { lambdaTasks, parseDefinition } from '../../../local/aws/asl.js';
import { getText, readCurrent } from '../../../lib/aws/cert-store.js';
import { SEAL_PRINCIPAL } from '../../../lib/decommission/index.js';
import { toKafkaJsAcl } from '../../../lib/kafka/index.js';
import { listBucket, specText, useE2eEnvironment, withMapRunChildren, type StateMachine } from '../../support/e2e.js';
import {
  crashedStates,
  expectCleanAfterFaults,
  expectZeroPlanAndNoOrphans,
  functionNameOf,
  rerun,
  withCrash,
} from '../../support/faults.js';

const DAY_MS = 86_400_000;
let pcaClockOffsetMs = 0;
// IAM among the modes, so that every Lambda task runs (ApplyIamPolicies and RemoveIamPolicies do
// work only for a domain provisioned with IAM) and so is a crash point that does something.
const e2e = useE2eEnvironment({ authModes: ['SCRAM', 'MTLS', 'IAM'], now: () => Date.now() + pcaClockOffsetMs });
const TIMEOUT = 240_000;

const ASL_FILES: Record<StateMachine, string> = {
  provision: 'provision.asl.yaml',
  decommission: 'decommission.asl.yaml',
  reprovision: 'reprovision.asl.yaml',
  rotateCertificates: 'rotate-certificates.asl.yaml',
};
const WORKFLOWS = Object.keys(ASL_FILES) as StateMachine[];

/** Every crash point: workflow → Lambda task state → its function (serverless.yml key), from the ASL. */
const CRASH_POINTS = Object.fromEntries(
  WORKFLOWS.map((w) => [
    w,
    lambdaTasks(parseDefinition(readFileSync(join(REPO_ROOT, 'state-machines', ASL_FILES[w]), 'utf8'))),
  ]),
) as Record<StateMachine, Map<string, string>>;

// ---- the walk: what each crash point expects beyond the common checks ----------------------------

/** Decommission's revocation steps, in the order the workflow runs them. */
type Revocation = 'scram' | 'certificates' | 'acls' | 'iam';

interface Point {
  /** Which call of the state's function in the run is the state's (default 1; states may share a function). */
  readonly invocation?: number;
}
interface DecommissionPoint extends Point {
  /** The revocations the crashed run completed (the crashed step's included: its handler ran). */
  readonly done: readonly Revocation[];
  /** The crashed run wrote a FAILED report naming the crash (once the domain is known). */
  readonly failureReport: boolean;
}
interface RotationPoint extends Point {
  /** The crashed run's status: a crash outside the Map fails it, one inside is that domain's renewal failure. */
  readonly crashedRun: 'FAILED' | 'SUCCEEDED';
  /** current.json's generation after the crashed run: 2 when the crash came after the switch. */
  readonly generationAfterCrash: 1 | 2;
}

const WALK: {
  readonly provision: Readonly<Record<string, Point>>;
  readonly decommission: Readonly<Record<string, DecommissionPoint>>;
  readonly reprovision: Readonly<Record<string, Point>>;
  readonly rotateCertificates: Readonly<Record<string, RotationPoint>>;
} = {
  provision: {
    ValidateSpec: {},
    PlanAgainstCluster: {},
    EnsureScramSecret: {},
    AssociateScramSecrets: {},
    IssueCertificate: {},
    CollectCertificate: {},
    ApplyTopicsAndAcls: {},
    ApplyIamPolicies: {},
  },
  decommission: {
    ReadRemoval: { done: [], failureReport: false },
    // ReadRemoval and DecideRemoval are both checkRemoval: DecideRemoval is its second call.
    DecideRemoval: { invocation: 2, done: [], failureReport: true },
    RevokeScramSecret: { done: ['scram'], failureReport: true },
    RevokeCertificates: { done: ['scram', 'certificates'], failureReport: true },
    RevokeAcls: { done: ['scram', 'certificates', 'acls'], failureReport: true },
    RemoveIamPolicies: { done: ['scram', 'certificates', 'acls', 'iam'], failureReport: true },
  },
  reprovision: {
    FindOrphans: {},
  },
  rotateCertificates: {
    FindExpiringCertificates: { crashedRun: 'FAILED', generationAfterCrash: 1 },
    IssueCertificate: { crashedRun: 'SUCCEEDED', generationAfterCrash: 1 },
    CollectCertificate: { crashedRun: 'SUCCEEDED', generationAfterCrash: 2 },
    // After the Map: the renewals are done, the run fails without its counts.
    SummarizeRenewals: { crashedRun: 'FAILED', generationAfterCrash: 2 },
  },
};

/** The crash points of a workflow, from the ASL, each with its walk entry (a missing one fails the test that runs it). */
const pointsOf = <W extends StateMachine>(w: W) =>
  [...CRASH_POINTS[w]].map(([state, functionKey]) => ({
    state,
    functionKey,
    walk: (WALK[w] as Readonly<Record<string, (typeof WALK)[W][string]>>)[state],
  }));

/** Arms the crash at `state` of workflow `w`, runs `body`, and returns its result. */
function crashAt<T>(w: StateMachine, state: string, body: () => Promise<T>): Promise<T> {
  const functionKey = CRASH_POINTS[w].get(state)!;
  const invocation = (WALK[w] as Readonly<Record<string, Point>>)[state]?.invocation ?? 1;
  return withCrash(e2e, { functionName: functionNameOf(e2e, functionKey), invocation }, body);
}

/** The crash hit `state` of workflow `w` in this execution, and nothing else crashed. */
async function expectCrashedAt(w: StateMachine, state: string, executionArn: string): Promise<void> {
  const functionKey = CRASH_POINTS[w].get(state)!;
  const sharing = [...CRASH_POINTS[w]].filter(([, f]) => f === functionKey).map(([s]) => s);
  expect(await crashedStates(e2e, executionArn, sharing)).toEqual([state]);
}

const domainFor = (w: string, state: string) => `crash.${w.toLowerCase()}-${state.toLowerCase()}`;
const urnOf = (domain: string) => `urn:${domain.replace(/\./g, ':')}`;

async function provisioned(domain: string, channels = [{ name: '_public.events' }, { name: '_private.work' }]) {
  const { report } = await e2e.provision(`specs/${domain}.yaml`, specText(urnOf(domain), channels));
  expect([domain, report?.status]).toEqual([domain, 'PROVISIONED']);
}

const iamClient = (): IAMClient =>
  new IAMClient({
    region: e2e.env.aws.region,
    endpoint: e2e.env.aws.endpoint,
    credentials: e2e.env.iam.credentialsFor(ADMIN_ARN),
  });

/** The managed policies IAM holds for a domain (`/msk-spec/…-<domain>-<n>`). */
async function policiesOf(domain: string): Promise<string[]> {
  const mine = new RegExp(`-${domain.replace(/\./g, '\\.')}-\\d+$`);
  const names: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await iamClient().send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/msk-spec/', Marker }));
    for (const p of page.Policies ?? []) if (mine.test(p.PolicyName!)) names.push(p.PolicyName!);
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return names.sort();
}

/** Requests the emulated IAM allowed since `from` (an index into its record), for one action. */
const requestsSince = (from: number, action: string) =>
  e2e.env.iam.record.slice(from).filter((r) => r.action === action);

async function inputOf(executionArn: string): Promise<unknown> {
  const d = await e2e.env.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
  return JSON.parse(d.input ?? '{}') as unknown;
}

interface DecommissionReport {
  status: string;
  error?: { name: string };
  revoked?: {
    scram: { secret: string; association: string; secretArn: string };
    certificates: { indexEntriesRemoved: number; newlyRevoked: number; revoked: string[] };
    acls: { aclsDeleted: number; sealCreated: boolean };
    iam: { changed: boolean; policiesDeleted: number };
  };
}

/** What a decommission run reports for each step: done before it (by a crashed run), or by it. */
function revokedBy(done: readonly Revocation[]): Record<Revocation, object> {
  const already = (r: Revocation) => done.includes(r);
  return {
    scram: already('scram')
      ? { association: 'NOT_ASSOCIATED', secret: 'ALREADY_SCHEDULED' }
      : { association: 'DISASSOCIATED', secret: 'DELETION_SCHEDULED' },
    certificates: already('certificates')
      ? { indexEntriesRemoved: 0, newlyRevoked: 0 }
      : { indexEntriesRemoved: 1, newlyRevoked: 1 },
    acls: already('acls') ? { aclsDeleted: 0, sealCreated: false } : { sealCreated: true },
    iam: already('iam') ? { changed: false, policiesDeleted: 0 } : { changed: true },
  };
}

// ---- the walks -------------------------------------------------------------------------------------

describe('crash consistency: a Lambda dies after its side effect, before it answers', () => {
  it.each(WORKFLOWS)('%s: every Lambda task state has an entry in the walk, and every entry is one', (w) => {
    expect(Object.keys(WALK[w]).sort()).toEqual([...CRASH_POINTS[w].keys()].sort());
  });

  describe('provision', () => {
    it.each(pointsOf('provision').map((p) => [p.state, p.functionKey, p.walk] as const))(
      'crash after %s (%s) ran: the next run converges: one secret, one certificate, zero plan, no orphans',
      async (state, _functionKey, walk) => {
        expect(walk).toBeDefined();
        const env = e2e.env;
        const domain = `faults.crash-${state.toLowerCase()}`;
        const issuedBefore = env.pca.issuedCount;
        const crashed = await crashAt('provision', state, () =>
          e2e.provision(
            `specs/${domain}.yaml`,
            specText(`urn:faults:crash-${state.toLowerCase()}`, [{ name: '_private.work' }]),
          ),
        );
        expect(crashed.execution.status).toBe('FAILED');
        await expectCrashedAt('provision', state, crashed.execution.executionArn);

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
  });

  describe('decommission', () => {
    it.each(pointsOf('decommission').map((p) => [p.state, p.functionKey, p.walk] as const))(
      'crash after %s (%s) ran: a run with the same input converges (each revocation once), and another changes nothing',
      async (state, _functionKey, walk) => {
        expect(walk).toBeDefined();
        const env = e2e.env;
        const domain = domainFor('decommission', state);
        await provisioned(domain);
        await e2e.rememberPassword(domain);
        const secretArn = (
          await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: `AmazonMSK_${domain}` }))
        ).ARN!;
        const serial = (await readCurrent(env.clients.s3, env.resources.certBucket, domain))!.serial;
        expect(await policiesOf(domain)).not.toEqual([]);
        const recordFrom = env.iam.record.length;

        const { run: crashed } = await crashAt('decommission', state, () => e2e.removeSpec(domain));
        expect(crashed.status).toBe('FAILED');
        await expectCrashedAt('decommission', state, crashed.executionArn);
        const report = async () => (await e2e.report(domain)) as unknown as DecommissionReport | undefined;
        // What the operator sees: the crash by its name, in the FAILED report once the domain is known.
        if (walk!.failureReport) {
          expect(crashed.error).toBe('DecommissionFailed');
          expect(await report()).toMatchObject({ status: 'FAILED', error: { name: 'Runtime.ExitError' } });
        } else {
          expect(crashed.error).toBe('Runtime.ExitError');
          expect((await report())?.status).not.toBe('FAILED');
        }
        const input = await inputOf(crashed.executionArn);

        // The same input again (an operator's retry): what the crashed run did is found done.
        const retried = await e2e.run('decommission', input);
        expect(retried.status).toBe('SUCCEEDED');
        expect(await report()).toMatchObject({ status: 'DECOMMISSIONED', revoked: revokedBy(walk!.done) });
        // And again: nothing left to do.
        expect((await e2e.run('decommission', input)).status).toBe('SUCCEEDED');
        expect(await report()).toMatchObject({
          status: 'DECOMMISSIONED',
          revoked: revokedBy(['scram', 'certificates', 'acls', 'iam']),
        });

        // Each revocation happened once, over the three runs.
        expect(
          requestsSince(recordFrom, 'secretsmanager:DeleteSecret').filter((r) => r.resource === secretArn),
        ).toHaveLength(1);
        expect(requestsSince(recordFrom, 'acm-pca:RevokeCertificate')).toHaveLength(1);
        const secret = await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
        expect(secret.DeletedDate).toBeDefined();
        expect(await e2e.associations()).not.toContain(secretArn);
        const current = await readCurrent(env.clients.s3, env.resources.certBucket, domain);
        expect(current?.revoked).toMatchObject({ serials: [serial] });
        expect(await listBucket(env, env.resources.certBucket, `certificates/_index/${domain}/`)).toEqual([]);
        expect(await e2e.aclsOf(domain)).toEqual([expect.objectContaining({ principal: SEAL_PRINCIPAL })]);
        expect(await policiesOf(domain)).toEqual([]);
        await expectCleanAfterFaults(e2e);
      },
      TIMEOUT,
    );
  });

  describe('reprovision', () => {
    it.each(pointsOf('reprovision').map((p) => [p.state, p.functionKey, p.walk] as const))(
      'crash after %s (%s) ran: the drift is healed, the next run scans for orphans, zero plan after',
      async (state, _functionKey, walk) => {
        expect(walk).toBeDefined();
        const env = e2e.env;
        const domain = domainFor('reprovision', state);
        await provisioned(domain);
        // Drift: one of the domain's ACLs deleted out of band.
        const [lost] = (await e2e.aclsOf(domain)).filter((b) => b.principal === `User:${domain}`);
        await e2e.admin.deleteAcls({ filters: [toKafkaJsAcl(lost!)] });
        expect(await e2e.aclsOf(domain)).not.toContainEqual(lost);

        const { run: crashed } = await crashAt('reprovision', state, () => e2e.requestReprovision());
        await expectCrashedAt('reprovision', state, crashed.executionArn);
        // The orphan scan is after every spec was re-applied, and its failure does not undo that.
        expect(crashed.status).toBe('SUCCEEDED');
        expect(crashed.output).toMatchObject({ orphans: { Error: 'Runtime.ExitError' } });
        expect(await e2e.aclsOf(domain)).toContainEqual(lost);

        const { run } = await e2e.requestReprovision();
        expect(run.status).toBe('SUCCEEDED');
        expect(run.output).toMatchObject({ orphans: { mode: 'REPORT', domains: [] } });
        const orphans = JSON.parse(
          (await getText(env.clients.s3, env.resources.specBucket, 'reports/_reprovision/orphans.json')) ?? '{}',
        ) as { executionId?: string };
        expect(orphans.executionId).toBe(run.executionArn);
        await expectZeroPlanAndNoOrphans(e2e, domain);
        // The crashed run's Map Run children (one per spec) are among the histories the secret scan reads.
        const children = (await withMapRunChildren(env, crashed.executionArn)).slice(1);
        expect(children.length).toBeGreaterThan(0);
        const scan = await e2e.scanForSecrets();
        expect(Object.keys(scan.surfaces)).toEqual(expect.arrayContaining(children.map((a) => `history of ${a}`)));
        expect(scan.hits).toEqual([]);
      },
      TIMEOUT,
    );
  });

  describe('rotation', () => {
    it.each(pointsOf('rotateCertificates').map((p) => [p.state, p.functionKey, p.walk] as const))(
      'crash after %s (%s) ran: the next run converges: one new certificate for the generation, current.json on it, no pending key',
      async (state, _functionKey, walk) => {
        expect(walk).toBeDefined();
        const env = e2e.env;
        const domain = domainFor('rotation', state);
        // Issued 21 days ago: past 2/3 of its 30 days today, and the only certificate that is.
        pcaClockOffsetMs = -21 * DAY_MS;
        try {
          await provisioned(domain, [{ name: '_private.work' }]);
        } finally {
          pcaClockOffsetMs = 0;
        }
        const first = (await readCurrent(env.clients.s3, env.resources.certBucket, domain))!;
        expect(first.generation).toBe(1);
        const issuedBefore = env.pca.issuedCount;
        const today = () => e2e.run('rotateCertificates', { time: new Date().toISOString() });
        const current = () => readCurrent(env.clients.s3, env.resources.certBucket, domain);

        const eventsBefore = e2e.events.length;
        const crashed = await crashAt('rotateCertificates', state, today);
        expect(crashed.status).toBe(walk!.crashedRun);
        // What the operator sees of a crash inside the Map: that domain's renewal failed, by the crash's name.
        const renewalFailed = e2e.events
          .slice(eventsBefore)
          .filter((e) => e['detail-type'] === 'Certificate Renewal Failed');
        expect(renewalFailed.map((e) => [e.detail.domain, e.detail.error])).toEqual(
          walk!.crashedRun === 'SUCCEEDED' ? [[domain, 'Runtime.ExitError']] : [],
        );
        await expectCrashedAt('rotateCertificates', state, crashed.executionArn);
        expect((await current())?.generation).toBe(walk!.generationAfterCrash);

        expect((await today()).status).toBe('SUCCEEDED');
        const renewed = (await current())!;
        expect(renewed).toMatchObject({ generation: 2 });
        expect(renewed.serial).not.toBe(first.serial);
        expect(env.pca.issuedCount - issuedBefore).toBe(1);
        const objects = await listBucket(env, env.resources.certBucket, `certificates/${domain}/`);
        expect(objects.filter((k) => k.endsWith('/cert.pem')).sort()).toEqual(
          [first.serial, renewed.serial].map((s) => `certificates/${domain}/${s}/cert.pem`).sort(),
        );
        expect(objects.filter((k) => k.includes('/pending/'))).toEqual([]);
        // Renewed once: another run issues nothing and leaves current.json as it is.
        expect((await today()).status).toBe('SUCCEEDED');
        expect(await current()).toEqual(renewed);
        expect(env.pca.issuedCount - issuedBefore).toBe(1);
        await expectZeroPlanAndNoOrphans(e2e, domain);
      },
      TIMEOUT,
    );
  });

  // A crash in IssueCertificate after PCA issued: the workflow never saw the ARN. PCA dedupes the
  // generation's IdempotencyToken for five minutes only (API_IssueCertificate, IdempotencyToken), and
  // no Retry names Runtime.ExitError, so on AWS the next attempt (the next provision of the spec, the
  // next daily rotation) comes long after: it must collect the certificate already issued, not
  // request a second one for the same generation.
  describe("IssueCertificate retried past PCA's five-minute idempotency window", () => {
    const PAST_WINDOW_MS = 6 * 60_000;

    it(
      'provision: the re-run collects the certificate the crashed run had issued (one PCA issuance)',
      async () => {
        const env = e2e.env;
        const domain = 'crash.late-provision';
        const issuedBefore = env.pca.issuedCount;
        const crashed = await crashAt('provision', 'IssueCertificate', () =>
          e2e.provision(`specs/${domain}.yaml`, specText(urnOf(domain), [{ name: '_private.work' }])),
        );
        expect(crashed.execution.status).toBe('FAILED');
        await expectCrashedAt('provision', 'IssueCertificate', crashed.execution.executionArn);
        expect(env.pca.issuedCount - issuedBefore).toBe(1);

        pcaClockOffsetMs = PAST_WINDOW_MS;
        try {
          const { execution, report } = await rerun(e2e, domain);
          expect(execution.status).toBe('SUCCEEDED');
          expect(report).toMatchObject({ status: 'PROVISIONED' });
        } finally {
          pcaClockOffsetMs = 0;
        }
        expect(env.pca.issuedCount - issuedBefore).toBe(1);
        const objects = await listBucket(env, env.resources.certBucket, `certificates/${domain}/`);
        expect(objects.filter((k) => k.endsWith('/cert.pem'))).toHaveLength(1);
        expect(objects.filter((k) => k.includes('/pending/'))).toEqual([]);
        expect((await readCurrent(env.clients.s3, env.resources.certBucket, domain))?.generation).toBe(1);
        await expectZeroPlanAndNoOrphans(e2e, domain);
      },
      TIMEOUT,
    );

    it(
      'rotation: the next run collects the renewal the crashed run had issued (one PCA issuance)',
      async () => {
        const env = e2e.env;
        const domain = 'crash.late-rotation';
        pcaClockOffsetMs = -21 * DAY_MS;
        try {
          await provisioned(domain, [{ name: '_private.work' }]);
        } finally {
          pcaClockOffsetMs = 0;
        }
        const first = (await readCurrent(env.clients.s3, env.resources.certBucket, domain))!;
        const issuedBefore = env.pca.issuedCount;
        const today = () => e2e.run('rotateCertificates', { time: new Date().toISOString() });
        const crashed = await crashAt('rotateCertificates', 'IssueCertificate', today);
        await expectCrashedAt('rotateCertificates', 'IssueCertificate', crashed.executionArn);
        expect(env.pca.issuedCount - issuedBefore).toBe(1);

        pcaClockOffsetMs = PAST_WINDOW_MS;
        try {
          expect((await today()).status).toBe('SUCCEEDED');
        } finally {
          pcaClockOffsetMs = 0;
        }
        const renewed = (await readCurrent(env.clients.s3, env.resources.certBucket, domain))!;
        expect(renewed).toMatchObject({ generation: 2 });
        expect(renewed.serial).not.toBe(first.serial);
        expect(env.pca.issuedCount - issuedBefore).toBe(1);
        const objects = await listBucket(env, env.resources.certBucket, `certificates/${domain}/`);
        expect(objects.filter((k) => k.includes('/pending/'))).toEqual([]);
        await expectZeroPlanAndNoOrphans(e2e, domain);
      },
      TIMEOUT,
    );
  });

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
