// The records the emulated Step Functions keeps (state machines, executions, history events) and the options it
// takes, shared by the API (../stepfunctions.ts), the task integrations (tasks.ts) and the Distributed Map runner
// (distributed-map.ts).
import type { Context as LambdaContext } from 'aws-lambda';
import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Authorizer } from '../iam/types.js';
import type { DistributedMapSpec } from './distributed-map.js';

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
  readonly faults?: { apply(service: string, operation: string): Promise<void>; elapse?(ms: number): void };
  /** Extra client config for S3 (default forcePathStyle true, as s3rver needs). */
  readonly s3Config?: Record<string, unknown>;
  /**
   * The IAM authority (local/aws/iam/types.ts). With it, tasks act as the state machine's role: SDK integrations sign
   * with `credentialsFor(roleArn)` (overriding `credentials`), Lambda and startExecution tasks and EventBridge
   * deliveries are authorized here. Without it nothing is checked (as before).
   */
  readonly authorizer?: Authorizer;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface StateMachineRecord {
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
  /** Distributed Map state name → what runs it (distributed-map.ts); the engine sees a Task state there. */
  distributedMaps: ReadonlyMap<string, DistributedMapSpec>;
}

export type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

export interface ExecutionRecord {
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
  /** A Distributed Map's child: the Map Run it belongs to. */
  mapRunArn?: string;
  abort?: () => void;
  done: Promise<void>;
}
export function epoch(ms: number): number {
  return ms / 1000;
}
