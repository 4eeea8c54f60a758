// The emulated Step Functions through the unmodified @aws-sdk/client-sfn: state machine CRUD and its errors,
// executions of small ASL definitions (Task → Retry on a custom error → Catch → Parallel → Map → Choice → Pass →
// Fail), Lambda handlers registered by name, SDK integrations routed to the emulated ACM PCA, events:putEvents
// through the emulated EventBridge into another state machine, startExecution.sync:2, and the execution history
// in AWS's event shape (state inputs and outputs included, so tests can scan it for leaked secrets).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import {
  SFNClient,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { Gateway } from '../../../local/aws/gateway.js';
import { AcmPcaEmulator } from '../../../local/aws/acm-pca.js';
import { EventBridgeEmulator } from '../../../local/aws/eventbridge.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { FaultInjector } from '../../../local/aws/faults.js';
import { AwsServiceError } from '../../../local/aws/core.js';
import { startLocalAws } from '../../../local/aws/env.js';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';

x509.cryptoProvider.set(webcrypto as never);

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let gw: Gateway;
let sfn: SFNClient;
const pcaEmu = new AcmPcaEmulator();
const ebEmu = new EventBridgeEmulator();
let sfnEmu: StepFunctionsEmulator;

const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const calls: Record<string, number> = {};

class Transient extends Error {
  override name = 'Transient';
}
class Fatal extends Error {
  override name = 'Fatal';
}

/** Task → Retry (custom error) → Catch → Parallel → Map → Choice → Pass → Fail. */
const mainDefinition = {
  Comment: 'emulator test flow',
  StartAt: 'Flaky',
  States: {
    Flaky: {
      Type: 'Task',
      Resource: lambdaArn('flaky'),
      ResultPath: '$.flaky',
      Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['Fatal'], ResultPath: '$.error', Next: 'HandleFatal' }],
      Next: 'Fan',
    },
    HandleFatal: {
      Type: 'Pass',
      Parameters: { 'cause.$': 'States.StringToJson($.error.Cause)' },
      ResultPath: '$.parsed',
      Next: 'Failed',
    },
    Failed: { Type: 'Fail', Error: 'PipelineFailed', Cause: 'flaky failed fatally' },
    Fan: {
      Type: 'Parallel',
      ResultPath: '$.fan',
      Branches: [
        {
          StartAt: 'Invoke',
          States: {
            Invoke: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: lambdaArn('double'), 'Payload.$': '$' },
              ResultSelector: { 'value.$': '$.Payload.value' },
              End: true,
            },
          },
        },
        { StartAt: 'Constant', States: { Constant: { Type: 'Pass', Result: 'constant', End: true } } },
      ],
      Next: 'EachItem',
    },
    EachItem: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Square',
        States: { Square: { Type: 'Task', Resource: lambdaArn('square'), End: true } },
      },
      ResultPath: '$.squares',
      Next: 'Decide',
    },
    Decide: {
      Type: 'Choice',
      Choices: [{ Variable: '$.value', NumericGreaterThan: 100, Next: 'TooBig' }],
      Default: 'Shape',
    },
    TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'value above 100' },
    Shape: {
      Type: 'Pass',
      Parameters: {
        'value.$': '$.value',
        'doubled.$': '$.fan[0].value',
        'tag.$': '$.fan[1]',
        'squares.$': '$.squares',
        'flaky.$': '$.flaky',
      },
      End: true,
    },
  },
};

async function finished(executionArn: string) {
  await sfnEmu.waitForExecution(executionArn);
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

async function history(executionArn: string, extra: Record<string, unknown> = {}): Promise<HistoryEvent[]> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...extra }));
  return out.events!;
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { name: string; message: string } | undefined;
  if (!e) throw new Error('expected the call to fail');
  return e;
}

async function create(name: string, definition: unknown): Promise<string> {
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::000000000000:role/sfn',
    }),
  );
  return out.stateMachineArn!;
}

