// Drives the deployed pipeline the way users and AWS do: specs are PUT into the bucket (S3 →
// EventBridge → Step Functions), and executions are followed through the Step Functions API.
// Shared by `npm start` and the end-to-end tests.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
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
      ContentType: upload.key.endsWith('.json') ? 'application/json' : 'application/yaml',
    }),
  );
  return out.VersionId;
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
