// Task states of the emulated Step Functions: what each Resource does, with the state machine's role as its identity.
// Developer Guide, "Integrating services with Step Functions":
// - `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` and `arn:aws:states:::lambda:invoke`
//   (Parameters FunctionName + Payload) run local handlers registered with `registerLambda(name, handler)`.
//   A handler's thrown error becomes the state's Error (its `.name`, "Lambda errors": errorType) with a Cause in
//   Lambda's JSON shape, so Retry/Catch on error names behave as on AWS.
// - `arn:aws:states:::aws-sdk:<service>:<action>` calls the emulated service through the unmodified SDK v3 client
//   (same gateway, same validation and fault injection as any other client). Errors are named
//   `<ServiceName>.<ErrorName>Exception` in PascalCase ("AWS SDK service integrations": e.g. AcmPca.ResourceNotFoundException).
// - `arn:aws:states:::events:putEvents` (Detail may be an object; FailedEntryCount > 0 → EventBridge.FailedEntry).
// - `arn:aws:states:::states:startExecution[.sync|.sync:2]` starts a child execution in-process and, for .sync, waits.
// Each attempt records its Task* (or LambdaFunction*) history events, and holds its input and result to the payload
// quotas (limits.ts).
import { randomUUID } from 'node:crypto';
import type { Context as LambdaContext } from 'aws-lambda';
import { AwsServiceError } from '../core.js';
import type { AuthorizationRequest } from '../iam/types.js';
import {
  DataLimitExceeded,
  LAMBDA_MAX_REQUEST_BYTES,
  LAMBDA_MAX_RESPONSE_BYTES,
  MAX_PAYLOAD_BYTES,
  inputTooLarge,
  payloadBytes,
  resultTooLarge,
} from './limits.js';
import type { ExecutionRecord, Json, LambdaHandler, StepFunctionsOptions } from './records.js';

export const LAMBDA_ARN_RE =
  /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(:[A-Za-z0-9$_-]+)?$/;
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

export function classifyResource(resource: string): TaskKind | undefined {
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
export function resourceParts(resource: string): { resourceType: string; resource: string } {
  const rest = resource.replace(/^arn:aws[a-z-]*:states:::/, '');
  const i = rest.lastIndexOf(':');
  // aws-sdk:secretsmanager:getSecretValue → aws-sdk:secretsmanager / getSecretValue; states:startExecution.sync:2
  if (rest.startsWith('states:')) return { resourceType: 'states', resource: rest.slice('states:'.length) };
  return i > 0
    ? { resourceType: rest.slice(0, i), resource: rest.slice(i + 1) }
    : { resourceType: rest, resource: rest };
}

export function toJson(value: unknown): Json {
  return JSON.parse(
    JSON.stringify(value ?? null, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    }),
  ) as Json;
}

/** Records one history event of the execution a task runs in. */
export type Push = (type: string, details?: Record<string, unknown>) => void;

/** What the task runner needs from the emulator around it. */
export interface TaskHost {
  readonly region: string;
  readonly accountId: string;
  readonly options: StepFunctionsOptions;
  /** The handler registered under this function ARN, unqualified ARN or name. */
  lambda(key: string): LambdaHandler | undefined;
  startExecution(input: Record<string, unknown>): { executionArn: string; startDate: number };
  waitForExecution(executionArn: string): Promise<Record<string, unknown>>;
  /** undefined when the role may make the request, else AWS's denial text. */
  denial(request: AuthorizationRequest): string | undefined;
}

type SdkClient = { client: { send(c: unknown): Promise<unknown> }; mod: Record<string, unknown> };

export class TaskRunner {
  private readonly sdkClients = new Map<string, Promise<SdkClient>>();

  constructor(private readonly host: TaskHost) {}

