import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DEFERRAL_CAP_SECONDS,
  deferralSeconds,
  executionName,
  planAdmission,
  type QueuedUpload,
} from '../../lib/admission/index.js';

const upload = (i: number, receiveCount = 1): QueuedUpload => ({
  messageId: `m-${i}`,
  receiveCount,
  executionName: `e-${i}`,
});

describe('planAdmission: at most `bound` provision executions run at once', () => {
  it('admits up to the free slots and defers the rest, oldest (most received) first', () => {
    const batch = [upload(1, 1), upload(2, 7), upload(3, 3), upload(4, 1)];
    const plan = planAdmission(batch, { running: 18, bound: 20 });
    expect(plan.admit.map((u) => u.messageId)).toEqual(['m-2', 'm-3']);
    expect(plan.defer.map((u) => u.messageId).sort()).toEqual(['m-1', 'm-4']);
  });

  it('admits nothing when the bound is reached or passed (e.g. a lowered bound)', () => {
    expect(planAdmission([upload(1)], { running: 20, bound: 20 }).admit).toEqual([]);
    expect(planAdmission([upload(1)], { running: 25, bound: 20 }).defer).toHaveLength(1);
  });

  it('never admits more than the free slots, never loses or duplicates an upload', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 10 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        (counts, running, bound) => {
          const batch = counts.map((c, i) => upload(i, c));
          const { admit, defer } = planAdmission(batch, { running, bound });
          expect(admit.length).toBe(Math.min(batch.length, Math.max(0, bound - running)));
          expect([...admit, ...defer].map((u) => u.messageId).sort()).toEqual(batch.map((u) => u.messageId).sort());
        },
      ),
    );
  });
});

describe('deferralSeconds: exponential backoff with full jitter, capped', () => {
  it('grows with the receive count up to the cap, and is at least one second', () => {
    expect(deferralSeconds(1, () => 0)).toBe(1);
    expect(deferralSeconds(1, () => 0.999)).toBe(2);
    expect(deferralSeconds(3, () => 0.999)).toBe(8);
    expect(deferralSeconds(500, () => 0.999)).toBe(DEFERRAL_CAP_SECONDS);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (n, r) => {
        const s = deferralSeconds(n, () => r);
        expect(Number.isInteger(s)).toBe(true);
        expect(s).toBeGreaterThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(DEFERRAL_CAP_SECONDS);
      }),
    );
  });
});

describe('executionName: one execution per upload event, whatever the redeliveries', () => {
  it("is the EventBridge event id, which Step Functions' name rules accept", () => {
    const id = '3f1a1b2c-9d8e-4f00-a1b2-c3d4e5f60718';
    expect(executionName(id)).toBe(id);
    expect(executionName(id)).toBe(executionName(id));
  });

  it('keeps only the characters a name may hold, at most 80 (StartExecution `name`)', () => {
    const n = executionName(`${'x'.repeat(100)} <>{}`);
    expect(n).toMatch(/^[0-9A-Za-z_-]{1,80}$/);
    expect(executionName('a b')).not.toBe(executionName('a_b'));
  });
});
