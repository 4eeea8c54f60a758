// The real rotate-certificates workflow (state-machines/rotate-certificates.asl.yaml, resolved as the local deployer
// resolves it) on the emulated Step Functions, at sizes where AWS's 256 KiB payload quota matters: enough due domains
// that keeping each item's whole result would pass 262,144 bytes. Stub Lambdas return what the real ones return
// (functions/*/handler.ts). Also measures the history events each Map iteration costs, which bounds the items one
// execution can take (25,000 events per execution history). Reprovision runs a Distributed Map over the S3 listing
// instead, whose children have histories of their own: test/integration/aws/listing-scale.test.ts runs it at
// 4,500 specs against the emulated S3.
import { readFileSync } from 'node:fs';
import {
  SFNClient,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { Gateway } from '../../../local/aws/gateway.js';
import { EventBridgeEmulator } from '../../../local/aws/eventbridge.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { localLambdaArn, localStateMachineArn, parseDefinition, resolveDefinition } from '../../../local/aws/asl.js';
import { fullHistory } from '../../support/sfn.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const ROLE = 'arn:aws:iam::000000000000:role/workflows';
const KIB256 = 262_144;

let gw: Gateway;
let sfn: SFNClient;
let emu: StepFunctionsEmulator;
const eb = new EventBridgeEmulator();

const definition = (file: string) =>
  JSON.stringify(
    resolveDefinition(
      parseDefinition(readFileSync(new URL(`../../../state-machines/${file}.asl.yaml`, import.meta.url), 'utf8')),
      { lambdaArn: (k) => localLambdaArn(k), ref: (id) => localStateMachineArn(id) },
    ),
  );

const history = (executionArn: string): Promise<HistoryEvent[]> => fullHistory(sfn, executionArn);

async function run(stateMachineArn: string, input: unknown) {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await emu.waitForExecution(executionArn!);
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { ...d, events: await history(executionArn!) };
}

let failing = new Set<string>();
let due: { domain: string; serial: string; notAfter: string; generation: number }[] = [];
let rotateArn: string;

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  emu = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0, endpointFor: () => gw.url, credentials: creds });
  gw.registerService(emu);
  gw.registerService(eb.service);
  await gw.start();
  sfn = new SFNClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });

  // findExpiringCertificates, issueCertificate, collectCertificate: the handlers' output shapes.
  emu.registerLambda('findExpiringCertificates', async (e: { trigger?: { time?: string } }) => ({
    now: e.trigger?.time ?? '2026-12-01T00:00:00.000Z',
    scanned: due.length + 10,
    due,
    earliestNotAfter: '2026-12-09T00:00:00.000Z',
  }));
  emu.registerLambda('issueCertificate', async (e: { domain: string }) => {
    if (failing.has(e.domain)) {
      const err = new Error('Rate exceeded');
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
  rotateArn = (
    await sfn.send(
      new CreateStateMachineCommand({
        name: 'RotateCertificatesStateMachine',
        roleArn: ROLE,
        definition: definition('rotate-certificates'),
      }),
    )
  ).stateMachineArn!;
});
afterAll(async () => {
  await emu.close();
  await eb.settled();
  await gw.stop();
});

const dueDomains = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    domain: `team-${String(i).padStart(4, '0')}.orders`,
    serial: '4b6d8f0a2c4e6a8c0e2a4c6e8a0c2e4a',
    notAfter: '2026-12-09T00:00:00.000Z',
    generation: 3,
  }));

describe('at the history quota', () => {
  test('rotate-certificates: 1,784 due domains fit in 25,000 events; 1,785 fail with States.Runtime', async () => {
    failing = new Set();
    due = dueDomains(1784);
    const fits = await run(rotateArn, {});
    expect([fits.status, fits.events.length]).toEqual(['SUCCEEDED', 13 + 14 * 1784]);
    expect(Buffer.byteLength(fits.output!)).toBeLessThan(KIB256);
    due = dueDomains(1785);
    const over = await run(rotateArn, {});
    expect([over.status, over.error, over.events.length]).toEqual(['FAILED', 'States.Runtime', 25_000]);
  }, 300_000);
});

describe('rotate-certificates.asl.yaml', () => {
  test('1,100 due domains succeed; each renewal keeps domain, status, serial and generation (what e2e reads)', async () => {
    failing = new Set(['team-0003.orders']);
    due = dueDomains(1100);
    const r = await run(rotateArn, { time: '2026-12-01T00:00:00Z', 'detail-type': 'Scheduled Event' });
    expect([r.status, r.error, r.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const output = JSON.parse(r.output!) as {
      now: string;
      scanned: number;
      renewals: Record<string, unknown>[];
    };
    expect(output.now).toBe('2026-12-01T00:00:00Z');
    expect(output.scanned).toBe(1110);
    expect(output.renewals).toHaveLength(1100);
    expect(output.renewals[0]).toEqual({
      domain: 'team-0000.orders',
      status: 'RENEWED',
      serial: '7d2e4f6a8b0c1d3e5f7a9b0c2d4e6f8a',
      generation: 4,
    });
    expect(output.renewals[3]).toEqual({
      domain: 'team-0003.orders',
      status: 'FAILED',
      error: 'InvalidStateException',
    });
    expect(Buffer.byteLength(r.output!)).toBeLessThan(KIB256 / 2);
  }, 180_000);

  test('history events per Map iteration (the 25,000-event quota bounds the domains one run takes)', async () => {
    failing = new Set();
    due = dueDomains(10);
    const ten = (await run(rotateArn, {})).events.length;
    due = dueDomains(20);
    const twenty = (await run(rotateArn, {})).events.length;
    const perDomain = (twenty - ten) / 10;
    failing = new Set(dueDomains(20).map((d) => d.domain));
    const failedTwenty = (await run(rotateArn, {})).events.length;
    const perFailedDomain = perDomain + (failedTwenty - twenty) / 20;
    const fixed = ten - 10 * perDomain;
    // Renewed: MapIterationStarted, 2 × (TaskStateEntered, LambdaFunctionScheduled/Started/Succeeded,
    // TaskStateExited), ChoiceStateEntered/Exited, MapIterationSucceeded. Failed: the Issue task (with
    // LambdaFunctionFailed), EmitRenewalFailed (TaskScheduled/Started/Succeeded), RenewalFailed (Pass).
    expect({ perDomain, perFailedDomain, fixed }).toEqual({ perDomain: 14, perFailedDomain: 14, fixed: 13 });
    // 25,000 events: floor((25,000 - 13) / 14) = 1,784 due domains.
  }, 120_000);
});