let mainArn: string;

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  sfnEmu = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0, endpointFor: () => gw.url, credentials: creds });
  gw.registerService(pcaEmu);
  gw.registerService(ebEmu.service);
  gw.registerService(sfnEmu);
  await gw.start();
  sfn = new SFNClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  sfnEmu.attachToEventBridge(ebEmu);

  sfnEmu.registerLambda('flaky', async (event: { failTimes?: number; fatal?: boolean; key: string }) => {
    calls[event.key] = (calls[event.key] ?? 0) + 1;
    if (event.fatal) throw new Fatal('cannot continue');
    if (calls[event.key]! <= (event.failTimes ?? 0)) throw new Transient(`attempt ${calls[event.key]}`);
    return { attempts: calls[event.key] };
  });
  sfnEmu.registerLambda('double', async (event: { value: number }, context) => ({
    value: event.value * 2,
    fn: context.functionName,
  }));
  sfnEmu.registerLambda('square', async (n: number) => n * n);
  mainArn = await create('main', mainDefinition);
});
afterAll(async () => {
  await sfnEmu.close();
  await ebEmu.settled().catch(() => undefined);
  await gw.stop();
});

describe('state machines', () => {
  test('Create, Describe, List; re-creating the same definition is idempotent, a different one is StateMachineAlreadyExists', async () => {
    expect(mainArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:main');
    const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: mainArn }));
    expect(d).toMatchObject({
      name: 'main',
      status: 'ACTIVE',
      type: 'STANDARD',
      roleArn: 'arn:aws:iam::000000000000:role/sfn',
    });
    expect(JSON.parse(d.definition!)).toEqual(mainDefinition);
    expect(d.creationDate).toBeInstanceOf(Date);
    expect(await create('main', mainDefinition)).toBe(mainArn);
    expect((await errorOf(create('main', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }))).name).toBe(
      'StateMachineAlreadyExists',
    );
    const list = await sfn.send(new ListStateMachinesCommand({}));
    expect(list.stateMachines!.map((m) => m.name)).toContain('main');
  });

  test('InvalidDefinition for bad JSON, a dangling Next, an unsupported resource, JSONata; InvalidName; InvalidArn; StateMachineDoesNotExist', async () => {
    const bad = (definition: string) =>
      errorOf(
        sfn.send(
          new CreateStateMachineCommand({ name: 'bad', definition, roleArn: 'arn:aws:iam::000000000000:role/x' }),
        ),
      );
    expect((await bad('{not json')).name).toBe('InvalidDefinition');
    expect((await bad(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }))).name).toBe(
      'InvalidDefinition',
    );
    expect(
      (
        await bad(
          JSON.stringify({
            StartAt: 'A',
            States: { A: { Type: 'Task', Resource: 'arn:aws:states:::glue:startJobRun.sync', End: true } },
          }),
        )
      ).message,
    ).toMatch(/INVALID_RESOURCE/);
    expect(
      (
        await bad(
          JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
        )
      ).message,
    ).toMatch(/JSONata/);
    expect(
      (
        await errorOf(
          sfn.send(
            new CreateStateMachineCommand({
              name: 'has space',
              definition: '{}',
              roleArn: 'arn:aws:iam::000000000000:role/x',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidName');
    expect((await errorOf(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'nope' })))).name).toBe(
      'InvalidArn',
    );
    expect(
      (await errorOf(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: mainArn.replace('main', 'ghost') }))))
        .name,
    ).toBe('StateMachineDoesNotExist');
  });

  test('UpdateStateMachine replaces the definition for new executions', async () => {
    const arn = await create('updatable', { StartAt: 'A', States: { A: { Type: 'Pass', Result: 1, End: true } } });
    await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Result: 2, End: true } } }),
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    expect((await finished(executionArn!)).output).toBe('2');
  });
});

