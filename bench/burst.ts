// A whole organisation uploads at once: N specs (default 200) put into the spec bucket within one
// second on the embedded default (real broker, the packaged template, IAM enforced), each reaching
// the provision workflow through S3 → EventBridge → the admission queue (SQS) → AdmitSpecs →
// StartExecution, as on AWS. At most MaxConcurrentProvisions executions run at once.
//
// Reports: uploadWindowMs, from the first PutObject sent to the last one answered (the uploads go
// out from worker threads of their own, local/driver.ts uploadSpecs, as teams upload from machines
// of their own: the window is the embedded S3's serving, not the clients' signing). Before it the
// uploaders warm up with PutObjects under `warm-up/` that they delete again (no rule acts there),
// and open the connections the burst uses: the window measures a warmed S3 serving requests, as
// AWS's always is, not V8 compiling its write path nor the emulator's one thread accepting 200 TCP
// connections (AWS's front end accepts them; connectionsOpened, the ones accepted in the window,
// shows 0); specs;
// provisioned, failed and lost (an upload whose report never appeared); totalMs
// from the first upload to the last execution's end; p50Ms and p95Ms of the executions' own
// durations; maxConcurrentExecutions (exact, from the executions' start and stop times), held to
// maxConcurrentProvisions (the template's bound); for the
// Kafka admin functions, the most invocations that ran at once (held to their reserved
// concurrency, the template's KafkaAdminConcurrency) and how many were throttled and retried;
// peakRssMiB of the whole environment (this process, which hosts the emulators and the Lambda
// workers, plus the broker's JVM), sampled every 250 ms.
//
//   npm run bench -- burst [--specs N] [--max-concurrent-provisions N] [--kafka-admin-concurrency N] [--upload-threads N]
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

