// The admission queue's shape deployed by the local CloudFormation deploy and run as AWS runs it:
// S3-style "Object Created" event → EventBridge rule → SQS queue (its queue policy opening it to the
// rule) → Lambda event source mapping (ReportBatchItemFailures, MaximumConcurrency) → a function
// running its own zip in the Lambda sandbox with its role's credentials, calling SQS with the
// runtime's @aws-sdk/client-sqs. IAM is enforced throughout. The function reports what it got to an
// "observed" queue, which the test reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, DeleteMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { LambdaRuntime } from '../../../local/lambda/runtime.js';
import { deployStack, type DeployedStack, type StackTargets } from '../../../local/cloudformation/deploy.js';
import type { Template } from '../../../local/cloudformation/template.js';
import { failedItems, type SqsEventSourceMapping } from '../../../local/lambda/event-source.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ACCOUNT = '000000000000';
const BUCKET = 'spec-bucket';
const dir = mkdtempSync(join(tmpdir(), 'sqs-event-source-test-'));
let aws: LocalAws;
let iam: IamAuthority;
let lambda: LambdaRuntime;
let stack: DeployedStack;
let admin: SQSClient;

// The function: for each record, report it to OBSERVED; a key containing "fail" is deferred with
// ChangeMessageVisibility 0 and reported as a batch item failure on its first receive; "crash"
// throws.
const HANDLER = `
import { SQSClient, SendMessageCommand, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export const handler = async (event) => {
  const failures = [];
  for (const r of event.Records) {
    const key = JSON.parse(r.body).detail.object.key;
    const record = r.body.length > 10000 ? { ...r, body: '<big>' } : r;
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OBSERVED, MessageBody: JSON.stringify({ key, record, batch: event.Records.length }) }));
    if (key.includes('crash')) throw new Error('crashed on purpose');
    if (key.includes('slow')) await new Promise((r) => setTimeout(r, 50));
    if (key.includes('fail') && r.attributes.ApproximateReceiveCount === '1') {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: process.env.ADMISSION, ReceiptHandle: r.receiptHandle, VisibilityTimeout: 0 }));
      failures.push({ itemIdentifier: r.messageId });
    }
  }
  return { batchItemFailures: failures };
};`;

const assume = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const queueArn = (name: string) => ({ 'Fn::GetAtt': [name, 'Arn'] });
const rulePattern = {
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: { bucket: { name: [BUCKET] }, object: { key: [{ prefix: 'specs/' }] } },
};

function admissionTemplate(): Template {
  return {
    Resources: {
      AdmitSpecsRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'admit-specs',
          AssumeRolePolicyDocument: assume,
          Policies: [
            {
              PolicyName: 'admit',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: [
                      'sqs:ReceiveMessage',
                      'sqs:DeleteMessage',
                      'sqs:GetQueueAttributes',
                      'sqs:ChangeMessageVisibility',
                    ],
                    Resource: queueArn('AdmissionQueue'),
                  },
                  { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn('ObservedQueue') },
                ],
              },
            },
          ],
        },
      },
      AdmissionQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'msk-spec-provisioner-local-admission',
          VisibilityTimeout: 60,
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
          RedrivePolicy: { deadLetterTargetArn: queueArn('AdmissionDeadLetterQueue'), maxReceiveCount: 1000 },
        },
      },
      AdmissionDeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'msk-spec-provisioner-local-admission-dlq',
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        },
      },
      ObservedQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
      // No QueuePolicy: EventBridge may not send here.
      ClosedQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'closed' } },
      AdmissionQueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'AdmissionQueue' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queueArn('AdmissionQueue'),
                Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['SpecUploadedRule', 'Arn'] } } },
              },
            ],
          },
        },
      },
      SpecUploadedRule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: rulePattern, Targets: [{ Id: 'admission', Arn: queueArn('AdmissionQueue') }] },
      },
      ClosedRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { ...rulePattern, detail: { ...rulePattern.detail, object: { key: [{ prefix: 'closed/' }] } } },
          Targets: [{ Id: 'closed', Arn: queueArn('ClosedQueue') }],
        },
      },
      AdmitSpecsLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: 'admit-specs',
          Handler: 'fn/handler.handler',
          Code: { S3Bucket: 'deploy', S3Key: 'admit.zip' },
          Role: { 'Fn::GetAtt': ['AdmitSpecsRole', 'Arn'] },
          Runtime: 'nodejs20.x',
          Timeout: 10,
          ReservedConcurrentExecutions: 1,
          Environment: { Variables: { OBSERVED: { Ref: 'ObservedQueue' }, ADMISSION: { Ref: 'AdmissionQueue' } } },
        },
      },
      // What serverless renders for `events: - sqs:` of a function with its own role.
      AdmitSpecsEventSourceMappingSQSAdmissionQueue: {
        Type: 'AWS::Lambda::EventSourceMapping',
        DependsOn: ['AdmitSpecsRole'],
        Properties: {
          BatchSize: 10,
          EventSourceArn: queueArn('AdmissionQueue'),
          FunctionName: { 'Fn::GetAtt': ['AdmitSpecsLambdaFunction', 'Arn'] },
          Enabled: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 2 },
        },
      },
    },
  } as unknown as Template;
}

