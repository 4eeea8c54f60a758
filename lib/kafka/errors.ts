// Kafka failures → what went wrong, and whether trying again can help.
//
// kafkajs wraps: the admin's retrier turns a failure it will not retry into a
// KafkaJSNonRetriableError whose `cause` is the real error, and one it gave up on into
// KafkaJSNumberOfRetriesExceeded (a KafkaJSNonRetriableError too); CreateTopics answers a
// KafkaJSAggregateError with one protocol error per topic (`errors`). The wrapper's own type and
// `retriable` say nothing about the failure, so both the description and the classification look
// at the innermost errors only:
//   - a Kafka protocol error has Kafka's code and name (`code`, `type`) and kafkajs's `retriable`,
//     taken from Kafka's error table (clients/src/main/java/org/apache/kafka/common/protocol/
//     Errors.java: RetriableException subclasses). Authorization, authentication, invalid requests
//     and policy violations are terminal whatever that flag says;
//   - connection failures, request timeouts, a broker or controller that moved (NOT_CONTROLLER,
//     NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE are retriable in Kafka's table) and our own
//     wait-loop timeout are transient;
//   - anything else is terminal: retrying an error nobody understands only hides it.
import { KafkaRefused, KafkaTransient, ProvisioningError } from '../errors.js';

/** The broker did not show a change in time (lib/kafka/apply.ts): the change may still land, so retry. */
export class KafkaWaitTimeout extends Error {
  readonly retriable = true;
  constructor(what: string) {
    super(`the broker did not show ${what} in time`);
    this.name = 'KafkaWaitTimeout';
  }
}

/** One innermost failure, as a person needs it. Never holds a credential. */
export interface KafkaFailure {
  /** kafkajs error class (KafkaJSProtocolError, KafkaJSConnectionError, ...). */
  readonly error: string;
  /** Kafka's error name and code (INVALID_CONFIG, 40), for protocol errors. */
  readonly type?: string;
  readonly code?: number;
  /** The topic (or ACL) the failure is about, when Kafka said which. */
  readonly topic?: string;
  /** Kafka's own message for this resource (error_message), else kafkajs's text. */
  readonly message: string;
  readonly transient: boolean;
}

const TERMINAL_TYPES =
  /AUTHORIZATION_FAILED$|^SASL_AUTHENTICATION_FAILED$|^ILLEGAL_SASL_STATE$|^UNSUPPORTED_SASL_MECHANISM$|^SECURITY_DISABLED$|^INVALID_|^POLICY_VIOLATION$|^UNSUPPORTED_VERSION$|^TOPIC_ALREADY_EXISTS$/;
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaWaitTimeout',
]);
const NETWORK = /ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN|EPIPE|EHOSTUNREACH|ENETUNREACH|socket hang up/;

interface Raw {
  name?: string;
  message?: string;
  type?: string;
  code?: unknown;
  retriable?: boolean;
  topic?: string;
  brokerMessage?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** The innermost errors of a kafkajs error chain (aggregates expanded, wrappers dropped). */
export function innermost(err: unknown, depth = 0): Raw[] {
  if (!err || typeof err !== 'object' || depth > 10) return [];
  const e = err as Raw;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.flatMap((x) => innermost(x, depth + 1));
  const inner = e.cause ?? e.originalError;
  if (inner && inner !== err && typeof inner === 'object') {
    const found = innermost(inner, depth + 1);
    if (found.length > 0) return found;
  }
  return [e];
}

function leafTransient(e: Raw): boolean {
  if (typeof e.type === 'string') {
    if (TERMINAL_TYPES.test(e.type)) return false;
    return e.retriable === true;
  }
  if (e.name === 'KafkaJSSASLAuthenticationError') return false;
  if (TRANSIENT_NAMES.has(e.name ?? '')) return true;
  return NETWORK.test(`${e.message ?? ''} ${typeof e.code === 'string' ? e.code : ''}`);
}

export function kafkaFailures(err: unknown): KafkaFailure[] {
  return innermost(err).map((e) => ({
    error: e.name ?? 'Error',
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.topic === 'string' ? { topic: e.topic } : {}),
    message: e.brokerMessage ?? e.message ?? String(e),
    transient: leafTransient(e),
  }));
}

/** What was asked of each topic, so a refusal can name the setting and value. */
export interface RequestContext {
  readonly operation: string;
  readonly topics?: ReadonlyMap<
    string,
    { readonly partitions?: number; readonly replicas?: number; readonly configs?: Readonly<Record<string, string>> }
  >;
}

/** `topic t: INVALID_CONFIG (40) on cleanup.policy=shred: <Kafka's message>`, one per failure. */
export function describeFailure(f: KafkaFailure, ctx?: RequestContext): string {
  const asked = f.topic ? ctx?.topics?.get(f.topic) : undefined;
  const named = asked?.configs ? Object.entries(asked.configs).filter(([k]) => f.message.includes(k)) : [];
  const setting =
    named.length > 0
      ? ` on ${named.map(([k, v]) => `${k}=${v}`).join(', ')}`
      : f.type === 'INVALID_PARTITIONS' && asked?.partitions !== undefined
        ? ` on partitions=${asked.partitions}`
        : f.type === 'INVALID_REPLICATION_FACTOR' && asked?.replicas !== undefined
          ? ` on replicas=${asked.replicas}`
          : '';
  const what = f.type ? `${f.type} (${f.code ?? '?'})` : f.error;
  return `${f.topic ? `topic ${f.topic}: ` : ''}${what}${setting}: ${f.message}`;
}

const MAX_LISTED = 20;

/** kafkajs (or AWS SDK, on the way to Kafka) errors → KafkaTransient (retried) or KafkaRefused (terminal). */
export function classifyKafkaError(err: unknown, ctx?: RequestContext): Error {
  if (err instanceof ProvisioningError) return err;
  const e = err as { name?: string; message?: string; $fault?: string; $retryable?: unknown };
  // AWS SDK errors on the way to Kafka (GetBootstrapBrokers, GetSecretValue, S3): throttling and
  // server faults can pass, anything else (ForbiddenException, NotFoundException) will not.
  if (e && typeof e === 'object' && e.$fault !== undefined) {
    const what = `${e.name ?? 'Error'}: ${e.message ?? ''}`;
    const transient =
      e.$fault === 'server' ||
      e.$retryable !== undefined ||
      /Throttl|TooManyRequests|ServiceUnavailable|InternalServer/.test(e.name ?? '');
    return transient ? new KafkaTransient(what) : new KafkaRefused(what);
  }
  const failures = kafkaFailures(err);
  if (failures.length === 0) return new KafkaRefused(String(err));
  const lines = failures.slice(0, MAX_LISTED).map((f) => describeFailure(f, ctx));
  if (failures.length > MAX_LISTED) lines.push(`and ${failures.length - MAX_LISTED} more`);
  const text = `${ctx?.operation ? `${ctx.operation}: ` : ''}${lines.join('; ')}`;
  // One failure retrying cannot fix makes the whole request terminal.
  return failures.every((f) => f.transient) ? new KafkaTransient(text) : new KafkaRefused(text);
}
