// Step Functions' payload and history quotas, enforced on executions run by aws-local-stepfunctions.
//
// Step Functions Developer Guide, "Step Functions service quotas" (service-quotas.html):
// - "Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string.
//   This quota affects tasks (activity, Lambda function, or integrated service), state or execution output, and
//   input data when scheduling a task, entering a state, or starting an execution."
// - "Maximum execution history size: 25,000 events in a single state machine execution history."
// Developer Guide, "Handling errors in Step Functions workflows" (concepts-error-handling.html):
// - States.DataLimitExceeded is reported "when the output of a connector is larger than payload size quota", "when
//   the output of a state is larger than payload size quota" and "when, after Parameters processing, the input of a
//   state is larger than the payload size quota"; it "is a terminal error that can't be caught by the States.ALL
//   error type" — so only a Retrier or Catcher that names it matches (States.TaskFailed, a narrower wildcard, does
//   not either).
// Developer Guide, "Avoid reaching the history quota" (bp-history-limit.html): "When an execution reaches 24,999
// events, it waits for the next event to happen. If the event number 25,000 is ExecutionSucceeded, the execution
// finishes successfully. If the event number 25,000 isn't ExecutionSucceeded, the ExecutionFailed event is logged
// and the state machine execution fails because of reaching the history limit" — with error States.Runtime and
// cause "The execution reached the maximum number of history events (25000)." (what AWS writes in that event).
//
// The engine has no hook for state inputs and outputs, so `installLimitHooks` wraps StateMachine.prototype.execute
// (the loop that runs one machine: the execution, each Map iteration and each Parallel branch). The wrapper acts
// only for runs that carry the LIMITS run option (this emulator's executions); any other user of the library in the
// process is unaffected. Per run it overrides three methods of that run's own event logger:
// - dispatchStateEnteredEvent: the state's input over the quota fails the run with States.DataLimitExceeded;
// - dispatchStateExitedEvent: the state's output over the quota fails the run the same way;
// - dispatchStateFailedEvent: called by the engine just before it consults the failing state's Retry and Catch; a
//   DataLimitExceeded is bound there to that state's retriers and catchers (see DataLimitExceeded).
// A Map iteration's result is added to its Map state's collected result as the iteration ends: past the quota the
// iteration fails with States.DataLimitExceeded, so the Map state fails with it (its Retry/Catch decide, by name).
import { StateMachine } from 'aws-local-stepfunctions';

export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_HISTORY_EVENTS = 25_000;
export const HISTORY_LIMIT_CAUSE = `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`;
/**
 * Lambda Developer Guide, "Lambda quotas": "Invocation payload (request and response): 6 MB each for request and
 * response (synchronous)". Lambda refuses a larger request with RequestTooLargeException (413, Invoke API
 * reference) and a larger response with the function error Function.ResponseSizeTooLarge, whose message names
 * 6291556 bytes.
 */
export const LAMBDA_MAX_REQUEST_BYTES = 6_291_456;
export const LAMBDA_MAX_RESPONSE_BYTES = 6_291_556;

/** Size of a JSON value as Step Functions counts it: bytes of its UTF-8 encoded JSON text. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** The cause AWS writes for an oversized result ("The state/task '<name or resource>' returned a result ..."). */
export function resultTooLarge(subject: string): string {
  return `The state/task '${subject}' returned a result with a size exceeding the maximum number of bytes service limit.`;
}

/** Our wording for an oversized state or task input (same error, same style). */
export function inputTooLarge(subject: string): string {
  return `The state/task '${subject}' has an input with a size exceeding the maximum number of bytes service limit.`;
}

interface Matcher {
  readonly ErrorEquals?: readonly string[];
}
interface StateDef {
  readonly Type?: string;
  readonly Retry?: readonly Matcher[];
  readonly Catch?: readonly Matcher[];
  readonly ItemProcessor?: object;
  readonly Iterator?: object;
  readonly Branches?: readonly object[];
  readonly States?: Record<string, StateDef>;
}

/**
 * States.DataLimitExceeded. The engine matches an error against a state's Retry, then its Catch, reading
 * `isRetryable` once per retrier and `isCatchable` once per catcher, in order, before comparing names (and treats a
 * `States.ALL` entry as matching any error it may retry/catch). Bound to the failing state, these getters answer
 * "does this retrier/catcher name States.DataLimitExceeded?", so only an explicit entry matches, as on AWS.
 */
export class DataLimitExceeded extends Error {
  private retriers: readonly Matcher[] = [];
  private catchers: readonly Matcher[] = [];
  private retrierIndex = 0;
  private catcherIndex = 0;

  constructor(cause: string) {
    super(cause);
    this.name = 'States.DataLimitExceeded';
  }

