// Emulated AWS Step Functions (JSON 1.0 protocol, X-Amz-Target `AWSStepFunctions.<Operation>`), executing
// state machines with aws-local-stepfunctions.
//
// API behaviour follows the Step Functions API reference (https://docs.aws.amazon.com/step-functions/latest/apireference/);
// each operation cites its page. The pieces, in stepfunctions/:
// - tasks.ts: the Task resources (Lambda, aws-sdk:*, events:putEvents, states:startExecution[.sync[:2]]);
// - definition.ts: CreateStateMachine's checks and the engine's copy of a definition;
// - history.ts: the engine's event log as HistoryEvents;
// - distributed-map.ts: Distributed Map states (S3 ItemReader, ResultWriter, Map Runs of child executions);
// - limits.ts: the payload and history quotas;
// - records.ts: the records and options they share.
//
// Usage:
//   const sfn = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0, faults });  // tests: instant retries/waits
//   gateway.registerService(sfn);                  // SDK clients reach it through AWS_ENDPOINT_URL
//   sfn.registerLambda('validateSpec', handler);   // arn:aws:lambda:<r>:<a>:function:validateSpec runs handler
//   sfn.attachToEventBridge(eventBridge);          // rule targets arn:aws:states:...:stateMachine:* start executions
//   await sfn.waitForExecution(executionArn);      // in-process: resolves when the execution stops
// Definitions must be plain JSON ASL: resolve Fn::GetAtt/Ref first (local/aws/asl.ts resolveDefinition).
//
// Known deviations: STANDARD semantics for every type (EXPRESS accepted, run the same way); no .waitForTaskToken,
// no activities, no JSONata (refused at CreateStateMachine: aws-local-stepfunctions would silently ignore it);
// the SDK integration clients make one attempt (the state's Retry decides); a Task without TimeoutSeconds times out
// after ~24.8 days (the longest Node timer; AWS: 99999999 s); HeartbeatSeconds is ignored; Distributed Map states
// have the deviations distributed-map.ts lists.
// Quota deviations: a state's own output over 256 KiB fails the run it is in (the execution, or the iteration or
// branch, whose Map/Parallel state's Catch then sees it), not that state's Catch; a Map state fails as soon as its
// collected results pass 256 KiB (AWS may finish the other iterations first); a Parallel state's collected results
// are held to the quota only through its output; the input-size cause text is ours (AWS's is not documented).
//
// AWS quotas (local/aws/stepfunctions/limits.ts has the engine side and the sources):
// - 256 KiB (262,144 bytes of UTF-8 JSON) per execution input (StartExecution → ValidationException, as the API's
//   length constraint on `input`), state input, state output, task input (after Parameters) and task result, Map
//   states' collected results included → States.DataLimitExceeded, which only a Retrier/Catcher naming it matches;
// - 25,000 events per execution history: event 25,000 is ExecutionFailed (States.Runtime) unless it is
//   ExecutionSucceeded;
// - Lambda's 6 MB request and response payloads (Lambda quotas) for Lambda tasks.
// Identities (option `authorizer`, local/aws/iam/types.ts): tasks act as the state machine's role. SDK integrations
// sign with `authorizer.credentialsFor(roleArn)` (the service then authorizes the call); in-process Lambda tasks are
// authorized as lambda:InvokeFunction, states:startExecution tasks as states:StartExecution (plus, for .sync, what
// the Developer Guide's "IAM policies for integrated services" lists for the sync pattern); EventBridge targets
// start executions as the target's RoleArn.
import { randomUUID } from 'node:crypto';
import { AwsServiceError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type JsonService, type Operation } from './core.js';
import { PageTokens, pageSize } from './pagination.js';
import type { AuthorizationRequest } from './iam/types.js';
import { NAME_FORBIDDEN, buildStateMachine } from './stepfunctions/definition.js';
import { DistributedMapRunner, type MapRunRecord } from './stepfunctions/distributed-map.js';
import { aslRetryWaitMs, convertEvent, stripData, type LibEvent } from './stepfunctions/history.js';
import {
  HISTORY_LIMIT_CAUSE,
  LIMITS,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
  installLimitHooks,
} from './stepfunctions/limits.js';
import {
  epoch,
  type ExecutionRecord,
  type HistoryEvent,
  type Json,
  type LambdaHandler,
  type StateMachineRecord,
  type StepFunctionsOptions,
} from './stepfunctions/records.js';
import { StatesError, TaskRunner, toJson } from './stepfunctions/tasks.js';

