// The admission queue's I/O (lib/admission holds the decisions): how many provision executions are
// running, starting one per admitted upload, and handing the deferred uploads back to the queue.
import {
  ExecutionAlreadyExists,
  paginateListExecutions,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The RUNNING executions of the state machine, counted up to `atMost` (beyond that the answer is the
 * same: no free slot), one ListExecutions page at a time (at most 1,000 per page). ListExecutions is
 * eventually consistent on AWS (API Reference: "results are best effort and may not reflect very
 * recent updates"); AdmitSpecs runs one invocation at a time, so its own starts are never missed.
 */
export async function countRunning(sfn: SFNClient, stateMachineArn: string, atMost: number): Promise<number> {
  let running = 0;
  const pages = paginateListExecutions(
    { client: sfn, pageSize: Math.min(1000, Math.max(1, atMost)) },
    { stateMachineArn, statusFilter: 'RUNNING' },
  );
  for await (const page of pages) {
    running += page.executions?.length ?? 0;
    if (running >= atMost) break;
  }
  return running;
}

/**
 * Starts the upload's execution. One that already exists under the name (a redelivered message
 * whose execution has since stopped) counts as started: the upload was admitted before.
 */
export async function startOnce(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  input: string,
): Promise<'STARTED' | 'ALREADY_STARTED'> {
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    return 'STARTED';
  } catch (e) {
    if (e instanceof ExecutionAlreadyExists) return 'ALREADY_STARTED';
    throw e;
  }
}

/** A deferred message: its id (the batch entry's Id), its receipt handle, and how long it stays away (s). */
export interface Deferral {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly seconds: number;
}

/** ChangeMessageVisibilityBatch takes at most 10 entries (API_ChangeMessageVisibilityBatch). */
const BATCH_LIMIT = 10;

/**
 * Keeps deferred messages invisible until their next try, 10 to a ChangeMessageVisibilityBatch
 * (an SQS event batch is at most 10 messages, so one call per invocation). Best effort: a message
 * whose change fails comes back after the queue's own visibility timeout. Returns the ids whose
 * change failed, in part (the entry is in Failed) or whole (the call failed).
 */
export async function deferMessages(
  sqs: SQSClient,
  queueUrl: string,
  deferrals: readonly Deferral[],
): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < deferrals.length; i += BATCH_LIMIT) {
    const chunk = deferrals.slice(i, i + BATCH_LIMIT);
    try {
      const out = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((d) => ({
            Id: d.messageId,
            ReceiptHandle: d.receiptHandle,
            VisibilityTimeout: d.seconds,
          })),
        }),
      );
      failed.push(...(out.Failed ?? []).map((f) => f.Id!));
    } catch {
      failed.push(...chunk.map((d) => d.messageId));
    }
  }
  return failed;
}