  /** Called as the state fails, before the engine reads its Retry and Catch. */
  bindTo(state: StateDef | undefined): void {
    this.retriers = state?.Retry ?? [];
    this.catchers = state?.Catch ?? [];
    this.retrierIndex = 0;
    this.catcherIndex = 0;
  }

  get isRetryable(): boolean {
    return this.names(this.retriers[this.retrierIndex++]);
  }

  get isCatchable(): boolean {
    return this.names(this.catchers[this.catcherIndex++]);
  }

  private names(m: Matcher | undefined): boolean {
    return !!m?.ErrorEquals?.includes(this.name);
  }
}

/** The run option that turns the checks on for one execution (nested runs inherit the root's run options). */
export const LIMITS = Symbol.for('msk-spec-provisioner.stepfunctions.limits');

/** ItemProcessor (or Iterator) definition object → the name of its Map state. */
const mapStateOfProcessor = new WeakMap<object, string>();
/** Iteration machine (one per Map state run) → bytes of the collected result so far and the iteration count. */
const collected = new WeakMap<object, { bytes: number; count: number }>();

/** Remembers which Map state each ItemProcessor of `definition` belongs to (call with the object given to the engine). */
export function indexMapStates(definition: StateDef): void {
  for (const [name, st] of Object.entries(definition.States ?? {})) {
    if (st.Type === 'Map') {
      const proc = st.ItemProcessor ?? st.Iterator;
      if (proc) {
        mapStateOfProcessor.set(proc, name);
        indexMapStates(proc as StateDef);
      }
    }
    if (st.Type === 'Parallel') for (const b of st.Branches ?? []) indexMapStates(b as StateDef);
  }
}

interface RunOptions {
  readonly [LIMITS]?: true;
}
interface ExecuteOptions {
  readonly runOptions?: RunOptions;
  readonly abortSignal?: AbortSignal;
  readonly eventLogger: {
    dispatchStateEnteredEvent(name: string, type: string, input: unknown): void;
    dispatchStateExitedEvent(name: string, type: string, input: unknown, output: unknown): void;
    dispatchStateFailedEvent(name: string, type: string, input: unknown, error: unknown): void;
  };
}
type Execute = (
  this: { definition: StateDef },
  input: unknown,
  options: ExecuteOptions,
  cleanup: () => void,
) => unknown;

const HOOKED = Symbol.for('msk-spec-provisioner.stepfunctions.limits.hooked');

export function installLimitHooks(): void {
  const proto = StateMachine.prototype as unknown as { execute?: Execute; [HOOKED]?: true };
  if (proto[HOOKED]) return;
  const original = proto.execute;
  if (typeof original !== 'function')
    throw new Error('aws-local-stepfunctions: StateMachine.prototype.execute is gone; the quota checks need it');
  proto.execute = async function execute(input, options, cleanup) {
    if (!options?.runOptions?.[LIMITS]) return original.call(this, input, options, cleanup);
    guard(options.eventLogger, this.definition);
    const output = await original.call(this, input, options, cleanup);
    const mapState = mapStateOfProcessor.get(this.definition);
    if (mapState !== undefined && !options.abortSignal?.aborted) {
      // The Map state's result is the JSON array of its iterations' results: "[" a "," b "]".
      const acc = collected.get(this) ?? { bytes: 2, count: 0 };
      acc.bytes += payloadBytes(output) + (acc.count > 0 ? 1 : 0);
      acc.count += 1;
      collected.set(this, acc);
      if (acc.bytes > MAX_PAYLOAD_BYTES) throw new DataLimitExceeded(resultTooLarge(mapState));
    }
    return output;
  };
  proto[HOOKED] = true;
}

function guard(logger: ExecuteOptions['eventLogger'], definition: StateDef): void {
  const entered = logger.dispatchStateEnteredEvent.bind(logger);
  const exited = logger.dispatchStateExitedEvent.bind(logger);
  const failed = logger.dispatchStateFailedEvent.bind(logger);
  logger.dispatchStateEnteredEvent = (name, type, input) => {
    if (payloadBytes(input) > MAX_PAYLOAD_BYTES) throw new DataLimitExceeded(inputTooLarge(name));
    entered(name, type, input);
  };
  logger.dispatchStateExitedEvent = (name, type, input, output) => {
    if (payloadBytes(output) > MAX_PAYLOAD_BYTES) throw new DataLimitExceeded(resultTooLarge(name));
    exited(name, type, input, output);
  };
  logger.dispatchStateFailedEvent = (name, type, input, error) => {
    if (error instanceof DataLimitExceeded) error.bindTo(definition.States?.[name]);
    failed(name, type, input, error);
  };
}
