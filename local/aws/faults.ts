// Run-time fault injection for every emulated AWS operation.
//
// A fault matches a service (its SigV4 signing name: `secretsmanager`, `kms`, `s3`, `events`,
// `kafka`, `acm-pca`, `states`, or `*`) and an operation (`GetSecretValue`, `PutObject`, or `*`).
// It fails the next N matching calls (`times`), or every matching call for a while (`durationMs`),
// or forever until cleared; it may add latency before answering (with or without an error).
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
  /** Active for this long after it is added, then it removes itself. */
  readonly durationMs?: number;
  /** Delay before answering, in ms. */
  readonly latencyMs?: number;
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

  /** Adds a fault; returns its id (for `remove`). */
  add(spec: FaultSpec): string {
    validate(spec);
    const id = `fault-${nextId++}`;
    this.entries.push({
      id,
      spec: { ...spec },
      remaining: spec.times,
      expiresAt: spec.durationMs !== undefined ? Date.now() + spec.durationMs : undefined,
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
  take(service: string, operation: string): { latencyMs: number; error?: AwsServiceError } | undefined {
    this.prune();
    const entry = this.entries.find((e) => matches(e.spec.service, service) && matches(e.spec.operation, operation));
    if (!entry) return undefined;
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
    return { latencyMs: spec.latencyMs ?? 0, ...(error ? { error } : {}) };
  }

  /** Applies the matching fault, if any: waits for its latency, then throws its error. */
  async apply(service: string, operation: string): Promise<void> {
    const hit = this.take(service, operation);
    if (!hit) return;
    if (hit.latencyMs > 0) await new Promise((r) => setTimeout(r, hit.latencyMs));
    if (hit.error) throw hit.error;
  }

  private prune(): void {
    const now = Date.now();
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
  if (spec.error === undefined && spec.latencyMs === undefined) bad('give error and/or latencyMs');
  if (spec.error !== undefined && (typeof spec.error.code !== 'string' || spec.error.code === ''))
    bad('error.code must be a non-empty string');
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0))
    bad('times must be a positive integer');
  if (spec.durationMs !== undefined && !(typeof spec.durationMs === 'number' && spec.durationMs > 0))
    bad('durationMs must be positive');
  if (spec.latencyMs !== undefined && !(typeof spec.latencyMs === 'number' && spec.latencyMs >= 0))
    bad('latencyMs must be >= 0');
}
