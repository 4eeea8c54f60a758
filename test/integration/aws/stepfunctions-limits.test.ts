// The emulated Step Functions holds executions to AWS's quotas (Developer Guide, "Step Functions service quotas";
// "Handling errors in Step Functions workflows"; "Avoid reaching the history quota"; Lambda quotas) and, given an
// authorizer, runs tasks as the state machine's role ("IAM policies for integrated services").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SFNClient,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { Gateway } from '../../../local/aws/gateway.js';
import { EventBridgeEmulator } from '../../../local/aws/eventbridge.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import type {
  AuthorizationDecision,
  AuthorizationRequest,
  Authorizer,
  Credentials,
} from '../../../local/aws/iam/types.js';
import { fullHistory } from '../../support/sfn.js';

const ACCOUNT = '000000000000';
const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const KIB256 = 262_144;

/** An allow-list authority: `${principal} ${action} ${resource}` entries, `*` as a resource suffix wildcard. */
class FakeAuthorizer implements Authorizer {
  readonly enforcing = true;
  readonly requests: AuthorizationRequest[] = [];
  readonly credentialRequests: string[] = [];
  readonly allowed = new Set<string>();
  principalForAccessKey(): string | undefined {
    return undefined;
  }
  evaluate(r: AuthorizationRequest): AuthorizationDecision {
    const ok = [...this.allowed].some((a) => {
      const [p, action, resource] = a.split(' ') as [string, string, string];
      return (
        p === r.principalArn &&
        action === r.action &&
        (resource.endsWith('*') ? r.resource.startsWith(resource.slice(0, -1)) : resource === r.resource)
      );
    });
    const session = r.principalArn.replace(/^arn:aws:iam::(\d+):role\/(.+)$/, 'arn:aws:sts::$1:assumed-role/$2/local');
    return ok
      ? { allowed: true, reason: 'allowed', message: 'allowed' }
      : {
          allowed: false,
          reason: 'implicit-deny',
          message: `User: ${session} is not authorized to perform: ${r.action} on resource: ${r.resource} because no identity-based policy allows the ${r.action} action`,
        };
  }
  authorize(r: AuthorizationRequest): AuthorizationDecision {
    this.requests.push(r);
    return this.evaluate(r);
  }
  credentialsFor(principalArn: string): Credentials {
    this.credentialRequests.push(principalArn);
    return { accessKeyId: `AKIA${principalArn.split('/').pop()!.toUpperCase()}`, secretAccessKey: 'secret' };
  }
  allow(principal: string, action: string, resource: string): void {
    this.allowed.add(`${principal} ${action} ${resource}`);
  }
}

let gw: Gateway;
let sfn: SFNClient;
let emu: StepFunctionsEmulator;
const calls: Record<string, number> = {};

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  emu = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0, endpointFor: () => gw.url, credentials: creds });
  gw.registerService(emu);
  await gw.start();
  sfn = new SFNClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  emu.registerLambda('big', async (e: { bytes: number }) => {
    calls['big'] = (calls['big'] ?? 0) + 1;
    return { blob: 'x'.repeat(e.bytes) };
  });
  emu.registerLambda('report', async (e: { i: number }) => ({ i: e.i, report: 'r'.repeat(1000) }));
  emu.registerLambda('echo', async (e: unknown) => e);
});
afterAll(async () => {
  await emu.close();
  await gw.stop();
});

async function create(name: string, definition: unknown, roleArn = role('sfn')): Promise<string> {
  const out = await sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn }));
  return out.stateMachineArn!;
}

async function run(stateMachineArn: string, input: unknown = {}) {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await emu.waitForExecution(executionArn!);
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

const history = (executionArn: string): Promise<HistoryEvent[]> => fullHistory(sfn, executionArn);

const bigTask = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: lambdaArn('big'),
  ...extra,
});

