// The admission queue's I/O (lib/admission holds the decisions): how many provision executions are
// running, starting one per admitted upload, and handing a deferred upload back to the queue.
import {
  ExecutionAlreadyExists,
  paginateListExecutions,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';

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

/**
 * Keeps a deferred message invisible for `seconds` from now (its next try). Best effort: if this
 * fails, the message still comes back after the queue's own visibility timeout.
 */
export async function deferMessage(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  seconds: number,
): Promise<boolean> {
  try {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    return true;
  } catch {
    return false;
  }
}
