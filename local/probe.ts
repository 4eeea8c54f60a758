// Proves access with real client connections: each probe is a real kafkajs producer or consumer,
// authenticated as one domain over SCRAM or mTLS, and the broker's StandardAuthorizer decides.
// `npm start` and the end-to-end tests compare these outcomes with what the access model expects.
// IAM clients cannot be probed here (the local broker cannot run MSK's IAM authentication, AWS's
// own): their decisions come from an IAM policy simulator over the domains' policies
// (simulatedIamDecisions) and share the matrix, marked as simulated.
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { IamSimulator } from '../cli/iam-simulator.js';
import { iamRequestsFor, type MskCluster } from '../lib/access/iam.js';
import type { AuthMode } from '../lib/config.js';
import { retry } from '../lib/retry.js';

export type ProbeOperation = 'WRITE' | 'READ';

export interface ProbeClient {
  readonly domain: string;
  readonly auth: AuthMode;
  /** brokers + ssl + sasl for this identity; never printed. */
  readonly config: KafkaConfig;
}

export interface ProbeCase {
  readonly client: ProbeClient;
  readonly topic: string;
  readonly operation: ProbeOperation;
  /** What the access model says; undefined when the probe only observes. */
  readonly expected?: boolean;
}

export interface ProbeOutcome extends ProbeCase {
  /** true: the broker allowed it; false: it refused with an authorization error. */
  readonly allowed: boolean;
  /** The Kafka error name for a refusal, or a short note. */
  readonly detail: string;
}

/** Who decided a matrix cell: the broker (a real client) or the IAM policy simulator. */
export type DecidedBy = 'broker' | 'simulator';

/** One decision of the access matrix, from a probe or from the simulator. */
export interface AccessDecision {
  readonly client: { readonly domain: string; readonly auth: string };
  readonly topic: string;
  readonly operation: ProbeOperation;
  readonly expected?: boolean;
  readonly allowed: boolean;
  readonly detail: string;
  /** Undefined: the broker. */
  readonly decidedBy?: DecidedBy;
}

const AUTHORIZATION_ERRORS = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

/** The Kafka error name of an authorization refusal anywhere in a kafkajs error chain, if any. */
export function authorizationError(error: unknown): string | undefined {
  for (let e = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined; e;) {
    if (typeof e.type === 'string' && AUTHORIZATION_ERRORS.has(e.type)) return e.type;
    e = (e.cause ?? e.originalError) as typeof e | undefined;
  }
  return undefined;
}

