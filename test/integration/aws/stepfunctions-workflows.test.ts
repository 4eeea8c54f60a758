// The real rotate-certificates workflow (state-machines/rotate-certificates.asl.yaml, resolved as the local deployer
// resolves it) on the emulated Step Functions and S3, at sizes where AWS's quotas matter: more due domains than the
// old inline Map could take in one execution (25,000 history events: 1,784 at 14 events each) and a due list past
// the 256 KiB a state payload may hold. Stub Lambdas return what the real ones return (functions/*/handler.ts); the
// stub scan writes the due list where the real one does, and SummarizeRenewals is the real handler, reading the
// ResultWriter's files. Also counts the history events: the parent's are fixed, each child's are its own.
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { localLambdaArn, localStateMachineArn, parseDefinition, resolveDefinition } from '../../../local/aws/asl.js';
import { dueListKey, readRenewals } from '../../../lib/aws/rotation.js';
import { summarize } from '../../../functions/summarize-renewals/handler.js';
import { TEST_CREDENTIALS, useLocalAws } from '../../support/aws.js';
import { fullHistory } from '../../support/sfn.js';

const SPECS = 'wf-specs';
const CERTS = 'wf-certs';
const ROLE = 'arn:aws:iam::000000000000:role/workflows';
const KIB256 = 262_144;

let emu: StepFunctionsEmulator;
const aws = useLocalAws({
  buckets: [SPECS, CERTS],
  setup: (local) => {
    emu = new StepFunctionsEmulator({
      retryIntervalMs: 0,
      waitMs: 0,
      endpointFor: (service) => (service === 's3' ? local.s3Endpoint : local.endpoint),
      credentials: TEST_CREDENTIALS,
    });
    local.gateway.registerService(emu);
  },
});
afterAll(async () => {
  await emu?.close();
});

const definition = (file: string) =>
  JSON.stringify(
    resolveDefinition(
      parseDefinition(readFileSync(new URL(`../../../state-machines/${file}.asl.yaml`, import.meta.url), 'utf8')),
      { lambdaArn: (k) => localLambdaArn(k), ref: (id) => (id === 'SpecBucket' ? SPECS : localStateMachineArn(id)) },
    ),
  );

const history = (executionArn: string): Promise<HistoryEvent[]> => fullHistory(aws.clients.sfn, executionArn);

async function run(stateMachineArn: string, input: unknown) {
  const sfn = aws.clients.sfn;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await emu.waitForExecution(executionArn!);
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { ...d, events: await history(executionArn!) };
}

let failing = new Set<string>();
let due: { domain: string; serial: string; notAfter: string; generation: number }[] = [];
let rotateArn: string;

beforeAll(async () => {
  // findExpiringCertificates writes the due list (lib/aws/rotation.ts recordDueList) and returns the summary.
  emu.registerLambda('findExpiringCertificates', async (e: { trigger?: { time?: string }; executionName: string }) => {
    const key = dueListKey(e.executionName);
    await aws.clients.s3.send(new PutObjectCommand({ Bucket: CERTS, Key: key, Body: JSON.stringify(due) }));
    return {
      now: e.trigger?.time ?? '2026-12-01T00:00:00.000Z',
      scanned: due.length + 10,
      due: due.length,
      dueList: { bucket: CERTS, key },
      earliestNotAfter: '2026-12-09T00:00:00.000Z',
    };
  });
  emu.registerLambda('issueCertificate', async (e: { domain: string }) => {
    if (failing.has(e.domain)) {
      const err = new Error('The certificate authority is not ACTIVE');
      err.name = 'InvalidStateException';
      throw err;
    }
    return {
      domain: e.domain,
      status: 'ISSUING',
      certificateArn: `arn:aws:acm-pca:us-east-1:000000000000:certificate-authority/0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f/certificate/${'c'.repeat(32)}`,
      generation: 4,
      publicKeySha256: 'a'.repeat(64),
    };
  });
  emu.registerLambda(
    'collectCertificate',
    async (e: { domain: string; certificateArn: string; generation: number }) => ({
      domain: e.domain,
      status: 'ISSUED',
      serial: '7d2e4f6a8b0c1d3e5f7a9b0c2d4e6f8a',
      notBefore: '2026-12-01T00:00:00.000Z',
      notAfter: '2026-12-31T00:00:00.000Z',
      generation: e.generation,
      certificateArn: e.certificateArn,
    }),
  );
  // The real handler over the real result files.
  emu.registerLambda('summarizeRenewals', (e: Parameters<typeof summarize>[0]) => summarize(e, { s3: aws.clients.s3 }));
  rotateArn = (
    await aws.clients.sfn.send(
      new CreateStateMachineCommand({
        name: 'RotateCertificatesStateMachine',
        roleArn: ROLE,
        definition: definition('rotate-certificates'),
      }),
    )
  ).stateMachineArn!;
});