function targets(): StackTargets {
  const credentials = iam.credentialsFor(localAdminArn());
  const none = undefined as never;
  return {
    s3: none,
    sfn: none,
    events: new EventBridgeClient({ region: aws.region, endpoint: aws.endpoint, credentials }),
    sqs: admin,
    iam: aws.iamService!,
    lambda,
    registerLambda: () => undefined,
    packageDir: dir,
  };
}

const context = (stackName: string) => ({
  stackName,
  region: aws.region,
  accountId: ACCOUNT,
  endpoints: { sqs: aws.endpoint },
});

function publishUpload(key: string) {
  return aws.events.publish({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: BUCKET }, object: { key } },
  });
}

/** Everything the function reported so far (the observed queue, drained). */
async function observed(
  from: DeployedStack = stack,
): Promise<{ key: string; record: Record<string, any>; batch: number }[]> {
  const url = from.get('ObservedQueue').ref;
  const out = [];
  for (;;) {
    const got =
      (await admin.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
    if (got.length === 0) return out;
    for (const m of got) {
      out.push(JSON.parse(m.Body!));
      await admin.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

function rename(t: { Resources: Record<string, any> }, suffix: string) {
  const r = t.Resources;
  r.AdmissionQueue.Properties.QueueName += suffix;
  r.AdmissionDeadLetterQueue.Properties.QueueName += suffix;
  r.ClosedQueue.Properties.QueueName += suffix;
  r.AdmitSpecsRole.Properties.RoleName += suffix;
  r.AdmitSpecsLambdaFunction.Properties.FunctionName += suffix;
  return t;
}

const mapping = (): SqsEventSourceMapping => lambda.eventSourceMappings()[0]!;

/** Waits (no time limit of its own: the test's timeout is the bound) until `ok()` holds. */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, log: () => undefined });
  admin = new SQSClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: iam.credentialsFor(localAdminArn()),
    maxAttempts: 1,
  });
  const z = new AdmZip();
  z.addFile('fn/handler.mjs', Buffer.from(HANDLER));
  z.writeZip(join(dir, 'admit.zip'));
  const endpoints = Object.fromEntries(
    Object.entries(aws.env).filter(([k]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(k)),
  );
  lambda = new LambdaRuntime({
    region: aws.region,
    credentialsFor: (role) => iam.credentialsFor(role),
    localEnvironment: endpoints,
    sqs: aws.sqs,
  });
  stack = await deployStack(admissionTemplate(), context('admission'), targets());
}, 60_000);
afterAll(async () => {
  await lambda?.close();
  await aws?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the queue's Ref is its URL on the gateway, and the mapping takes the template's settings", () => {
  expect(stack.get('AdmissionQueue').ref).toBe(`${aws.endpoint}/${ACCOUNT}/msk-spec-provisioner-local-admission`);
  expect(stack.get('AdmissionQueue').attributes.Arn).toBe(
    `arn:aws:sqs:us-east-1:${ACCOUNT}:msk-spec-provisioner-local-admission`,
  );
  expect(mapping()).toMatchObject({ batchSize: 10, maximumConcurrency: 2, reportBatchItemFailures: true });
  expect(aws.sqs.stats(stack.get('AdmissionQueue').ref)).toMatchObject({ available: 0, inFlight: 0 });
});