describe('executions', () => {
  test('Retry on a custom error, then Parallel (lambda:invoke + Pass), Map and Choice → SUCCEEDED with the shaped output', async () => {
    const { executionArn, startDate } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: mainArn,
        name: 'happy',
        input: JSON.stringify({ key: 'happy', failTimes: 2, value: 21, items: [1, 2, 3, 4] }),
      }),
    );
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:main:happy');
    expect(startDate).toBeInstanceOf(Date);
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({
      value: 21,
      doubled: 42,
      tag: 'constant',
      squares: [1, 4, 9, 16],
      flaky: { attempts: 3 },
    });
    expect(d.stopDate).toBeInstanceOf(Date);

    const events = await history(executionArn!);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(2);
    expect(types.filter((t) => t === 'LambdaFunctionScheduled').length).toBeGreaterThanOrEqual(3 + 4);
    // Flaky's own sequence, in order, exactly as AWS records a retried Lambda task.
    const flakySeq = types.slice(types.indexOf('TaskStateEntered'), types.indexOf('TaskStateExited') + 1);
    expect(flakySeq).toEqual([
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
    ]);
    expect(types).toEqual(
      expect.arrayContaining([
        'ParallelStateEntered',
        'ParallelStateStarted',
        'ParallelStateSucceeded',
        'ParallelStateExited',
        'MapStateEntered',
        'MapIterationStarted',
        'MapIterationSucceeded',
        'MapStateExited',
        'ChoiceStateEntered',
        'PassStateEntered',
        'TaskScheduled',
        'TaskSucceeded',
      ]),
    );
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed')!;
    expect(failed.lambdaFunctionFailedEventDetails).toMatchObject({ error: 'Transient' });
    expect(JSON.parse(failed.lambdaFunctionFailedEventDetails!.cause!)).toMatchObject({
      errorType: 'Transient',
      errorMessage: 'attempt 1',
    });
    const invoke = events.find((e) => e.type === 'TaskScheduled')!;
    expect(invoke.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
    });
    expect(JSON.parse(invoke.taskScheduledEventDetails!.parameters!)).toMatchObject({
      FunctionName: lambdaArn('double'),
    });
    // ids are sequential; every event points at its predecessor
    events.forEach((e, i) => expect(e.id).toBe(i + 1));
    const entered = events.find((e) => e.type === 'TaskStateEntered')!;
    expect(JSON.parse(entered.stateEnteredEventDetails!.input!)).toMatchObject({ key: 'happy', value: 21 });
  });

  test('Catch on a custom error routes to a Pass that parses the Lambda Cause, then Fail → FAILED with error and cause', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: mainArn,
        input: JSON.stringify({ key: 'fatal', fatal: true, value: 1, items: [] }),
      }),
    );
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'FAILED', error: 'PipelineFailed', cause: 'flaky failed fatally' });
    const events = await history(executionArn!);
    const pass = events.find((e) => e.type === 'PassStateExited' && e.stateExitedEventDetails!.name === 'HandleFatal')!;
    expect(JSON.parse(pass.stateExitedEventDetails!.output!).parsed.cause).toMatchObject({
      errorType: 'Fatal',
      errorMessage: 'cannot continue',
    });
    expect(events.at(-1)!.type).toBe('ExecutionFailed');
    expect(events.at(-1)!.executionFailedEventDetails).toEqual({
      error: 'PipelineFailed',
      cause: 'flaky failed fatally',
    });
    expect(events.map((e) => e.type)).toContain('FailStateEntered');
  });

  test('Choice to a Fail state; retries exhausted surface the custom error', async () => {
    const big = await finished(
      (
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: mainArn,
            input: JSON.stringify({ key: 'big', value: 500, items: [] }),
          }),
        )
      ).executionArn!,
    );
    expect(big).toMatchObject({ status: 'FAILED', error: 'TooBig' });
    const exhausted = await finished(
      (
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: mainArn,
            input: JSON.stringify({ key: 'exhausted', failTimes: 10, value: 1, items: [] }),
          }),
        )
      ).executionArn!,
    );
    expect(exhausted.status).toBe('FAILED');
    expect(exhausted.error).toBe('Transient');
    expect(calls['exhausted']).toBe(4); // first attempt + MaxAttempts 3
  });

  test('StartExecution errors: InvalidExecutionInput, ExecutionAlreadyExists, StateMachineDoesNotExist; DescribeExecution: ExecutionDoesNotExist', async () => {
    expect(
      (await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: mainArn, input: '{oops' })))).name,
    ).toBe('InvalidExecutionInput');
    expect(
      (await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: mainArn, name: 'happy', input: '{}' }))))
        .name,
    ).toBe('ExecutionAlreadyExists');
    expect(
      (await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: mainArn.replace('main', 'ghost') })))).name,
    ).toBe('StateMachineDoesNotExist');
    expect(
      (
        await errorOf(
          sfn.send(
            new DescribeExecutionCommand({
              executionArn: 'arn:aws:states:us-east-1:000000000000:execution:main:ghost',
            }),
          ),
        )
      ).name,
    ).toBe('ExecutionDoesNotExist');
  });

  test('an unregistered Lambda fails with Lambda.ResourceNotFoundException', async () => {
    const arn = await create('missing-fn', {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: lambdaArn('nobody'), End: true } },
    });
    const d = await finished((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }))).executionArn!);
    expect(d).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
  });

  test('StopExecution aborts a waiting execution; ListExecutions filters by status and pages', async () => {
    sfnEmu.setTimeOverrides({ waitMs: undefined });
    const arn = await create('waiter', {
      StartAt: 'Sleep',
      States: { Sleep: { Type: 'Wait', Seconds: 3600, End: true } },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'sleepy' }));
    sfnEmu.setTimeOverrides({ waitMs: 0 });
    const fast = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'fast' }));
    await sfnEmu.waitForExecution(fast.executionArn!);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }));
    expect(running.executions!.map((e) => e.name)).toEqual(['sleepy']);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by test' }));
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by test' });
    expect((await history(executionArn!)).at(-1)!.type).toBe('ExecutionAborted');
    const page1 = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
    expect(page1.executions).toHaveLength(1);
    const page2 = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1, nextToken: page1.nextToken }),
    );
    expect(page2.executions![0]!.name).not.toBe(page1.executions![0]!.name);
  });
});

