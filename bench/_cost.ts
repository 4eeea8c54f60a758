// The cost meter of the scale benchmarks: what a phase of a run cost in Lambda invocations, AWS requests and Kafka
// requests, counted where they are served, so it does not matter what starts the executions (an S3 event through
// EventBridge, an admission queue's Lambda, a Distributed Map):
//
// - Lambda invocations: the embedded Lambda runtime's own count per function (local/lambda/runtime.ts, stats()),
//   whoever invoked it (a Task state, an event source mapping); throttled attempts are listed beside them.
// - AWS requests: the emulated endpoints' count by caller, service and operation (local/aws/request-counts.ts, in the
//   gateway and in S3), taken as requests arrive. The deployment's requests are the ones signed by anyone but the
//   local administrator (its Lambda roles and its state machines' roles, the Distributed Map's ItemReader and
//   ResultWriter included); the administrator's (the benchmark's own uploads) are listed apart as `operator`.
//   Not counted: what the AWS services do among themselves (S3 → EventBridge → Step Functions, a Map starting its
//   child executions), which no role sends.
// - Kafka requests: the broker's own counters, read over JMX (bench/_KafkaRequestMetrics.java attaches to the
//   broker's JVM), not what the handlers report: the handlers count only their admin's requests after it connected
//   (lib/kafka/connect.ts, counted()), so the connection's Metadata and ApiVersions are missing, and a request a
//   handler sends and then retries, or one of another client (the MSK emulator's), would not show. `total` is the
//   requests read off every listener but the controller's (socket-server-metrics request-total: after authentication,
//   so a SCRAM connection's SaslHandshake and SaslAuthenticate are not in it; `authentications` counts those
//   connections); `byApi` comes from the request meters, with the controller's share taken out: a combined KRaft node
//   counts a request the broker forwards to its controller (CreateTopics, CreateAcls, DeleteAcls...) twice, and the
//   controller-only APIs (BrokerHeartbeat...) are the node talking to itself. `consistent` says whether the two agree.
//   `requestBytes` and `responseBytes` are those listeners' byte counters: a request count that stays flat per spec
//   can still cost more per spec as the cluster grows (a DescribeAcls of every ACL, a Metadata of every topic).
//
// Use: `const before = await costSnapshot(env)`, the phase, `const after = await costSnapshot(env)`, then
// `costOf(before, after, specs)`. A snapshot takes a second or two (the Java helper compiles and attaches).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Environment } from '../local/environment.js';
import { localAdminArn } from '../local/aws/env.js';
import { findJava, kafkaLibsDir, kafkaVersion } from '../local/kafka/fetch.js';

const HELPER = join(dirname(fileURLToPath(import.meta.url)), '_KafkaRequestMetrics.java');
/** The listener the broker and its controller talk over (local/kafka/broker.ts): not a client's. */
const CONTROLLER_LISTENER = 'CONTROLLER';

interface BrokerCounters {
  readonly apis: Readonly<Record<string, { count: number; forwardable: boolean; clientApi: boolean }>>;
  readonly listeners: Readonly<
    Record<
      string,
      { requests: number; authentications: number; connections: number; bytesIn: number; bytesOut: number }
    >
  >;
}

export interface CostSnapshot {
  readonly lambda: Readonly<Record<string, { invocations: number; throttles: number }>>;
  /** `<caller>\n<service>:<Operation>` → requests; the caller is OPERATOR, a role's logical id, or the principal. */
  readonly aws: ReadonlyMap<string, number>;
  readonly kafka: BrokerCounters;
}

export interface PhaseCost {
  readonly specs: number;
  readonly perSpec: { lambdaInvocations: number; awsRequests: number; kafkaRequests: number; kafkaResponseKiB: number };
  readonly lambdaInvocations: { total: number; byFunction: Record<string, number>; throttles: number };
  /** `byOperation` keys are `<service>:<Operation>`; `byRole` keys the role's logical id in the template. */
  readonly awsRequests: {
    total: number;
    byOperation: Record<string, number>;
    byRole: Record<string, number>;
    operator: Record<string, number>;
  };
  readonly kafkaRequests: {
    total: number;
    byApi: Record<string, number>;
    byListener: Record<string, number>;
    authentications: number;
    connections: number;
    /** What the clients sent the broker and the broker sent them (its listeners' byte counters). */
    requestBytes: number;
    responseBytes: number;
    consistent: boolean;
  };
}

/** The serverless.yml function key of a deployed function: `msk-spec-provisioner-local-validateSpec` → `validateSpec`. */
const functionKey = (name: string): string => name.slice(name.lastIndexOf('-') + 1);

const OPERATOR = '(operator)';

/** `arn:aws:sts::1:assumed-role/<role>/<session>` or `arn:aws:iam::1:role/<path>/<role>` → `<role>`. */
function roleName(principalArn: string): string {
  const resource = principalArn.slice(principalArn.indexOf(':', principalArn.indexOf('::') + 2) + 1);
  const parts = resource.split('/');
  return parts[0] === 'assumed-role' ? parts[1]! : parts[parts.length - 1]!;
}

/** Who a request came from: OPERATOR (the local administrator), the template's logical id of a role, or the ARN. */
function callerOf(env: Environment, principalArn: string | undefined): string {
  if (principalArn === undefined) return '(unsigned)';
  if (principalArn === localAdminArn()) return OPERATOR;
  const name = roleName(principalArn);
  return env.stack.resources.find((r) => r.type === 'AWS::IAM::Role' && r.ref === name)?.logicalId ?? principalArn;
}

