// The emulated Amazon SQS through the real @aws-sdk/client-sqs (AWS JSON 1.0 protocol), with IAM
// enforced: visibility timeouts, ChangeMessageVisibility and its batch form, receipt handles, redrive to a dead-letter
// queue after maxReceiveCount, the message size limit, long polling, the errors as the SDK reads
// them (x-amzn-query-error), identity-policy and queue-policy denials, and EventBridge → SQS
// delivery authorized by the queue policy. The queue clock is moved by the test, never waited for.
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import type { PolicyDocument } from '../../../local/aws/iam/types.js';
import { serviceModel } from '../../../local/aws/models/fetch.js';
import { validateInput } from '../../../local/aws/models/validate.js';
import type { ServiceModel } from '../../../local/aws/models/types.js';

const ACCOUNT = '000000000000';
const CONSUMER = `arn:aws:iam::${ACCOUNT}:role/consumer`;
const STRANGER = `arn:aws:iam::${ACCOUNT}:role/stranger`;

let aws: LocalAws;
let iam: IamAuthority;
let admin: SQSClient;
/** Added to the queues' clock (ms): the test moves time instead of waiting. */
let skew = 0;

const allow = (Action: string | string[], Resource: string | string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource }],
});

const sqsAs = (principal: string) =>
  new SQSClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: iam.credentialsFor(principal),
    maxAttempts: 1,
  });

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof SQSServiceException)
      return {
        name: e.name,
        status: e.$metadata.httpStatusCode,
        message: e.message,
        code: (e as unknown as { Code?: string }).Code,
      };
    throw e;
  }
  throw new Error('expected the request to fail');
}

async function newQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  return (await admin.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
}

async function receive(url: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) {
  const out = await admin.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      ...extra,
    }),
  );
  return out.Messages ?? [];
}

async function counts(url: string) {
  const a = (
    await admin.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    )
  ).Attributes!;
  return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
}

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, sqsClock: () => Date.now() + skew });
  admin = sqsAs(localAdminArn());
  iam.putRole(CONSUMER, {
    policies: [
      allow(
        ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        `arn:aws:sqs:us-east-1:${ACCOUNT}:work`,
      ),
    ],
  });
  iam.putRole(STRANGER, { policies: [allow('s3:GetObject', '*')] });
});
afterAll(async () => {
  await aws?.stop();
});

test('queue URLs point at the gateway, and GetQueueUrl, ListQueues and QueueArn agree', async () => {
  const url = await newQueue('urls');
  expect(url).toBe(`${aws.endpoint}/${ACCOUNT}/urls`);
  expect((await admin.send(new GetQueueUrlCommand({ QueueName: 'urls' }))).QueueUrl).toBe(url);
  expect((await admin.send(new ListQueuesCommand({ QueueNamePrefix: 'url' }))).QueueUrls).toEqual([url]);
  const attrs = (await admin.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!;
  expect(attrs.QueueArn).toBe(`arn:aws:sqs:us-east-1:${ACCOUNT}:urls`);
  // The SDK reads the query-compatible error: the model's shape, with AWS's query code.
  const missing = await failure(admin.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
  expect(missing).toMatchObject({
    name: 'QueueDoesNotExist',
    status: 400,
    code: 'AWS.SimpleQueueService.NonExistentQueue',
  });
});

test('a received message is invisible for its visibility timeout, then comes back with a higher receive count', async () => {
  const url = await newQueue('visibility', { VisibilityTimeout: '30' });
  await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
  const [first] = await receive(url);
  expect(first).toMatchObject({ Body: 'one', Attributes: { ApproximateReceiveCount: '1' } });
  expect(first!.Attributes!.SentTimestamp).toMatch(/^\d{13}$/);
  expect(first!.Attributes!.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
  expect(await receive(url)).toEqual([]);
  expect(await counts(url)).toEqual({ visible: 0, inFlight: 1 });
  skew += 31_000;
  const [again] = await receive(url);
  expect(again).toMatchObject({ MessageId: first!.MessageId, Attributes: { ApproximateReceiveCount: '2' } });
  expect(again!.ReceiptHandle).not.toBe(first!.ReceiptHandle);
  // The old handle is accepted and deletes nothing; the latest deletes.
  await admin.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle! }));
  expect(await counts(url)).toEqual({ visible: 0, inFlight: 1 });
  await admin.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again!.ReceiptHandle! }));
  expect(await counts(url)).toEqual({ visible: 0, inFlight: 0 });
  const invalid = await failure(admin.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })));
  expect(invalid).toMatchObject({ name: 'ReceiptHandleIsInvalid', status: 404 });
});