describe('robustness', () => {
  test("a handler error already in Lambda's payload shape (local/lambda/registry.ts localLambda) is not wrapped twice", async () => {
    sfnEmu.registerLambda('prewrapped', async () => {
      const e = new Error(JSON.stringify({ errorType: 'SpecRefused', errorMessage: '{"domain":"orders"}' }));
      e.name = 'SpecRefused';
      throw e;
    });
    const arn = await create('prewrapped', {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: lambdaArn('prewrapped'), End: true } },
    });
    const d = await finished((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }))).executionArn!);
    expect(d.error).toBe('SpecRefused');
    expect(JSON.parse(d.cause!)).toEqual({ errorType: 'SpecRefused', errorMessage: '{"domain":"orders"}' });
  });

  test('injected Lambda service faults become Lambda.<Code> errors that Retry handles', async () => {
    const faults = new FaultInjector();
    const withFaults = new StepFunctionsEmulator({ retryIntervalMs: 0, faults });
    withFaults.registerLambda('steady', async () => 'ok');
    const { stateMachineArn } = withFaults.createStateMachine({
      name: 'faulty',
      definition: JSON.stringify({
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: lambdaArn('steady'),
            Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], MaxAttempts: 2 }],
            End: true,
          },
        },
      }),
    });
    faults.add({
      service: 'lambda',
      operation: 'steady',
      error: { code: 'TooManyRequestsException', statusCode: 429 },
      times: 2,
    });
    const ok = await withFaults.waitForExecution(withFaults.startExecution({ stateMachineArn }).executionArn);
    expect(ok).toMatchObject({ status: 'SUCCEEDED', output: '"ok"' });
    faults.add({
      service: 'lambda',
      operation: 'steady',
      error: { code: 'ServiceException', statusCode: 500 },
      times: 1,
    });
    const failed = await withFaults.waitForExecution(withFaults.startExecution({ stateMachineArn }).executionArn);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Lambda.ServiceException' });
  });

  test("Lambda's own refusal of an invocation (a throttle by reserved concurrency) is Lambda.TooManyRequestsException, not a function error", async () => {
    sfnEmu.registerLambda('reserved', async () => {
      throw new AwsServiceError('TooManyRequestsException', 'Rate Exceeded.', 429);
    });
    const arn = await create('reserved', {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: lambdaArn('reserved'), End: true } },
    });
    const d = await finished((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }))).executionArn!);
    expect(d.error).toBe('Lambda.TooManyRequestsException');
    expect(d.cause).toMatch(
      /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException/,
    );
  });

  test('an SDK integration without any local endpoint fails the task instead of calling real AWS', async () => {
    const saved = { url: process.env['AWS_ENDPOINT_URL'], pca: process.env['AWS_ENDPOINT_URL_ACM_PCA'] };
    delete process.env['AWS_ENDPOINT_URL'];
    delete process.env['AWS_ENDPOINT_URL_ACM_PCA'];
    try {
      const isolated = new StepFunctionsEmulator({ retryIntervalMs: 0 });
      const { stateMachineArn } = isolated.createStateMachine({
        name: 'no-endpoint',
        definition: JSON.stringify({
          StartAt: 'L',
          States: {
            L: {
              Type: 'Task',
              Resource: 'arn:aws:states:::aws-sdk:acmpca:listCertificateAuthorities',
              Parameters: {},
              End: true,
            },
          },
        }),
      });
      const { executionArn } = isolated.startExecution({ stateMachineArn });
      const d = await isolated.waitForExecution(executionArn);
      expect(d).toMatchObject({ status: 'FAILED', error: 'AcmPca.SdkClientException' });
      expect(String(d['cause'])).toMatch(/No local endpoint for acmpca/);
    } finally {
      if (saved.url !== undefined) process.env['AWS_ENDPOINT_URL'] = saved.url;
      if (saved.pca !== undefined) process.env['AWS_ENDPOINT_URL_ACM_PCA'] = saved.pca;
    }
  });
});

