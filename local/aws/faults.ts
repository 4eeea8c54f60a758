// Run-time fault injection for every emulated AWS operation.
//
// A fault matches a service (its SigV4 signing name: `secretsmanager`, `kms`, `s3`, `events`,
// `kafka`, `acm-pca`, `states`, or `*`) and an operation (`GetSecretValue`, `PutObject`, or `*`).
// Two more kinds name a function as the operation: `lambda` fails (or delays) Step Functions'
// invocation of it before the handler runs (local/aws/stepfunctions.ts), `lambda-crash` kills its
// sandbox after the handler ran, before the response leaves (local/lambda/runtime.ts).
// It fails the next N matching calls (`times`), or every matching call for a while (`durationMs`),
// or forever until cleared; it may add latency before answering (with or without an error).
//
// Time: `durationMs` counts on the injector's clock, the wall clock plus every wait the embedded
// cloud skipped (`elapse`): when Step Functions' Retry intervals are overridden to 0 (tests), the
// runner reports the interval the ASL defines, so a fault "for 30 s" lasts through the retries that
// 30 s of the workflow's time would hold, in no wall time at all.
//
// In-process callers may also give `run`: a callback run when the fault matches, before it answers
// (an interleaving: "the ACLs change between the plan and the apply"). It may be the fault's only
// effect.
//
// Defaults for the common errors follow the AWS docs:
// - ThrottlingException 400 (AWS JSON protocol "Common Errors",
//   https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html) — the SDK's
//   standard retry strategy treats it as a throttling error and retries it.
// - ServiceUnavailable 503, InternalFailure 500 (same page).
// - S3: SlowDown 503, InternalError 500, ServiceUnavailable 503
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
import { AwsServiceError } from './core.js';

export interface FaultSpec {
  /** Signing name of the service (`s3`, `secretsmanager`, ...) or `*` (default). */
  readonly service?: string;
  /** Operation name as in the API reference (`GetSecretValue`) or `*` (default). */
  readonly operation?: string;
  /** The error to answer with; omit for a latency-only fault. */
  readonly error?: {
    readonly code: string;
    readonly statusCode?: number;
    readonly message?: string;
    /** Extra members of the error body, e.g. MSK's `invalidParameter` (JSON and REST-JSON services only). */
    readonly extra?: Readonly<Record<string, unknown>>;
  };
  /** Fail (or delay) this many matching calls, then the fault removes itself. */
  readonly times?: number;
  /** Active for this long after it is added (or after its first match: `fromFirstMatch`), then it removes itself. */
  readonly durationMs?: number;
  /** `durationMs` counts from the first call the fault matches, e.g. "in progress for 30 s after the request". */
  readonly fromFirstMatch?: boolean;
  /** Delay before answering, in ms. */
  readonly latencyMs?: number;
  /** In-process only (not through `/_local/faults`): run when the fault matches, before it answers. */
  readonly run?: () => void | Promise<void>;
}

export interface ActiveFault extends FaultSpec {
  readonly id: string;
  /** Calls still to fail when `times` was given. */
  readonly remaining?: number;
  /** Epoch ms when the fault expires when `durationMs` was given. */
  readonly expiresAt?: number;
  /** Calls this fault has matched so far. */
  readonly hits: number;
}

const DEFAULT_STATUS: Readonly<Record<string, number>> = {
  ThrottlingException: 400,
  Throttling: 400,
  TooManyRequestsException: 429,
  RequestLimitExceeded: 400,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
  InternalFailure: 500,
  InternalServiceError: 500,
  InternalServerError: 500,
  InternalServerErrorException: 500,
  InternalError: 500,
  SlowDown: 503,
  KMSInternalException: 500,
};

export function defaultStatusFor(code: string): number {
  return DEFAULT_STATUS[code] ?? 400;
}

interface Entry {
  id: string;
  spec: FaultSpec;
  remaining: number | undefined;
  expiresAt: number | undefined;
  hits: number;
}

let nextId = 1;

export class FaultInjector {
  private entries: Entry[] = [];
  /** Waits the embedded cloud skipped so far (ms): the injector's clock runs ahead of the wall's by this much. */
  private skippedMs = 0;

  /** The injector's clock (epoch ms): the wall clock plus every skipped wait. */
  now(): number {
    return Date.now() + this.skippedMs;
  }