  /** Runs one Task state attempt and records its Task... or LambdaFunction... history events. */
  async runTask(
    exec: ExecutionRecord,
    stateName: string,
    resource: string,
    rawInput: unknown,
    push: Push,
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
        taskScheduledEventDetails: { ...parts, region: this.host.region, parameters: JSON.stringify(input) },
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

  private async dispatch(exec: ExecutionRecord, kind: TaskKind, input: Json, push: Push): Promise<Json> {
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
            this.authorizeTask(
              exec,
              action,
              `arn:aws:events:${this.host.region}:${this.host.accountId}:rule/${SYNC_RULE}`,
            );
        this.authorizeTask(exec, 'states:StartExecution', String(p.StateMachineArn));
        let started: { executionArn: string; startDate: number };
        try {
          started = this.host.startExecution({
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
          d = await this.host.waitForExecution(started.executionArn);
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
    const denial = this.host.denial({ principalArn: exec.roleArn, action: 'lambda:InvokeFunction', resource: fnArn });
    if (denial)
      throw new StatesError(
        'Lambda.AWSLambdaException',
        `${denial} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
    const handler = this.host.lambda(fnArn) ?? this.host.lambda(unqualified) ?? this.host.lambda(functionName);
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
      await this.host.options.faults?.apply('lambda', functionName);
    } catch (err) {
      throw lambdaServiceError(err);
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
      // Lambda refused the invocation itself (a throttle): the task fails with `Lambda.<code>`.
      if (err instanceof AwsServiceError) throw lambdaServiceError(err);
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
    return `arn:aws:lambda:${this.host.region}:${partial[1] ?? this.host.accountId}:function:${partial[2]}${partial[3] ?? ''}`;
  }

  /** A states:* or events:* call a startExecution task makes as the execution's role; a denial fails the task. */
  private authorizeTask(exec: ExecutionRecord, action: string, resource: string): void {
    const denial = this.host.denial({ principalArn: exec.roleArn, action, resource });
    // Step Functions' client does not model AccessDeniedException: it is the service's base exception.
    if (denial)
      throw new StatesError(
        'StepFunctions.AWSStepFunctionsException',
        `${denial} (Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
  }

  async callSdk(exec: ExecutionRecord, service: string, action: string, input: Json): Promise<Json> {
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
  private sdkClient(service: string, roleArn: string): Promise<SdkClient> {
    const authorizer = this.host.options.authorizer;
    const key = authorizer ? `${service} ${roleArn}` : service;
    let p = this.sdkClients.get(key);
    if (!p) {
      const info = SDK_SERVICES[service]!;
      p = (async () => {
        const mod = (await import(info.pkg)) as Record<string, unknown>;
        const Client = mod[info.client] as new (c: unknown) => { send(c: unknown): Promise<unknown> };
        const endpoint =
          this.host.options.endpointFor?.(service) ??
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
          region: this.host.region,
          maxAttempts: 1,
          endpoint,
          ...(authorizer
            ? { credentials: authorizer.credentialsFor(roleArn) }
            : this.host.options.credentials
              ? { credentials: this.host.options.credentials }
              : envCreds
                ? {}
                : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
          // s3rver needs path-style addressing and no aws-chunked uploads (docs/facts.md#toolchain).
          ...(service === 's3'
            ? {
                forcePathStyle: true,
                requestChecksumCalculation: 'WHEN_REQUIRED',
                responseChecksumValidation: 'WHEN_REQUIRED',
                ...this.host.options.s3Config,
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
 * An error of Lambda's Invoke API (not of the function) as the task sees it: Step Functions names
 * it `Lambda.<code>` (Step Functions developer guide, "Handling errors": Lambda.TooManyRequestsException,
 * Lambda.ServiceException, ...), with the service's message.
 */
function lambdaServiceError(err: unknown): StatesError {
  const e = err as { code?: string; name?: string; message?: string; statusCode?: number };
  const code = e.code ?? e.name ?? 'ServiceException';
  return new StatesError(
    `Lambda.${code.endsWith('Exception') ? code : `${code}Exception`}`,
    `${e.message ?? code} (Service: AWSLambda; Status Code: ${e.statusCode ?? 500}; Error Code: ${code}; Request ID: ${randomUUID()})`,
  );
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
