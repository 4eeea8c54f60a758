// AdmitSpecs: the admission queue's consumer (lib/admission). Each SQS record is an S3 "Object
// Created" event as EventBridge delivered it; the ones that fit under the bound start a provision
// execution with that event as input, the others go back to the queue with a backoff. The response
// lists those as batch item failures, so SQS keeps them (Lambda Developer Guide, "Handling errors
// for an SQS event source in Lambda": ReportBatchItemFailures).
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { deferralSeconds, eventIdOf, executionName, planAdmission } from '../../lib/admission/index.js';
import { countRunning, deferMessages, startOnce } from '../../lib/aws/admission.js';
import { sfnClient, sqsClient } from '../../lib/aws/clients.js';
import { admissionSettings } from '../../lib/aws/env-config.js';
import { instrument, logger } from '../../lib/observability.js';
import { parseInput } from '../_shared/input.js';

const Message = z.object({
  messageId: z.string(),
  receiptHandle: z.string(),
  body: z.string(),
  attributes: z.object({ ApproximateReceiveCount: z.coerce.number().int().positive() }),
});
const Input = z.object({ Records: z.array(Message) });
export type AdmitSpecsInput = z.input<typeof Input>;

export async function admitSpecs(event: AdmitSpecsInput, deps: { sfn?: SFNClient; sqs?: SQSClient } = {}) {
  const [{ Records }, { stateMachineArn, queueUrl, bound }] = [parseInput(Input, event), admissionSettings()];
  const [sfn, sqs] = [deps.sfn ?? sfnClient(), deps.sqs ?? sqsClient()];
  const uploads = Records.flatMap((m) => {
    const id = eventIdOf(m.body);
    if (id === undefined) logger.error('not an EventBridge event; dropped', { messageId: m.messageId });
    const receiveCount = m.attributes.ApproximateReceiveCount;
    return id === undefined ? [] : [{ ...m, receiveCount, executionName: executionName(id) }];
  });
  const running = await countRunning(sfn, stateMachineArn, bound);
  const { admit, defer } = planAdmission(uploads, { running, bound });
  const starts = await Promise.allSettled(admit.map((u) => startOnce(sfn, stateMachineArn, u.executionName, u.body)));
  const failed = admit.filter((_, i) => starts[i]!.status === 'rejected');
  const deferred = [...defer, ...failed];
  const later = deferred.map((u) => ({ ...u, seconds: deferralSeconds(u.receiveCount) }));
  const unchanged = await deferMessages(sqs, queueUrl, later);
  const errors = starts.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error)?.name] : []));
  logger.info('admission', {
    batch: Records.length,
    running,
    bound,
    started: admit.length - failed.length,
    deferred: deferred.length,
    ...(unchanged.length > 0 ? { visibilityUnchanged: unchanged.length } : {}),
    errors,
  });
  return { batchItemFailures: deferred.map((u) => ({ itemIdentifier: u.messageId })) };
}

export const handler = instrument('AdmitSpecs', (event: AdmitSpecsInput) => admitSpecs(event));
