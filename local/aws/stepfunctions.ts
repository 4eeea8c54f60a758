// Emulated AWS Step Functions (JSON 1.0 protocol, X-Amz-Target `AWSStepFunctions.<Operation>`), executing
// state machines with aws-local-stepfunctions.
//
// API behaviour follows the Step Functions API reference (https://docs.aws.amazon.com/step-functions/latest/apireference/);
// each operation cites its page. Task resources (developer guide, "Integrating services with Step Functions"):
// - `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` and `arn:aws:states:::lambda:invoke`
//   (Parameters FunctionName + Payload) run local handlers registered with `registerLambda(name, handler)`.
//   A handler's thrown error becomes the state's Error (its `.name`, "Lambda errors": errorType) with a Cause in
//   Lambda's JSON shape, so Retry/Catch on error names behave as on AWS.
// - `arn:aws:states:::aws-sdk:<service>:<action>` calls the emulated service through the unmodified SDK v3 client
//   (same gateway, same validation and fault injection as any other client). Errors are named
//   `<ServiceName>.<ErrorName>Exception` in PascalCase ("AWS SDK service integrations": e.g. AcmPca.ResourceNotFoundException).
// - `arn:aws:states:::events:putEvents` (Detail may be an object; FailedEntryCount > 0 → EventBridge.FailedEntry).
// - `arn:aws:states:::states:startExecution[.sync|.sync:2]` starts a child execution in-process and, for .sync, waits.
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
// after ~24.8 days (the longest Node timer; AWS: 99999999 s); Map states are INLINE only; HeartbeatSeconds is ignored.
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
import type { Context as LambdaContext } from 'aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsServiceError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type JsonService, type Operation } from './core.js';
import type { AuthorizationRequest, Authorizer } from './iam/types.js';
import {
  DataLimitExceeded,
  HISTORY_LIMIT_CAUSE,
  LAMBDA_MAX_REQUEST_BYTES,
  LAMBDA_MAX_RESPONSE_BYTES,
  LIMITS,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
  indexMapStates,
  inputTooLarge,
  installLimitHooks,
  payloadBytes,
  resultTooLarge,
} from './stepfunctions/limits.js';

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaHandler = (event: any, context: LambdaContext) => unknown;

export interface StepFunctionsOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Wait this many ms before every retry instead of IntervalSeconds × BackoffRate^n (tests: 0). Default: as defined. */
  readonly retryIntervalMs?: number;
  /** Every Wait state waits this many ms instead of its duration (tests: 0). Default: as defined. */
  readonly waitMs?: number;
  /**
   * Endpoint for the SDK clients behind aws-sdk:* and events:putEvents tasks, per SDK service name
   * (`secretsmanager`, `s3`, `kafka`, `acmpca`, `kms`, `eventbridge`, `sfn`). Default: AWS_ENDPOINT_URL_<SERVICE>,
   * then AWS_ENDPOINT_URL, read when the first such task runs; with none set the task fails (never real AWS).
   */
  readonly endpointFor?: (service: string) => string | undefined;
  /** Credentials for those clients; default: from the environment, else static test credentials. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Fault injection for Lambda invocations (the gateway covers every other call): a fault with service `lambda` and
   * operation `<function name>` (or `*`) fails that invocation as the Lambda service would, e.g. code
   * TooManyRequestsException → state error `Lambda.TooManyRequestsException`. Pass the shared FaultInjector.
   */
  readonly faults?: { apply(service: string, operation: string): Promise<void> };
  /** Extra client config for S3 (default forcePathStyle true, as s3rver needs). */
  readonly s3Config?: Record<string, unknown>;
  /**
   * The IAM authority (local/aws/iam/types.ts). With it, tasks act as the state machine's role: SDK integrations sign
   * with `credentialsFor(roleArn)` (overriding `credentials`), Lambda and startExecution tasks and EventBridge
   * deliveries are authorized here. Without it nothing is checked (as before).
   */
  readonly authorizer?: Authorizer;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface StateMachineRecord {
  arn: string;
  name: string;
  type: string;
  roleArn: string;
  definitionText: string;
  definition: StateMachineDefinition;
  machine: StateMachine;
  creationDate: number;
  /** Task state name → Resource (names are unique across the whole machine, nested ones included). */
  tasks: Map<string, string>;
  waits: string[];
  retryables: string[];
}

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  stateMachineArn: string;
  input: string;
  status: Status;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
  /** The state machine's role: the identity its tasks act as. */
  roleArn: string;
  /** Running children of startExecution.sync tasks: stopped with the parent (the sync pattern's StopExecution). */
  children: Set<string>;
  abort?: () => void;
  done: Promise<void>;
}

