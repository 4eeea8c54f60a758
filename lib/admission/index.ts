// Admission: the provision workflow runs for at most `bound` uploads at once. A burst of uploads
// (a whole organisation at once) waits in the admission queue instead of starting hundreds of
// executions that then contend for the Kafka admin functions, the PCA's 25 IssueCertificate/s and
// Secrets Manager's request rates, and fail on their retry budgets.
//
// S3 "Object Created" → EventBridge → SQS (the admission queue) → AdmitSpecs, which counts the
// RUNNING executions, starts as many as there are free slots and hands the rest back to the queue
// with a backoff (ChangeMessageVisibilityBatch), so nothing is lost: a message leaves the queue only
// once its execution exists. Pure: the Lambda (functions/admit-specs) does the I/O.
import { createHash } from 'node:crypto';

/** One upload waiting in the admission queue. */
export interface QueuedUpload {
  readonly messageId: string;
  /** SQS ApproximateReceiveCount: how many times it has been handed out, this time included. */
  readonly receiveCount: number;
  /** The provision execution's name for this upload (executionName). */
  readonly executionName: string;
}

export interface AdmissionPlan<U extends QueuedUpload> {
  readonly admit: readonly U[];
  readonly defer: readonly U[];
}

/**
 * Which uploads of a batch start now. Free slots go to the uploads that have waited longest (the
 * highest receive count), so a steady stream of new uploads cannot starve an old one.
 */
export function planAdmission<U extends QueuedUpload>(
  batch: readonly U[],
  { running, bound }: { readonly running: number; readonly bound: number },
): AdmissionPlan<U> {
  const free = Math.max(0, bound - running);
  const byAge = [...batch].sort((a, b) => b.receiveCount - a.receiveCount);
  return { admit: byAge.slice(0, free), defer: byAge.slice(free) };
}

/** Deferrals wait at most this long (s) before their next try. */
export const DEFERRAL_CAP_SECONDS = 30;

/**
 * How long a deferred upload stays invisible before its next try: exponential backoff with full
 * jitter (base 2 s, doubling per receive, capped at DEFERRAL_CAP_SECONDS), at least 1 s, so waiting
 * uploads spread out instead of returning together. With the queue's maxReceiveCount of 1,000 an
 * upload waits hours (on average ~15 s × 1,000) before it would reach the dead-letter queue.
 */
export function deferralSeconds(receiveCount: number, random: () => number = Math.random): number {
  const ceiling = Math.min(DEFERRAL_CAP_SECONDS, 2 ** Math.min(receiveCount, 30));
  return Math.max(1, Math.ceil(random() * ceiling));
}

/**
 * The execution name for an upload event: its EventBridge event id, so a redelivered message (the
 * Lambda died after StartExecution, before the message was deleted) finds the execution it already
 * started instead of starting a second (StartExecution is idempotent for the same name and input
 * while the execution runs, and answers ExecutionAlreadyExists once it has stopped; Step Functions
 * API Reference, StartExecution). Names allow 1–80 of [0-9A-Za-z_-]; an id with other characters
 * keeps a hash of the original, so two ids never share a name.
 */
export function executionName(eventId: string): string {
  const clean = eventId.replace(/[^0-9A-Za-z_-]/g, '_');
  if (clean === eventId && clean.length > 0 && clean.length <= 80) return clean;
  const hash = createHash('sha256').update(eventId).digest('hex').slice(0, 16);
  return `${clean.slice(0, 63)}-${hash}`;
}

/** The EventBridge event id in a queued message's body, or undefined when the body is not an event. */
export function eventIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