async function brokerCounters(env: Environment): Promise<BrokerCounters> {
  const classpath = join(kafkaLibsDir(), `kafka-clients-${kafkaVersion()}.jar`);
  const { stdout } = await promisify(execFile)(findJava().bin, ['-cp', classpath, HELPER, String(env.kafka.pid)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as BrokerCounters;
}

export async function costSnapshot(env: Environment): Promise<CostSnapshot> {
  const kafka = await brokerCounters(env);
  const lambda: Record<string, { invocations: number; throttles: number }> = {};
  for (const name of env.lambda.functionNames()) {
    const s = env.lambda.stats(name)!;
    lambda[functionKey(name)] = { invocations: s.invocations, throttles: s.throttles };
  }
  const aws = new Map<string, number>();
  for (const c of [...env.aws.gateway.requests.snapshot(), ...env.aws.s3.requests.snapshot()]) {
    const key = `${callerOf(env, c.principalArn)}\n${c.service}:${c.operation}`;
    aws.set(key, (aws.get(key) ?? 0) + c.count);
  }
  return { lambda, aws, kafka };
}

const add = (to: Record<string, number>, key: string, n: number): void => {
  if (n !== 0) to[key] = (to[key] ?? 0) + n;
};
const sorted = (r: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(r).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
const per = (n: number, specs: number): number => Math.round((n / specs) * 100) / 100;

/** What happened between two snapshots, in total and per spec (`specs`: how many the phase handled). */
export function costOf(before: CostSnapshot, after: CostSnapshot, specs: number): PhaseCost {
  const byFunction: Record<string, number> = {};
  let throttles = 0;
  for (const [fn, s] of Object.entries(after.lambda)) {
    add(byFunction, fn, s.invocations - (before.lambda[fn]?.invocations ?? 0));
    throttles += s.throttles - (before.lambda[fn]?.throttles ?? 0);
  }

  const byOperation: Record<string, number> = {};
  const byRole: Record<string, number> = {};
  const operator: Record<string, number> = {};
  for (const [key, n] of after.aws) {
    const d = n - (before.aws.get(key) ?? 0);
    const [caller, operation] = key.split('\n') as [string, string];
    if (caller === OPERATOR) add(operator, operation, d);
    else {
      add(byOperation, operation, d);
      add(byRole, caller, d);
    }
  }

  const byApi: Record<string, number> = {};
  for (const [api, a] of Object.entries(after.kafka.apis)) {
    if (!a.clientApi) continue;
    const d = a.count - (before.kafka.apis[api]?.count ?? 0);
    add(byApi, api, a.forwardable ? d / 2 : d);
  }
  const byListener: Record<string, number> = {};
  let authentications = 0;
  let connections = 0;
  let requestBytes = 0;
  let responseBytes = 0;
  for (const [listener, l] of Object.entries(after.kafka.listeners)) {
    if (listener === CONTROLLER_LISTENER) continue;
    const b = before.kafka.listeners[listener];
    add(byListener, listener, l.requests - (b?.requests ?? 0));
    authentications += l.authentications - (b?.authentications ?? 0);
    connections += l.connections - (b?.connections ?? 0);
    requestBytes += l.bytesIn - (b?.bytesIn ?? 0);
    responseBytes += l.bytesOut - (b?.bytesOut ?? 0);
  }

  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const lambdaTotal = sum(byFunction);
  const awsTotal = sum(byOperation);
  const kafkaTotal = sum(byListener);
  return {
    specs,
    perSpec: {
      lambdaInvocations: per(lambdaTotal, specs),
      awsRequests: per(awsTotal, specs),
      kafkaRequests: per(kafkaTotal, specs),
      kafkaResponseKiB: per(responseBytes / 1024, specs),
    },
    lambdaInvocations: { total: lambdaTotal, byFunction: sorted(byFunction), throttles },
    awsRequests: {
      total: awsTotal,
      byOperation: sorted(byOperation),
      byRole: sorted(byRole),
      operator: sorted(operator),
    },
    kafkaRequests: {
      total: kafkaTotal,
      byApi: sorted(byApi),
      byListener: sorted(byListener),
      authentications,
      connections,
      requestBytes,
      responseBytes,
      consistent: sum(byApi) === kafkaTotal,
    },
  };
}

/** Measures `phase` (see costOf); `specs` may be known only once the phase ended (from its result). */
export async function measured<T>(
  env: Environment,
  specs: number | ((result: T) => number),
  phase: () => Promise<T>,
): Promise<{ result: T; cost: PhaseCost }> {
  const before = await costSnapshot(env);
  const result = await phase();
  const after = await costSnapshot(env);
  return { result, cost: costOf(before, after, typeof specs === 'number' ? specs : specs(result)) };
}

const rssMiB = (pid: number): number => {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};

/** The whole environment's resident memory (this process, with the emulators and Lambda workers, plus the broker's JVM), sampled every 250 ms. */
export function sampleRss(env: Environment): { peakMiB(): number; stop(): void } {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20 + rssMiB(env.kafka.pid)));
  sample();
  const timer = setInterval(sample, 250);
  timer.unref();
  return { peakMiB: () => Math.round(peak), stop: () => clearInterval(timer) };
}
