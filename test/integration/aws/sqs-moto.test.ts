// A second opinion on the emulated SQS: the calls the admission queue depends on (queue attributes,
// send, receive with system attributes, ChangeMessageVisibility (and its batch form) to defer and to release, delete with
// the latest and with a stale receipt handle, redrive to a dead-letter queue) and the errors around
// them, run against the embedded cloud and against moto's server (test/support/moto.ts), each
// outcome reduced to status, error name and the body with ids, handles, URLs and timestamps masked.
//
// moto is not the truth: the SQS API reference and Developer Guide are. Every disagreement is fixed
// in the emulator or listed in DISAGREEMENTS with what settles it; the test fails on one that is not
// listed, and on a listed one that no longer differs.
import { jest } from '@jest/globals';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { differences, outcomeOf, startMoto, type ComparedCall, type MotoServer } from '../../support/moto.js';

jest.setTimeout(300_000);

type Ctx = Record<string, string>;
interface Step {
  readonly name: string;
  run(c: SQSClient, ctx: Ctx): Promise<unknown>;
}

const MASKED = new Set([
  'MessageId',
  'ReceiptHandle',
  'SentTimestamp',
  'ApproximateFirstReceiveTimestamp',
  'SenderId',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
]);

/** Ids, handles, timestamps masked; queue URLs and ARNs down to the queue name. */
function normalise(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x, key));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === '$metadata' || x === undefined) continue;
      out[k] = normalise(x, k);
    }
    return out;
  }
  if (typeof v !== 'string') return v;
  if (MASKED.has(key)) return `<${key}>`;
  // A JSON attribute is compared as JSON (moto writes it with spaces).
  if (key === 'RedrivePolicy') return normalise(JSON.parse(v));
  return v
    .replace(/^https?:\/\/[^/]+\/\d{12}\//, '<queue-url>/')
    .replace(/arn:aws:sqs:([a-z0-9-]+):\d{12}:/g, 'arn:aws:sqs:$1:<account>:');
}

const DLQ_POLICY = (ctx: Ctx) => JSON.stringify({ deadLetterTargetArn: ctx.dlqArn, maxReceiveCount: 1 });

type BatchEntry = { Id: string; ReceiptHandle: string; VisibilityTimeout: number };
/** A ChangeMessageVisibilityBatch of the admission queue with the entries given for the context. */
const visibilityBatch =
  (entries: (ctx: Ctx) => BatchEntry[]): Step['run'] =>
  (c, ctx) =>
    c.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: ctx.url, Entries: entries(ctx) }));

