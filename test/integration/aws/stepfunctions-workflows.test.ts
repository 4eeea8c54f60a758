// The real reprovision and rotate-certificates workflows (state-machines/*.asl.yaml, resolved as the local deployer
// resolves them) on the emulated Step Functions, at sizes where AWS's 256 KiB payload quota matters: enough specs or
// due domains that keeping each item's whole result would pass 262,144 bytes. Stub Lambdas and a stub provision
// child return what the real ones return (functions/*/handler.ts; provision.asl.yaml's report), about 1 KB per spec.
// Also measures the history events each Map iteration costs, which bounds the items one execution can take
// (25,000 events per execution history).
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

/** What provision.asl.yaml's DescribeSuccess builds (its output, reports/<D>.json): about 1 KB for a small spec. */
function provisionReport(key: string, executionId: string) {
  const domain = key.replace(/^specs\//, '').replace(/\.yaml$/, '');
  return {
    status: 'PROVISIONED',
    domain,
    source: { bucket: 'specs-bucket', key, versionId: 'Zx9yWQ3k1L0q5mB2cV7nR4tE8uI6oP1a' },
    executionId,
    startedAt: '2026-12-01T08:00:00.000Z',
    spec: { ownedTopics: 3, subscriptions: 2, desiredBindings: 24, warnings: [] },
    credentials: {
      scram: {
        enabled: true,
        secretArn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_${domain}-AbCdEf`,
        association: 'EXISTING',
      },
      mtls: {
        enabled: true,
        status: 'CURRENT',
        serial: '5f1c9a0e7b3d2f4a6c8e0b1d3f5a7c9e',
        notAfter: '2026-12-31T08:00:00.000Z',
        generation: 3,
      },
    },
    applied: {
      domain,
      changed: false,
      topicsCreated: 0,
      partitionsIncreased: 0,
      configsAltered: 0,
      aclsCreated: 0,
      aclsDeleted: 0,
      createdTopics: [],
      kafkaRequests: { describeTopics: 1, describeConfigs: 1, describeAcls: 3, createTopics: 0, createAcls: 0 },
      topics: [`${domain}._public.events`, `${domain}._protected.payments`, `${domain}._private.state`],
    },
  };
}

const history = (executionArn: string): Promise<HistoryEvent[]> => fullHistory(sfn, executionArn);

async function run(stateMachineArn: string, input: unknown) {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await emu.waitForExecution(executionArn!);
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { ...d, events: await history(executionArn!) };
}

let specs: { bucket: string; key: string }[] = [];
let failing = new Set<string>();
let due: { domain: string; serial: string; notAfter: string; generation: number }[] = [];
let reprovisionArn: string;
let rotateArn: string;

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  emu = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0, endpointFor: () => gw.url, credentials: creds });
  gw.registerService(emu);
  gw.registerService(eb.service);
  await gw.start();
  sfn = new SFNClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });

  // listSpecs (functions/list-specs): { bucket, count, specs: [{ bucket, key }] }.
  emu.registerLambda('listSpecs', async () => ({ bucket: 'specs-bucket', count: specs.length, specs }));
  // findOrphans (functions/find-orphans), report-only: nothing belongs to no spec.
  emu.registerLambda('findOrphans', async () => ({
    mode: 'REPORT',
    reportKey: 'reports/_reprovision/orphans.json',
    domains: [],
  }));
  // The provision child: one Lambda returning the report, failing for the keys in `failing`.
  emu.registerLambda('stubProvision', async (e: { detail: { object: { key: string } }; executionId: string }) => {
    if (failing.has(e.detail.object.key)) {
      const err = new Error('mass-deletion: would delete 9 of 10 bindings');
      err.name = 'PlanRefused';
      throw err;
    }
    return provisionReport(e.detail.object.key, e.executionId);
  });
  await sfn.send(
    new CreateStateMachineCommand({
      name: 'ProvisionStateMachine',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Provision',
        States: {
          Provision: {
            Type: 'Task',
            Resource: localLambdaArn('stubProvision'),
            Parameters: { 'detail.$': '$.detail', 'executionId.$': '$$.Execution.Id' },
            End: true,
          },
        },
      }),
    }),
  );
  reprovisionArn = (
    await sfn.send(
      new CreateStateMachineCommand({
        name: 'ReprovisionStateMachine',
        roleArn: ROLE,
        definition: definition('reprovision'),
      }),
    )
  ).stateMachineArn!;

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

const specKeys = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    bucket: 'specs-bucket',
    key: `specs/team-${String(i).padStart(4, '0')}.orders.yaml`,
  }));
const dueDomains = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    domain: `team-${String(i).padStart(4, '0')}.orders`,
    serial: '4b6d8f0a2c4e6a8c0e2a4c6e8a0c2e4a',
    notAfter: '2026-12-09T00:00:00.000Z',
    generation: 3,
  }));

describe('reprovision.asl.yaml', () => {
  test('300 specs (~1 KB reports each, past 256 KiB together) succeed; the output keeps {key, status, error} per spec', async () => {
    specs = specKeys(300);
    failing = new Set([specs[7]!.key, specs[250]!.key]);
    expect(Buffer.byteLength(JSON.stringify(specs.map((s) => provisionReport(s.key, 'x'))))).toBeGreaterThan(KIB256);
    const r = await run(reprovisionArn, { 'detail-type': 'Reprovision Requested', source: 'msk-spec-provisioner' });
    expect([r.status, r.error, r.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const output = JSON.parse(r.output!) as { count: number; results: Record<string, unknown>[] };
    expect(output.count).toBe(300);
    expect(output.results).toHaveLength(300);
    expect(output.results[0]).toEqual({ key: specs[0]!.key, status: 'SUCCEEDED', error: null });
    expect(output.results.filter((x) => x['status'] === 'FAILED')).toEqual([
      { key: specs[7]!.key, status: 'FAILED', error: 'States.TaskFailed' },
      { key: specs[250]!.key, status: 'FAILED', error: 'States.TaskFailed' },
    ]);
    expect(Buffer.byteLength(r.output!)).toBeLessThan(300 * 80); // ~70 bytes per spec
    // No state's output ever carried the children's reports.
    for (const e of r.events)
      if (e.stateExitedEventDetails) expect(e.stateExitedEventDetails.output!.length).toBeLessThan(KIB256 / 2);
  }, 120_000);

  test('history events per Map iteration (the 25,000-event quota bounds the specs one run takes)', async () => {
    failing = new Set();
    specs = specKeys(10);
    const ten = (await run(reprovisionArn, {})).events.length;
    specs = specKeys(20);
    const twenty = (await run(reprovisionArn, {})).events.length;
    const perSpec = (twenty - ten) / 10;
    failing = new Set(specKeys(20).map((s) => s.key));
    const failedTwenty = (await run(reprovisionArn, {})).events.length;
    const perFailedSpec = perSpec + (failedTwenty - twenty) / 20;
    const fixed = ten - 10 * perSpec;
    // MapIterationStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded,
    // TaskStateExited, MapIterationSucceeded; a failure adds TaskFailed for Succeeded and PassStateEntered/Exited.
    // Fixed: 13, plus 7 for the orphan scan (FindOrphans' 5 task events, OrphanMode's 2).
    expect({ perSpec, perFailedSpec, fixed }).toEqual({ perSpec: 8, perFailedSpec: 10, fixed: 20 });
    // 25,000 events: floor((25,000 - 20) / 8) = 3,122 specs that all succeed, floor(24,980 / 10) = 2,498 that all fail.
  }, 120_000);
});

describe('at the history quota', () => {
  test('reprovision: 3,122 specs fit in 25,000 events with the output under 256 KiB; 3,123 fail with States.Runtime', async () => {
    failing = new Set();
    specs = specKeys(3122);
    const fits = await run(reprovisionArn, {});
    expect([fits.status, fits.events.length]).toEqual(['SUCCEEDED', 20 + 8 * 3122]);
    expect(Buffer.byteLength(fits.output!)).toBeLessThan(KIB256);
    specs = specKeys(3123);
    const over = await run(reprovisionArn, {});
    expect([over.status, over.error, over.events.length]).toEqual(['FAILED', 'States.Runtime', 25_000]);
  }, 300_000);

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