import { loadavg } from 'node:os';
import { ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { startEnvironment, type Environment } from '../local/environment.js';
import { maxOverlap, readReports, uploadSpec, uploadSpecs } from '../local/driver.js';
import { benchSpec, flag, rssMiB } from './_args.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const SPECS = flag('specs', 200);
/** The template's KafkaAdminConcurrency (its default is 10). */
const KAFKA_ADMIN_CONCURRENCY = flag('kafka-admin-concurrency', 10);
/** The template's MaxConcurrentProvisions (its default is 20). */
const MAX_CONCURRENT_PROVISIONS = flag('max-concurrent-provisions', 20);
/** Threads the uploads are sent from (local/driver.ts uploadSpecs), beside the embedded cloud's. */
const UPLOAD_THREADS = flag('upload-threads', 2);
const KAFKA_ADMIN_FUNCTIONS = ['planAgainstCluster', 'applyTopicsAndAcls'];

const spec = (domain: string): string => benchSpec(domain, 'burst.reader');

async function executionsSince(env: Environment, since: Date): Promise<ExecutionListItem[]> {
  const out: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.clients.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: env.resources.stateMachines.provision!,
        maxResults: 1000,
        nextToken,
      }),
    );
    out.push(...(page.executions ?? []).filter((e) => e.startDate && e.startDate >= since));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const env = await startEnvironment({
  log: (l) => log(`  ${l}`),
  pcaReadyAfterPolls: 0,
  kafkaAdminConcurrency: KAFKA_ADMIN_CONCURRENCY,
  maxConcurrentProvisions: MAX_CONCURRENT_PROVISIONS,
});
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20 + rssMiB(env.kafka.pid));
}, 250);
try {
  log('warm-up: one spec, so the first invocations have imported their handlers');
  const warm = new Date();
  await uploadSpec(env, { key: 'specs/burst.warmup.yaml', text: spec('burst.warmup') });
  while (
    (await executionsSince(env, warm)).some((e) => e.status === 'RUNNING') ||
    !(await readReports(env, ['specs/burst.warmup.yaml']))[0]
  )
    await new Promise((r) => setTimeout(r, 200));

  const keys = Array.from({ length: SPECS }, (_, i) => `specs/burst.d${String(i).padStart(4, '0')}.yaml`);
  log(`uploading ${SPECS} specs at once, from ${UPLOAD_THREADS} uploader threads`);
  const since = new Date();
  const loadAtUpload = loadavg()[0] ?? 0;
  const burst = await uploadSpecs(
    env,
    keys.map((key) => ({ key, text: spec(key.slice(6, -5)) })),
    { threads: UPLOAD_THREADS, warmUpPrefix: 'warm-up/' },
  );
  const uploadWindowMs = burst.windowMs;
  const refused = burst.uploads.filter((u) => u.error !== undefined);
  if (refused.length > 0) throw new Error(`${refused.length} uploads failed, the first: ${refused[0]!.error}`);
  log(`  uploaded in ${Math.round(uploadWindowMs)} ms`);

  const deadline = Date.now() + 30 * 60_000;
  let executions: ExecutionListItem[] = [];
  for (;;) {
    executions = await executionsSince(env, since);
    const running = executions.filter((e) => e.status === 'RUNNING').length;
    log(`  ${executions.length} started, ${running} running, ${executions.length - running} finished`);
    if (executions.length >= SPECS && running === 0) break;
    if (Date.now() > deadline) throw new Error('burst did not settle within 30 minutes');
    await new Promise((r) => setTimeout(r, 2000));
  }
  // From the first upload sent (the uploader threads start before it, after `since`).
  const firstSent = Math.min(...burst.uploads.map((u) => u.sentAt));
  const totalMs = Math.round(Math.max(...executions.map((e) => e.stopDate!.getTime())) - firstSent);
  const durations = executions.map((e) => e.stopDate!.getTime() - e.startDate!.getTime());
  const reports = await readReports(env, keys);
  // The Kafka admin functions' invocations over the whole run (warm-up included): the most that
  // ran at once is held to their reserved concurrency; the rest were throttled and retried.
  const kafkaAdmins = Object.fromEntries(
    KAFKA_ADMIN_FUNCTIONS.map((key) => {
      const name = env.lambda.functionNames().find((n) => n.endsWith(`-${key}`))!;
      const { maxInFlight, throttles, invocations } = env.lambda.stats(name)!;
      return [key, { maxConcurrent: maxInFlight, invocations, throttles }];
    }),
  );
  const byStatus = (s: string) => reports.filter((r) => r?.status === s).length;
  // The admission queue: how often uploads were handed out and deferred; anything in the
  // dead-letter queue never ran (it counts as lost as well as having no report).
  await env.lambda.eventSourcesDrained();
  const queue = (logicalId: string) => env.sqs.stats(env.stack.resources.find((r) => r.logicalId === logicalId)!.ref)!;
  const [admissionQueue, deadLetters] = [queue('AdmissionQueue'), queue('AdmissionDeadLetterQueue')];
  const admitSpecs = env.lambda.eventSourceStats().find((m) => m.functionName.endsWith('-admitSpecs'))!;

  console.log(
    JSON.stringify({
      name: 'burst',
      specs: SPECS,
      uploadWindowMs: Math.round(uploadWindowMs),
      uploadThreads: UPLOAD_THREADS,
      connectionsOpened: burst.connectionsOpened,
      loadAverageAtUpload1m: Math.round(loadAtUpload * 10) / 10,
      executions: executions.length,
      provisioned: byStatus('PROVISIONED'),
      failed: byStatus('FAILED'),
      lost: reports.filter((r) => r === undefined).length,
      executionsFailed: executions.filter((e) => e.status !== 'SUCCEEDED').length,
      totalMs,
      p50Ms: percentile(durations, 50),
      p95Ms: percentile(durations, 95),
      maxMs: Math.max(...durations),
      maxConcurrentExecutions: maxOverlap(executions),
      maxConcurrentProvisions: MAX_CONCURRENT_PROVISIONS,
      admission: {
        sent: admissionQueue.sent,
        received: admissionQueue.received,
        deferred: admitSpecs.messagesReportedFailed,
        invocations: admitSpecs.invocations,
        deadLettered: deadLetters.sent + admissionQueue.movedToDeadLetterQueue,
        leftInQueue: admissionQueue.available + admissionQueue.inFlight + admissionQueue.delayed,
      },
      kafkaAdminConcurrency: KAFKA_ADMIN_CONCURRENCY,
      kafkaAdmins,
      peakRssMiB: Math.round(peakRss),
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    }),
  );
} finally {
  clearInterval(sampler);
  await env.stop();
}
