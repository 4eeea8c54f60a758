// The embedded cloud's Lambda: each function of the deployed template runs its packaged bundle (the
// zip `serverless package` built) in a worker thread of its own, with the environment Lambda gives
// it (Lambda Developer Guide, "Defined runtime environment variables"): the function's own
// variables from the template, its role's session credentials in AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and nothing of this process's environment. So every
// AWS call a handler makes is signed as its role and authorized by the emulated IAM, and a bundle
// that relies on a package the runtime does not ship fails here as it would on AWS.
//
// The module path holds only what the managed Node.js runtime provides beside the package: the AWS
// SDK v3 client packages (Lambda guide, "Building Lambda functions with Node.js": the runtime
// includes the SDK for JavaScript v3 clients). The package is unpacked outside the repository, so
// nothing resolves from the project's node_modules by accident.
//
// Limits enforced (Lambda quotas): 6 MB synchronous request and response payloads, the
// function's timeout (the invocation ends with `Sandbox.Timedout` and the sandbox is replaced).
//
// Crash injection (issue 13, crash consistency): a fault `{service: 'lambda-crash', operation:
// <function name>}` on the shared injector lets the handler run to the end, side effects and all,
// then kills the sandbox before the response leaves: the caller gets `Runtime.ExitError`, as Lambda
// reports a runtime process that exited mid-invocation (Lambda Developer Guide, "Troubleshoot
// invocation issues": "Runtime exited with error: signal: killed"), and the next invocation is a
// cold start.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import AdmZip from 'adm-zip';
import { AwsServiceError } from '../aws/core.js';
import type { Credentials } from '../aws/iam/types.js';
import {
  SqsEventSourceMapping,
  type EventSourceQueues,
  type EventSourceStats,
  type SqsEventSourceMappingConfig,
} from './event-source.js';

const BOOTSTRAP = join(dirname(fileURLToPath(import.meta.url)), 'bootstrap.mjs');
const REPO_NODE_MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules');

/** Lambda quotas: "Invocation payload (request and response): 6 MB each for synchronous". */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface FunctionDefinition {
  readonly functionName: string;
  readonly functionArn: string;
  /** `<file without extension>.<export>`, e.g. `functions/validate-spec/handler.handler`. */
  readonly handler: string;
  /** The deployment package. */
  readonly zipPath: string;
  readonly roleArn: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMiB: number;
  readonly runtime: string;
  /** ReservedConcurrentExecutions: at most this many invocations at once; undefined = unreserved. */
  readonly reservedConcurrency?: number;
}

/** What a function's invocations did so far (benchmarks read it). */
export interface InvocationStats {
  readonly invocations: number;
  /** Refused with TooManyRequestsException because the reserved concurrency was in use. */
  readonly throttles: number;
  readonly inFlight: number;
  readonly maxInFlight: number;
}

export interface LambdaRuntimeOptions {
  readonly region: string;
  /** The role session's credentials, as Lambda puts them in the environment. */
  readonly credentialsFor: (roleArn: string) => Credentials;
  /**
   * Variables the embedded cloud adds to every function: the local endpoints (AWS_ENDPOINT_URL...)
   * and the few settings only a loopback deployment needs. Never credentials.
   */
  readonly localEnvironment?: Readonly<Record<string, string>>;
  /** The shared fault injector: `lambda-crash` faults kill a sandbox after its handler ran. */
  readonly faults?: { take(service: string, operation: string): unknown };
  /** Amazon SQS, for event source mappings (local/lambda/event-source.ts). */
  readonly sqs?: EventSourceQueues;
  /** Lines about event source mappings' failed calls (default: none). */
  readonly log?: (line: string) => void;
}

/** A function error as Lambda reports it to a caller: `errorType` and `errorMessage`. */
export class FunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(errorMessage);
    this.name = errorType;
  }
}

type MutableStats = { -readonly [K in keyof InvocationStats]: InvocationStats[K] };

