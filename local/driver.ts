// Drives the deployed pipeline the way users and AWS do: specs are PUT into the bucket (S3 →
// EventBridge → Step Functions), and executions are followed through the Step Functions API.
// Shared by `npm start` and the end-to-end tests.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  ListExecutionsCommand,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  DescribeExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { parseSpec } from '../lib/spec/index.js';
import { readReportForSpecKey, type ProvisionReport } from '../lib/aws/reports.js';
import { DEFAULT_CONFIG, type ProvisionConfig } from '../lib/config.js';
import type { Environment } from './environment.js';
import { localAdminArn, type LocalAws } from './aws/env.js';

export interface SpecUpload {
  readonly file: string;
  readonly key: string;
  /** The domain the spec declares, when it parses; the key is derived from it. */
  readonly domain?: string;
  readonly text: string;
}

/**
 * Where a spec file goes in the bucket: `specs/<domain>.<ext>` for the domain it declares (the key
 * binds the owner, docs/architecture.md#the-s3-key-binds-the-owner). A spec that does not parse keeps its file name, so the
 * pipeline refuses it and reports why.
 */
export function specUpload(file: string, config: ProvisionConfig = DEFAULT_CONFIG): SpecUpload {
  const text = readFileSync(file, 'utf8');
  const name = basename(file);
  const ext = /\.(ya?ml|json)$/i.exec(name)?.[0]?.toLowerCase() ?? '.yaml';
  const parsed = parseSpec(text, file, config);
  return parsed.ok
    ? { file, text, domain: parsed.spec.domain, key: `specs/${parsed.spec.domain}${ext}` }
    : { file, text, key: `specs/${name}` };
}

export async function uploadSpec(
  env: Environment,
  upload: Pick<SpecUpload, 'key' | 'text'>,
): Promise<string | undefined> {
  const out = await env.clients.s3.send(
    new PutObjectCommand({
      Bucket: env.resources.specBucket,
      Key: upload.key,
      Body: upload.text,
      ContentType: contentTypeOf(upload.key),
    }),
  );
  return out.VersionId;
}

const contentTypeOf = (key: string): string => (key.endsWith('.json') ? 'application/json' : 'application/yaml');

export interface BurstUpload {
  readonly key: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly versionId?: string;
  readonly error?: string;
}

export interface Burst {
  /** One entry per upload, in the order given. */
  readonly uploads: readonly BurstUpload[];
  /** From the first PutObject sent to the last one answered, in ms. */
  readonly windowMs: number;
  /** TCP connections the emulated S3 accepted from the go to the last answer (the warm-up opens the burst's). */
  readonly connectionsOpened: number;
}

/** What a burst needs of the environment: the S3 endpoint, the spec bucket, and IAM for the callers' credentials. */
export type BurstTarget = Pick<Environment, 'iam'> & {
  readonly aws: Pick<LocalAws, 's3Endpoint' | 'region'> & { readonly s3: Pick<LocalAws['s3'], 'connectionsAccepted'> };
  readonly resources: Pick<Environment['resources'], 'specBucket'>;
};

const UPLOAD_WORKER = join(dirname(fileURLToPath(import.meta.url)), 'upload-worker.mjs');

/**
 * Puts all the specs at once, as many teams would from machines of their own: the PutObjects are
 * sent from `threads` worker threads (local/upload-worker.mjs), each with its own S3 client and
 * connections, signed with the credentials of `principalArn` (default the administrator, whose
 * credentials `uploadSpec` signs with). The embedded cloud's event loop then carries only what S3
 * itself does. Every worker has built its client and warmed it before the first upload goes out:
 * with HeadObjects of keys outside `specs/` that do not exist, or, given `warmUpPrefix`, with
 * PutObjects under that prefix whose versions it deletes again (this warms the emulated S3's write
 * path too; each leaves a Put and a permanent-delete object event, and no object). Its last round
 * is as wide as the worker's share, so the connections the burst uses are open before it.
 */