test('ChangeMessageVisibility defers a message, 0 releases it, and its range and 12-hour bound are enforced', async () => {
  const url = await newQueue('defer', { VisibilityTimeout: '30' });
  await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later' }));
  const [m] = await receive(url);
  await admin.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m!.ReceiptHandle!, VisibilityTimeout: 600 }),
  );
  skew += 31_000; // past the queue's 30 s: still deferred
  expect(await receive(url)).toEqual([]);
  await admin.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m!.ReceiptHandle!, VisibilityTimeout: 0 }),
  );
  const [back] = await receive(url);
  expect(back!.MessageId).toBe(m!.MessageId);
  const range = await failure(
    admin.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: back!.ReceiptHandle!,
        VisibilityTimeout: 43_201,
      }),
    ),
  );
  expect(range).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
  await admin.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: back!.ReceiptHandle!, VisibilityTimeout: 3600 }),
  );
  skew += 60_000;
  const beyond = await failure(
    admin.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: back!.ReceiptHandle!,
        VisibilityTimeout: 43_200,
      }),
    ),
  );
  expect(beyond.message).toContain('Total VisibilityTimeout for the message is beyond the limit [43200 seconds]');
  // A handle whose receive is over changes nothing and succeeds (AWS answers OK, see service.ts).
  skew += 3_600_000;
  await admin.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: back!.ReceiptHandle!, VisibilityTimeout: 600 }),
  );
  expect(await counts(url)).toEqual({ visible: 1, inFlight: 0 });
  await admin.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: back!.ReceiptHandle! }));
  const gone = await failure(
    admin.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: back!.ReceiptHandle!, VisibilityTimeout: 10 }),
    ),
  );
  expect(gone.message).toContain('Message does not exist or is not available for visibility timeout change');
});

test('ChangeMessageVisibilityBatch changes each entry as ChangeMessageVisibility would, reports the ones that fail, and is authorized as it', async () => {
  const url = await newQueue('defer-batch', { VisibilityTimeout: '30' });
  for (const body of ['a', 'b']) await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  const [a, b] = (await receive(url)).sort((x, y) => x.Body!.localeCompare(y.Body!));
  const out = await admin.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'later', ReceiptHandle: a!.ReceiptHandle!, VisibilityTimeout: 600 },
        { Id: 'now', ReceiptHandle: b!.ReceiptHandle!, VisibilityTimeout: 0 },
        { Id: 'too-long', ReceiptHandle: b!.ReceiptHandle!, VisibilityTimeout: 43_201 },
      ],
    }),
  );
  expect(out.Successful?.map((e) => e.Id).sort()).toEqual(['later', 'now']);
  expect(out.Failed).toEqual([
    {
      Id: 'too-long',
      SenderFault: true,
      Code: 'InvalidParameterValue',
      Message: 'Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.',
    },
  ]);
  // 'now' is back at once; 'later' stays away past the queue's 30 s, when 'b' is back again.
  expect((await receive(url)).map((m) => m.Body)).toEqual(['b']);
  skew += 31_000;
  expect((await receive(url)).map((m) => m.Body)).toEqual(['b']);
  // The consumer may not change visibility (its policy lacks sqs:ChangeMessageVisibility).
  const denied = await failure(
    sqsAs(CONSUMER).send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [{ Id: 'x', ReceiptHandle: a!.ReceiptHandle!, VisibilityTimeout: 0 }],
      }),
    ),
  );
  expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(denied.message).toContain('is not authorized to perform: sqs:changemessagevisibility on resource');
});

