// The admission queue with the real template: uploads reach the provision workflow through
// S3 → EventBridge → SQS → AdmitSpecs, and at most MaxConcurrentProvisions executions run at once.
// Here the bound is 2 and 6 specs arrive together: all 6 are provisioned, by one execution each, never
// more than 2 at a time, and the queue ends empty with nothing in the dead-letter queue.
import { ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { readReports } from '../../local/driver.js';
import { E2E_TEST_TIMEOUT_MS, specText, useE2eEnvironment } from '../support/e2e.js';

const BOUND = 2;
const e2e = useE2eEnvironment({ maxConcurrentProvisions: BOUND });

/** The most executions running at one moment: a sweep over their [start, stop) intervals. */
function maxOverlap(executions: readonly ExecutionListItem[]): number {
  const edges = executions.flatMap((e) => [
    { t: e.startDate!.getTime(), d: 1 },
    { t: e.stopDate!.getTime(), d: -1 },
  ]);
  edges.sort((x, y) => x.t - y.t || x.d - y.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

describe('admission: a burst of uploads waits for a free provision slot', () => {
  it(
    `provisions 6 uploads made at once, each by one execution, never more than ${BOUND} at a time`,
    async () => {
      const env = e2e.env;
      const since = new Date();
      const uploads = Array.from({ length: 6 }, (_, i) => ({
        key: `specs/admit.d${i}.yaml`,
        text: specText(`urn:admit:d${i}`, [{ name: '_public.events' }]),
      }));
      const finished = await e2e.provisionAll(uploads);

      expect(finished.map((f) => f.status)).toEqual(Array(6).fill('SUCCEEDED'));
      expect(
        (
          await readReports(
            env,
            uploads.map((u) => u.key),
          )
        ).map((r) => r?.status),
      ).toEqual(Array(6).fill('PROVISIONED'));
      const { executions = [] } = await env.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: env.resources.stateMachines.provision!, maxResults: 1000 }),
      );
      const mine = executions.filter((x) => x.startDate! >= since);
      // One execution per upload: the keys are distinct and there are exactly six.
      expect(new Set(finished.map((f) => f.key)).size).toBe(6);
      expect(mine).toHaveLength(6);
      expect(maxOverlap(mine)).toBeLessThanOrEqual(BOUND);
      // The burst had to wait: at least one upload was deferred before it was admitted, so the
      // bound, not a lucky ordering, kept the overlap down.
      const admit = env.lambda.functionNames().find((n) => n.endsWith('-admitSpecs'))!;
      expect(env.lambda.stats(admit)!.invocations).toBeGreaterThan(1);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