test('an event on the bus reaches the function as an SQS record, and the message is deleted', async () => {
  const event = publishUpload('specs/shop.orders.yaml');
  await aws.events.settled();
  await mapping().drained();
  const [seen] = await observed();
  expect(seen!.key).toBe('specs/shop.orders.yaml');
  expect(JSON.parse(seen!.record.body)).toEqual(event);
  expect(seen!.record).toMatchObject({
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:${ACCOUNT}:msk-spec-provisioner-local-admission`,
    awsRegion: 'us-east-1',
    messageAttributes: {},
    attributes: { ApproximateReceiveCount: '1' },
  });
  expect(Object.keys(seen!.record).sort()).toEqual(
    [
      'attributes',
      'awsRegion',
      'body',
      'eventSource',
      'eventSourceARN',
      'md5OfBody',
      'messageAttributes',
      'messageId',
      'receiptHandle',
    ].sort(),
  );
  expect(Object.keys(seen!.record.attributes).sort()).toEqual(
    ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp'].sort(),
  );
  expect(aws.sqs.stats(stack.get('AdmissionQueue').ref)).toMatchObject({ available: 0, inFlight: 0, deleted: 1 });
});

test('a partial batch failure redelivers only the failed item, which keeps the visibility its handler gave it', async () => {
  publishUpload('specs/a-fail.yaml');
  publishUpload('specs/b-ok.yaml');
  await aws.events.settled();
  await mapping().drained();
  const seen = await observed();
  const counts = (key: string) =>
    seen.filter((s) => s.key === key).map((s) => s.record.attributes.ApproximateReceiveCount);
  // The failed item came back at once (the function set its visibility to 0), the other never again.
  expect(counts('specs/a-fail.yaml')).toEqual(['1', '2']);
  expect(counts('specs/b-ok.yaml')).toEqual(['1']);
  expect(mapping().stats()).toMatchObject({ messagesReportedFailed: 1, invalidResponses: 0 });
});

test('with reserved concurrency below MaximumConcurrency, throttled batches are retried and nothing is lost', async () => {
  const keys = Array.from({ length: 30 }, (_, i) => `specs/slow-${i}.yaml`);
  for (const k of keys) publishUpload(k);
  await aws.events.settled();
  await lambda.eventSourcesDrained();
  const seen = new Set((await observed()).map((s) => s.key));
  expect(keys.filter((k) => !seen.has(k))).toEqual([]);
  // ReservedConcurrentExecutions 1: never two invocations at once, whatever the mapping's 2.
  expect(lambda.stats('admit-specs')!.maxInFlight).toBe(1);
  expect(aws.sqs.stats(stack.get('AdmissionDeadLetterQueue').ref)).toMatchObject({ sent: 0, available: 0 });
});

test('a function error deletes nothing: the message stays in flight until its visibility timeout', async () => {
  const before = mapping().stats().functionErrors;
  publishUpload('specs/crash.yaml');
  await aws.events.settled();
  await until(() => mapping().stats().functionErrors > before);
  expect(aws.sqs.stats(stack.get('AdmissionQueue').ref)).toMatchObject({ available: 0, inFlight: 1 });
  expect((await observed()).map((s) => s.key)).toEqual(['specs/crash.yaml']);
});

test('a queue without a policy for the rule loses nothing silently: the failed delivery is recorded', async () => {
  const event = publishUpload('closed/x.yaml');
  await aws.events.settled();
  const [d] = aws.events.deliveries.filter((x) => x.event.id === event.id);
  expect(d).toMatchObject({ ok: false, target: { Id: 'closed' } });
  expect(d!.error).toContain(
    `User: events.amazonaws.com is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:closed`,
  );
  expect(aws.sqs.stats(stack.get('ClosedQueue').ref)).toMatchObject({ available: 0, sent: 0 });
});

/** A stack of its own, without rules, whose event source mapping has `mapping` set on it. */
function queueOnlyStack(name: string, mapping: Record<string, unknown>): Promise<DeployedStack> {
  const t = rename(structuredClone(admissionTemplate()) as unknown as { Resources: Record<string, any> }, `-${name}`);
  for (const id of ['SpecUploadedRule', 'ClosedRule', 'AdmissionQueuePolicy']) delete t.Resources[id];
  Object.assign(t.Resources.AdmitSpecsEventSourceMappingSQSAdmissionQueue.Properties, mapping);
  return deployStack(t as unknown as Template, context(name), targets());
}

test('a batch larger than the 6 MB invocation payload reaches the function in several calls', async () => {
  // A mapping that gathers batches of up to 20 for 2 seconds.
  const big = await queueOnlyStack('big', { BatchSize: 20, MaximumBatchingWindowInSeconds: 2 });
  const url = big.get('AdmissionQueue').ref;
  const keys = Array.from({ length: 8 }, (_, i) => `specs/big-${i}.yaml`);
  // About 1 MiB each: the 8 a batch gathers cannot go in one 6 MB event.
  await Promise.all(
    keys.map((key) =>
      admin.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: JSON.stringify({ detail: { object: { key } }, pad: 'x'.repeat(1_000_000) }),
        }),
      ),
    ),
  );
  // (Not eventSourcesDrained: the crashed message of the test above is in flight for a minute.)
  await lambda
    .eventSourceMappings()
    .find((m) => m.eventSourceArn === big.get('AdmissionQueue').attributes.Arn)!
    .drained();
  const seen = await observed(big);
  expect(seen.map((s) => s.key).sort()).toEqual(keys);
  expect(Math.max(...seen.map((s) => s.batch))).toBeLessThanOrEqual(6);
  expect(seen.some((s) => s.batch > 1)).toBe(true);
});

test('with a batching window, a batch of up to 10 fills before the invocation (Lambda API reference, MaximumBatchingWindowInSeconds)', async () => {
  // "The maximum amount of time ... that Lambda spends gathering records before invoking the
  // function": for any batch size, not only above 10 (where a window of at least 1 s is required).
  const windowed = await queueOnlyStack('window', { BatchSize: 3, MaximumBatchingWindowInSeconds: 3 });
  const url = windowed.get('AdmissionQueue').ref;
  const keys = ['specs/w-0.yaml', 'specs/w-1.yaml', 'specs/w-2.yaml'];
  // One at a time, each after the poller has taken the one before: without the window the first
  // would be invoked alone at once. The third fills the batch, which goes without waiting 3 s.
  for (const key of keys) {
    await admin.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ detail: { object: { key } } }) }),
    );
    await until(() => aws.sqs.stats(url)!.available === 0);
  }
  await lambda
    .eventSourceMappings()
    .find((m) => m.eventSourceArn === windowed.get('AdmissionQueue').attributes.Arn)!
    .drained();
  const seen = await observed(windowed);
  expect(seen.map((x) => [x.key, x.batch]).sort()).toEqual(keys.map((k) => [k, 3]));

  // A lone message waits out the window, in long polls: a handful of receives, not a spin.
  const queueArn = windowed.get('AdmissionQueue').attributes.Arn;
  const receives = () => iam.record.filter((r) => r.action === 'sqs:ReceiveMessage' && r.resource === queueArn).length;
  const before = receives();
  await admin.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: JSON.stringify({ detail: { object: { key: 'specs/w-3.yaml' } } }),
    }),
  );
  await until(() => aws.sqs.stats(url)!.available === 0);
  await lambda
    .eventSourceMappings()
    .find((m) => m.eventSourceArn === queueArn)!
    .drained();
  expect((await observed(windowed)).map((x) => [x.key, x.batch])).toEqual([['specs/w-3.yaml', 1]]);
  expect(receives() - before).toBeLessThanOrEqual(6);
});

test('CreateEventSourceMapping refuses a queue whose visibility timeout is below the function timeout, and a role without the SQS permissions', async () => {
  const base = admissionTemplate() as unknown as { Resources: Record<string, any> };
  const short = rename(structuredClone(base), '-short');
  short.Resources.AdmissionQueue.Properties.VisibilityTimeout = 5;
  await expect(deployStack(short as unknown as Template, context('short'), targets())).rejects.toThrow(
    'AdmitSpecsEventSourceMappingSQSAdmissionQueue (AWS::Lambda::EventSourceMapping) CREATE_FAILED: InvalidParameterValueException: Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds',
  );
  const weak = rename(structuredClone(base), '-weak');
  weak.Resources.AdmitSpecsRole.Properties.Policies[0].PolicyDocument.Statement[0].Action = [
    'sqs:ReceiveMessage',
    'sqs:GetQueueAttributes',
  ];
  await expect(deployStack(weak as unknown as Template, context('weak'), targets())).rejects.toThrow(
    'InvalidParameterValueException: The provided execution role does not have permissions to call DeleteMessage on SQS',
  );
});

test('a partial batch response Lambda cannot read fails the whole batch', () => {
  const ids = new Set(['m1', 'm2']);
  expect(failedItems(undefined, ids)).toEqual([]);
  expect(failedItems({}, ids)).toEqual([]);
  expect(failedItems({ batchItemFailures: [] }, ids)).toEqual([]);
  expect(failedItems({ batchItemFailures: [{ itemIdentifier: 'm2' }] }, ids)).toEqual(['m2']);
  for (const bad of [
    'ok',
    { batchItemFailures: 'm1' },
    { batchItemFailures: [{ itemIdentifier: '' }] },
    { batchItemFailures: [{ itemIdentifier: null }] },
    { batchItemFailures: [{ itemId: 'm1' }] },
    { batchItemFailures: [{ itemIdentifier: 'm3' }] },
  ])
    expect(failedItems(bad, ids)).toBe('invalid');
});