/**
 * The characters a state machine or execution name must not contain (API_StartExecution and
 * API_CreateStateMachine, `name`): white space, brackets `< > { } [ ]`, wildcards `? *`, the specials
 * `" # % \ ^ | ~ ` $ & , ; : /`, control characters (U+0000-001F, U+007F-009F), U+FFFE-FFFF and
 * surrogates (U+D800-DFFF). Such a name is InvalidName.
 */
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ufffe\uffff\ud800-\udfff]/;
/** A name segment of a state machine or execution ARN. */
const ARN_NAME = '[^:\\s/]+';

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
const LAMBDA_ARN_RE = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(:[A-Za-z0-9$_-]+)?$/;
/** The rule Step Functions manages for the .sync pattern (Developer Guide, "IAM policies for integrated services"). */
const SYNC_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

interface SdkServiceInfo {
  readonly pkg: string;
  readonly client: string;
  /** PascalCase service name used in error names. */
  readonly errorPrefix: string;
  /** Suffix of the SDK's service-specific endpoint variable, AWS_ENDPOINT_URL_<suffix>. */
  readonly envSuffix: string;
}

/** SDK integration service names (lower case, as in the Resource ARN) → SDK v3 package. */
const SDK_SERVICES: Readonly<Record<string, SdkServiceInfo>> = {
  secretsmanager: {
    pkg: '@aws-sdk/client-secrets-manager',
    client: 'SecretsManagerClient',
    errorPrefix: 'SecretsManager',
    envSuffix: 'SECRETS_MANAGER',
  },
  kms: { pkg: '@aws-sdk/client-kms', client: 'KMSClient', errorPrefix: 'Kms', envSuffix: 'KMS' },
  s3: { pkg: '@aws-sdk/client-s3', client: 'S3Client', errorPrefix: 'S3', envSuffix: 'S3' },
  kafka: { pkg: '@aws-sdk/client-kafka', client: 'KafkaClient', errorPrefix: 'Kafka', envSuffix: 'KAFKA' },
  acmpca: { pkg: '@aws-sdk/client-acm-pca', client: 'ACMPCAClient', errorPrefix: 'AcmPca', envSuffix: 'ACM_PCA' },
  eventbridge: {
    pkg: '@aws-sdk/client-eventbridge',
    client: 'EventBridgeClient',
    errorPrefix: 'EventBridge',
    envSuffix: 'EVENTBRIDGE',
  },
  sfn: { pkg: '@aws-sdk/client-sfn', client: 'SFNClient', errorPrefix: 'Sfn', envSuffix: 'SFN' },
};

/** An error as a state sees it: `name` is the ASL error name (Retry/Catch ErrorEquals), `message` the Cause. */
export class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

type TaskKind =
  | { kind: 'lambda'; functionName: string; resource: string }
  | { kind: 'lambda:invoke'; resource: string }
  | { kind: 'aws-sdk'; service: string; action: string; resource: string }
  | { kind: 'events:putEvents'; resource: string }
  | { kind: 'states:startExecution'; mode: 'async' | 'sync' | 'sync:2'; resource: string };

function classifyResource(resource: string): TaskKind | undefined {
  const lambda = LAMBDA_ARN_RE.exec(resource);
  if (lambda) return { kind: 'lambda', functionName: lambda[3]!, resource };
  const m = /^arn:aws[a-z-]*:states:::(.+)$/.exec(resource);
  if (!m) return undefined;
  const rest = m[1]!;
  if (rest === 'lambda:invoke') return { kind: 'lambda:invoke', resource };
  if (rest === 'events:putEvents') return { kind: 'events:putEvents', resource };
  if (rest === 'states:startExecution') return { kind: 'states:startExecution', mode: 'async', resource };
  if (rest === 'states:startExecution.sync') return { kind: 'states:startExecution', mode: 'sync', resource };
  if (rest === 'states:startExecution.sync:2') return { kind: 'states:startExecution', mode: 'sync:2', resource };
  const sdk = /^aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)$/.exec(rest);
  if (sdk && SDK_SERVICES[sdk[1]!]) return { kind: 'aws-sdk', service: sdk[1]!, action: sdk[2]!, resource };
  return undefined;
}

/** resourceType/resource as the Task* history events show them ("arn:aws:states:::lambda:invoke" → lambda / invoke). */
function resourceParts(resource: string): { resourceType: string; resource: string } {
  const rest = resource.replace(/^arn:aws[a-z-]*:states:::/, '');
  const i = rest.lastIndexOf(':');
  // aws-sdk:secretsmanager:getSecretValue → aws-sdk:secretsmanager / getSecretValue; states:startExecution.sync:2
  if (rest.startsWith('states:')) return { resourceType: 'states', resource: rest.slice('states:'.length) };
  return i > 0
    ? { resourceType: rest.slice(0, i), resource: rest.slice(i + 1) }
    : { resourceType: rest, resource: rest };
}

function toJson(value: unknown): Json {
  return JSON.parse(
    JSON.stringify(value ?? null, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    }),
  ) as Json;
}

function epoch(ms: number): number {
  return ms / 1000;
}

function invalidArn(arn: unknown): AwsServiceError {
  return new AwsServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
}