export type { HistoryEvent, LambdaHandler, StepFunctionsOptions } from './stepfunctions/records.js';
export { StatesError };

// aws-local-stepfunctions 3.x uses Promise.withResolvers (Node 22+); Node 20 needs this polyfill (docs/facts.md#toolchain).
const P = Promise as unknown as { withResolvers?: () => unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T | PromiseLike<T>) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
installLimitHooks();

/** A name segment of a state machine or execution ARN. */
const ARN_NAME = '[^:\\s/]+';
/** A state machine's name in an execution or Map Run ARN: `<name>`, or `<name>/<Label>` for a Distributed Map's. */
const MACHINE_PART = `${ARN_NAME}(?:/${ARN_NAME})?`;

/**
 * Checks `name` (the model's Name shape, botocore stepfunctions/2016-11-23/service-2.json: string,
 * min 1, max 80): outside the length it is the JSON protocol's ValidationException; with a forbidden
 * character, InvalidName.
 */
function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 80) {
    const rule =
      typeof name === 'string' && name.length > 80
        ? 'Member must have length less than or equal to 80'
        : 'Member must have length greater than or equal to 1';
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(name)}' at 'name' failed to satisfy constraint: ${rule}`,
    );
  }
  if (NAME_FORBIDDEN.test(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
  return name;
}

function invalidArn(arn: unknown): AwsServiceError {
  return new AwsServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
}

export class StepFunctionsEmulator implements JsonService {
  readonly signingName = 'states';
  readonly targetPrefix = 'AWSStepFunctions';
  readonly operations: Readonly<Record<string, Operation>>;

  readonly region: string;
  readonly accountId: string;
  readonly options: StepFunctionsOptions;
  private retryIntervalMs: number | undefined;
  private waitMs: number | undefined;
  private readonly lambdas = new Map<string, LambdaHandler>();
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly mapRuns = new Map<string, MapRunRecord>();
  private readonly pageTokens = new PageTokens();
  private readonly tasks = new TaskRunner(this);
  private readonly maps: DistributedMapRunner;

  constructor(options: StepFunctionsOptions = {}) {
    this.options = options;
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.maps = new DistributedMapRunner({
      region: this.region,
      accountId: this.accountId,
      startChild: (machine, arn, name, inputText, input, mapRunArn) => {
        const child = this.run(machine, arn, name, inputText, input);
        child.mapRunArn = mapRunArn;
        return child;
      },
      stopChild: (parent, childArn) => {
        const child = this.executions.get(childArn);
        if (!child || child.status !== 'RUNNING') return;
        if (this.denial({ principalArn: parent.roleArn, action: 'states:StopExecution', resource: childArn })) return;
        this.terminate(child, 'ABORTED', {});
      },
      registerMapRun: (run) => this.mapRuns.set(run.arn, run),
      denial: (request) => this.denial(request),
      callSdk: (exec, service, action, input) => this.tasks.callSdk(exec, service, action, input),
    });
    this.retryIntervalMs = options.retryIntervalMs;
    this.waitMs = options.waitMs;
    this.operations = {
      CreateStateMachine: (i) => this.createStateMachine(i),
      UpdateStateMachine: (i) => this.updateStateMachine(i),
      DescribeStateMachine: (i) => this.describeStateMachine(i),
      DeleteStateMachine: (i) => this.deleteStateMachine(i),
      ListStateMachines: (i) => this.listStateMachines(i),
      StartExecution: (i) => this.startExecution(i),
      DescribeExecution: (i) => this.describeExecution(i),
      StopExecution: (i) => this.stopExecution(i),
      GetExecutionHistory: (i) => this.getExecutionHistory(i),
      ListExecutions: (i) => this.listExecutions(i),
      ListMapRuns: (i) => this.listMapRuns(i),
      DescribeMapRun: (i) => this.describeMapRun(i),
    };
  }

  // ---- in-process API ----

  /**
   * Makes `arn:aws:lambda:...:function:<name>` and lambda:invoke with FunctionName `<name>` run `handler`. The key is
   * a function name (e.g. `msk-spec-provisioner-local-validateSpec`) or a function ARN; an invocation looks up its
   * ARN as written, then its unqualified ARN, then its function name.
   */
  registerLambda(nameOrArn: string, handler: LambdaHandler): void {
    this.lambdas.set(nameOrArn, handler);
  }

  /** Changes the retry/wait overrides for executions started from now on (undefined: as defined in the ASL). */
  setTimeOverrides(o: { retryIntervalMs?: number | undefined; waitMs?: number | undefined }): void {
    if ('retryIntervalMs' in o) this.retryIntervalMs = o.retryIntervalMs;
    if ('waitMs' in o) this.waitMs = o.waitMs;
  }

  /** Resolves when the execution has stopped (any status); returns its DescribeExecution view. */
  async waitForExecution(executionArn: string): Promise<Record<string, unknown>> {
    const e = this.executions.get(executionArn);
    if (!e) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    await e.done;
    return this.describeExecution({ executionArn });
  }

  /** The ARN a state machine of this name has (or would have) here. */
  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /**
   * Delivers EventBridge rule targets that are state machines here: the event (or the target's transformed input)
   * becomes the input of a new execution, as EventBridge's Step Functions target does.
   */
  attachToEventBridge(eb: {
    registerTarget(
      arnOrPattern: string,
      handler: (input: unknown, invocation: { target: { Arn: string; RoleArn?: string } }) => unknown,
    ): () => void;
  }): () => void {
    return eb.registerTarget('arn:aws:states:*:*:stateMachine:*', async (input, invocation) => {
      // EventBridge starts the execution as the target's role (User Guide, "IAM roles for sending events to
      // targets"); a denial fails the delivery, which EventBridge records like any other failed invocation.
      if (this.options.authorizer) {
        const role = invocation.target.RoleArn;
        if (!role) throw new Error(`target ${invocation.target.Arn} has no RoleArn to start the execution with`);
        const denial = this.denial({
          principalArn: role,
          action: 'states:StartExecution',
          resource: invocation.target.Arn,
        });
        if (denial) throw new AwsServiceError('AccessDeniedException', denial);
      }
      return this.startExecution({
        stateMachineArn: invocation.target.Arn,
        input: typeof input === 'string' ? input : JSON.stringify(input ?? {}),
      });
    });
  }

  /** Aborts every running execution (for shutdown). */
  async close(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const e of running) this.terminate(e, 'ABORTED', {});
    await Promise.allSettled(running.map((e) => e.done));
  }

  /** The handler registered under this function ARN, unqualified ARN or name (the task runner's lookup). */
  lambda(key: string): LambdaHandler | undefined {
    return this.lambdas.get(key);
  }

  /**
   * Asks the authorizer about one request of an execution's (or a delivery's) role; undefined when allowed (or when
   * there is no authorizer, or it does not enforce), else AWS's denial text.
   */
  denial(request: AuthorizationRequest): string | undefined {
    const authorizer = this.options.authorizer;
    if (!authorizer) return undefined;
    const decision = authorizer.authorize(request);
    return decision.allowed || !authorizer.enforcing ? undefined : decision.message;
  }

  // ---- operations ----

  /**
   * CreateStateMachine (API reference): name, definition (JSON string), roleArn, type. Idempotent when name,
   * definition, roleArn and type match an existing machine. Errors: InvalidArn, InvalidDefinition, InvalidName,
   * StateMachineAlreadyExists, StateMachineTypeNotSupported, ValidationException.
   */
  createStateMachine(input: Record<string, unknown>): { stateMachineArn: string; creationDate: number } {
    const name = checkName(input['name']);
    const type = (input['type'] as string | undefined) ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS')
      throw new AwsServiceError('StateMachineTypeNotSupported', `State machine type not supported: '${type}'`);
    const roleArn =
      (input['roleArn'] as string | undefined) ?? `arn:aws:iam::${this.accountId}:role/local-stepfunctions`;
    if (typeof roleArn !== 'string' || !roleArn.startsWith('arn:')) throw invalidArn(roleArn);
    const definitionText =
      typeof input['definition'] === 'string' ? input['definition'] : JSON.stringify(input['definition'] ?? null);
    const arn = this.stateMachineArn(name);
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.definitionText === definitionText && existing.roleArn === roleArn && existing.type === type) {
        return { stateMachineArn: arn, creationDate: epoch(existing.creationDate) };
      }
      throw new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const rec = buildStateMachine(arn, name, type, roleArn, definitionText, this.region);
    this.machines.set(arn, rec);
    return { stateMachineArn: arn, creationDate: epoch(rec.creationDate) };
  }

  /** UpdateStateMachine (API reference): stateMachineArn, definition, roleArn. Errors: InvalidArn, InvalidDefinition, StateMachineDoesNotExist, MissingRequiredParameter. */
  updateStateMachine(input: Record<string, unknown>): { updateDate: number } {
    const old = this.machine(input['stateMachineArn']);
    if (input['definition'] === undefined && input['roleArn'] === undefined) {
      throw new AwsServiceError(
        'MissingRequiredParameter',
        'Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified',
      );
    }
    const definitionText =
      input['definition'] === undefined
        ? old.definitionText
        : typeof input['definition'] === 'string'
          ? input['definition']
          : JSON.stringify(input['definition']);
    const rec = buildStateMachine(
      old.arn,
      old.name,
      old.type,
      (input['roleArn'] as string | undefined) ?? old.roleArn,
      definitionText,
      this.region,
    );
    rec.creationDate = old.creationDate;
    this.machines.set(old.arn, rec);
    return { updateDate: epoch(Date.now()) };
  }

  /** DescribeStateMachine (API reference). Errors: InvalidArn, StateMachineDoesNotExist. */
  describeStateMachine(input: Record<string, unknown>): Record<string, unknown> {
    const m = this.machine(input['stateMachineArn']);
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definitionText,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: epoch(m.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    };
  }

  /** DeleteStateMachine (API reference): running executions continue. Errors: InvalidArn, ValidationException. */
  deleteStateMachine(input: Record<string, unknown>): Record<string, never> {
    const arn = input['stateMachineArn'];
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) throw invalidArn(arn);
    this.machines.delete(arn);
    return {};
  }

  /** ListStateMachines (API reference): maxResults 0..1000 (0 = default 100), nextToken. Errors: InvalidToken. */
  listStateMachines(input: Record<string, unknown>): { stateMachines: unknown[]; nextToken?: string } {
    const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = this.page(all, input, 'ListStateMachines');
    return {
      stateMachines: page.map((m) => ({
        stateMachineArn: m.arn,
        name: m.name,
        type: m.type,
        creationDate: epoch(m.creationDate),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /**
   * StartExecution (API reference): stateMachineArn, name (default: a UUID), input (JSON text, default "{}").
   * Idempotent for a RUNNING execution with the same name and input. Errors: ExecutionAlreadyExists,
   * ExecutionLimitExceeded, InvalidArn, InvalidExecutionInput, InvalidName, StateMachineDeleting,
   * StateMachineDoesNotExist, ValidationException.
   */
  startExecution(input: Record<string, unknown>): { executionArn: string; startDate: number } {
    const name = checkName(input['name'] ?? randomUUID());
    const m = this.machine(input['stateMachineArn']);
    const inputText = (input['input'] as string | undefined) ?? '{}';
    // `input`: "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding. Maximum
    // length of 262144" (API reference, StartExecution); a violated constraint is a ValidationException.
    if (typeof inputText === 'string' && Buffer.byteLength(inputText, 'utf8') > MAX_PAYLOAD_BYTES)
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
      );
    let parsed: Json;
    try {
      parsed = JSON.parse(inputText) as Json;
    } catch {
      throw new AwsServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'Unexpected input'`);
    }
    const arn = `arn:aws:states:${this.region}:${this.accountId}:execution:${m.name}:${name}`;
    const prior = this.executions.get(arn);
    if (prior) {
      if (prior.status === 'RUNNING' && prior.input === inputText)
        return { executionArn: arn, startDate: epoch(prior.startDate) };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const exec = this.run(m, arn, name, inputText, parsed);
    return { executionArn: exec.arn, startDate: epoch(exec.startDate) };
  }

  /**
   * Stops a running execution: ABORTED (StopExecution, close) or FAILED (the history quota). Its running .sync
   * children are stopped too, as Step Functions does for the sync pattern (that is why the pattern's policy needs
   * states:StopExecution), if the parent's role may.
   */
  private terminate(e: ExecutionRecord, status: 'ABORTED' | 'FAILED', why: { error?: string; cause?: string }): void {
    if (e.status !== 'RUNNING') return;
    e.status = status;
    e.stopDate = Date.now();
    if (why.error !== undefined) e.error = why.error;
    if (why.cause !== undefined) e.cause = why.cause;
    e.abort?.();
    for (const childArn of e.children) {
      const child = this.executions.get(childArn);
      if (!child || child.status !== 'RUNNING') continue;
      if (this.denial({ principalArn: e.roleArn, action: 'states:StopExecution', resource: childArn })) continue;
      this.terminate(child, 'ABORTED', {});
    }
  }

  /** DescribeExecution (API reference). Errors: ExecutionDoesNotExist, InvalidArn. */
  describeExecution(input: Record<string, unknown>): Record<string, unknown> {
    const e = this.execution(input['executionArn']);
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: epoch(e.startDate),
      ...(e.stopDate !== undefined ? { stopDate: epoch(e.stopDate) } : {}),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
      ...(e.mapRunArn !== undefined ? { mapRunArn: e.mapRunArn } : {}),
    };
  }

  /** StopExecution (API reference): error, cause → {stopDate}. Errors: ExecutionDoesNotExist, InvalidArn, ValidationException. */
  stopExecution(input: Record<string, unknown>): { stopDate: number } {
    const e = this.execution(input['executionArn']);
    this.terminate(e, 'ABORTED', {
      ...(typeof input['error'] === 'string' ? { error: input['error'] } : {}),
      ...(typeof input['cause'] === 'string' ? { cause: input['cause'] } : {}),
    });
    return { stopDate: epoch(e.stopDate ?? Date.now()) };
  }

  /**
   * GetExecutionHistory (API reference): executionArn, maxResults (0..1000), nextToken, reverseOrder,
   * includeExecutionData (default true; false drops inputs, outputs, parameters, errors' causes).
   * Errors: ExecutionDoesNotExist, InvalidArn, InvalidToken.
   */
  getExecutionHistory(input: Record<string, unknown>): { events: HistoryEvent[]; nextToken?: string } {
    const e = this.execution(input['executionArn']);
    let events = [...e.events];
    if (input['reverseOrder'] === true) events.reverse();
    if (input['includeExecutionData'] === false) events = events.map(stripData);
    const { page, nextToken } = this.page(
      events,
      input,
      `GetExecutionHistory ${e.arn} ${String(input['reverseOrder'] === true)} ${String(input['includeExecutionData'] !== false)}`,
    );
    return { events: page, ...(nextToken ? { nextToken } : {}) };
  }

  /** ListExecutions (API reference): stateMachineArn, statusFilter, maxResults, nextToken; newest first. */
  listExecutions(input: Record<string, unknown>): { executions: unknown[]; nextToken?: string } {
    const filter = input['statusFilter'] as string | undefined;
    // A Map Run's child executions (mapRunArn), or a state machine's executions: one of the two.
    const mapRunArn = input['mapRunArn'];
    if (mapRunArn !== undefined && input['stateMachineArn'] !== undefined)
      throw new AwsServiceError('ValidationException', 'Only one of stateMachineArn and mapRunArn may be given');
    const belongs =
      mapRunArn !== undefined
        ? (e: ExecutionRecord) => e.mapRunArn === this.mapRun(mapRunArn).arn
        : (
            (arn: string) => (e: ExecutionRecord) =>
              e.stateMachineArn === arn
          )(this.machine(input['stateMachineArn']).arn);
    const all = [...this.executions.values()].filter((e) => belongs(e) && (!filter || e.status === filter)).reverse();
    const listing = `ListExecutions ${String(mapRunArn ?? input['stateMachineArn'])} ${filter ?? ''}`;
    const { page, nextToken } = this.page(all, input, listing);
    return {
      executions: page.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: epoch(e.startDate),
        ...(e.stopDate !== undefined ? { stopDate: epoch(e.stopDate) } : {}),
        ...(e.mapRunArn !== undefined ? { mapRunArn: e.mapRunArn } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** ListMapRuns (API reference): executionArn, maxResults, nextToken. Errors: ExecutionDoesNotExist, InvalidArn, InvalidToken. */
  listMapRuns(input: Record<string, unknown>): { mapRuns: unknown[]; nextToken?: string } {
    const e = this.execution(input['executionArn']);
    const all = [...this.mapRuns.values()].filter((r) => r.executionArn === e.arn);
    const { page, nextToken } = this.page(all, input, `ListMapRuns ${e.arn}`);
    return {
      mapRuns: page.map((r) => ({
        executionArn: r.executionArn,
        mapRunArn: r.arn,
        stateMachineArn: r.stateMachineArn,
        startDate: epoch(r.startDate),
        ...(r.stopDate !== undefined ? { stopDate: epoch(r.stopDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  /** DescribeMapRun (API reference): status, limits and item/execution counts. Errors: InvalidArn, ResourceNotFound. */
  describeMapRun(input: Record<string, unknown>): Record<string, unknown> {
    const r = this.mapRun(input['mapRunArn']);
    return {
      mapRunArn: r.arn,
      executionArn: r.executionArn,
      status: r.status,
      startDate: epoch(r.startDate),
      ...(r.stopDate !== undefined ? { stopDate: epoch(r.stopDate) } : {}),
      maxConcurrency: r.maxConcurrency,
      toleratedFailurePercentage: r.toleratedFailurePercentage,
      toleratedFailureCount: r.toleratedFailureCount,
      // One item per child execution here (no ItemBatcher), so both counts are the same.
      itemCounts: { ...r.counts },
      executionCounts: { ...r.counts },
      redriveCount: 0,
    };
  }

  // ---- building and running ----

  private run(m: StateMachineRecord, arn: string, name: string, inputText: string, input: Json): ExecutionRecord {
    const events: HistoryEvent[] = [];
    const record = (type: string, details: Record<string, unknown>): void => {
      const id = events.length + 1;
      events.push({ timestamp: epoch(Date.now()), type, id, previousEventId: id - 1, ...details });
    };
    const push = (type: string, details: Record<string, unknown> = {}): void => {
      if (events.length >= MAX_HISTORY_EVENTS) return; // the execution already ended at its 25,000th event
      if (events.length === MAX_HISTORY_EVENTS - 1 && type !== 'ExecutionSucceeded') {
        // "Avoid reaching the history quota": event 25,000 is ExecutionSucceeded or the execution fails there.
        record('ExecutionFailed', {
          executionFailedEventDetails: { error: 'States.Runtime', cause: HISTORY_LIMIT_CAUSE },
        });
        this.terminate(exec, 'FAILED', { error: 'States.Runtime', cause: HISTORY_LIMIT_CAUSE });
        return;
      }
      record(type, details);
    };
    const startDate = Date.now();
    const exec: ExecutionRecord = {
      arn,
      name,
      stateMachineArn: m.arn,
      input: inputText,
      status: 'RUNNING',
      startDate,
      events,
      roleArn: m.roleArn,
      children: new Set(),
      done: Promise.resolve(),
    };
    this.executions.set(arn, exec);

    const handlers: Record<string, (input: unknown) => Promise<Json>> = {};
    for (const [stateName, resource] of m.tasks) {
      const map = m.distributedMaps.get(stateName);
      handlers[stateName] = map
        ? async (stateInput) => {
            await new Promise((r) => setImmediate(r)); // <State>Entered first
            if (exec.status !== 'RUNNING')
              throw new StatesError('States.Runtime', `The execution has ended (${exec.status}).`);
            return this.maps.run(exec, map, toJson(stateInput), push);
          }
        : (taskInput) => this.tasks.runTask(exec, stateName, resource, taskInput, push);
    }
    const overrides = {
      taskResourceLocalHandlers: handlers as never,
      ...(this.waitMs !== undefined
        ? { waitTimeOverrides: Object.fromEntries(m.waits.map((w) => [w, this.waitMs!])) }
        : {}),
      ...(this.retryIntervalMs !== undefined
        ? { retryIntervalOverrides: Object.fromEntries(m.retryables.map((r) => [r, this.retryIntervalMs!])) }
        : {}),
    };
    const execution = m.machine.run(input as never, {
      overrides,
      // Turns the quota checks on for this run and, through the inherited run options, its Map and Parallel runs.
      ...({ [LIMITS]: true } as object),
      noThrowOnAbort: true,
      context: {
        Execution: { Id: arn, Name: name, RoleArn: m.roleArn, StartTime: new Date(startDate).toISOString() },
        StateMachine: { Id: m.arn, Name: m.name },
      },
    });
    exec.abort = execution.abort;

    // A Retry interval overridden (tests: 0) still passes for the fault injector's clock, as the ASL defines it.
    const retryOverrideMs = this.retryIntervalMs;
    const drain = (async () => {
      for await (const ev of execution.eventLogs) {
        convertEvent(ev as unknown as LibEvent, m, push);
        if (ev.type === 'StateRetried' && retryOverrideMs !== undefined)
          this.options.faults?.elapse?.(aslRetryWaitMs(ev as unknown as LibEvent) - retryOverrideMs);
      }
    })();
    let failure: Error | undefined;
    let output: unknown;
    const settle = execution.result.then(
      (out) => {
        output = out;
      },
      (err: unknown) => {
        failure = (err as Error) ?? new Error('unknown failure');
      },
    );
    // Finish only when both the result and the event log are in, so DescribeExecution and the history agree.
    exec.done = Promise.all([drain.catch(() => undefined), settle]).then(() => {
      exec.stopDate ??= Date.now();
      if (exec.status === 'RUNNING') {
        if (!failure) {
          exec.status = 'SUCCEEDED';
          exec.output = JSON.stringify(output ?? null);
        } else if (failure.name === 'ExecutionTimeoutError') {
          exec.status = 'TIMED_OUT';
          exec.error = 'States.Timeout';
        } else {
          exec.status = 'FAILED';
          const failed = [...events].reverse().find((x) => x.type === 'ExecutionFailed');
          const d = failed?.['executionFailedEventDetails'] as { error?: string; cause?: string } | undefined;
          exec.error = d?.error ?? 'States.Runtime';
          if (d?.cause !== undefined) exec.cause = d.cause;
          else if (!d) exec.cause = failure.message;
        }
      }
      if (exec.status === 'ABORTED' && !events.some((x) => x.type === 'ExecutionAborted')) {
        push('ExecutionAborted', {
          executionAbortedEventDetails: {
            ...(exec.error ? { error: exec.error } : {}),
            ...(exec.cause ? { cause: exec.cause } : {}),
          },
        });
      }
    });
    return exec;
  }

  private machine(arn: unknown): StateMachineRecord {
    if (
      typeof arn !== 'string' ||
      !new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:stateMachine:${ARN_NAME}$`).test(arn)
    )
      throw invalidArn(arn);
    const m = this.machines.get(arn);
    if (!m) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private execution(arn: unknown): ExecutionRecord {
    if (
      typeof arn !== 'string' ||
      !new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:execution:${MACHINE_PART}:${ARN_NAME}$`).test(arn)
    )
      throw invalidArn(arn);
    const e = this.executions.get(arn);
    if (!e) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  /**
   * One page of a listing (local/aws/pagination.ts): `maxResults` 0..1000, 0 or absent meaning 100 (API reference,
   * e.g. ListExecutions), beyond that the JSON protocol's ValidationException; a token not issued for this listing is
   * InvalidToken.
   */
  private page<T>(
    all: readonly T[],
    input: Record<string, unknown>,
    listing: string,
  ): { page: T[]; nextToken?: string } {
    const size =
      pageSize(input['maxResults'], { min: 0, max: 1000, default: 100 }, (v) => {
        const rule =
          typeof v === 'number' && v < 0
            ? 'Member must have value greater than or equal to 0'
            : 'Member must have value less than or equal to 1000';
        return new AwsServiceError(
          'ValidationException',
          `1 validation error detected: Value '${String(v)}' at 'maxResults' failed to satisfy constraint: ${rule}`,
        );
      }) || 100;
    const { items, next } = this.pageTokens.page(all, {
      listing,
      size,
      token: input['nextToken'],
      invalid: () => new AwsServiceError('InvalidToken', `Invalid Token: '${String(input['nextToken'])}'`),
    });
    return next ? { page: items, nextToken: next } : { page: items };
  }

  private mapRun(arn: unknown): MapRunRecord {
    if (
      typeof arn !== 'string' ||
      !new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:mapRun:${ARN_NAME}/${ARN_NAME}:${ARN_NAME}$`).test(arn)
    )
      throw invalidArn(arn);
    const r = this.mapRuns.get(arn);
    if (!r) throw new AwsServiceError('ResourceNotFound', `Resource not found: '${arn}'`);
    return r;
  }
}

export function createStepFunctions(options: StepFunctionsOptions = {}): StepFunctionsEmulator {
  return new StepFunctionsEmulator(options);
}