const STEPS: readonly Step[] = [
  { name: 'CreateQueue dlq', run: (c) => c.send(new CreateQueueCommand({ QueueName: 'admission-dlq' })) },
  {
    name: 'GetQueueAttributes dlq QueueArn',
    run: async (c, ctx) => {
      ctx.dlqUrl = (await c.send(new GetQueueUrlCommand({ QueueName: 'admission-dlq' }))).QueueUrl!;
      const out = await c.send(new GetQueueAttributesCommand({ QueueUrl: ctx.dlqUrl, AttributeNames: ['QueueArn'] }));
      ctx.dlqArn = out.Attributes!.QueueArn!;
      return out;
    },
  },
  {
    name: 'CreateQueue admission',
    run: async (c, ctx) => {
      const out = await c.send(
        new CreateQueueCommand({
          QueueName: 'admission',
          Attributes: { VisibilityTimeout: '60', MessageRetentionPeriod: '1209600', RedrivePolicy: DLQ_POLICY(ctx) },
        }),
      );
      ctx.url = out.QueueUrl!;
      return out;
    },
  },
  {
    name: 'GetQueueAttributes admission',
    run: (c, ctx) =>
      c.send(
        new GetQueueAttributesCommand({
          QueueUrl: ctx.url,
          AttributeNames: ['QueueArn', 'VisibilityTimeout', 'MessageRetentionPeriod', 'RedrivePolicy'],
        }),
      ),
  },
  {
    name: 'SendMessage',
    run: (c, ctx) => c.send(new SendMessageCommand({ QueueUrl: ctx.url, MessageBody: '{"spec":"a"}' })),
  },
  {
    name: 'ReceiveMessage',
    run: async (c, ctx) => {
      const out = await c.send(
        new ReceiveMessageCommand({ QueueUrl: ctx.url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
      );
      ctx.handle = out.Messages?.[0]?.ReceiptHandle ?? '';
      return out;
    },
  },
  {
    name: 'GetQueueAttributes counts in flight',
    run: (c, ctx) =>
      c.send(
        new GetQueueAttributesCommand({
          QueueUrl: ctx.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
  },
  {
    name: 'ChangeMessageVisibility defer',
    run: (c, ctx) =>
      c.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: ctx.url, ReceiptHandle: ctx.handle, VisibilityTimeout: 300 }),
      ),
  },
  {
    name: 'ReceiveMessage while deferred',
    run: (c, ctx) => c.send(new ReceiveMessageCommand({ QueueUrl: ctx.url, MaxNumberOfMessages: 10 })),
  },
  {
    // One good entry and one whose handle the queue never issued: the batch succeeds, the bad
    // entry is reported in Failed (API_ChangeMessageVisibilityBatch).
    name: 'ChangeMessageVisibilityBatch defer',
    run: visibilityBatch((ctx) => [
      { Id: 'good', ReceiptHandle: ctx.handle!, VisibilityTimeout: 600 },
      { Id: 'bad', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 600 },
    ]),
  },
  {
    name: 'ChangeMessageVisibility release',
    run: (c, ctx) =>
      c.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: ctx.url, ReceiptHandle: ctx.handle, VisibilityTimeout: 0 }),
      ),
  },
  {
    // maxReceiveCount 1: the second receive moves the message to the dead-letter queue.
    name: 'ReceiveMessage after release (redrive)',
    run: (c, ctx) => c.send(new ReceiveMessageCommand({ QueueUrl: ctx.url, MaxNumberOfMessages: 10 })),
  },
  {
    name: 'ReceiveMessage dlq',
    run: async (c, ctx) => {
      const out = await c.send(
        new ReceiveMessageCommand({
          QueueUrl: ctx.dlqUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      ctx.dlqHandle = out.Messages?.[0]?.ReceiptHandle ?? '';
      return out;
    },
  },
  {
    name: 'DeleteMessage stale handle',
    run: (c, ctx) => c.send(new DeleteMessageCommand({ QueueUrl: ctx.url, ReceiptHandle: ctx.handle })),
  },
  {
    name: 'DeleteMessage dlq',
    run: (c, ctx) => c.send(new DeleteMessageCommand({ QueueUrl: ctx.dlqUrl, ReceiptHandle: ctx.dlqHandle })),
  },
  {
    name: 'GetQueueAttributes dlq counts',
    run: (c, ctx) =>
      c.send(
        new GetQueueAttributesCommand({
          QueueUrl: ctx.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
  },
  // Errors.
  { name: 'GetQueueUrl unknown queue', run: (c) => c.send(new GetQueueUrlCommand({ QueueName: 'nope' })) },
  {
    name: 'ReceiveMessage MaxNumberOfMessages 11',
    run: (c, ctx) => c.send(new ReceiveMessageCommand({ QueueUrl: ctx.url, MaxNumberOfMessages: 11 })),
  },
  {
    name: 'ChangeMessageVisibility 43201',
    run: (c, ctx) =>
      c.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: ctx.url, ReceiptHandle: ctx.handle, VisibilityTimeout: 43_201 }),
      ),
  },
  {
    name: 'ChangeMessageVisibilityBatch no entries',
    run: visibilityBatch(() => []),
  },
  {
    name: 'ChangeMessageVisibilityBatch 11 entries',
    run: visibilityBatch((ctx) =>
      Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, ReceiptHandle: ctx.handle!, VisibilityTimeout: 1 })),
    ),
  },
  {
    name: 'ChangeMessageVisibilityBatch repeated id',
    run: visibilityBatch((ctx) => [
      { Id: 'same', ReceiptHandle: ctx.handle!, VisibilityTimeout: 1 },
      { Id: 'same', ReceiptHandle: ctx.handle!, VisibilityTimeout: 1 },
    ]),
  },
  {
    name: 'ChangeMessageVisibilityBatch malformed id',
    run: visibilityBatch((ctx) => [{ Id: 'not ok!', ReceiptHandle: ctx.handle!, VisibilityTimeout: 1 }]),
  },
  {
    name: 'SendMessage over MaximumMessageSize',
    run: async (c) => {
      const small = await c.send(
        new CreateQueueCommand({ QueueName: 'small', Attributes: { MaximumMessageSize: '1024' } }),
      );
      return c.send(new SendMessageCommand({ QueueUrl: small.QueueUrl!, MessageBody: 'x'.repeat(1025) }));
    },
  },
];