export async function uploadSpecs(
  env: BurstTarget,
  uploads: readonly Pick<SpecUpload, 'key' | 'text'>[],
  opts: { readonly threads?: number; readonly principalArn?: string; readonly warmUpPrefix?: string } = {},
): Promise<Burst> {
  const threads = Math.max(1, Math.min(opts.threads ?? 2, uploads.length));
  const shares = Array.from({ length: threads }, (_, t) => uploads.filter((_, i) => i % threads === t));
  const workers = shares.map(
    (share) =>
      new Worker(UPLOAD_WORKER, {
        workerData: {
          endpoint: env.aws.s3Endpoint,
          region: env.aws.region,
          credentials: env.iam.credentialsFor(opts.principalArn ?? localAdminArn(env.iam.accountId)),
          bucket: env.resources.specBucket,
          uploads: share.map((u) => ({ key: u.key, text: u.text, contentType: contentTypeOf(u.key) })),
          warmUpPrefix: opts.warmUpPrefix,
        },
      }),
  );
  try {
    // Each worker: ready once its client is built, then its results; an error or an exit before
    // them fails the burst.
    const settled = workers.map((w) => {
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const results = new Promise<BurstUpload[]>((resolve, reject) => {
        w.on('message', (m: { ready?: true; results?: BurstUpload[] }) => (m.ready ? ready() : resolve(m.results!)));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`upload worker exited with code ${code}`)));
      });
      results.catch(() => undefined); // awaited below, unless another worker failed first
      return { ready: Promise.race([isReady, results.then(() => undefined)]), results };
    });
    await Promise.all(settled.map((s) => s.ready));
    const acceptedBefore = env.aws.s3.connectionsAccepted;
    for (const w of workers) w.postMessage('go');
    const answers = settled.map((s) => s.results);
    const byKey = new Map((await Promise.all(answers)).flat().map((r) => [r.key, r]));
    const results = uploads.map((u) => byKey.get(u.key)!);
    const windowMs = Math.max(...results.map((r) => r.answeredAt)) - Math.min(...results.map((r) => r.sentAt));
    return { uploads: results, windowMs, connectionsOpened: env.aws.s3.connectionsAccepted - acceptedBefore };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export interface ExecutionProgress {
  readonly executionArn: string;
  /** The spec key the execution works on (from its S3 event input). */
  readonly key?: string;
  readonly state: string;
  readonly event: 'entered' | 'succeeded' | 'failed' | 'retrying';
}

export interface FinishedExecution {
  readonly executionArn: string;
  readonly key?: string;
  readonly status: string;
  readonly error?: string;
}

function keyOf(input: string | undefined): string | undefined {
  try {
    return (JSON.parse(input ?? '{}') as { detail?: { object?: { key?: string } } }).detail?.object?.key;
  } catch {
    return undefined;
  }
}

const TASK_EXIT = /TaskStateExited$/;

/**
 * Waits until `count` executions of the state machine exist and all have stopped, reporting each
 * Task state as it finishes (from GetExecutionHistory, as a console would).
 */
export async function followExecutions(
  env: Environment,
  stateMachineArn: string,
  count: number,
  onProgress: (p: ExecutionProgress) => void = () => undefined,
  options: { readonly timeoutMs?: number; readonly pollMs?: number; readonly since?: Date } = {},
): Promise<FinishedExecution[]> {
  const { timeoutMs = 120_000, pollMs = 200, since } = options;
  const deadline = Date.now() + timeoutMs;
  const seenEvents = new Map<string, number>();
  const finished = new Map<string, FinishedExecution>();
  const keys = new Map<string, string | undefined>();

  for (;;) {
    const list = await env.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
    const executions = (list.executions ?? []).filter((e) => !since || (e.startDate && e.startDate >= since));
    for (const e of executions) {
      const arn = e.executionArn!;
      if (finished.has(arn)) continue;
      if (!keys.has(arn)) {
        const d = await env.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        keys.set(arn, keyOf(d.input));
      }
      const history = await env.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }),
      );
      const events = history.events ?? [];
      for (const h of events.slice(seenEvents.get(arn) ?? 0)) report(arn, keys.get(arn), h, onProgress);
      seenEvents.set(arn, events.length);
      if (e.status !== 'RUNNING') {
        const d = await env.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        finished.set(arn, {
          executionArn: arn,
          key: keys.get(arn),
          status: d.status ?? 'UNKNOWN',
          ...(d.error ? { error: d.error } : {}),
        });
      }
    }
    if (executions.length >= count && finished.size === executions.length) return [...finished.values()];
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${finished.size} of ${count} executions finished`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function report(
  arn: string,
  key: string | undefined,
  h: HistoryEvent,
  onProgress: (p: ExecutionProgress) => void,
): void {
  const type = h.type ?? '';
  if (TASK_EXIT.test(type)) {
    const name = h.stateExitedEventDetails?.name ?? '?';
    onProgress({ executionArn: arn, key, state: name, event: 'succeeded' });
  } else if (type === 'TaskFailed' || type === 'LambdaFunctionFailed') {
    const details = (h.taskFailedEventDetails ?? h.lambdaFunctionFailedEventDetails) as { error?: string } | undefined;
    onProgress({ executionArn: arn, key, state: details?.error ?? 'task', event: 'retrying' });
  }
}

/** The reports the workflow wrote for these uploads (by spec key), in the same order. */
export async function readReports(
  env: Environment,
  specKeys: readonly string[],
): Promise<(ProvisionReport | undefined)[]> {
  return Promise.all(specKeys.map((k) => readReportForSpecKey(env.clients.s3, env.resources.specBucket, k)));
}

/** The most executions running at one moment: a sweep over their [start, stop) intervals. */
export function maxOverlap(executions: readonly ExecutionListItem[]): number {
  const edges = executions.flatMap((e) => [
    { t: e.startDate!.getTime(), d: 1 },
    { t: (e.stopDate ?? new Date()).getTime(), d: -1 },
  ]);
  edges.sort((x, y) => x.t - y.t || x.d - y.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}