  /** Records a wait the embedded cloud skipped (a Retry interval overridden to 0): the faults' time passes it. */
  elapse(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.skippedMs += ms;
  }

  /** Adds a fault; returns its id (for `remove`). */
  add(spec: FaultSpec): string {
    validate(spec);
    const id = `fault-${nextId++}`;
    this.entries.push({
      id,
      spec: { ...spec },
      remaining: spec.times,
      expiresAt: spec.durationMs !== undefined && !spec.fromFirstMatch ? this.now() + spec.durationMs : undefined,
      hits: 0,
    });
    return id;
  }

  /** Shorthand: fail the next `times` calls of `service`/`operation` with `code`. */
  failNext(service: string, operation: string, code: string, times = 1, statusCode?: number): string {
    return this.add({
      service,
      operation,
      times,
      error: { code, ...(statusCode !== undefined ? { statusCode } : {}) },
    });
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length < before;
  }

  clear(): void {
    this.entries = [];
  }

  list(): ActiveFault[] {
    this.prune();
    return this.entries.map((e) => ({
      ...e.spec,
      id: e.id,
      hits: e.hits,
      ...(e.remaining !== undefined ? { remaining: e.remaining } : {}),
      ...(e.expiresAt !== undefined ? { expiresAt: e.expiresAt } : {}),
    }));
  }

  /**
   * Finds the first active fault for this call and consumes one use of it. Returns the latency to
   * add and the error to throw (either may be absent); undefined when nothing matches.
   */
  take(
    service: string,
    operation: string,
  ): { latencyMs: number; error?: AwsServiceError; run?: () => void | Promise<void> } | undefined {
    this.prune();
    const entry = this.entries.find((e) => matches(e.spec.service, service) && matches(e.spec.operation, operation));
    if (!entry) return undefined;
    if (entry.hits === 0 && entry.spec.fromFirstMatch && entry.spec.durationMs !== undefined)
      entry.expiresAt = this.now() + entry.spec.durationMs;
    entry.hits++;
    if (entry.remaining !== undefined) {
      entry.remaining--;
      if (entry.remaining <= 0) this.remove(entry.id);
    }
    const spec = entry.spec;
    const error = spec.error
      ? new AwsServiceError(
          spec.error.code,
          spec.error.message ?? `Injected fault: ${spec.error.code} on ${service}:${operation}`,
          spec.error.statusCode ?? defaultStatusFor(spec.error.code),
          spec.error.extra ?? {},
        )
      : undefined;
    return { latencyMs: spec.latencyMs ?? 0, ...(error ? { error } : {}), ...(spec.run ? { run: spec.run } : {}) };
  }

  /** Applies the matching fault, if any: waits for its latency, then throws its error. */
  async apply(service: string, operation: string): Promise<void> {
    const hit = this.take(service, operation);
    if (!hit) return;
    if (hit.run) await hit.run();
    if (hit.latencyMs > 0) await new Promise((r) => setTimeout(r, hit.latencyMs));
    if (hit.error) throw hit.error;
  }

  private prune(): void {
    const now = this.now();
    this.entries = this.entries.filter((e) => e.expiresAt === undefined || e.expiresAt > now);
  }
}

function matches(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || pattern === '*' || pattern === value;
}

function validate(spec: FaultSpec): void {
  const bad = (msg: string): never => {
    throw new AwsServiceError('ValidationException', `Invalid fault: ${msg}`);
  };
  if (typeof spec !== 'object' || spec === null) bad('expected an object');
  // A `lambda-crash` fault is its own effect (the sandbox dies); every other kind needs one.
  if (
    spec.error === undefined &&
    spec.latencyMs === undefined &&
    spec.run === undefined &&
    spec.service !== 'lambda-crash'
  )
    bad('give error, latencyMs and/or run');
  if (spec.run !== undefined && typeof spec.run !== 'function') bad('run must be a function');
  if (spec.error !== undefined && (typeof spec.error.code !== 'string' || spec.error.code === ''))
    bad('error.code must be a non-empty string');
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0))
    bad('times must be a positive integer');
  if (spec.durationMs !== undefined && !(typeof spec.durationMs === 'number' && spec.durationMs > 0))
    bad('durationMs must be positive');
  if (spec.latencyMs !== undefined && !(typeof spec.latencyMs === 'number' && spec.latencyMs >= 0))
    bad('latencyMs must be >= 0');
}
