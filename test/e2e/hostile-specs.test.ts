// Hostile specs through the deployed workflow (issue 13): every fixture in test/fixtures/bad-specs/
// (test/support/bad-specs.ts) is PUT under its S3 key, in batches, and each execution must end
// FAILED with a report naming the file (the key), the JSON path and the rule, and a "Spec
// Provisioning Failed" event. Nothing is created or changed, asserted against the emulated services
// and the real broker (a snapshot before the batches, compared after): no secret, no SCRAM
// association, no certificate issued or stored, no topic (nor a partition or config change), no ACL,
// and no request of any function's role that writes anything but the refusal's report and event
// (the IAM authority's record); and no IAM policy created, changed or attached (the IAM API).
// Two-step cases (a partition decrease) first provision their valid step, then the snapshot is taken.
// After the file, the secret scan (every e2e file's afterAll) looks through all of its runs.
import { describe, expect, it } from '@jest/globals';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import { IAMClient, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { readReportForSpecKey, type ProvisionReport } from '../../lib/aws/reports.js';
import { readClusterState } from '../../lib/kafka/read.js';
import { followExecutions, uploadSpec, type FinishedExecution } from '../../local/driver.js';
import { ADMIN_ARN } from '../../local/environment.js';
import { badSpecs, type BadSpec } from '../support/bad-specs.js';
import { brokerAcls, E2E_TEST_TIMEOUT_MS, listBucket, sortedKeys, useE2eEnvironment } from '../support/e2e.js';

const e2e = useE2eEnvironment();

const SPECS = badSpecs();
/** Uploads per batch: enough to keep the workers busy, few enough for two shared cores. */
const BATCH = 20;

/** Everything a refused spec could create or change, cluster-wide (a hostile id may name any domain). */
async function footprint() {
  const env = e2e.env;
  const secrets: string[] = [];
  let token: string | undefined;
  do {
    const page = await env.clients.secrets.send(
      new ListSecretsCommand({ MaxResults: 100, IncludePlannedDeletion: true, NextToken: token }),
    );
    for (const s of page.SecretList ?? []) secrets.push(`${s.Name} ${s.DeletedDate ? 'deleted' : 'live'}`);
    token = page.NextToken;
  } while (token);
  const associations =
    (await env.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn })))
      .SecretArnList ?? [];
  const { topics } = await readClusterState(e2e.admin, { topicPrefixes: [''], principals: [] });
  // The emulated IAM API: customer-managed policies (the pipeline's per-domain ones, issue 12), their versions and attachments.
  const iam = new IAMClient({
    region: env.aws.region,
    endpoint: env.aws.endpoint,
    credentials: env.iam.credentialsFor(ADMIN_ARN),
  });
  const policies: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListPoliciesCommand({ Scope: 'Local', Marker: marker }));
    for (const p of page.Policies ?? []) policies.push(`${p.Arn} ${p.DefaultVersionId} ${p.AttachmentCount}`);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return {
    secrets: secrets.sort(),
    associations: [...associations].sort(),
    certificatesIssued: env.pca.issuedCount,
    certificateObjects: await listBucket(env, env.resources.certBucket),
    topics: topics.filter((t) => !t.name.startsWith('__')),
    acls: sortedKeys(await brokerAcls(env, e2e.admin)),
    iamPolicies: policies.sort(),
  };
}

/**
 * What a refused spec's run may change: its report (reports/…) and its event. Everything else a
 * function's role sent must be a read. The test's own uploads (the admin's PutObject on specs/)
 * are the cause, not the effect.
 */
function isAllowedEffect(r: { principalArn: string; action: string; resource: string }, specBucket: string): boolean {
  if (/^[a-z0-9-]+:(Get|List|Describe|Head)/.test(r.action)) return true;
  if (r.action === 's3:PutObject' && r.resource.startsWith(`arn:aws:s3:::${specBucket}/reports/`)) return true;
  if (r.action === 's3:PutObject' && r.resource.startsWith(`arn:aws:s3:::${specBucket}/specs/`)) return true;
  // The upload's passage through the admission queue to its execution: nothing of the spec's.
  if (/^sqs:(SendMessage|ReceiveMessage|DeleteMessage|ChangeMessageVisibility)$/.test(r.action))
    return /:sqs:[^:]+:\d{12}:[^:]+-admission$/.test(r.resource);
  // SSE-KMS of the report and spec objects (S3 calls KMS as the caller), the event, the run itself.
  return [
    'kms:GenerateDataKey',
    'kms:Decrypt',
    'events:PutEvents',
    'states:StartExecution',
    'lambda:InvokeFunction',
  ].includes(r.action);
}

interface Outcome {
  readonly spec: BadSpec;
  readonly execution: FinishedExecution | undefined;
  readonly report: ProvisionReport | undefined;
}