export class StepFunctionsEmulator implements JsonService {
  readonly signingName = 'states';
  readonly targetPrefix = 'AWSStepFunctions';
  readonly operations: Readonly<Record<string, Operation>>;

  private readonly region: string;
  private readonly accountId: string;
  private readonly opts: StepFunctionsOptions;
  private retryIntervalMs: number | undefined;
  private waitMs: number | undefined;
  private readonly lambdas = new Map<string, LambdaHandler>();
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly sdkClients = new Map<
    string,
    Promise<{ client: { send(c: unknown): Promise<unknown> }; mod: Record<string, unknown> }>
  >();

  constructor(options: StepFunctionsOptions = {}) {
    this.opts = options;
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
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
      if (this.opts.authorizer) {
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
    const rec = this.build(arn, name, type, roleArn, definitionText);
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
    const rec = this.build(
      old.arn,
      old.name,
      old.type,
      (input['roleArn'] as string | undefined) ?? old.roleArn,
      definitionText,
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
    const { page, nextToken } = paginate(all, input);
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
    const { page, nextToken } = paginate(events, input);
    return { events: page, ...(nextToken ? { nextToken } : {}) };
  }

  /** ListExecutions (API reference): stateMachineArn, statusFilter, maxResults, nextToken; newest first. */
  listExecutions(input: Record<string, unknown>): { executions: unknown[]; nextToken?: string } {
    const m = this.machine(input['stateMachineArn']);
    const filter = input['statusFilter'] as string | undefined;
    const all = [...this.executions.values()]
      .filter((e) => e.stateMachineArn === m.arn && (!filter || e.status === filter))
      .reverse();
    const { page, nextToken } = paginate(all, input);
    return {
      executions: page.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: epoch(e.startDate),
        ...(e.stopDate !== undefined ? { stopDate: epoch(e.stopDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  // ---- building and running ----

  private build(arn: string, name: string, type: string, roleArn: string, definitionText: string): StateMachineRecord {
    let definition: StateMachineDefinition;
    try {
      definition = JSON.parse(definitionText) as StateMachineDefinition;
    } catch (e) {
      throw new AwsServiceError(
        'InvalidDefinition',
        `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${(e as Error).message}'`,
      );
    }
    if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
      throw new AwsServiceError(
        'InvalidDefinition',
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: the definition must be a JSON object'",
      );
    }
    const tasks = new Map<string, string>();
    const waits: string[] = [];
    const retryables: string[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    const walk = (
      def: { States?: Record<string, Record<string, unknown>>; QueryLanguage?: unknown },
      path: string,
    ): void => {
      if (def.QueryLanguage === 'JSONata')
        problems.push(`UNSUPPORTED: JSONata at ${path} (the local emulator runs JSONPath only)`);
      for (const [stateName, st] of Object.entries(def.States ?? {})) {
        const where = `${path}/States/${stateName}`;
        if (seen.has(stateName)) problems.push(`DUPLICATE_STATE_NAME: ${stateName} at ${where}`);
        seen.add(stateName);
        if (st['QueryLanguage'] === 'JSONata') problems.push(`UNSUPPORTED: JSONata at ${where}`);
        if (st['Type'] === 'Task') {
          const resource = st['Resource'];
          if (typeof resource !== 'string' || !classifyResource(resource))
            problems.push(
              `INVALID_RESOURCE: '${String(resource)}' at ${where}/Resource is not supported by the local emulator`,
            );
          else tasks.set(stateName, resource);
        }
        if (st['Type'] === 'Wait') waits.push(stateName);
        if (Array.isArray(st['Retry'])) retryables.push(stateName);
        if (st['Type'] === 'Parallel' && Array.isArray(st['Branches']))
          (st['Branches'] as object[]).forEach((b, i) => walk(b as never, `${where}/Branches[${i}]`));
        if (st['Type'] === 'Map') {
          const proc = (st['ItemProcessor'] ?? st['Iterator']) as object | undefined;
          if (proc) walk(proc as never, `${where}/ItemProcessor`);
          const mode = (st['ItemProcessor'] as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig
            ?.Mode;
          if (mode === 'DISTRIBUTED') problems.push(`UNSUPPORTED: distributed Map at ${where}`);
        }
      }
    };
    walk(definition as never, '');
    if (problems.length > 0)
      throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${problems.join(', ')}'`);
    let machine: StateMachine;
    try {
      const engineDefinition = withTaskTimeouts(definition);
      machine = new StateMachine(engineDefinition, { awsConfig: { region: this.region } });
      indexMapStates(engineDefinition as never);
    } catch (e) {
      const text = (e as Error).message.replace(/^State machine definition is invalid, see error\(s\) below:\s*/, '');
      throw new AwsServiceError(
        'InvalidDefinition',
        `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${text.trim()}'`,
      );
    }
    return {
      arn,
      name,
      type,
      roleArn,
      definitionText,
      definition,
      machine,
      creationDate: Date.now(),
      tasks,
      waits,
      retryables,
    };
  }

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
    for (const [stateName, resource] of m.tasks)
      handlers[stateName] = (taskInput) => this.runTask(exec, stateName, resource, taskInput, push);
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

    const drain = (async () => {
      for await (const ev of execution.eventLogs) convertEvent(ev as unknown as LibEvent, m, push);
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

  /** Runs one Task state attempt and records its Task... or LambdaFunction... history events. */
  private async runTask(
    exec: ExecutionRecord,
    stateName: string,
    resource: string,
    rawInput: unknown,
    push: (type: string, d?: Record<string, unknown>) => void,
  ): Promise<Json> {
    // Let the event-log consumer record <State>Entered / the previous attempt's events first.
    await new Promise((r) => setImmediate(r));
    // An execution that has ended (stopped, or failed at the history quota) runs no further task.
    if (exec.status !== 'RUNNING') throw new StatesError('States.Runtime', `The execution has ended (${exec.status}).`);
    const kind = classifyResource(resource)!;
    const input = toJson(rawInput);
    // "after Parameters processing, the input of a state is larger than the payload size quota".
    if (payloadBytes(input) > MAX_PAYLOAD_BYTES) throw new DataLimitExceeded(inputTooLarge(stateName));
    const isLambdaArn = kind.kind === 'lambda';
    const parts = resourceParts(resource);
    if (isLambdaArn) {
      push('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource,
          input: JSON.stringify(input),
          inputDetails: { truncated: false },
        },
      });
      push('LambdaFunctionStarted');
    } else {
      push('TaskScheduled', {
        taskScheduledEventDetails: { ...parts, region: this.region, parameters: JSON.stringify(input) },
      });
      push('TaskStarted', { taskStartedEventDetails: parts });
    }
    try {
      const output = await this.dispatch(exec, kind, input, (type, d) => push(type, d));
      const out = JSON.stringify(output);
      // "the output of a connector is larger than payload size quota": named by the Lambda ARN or the state.
      if (Buffer.byteLength(out, 'utf8') > MAX_PAYLOAD_BYTES)
        throw new DataLimitExceeded(resultTooLarge(isLambdaArn ? resource : stateName));
      if (isLambdaArn)
        push('LambdaFunctionSucceeded', {
          lambdaFunctionSucceededEventDetails: { output: out, outputDetails: { truncated: false } },
        });
      else
        push('TaskSucceeded', {
          taskSucceededEventDetails: { ...parts, output: out, outputDetails: { truncated: false } },
        });
      return output;
    } catch (err) {
      const se =
        err instanceof StatesError || err instanceof DataLimitExceeded
          ? err
          : new StatesError('States.TaskFailed', String((err as Error)?.message ?? err));
      if (isLambdaArn)
        push('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: se.name, cause: se.message } });
      else push('TaskFailed', { taskFailedEventDetails: { ...parts, error: se.name, cause: se.message } });
      throw se;
    }
  }

  private async dispatch(
    exec: ExecutionRecord,
    kind: TaskKind,
    input: Json,
    push: (type: string, d?: Record<string, unknown>) => void,
  ): Promise<Json> {
    switch (kind.kind) {
      case 'lambda':
        return this.invokeLambda(exec, kind.resource, input);
      case 'lambda:invoke': {
        const p = (input ?? {}) as { FunctionName?: unknown; Payload?: Json };
        const fn = typeof p.FunctionName === 'string' ? this.functionArn(p.FunctionName) : undefined;
        if (!fn) throw new StatesError('States.Runtime', 'lambda:invoke needs a FunctionName parameter');
        const payload = await this.invokeLambda(exec, fn, p.Payload ?? null);
        const requestId = randomUUID();
        return {
          ExecutedVersion: '$LATEST',
          Payload: payload,
          SdkHttpMetadata: {
            AllHttpHeaders: { 'X-Amz-Executed-Version': ['$LATEST'] },
            HttpHeaders: { 'X-Amz-Executed-Version': '$LATEST' },
            HttpStatusCode: 200,
          },
          SdkResponseMetadata: { RequestId: requestId },
          StatusCode: 200,
        };
      }
      case 'aws-sdk':
        return this.callSdk(exec, kind.service, kind.action, input);
      case 'events:putEvents': {
        const entries = ((input as { Entries?: unknown })?.Entries ?? []) as Record<string, unknown>[];
        const prepared = entries.map((e) => ({
          ...e,
          ...(e['Detail'] !== undefined && typeof e['Detail'] !== 'string'
            ? { Detail: JSON.stringify(e['Detail']) }
            : {}),
        }));
        // A request over EventBridge's 256 KB is refused by the emulated EventBridge itself (ValidationException,
        // local/aws/eventbridge.ts); it cannot get there through this task: the task's input, which holds every
        // entry and more, is held to 256 KiB first (States.DataLimitExceeded).
        const out = (await this.callSdk(exec, 'eventbridge', 'putEvents', { Entries: prepared } as Json)) as {
          FailedEntryCount?: number;
          Entries?: unknown[];
        };
        if ((out.FailedEntryCount ?? 0) > 0) throw new StatesError('EventBridge.FailedEntry', JSON.stringify(out));
        return out as Json;
      }
      case 'states:startExecution': {
        const p = (input ?? {}) as { StateMachineArn?: string; Input?: Json; Name?: string };
        const sync = kind.mode !== 'async';
        // Developer Guide, "IAM policies for integrated services" (Step Functions): StartExecution on the child state
        // machine; for the sync pattern also events:PutTargets/PutRule/DescribeRule on the managed rule Step Functions
        // keeps in the account (it is set up before the start), DescribeExecution on the child execution (to learn
        // its end) and StopExecution (to stop it with the parent, see terminate).
        if (sync)
          for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'])
            this.authorizeTask(exec, action, `arn:aws:events:${this.region}:${this.accountId}:rule/${SYNC_RULE}`);
        this.authorizeTask(exec, 'states:StartExecution', String(p.StateMachineArn));
        let started: { executionArn: string; startDate: number };
        try {
          started = this.startExecution({
            stateMachineArn: p.StateMachineArn,
            input: p.Input === undefined ? '{}' : typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input),
            ...(p.Name !== undefined ? { name: p.Name } : {}),
          });
        } catch (e) {
          const ae = e as AwsServiceError;
          // Optimized-integration errors are named StepFunctions.<code> (the pipeline retries StepFunctions.ExecutionLimitExceeded).
          throw new StatesError(
            `StepFunctions.${ae.code ?? 'SdkClientException'}`,
            `${ae.message} (Service: AWSStepFunctions, Status Code: 400)`,
          );
        }
        if (!sync)
          return { ExecutionArn: started.executionArn, StartDate: new Date(started.startDate * 1000).toISOString() };
        // The sync pattern records TaskSubmitted with StartExecution's answer once the child runs (API reference,
        // HistoryEvent: taskSubmittedEventDetails), then TaskSucceeded/TaskFailed when it ends.
        push('TaskSubmitted', {
          taskSubmittedEventDetails: {
            ...resourceParts(kind.resource),
            output: JSON.stringify({
              ExecutionArn: started.executionArn,
              StartDate: new Date(started.startDate * 1000).toISOString(),
            }),
            outputDetails: { truncated: false },
          },
        });
        this.authorizeTask(exec, 'states:DescribeExecution', started.executionArn);
        exec.children.add(started.executionArn);
        let d: Record<string, unknown>;
        try {
          d = await this.waitForExecution(started.executionArn);
        } finally {
          exec.children.delete(started.executionArn);
        }
        const v2 = kind.mode === 'sync:2';
        const parse = (s: unknown) => (typeof s === 'string' && v2 ? (JSON.parse(s) as Json) : (s as Json));
        const result: Record<string, Json> = {
          ExecutionArn: d['executionArn'] as string,
          StateMachineArn: d['stateMachineArn'] as string,
          Name: d['name'] as string,
          Status: d['status'] as string,
          StartDate: Math.round((d['startDate'] as number) * 1000),
          StopDate: Math.round(((d['stopDate'] as number | undefined) ?? 0) * 1000),
          Input: parse(d['input']),
          InputDetails: { Included: true },
          ...(d['output'] !== undefined ? { Output: parse(d['output']), OutputDetails: { Included: true } } : {}),
          ...(d['error'] !== undefined ? { Error: d['error'] as string } : {}),
          ...(d['cause'] !== undefined ? { Cause: d['cause'] as string } : {}),
        };
        if (d['status'] !== 'SUCCEEDED') throw new StatesError('States.TaskFailed', JSON.stringify(result));
        return result;
      }
    }
  }

  /**
   * Invokes a registered handler as Lambda's synchronous Invoke would, for the execution's role. `fnArn` is the
   * function ARN (qualifier included) as the task names it.
   */
  private async invokeLambda(exec: ExecutionRecord, fnArn: string, payload: Json): Promise<Json> {
    const parsed = LAMBDA_ARN_RE.exec(fnArn);
    const functionName = parsed?.[3] ?? fnArn;
    const unqualified = parsed?.[4] ? fnArn.slice(0, -parsed[4].length) : fnArn;
    // Authorization comes first: without lambda:InvokeFunction the caller learns nothing about the function. Step
    // Functions reports Lambda's AccessDeniedException (not modeled by its Lambda client) as Lambda.AWSLambdaException.
    const denial = this.denial({ principalArn: exec.roleArn, action: 'lambda:InvokeFunction', resource: fnArn });
    if (denial)
      throw new StatesError(
        'Lambda.AWSLambdaException',
        `${denial} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
    const handler = this.lambdas.get(fnArn) ?? this.lambdas.get(unqualified) ?? this.lambdas.get(functionName);
    if (!handler)
      throw new StatesError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${unqualified} (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`,
      );
    // Lambda quotas: 6 MB request payload for synchronous invocations (Invoke: RequestTooLargeException, 413).
    const requestBytes = payloadBytes(payload);
    if (requestBytes > LAMBDA_MAX_REQUEST_BYTES)
      throw new StatesError(
        'Lambda.RequestTooLargeException',
        `${requestBytes} byte payload is too large for the RequestResponse invocation type (limit ${LAMBDA_MAX_REQUEST_BYTES} bytes) (Service: AWSLambda; Status Code: 413; Error Code: RequestEntityTooLargeException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
    try {
      await this.opts.faults?.apply('lambda', functionName);
    } catch (err) {
      const e = err as { code?: string; name?: string; message?: string; statusCode?: number };
      const code = e.code ?? e.name ?? 'ServiceException';
      throw new StatesError(
        `Lambda.${code.endsWith('Exception') ? code : `${code}Exception`}`,
        `${e.message ?? code} (Service: AWSLambda; Status Code: ${e.statusCode ?? 500}; Error Code: ${code}; Request ID: ${randomUUID()})`,
      );
    }
    const requestId = randomUUID();
    const deadline = Date.now() + 900_000;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: fnArn,
      memoryLimitInMB: '1024',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } as LambdaContext;
    let result: Json;
    try {
      result = toJson(await handler(JSON.parse(JSON.stringify(payload)) as Json, context));
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown };
      const errorType = typeof e?.name === 'string' && e.name ? e.name : 'Error';
      const errorMessage = typeof e?.message === 'string' ? e.message : String(err);
      // A handler wrapper that already speaks Lambda's error payload (local/lambda/registry.ts localLambda) passes through.
      if (isLambdaErrorPayload(errorMessage, errorType)) throw new StatesError(errorType, errorMessage);
      // Lambda's error payload (Lambda developer guide, "Lambda function errors in Node.js"); the stack stays local.
      throw new StatesError(errorType, JSON.stringify({ errorType, errorMessage, trace: [] }));
    }
    // Lambda quotas: 6 MB response payload; Lambda answers a larger one with this function error instead.
    const responseBytes = payloadBytes(result);
    if (responseBytes > LAMBDA_MAX_RESPONSE_BYTES) {
      const errorType = 'Function.ResponseSizeTooLarge';
      const errorMessage = `Response payload size (${responseBytes} bytes) exceeded maximum allowed payload size (${LAMBDA_MAX_RESPONSE_BYTES} bytes).`;
      throw new StatesError(errorType, JSON.stringify({ errorMessage, errorType }));
    }
    return result;
  }

  /** A function name, partial ARN (`<account>:function:<name>`) or ARN, as lambda:invoke's FunctionName, as an ARN. */
  private functionArn(nameOrArn: string): string | undefined {
    if (LAMBDA_ARN_RE.test(nameOrArn)) return nameOrArn;
    const partial = /^(?:(\d{12}):)?(?:function:)?([A-Za-z0-9_-]+)(:[A-Za-z0-9$_-]+)?$/.exec(nameOrArn);
    if (!partial) return undefined;
    return `arn:aws:lambda:${this.region}:${partial[1] ?? this.accountId}:function:${partial[2]}${partial[3] ?? ''}`;
  }

  /**
   * Asks the authorizer about one request of an execution's (or a delivery's) role; undefined when allowed (or when
   * there is no authorizer, or it does not enforce), else AWS's denial text.
   */
  private denial(request: AuthorizationRequest): string | undefined {
    const authorizer = this.opts.authorizer;
    if (!authorizer) return undefined;
    const decision = authorizer.authorize(request);
    return decision.allowed || !authorizer.enforcing ? undefined : decision.message;
  }

  /** A states:* or events:* call a startExecution task makes as the execution's role; a denial fails the task. */
  private authorizeTask(exec: ExecutionRecord, action: string, resource: string): void {
    const denial = this.denial({ principalArn: exec.roleArn, action, resource });
    // Step Functions' client does not model AccessDeniedException: it is the service's base exception.
    if (denial)
      throw new StatesError(
        'StepFunctions.AWSStepFunctionsException',
        `${denial} (Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
  }

  private async callSdk(exec: ExecutionRecord, service: string, action: string, input: Json): Promise<Json> {
    const info = SDK_SERVICES[service]!;
    const { client, mod } = await this.sdkClient(service, exec.roleArn);
    const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
    const Command = mod[commandName] as (new (i: unknown) => unknown) | undefined;
    if (!Command)
      throw new StatesError('States.Runtime', `The API action ${service}:${action} is not known to ${info.pkg}.`);
    try {
      const out = (await client.send(new Command(sdkInput(service, action, input)))) as Record<string, unknown>;
      const { $metadata: _m, ...rest } = out;
      void _m;
      for (const [k, v] of Object.entries(rest)) {
        const body = v as { transformToString?: () => Promise<string> } | undefined;
        if (body && typeof body.transformToString === 'function') rest[k] = await body.transformToString();
      }
      return toJson(rest);
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
      // "AWS SDK service integrations" error names: <Service>.<ModeledError>[Exception]. An error the service's model does
      // not declare (S3 SlowDown/InternalError, a throttle) surfaces as the SDK's generic <Service>.<Service>Exception, and
      // a failure without an HTTP answer as <Service>.SdkClientException — the names AWS's own runtime reports.
      const status = e.$metadata?.httpStatusCode;
      const modeled = typeof e.name === 'string' && e.name !== 'Error' && typeof mod[e.name] === 'function';
      const base = status === undefined ? 'SdkClientException' : modeled ? e.name! : `${info.errorPrefix}Exception`;
      const errorName = `${info.errorPrefix}.${base.endsWith('Exception') ? base : `${base}Exception`}`;
      const cause = `${e.message ?? base} (Service: ${info.errorPrefix}, Status Code: ${e.$metadata?.httpStatusCode ?? 0}, Request ID: ${e.$metadata?.requestId ?? randomUUID()})`;
      throw new StatesError(errorName, cause);
    }
  }

  /** One client per (service, role): with an authorizer, signed with the role's session credentials. */
  private sdkClient(
    service: string,
    roleArn: string,
  ): Promise<{ client: { send(c: unknown): Promise<unknown> }; mod: Record<string, unknown> }> {
    const authorizer = this.opts.authorizer;
    const key = authorizer ? `${service} ${roleArn}` : service;
    let p = this.sdkClients.get(key);
    if (!p) {
      const info = SDK_SERVICES[service]!;
      p = (async () => {
        const mod = (await import(info.pkg)) as Record<string, unknown>;
        const Client = mod[info.client] as new (c: unknown) => { send(c: unknown): Promise<unknown> };
        const endpoint =
          this.opts.endpointFor?.(service) ??
          process.env[`AWS_ENDPOINT_URL_${info.envSuffix}`] ??
          process.env['AWS_ENDPOINT_URL'];
        // An emulator must never reach real AWS: without a local endpoint the task fails instead.
        if (!endpoint) {
          throw new StatesError(
            `${info.errorPrefix}.SdkClientException`,
            `No local endpoint for ${service}: set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_${info.envSuffix}) or the endpointFor option.`,
          );
        }
        const envCreds = process.env['AWS_ACCESS_KEY_ID'] && process.env['AWS_SECRET_ACCESS_KEY'];
        const config = {
          region: this.region,
          maxAttempts: 1,
          endpoint,
          ...(authorizer
            ? { credentials: authorizer.credentialsFor(roleArn) }
            : this.opts.credentials
              ? { credentials: this.opts.credentials }
              : envCreds
                ? {}
                : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
          // s3rver needs path-style addressing and no aws-chunked uploads (docs/facts.md#toolchain).
          ...(service === 's3'
            ? {
                forcePathStyle: true,
                requestChecksumCalculation: 'WHEN_REQUIRED',
                responseChecksumValidation: 'WHEN_REQUIRED',
                ...this.opts.s3Config,
              }
            : {}),
        };
        return { client: new Client(config), mod };
      })();
      this.sdkClients.set(key, p);
      p.catch(() => this.sdkClients.delete(key)); // e.g. no endpoint yet: try again on the next task
    }
    return p;
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
      !new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:execution:${ARN_NAME}:${ARN_NAME}$`).test(arn)
    )
      throw invalidArn(arn);
    const e = this.executions.get(arn);
    if (!e) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }
}

/**
 * SDK v3 wants Uint8Array for blobs where Step Functions users pass strings (acm-pca issueCertificate's Csr), and
 * Step Functions serializes a JSON object given as an S3 object Body to JSON text.
 */
function sdkInput(service: string, action: string, input: Json): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  if (service === 'acmpca' && typeof input['Csr'] === 'string')
    return { ...input, Csr: new TextEncoder().encode(input['Csr']) };
  if (service === 's3' && action === 'putObject' && input['Body'] !== undefined && typeof input['Body'] !== 'string')
    return { ...input, Body: JSON.stringify(input['Body']) };
  return input;
}

/**
 * AWS's default Task timeout is 99999999 s ("Task" state reference); aws-local-stepfunctions defaults to 60 s, which
 * would cut long startExecution.sync children short. Tasks without a timeout get the longest a Node timer allows.
 */
const NODE_MAX_TIMER_SECONDS = Math.floor(2 ** 31 / 1000) - 1;
function withTaskTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  // JSON copy, not structuredClone: under jest's VM realm a structured clone's objects fail the library's
  // plain-object checks and nested Parameters templates would go unevaluated.
  const copy = JSON.parse(JSON.stringify(definition)) as { States?: Record<string, Record<string, unknown>> };
  const visit = (def: { States?: Record<string, Record<string, unknown>> }): void => {
    for (const st of Object.values(def.States ?? {})) {
      if (st['Type'] === 'Task' && st['TimeoutSeconds'] === undefined && st['TimeoutSecondsPath'] === undefined) {
        st['TimeoutSeconds'] = NODE_MAX_TIMER_SECONDS;
      }
      if (st['Type'] === 'Parallel' && Array.isArray(st['Branches']))
        for (const b of st['Branches'] as object[]) visit(b as never);
      if (st['Type'] === 'Map') {
        const proc = (st['ItemProcessor'] ?? st['Iterator']) as object | undefined;
        if (proc) visit(proc as never);
      }
    }
  };
  visit(copy);
  return copy as unknown as StateMachineDefinition;
}

function isLambdaErrorPayload(message: string, errorType: string): boolean {
  if (!message.startsWith('{')) return false;
  try {
    const v = JSON.parse(message) as { errorType?: unknown; errorMessage?: unknown };
    return v.errorType === errorType && typeof v.errorMessage === 'string';
  } catch {
    return false;
  }
}

interface LibEvent {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  parentState?: { name: string; type: string; input: unknown };
}

/** aws-local-stepfunctions' event log → AWS HistoryEvent types and detail members (API reference, HistoryEvent). */
function convertEvent(
  ev: LibEvent,
  m: StateMachineRecord,
  push: (type: string, d?: Record<string, unknown>) => void,
): void {
  const str = (v: unknown) => JSON.stringify(v ?? null);
  const cause = (c: unknown) => (typeof c === 'string' ? c : c === undefined ? undefined : JSON.stringify(c));
  switch (ev.type) {
    case 'ExecutionStarted':
      push('ExecutionStarted', {
        executionStartedEventDetails: { input: str(ev.input), inputDetails: { truncated: false }, roleArn: m.roleArn },
      });
      return;
    case 'ExecutionSucceeded':
      push('ExecutionSucceeded', {
        executionSucceededEventDetails: { output: str(ev.output), outputDetails: { truncated: false } },
      });
      return;
    case 'ExecutionFailed':
      push('ExecutionFailed', {
        executionFailedEventDetails: {
          error: ev.Error,
          ...(cause(ev.Cause) !== undefined ? { cause: cause(ev.Cause) } : {}),
        },
      });
      return;
    case 'ExecutionAborted':
      push('ExecutionAborted', { executionAbortedEventDetails: {} });
      return;
    case 'ExecutionTimeout':
      push('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
      return;
    case 'StateEntered': {
      const s = ev.state!;
      push(`${s.type}StateEntered`, {
        stateEnteredEventDetails: { name: s.name, input: str(s.input), inputDetails: { truncated: false } },
      });
      if (s.type === 'Parallel') push('ParallelStateStarted');
      if (s.type === 'Map') push('MapStateStarted', { mapStateStartedEventDetails: {} });
      return;
    }
    case 'StateExited': {
      const s = ev.state!;
      if (s.type === 'Parallel') push('ParallelStateSucceeded');
      if (s.type === 'Map') push('MapStateSucceeded');
      push(`${s.type}StateExited`, {
        stateExitedEventDetails: { name: s.name, output: str(s.output), outputDetails: { truncated: false } },
      });
      return;
    }
    case 'StateFailed': {
      const s = ev.state!;
      if (s.type === 'Parallel') push('ParallelStateFailed');
      if (s.type === 'Map') push('MapStateFailed');
      return; // Task failures are recorded by the task runner (TaskFailed / LambdaFunctionFailed)
    }
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const key = `${ev.type.charAt(0).toLowerCase()}${ev.type.slice(1)}EventDetails`;
      push(ev.type, { [key]: { name: ev.parentState?.name, index: ev.index } });
      return;
    }
    default:
      return; // StateRetried, StateCaught, ParallelBranch*: AWS has no such events
  }
}

function stripData(e: HistoryEvent): HistoryEvent {
  const out: HistoryEvent = { ...e };
  for (const [k, v] of Object.entries(e)) {
    if (k.endsWith('EventDetails') && v && typeof v === 'object') {
      const d = { ...(v as Record<string, unknown>) };
      for (const f of ['input', 'output', 'parameters', 'cause']) delete d[f];
      out[k] = d;
    }
  }
  return out;
}

function paginate<T>(all: T[], input: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const raw = input['maxResults'];
  const max = raw === undefined || raw === 0 ? 100 : (raw as number);
  if (!Number.isInteger(max) || max < 0 || max > 1000)
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(raw)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  let start = 0;
  const token = input['nextToken'];
  if (token !== undefined && token !== null) {
    const m = typeof token === 'string' ? /^n(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8')) : null;
    if (!m) throw new AwsServiceError('InvalidToken', `Invalid Token: '${String(token)}'`);
    start = Number(m[1]);
  }
  const page = all.slice(start, start + max);
  return start + max < all.length ? { page, nextToken: Buffer.from(`n${start + max}`).toString('base64') } : { page };
}

export function createStepFunctions(options: StepFunctionsOptions = {}): StepFunctionsEmulator {
  return new StepFunctionsEmulator(options);
}