function client(c: ProbeClient, clientId: string): Kafka {
  return new Kafka({
    ...c.config,
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

async function probeWrite(c: ProbeClient, topic: string): Promise<[boolean, string]> {
  const producer = client(c, `${c.domain}.probe`).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: c.domain, value: `probe from ${c.domain} over ${c.auth}` }],
    });
    return [true, 'written'];
  } catch (error) {
    const refused = authorizationError(error);
    if (refused) return [false, refused];
    throw error;
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads through a consumer group under the reader's own prefix (`<domain>.probe-...`), as a real
 * application would. A refusal arrives as an authorization error from the metadata, group or fetch
 * calls; an allowed read is proven by the first fetched batch.
 */
async function probeRead(c: ProbeClient, topic: string, timeoutMs: number): Promise<[boolean, string]> {
  const groupId = `${c.domain}.probe-${c.auth.toLowerCase()}-${topic}`;
  // Retriable errors (the group coordinator loading __consumer_offsets on first use) are retried as
  // any consumer would; authorization errors are not retriable and surface at once.
  const consumer = client(c, `${c.domain}.probe`).consumer({
    groupId,
    sessionTimeout: 10_000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  let timer: NodeJS.Timeout | undefined;
  let onRecord = (): void => undefined;
  const decided = new Promise<[boolean, string]>((resolve, reject) => {
    onRecord = () => resolve([true, 'read']);
    timer = setTimeout(() => resolve([false, `no record within ${timeoutMs} ms`]), timeoutMs);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const refused = authorizationError(payload.error);
      if (refused) resolve([false, refused]);
      else if (!payload.restart) reject(payload.error);
      // else: kafkajs restarts the consumer after a retriable error; keep waiting.
    });
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async () => onRecord() });
    return await decided;
  } catch (error) {
    const refused = authorizationError(error);
    if (refused) return [false, refused];
    throw error;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order in the result. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

function isRetriable(error: unknown): boolean {
  for (let e = error as { retriable?: boolean; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.retriable === true) return true;
  }
  return false;
}

/** Retries what a real client would retry (e.g. COORDINATOR_LOAD_IN_PROGRESS on a fresh cluster). */
async function retryTransient<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  // `{ value }`: a result of undefined is a result here, not "not yet".
  const { value } = await retry(async () => ({ value: await work() }), {
    attempts,
    delayMs: (n) => 250 * n,
    retryIf: isRetriable,
  });
  return value;
}

export interface ProbeOptions {
  readonly concurrency?: number;
  readonly readTimeoutMs?: number;
  readonly onOutcome?: (outcome: ProbeOutcome) => void;
}

/**
 * Runs every WRITE probe first, then every READ probe, so that an allowed reader always finds a
 * record written by the topic's owner.
 */
export async function runProbes(cases: readonly ProbeCase[], options: ProbeOptions = {}): Promise<ProbeOutcome[]> {
  const { concurrency = 6, readTimeoutMs = 10_000, onOutcome } = options;
  const attempt = (probe: ProbeCase) =>
    probe.operation === 'WRITE'
      ? probeWrite(probe.client, probe.topic)
      : probeRead(probe.client, probe.topic, readTimeoutMs);
  const run = async (probe: ProbeCase): Promise<ProbeOutcome> => {
    const [allowed, detail] = await retryTransient(() => attempt(probe));
    const outcome = { ...probe, allowed, detail };
    onOutcome?.(outcome);
    return outcome;
  };
  const writes = await mapLimit(
    cases.filter((c) => c.operation === 'WRITE'),
    concurrency,
    run,
  );
  const reads = await mapLimit(
    cases.filter((c) => c.operation === 'READ'),
    concurrency,
    run,
  );
  return [...writes, ...reads];
}

/** Decisions (broker or simulator) that differ from the access model's expectation. */
export function mismatches<D extends AccessDecision>(outcomes: readonly D[]): D[] {
  return outcomes.filter((o) => o.expected !== undefined && o.expected !== o.allowed);
}

/**
 * What an IAM client of each domain may do on each topic, decided by the simulator over the
 * domains' policies: WRITE is kafka-cluster:WriteData, READ ReadData, each with Connect and the
 * DescribeTopic MSK requires beside it (Amazon MSK Developer Guide, "IAM access control"), as
 * `msk-spec access --auth iam` decides. `expected` is the access model's decision for the domain.
 */
export function simulatedIamDecisions(
  cluster: MskCluster,
  sim: IamSimulator,
  domains: readonly string[],
  topics: readonly string[],
  expected: (domain: string, operation: ProbeOperation, topic: string) => boolean,
): AccessDecision[] {
  const may = (d: string, op: ProbeOperation | 'DESCRIBE', topic: string) =>
    sim.decide(d, iamRequestsFor(cluster, 'TOPIC', op, topic)!).allowed;
  return domains.flatMap((domain) =>
    topics.flatMap((topic) =>
      (['WRITE', 'READ'] as const).map((operation) => {
        const allowed = may(domain, operation, topic) && may(domain, 'DESCRIBE', topic);
        return {
          client: { domain, auth: 'IAM' },
          topic,
          operation,
          expected: expected(domain, operation, topic),
          allowed,
          detail: allowed ? 'allowed by its IAM policies' : 'no IAM policy statement allows it',
          decidedBy: 'simulator' as const,
        };
      }),
    ),
  );
}

const rowOf = (o: AccessDecision) =>
  `${o.client.domain} (${o.client.auth}${o.decidedBy === 'simulator' ? ', simulated' : ''})`;

/**
 * A compact who-can-do-what matrix: one row per identity, one column per topic; each cell is
 * `RW`, `R-`, `-W` or `--`, with `!` after a cell where the broker (or, on a row marked
 * "simulated", the IAM simulator) and the model disagree.
 */
export function formatMatrix(outcomes: readonly AccessDecision[]): string {
  const topics = [...new Set(outcomes.map((o) => o.topic))].sort();
  const rows = [...new Set(outcomes.map(rowOf))].sort();
  const cell = new Map<string, { r?: AccessDecision; w?: AccessDecision }>();
  for (const o of outcomes) {
    const key = `${rowOf(o)}\u0000${o.topic}`;
    const entry = cell.get(key) ?? {};
    if (o.operation === 'READ') entry.r = o;
    else entry.w = o;
    cell.set(key, entry);
  }
  const mark = (o: AccessDecision | undefined, letter: string) =>
    o === undefined
      ? ' '
      : (o.allowed ? letter : '-') + (o.expected !== undefined && o.expected !== o.allowed ? '!' : '');
  const rowWidth = Math.max(8, ...rows.map((r) => r.length));
  const lines = [
    ['identity'.padEnd(rowWidth), ...topics.map((_, i) => `t${i + 1}`.padEnd(5))].join('  '),
    ...rows.map((row) =>
      [
        row.padEnd(rowWidth),
        ...topics.map((t) => {
          const e = cell.get(`${row}\u0000${t}`) ?? {};
          return (mark(e.r, 'R') + mark(e.w, 'W')).padEnd(5);
        }),
      ].join('  '),
    ),
    '',
    ...topics.map((t, i) => `t${i + 1} = ${t}`),
  ];
  return lines.join('\n');
}