const dueDomains = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    domain: `team-${String(i).padStart(4, '0')}.orders`,
    serial: '4b6d8f0a2c4e6a8c0e2a4c6e8a0c2e4a',
    notAfter: '2026-12-09T00:00:00.000Z',
    generation: 3,
  }));

/** The largest state input or output in a history. */
const largestState = (events: HistoryEvent[]) =>
  Math.max(
    0,
    ...events.map((e) =>
      Buffer.byteLength(e.stateEnteredEventDetails?.input ?? e.stateExitedEventDetails?.output ?? ''),
    ),
  );

describe('rotate-certificates.asl.yaml past the inline Map’s bounds', () => {
  test('2,100 due domains (over the 1,784 one inline-Map execution held; a due list past 256 KiB) all renewed in one run', async () => {
    failing = new Set(['team-0003.orders']);
    due = dueDomains(2_100);
    expect(Buffer.byteLength(JSON.stringify(due))).toBeGreaterThan(KIB256);
    const r = await run(rotateArn, { time: '2026-12-01T00:00:00Z', 'detail-type': 'Scheduled Event' });
    expect([r.status, r.error, r.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const output = JSON.parse(r.output!) as Record<string, unknown> & {
      results: { Bucket: string; Key: string };
    };
    expect(output).toEqual({
      now: '2026-12-01T00:00:00Z',
      scanned: 2_110,
      due: 2_100,
      renewed: 2_099,
      current: 0,
      failed: 1,
      failures: [{ domain: 'team-0003.orders', error: 'InvalidStateException' }],
      dueList: { bucket: CERTS, key: expect.stringMatching(/^rotation\/[^/]+\/due\.json$/) },
      results: {
        Bucket: SPECS,
        Key: expect.stringMatching(/^reports\/_rotation\/runs\/[0-9a-f-]{36}\/manifest\.json$/),
      },
    });
    // Each domain's outcome keeps domain, status, serial and generation (what e2e and operators read).
    const outcomes = await readRenewals(aws.clients.s3, output.results);
    expect(outcomes).toHaveLength(2_100);
    expect(outcomes[0]).toEqual({
      domain: 'team-0000.orders',
      status: 'RENEWED',
      serial: '7d2e4f6a8b0c1d3e5f7a9b0c2d4e6f8a',
      generation: 4,
    });
    expect(outcomes[3]).toEqual({ domain: 'team-0003.orders', status: 'FAILED', error: 'InvalidStateException' });
    // Every state of the parent stays small; its history does not grow with the domains.
    expect(largestState(r.events)).toBeLessThan(1_024);
    expect(r.events.length).toBeLessThan(40);
  }, 600_000);

  test('history events: fixed in the parent, per domain in each child (the 25,000-event quota no longer binds)', async () => {
    failing = new Set();
    due = dueDomains(3);
    const three = await run(rotateArn, {});
    due = dueDomains(30);
    const thirty = await run(rotateArn, {});
    expect(thirty.events.length).toBe(three.events.length);
    const { mapRuns } = await aws.clients.sfn.send(new ListMapRunsCommand({ executionArn: thirty.executionArn }));
    expect(mapRuns).toHaveLength(1);
    const child = (
      (await emu.listExecutions({ mapRunArn: mapRuns![0]!.mapRunArn })) as {
        executions: { executionArn: string }[];
      }
    ).executions[0]!;
    const renewed = (await history(child.executionArn)).length;
    failing = new Set(dueDomains(1).map((d) => d.domain));
    due = dueDomains(1);
    const failedRun = await run(rotateArn, {});
    const { mapRuns: failedRuns } = await aws.clients.sfn.send(
      new ListMapRunsCommand({ executionArn: failedRun.executionArn }),
    );
    const failedChild = (
      (await emu.listExecutions({ mapRunArn: failedRuns![0]!.mapRunArn })) as {
        executions: { executionArn: string }[];
      }
    ).executions[0]!;
    const failed = (await history(failedChild.executionArn)).length;
    // Parent: ExecutionStarted, FindExpiringCertificates (5), RenewEach (MapState Entered/Exited, MapRun
    // Started/Succeeded), SummarizeRenewals (5), RotationDone (2), ExecutionSucceeded. A child: ExecutionStarted,
    // IssueCertificate and CollectCertificate (5 each, 3 more per retried attempt), the Choice (2), ExecutionSucceeded;
    // a failed one: IssueCertificate, EmitRenewalFailed (5), RenewalFailed (2).
    expect({ parent: thirty.events.length, renewed, failed }).toEqual({ parent: 18, renewed: 14, failed: 14 });
  }, 120_000);
});