/** PUTs the specs, waits for every execution they start, and reads each one's report. */
async function runBatch(specs: readonly BadSpec[], texts: (s: BadSpec) => string): Promise<Outcome[]> {
  const env = e2e.env;
  const since = new Date();
  for (const s of specs) await uploadSpec(env, { key: s.key, text: texts(s) });
  const executions = await followExecutions(env, env.resources.stateMachines.provision!, specs.length, undefined, {
    since,
    timeoutMs: 900_000,
    pollMs: 1_000,
  });
  await e2e.settled();
  return Promise.all(
    specs.map(async (spec) => ({
      spec,
      execution: executions.find((x) => x.key === spec.key),
      report: await readReportForSpecKey(env.clients.s3, env.resources.specBucket, spec.key),
    })),
  );
}

/** A refusal as the report names it: [file, path, rule] for each issue, or for a plan refusal the rule and path its cause names. */
function named(o: Outcome): unknown {
  const r = o.report;
  if (!r?.error) return { file: o.spec.file, report: r ?? 'none' };
  if (r.error.name === 'SpecRefused') {
    const issues = r.error.issues as { file: string; path: string; rule: string }[];
    return { file: o.spec.file, refusals: issues.map((i) => [i.file, i.path, i.rule]) };
  }
  // The cause is the Lambda's error JSON ({errorType, errorMessage, ...}); its message names rule and path.
  const raw = String(r.error.cause ?? '');
  let cause = raw;
  try {
    cause = String((JSON.parse(raw) as { errorMessage?: unknown }).errorMessage ?? raw);
  } catch {
    // not JSON: the cause as it is
  }
  return {
    file: o.spec.file,
    refusals: o.spec.expected.map((e) => [
      r.source?.key,
      cause.includes(`(${e.path})`) ? e.path : `no ${e.path} in ${cause.slice(0, 300)}`,
      cause.includes(`${e.rule}: `) ? e.rule : `no ${e.rule} in ${cause.slice(0, 300)}`,
    ]),
  };
}

describe('hostile specs through the workflow', () => {
  it(
    `each of the ${SPECS.length} hostile specs ends FAILED, its report naming file, path and rule; nothing is created or changed`,
    async () => {
      const env = e2e.env;
      // Two-step cases: the valid first step is provisioned, then it is part of "before".
      const twoStep = SPECS.filter((s) => s.after);
      const firsts = await runBatch(twoStep, (s) => s.after!.text);
      expect(firsts.map((o) => [o.spec.after!.file, o.execution?.status, o.report?.status])).toEqual(
        twoStep.map((s) => [s.after!.file, 'SUCCEEDED', 'PROVISIONED']),
      );

      const before = await footprint();
      const recordFrom = env.iam.record.length;
      const eventsFrom = e2e.events.length;
      const outcomes: Outcome[] = [];
      for (let i = 0; i < SPECS.length; i += BATCH)
        outcomes.push(...(await runBatch(SPECS.slice(i, i + BATCH), (s) => s.text())));

      expect(outcomes.map((o) => [o.spec.file, o.execution?.status])).toEqual(SPECS.map((s) => [s.file, 'FAILED']));
      expect(
        outcomes.map((o) => [
          o.spec.file,
          o.report?.status,
          o.report?.domain,
          o.report?.source?.key,
          o.report?.error?.name,
        ]),
      ).toEqual(
        SPECS.map((s) => [s.file, 'FAILED', s.keyDomain ?? null, s.key, s.after ? 'PlanRefused' : 'SpecRefused']),
      );
      expect(outcomes.map(named)).toEqual(
        SPECS.map((s) => ({ file: s.file, refusals: s.expected.map((e) => [s.key, e.path, e.rule]) })),
      );
      const failedEvents = e2e.events.slice(eventsFrom).filter((e) => e['detail-type'] === 'Spec Provisioning Failed');
      expect(new Set(failedEvents.map((e) => e.detail.executionId))).toEqual(
        new Set(outcomes.map((o) => o.execution?.executionArn)),
      );

      expect(await footprint()).toEqual(before);
      const specBucket = env.resources.specBucket;
      const writes = env.iam.record
        .slice(recordFrom)
        .filter((r) => !isAllowedEffect(r, specBucket))
        .map((r) => `${r.principalArn} ${r.action} ${r.resource}`);
      expect([...new Set(writes)]).toEqual([]);
      // The record saw the runs (so an empty list above means something): each wrote its report.
      const reportWrites = env.iam.record
        .slice(recordFrom)
        .filter((r) => r.action === 's3:PutObject' && r.resource.includes(`${specBucket}/reports/`));
      expect(reportWrites.length).toBeGreaterThanOrEqual(SPECS.length);
    },
    E2E_TEST_TIMEOUT_MS * 10,
  );
});
