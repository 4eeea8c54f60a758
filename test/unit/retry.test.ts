// lib/retry.ts: what each option does, on real (short) timers.
import { retry } from '../../lib/retry.js';

describe('retry', () => {
  it('polls until the attempt returns something, waiting delayMs(n) between attempts', async () => {
    const pauses: number[] = [];
    let last = Date.now();
    const result = await retry(
      async (n) => {
        const now = Date.now();
        if (n > 1) pauses.push(now - last);
        last = now;
        return n === 3 ? `done at ${n}` : undefined;
      },
      { delayMs: (n) => n * 20 },
    );
    expect(result).toBe('done at 3');
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(15);
    expect(pauses[1]).toBeGreaterThanOrEqual(35);
  });

  it('retries errors until one works, and throws the last one when attempts run out', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        { attempts: 3, delayMs: 1 },
      ),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
    await expect(retry(async (n) => (n < 2 ? Promise.reject(new Error('x')) : 'ok'), { delayMs: 1 })).resolves.toBe(
      'ok',
    );
  });

  it('throws an error retryIf refuses at once', async () => {
    let calls = 0;
    const fatal = new Error('fatal');
    await expect(
      retry(
        async () => {
          calls++;
          throw fatal;
        },
        { attempts: 5, delayMs: 1, retryIf: (e) => e !== fatal },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('gives up by timeoutMs or deadline with giveUp saying why', async () => {
    const started = Date.now();
    await expect(
      retry(async () => undefined, {
        timeoutMs: 60,
        delayMs: 10,
        giveUp: (last, n) => new Error(`not yet after ${n} (${String(last)})`),
      }),
    ).rejects.toThrow(/^not yet after \d+ \(undefined\)$/);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(retry(async () => undefined, { deadline: Date.now() - 1 })).rejects.toThrow(
      'gave up after 1 attempt(s)',
    );
  });
});
