// History: aws-local-stepfunctions' event log, converted to the HistoryEvent types and detail members of the Step
// Functions API reference (HistoryEvent); task events are recorded by tasks.ts as each attempt runs.
import type { HistoryEvent, StateMachineRecord } from './records.js';

export interface LibEvent {
  type: string;
  retry?: {
    retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number };
    attempt: number;
  };
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  parentState?: { name: string; type: string; input: unknown };
}

/**
 * The wait before retry attempt n of a retrier as the ASL defines it ("Retrying after an error"): IntervalSeconds ×
 * BackoffRate^(n-1), at most MaxDelaySeconds (defaults 1 s and 2.0); full jitter ignored. From a StateRetried event.
 */
export function aslRetryWaitMs(ev: LibEvent): number {
  const r = ev.retry?.retrier ?? {};
  const attempt = ev.retry?.attempt ?? 1;
  const seconds = (r.IntervalSeconds ?? 1) * Math.pow(r.BackoffRate ?? 2, attempt - 1);
  return Math.min(seconds, r.MaxDelaySeconds ?? Infinity) * 1000;
}

/** aws-local-stepfunctions' event log → AWS HistoryEvent types and detail members (API reference, HistoryEvent). */
export function convertEvent(
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
      const s = stateOf(ev, m);
      push(`${s.type}StateEntered`, {
        stateEnteredEventDetails: { name: s.name, input: str(s.input), inputDetails: { truncated: false } },
      });
      if (s.type === 'Parallel') push('ParallelStateStarted');
      // A Distributed Map records MapRunStarted instead (distributed-map.ts).
      if (s.type === 'Map' && !s.distributed) push('MapStateStarted', { mapStateStartedEventDetails: {} });
      return;
    }
    case 'StateExited': {
      const s = stateOf(ev, m);
      if (s.type === 'Parallel') push('ParallelStateSucceeded');
      if (s.type === 'Map' && !s.distributed) push('MapStateSucceeded');
      push(`${s.type}StateExited`, {
        stateExitedEventDetails: { name: s.name, output: str(s.output), outputDetails: { truncated: false } },
      });
      return;
    }
    case 'StateFailed': {
      const s = stateOf(ev, m);
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

/** GetExecutionHistory with includeExecutionData false: no inputs, outputs, parameters or causes. */
export function stripData(e: HistoryEvent): HistoryEvent {
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

/** The state an engine event is about; a Distributed Map state, which the engine runs as a Task, is a Map. */
function stateOf(ev: LibEvent, m: StateMachineRecord): NonNullable<LibEvent['state']> & { distributed?: true } {
  const s = ev.state!;
  return m.distributedMaps.has(s.name) ? { ...s, type: 'Map', distributed: true } : s;
}