describe('history for secret scanning', () => {
  test('a Task result dropped by ResultSelector is still in the history (as on AWS); includeExecutionData=false strips data; paging and reverse order', async () => {
    sfnEmu.registerLambda('leaky', async () => ({
      password: 'Sup3rS3cretValue',
      arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_x-AbCdEf',
    }));
    const arn = await create('leaky', {
      StartAt: 'Leak',
      States: { Leak: { Type: 'Task', Resource: lambdaArn('leaky'), ResultSelector: { 'arn.$': '$.arn' }, End: true } },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const d = await finished(executionArn!);
    expect(d.output).not.toContain('Sup3rS3cretValue');
    const full = JSON.stringify(await history(executionArn!));
    expect(full).toContain('Sup3rS3cretValue');
    const stripped = JSON.stringify(await history(executionArn!, { includeExecutionData: false }));
    expect(stripped).not.toContain('Sup3rS3cretValue');
    const p1 = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    expect(p1.events).toHaveLength(2);
    const p2 = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken: p1.nextToken }));
    expect(p2.events![0]!.id).toBe(3);
    const rev = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(rev.events![0]!.type).toBe('ExecutionSucceeded');
  });
});

describe('service integrations', () => {
  test('aws-sdk:acmpca: issueCertificate, then getCertificate retried on AcmPca.RequestInProgressException', async () => {
    const { CertificateAuthorityArn } = await pcaEmu.createCertificateAuthority({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'EC_prime256v1',
        SigningAlgorithm: 'SHA256WITHECDSA',
        Subject: { CommonName: 'sfn-ca' },
      },
    });
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as never;
    const csr = (
      await x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=orders',
        keys,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as never,
      })
    ).toString('pem');
    const arn = await create('issue', {
      StartAt: 'Issue',
      States: {
        Issue: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:acmpca:issueCertificate',
          Parameters: {
            'CertificateAuthorityArn.$': '$.ca',
            'Csr.$': '$.csr',
            SigningAlgorithm: 'SHA256WITHECDSA',
            Validity: { Type: 'DAYS', Value: 30 },
            IdempotencyToken: 'orders-1',
          },
          ResultPath: '$.issued',
          Next: 'Collect',
        },
        Collect: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:acmpca:getCertificate',
          Parameters: { 'CertificateAuthorityArn.$': '$.ca', 'CertificateArn.$': '$.issued.CertificateArn' },
          ResultSelector: { 'pem.$': '$.Certificate' },
          Retry: [
            { ErrorEquals: ['AcmPca.RequestInProgressException'], IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 1 },
          ],
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ ca: CertificateAuthorityArn, csr }) }),
    );
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!).pem).toMatch(/BEGIN CERTIFICATE/);
    const events = await history(executionArn!);
    const failed = events.find((e) => e.type === 'TaskFailed')!;
    expect(failed.taskFailedEventDetails).toMatchObject({
      resourceType: 'aws-sdk:acmpca',
      resource: 'getCertificate',
      error: 'AcmPca.RequestInProgressException',
    });
  });

  test('aws-sdk errors are <Service>.<Name>Exception and can be caught; an unmodeled injected fault is <Service>.<Service>Exception', async () => {
    const arn = await create('sdk-errors', {
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:acmpca:describeCertificateAuthority',
          Parameters: {
            CertificateAuthorityArn:
              'arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/00000000-0000-0000-0000-000000000000',
          },
          Catch: [{ ErrorEquals: ['AcmPca.ResourceNotFoundException'], ResultPath: '$.caught', Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const d = await finished((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }))).executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!).caught.Error).toBe('AcmPca.ResourceNotFoundException');
    gw.faults.add({
      service: 'acm-pca',
      operation: 'DescribeCertificateAuthority',
      error: { code: 'ThrottlingException' },
      times: 1,
    });
    const t = await finished((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }))).executionArn!);
    // ThrottlingException is not in ACM PCA's SDK model: AWS reports such errors as the generic <Service>Exception.
    expect(t).toMatchObject({ status: 'FAILED', error: 'AcmPca.AcmPcaException' });
  });

  test('events:putEvents → EventBridge rule → the target state machine starts with the event as input', async () => {
    const target = await create('on-event', { StartAt: 'Got', States: { Got: { Type: 'Pass', End: true } } });
    const eb = new EventBridgeClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
    await eb.send(
      new PutRuleCommand({
        Name: 'provisioned',
        EventPattern: JSON.stringify({ source: ['msk-spec-provisioner'], 'detail-type': ['Spec Provisioned'] }),
      }),
    );
    await eb.send(
      new PutTargetsCommand({
        Rule: 'provisioned',
        Targets: [{ Id: 'sm', Arn: target, RoleArn: 'arn:aws:iam::000000000000:role/eb' }],
      }),
    );
    const emitter = await create('emit', {
      StartAt: 'Emit',
      States: {
        Emit: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents',
          Parameters: {
            Entries: [{ Source: 'msk-spec-provisioner', DetailType: 'Spec Provisioned', 'Detail.$': '$.report' }],
          },
          End: true,
        },
      },
    });
    const d = await finished(
      (
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: emitter,
            input: JSON.stringify({ report: { domain: 'orders', status: 'APPLIED' } }),
          }),
        )
      ).executionArn!,
    );
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toMatchObject({ FailedEntryCount: 0 });
    await ebEmu.settled();
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: target }));
    expect(list.executions).toHaveLength(1);
    const child = await finished(list.executions![0]!.executionArn!);
    expect(JSON.parse(child.input!)).toMatchObject({
      source: 'msk-spec-provisioner',
      'detail-type': 'Spec Provisioned',
      detail: { domain: 'orders', status: 'APPLIED' },
    });
  });

  test('states:startExecution.sync:2 waits for the child and returns its parsed Output; a failed child is States.TaskFailed', async () => {
    const child = await create('child', {
      StartAt: 'Check',
      States: {
        Check: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }], Default: 'Bad' },
        Done: { Type: 'Pass', Parameters: { 'echo.$': '$.n' }, End: true },
        Bad: { Type: 'Fail', Error: 'ChildFailed', Cause: 'not ok' },
      },
    });
    const parent = await create('parent', {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'ok.$': '$$.Map.Item.Value.ok', 'n.$': '$$.Map.Item.Value.n' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Run',
            States: {
              Run: {
                Type: 'Task',
                Resource: 'arn:aws:states:::states:startExecution.sync:2',
                Parameters: {
                  StateMachineArn: child,
                  Input: {
                    'ok.$': '$.ok',
                    'n.$': '$.n',
                    'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
                  },
                },
                ResultSelector: { 'status.$': '$.Status', 'out.$': '$.Output' },
                Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Failed' }],
                End: true,
              },
              Failed: {
                Type: 'Pass',
                Parameters: { status: 'FAILED', 'cause.$': 'States.StringToJson($.failure.Cause)' },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: parent,
        input: JSON.stringify({
          items: [
            { ok: true, n: 1 },
            { ok: false, n: 2 },
          ],
        }),
      }),
    );
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    const [good, bad] = JSON.parse(d.output!) as [
      { status: string; out: unknown },
      { status: string; cause: { Status: string; Error: string } },
    ];
    expect(good).toEqual({ status: 'SUCCEEDED', out: { echo: 1 } });
    expect(bad.status).toBe('FAILED');
    expect(bad.cause).toMatchObject({ Status: 'FAILED', Error: 'ChildFailed' });
    const children = await sfn.send(new ListExecutionsCommand({ stateMachineArn: child }));
    expect(children.executions).toHaveLength(2);
    const childInput = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: children.executions![0]!.executionArn }))).input!,
    );
    expect(childInput.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID).toBe(executionArn);
  });
});