/** Where moto and the emulator differ, with what settles it. */
const STALE_HANDLE =
  'API_DeleteMessage: "you must provide the most recently received ReceiptHandle for the message (otherwise, the request succeeds, but the message will not be deleted)"; moto refuses a handle of a message no longer in the queue';
const BATCH_SHAPE =
  'API_ChangeMessageVisibilityBatch, "Errors": EmptyBatchRequest, TooManyEntriesInBatchRequest ("up to 10"), BatchEntryIdsNotDistinct and InvalidBatchEntryId are HTTP 400 for the whole request; moto checks none of them';
const BATCH_ENTRY =
  'API_ChangeMessageVisibilityBatch: each entry is reported as its ChangeMessageVisibility would answer; the emulator gives the entry the message its ChangeMessageVisibility raises for that handle, which moto words otherwise';
const DISAGREEMENTS: readonly { readonly step: string; readonly path: string; readonly settledBy: string }[] = [
  { step: 'DeleteMessage stale handle', path: 'error', settledBy: STALE_HANDLE },
  { step: 'DeleteMessage stale handle', path: 'status', settledBy: STALE_HANDLE },
  { step: 'ChangeMessageVisibilityBatch defer', path: 'Failed[0].Message', settledBy: BATCH_ENTRY },
  ...['no entries', '11 entries', 'repeated id', 'malformed id'].flatMap((c) =>
    ['error', 'status'].map((path) => ({ step: `ChangeMessageVisibilityBatch ${c}`, path, settledBy: BATCH_SHAPE })),
  ),
];

let local: LocalAws;
let moto: MotoServer;

beforeAll(async () => {
  [local, moto] = await Promise.all([startLocalAws({ log: () => undefined }), startMoto()]);
});
afterAll(async () => {
  await Promise.all([local?.stop(), moto?.stop()]);
});

test('the admission queue calls: the embedded SQS and moto agree, or the difference is settled by the docs', async () => {
  const client = (endpoint: string) =>
    new SQSClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
  const run = async (c: SQSClient) => {
    const ctx: Ctx = {};
    const out = [];
    for (const s of STEPS) out.push(await outcomeOf(s.run(c, ctx), normalise));
    return out;
  };
  const [l, m] = [await run(client(local.endpoint)), await run(client(moto.endpoint))];
  const results: ComparedCall[] = STEPS.map((s, i) => ({ step: s.name, local: l[i]!, moto: m[i]! }));
  const lines = differences(results);
  if (process.env.MOTO_SECOND_OPINION_DUMP)
    for (const r of results)
      process.stderr.write(`${r.step}\n  local ${JSON.stringify(r.local)}\n  moto  ${JSON.stringify(r.moto)}\n`);
  const listed = (x: { step: string; path: string }) =>
    DISAGREEMENTS.some((t) => t.step === x.step && t.path === x.path);
  process.stderr.write(
    `[moto sqs] ${results.length - new Set(lines.map((x) => x.step)).size} of ${results.length} calls agree\n${lines.map((x) => `  ${x.step}: ${x.line}`).join('\n')}\n`,
  );
  expect(lines.filter((x) => !listed(x)).map((x) => `${x.step}: ${x.line}`)).toEqual([]);
  expect(DISAGREEMENTS.filter((t) => !lines.some((x) => x.step === t.step && x.path === t.path))).toEqual([]);
});