describe('256 KiB payloads (States.DataLimitExceeded)', () => {
  test('StartExecution: input over 262,144 UTF-8 bytes is a ValidationException; exactly 262,144 starts', async () => {
    const arn = await create('limits-pass', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const sized = (bytes: number, ch = 'a') => {
      const overhead = Buffer.byteLength('{"s":""}');
      return `{"s":"${ch.repeat((bytes - overhead) / Buffer.byteLength(ch))}"}`;
    };
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: sized(KIB256) }));
    expect(ok.executionArn).toBeDefined();
    const over = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: arn, input: sized(KIB256 + 1) }))
      .catch((e: Error) => e);
    expect(over).toMatchObject({ name: 'ValidationException' });
    expect((over as Error).message).toContain('262144');
    // Bytes, not characters: 131,072 two-byte characters are 262,144 bytes plus the JSON around them.
    const wide = await sfn
      .send(new StartExecutionCommand({ stateMachineArn: arn, input: `{"s":"${'é'.repeat(131_072)}"}` }))
      .catch((e: Error) => e);
    expect(wide).toMatchObject({ name: 'ValidationException' });
  });

  test('a Lambda result over the quota fails the execution; States.ALL neither retries nor catches it', async () => {
    calls['big'] = 0;
    const arn = await create('limits-result-all', {
      StartAt: 'Big',
      States: {
        Big: bigTask({
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        }),
        Caught: { Type: 'Pass', End: true },
      },
    });
    const d = await run(arn, { bytes: KIB256 });
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(d.cause).toBe(
      `The state/task '${lambdaArn('big')}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
    expect(calls['big']).toBe(1);
    const events = await history(d.executionArn!);
    expect(events.map((e) => e.type)).not.toContain('PassStateEntered');
    expect(events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails?.error).toBe(
      'States.DataLimitExceeded',
    );
    // States.TaskFailed is no wildcard for it either.
    const tf = await create('limits-result-taskfailed', {
      StartAt: 'Big',
      States: {
        Big: bigTask({ Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }], End: true }),
        Caught: { Type: 'Pass', End: true },
      },
    });
    expect(await run(tf, { bytes: KIB256 })).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  test('a Retrier or Catcher that names States.DataLimitExceeded matches it; a result at the quota passes', async () => {
    calls['big'] = 0;
    const arn = await create('limits-result-named', {
      StartAt: 'Big',
      States: {
        Big: bigTask({
          ResultPath: null,
          Retry: [
            { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
            { ErrorEquals: ['States.DataLimitExceeded'], MaxAttempts: 1 },
          ],
          Catch: [
            { ErrorEquals: ['States.ALL'], Next: 'Wrong' },
            { ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Caught' },
          ],
          End: true,
        }),
        Wrong: { Type: 'Fail', Error: 'Wrong' },
        Caught: { Type: 'Pass', Parameters: { 'error.$': '$.error.Error' }, End: true },
      },
    });
    const d = await run(arn, { bytes: KIB256 });
    expect(d).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(d.output!)).toEqual({ error: 'States.DataLimitExceeded' });
    expect(calls['big']).toBe(2); // the named retrier retried once
    // {"blob":"…"} of exactly 262,144 bytes is within the quota.
    const exact = await create('limits-result-exact', {
      StartAt: 'Big',
      States: { Big: bigTask({ ResultSelector: { 'n.$': 'States.ArrayLength(States.Array(1))' }, End: true }) },
    });
    expect(await run(exact, { bytes: KIB256 - Buffer.byteLength('{"blob":""}') })).toMatchObject({
      status: 'SUCCEEDED',
    });
  });

  test('a task input over the quota after Parameters fails before the task runs', async () => {
    calls['big'] = 0;
    const arn = await create('limits-task-input', {
      StartAt: 'Twice',
      States: {
        Twice: bigTask({ Parameters: { 'a.$': '$.s', 'b.$': '$.s', bytes: 1 }, End: true }),
      },
    });
    const d = await run(arn, { s: 'y'.repeat(140_000) });
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(d.cause).toContain("'Twice'");
    expect(calls['big']).toBe(0);
  });

  test("a state's output over the quota (two results merged by ResultPath) fails the execution", async () => {
    const arn = await create('limits-state-output', {
      StartAt: 'A',
      States: {
        A: bigTask({ ResultPath: '$.a', Next: 'B' }),
        B: bigTask({ ResultPath: '$.b', Next: 'After' }),
        After: { Type: 'Pass', End: true },
      },
    });
    const d = await run(arn, { bytes: 140_000 });
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(d.cause).toContain("'B'");
    expect((await history(d.executionArn!)).map((e) => e.type)).not.toContain('PassStateEntered');
  });

  test("a Map state's collected results over the quota fail the Map: uncaught by States.ALL, caught by name", async () => {
    const map = (catchers: unknown[]) => ({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 10,
          ItemSelector: { 'i.$': '$$.Map.Item.Value' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Report',
            States: { Report: { Type: 'Task', Resource: lambdaArn('report'), End: true } },
          },
          ResultPath: '$.results',
          Catch: catchers,
          End: true,
        },
        Caught: { Type: 'Pass', Parameters: { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' }, End: true },
      },
    });
    const items = Array.from({ length: 300 }, (_, i) => i); // 300 × ~1 KB results
    const all = await create(
      'limits-map-all',
      map([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }]),
    );
    const d = await run(all, { items });
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(d.cause).toBe(
      "The state/task 'Each' returned a result with a size exceeding the maximum number of bytes service limit.",
    );
    const named = await create(
      'limits-map-named',
      map([{ ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Caught' }]),
    );
    const c = await run(named, { items });
    expect(c.status).toBe('SUCCEEDED');
    expect(JSON.parse(c.output!)).toMatchObject({ error: 'States.DataLimitExceeded' });
    // 200 iterations (~203 KB) fit.
    const fits = await run(all, { items: items.slice(0, 200) });
    expect(fits.status).toBe('SUCCEEDED');
  });
});

describe('25,000 history events', () => {
  const loop = (name: string) =>
    create(name, {
      StartAt: 'Count',
      States: {
        Count: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'max.$': '$.max' }, Next: 'More' },
        More: {
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericLessThanPath: '$.max', Next: 'Count' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });

  test('event 25,000 is ExecutionFailed (States.Runtime) unless it is ExecutionSucceeded', async () => {
    // ExecutionStarted + 4 events per round + SucceedStateEntered/Exited + ExecutionSucceeded = 4 × rounds + 4.
    const arn = await loop('limits-history');
    const exact = await run(arn, { n: 0, max: 6249 });
    expect(exact.status).toBe('SUCCEEDED');
    const ok = await history(exact.executionArn!);
    expect(ok).toHaveLength(25_000);
    expect(ok[24_999]).toMatchObject({ id: 25_000, type: 'ExecutionSucceeded' });

    const over = await run(arn, { n: 0, max: 6250 });
    expect(over).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
    });
    const events = await history(over.executionArn!);
    expect(events).toHaveLength(25_000);
    expect(events[24_999]).toMatchObject({
      id: 25_000,
      previousEventId: 24_999,
      type: 'ExecutionFailed',
      executionFailedEventDetails: {
        error: 'States.Runtime',
        cause: 'The execution reached the maximum number of history events (25000).',
      },
    });
    expect(events[24_998]!.type).toBe('PassStateExited'); // the last event the machine produced
  }, 60_000);
});

describe('Lambda payload quotas (6 MB)', () => {
  test('a response over 6 MB is the function error Function.ResponseSizeTooLarge', async () => {
    const arn = await create('limits-lambda-response', {
      StartAt: 'Big',
      States: { Big: bigTask({ End: true }) },
    });
    const d = await run(arn, { bytes: 6_300_000 });
    expect(d).toMatchObject({ status: 'FAILED', error: 'Function.ResponseSizeTooLarge' });
    expect(JSON.parse(d.cause!)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
    expect(JSON.parse(d.cause!).errorMessage).toMatch(/exceeded maximum allowed payload size \(6291556 bytes\)/);
  });
});

describe('identities (authorizer)', () => {
  let auth: FakeAuthorizer;
  let gw2: Gateway;
  let emu2: StepFunctionsEmulator;
  let eb: EventBridgeEmulator;
  let sfn2: SFNClient;
  const fnCalls: string[] = [];
  let kms: http.Server;
  const kmsKeys: string[] = [];

  beforeAll(async () => {
    auth = new FakeAuthorizer();
    // A stand-in KMS endpoint that records who signed each request.
    kms = http.createServer((req, res) => {
      const m = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '');
      kmsKeys.push(m?.[1] ?? '');
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify({ KeyMetadata: { KeyId: 'k', Arn: 'arn:aws:kms:us-east-1:000000000000:key/k' } }));
      });
    });
    await new Promise<void>((r) => kms.listen(0, '127.0.0.1', r));
    const kmsUrl = `http://127.0.0.1:${(kms.address() as AddressInfo).port}`;
    gw2 = new Gateway({ log: () => undefined });
    emu2 = new StepFunctionsEmulator({
      retryIntervalMs: 0,
      waitMs: 0,
      endpointFor: (s) => (s === 'kms' ? kmsUrl : gw2.url),
      credentials: creds,
      authorizer: auth,
    });
    eb = new EventBridgeEmulator();
    gw2.registerService(emu2);
    gw2.registerService(eb.service);
    await gw2.start();
    sfn2 = new SFNClient({ endpoint: gw2.url, region: 'us-east-1', credentials: creds });
    emu2.attachToEventBridge(eb);
    // Keyed by ARN (the deployed function name) and by name.
    emu2.registerLambda(lambdaArn('msk-spec-provisioner-local-validateSpec'), async () => {
      fnCalls.push('validateSpec');
      return { ok: true };
    });
    emu2.registerLambda('plain', async () => {
      fnCalls.push('plain');
      return { ok: true };
    });
  });
  afterAll(async () => {
    await emu2.close();
    await eb.settled();
    await gw2.stop();
    await new Promise((r) => kms.close(r));
  });

  const create2 = async (name: string, definition: unknown, roleArn: string) =>
    (await sfn2.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn })))
      .stateMachineArn!;
  const run2 = async (stateMachineArn: string, input: unknown = {}) => {
    const { executionArn } = await sfn2.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    await emu2.waitForExecution(executionArn!);
    return sfn2.send(new DescribeExecutionCommand({ executionArn }));
  };

  test("Lambda tasks are authorized as lambda:InvokeFunction for the state machine's role", async () => {
    const fn = lambdaArn('msk-spec-provisioner-local-validateSpec');
    const def = {
      StartAt: 'Direct',
      States: {
        Direct: { Type: 'Task', Resource: fn, ResultPath: null, Next: 'Invoke' },
        Invoke: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'plain', Payload: {} },
          End: true,
        },
      },
    };
    const arn = await create2('id-lambda', def, role('validator'));
    fnCalls.length = 0;
    const denied = await run2(arn);
    expect(denied).toMatchObject({ status: 'FAILED', error: 'Lambda.AWSLambdaException' });
    expect(denied.cause).toContain(
      `is not authorized to perform: lambda:InvokeFunction on resource: ${fn} because no identity-based policy allows`,
    );
    expect(denied.cause).toContain('Status Code: 403; Error Code: AccessDeniedException');
    expect(fnCalls).toEqual([]);

    auth.allow(role('validator'), 'lambda:InvokeFunction', fn);
    const half = await run2(arn);
    expect(half).toMatchObject({ status: 'FAILED', error: 'Lambda.AWSLambdaException' });
    expect(half.cause).toContain(`on resource: ${lambdaArn('plain')}`);
    auth.allow(role('validator'), 'lambda:InvokeFunction', lambdaArn('plain'));
    fnCalls.length = 0;
    expect((await run2(arn)).status).toBe('SUCCEEDED');
    expect(fnCalls).toEqual(['validateSpec', 'plain']);
    expect(auth.requests.filter((r) => r.action === 'lambda:InvokeFunction').map((r) => r.principalArn)).toEqual(
      Array(5).fill(role('validator')),
    );
  });

  test("SDK integrations sign with the role's credentials; one client per (service, role)", async () => {
    const def = {
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:kms:describeKey',
          Parameters: { KeyId: 'alias/x' },
          End: true,
        },
      },
    };
    const a = await create2('id-sdk-a', def, role('alpha'));
    const b = await create2('id-sdk-b', def, role('beta'));
    kmsKeys.length = 0;
    auth.credentialRequests.length = 0;
    for (const arn of [a, b, a, b]) expect((await run2(arn)).status).toBe('SUCCEEDED');
    expect(kmsKeys).toEqual(['AKIAALPHA', 'AKIABETA', 'AKIAALPHA', 'AKIABETA']);
    expect(auth.credentialRequests).toEqual([role('alpha'), role('beta')]);
  });

  test('startExecution.sync needs StartExecution, the managed rule (PutTargets/PutRule/DescribeRule) and DescribeExecution', async () => {
    const child = await create2(
      'id-child',
      { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      role('child'),
    );
    const parent = await create2(
      'id-parent',
      {
        StartAt: 'Run',
        States: {
          Run: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: { StateMachineArn: child, Input: { a: 1 } },
            End: true,
          },
        },
      },
      role('parent'),
    );
    const rule = `arn:aws:events:us-east-1:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
    const denied = await run2(parent);
    expect(denied).toMatchObject({ status: 'FAILED', error: 'StepFunctions.AWSStepFunctionsException' });
    expect(denied.cause).toContain(`events:PutTargets on resource: ${rule}`);
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'])
      auth.allow(role('parent'), action, rule);
    const noStart = await run2(parent);
    expect(noStart.cause).toContain(`states:StartExecution on resource: ${child}`);
    auth.allow(role('parent'), 'states:StartExecution', child);
    const noDescribe = await run2(parent);
    expect(noDescribe.cause).toContain(
      `states:DescribeExecution on resource: arn:aws:states:us-east-1:${ACCOUNT}:execution:id-child:`,
    );
    auth.allow(role('parent'), 'states:DescribeExecution', `arn:aws:states:us-east-1:${ACCOUNT}:execution:id-child:*`);
    const ok = await run2(parent);
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.output!)).toMatchObject({ Status: 'SUCCEEDED', Input: { a: 1 } });
  });

  test('stopping a parent stops its running .sync child when the role may states:StopExecution', async () => {
    const child = await create2(
      'id-slow-child',
      { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
      role('child'),
    );
    const parent = await create2(
      'id-slow-parent',
      {
        StartAt: 'Run',
        States: {
          Run: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: { StateMachineArn: child },
            End: true,
          },
        },
      },
      role('stopper'),
    );
    const rule = `arn:aws:events:us-east-1:${ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'])
      auth.allow(role('stopper'), action, rule);
    auth.allow(role('stopper'), 'states:StartExecution', child);
    auth.allow(
      role('stopper'),
      'states:DescribeExecution',
      `arn:aws:states:us-east-1:${ACCOUNT}:execution:id-slow-child:*`,
    );
    emu2.setTimeOverrides({ waitMs: undefined });
    try {
      const startAndStop = async () => {
        const { executionArn } = await sfn2.send(new StartExecutionCommand({ stateMachineArn: parent }));
        let childArn: string | undefined;
        for (let i = 0; i < 100 && !childArn; i++) {
          await new Promise((r) => setTimeout(r, 20));
          const h = await sfn2.send(new GetExecutionHistoryCommand({ executionArn }));
          const submitted = h.events!.find((e) => e.type === 'TaskSubmitted');
          if (submitted) childArn = JSON.parse(submitted.taskSubmittedEventDetails!.output!).ExecutionArn;
        }
        await sfn2.send(new StopExecutionCommand({ executionArn }));
        await emu2.waitForExecution(executionArn!);
        return (await sfn2.send(new DescribeExecutionCommand({ executionArn: childArn! }))).status;
      };
      // Without states:StopExecution the child runs on.
      const kept = await startAndStop();
      expect(kept).toBe('RUNNING');
      auth.allow(
        role('stopper'),
        'states:StopExecution',
        `arn:aws:states:us-east-1:${ACCOUNT}:execution:id-slow-child:*`,
      );
      expect(await startAndStop()).toBe('ABORTED');
    } finally {
      emu2.setTimeOverrides({ waitMs: 0 });
    }
  });

  test("EventBridge targets start executions as the target's RoleArn; a denial is a failed delivery", async () => {
    const target = await create2('id-target', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, role('t'));
    const ctx = { region: 'us-east-1', accountId: ACCOUNT, service: 'events', operation: 'x' };
    eb.service.operations['PutRule']!({ Name: 'r', EventPattern: JSON.stringify({ source: ['me'] }) }, ctx);
    eb.service.operations['PutTargets']!(
      { Rule: 'r', Targets: [{ Id: 't', Arn: target, RoleArn: role('events-r') }] },
      { ...ctx, operation: 'PutTargets' },
    );
    const put = () =>
      eb.service.operations['PutEvents']!(
        { Entries: [{ Source: 'me', DetailType: 'x', Detail: '{}' }] },
        { ...ctx, operation: 'PutEvents' },
      );
    put();
    await eb.settled();
    const first = eb.deliveries.at(-1)!;
    expect(first.ok).toBe(false);
    expect(first.error).toContain(`${'states:StartExecution'} on resource: ${target}`);
    expect(first.error).toContain('assumed-role/events-r/');
    auth.allow(role('events-r'), 'states:StartExecution', target);
    put();
    await eb.settled();
    expect(eb.deliveries.at(-1)!.ok).toBe(true);
  });
});

