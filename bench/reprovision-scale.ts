// Reprovision at scale (issue 13): N specs (`--specs N`, default 5,000) in the bucket, drift injected into 5% of
// them (every ACL of their certificate principal deleted out of band), then one "Reprovision Requested"
// run of the real workflow (state-machines/reprovision.asl.yaml: a Distributed Map over the S3 listing) on the
// embedded default, with IAM enforced. Prints `specs`, `healed` (drifted specs whose report shows the ACLs
// re-created), `unchanged` (the others, a zero plan), `totalMs` of the measured run, `setupMs` (the first run that
// provisions every spec from nothing), and the payload sizes: the largest state input or output in the parent's
// history and in its Map Run's child executions, and the parent's output.
//
// mTLS only: MSK allows 1,000 SCRAM users per cluster (developer guide, msk-password-limitations), so a deployment
// with thousands of domains cannot give each one a SCRAM secret; the emulated MSK enforces that limit.
// Setup, not the figure: the specs are uploaded (PutObject into the versioned bucket, so each upload starts its
// provision run through S3 → EventBridge → Step Functions, as in production), `--upload-concurrency` at a time.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

import kafkajs from 'kafkajs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { uploadSpec } from '../local/driver.js';
import { startEnvironment, type Environment } from '../local/environment.js';
import { benchSpec, flag } from './_args.js';

// kafkajs is CommonJS: its enums are not named ESM exports.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes } = kafkajs;
const log = (line: string) => process.stderr.write(`${line}\n`);

const SPECS = flag('specs', 5_000);
const UPLOAD_CONCURRENCY = flag('upload-concurrency', 10);
const DRIFT_PERCENT = 5;

const domainOf = (i: number) => `bench.r${String(i).padStart(5, '0')}`;
const spec = (domain: string): string => benchSpec(domain);

async function reprovision(env: Environment): Promise<{ ms: number; executionArn: string; output: string }> {
  const t = performance.now();
  const { executionArn } = await env.clients.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: env.resources.stateMachines.reprovision!,
      input: JSON.stringify({ 'detail-type': 'Reprovision Requested', source: 'msk-spec-provisioner', detail: {} }),
    }),
  );
  const d = await env.sfn.waitForExecution(executionArn!);
  const ms = performance.now() - t;
  if (d['status'] !== 'SUCCEEDED')
    throw new Error(`reprovision ${String(d['status'])}: ${String(d['error'])} ${String(d['cause'])}`);
  return { ms, executionArn: executionArn!, output: String(d['output']) };
}

