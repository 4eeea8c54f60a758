// Waiting and backoff, in one place: a poll that runs until something is true, a retry of work
// that may fail for a while, or both. Every hand-rolled `for (;;) { try … sleep }` loop of the
// project goes through here, so each says only what it waits for, how long, and what to say when
// the time is up.

export interface RetryOptions {
  /** Give up after this many attempts… */
  readonly attempts?: number;
  /** …or once this much time has passed since the first attempt (ms)… */
  readonly timeoutMs?: number;
  /** …or at this moment (Date.now() ms), e.g. one deadline shared by several waits. */
  readonly deadline?: number;
  /** The pause before attempt n+1 (n from 1), in ms: a number, or a function of n. Default 250. */
  readonly delayMs?: number | ((attempt: number) => number);
  /**
   * Whether a failed attempt is worth another; default yes for every error. An error it refuses is
   * thrown at once, as it is.
   */
  readonly retryIf?: (error: unknown) => boolean;
  /**
   * The error to throw when attempts or time run out, from the last attempt's error (undefined when
   * the last attempt only said "not yet"). Default: that error, or "gave up after N attempts".
   */
  readonly giveUp?: (last: unknown, attempts: number) => Error;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it returns something other than `undefined` (`undefined` means "not yet"),
 * retrying the errors `retryIf` accepts, and returns that result. Between attempts it waits
 * `delayMs`; it gives up by `attempts`, `timeoutMs` or `deadline` (whichever comes first) with
 * `giveUp`'s error. With none of the three it tries until it succeeds.
 */
export async function retry<T>(attempt: (n: number) => Promise<T | undefined>, options: RetryOptions = {}): Promise<T> {
  const start = Date.now();
  const deadline = Math.min(
    options.deadline ?? Infinity,
    options.timeoutMs !== undefined ? start + options.timeoutMs : Infinity,
  );
  const delay = options.delayMs ?? 250;
  for (let n = 1; ; n++) {
    let last: unknown;
    try {
      const result = await attempt(n);
      if (result !== undefined) return result;
    } catch (e) {
      if (options.retryIf && !options.retryIf(e)) throw e;
      last = e;
    }
    const pause = typeof delay === 'number' ? delay : delay(n);
    if (n >= (options.attempts ?? Infinity) || Date.now() + pause > deadline) {
      if (options.giveUp) throw options.giveUp(last, n);
      throw last instanceof Error ? last : new Error(`gave up after ${n} attempt(s)`);
    }
    await sleep(pause);
  }
}
