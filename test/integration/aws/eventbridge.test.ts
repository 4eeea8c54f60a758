// Emulated EventBridge through the real SDK v3 client: rules, targets, PutEvents, pattern
// matching (the matcher itself: test/unit/local/eventbridge-pattern.test.ts), delivery to
// in-process target handlers, and S3 "Object Created" events.
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  InvalidEventPatternException,
  LimitExceededException,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { EventBridgeEvent, TargetInvocation } from '../../../local/aws/eventbridge.js';
import { useLocalAws } from '../../support/aws.js';

const SM_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:provision';
const ROLE = 'arn:aws:iam::000000000000:role/eventbridge-start-execution';
const received: { input: unknown; inv: TargetInvocation }[] = [];
const aws = useLocalAws({
  buckets: [{ name: 'specs', versioning: true, eventBridge: true }, 'quiet'],
  setup: (local) => {
    local.events.registerTarget('arn:aws:states:*:*:stateMachine:*', (input, inv) => {
      received.push({ input, inv });
    });
  },
});
const eb = () => aws.clients.events;
beforeEach(() => {
  received.length = 0;
});

const S3_PATTERN = JSON.stringify({
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: { bucket: { name: ['specs'] }, object: { key: [{ prefix: 'domains/' }] } },
});

test('PutRule returns the rule ARN; DescribeRule and ListRules show it', async () => {
  const out = await eb().send(
    new PutRuleCommand({ Name: 'specs-changed', EventPattern: S3_PATTERN, Description: 'spec uploads' }),
  );
  expect(out.RuleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/specs-changed');
  const d = await eb().send(new DescribeRuleCommand({ Name: 'specs-changed' }));
  expect(d).toMatchObject({
    Name: 'specs-changed',
    Arn: out.RuleArn,
    EventPattern: S3_PATTERN,
    State: 'ENABLED',
    EventBusName: 'default',
    Description: 'spec uploads',
  });
  const l = await eb().send(new ListRulesCommand({ NamePrefix: 'specs-' }));
  expect(l.Rules?.map((r) => r.Name)).toEqual(['specs-changed']);
});

test('ListRules pages with Limit and NextToken; a token continues only the listing that issued it', async () => {
  for (const Name of ['page-a', 'page-b', 'page-c'])
    await eb().send(new PutRuleCommand({ Name, EventPattern: JSON.stringify({ source: ['x'] }) }));
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const p = await eb().send(new ListRulesCommand({ NamePrefix: 'page-', Limit: 2, NextToken }));
    names.push(...p.Rules!.map((r) => r.Name!));
    NextToken = p.NextToken;
  } while (NextToken);
  expect(names).toEqual(['page-a', 'page-b', 'page-c']);
  const first = await eb().send(new ListRulesCommand({ NamePrefix: 'page-', Limit: 1 }));
  for (const request of [
    new ListRulesCommand({ NamePrefix: 'page-b', NextToken: first.NextToken }),
    new ListTargetsByRuleCommand({ Rule: 'page-a', NextToken: first.NextToken }),
    new ListRulesCommand({ NextToken: 'MQ' }),
  ])
    await expect(eb().send(request as ListRulesCommand)).rejects.toMatchObject({ name: 'ValidationException' });
  for (const Name of ['page-a', 'page-b', 'page-c']) await eb().send(new DeleteRuleCommand({ Name }));
});