describe('with the IamAuthority (local/aws/iam/authority.ts)', () => {
  test("a Lambda task runs only if the state machine's role has a policy allowing lambda:InvokeFunction on it", async () => {
    const iam = new IamAuthority();
    const fn = lambdaArn('msk-spec-provisioner-local-listSpecs');
    iam.putRole(role('allowed'), {
      policies: [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fn }] },
      ],
    });
    iam.putRole(role('other'), {
      policies: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: lambdaArn('x') }],
        },
      ],
    });
    const emu3 = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0, authorizer: iam });
    emu3.registerLambda(fn, async () => ({ specs: [] }));
    const def = JSON.stringify({ StartAt: 'L', States: { L: { Type: 'Task', Resource: fn, End: true } } });
    const outcome = async (roleArn: string) => {
      const name = roleArn.split('/').pop()!;
      const { stateMachineArn } = emu3.createStateMachine({ name, definition: def, roleArn });
      const { executionArn } = emu3.startExecution({ stateMachineArn });
      return emu3.waitForExecution(executionArn);
    };
    try {
      expect(await outcome(role('allowed'))).toMatchObject({ status: 'SUCCEEDED' });
      const denied = await outcome(role('other'));
      expect(denied).toMatchObject({ status: 'FAILED', error: 'Lambda.AWSLambdaException' });
      expect(denied['cause']).toContain('assumed-role/other/');
      expect(denied['cause']).toContain(`lambda:InvokeFunction on resource: ${fn}`);
    } finally {
      await emu3.close();
    }
  });
});
