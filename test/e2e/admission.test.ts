// The admission queue with the real template: uploads reach the provision workflow through
// S3 → EventBridge → SQS → AdmitSpecs, and at most MaxConcurrentProvisions executions run at once.
// Here the bound is 2 and 6 specs arrive together: all 6 are provisioned, by one execution each, never
// more than 2 at a time, and the queue ends empty with nothing in the dead-letter queue.
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { maxOverlap, readReports } from '../../local/driver.js';
import { E2E_TEST_TIMEOUT_MS, specText, useE2eEnvironment } from '../support/e2e.js';
import { withFaults } from '../support/faults.js';
import { retry } from '../../lib/retry.js';

const BOUND = 2;
const e2e = useE2eEnvironment({ maxConcurrentProvisions: BOUND });

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
      const role = env.stack.resources.find((r) => r.logicalId === 'AdmitSpecsRole')!.attributes.Arn!;
      const deferrals = env.iam.record.filter(
        (r) => r.principalArn === role && r.action.toLowerCase() === 'sqs:changemessagevisibility',
      );
      expect(deferrals.length).toBeGreaterThan(0);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'AdmitSpecs dies after StartExecution: the message comes back and finds the execution by name, so the upload runs once',
    async () => {
      const env = e2e.env;
      const admit = env.lambda.functionNames().find((n) => n.endsWith('-admitSpecs'))!;
      const before = env.lambda.stats(admit)!.invocations;
      const since = new Date();
      const key = 'specs/admit.crash.yaml';
      // The handler runs to the end (the execution is started), then its sandbox is killed: SQS
      // keeps the message, and hands it out again once the queue's visibility timeout (60 s) ends.
      const [finished] = await withFaults(e2e, [{ service: 'lambda-crash', operation: admit, times: 1 }], () =>
        e2e.provisionAll([{ key, text: specText('urn:admit:crash', [{ name: '_public.events' }]) }]),
      );
      expect(finished!.status).toBe('SUCCEEDED');
      // Wait for the redelivery to be handled (a second invocation), then look: still one execution.
      await retry(async () => (env.lambda.stats(admit)!.invocations >= before + 2 ? true : undefined), {
        timeoutMs: 120_000,
        giveUp: () => new Error('the crashed batch was not handed out again within 120 s'),
      });
      const { executions = [] } = await env.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: env.resources.stateMachines.provision!, maxResults: 1000 }),
      );
      expect(executions.filter((x) => x.startDate! >= since)).toHaveLength(1);
      expect((await readReports(env, [key]))[0]?.status).toBe('PROVISIONED');
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
