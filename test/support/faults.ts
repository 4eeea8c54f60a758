// The fault matrix's common steps (test/e2e/faults/): run the provision workflow under a fault,
// then look at it the way an operator would (the report, the EventBridge event), run it again and
// expect a zero plan, and check that nothing is orphaned (test/support/orphans.ts).
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { FaultSpec } from '../../local/aws/faults.js';
import type { FinishedExecution } from '../../local/driver.js';
import type { ProvisionReport } from '../../lib/aws/reports.js';
import { executionHistory, readReport, taskErrors, type CapturedEvent, type E2eHandle } from './e2e.js';
import { assertNoOrphans } from './orphans.js';

/** Runs `body` with the faults active; removes them afterwards whatever happens. */
export async function withFaults<T>(e2e: E2eHandle, faults: readonly FaultSpec[], body: () => Promise<T>): Promise<T> {
  const ids = faults.map((f) => e2e.env.aws.faults.add(f));
  try {
    return await body();
  } finally {
    for (const id of ids) e2e.env.aws.faults.remove(id);
  }
}

/** Starts the provision workflow for the spec already at `specs/<domain>.yaml` (what an operator's re-run sends). */
export async function rerun(
  e2e: E2eHandle,
  domain: string,
): Promise<{ execution: FinishedExecution; report: ProvisionReport | undefined }> {
  const env = e2e.env;
  const { executionArn } = await env.clients.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: env.resources.stateMachines.provision!,
      input: JSON.stringify({
        detail: { bucket: { name: env.resources.specBucket }, object: { key: `specs/${domain}.yaml` } },
      }),
    }),
  );
  const d = (await env.sfn.waitForExecution(executionArn!)) as { status: string; error?: string };
  await e2e.settled();
  return {
    execution: { executionArn: executionArn!, status: d.status, ...(d.error ? { error: d.error } : {}) },
    report: await readReport(env.clients.s3, env.resources.specBucket, domain),
  };
}

/** The event the pipeline emitted for this execution (Spec Provisioned / Spec Provisioning Failed). */
export function eventOf(e2e: E2eHandle, executionArn: string): CapturedEvent | undefined {
  return e2e.events.find((e) => e.detail.executionId === executionArn);
}

/** The Lambda/task errors the execution met, retried or not, in order. */
export async function errorsOf(e2e: E2eHandle, executionArn: string): Promise<string[]> {
  return taskErrors(await executionHistory(e2e.env, executionArn));
}

/**
 * A following run changes nothing: PROVISIONED, no topic, partition, config or ACL change, the
 * secret and its association as they were, the certificate current. Then: no orphans.
 */
export async function expectZeroPlanAndNoOrphans(e2e: E2eHandle, domain: string): Promise<void> {
  const { execution, report } = await rerun(e2e, domain);
  expect(execution.status).toBe('SUCCEEDED');
  expect(report).toMatchObject({
    status: 'PROVISIONED',
    applied: {
      changed: false,
      topicsCreated: 0,
      partitionsIncreased: 0,
      configsAltered: 0,
      aclsCreated: 0,
      aclsDeleted: 0,
    },
    credentials: {
      scram: { enabled: true, secret: 'EXISTING', association: 'EXISTING' },
      mtls: { enabled: true, status: 'CURRENT' },
    },
  });
  await assertNoOrphans(e2e.env, e2e.admin);
}

/**
 * The end of a fault file: nothing orphaned by any of its runs. (The scan for passwords and keys in
 * histories, reports, events and logs runs after every e2e file: useE2eEnvironment's afterAll.)
 */
export async function expectCleanAfterFaults(e2e: E2eHandle): Promise<void> {
  await assertNoOrphans(e2e.env, e2e.admin);
}