test('PutRule errors: no pattern nor schedule, bad pattern, bad schedule, unknown bus', async () => {
  await expect(eb().send(new PutRuleCommand({ Name: 'r' }))).rejects.toMatchObject({ name: 'ValidationException' });
  const bad = await eb()
    .send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source": "aws.s3"}' }))
    .catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(InvalidEventPatternException);
  expect((bad as Error).message).toMatch(/^Event pattern is not valid\. Reason: /);
  await expect(eb().send(new PutRuleCommand({ Name: 'r', EventPattern: 'not json' }))).rejects.toBeInstanceOf(
    InvalidEventPatternException,
  );
  await expect(eb().send(new PutRuleCommand({ Name: 'r', ScheduleExpression: 'every day' }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
  await expect(
    eb().send(new PutRuleCommand({ Name: 'r', EventPattern: S3_PATTERN, EventBusName: 'custom' })),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
});

test('PutTargets / ListTargetsByRule / RemoveTargets; DeleteRule needs the targets gone; 5 targets at most', async () => {
  await eb().send(new PutRuleCommand({ Name: 'targets', EventPattern: JSON.stringify({ source: ['x'] }) }));
  const put = await eb().send(
    new PutTargetsCommand({
      Rule: 'targets',
      Targets: [{ Id: 'sfn', Arn: SM_ARN, RoleArn: 'arn:aws:iam::000000000000:role/events' }],
    }),
  );
  expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
  expect((await eb().send(new ListTargetsByRuleCommand({ Rule: 'targets' }))).Targets).toEqual([
    { Id: 'sfn', Arn: SM_ARN, RoleArn: 'arn:aws:iam::000000000000:role/events' },
  ]);
  await expect(eb().send(new DeleteRuleCommand({ Name: 'targets' }))).rejects.toMatchObject({
    name: 'ValidationException',
    message: "Rule can't be deleted since it has targets.",
  });
  await expect(
    eb().send(new PutTargetsCommand({ Rule: 'targets', Targets: [{ Id: 'norole', Arn: SM_ARN }] })),
  ).rejects.toMatchObject({
    name: 'ValidationException',
    message: `RoleArn is required for target ${SM_ARN}.`,
  });
  const more = Array.from({ length: 5 }, (_, i) => ({ Id: `t${i}`, Arn: SM_ARN, RoleArn: ROLE }));
  await expect(eb().send(new PutTargetsCommand({ Rule: 'targets', Targets: more }))).rejects.toBeInstanceOf(
    LimitExceededException,
  );
  const rm = await eb().send(new RemoveTargetsCommand({ Rule: 'targets', Ids: ['sfn'] }));
  expect(rm.FailedEntryCount).toBe(0);
  await eb().send(new DeleteRuleCommand({ Name: 'targets' }));
  await eb().send(new DeleteRuleCommand({ Name: 'targets' })); // idempotent
  await expect(eb().send(new DescribeRuleCommand({ Name: 'targets' }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  await expect(
    eb().send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 'a', Arn: SM_ARN, RoleArn: ROLE }] })),
  ).rejects.toBeInstanceOf(ResourceNotFoundException);
});

test('PutEvents: EventIds for good entries, per-entry errors for bad ones; matching rules deliver to handlers', async () => {
  await eb().send(
    new PutRuleCommand({
      Name: 'custom',
      EventPattern: JSON.stringify({ source: ['msk-spec.cli'], detail: { domain: [{ prefix: 'pay' }] } }),
    }),
  );
  await eb().send(new PutTargetsCommand({ Rule: 'custom', Targets: [{ Id: 'sfn', Arn: SM_ARN, RoleArn: ROLE }] }));
  const out = await eb().send(
    new PutEventsCommand({
      Entries: [
        { Source: 'msk-spec.cli', DetailType: 'Reprovision', Detail: JSON.stringify({ domain: 'payments' }) },
        { Source: 'msk-spec.cli', DetailType: 'Reprovision', Detail: JSON.stringify({ domain: 'orders' }) },
        { Source: 'msk-spec.cli', DetailType: 'Reprovision', Detail: 'not json' },
        { Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' },
        { DetailType: 'x', Detail: '{}' },
      ],
    }),
  );
  expect(out.FailedEntryCount).toBe(3);
  expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
  expect(out.Entries?.[1]?.EventId).toBeDefined();
  expect(out.Entries?.[2]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
  expect(out.Entries?.[3]?.ErrorCode).toBe('NotAuthorizedForSourceException');
  expect(out.Entries?.[4]?.ErrorCode).toBe('InvalidArgument');
  await aws.local.events.settled();
  expect(received).toHaveLength(1);
  const ev = received[0]!.input as EventBridgeEvent;
  expect(ev).toMatchObject({
    version: '0',
    id: out.Entries?.[0]?.EventId,
    source: 'msk-spec.cli',
    'detail-type': 'Reprovision',
    account: '000000000000',
    region: 'us-east-1',
    detail: { domain: 'payments' },
  });
  expect(ev.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(received[0]!.inv.ruleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/custom');
  await eb().send(new RemoveTargetsCommand({ Rule: 'custom', Ids: ['sfn'] }));
});

test('a disabled rule delivers nothing; Input and InputTransformer shape the target input', async () => {
  await eb().send(new PutRuleCommand({ Name: 'shaped', EventPattern: JSON.stringify({ source: ['shape'] }) }));
  await eb().send(
    new PutTargetsCommand({
      Rule: 'shaped',
      Targets: [
        { Id: 'const', Arn: `${SM_ARN}-a`, RoleArn: ROLE, Input: '{"fixed":true}' },
        { Id: 'path', Arn: `${SM_ARN}-b`, RoleArn: ROLE, InputPath: '$.detail' },
        {
          Id: 'tpl',
          Arn: `${SM_ARN}-c`,
          RoleArn: ROLE,
          InputTransformer: {
            InputPathsMap: { d: '$.detail.domain', n: '$.detail.n' },
            InputTemplate: '{"domain": <d>, "label": "domain <d>", "n": <n>}',
          },
        },
      ],
    }),
  );
  await eb().send(new DisableRuleCommand({ Name: 'shaped' }));
  await eb().send(
    new PutEventsCommand({ Entries: [{ Source: 'shape', DetailType: 't', Detail: '{"domain":"pay","n":3}' }] }),
  );
  await aws.local.events.settled();
  expect(received).toEqual([]);
  await eb().send(new EnableRuleCommand({ Name: 'shaped' }));
  await eb().send(
    new PutEventsCommand({ Entries: [{ Source: 'shape', DetailType: 't', Detail: '{"domain":"pay","n":3}' }] }),
  );
  await aws.local.events.settled();
  const byArn = Object.fromEntries(received.map((r) => [r.inv.target.Arn, r.input]));
  expect(byArn[`${SM_ARN}-a`]).toEqual({ fixed: true });
  expect(byArn[`${SM_ARN}-b`]).toEqual({ domain: 'pay', n: 3 });
  expect(byArn[`${SM_ARN}-c`]).toEqual({ domain: 'pay', label: 'domain pay', n: 3 });
  await eb().send(new RemoveTargetsCommand({ Rule: 'shaped', Ids: ['const', 'path', 'tpl'] }));
});

test('S3 PutObject in an EventBridge-enabled bucket delivers an "Object Created" event shaped like S3\'s', async () => {
  await eb().send(new PutRuleCommand({ Name: 'on-spec', EventPattern: S3_PATTERN }));
  await eb().send(new PutTargetsCommand({ Rule: 'on-spec', Targets: [{ Id: 'sfn', Arn: SM_ARN, RoleArn: ROLE }] }));
  const put = await aws.clients.s3.send(
    new PutObjectCommand({ Bucket: 'specs', Key: 'domains/payments.yaml', Body: 'asyncapi: 3.0.0' }),
  );
  await aws.clients.s3.send(new PutObjectCommand({ Bucket: 'specs', Key: 'other/x.yaml', Body: 'x' }));
  await aws.clients.s3.send(new PutObjectCommand({ Bucket: 'quiet', Key: 'domains/y.yaml', Body: 'x' }));
  await aws.local.events.settled();
  expect(received).toHaveLength(1);
  const ev = received[0]!.input as EventBridgeEvent;
  expect(ev).toMatchObject({
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    account: '000000000000',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::specs'],
    detail: {
      version: '0',
      bucket: { name: 'specs' },
      object: {
        key: 'domains/payments.yaml',
        size: 15,
        etag: put.ETag!.replace(/"/g, ''),
        'version-id': put.VersionId,
      },
      requester: '000000000000',
      reason: 'PutObject',
    },
  });
  expect((ev.detail.object as { sequencer: string }).sequencer).toMatch(/^[0-9A-F]+$/);
  expect(ev.detail['request-id']).toBeDefined();
  await eb().send(new RemoveTargetsCommand({ Rule: 'on-spec', Ids: ['sfn'] }));
});

test('a target without a handler is recorded as a failed delivery', async () => {
  await eb().send(new PutRuleCommand({ Name: 'orphan', EventPattern: JSON.stringify({ source: ['orphan'] }) }));
  await eb().send(
    new PutTargetsCommand({
      Rule: 'orphan',
      Targets: [{ Id: 'q', Arn: 'arn:aws:sns:us-east-1:000000000000:nowhere' }],
    }),
  );
  await eb().send(new PutEventsCommand({ Entries: [{ Source: 'orphan', DetailType: 't', Detail: '{}' }] }));
  await aws.local.events.settled();
  const last = aws.local.events.deliveries.at(-1);
  expect(last).toMatchObject({
    ok: false,
    error: 'no local handler registered for target arn:aws:sns:us-east-1:000000000000:nowhere',
  });
});

test('a scheduled rule fires its targets with a "Scheduled Event" when triggered', async () => {
  const { RuleArn } = await eb().send(new PutRuleCommand({ Name: 'renew-certs', ScheduleExpression: 'rate(1 day)' }));
  await eb().send(new PutTargetsCommand({ Rule: 'renew-certs', Targets: [{ Id: 'sfn', Arn: SM_ARN, RoleArn: ROLE }] }));
  aws.local.events.triggerSchedule('renew-certs');
  await aws.local.events.settled();
  expect(received.map((r) => r.input)).toEqual([
    expect.objectContaining({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      resources: [RuleArn],
      detail: {},
    }),
  ]);
  await eb().send(new RemoveTargetsCommand({ Rule: 'renew-certs', Ids: ['sfn'] }));
});

test('control API: create a bucket and read deliveries from another process', async () => {
  const base = aws.local.endpoint;
  const created = await fetch(`${base}/_local/s3/buckets`, {
    method: 'POST',
    body: JSON.stringify({ name: 'remote-specs', versioning: true, eventBridge: true }),
  });
  expect(created.status).toBe(201);
  expect(aws.local.s3.eventBridgeEnabled('remote-specs')).toBe(true);
  await eb().send(
    new PutRuleCommand({
      Name: 'remote',
      EventPattern: JSON.stringify({ source: ['aws.s3'], detail: { bucket: { name: ['remote-specs'] } } }),
    }),
  );
  await eb().send(new PutTargetsCommand({ Rule: 'remote', Targets: [{ Id: 'sfn', Arn: SM_ARN, RoleArn: ROLE }] }));
  await aws.clients.s3.send(new PutObjectCommand({ Bucket: 'remote-specs', Key: 'a.yaml', Body: 'x' }));
  expect((await fetch(`${base}/_local/events/settled`, { method: 'POST' })).status).toBe(200);
  const { deliveries } = (await (await fetch(`${base}/_local/events/deliveries`)).json()) as {
    deliveries: { ruleArn: string; ok: boolean; input: EventBridgeEvent }[];
  };
  const mine = deliveries.filter((d) => d.ruleArn.endsWith('rule/remote'));
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({
    ok: true,
    input: { 'detail-type': 'Object Created', detail: { bucket: { name: 'remote-specs' } } },
  });
  await eb().send(new RemoveTargetsCommand({ Rule: 'remote', Ids: ['sfn'] }));
});

test('TestEventPattern through the SDK', async () => {
  const event = JSON.stringify({
    id: '1',
    account: '000000000000',
    source: 'aws.s3',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    'detail-type': 'Object Created',
    detail: { bucket: { name: 'specs' }, object: { key: 'domains/a.yaml' } },
  });
  expect((await eb().send(new TestEventPatternCommand({ EventPattern: S3_PATTERN, Event: event }))).Result).toBe(true);
  expect(
    (
      await eb().send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: ['aws.ec2'] }), Event: event }),
      )
    ).Result,
  ).toBe(false);
});

test('faults apply to EventBridge operations', async () => {
  aws.local.faults.add({ service: 'events', operation: 'PutEvents', times: 1, error: { code: 'ThrottlingException' } });
  const retrying = aws.makeClients({ maxAttempts: 2 }).events;
  const out = await retrying.send(new PutEventsCommand({ Entries: [{ Source: 'f', DetailType: 't', Detail: '{}' }] }));
  expect(out.$metadata.attempts).toBe(2);
});