test('a message received maxReceiveCount times moves to the dead-letter queue on the next receive', async () => {
  const dlqUrl = await newQueue('work-dlq');
  const dlqArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:work-dlq`;
  const url = await newQueue('redrive', {
    VisibilityTimeout: '10',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
  });
  const { MessageId } = await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
  for (const n of ['1', '2']) {
    const [m] = await receive(url);
    expect(m).toMatchObject({ MessageId, Attributes: { ApproximateReceiveCount: n } });
    skew += 11_000;
  }
  expect(await receive(url)).toEqual([]);
  const [dead] = await receive(dlqUrl);
  expect(dead).toMatchObject({
    MessageId,
    Body: 'poison',
    Attributes: { ApproximateReceiveCount: '3', DeadLetterQueueSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:redrive` },
  });
  const missingDlq = await failure(
    newQueue('redrive-nowhere', {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:nothing`,
        maxReceiveCount: 2,
      }),
    }),
  );
  expect(missingDlq.message).toContain('Dead letter target does not exist');
});

test("a message over the queue's MaximumMessageSize is refused, one at the limit is taken", async () => {
  const url = await newQueue('small', { MaximumMessageSize: String(256 * 1024) });
  await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(256 * 1024) }));
  const big = await failure(
    admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(256 * 1024 + 1) })),
  );
  expect(big).toMatchObject({
    name: 'InvalidParameterValue',
    status: 400,
    message: 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
  });
  // The default limit is 1 MiB (API_CreateQueue, MaximumMessageSize).
  const dflt = await newQueue('default-size');
  const over = await failure(
    admin.send(new SendMessageCommand({ QueueUrl: dflt, MessageBody: 'x'.repeat(1_048_577) })),
  );
  expect(over.message).toContain('shorter than 1048576 bytes');
  const badChar = await failure(admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0000b' })));
  expect(badChar.name).toBe('InvalidMessageContents');
});

test('a long poll answers when a message arrives', async () => {
  const url = await newQueue('longpoll');
  const polling = receive(url, { WaitTimeSeconds: 20 });
  await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake' }));
  expect((await polling).map((m) => m.Body)).toEqual(['wake']);
});

test('identity policies decide for the account: the consumer may receive, a stranger may not, with a useful error', async () => {
  const url = await newQueue('work');
  await admin.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
  const consumer = sqsAs(CONSUMER);
  const got = await consumer.send(new ReceiveMessageCommand({ QueueUrl: url }));
  expect(got.Messages).toHaveLength(1);
  const send = await failure(consumer.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'no' })));
  expect(send).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(send.message).toBe(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/consumer/consumer is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:work because no identity-based policy allows the sqs:sendmessage action`,
  );
  const stranger = await failure(sqsAs(STRANGER).send(new ReceiveMessageCommand({ QueueUrl: url })));
  expect(stranger.name).toBe('AccessDenied');
});

test('a queue policy allows a principal the identity policies do not, and an explicit deny in it wins', async () => {
  const url = await newQueue('shared');
  const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:shared`;
  await admin.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: STRANGER }, Action: 'sqs:SendMessage', Resource: arn },
            { Effect: 'Deny', Principal: { AWS: CONSUMER }, Action: 'sqs:*', Resource: arn },
          ],
        }),
      },
    }),
  );
  await sqsAs(STRANGER).send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'via the queue policy' }));
  // The consumer's identity policy is for `work` only; here the queue policy denies it anyway.
  const denied = await failure(sqsAs(CONSUMER).send(new GetQueueAttributesCommand({ QueueUrl: url })));
  expect(denied.name).toBe('AccessDenied');
  expect(denied.message).toContain('with an explicit deny in a resource-based policy');
});

test('EventBridge delivers to a queue its policy opens to the rule, and records a failed delivery otherwise', async () => {
  const events = new EventBridgeClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: iam.credentialsFor(localAdminArn()),
  });
  const pattern = JSON.stringify({ source: ['test.sqs'] });
  const open = await newQueue('eb-open');
  const closed = await newQueue('eb-closed');
  const { RuleArn } = await events.send(new PutRuleCommand({ Name: 'to-sqs', EventPattern: pattern }));
  await admin.send(
    new SetQueueAttributesCommand({
      QueueUrl: open,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:eb-open`,
              Condition: { ArnEquals: { 'aws:SourceArn': RuleArn } },
            },
          ],
        }),
      },
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'to-sqs',
      Targets: [
        { Id: 'open', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:eb-open` },
        { Id: 'closed', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:eb-closed` },
      ],
    }),
  );
  const event = aws.events.publish({ source: 'test.sqs', 'detail-type': 'Thing Happened', detail: { n: 1 } });
  await aws.events.settled();
  const [m] = await receive(open);
  expect(JSON.parse(m!.Body!)).toEqual(event);
  expect(await receive(closed)).toEqual([]);
  const failed = aws.events.deliveries.filter((d) => d.event.id === event.id && !d.ok);
  expect(failed.map((d) => d.target.Id)).toEqual(['closed']);
  expect(failed[0]!.error).toContain('User: events.amazonaws.com is not authorized to perform: sqs:sendmessage');
});

