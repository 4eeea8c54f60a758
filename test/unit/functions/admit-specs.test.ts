// AdmitSpecs' exact requests: it counts RUNNING provision executions, starts one per admitted upload
// (named by the event id, the event as input), and defers the rest with one
// ChangeMessageVisibilityBatch (the batch is at most 10 messages, the batch call's limit).
import { beforeEach, describe, expect, it } from '@jest/globals';
import { ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { admitSpecs } from '../../../functions/admit-specs/handler.js';
import { mockAws, setEnv } from './_support.js';

const sfn = mockAws(SFNClient);
const sqs = mockAws(SQSClient);
const SM = 'arn:aws:states:us-east-1:111122223333:stateMachine:msk-spec-provisioner-dev-provision';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/msk-spec-provisioner-dev-admission';

const upload = (n: number, receiveCount = 1) => ({
  messageId: `m-${n}`,
  receiptHandle: `rh-${n}`,
  body: JSON.stringify({
    id: `event-${n}`,
    'detail-type': 'Object Created',
    detail: { object: { key: `specs/d${n}.yaml` } },
  }),
  attributes: { ApproximateReceiveCount: String(receiveCount) },
});
const running = (n: number) => ({ executions: Array.from({ length: n }, (_, i) => ({ executionArn: `${SM}:r${i}` })) });

beforeEach(() => {
  setEnv({ PROVISION_STATE_MACHINE_ARN: SM, ADMISSION_QUEUE_URL: QUEUE, MAX_CONCURRENT_PROVISIONS: '3' });
  sfn.reset();
  sqs.reset();
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id })),
    Failed: [],
  }));
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
});

describe('AdmitSpecs', () => {
  it('starts what fits under the bound and hands the rest back with a backoff', async () => {
    sfn.on(ListExecutionsCommand).resolves(running(1));
    const out = await admitSpecs({ Records: [upload(1), upload(2, 4), upload(3), upload(4)] });

    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toMatchObject({
      stateMachineArn: SM,
      statusFilter: 'RUNNING',
    });
    const starts = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    // 2 free slots: the upload that waited longest (receive count 4) first.
    expect(starts.map((s) => s.name)).toEqual(['event-2', 'event-1']);
    expect(starts[0]).toEqual({ stateMachineArn: SM, name: 'event-2', input: upload(2, 4).body });
    const deferred = out.batchItemFailures.map((f) => f.itemIdentifier).sort();
    expect(deferred).toEqual(['m-3', 'm-4']);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    const batches = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.QueueUrl).toBe(QUEUE);
    const entries = [...batches[0]!.Entries!].sort((a, b) => a.Id!.localeCompare(b.Id!));
    expect(entries.map((e) => [e.Id, e.ReceiptHandle])).toEqual([
      ['m-3', 'rh-3'],
      ['m-4', 'rh-4'],
    ]);
    for (const e of entries) {
      expect(e.VisibilityTimeout).toBeGreaterThanOrEqual(1);
      expect(e.VisibilityTimeout).toBeLessThanOrEqual(2); // first receive: 2 s ceiling
    }
  });

  it('defers nothing, and sends no batch, when every upload is admitted', async () => {
    sfn.on(ListExecutionsCommand).resolves(running(0));
    const out = await admitSpecs({ Records: [upload(1), upload(2)] });
    expect(out.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });

  it('still reports deferred uploads as failures when their visibility change fails, in part or whole', async () => {
    // A failed change is harmless: the message comes back after the queue's visibility timeout.
    sfn.on(ListExecutionsCommand).resolves(running(3));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({
      Successful: [{ Id: 'm-1' }],
      Failed: [{ Id: 'm-2', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'invalid' }],
    });
    expect((await admitSpecs({ Records: [upload(1), upload(2)] })).batchItemFailures).toHaveLength(2);
    sqs.on(ChangeMessageVisibilityBatchCommand).rejects(Object.assign(new Error('x'), { name: 'ThrottlingException' }));
    expect((await admitSpecs({ Records: [upload(1), upload(2)] })).batchItemFailures).toHaveLength(2);
  });

  it('starts nothing when the bound is in use', async () => {
    sfn.on(ListExecutionsCommand).resolves(running(3));
    const out = await admitSpecs({ Records: [upload(1)] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });

  it('counts a redelivered upload whose execution already exists as admitted; a failed start is deferred', async () => {
    sfn.on(ListExecutionsCommand).resolves(running(0));
    sfn
      .on(StartExecutionCommand, { name: 'event-1' })
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    sfn
      .on(StartExecutionCommand, { name: 'event-2' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const out = await admitSpecs({ Records: [upload(1), upload(2)] });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
  });

  it('drops a message that is not an EventBridge event instead of failing the batch', async () => {
    sfn.on(ListExecutionsCommand).resolves(running(0));
    const out = await admitSpecs({ Records: [{ ...upload(1), body: 'not json' }, upload(2)] });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual(['event-2']);
    expect(out.batchItemFailures).toEqual([]);
  });
});