type Page = { events: Record<string, unknown>[]; nextToken?: string };
/** The largest state input or output of one execution (in-process: no HTTP for thousands of histories). */
function largestState(env: Environment, executionArn: string): number {
  let max = 0;
  let nextToken: string | undefined;
  do {
    const page = env.sfn.getExecutionHistory({
      executionArn,
      maxResults: 1000,
      ...(nextToken ? { nextToken } : {}),
    }) as Page;
    for (const e of page.events) {
      const entered = e['stateEnteredEventDetails'] as { input?: string } | undefined;
      const exited = e['stateExitedEventDetails'] as { output?: string } | undefined;
      max = Math.max(max, Buffer.byteLength(entered?.input ?? ''), Buffer.byteLength(exited?.output ?? ''));
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return max;
}

function mapRunChildren(env: Environment, executionArn: string): string[] {
  const runs = env.sfn.listMapRuns({ executionArn }) as { mapRuns: { mapRunArn: string }[] };
  const arns: string[] = [];
  for (const { mapRunArn } of runs.mapRuns) {
    let nextToken: string | undefined;
    do {
      const page = env.sfn.listExecutions({ mapRunArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }) as {
        executions: { executionArn: string }[];
        nextToken?: string;
      };
      arns.push(...page.executions.map((e) => e.executionArn));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return arns;
}

type Listed = { executions: { executionArn: string; status: string }[]; nextToken?: string };
/** The provision executions, in-process. */
function provisionRuns(env: Environment): Listed['executions'] {
  const out: Listed['executions'] = [];
  let nextToken: string | undefined;
  do {
    const page = env.sfn.listExecutions({
      stateMachineArn: env.resources.stateMachines.provision!,
      maxResults: 1000,
      ...(nextToken ? { nextToken } : {}),
    }) as Listed;
    out.push(...page.executions);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}
const running = (env: Environment) => provisionRuns(env).filter((e) => e.status === 'RUNNING').length;

/** Waits until `count` provision runs exist and none is running; fails on a failed one. */
async function settled(env: Environment, count: number): Promise<void> {
  for (;;) {
    const runs = provisionRuns(env);
    if (runs.length >= count && runs.every((e) => e.status !== 'RUNNING')) {
      const failed = runs.filter((e) => e.status !== 'SUCCEEDED');
      if (failed.length > 0) {
        const first = env.sfn.describeExecution({ executionArn: failed[0]!.executionArn });
        throw new Error(
          `${failed.length} provision run(s) did not succeed; the first: ${String(first['error'])} ${String(first['cause'])}`,
        );
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function report(
  env: Environment,
  domain: string,
): Promise<{ status?: string; applied?: Record<string, unknown> }> {
  const o = await env.clients.s3.send(
    new GetObjectCommand({ Bucket: env.resources.specBucket, Key: `reports/${domain}.json` }),
  );
  return JSON.parse(await o.Body!.transformToString()) as { status?: string; applied?: Record<string, unknown> };
}

const env = await startEnvironment({
  log: (l) => log(`  ${l}`),
  pcaReadyAfterPolls: 0,
  retryIntervalMs: 0,
  waitMs: 0,
  authModes: ['MTLS'],
});
try {
  const domains = Array.from({ length: SPECS }, (_, i) => domainOf(i));
  const t0 = performance.now();
  for (let i = 0; i < domains.length; i += UPLOAD_CONCURRENCY) {
    await Promise.all(
      domains.slice(i, i + UPLOAD_CONCURRENCY).map((d) => uploadSpec(env, { key: `specs/${d}.yaml`, text: spec(d) })),
    );
    // Keep the provision runs from piling up far ahead of the uploads.
    while (running(env) > UPLOAD_CONCURRENCY * 2) await new Promise((r) => setTimeout(r, 200));
    if ((i / UPLOAD_CONCURRENCY) % 20 === 0) log(`  uploaded ${i + UPLOAD_CONCURRENCY} of ${SPECS}`);
  }
  await settled(env, SPECS);
  const setup = { ms: performance.now() - t0 };
  log(`setup: ${SPECS} specs uploaded and provisioned in ${Math.round(setup.ms)} ms`);

  // Drift: every ACL of the certificate principal of 5% of the domains, deleted out of band.
  const drifted = domains.filter((_, i) => i % (100 / DRIFT_PERCENT) === 0);
  const admin = new Kafka(env.kafka.adminKafkaJsConfig()).admin();
  await admin.connect();
  try {
    for (let i = 0; i < drifted.length; i += 50)
      await admin.deleteAcls({
        filters: drifted.slice(i, i + 50).map((d) => ({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: `User:CN=${d}`,
          host: '*',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        })),
      });
  } finally {
    await admin.disconnect();
  }
  log(`drift injected into ${drifted.length} specs; measured reprovision`);

  const run = await reprovision(env);
  const driftedSet = new Set(drifted);
  let healed = 0;
  let unchanged = 0;
  let failed = 0;
  for (const d of domains) {
    const r = await report(env, d);
    if (r.status !== 'PROVISIONED') failed++;
    else if (driftedSet.has(d) && Number(r.applied?.['aclsCreated'] ?? 0) > 0) healed++;
    else if (!driftedSet.has(d) && r.applied?.['changed'] === false) unchanged++;
  }
  const children = mapRunChildren(env, run.executionArn);
  let maxChildStateBytes = 0;
  for (const c of children) maxChildStateBytes = Math.max(maxChildStateBytes, largestState(env, c));

  console.log(
    JSON.stringify({
      name: 'reprovision-scale',
      specs: SPECS,
      drifted: drifted.length,
      healed,
      unchanged,
      failed,
      totalMs: Math.round(run.ms),
      msPerSpec: Math.round((run.ms / SPECS) * 10) / 10,
      setupMs: Math.round(setup.ms),
      childExecutions: children.length,
      maxParentStateBytes: largestState(env, run.executionArn),
      maxChildStateBytes,
      outputBytes: Buffer.byteLength(run.output),
      payloadQuotaBytes: 262_144,
    }),
  );
} finally {
  await env.stop();
}
