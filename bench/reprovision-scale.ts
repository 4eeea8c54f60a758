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
//
// Cost (bench/_cost.ts), for the setup and for the measured run: Lambda invocations, AWS requests and Kafka requests,
// per spec and broken down, in `cost.provision` and `cost.reprovision` (`perSpec` is the reprovision's, as is
// `provisionPerSpec` the setup's), with `stateMs` (where each phase's time went: the mean time per spec in each state
// of the provision workflow), `peakRssMiB` of the whole environment and the 1-minute load average at the end of each
// phase (the machine may be shared). `--budget-minutes M` ends the uploads after M minutes; the reprovision then runs
// over the specs provisioned so far, and the line says `finished: false` (a smaller figure rather than none).
//
//   npm run bench -- reprovision-scale [--specs N] [--upload-concurrency N] [--budget-minutes M]
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

import { loadavg } from 'node:os';
import kafkajs from 'kafkajs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { uploadSpec } from '../local/driver.js';
import { startEnvironment, type Environment } from '../local/environment.js';
import { benchSpec, flag } from './_args.js';
import { measured, sampleRss } from './_cost.js';

// kafkajs is CommonJS: its enums are not named ESM exports.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes } = kafkajs;
const log = (line: string) => process.stderr.write(`${line}\n`);

const SPECS = flag('specs', 5_000);
const UPLOAD_CONCURRENCY = flag('upload-concurrency', 10);
const DRIFT_PERCENT = 5;
const BUDGET_MS = process.argv.includes('--budget-minutes') ? flag('budget-minutes', 1) * 60_000 : Infinity;
const load1m = () => Math.round((loadavg()[0] ?? 0) * 10) / 10;

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
  // Progress, so a run stopped before its end still shows its rate.
  const progress = setInterval(() => {
    const runs = env.sfn.listMapRuns({ executionArn }) as { mapRuns: { mapRunArn: string }[] };
    const run = runs.mapRuns[0];
    if (!run) return;
    const c = (env.sfn.describeMapRun({ mapRunArn: run.mapRunArn }) as { itemCounts: Record<string, number> })
      .itemCounts;
    const s = (performance.now() - t) / 1000;
    const done = (c['succeeded'] ?? 0) + (c['failed'] ?? 0);
    log(
      `  reprovision: ${done} of ${c['total']} children done in ${Math.round(s)} s (${(done / s).toFixed(2)}/s, load ${load1m()}, this process ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB)`,
    );
  }, 30_000);
  const d = await env.sfn.waitForExecution(executionArn!).finally(() => clearInterval(progress));
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

/**
 * Where the time of these provision runs went: per state of the workflow, the mean time a run spent in it (entered
 * to exited; a Parallel's branches overlap, so the states do not add up to the run), and the mean run.
 */