test("EventBridge sends an InputPath value as JSON and an InputTransformer's text as it is", async () => {
  const events = new EventBridgeClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: iam.credentialsFor(localAdminArn()),
  });
  const url = await newQueue('eb-shaped');
  const arn = `arn:aws:sqs:us-east-1:${ACCOUNT}:eb-shaped`;
  const { RuleArn } = await events.send(
    new PutRuleCommand({ Name: 'shaped', EventPattern: JSON.stringify({ source: ['test.shaped'] }) }),
  );
  await admin.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: arn,
              Condition: { ArnEquals: { 'aws:SourceArn': RuleArn } },
            },
          ],
        }),
      },
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'shaped',
      Targets: [
        { Id: 'path', Arn: arn, InputPath: '$.detail' },
        { Id: 'text', Arn: arn, InputTransformer: { InputPathsMap: { n: '$.detail.n' }, InputTemplate: 'n is <n>' } },
      ],
    }),
  );
  aws.events.publish({ source: 'test.shaped', 'detail-type': 'Shaped', detail: { n: 7 } });
  await aws.events.settled();
  expect((await receive(url)).map((m) => m.Body).sort()).toEqual(['n is 7', '{"n":7}']);
});

test("every answer fits the operation's output shape in botocore's sqs model", async () => {
  const model = serviceModel('sqs');
  // The output shape checked as the interpreter checks inputs (required members, types, enums).
  const violations = (operation: string, output: unknown) => {
    const op = model.operations[operation]!;
    const asInput: ServiceModel = op.output
      ? { ...model, operations: { ...model.operations, [operation]: { ...op, input: op.output } } }
      : model;
    return op.output ? validateInput(asInput, operation, output).map((v) => `${operation}: ${v.message}`) : [];
  };
  const caller = { region: 'us-east-1', accountId: ACCOUNT };
  const found: string[] = [];
  const call = async (operation: string, input: Record<string, unknown>) => {
    const out = await aws.sqs.call(operation, input, caller);
    found.push(...violations(operation, out));
    return out;
  };
  const { QueueUrl } = (await call('CreateQueue', { QueueName: 'shapes', Attributes: { VisibilityTimeout: '5' } })) as {
    QueueUrl: string;
  };
  await call('GetQueueUrl', { QueueName: 'shapes' });
  await call('ListQueues', { MaxResults: 1 });
  await call('SendMessage', {
    QueueUrl,
    MessageBody: 'b',
    MessageAttributes: { kind: { DataType: 'String', StringValue: 'spec' } },
  });
  const got = (await call('ReceiveMessage', {
    QueueUrl,
    MessageSystemAttributeNames: ['All'],
    MessageAttributeNames: ['All'],
  })) as { Messages: { ReceiptHandle: string; MessageAttributes?: unknown }[] };
  expect(got.Messages[0]!.MessageAttributes).toEqual({ kind: { DataType: 'String', StringValue: 'spec' } });
  await call('ChangeMessageVisibility', {
    QueueUrl,
    ReceiptHandle: got.Messages[0]!.ReceiptHandle,
    VisibilityTimeout: 9,
  });
  await call('GetQueueAttributes', { QueueUrl, AttributeNames: ['All'] });
  await call('DeleteMessage', { QueueUrl, ReceiptHandle: got.Messages[0]!.ReceiptHandle });
  expect(found).toEqual([]);
});
