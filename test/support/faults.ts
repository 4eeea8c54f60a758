// The fault matrix's common steps (test/e2e/faults/): run the provision workflow under a fault,
// then look at it the way an operator would (the report, the EventBridge event), run it again and
// expect a zero plan, and check that nothing is orphaned (test/support/orphans.ts).
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { FaultSpec } from '../../local/aws/faults.js';
import type { FinishedExecution } from '../../local/driver.js';
import type { ProvisionReport } from '../../lib/aws/reports.js';
import {
  executionHistory,
  readReport,
  taskErrors,
  withMapRunChildren,
  type CapturedEvent,
  type E2eHandle,
} from './e2e.js';
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

/** The deployed name of a serverless.yml function (`<service>-<stage>-<key>`). */
export function functionNameOf(e2e: E2eHandle, functionKey: string): string {
  const name = e2e.env.lambda.functionNames().find((n) => n.endsWith(`-${functionKey}`));
  if (!name) throw new Error(`no deployed function for ${functionKey}`);
  return name;
}

/**
 * Runs `body` with one crash armed: the `invocation`th call of the function from now on (1: the
 * next one) runs its handler to the end, side effects and all, and then its sandbox dies before it
 * answers (`lambda-crash`, local/lambda/runtime.ts: the caller gets Runtime.ExitError). Calls
 * before it are counted by a `lambda` fault whose only effect is to count (it runs before the
 * handler), and which arms the crash on the call it is meant for. Whatever is left is removed
 * afterwards.
 */
export async function withCrash<T>(
  e2e: E2eHandle,
  crash: { readonly functionName: string; readonly invocation?: number },
  body: () => Promise<T>,
): Promise<T> {
  const faults = e2e.env.aws.faults;
  const invocation = crash.invocation ?? 1;
  const armCrash = () => faults.add({ service: 'lambda-crash', operation: crash.functionName, times: 1 });
  const ids: string[] = [];
  if (invocation === 1) ids.push(armCrash());
  else {
    let calls = 0;
    ids.push(
      faults.add({
        service: 'lambda',
        operation: crash.functionName,
        times: invocation,
        run: () => {
          if (++calls === invocation) ids.push(armCrash());
        },
      }),
    );
  }
  try {
    return await body();
  } finally {
    for (const id of ids) faults.remove(id);
  }
}

/**
 * Where the crashes happened: for each Runtime.ExitError a Lambda task met in the execution or in
 * the child executions of its Map Runs, the last state entered before it among `states` (the
 * states that call the function that died: a history does not name the function of a failure, and
 * branches of a Parallel interleave).
 */
export async function crashedStates(
  e2e: E2eHandle,
  executionArn: string,
  states: readonly string[],
): Promise<string[]> {
  const found: string[] = [];
  for (const arn of await withMapRunChildren(e2e.env, executionArn)) {
    let entered: string | undefined;
    for (const h of await executionHistory(e2e.env, arn)) {
      const name = h.stateEnteredEventDetails?.name;
      if (h.type === 'TaskStateEntered' && name && states.includes(name)) entered = name;
      if (h.type === 'LambdaFunctionFailed' && h.lambdaFunctionFailedEventDetails?.error === 'Runtime.ExitError')
        found.push(entered ?? '(no state entered)');
    }
  }
  return found;
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