function timeByState(env: Environment, executionArns: readonly string[]): Record<string, number> {
  const total: Record<string, number> = {};
  let runs = 0;
  for (const executionArn of executionArns) {
    const entered = new Map<string, number>();
    let first: number | undefined;
    let last = 0;
    let nextToken: string | undefined;
    do {
      const page = env.sfn.getExecutionHistory({
        executionArn,
        maxResults: 1000,
        includeExecutionData: false,
        ...(nextToken ? { nextToken } : {}),
      }) as Page;
      for (const e of page.events) {
        const t = Number(e['timestamp']) * 1000;
        first ??= t;
        last = t;
        const inName = (e['stateEnteredEventDetails'] as { name?: string } | undefined)?.name;
        const outName = (e['stateExitedEventDetails'] as { name?: string } | undefined)?.name;
        if (inName) entered.set(inName, t);
        if (outName && entered.has(outName)) total[outName] = (total[outName] ?? 0) + t - entered.get(outName)!;
      }
      nextToken = page.nextToken;
    } while (nextToken);
    total['(run)'] = (total['(run)'] ?? 0) + last - (first ?? last);
    runs++;
  }
  return Object.fromEntries(
    Object.entries(total)
      .sort(([, a], [, b]) => b - a)
      .map(([state, ms]) => [state, Math.round(ms / Math.max(1, runs))]),
  );
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

/** The first failure an execution's history records (a task's or a Lambda's error and cause). */
function firstFailure(env: Environment, executionArn: string): unknown {
  const page = env.sfn.getExecutionHistory({ executionArn, maxResults: 1000 }) as Page;
  for (const e of page.events)
    for (const [k, v] of Object.entries(e)) if (/Failed|TimedOut/.test(k) && k.endsWith('EventDetails')) return v;
  return '(no failure event)';
}

/**
 * Waits until `count` provision runs exist and none is running. The failed ones are counted with their most common
 * reasons, not thrown: the reprovision that follows re-applies them too, and a figure with its failures shown beats
 * none (a throttled Kafka admin invocation can run out of its retries when each takes long at thousands of specs).
 */
async function settled(env: Environment, count: number): Promise<{ failed: number; reasons: Record<string, number> }> {
  for (;;) {
    const runs = provisionRuns(env);
    if (runs.length >= count && runs.every((e) => e.status !== 'RUNNING')) {
      const failed = runs.filter((e) => e.status !== 'SUCCEEDED');
      // The reasons are in the FAILED reports (or, without one, the history).
      const reasons: Record<string, number> = {};
      for (const f of failed) {
        const input = JSON.parse(String(env.sfn.describeExecution({ executionArn: f.executionArn })['input'])) as {
          detail?: { object?: { key?: string } };
        };
        const domain = (input.detail?.object?.key ?? '').replace(/^specs\/|\.yaml$/g, '');
        const r = (await report(env, domain).catch(() => ({}))) as { error?: { name?: unknown } };
        const k = String(r.error?.name ?? (firstFailure(env, f.executionArn) as { error?: unknown })?.error ?? '?');
        reasons[k] = (reasons[k] ?? 0) + 1;
      }
      if (failed.length > 0) log(`  ${failed.length} provision run(s) failed: ${JSON.stringify(reasons)}`);
      return { failed: failed.length, reasons };
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
  // Retry intervals as the workflows define them: with the Kafka admin functions' reserved concurrency
  // (KafkaAdminConcurrency) below the runs in flight, a throttled invocation waits its backoff as on AWS; with no
  // interval its retries would all fail at once.
  waitMs: 0,
  authModes: ['MTLS'],
});
const rss = sampleRss(env);
try {
  const all = Array.from({ length: SPECS }, (_, i) => domainOf(i));
  let uploaded = 0;
  const t0 = performance.now();
  const setup = await measured(
    env,
    () => uploaded,
    async () => {
      for (let i = 0; i < all.length && performance.now() - t0 < BUDGET_MS; i += UPLOAD_CONCURRENCY) {
        const batch = all.slice(i, i + UPLOAD_CONCURRENCY);
        await Promise.all(batch.map((d) => uploadSpec(env, { key: `specs/${d}.yaml`, text: spec(d) })));
        uploaded += batch.length;
        // Keep the provision runs from piling up far ahead of the uploads.
        while (running(env) > UPLOAD_CONCURRENCY * 2) await new Promise((r) => setTimeout(r, 200));
        if ((i / UPLOAD_CONCURRENCY) % 20 === 0) {
          const s = (performance.now() - t0) / 1000;
          log(
            `  uploaded ${uploaded} of ${SPECS} in ${Math.round(s)} s (${(uploaded / s).toFixed(2)} specs/s, load ${load1m()}, peak RSS ${rss.peakMiB()} MiB)`,
          );
        }
      }
      const outcome = await settled(env, uploaded);
      return { ms: performance.now() - t0, ...outcome };
    },
  );
  const domains = all.slice(0, uploaded);
  log(`setup: ${uploaded} specs uploaded and provisioned in ${Math.round(setup.result.ms)} ms`);
  const setupFigures = {
    setupMs: Math.round(setup.result.ms),
    setupSpecsPerSecond: Math.round((uploaded / setup.result.ms) * 1000 * 100) / 100,
    provisionPerSpec: setup.cost.perSpec,
    setupLoadAverage1m: load1m(),
    setupFailed: setup.result.failed,
    setupFailureReasons: setup.result.reasons,
  };
  if (uploaded < SPECS) log(`setup budget spent: the reprovision runs over the ${uploaded} specs provisioned`);
  const provisionStateMs = timeByState(
    env,
    provisionRuns(env).map((e) => e.executionArn),
  );

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

  const before = new Set(provisionRuns(env).map((e) => e.executionArn));
  const { result: run, cost: reprovisionCost } = await measured(env, uploaded, () => reprovision(env));
  const reprovisionLoad = load1m();
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
      // false when the setup budget ran out: then `specs` is how many were provisioned, of `requestedSpecs`.
      finished: uploaded === SPECS,
      specs: uploaded,
      requestedSpecs: SPECS,
      drifted: drifted.length,
      healed,
      unchanged,
      failed,
      totalMs: Math.round(run.ms),
      msPerSpec: Math.round((run.ms / uploaded) * 10) / 10,
      loadAverage1m: reprovisionLoad,
      perSpec: reprovisionCost.perSpec,
      ...setupFigures,
      childExecutions: children.length,
      maxParentStateBytes: largestState(env, run.executionArn),
      maxChildStateBytes,
      outputBytes: Buffer.byteLength(run.output),
      payloadQuotaBytes: 262_144,
      peakRssMiB: rss.peakMiB(),
      cost: {
        provision: { ...setup.cost, stateMs: provisionStateMs },
        reprovision: {
          ...reprovisionCost,
          stateMs: timeByState(
            env,
            provisionRuns(env)
              .map((e) => e.executionArn)
              .filter((a) => !before.has(a)),
          ),
        },
      },
    }),
  );
} finally {
  rss.stop();
  await env.stop();
}