interface Pending {
  resolve(payload: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class Sandbox {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor(
    private readonly fn: FunctionDefinition,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(BOOTSTRAP, { env: { ...this.env }, stdout: false, stderr: false });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    worker.on('message', (m: { id?: number; ok?: boolean; payload?: string }) => {
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.payload!);
      else {
        const { errorType, errorMessage } = JSON.parse(m.payload!) as { errorType: string; errorMessage: string };
        p.reject(new FunctionError(errorType, errorMessage));
      }
    });
    // Events of a sandbox already replaced (after a timeout) must not touch its successor.
    worker.on('error', (e) => {
      if (this.worker === worker)
        this.fail(new FunctionError('Runtime.ExitError', `RequestId: worker error: ${e.message}`));
    });
    worker.on('exit', (code) => {
      if (this.worker === worker)
        this.fail(new FunctionError('Runtime.ExitError', `Runtime exited with error: exit status ${code}`));
    });
    return this.ready;
  }

  /** Ends every invocation in flight and drops the sandbox: the next invocation starts a new one. */
  private fail(error: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    void w?.terminate();
  }

  async invoke(payload: string, requestId: string): Promise<string> {
    await this.start();
    const id = ++this.next;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new FunctionError(
            'Sandbox.Timedout',
            `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          ),
        );
        this.fail(new FunctionError('Sandbox.Timedout', 'the sandbox was reset after a timeout'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker!.postMessage({
        id,
        payload,
        requestId,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn: this.fn.functionArn,
      });
    });
  }

  /** The sandbox's process dies: the invocations in flight fail, the next one starts a new worker. */
  crash(error: Error): void {
    this.fail(error);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await w?.terminate();
  }
}

export class LambdaRuntime {
  private readonly root = mkdtempSync(join(tmpdir(), 'msk-spec-lambda-'));
  private readonly sandboxes = new Map<string, { fn: FunctionDefinition; sandbox: Sandbox; stats: MutableStats }>();
  private readonly mappings: SqsEventSourceMapping[] = [];

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.provideRuntimeModules();
  }

  /** The runtime's own modules: every `@aws-sdk/client-*` package, and nothing else. */
  private provideRuntimeModules(): void {
    const target = join(this.root, 'node_modules', '@aws-sdk');
    mkdirSync(target, { recursive: true });
    for (const name of readdirSync(join(REPO_NODE_MODULES, '@aws-sdk')))
      if (name.startsWith('client-')) symlinkSync(join(REPO_NODE_MODULES, '@aws-sdk', name), join(target, name), 'dir');
  }

  /** CreateFunction: unpacks the package into the function's task root. */
  createFunction(fn: FunctionDefinition): void {
    if (this.sandboxes.has(fn.functionName)) throw new Error(`function ${fn.functionName} already exists`);
    const taskRoot = join(this.root, 'functions', fn.functionName);
    new AdmZip(fn.zipPath).extractAllTo(taskRoot, true);
    const credentials = this.options.credentialsFor(fn.roleArn);
    const env: Record<string, string> = {
      ...fn.environment,
      ...this.options.localEnvironment,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMiB),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
      LAMBDA_TASK_ROOT: taskRoot,
      _HANDLER: fn.handler,
      TZ: ':UTC',
    };
    const stats = { invocations: 0, throttles: 0, inFlight: 0, maxInFlight: 0 };
    this.sandboxes.set(fn.functionName, { fn, sandbox: new Sandbox(fn, env), stats });
  }

  functionNames(): string[] {
    return [...this.sandboxes.keys()];
  }

  definition(functionName: string): FunctionDefinition | undefined {
    return this.sandboxes.get(functionName)?.fn;
  }

  stats(functionName: string): InvocationStats | undefined {
    const s = this.sandboxes.get(functionName)?.stats;
    return s && { ...s };
  }

  /** A synchronous (RequestResponse) invocation: the handler's result, or its FunctionError. */
  async invoke(functionName: string, event: unknown): Promise<unknown> {
    const entry = this.sandboxes.get(functionName);
    if (!entry) throw new FunctionError('ResourceNotFoundException', `Function not found: ${functionName}`);
    const requestId = randomUUID();
    const payload = JSON.stringify(event ?? null);
    if (Buffer.byteLength(payload) > MAX_SYNC_PAYLOAD_BYTES)
      throw new FunctionError(
        'RequestEntityTooLargeException',
        `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      );
    // Reserved concurrency (Lambda developer guide, "Configuring reserved concurrency for a
    // function"): with every reserved instance busy, Invoke is throttled: HTTP 429
    // TooManyRequestsException, Reason ReservedFunctionConcurrentInvocationLimitExceeded (Lambda
    // API Reference, Invoke). It is the service's answer, not the function's error.
    const { stats, fn } = entry;
    if (fn.reservedConcurrency !== undefined && stats.inFlight >= fn.reservedConcurrency) {
      stats.throttles++;
      throw new AwsServiceError('TooManyRequestsException', 'Rate Exceeded.', 429, {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
    stats.invocations++;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    let out: string;
    try {
      out = await entry.sandbox.invoke(payload, requestId);
    } finally {
      stats.inFlight--;
    }
    if (this.options.faults?.take('lambda-crash', functionName)) {
      const error = new FunctionError(
        'Runtime.ExitError',
        `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      );
      entry.sandbox.crash(error);
      throw error;
    }
    if (Buffer.byteLength(out) > MAX_SYNC_PAYLOAD_BYTES)
      throw new FunctionError(
        'Function.ResponseSizeTooLarge',
        `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
      );
    return JSON.parse(out) as unknown;
  }

  /**
   * CreateEventSourceMapping for an SQS queue: validated as Lambda validates it, then polling
   * (local/lambda/event-source.ts). `functionName` is a name or a function ARN.
   */
  async createEventSourceMapping(config: SqsEventSourceMappingConfig): Promise<SqsEventSourceMapping> {
    const sqs = this.options.sqs;
    if (!sqs) throw new Error('this Lambda runtime has no SQS to map (LambdaRuntimeOptions.sqs)');
    const name = /:function:([^:]+)/.exec(config.functionName)?.[1] ?? config.functionName;
    const fn = this.sandboxes.get(name)?.fn;
    if (!fn) throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${config.functionName}`, 404);
    const mapping = new SqsEventSourceMapping(
      config,
      {
        functionName: fn.functionName,
        functionArn: fn.functionArn,
        roleArn: fn.roleArn,
        timeoutSeconds: fn.timeoutSeconds,
        invoke: (event) => this.invoke(fn.functionName, event),
      },
      sqs,
      this.options.log,
    );
    await mapping.init();
    this.mappings.push(mapping);
    return mapping;
  }

  /** Every event source mapping, in creation order. */
  eventSourceMappings(): readonly SqsEventSourceMapping[] {
    return this.mappings;
  }

  /**
   * Resolves when every mapping's queue is empty and none has a batch in flight (see
   * SqsEventSourceMapping.drained): everything sent to the mapped queues so far was processed.
   */
  async eventSourcesDrained(): Promise<void> {
    for (;;) {
      await Promise.all(this.mappings.map((m) => m.drained()));
      // One mapping's function may have sent to another's queue meanwhile.
      if (this.mappings.every((m) => m.idle)) return;
    }
  }

  /** Each mapping's counts (benchmarks read them). */
  eventSourceStats(): EventSourceStats[] {
    return this.mappings.map((m) => m.stats());
  }

  async close(): Promise<void> {
    await Promise.all(this.mappings.splice(0).map((m) => m.stop()));
    await Promise.all([...this.sandboxes.values()].map((s) => s.sandbox.close()));
    this.sandboxes.clear();
    rmSync(this.root, { recursive: true, force: true });
  }
}