describe('S3 through the SDK integration (the pipeline writes its reports this way)', () => {
  test('aws-sdk:s3:putObject with States.JsonToString stores the object; a missing bucket is a modeled S3 error', async () => {
    const aws = await startLocalAws({ buckets: ['reports'], log: () => undefined });
    const local = new StepFunctionsEmulator({
      retryIntervalMs: 0,
      endpointFor: (svc) => (svc === 's3' ? aws.s3Endpoint : aws.endpoint),
      credentials: creds,
    });
    try {
      const put = (bucket: string) =>
        local.createStateMachine({
          name: `put-${bucket}`,
          definition: JSON.stringify({
            StartAt: 'Write',
            States: {
              Write: {
                Type: 'Task',
                Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
                Parameters: {
                  Bucket: bucket,
                  Key: 'reports/orders.json',
                  ContentType: 'application/json',
                  'Body.$': 'States.JsonToString($.report)',
                },
                ResultPath: null,
                End: true,
              },
            },
          }),
        }).stateMachineArn;
      const ok = await local.waitForExecution(
        local.startExecution({
          stateMachineArn: put('reports'),
          input: JSON.stringify({ report: { status: 'APPLIED' } }),
        }).executionArn,
      );
      expect(ok['status']).toBe('SUCCEEDED');
      const s3 = new S3Client({
        endpoint: aws.s3Endpoint,
        region: 'us-east-1',
        credentials: creds,
        forcePathStyle: true,
      });
      const obj = await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: 'reports/orders.json' }));
      expect(JSON.parse(await obj.Body!.transformToString())).toEqual({ status: 'APPLIED' });
      const missing = await local.waitForExecution(
        local.startExecution({ stateMachineArn: put('nobucket'), input: JSON.stringify({ report: {} }) }).executionArn,
      );
      expect(missing).toMatchObject({ status: 'FAILED', error: 'S3.NoSuchBucketException' });
    } finally {
      await local.close();
      await aws.stop();
    }
  });
});
