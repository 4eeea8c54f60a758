// The two ends of a rotation run around its Distributed Map (state-machines/rotate-certificates.asl.yaml).
//
// Before: the expiry scan (certificates.ts findExpiring: ListObjectsV2 only) writes the due list to
// the certificate bucket as one JSON array, rotation/<execution name>/due.json (SSE-KMS like every
// object there), which the Map's ItemReader reads; the state payload carries only the counts and
// where the list is. A retried scan of the same execution writes the same key again.
//
// After: the Map's ResultWriter has written each child execution's result to S3 (manifest.json
// and SUCCEEDED_<n>.json / FAILED_<n>.json, Step Functions Developer Guide, "ResultWriter (Map)").
// `readRenewals` reads them back, one outcome per domain; `summarizeRenewals` counts them for the
// run's output and names the first failures. Only domains, serials, generations and error names are
// in those files: the children's outputs hold nothing else.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { putJson } from './cert-store.js';
import { findExpiring, type ExpiryScan } from './certificates.js';

/** Where a run's due list is: one object per execution. */
export const dueListKey = (executionName: string): string => `rotation/${executionName}/due.json`;

export interface DueListSummary extends Omit<ExpiryScan, 'due'> {
  /** How many domains are due (the list itself is in S3). */
  readonly due: number;
  readonly dueList: { readonly bucket: string; readonly key: string };
}

export async function recordDueList(
  ctx: { readonly s3: S3Client; readonly certBucket: string; readonly specBucket: string; readonly kmsKeyId: string },
  now: Date,
  executionName: string,
): Promise<DueListSummary> {
  const { due, ...scan } = await findExpiring(ctx, now);
  const key = dueListKey(executionName);
  await putJson(ctx.s3, { bucket: ctx.certBucket, kmsKeyId: ctx.kmsKeyId }, key, due);
  return { ...scan, due: due.length, dueList: { bucket: ctx.certBucket, key } };
}

/** One domain's outcome, as its child execution ended. */
export interface RenewalOutcome {
  readonly domain: string;
  readonly status: 'RENEWED' | 'CURRENT' | 'FAILED';
  readonly serial?: string;
  readonly generation?: number;
  readonly error?: string;
}

interface ResultFileEntry {
  readonly Input: string;
  readonly Output?: string;
  readonly Status: string;
  readonly Error?: string;
}

async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString('utf8')) as T;
}

/**
 * Every domain's outcome from the ResultWriter's files. A child that succeeded carries its outcome
 * as its output; one that failed outside its own Catch (it should not) counts as FAILED with the
 * child's error.
 */
export async function readRenewals(
  s3: S3Client,
  manifest: { readonly Bucket: string; readonly Key: string },
): Promise<RenewalOutcome[]> {
  const m = await getJson<{ ResultFiles: Record<string, { Key: string }[]> }>(s3, manifest.Bucket, manifest.Key);
  const outcomes: RenewalOutcome[] = [];
  for (const file of Object.values(m.ResultFiles).flat()) {
    for (const e of await getJson<ResultFileEntry[]>(s3, manifest.Bucket, file.Key)) {
      if (e.Status === 'SUCCEEDED' && e.Output) outcomes.push(JSON.parse(e.Output) as RenewalOutcome);
      else {
        const { domain } = JSON.parse(e.Input) as { domain: string };
        outcomes.push({ domain, status: 'FAILED', error: e.Error ?? e.Status });
      }
    }
  }
  return outcomes.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
}

/** At most this many failures are named in the (state-payload sized) summary; all are in the result files. */
const MAX_NAMED_FAILURES = 20;

export interface RenewalSummary {
  readonly renewed: number;
  /** Found renewed already (an overlapping run or a provision run got there first). */
  readonly current: number;
  readonly failed: number;
  readonly failures: readonly { readonly domain: string; readonly error: string }[];
}

export async function summarizeRenewals(
  s3: S3Client,
  manifest: { readonly Bucket: string; readonly Key: string },
): Promise<RenewalSummary> {
  const outcomes = await readRenewals(s3, manifest);
  const count = (status: RenewalOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return {
    renewed: count('RENEWED'),
    current: count('CURRENT'),
    failed: count('FAILED'),
    failures: outcomes
      .filter((o) => o.status === 'FAILED')
      .slice(0, MAX_NAMED_FAILURES)
      .map((o) => ({ domain: o.domain, error: o.error ?? 'unknown' })),
  };
}
