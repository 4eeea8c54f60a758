// The local Step Functions runner gives a Pass state's `Result` as its result whatever its value.
// Amazon States Language, "Pass state": "Result (Optional) Refers to the output of a virtual task
// which is passed on to the next state" — false, 0, "" and null included. aws-local-stepfunctions
// 3.0 tested `if (Result)` and passed the input on for falsy ones, so the workflows' run options
// (`Result: false` into $.force) received the whole input locally; local/patches/ mends it.
import { StateMachine } from 'aws-local-stepfunctions';

async function passResult(result: unknown): Promise<unknown> {
  const machine = new StateMachine({
    StartAt: 'Options',
    States: { Options: { Type: 'Pass', Result: result, ResultPath: '$.value', End: true } },
  } as never);
  const out = (await machine.run({ input: 'kept' }).result) as { value: unknown };
  return out.value;
}

describe('local Step Functions: Pass state Result', () => {
  it.each([false, 0, '', null, true, 7, 'x', { a: 1 }])('Result %p is the result', async (value) => {
    expect(await passResult(value)).toEqual(value);
  });

  it('without Result the state passes its input on', async () => {
    const machine = new StateMachine({
      StartAt: 'Echo',
      States: { Echo: { Type: 'Pass', ResultPath: '$.value', End: true } },
    } as never);
    expect(await machine.run({ input: 'kept' }).result).toEqual({ input: 'kept', value: { input: 'kept' } });
  });
});
