// The paging loops past ListObjectsV2's first page, against the emulated S3 (issue 9): a page holds
// at most 1,000 keys and a truncated one names a NextContinuationToken (API_ListObjectsV2), so 4,500
// specs take five pages and 2,500 index entries three. The real reprovision workflow
// (state-machines/reprovision.asl.yaml) lists the specs with its Distributed Map's ItemReader on the
// emulated Step Functions, with a stub provision child; the real FindExpiringCertificates handler
// scans the index. Objects are put directly (empty index entries, stub specs): what is under
// test is the listing, not provisioning.
import { readFileSync } from 'node:fs';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { localLambdaArn, localStateMachineArn, parseDefinition, resolveDefinition } from '../../../local/aws/asl.js';
import { ENV } from '../../../lib/aws/env-config.js';
import { indexKey } from '../../../lib/cert/policy.js';
import { findExpiring } from '../../../functions/find-expiring-certificates/handler.js';
import { TEST_CREDENTIALS, useLocalAws } from '../../support/aws.js';
import { listBucket } from '../../support/e2e.js';
import { fullHistory } from '../../support/sfn.js';
import type { Environment } from '../../../local/environment.js';

const SPECS = 'scale-specs';
const CERTS = 'scale-certs';
const ROTATION_SPECS = 'scale-rotation-specs';
const ROLE = 'arn:aws:iam::000000000000:role/workflows';
let sfnEmu: StepFunctionsEmulator;
const aws = useLocalAws({
  buckets: [SPECS, CERTS, ROTATION_SPECS],
  setup: (local) => {
    sfnEmu = new StepFunctionsEmulator({
      retryIntervalMs: 0,
      waitMs: 0,
      endpointFor: () => local.endpoint,
      credentials: TEST_CREDENTIALS,
    });
    local.gateway.registerService(sfnEmu);
  },
});
afterAll(async () => {
  await sfnEmu?.close();
});

/** Writes `keys` (empty or with `body`) in-process: the listing is under test, not PutObject. */
async function putAll(bucket: string, keys: readonly string[], body = (_k: string) => '') {
  await aws.local.s3.seedObjects(
    bucket,
    keys.map((key) => ({ key, body: body(key) })),
  );
}

function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return fn().finally(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

// 4,500 specs: their listing as ListSpecs returned it ({bucket, key} each, ~70 bytes) would be ~300 KB, past the
// 256 KiB a task result may hold, and an inline Map's history would pass 25,000 events at 3,122 specs. The
// Distributed Map reads the listing itself and keeps every state's payload under a kilobyte.
test('reprovision over 4,500 specs: the Distributed Map pages the listing, one child per spec, every payload small', async () => {
  const keys = Array.from({ length: 4_500 }, (_, i) => `specs/team-${String(i).padStart(4, '0')}.orders.yaml`);
  // Not specs: a nested key and another extension, listed by S3 and skipped by the IsSpecKey choice.
  await putAll(SPECS, [...keys, 'specs/drafts/team-x.yaml', 'specs/README.md'], (k) => `# ${k}\nasyncapi: 3.0.0\n`);
  expect(Buffer.byteLength(JSON.stringify(keys.map((key) => ({ bucket: SPECS, key }))))).toBeGreaterThan(262_144);

  const sfn = aws.clients.sfn;
  sfnEmu.registerLambda('findOrphans', async () => ({
    mode: 'REPORT',
    reportKey: 'reports/_reprovision/orphans.json',
    domains: [],
  }));
  const provisioned: string[] = [];
  sfnEmu.registerLambda('stubProvision', async (e: { detail: { object: { key: string } } }) => {
    provisioned.push(e.detail.object.key);
    return { status: 'PROVISIONED', key: e.detail.object.key };
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
            Parameters: { 'detail.$': '$.detail' },
            End: true,
          },
        },
      }),
    }),
  );
  const definition = JSON.stringify(
    resolveDefinition(
      parseDefinition(readFileSync(new URL('../../../state-machines/reprovision.asl.yaml', import.meta.url), 'utf8')),
      { lambdaArn: (k) => localLambdaArn(k), ref: (id) => (id === 'SpecBucket' ? SPECS : localStateMachineArn(id)) },
    ),
  );
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name: 'ReprovisionStateMachine', roleArn: ROLE, definition }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  await sfnEmu.waitForExecution(executionArn!);
  const run = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect([run.status, run.error]).toEqual(['SUCCEEDED', undefined]);
  expect([...provisioned].sort()).toEqual(keys);

  // The output: where the results are, not the results.
  const out = JSON.parse(run.output!) as {
    provisioned: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    orphans: unknown;
  };
  expect(out.provisioned.ResultWriterDetails.Bucket).toBe(SPECS);
  expect(out.provisioned.ResultWriterDetails.Key).toMatch(
    /^reports\/_reprovision\/runs\/[0-9a-f-]{36}\/manifest\.json$/,
  );
  const text = async (key: string) =>
    (await aws.clients.s3.send(new GetObjectCommand({ Bucket: SPECS, Key: key }))).Body!.transformToString();
  const manifest = JSON.parse(await text(out.provisioned.ResultWriterDetails.Key)) as {
    ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: { Key: string }[] };
  };
  expect(manifest.ResultFiles.FAILED).toEqual([]);
  const results = JSON.parse(await text(manifest.ResultFiles.SUCCEEDED[0]!.Key)) as {
    ExecutionArn: string;
    Output: string;
  }[];
  const outputs = results.map((r) => JSON.parse(r.Output) as { key: string; status: string; error: null });
  expect(
    outputs
      .filter((o) => o.status === 'SUCCEEDED')
      .map((o) => o.key)
      .sort(),
  ).toEqual(keys);
  expect(
    outputs
      .filter((o) => o.status === 'SKIPPED')
      .map((o) => o.key)
      .sort(),
  ).toEqual(['specs/README.md', 'specs/drafts/team-x.yaml']);

  // Payload sizes: the largest state input or output of the run, and of one child.
  const largest = async (arn: string) => {
    let max = 0;
    for (const e of await fullHistory(sfn, arn)) {
      const d = (e.stateEnteredEventDetails?.input ?? e.stateExitedEventDetails?.output ?? '') as string;
      max = Math.max(max, Buffer.byteLength(d));
    }
    return max;
  };
  expect(await largest(executionArn!)).toBeLessThan(1_024);
  expect(await largest(results[0]!.ExecutionArn)).toBeLessThan(1_024);
}, 600_000);

test('the rotation scan over 2,500 index entries: FindExpiringCertificates reads every page', async () => {
  const now = new Date('2026-12-01T00:00:00Z');
  // 30-day certificates; renewal is due past 2/3 of the lifetime. Every fifth domain is due.
  const entries = Array.from({ length: 2_500 }, (_, i) => {
    const issuedDaysAgo = i % 5 === 0 ? 25 : 5;
    const notBefore = new Date(now.getTime() - issuedDaysAgo * 86_400_000);
    return {
      domain: `team-${String(i).padStart(4, '0')}.orders`,
      notBefore: notBefore.toISOString(),
      notAfter: new Date(notBefore.getTime() + 30 * 86_400_000).toISOString(),
      generation: 1 + (i % 3),
      serial: (i + 1).toString(16).padStart(32, '0'),
    };
  });
  await putAll(
    CERTS,
    entries.map((e) => indexKey(e)),
  );
  // The scan renews only domains that still have a spec (it lists specs/ too): every 50th has none.
  const withSpec = entries.filter((_, i) => i % 50 !== 0);
  await putAll(
    ROTATION_SPECS,
    withSpec.map((e) => `specs/${e.domain}.yaml`),
  );
  // The due list is stored under SSE-KMS, like every object of the certificate bucket.
  const key = await aws.clients.kms.send(new CreateKeyCommand({}));
  const out = await withEnv(
    { [ENV.CERT_BUCKET]: CERTS, [ENV.SPEC_BUCKET]: ROTATION_SPECS, [ENV.KMS_KEY_ARN]: key.KeyMetadata!.Arn! },
    () => findExpiring({ now: now.toISOString(), executionName: 'scale-scan' }, { s3: aws.clients.s3 }),
  );
  expect(out.scanned).toBe(2_500);
  expect(out.withoutSpec).toHaveLength(50);
  // The e2e support's own paging loop, over the same three pages.
  const listed = await listBucket(
    { clients: { s3: aws.clients.s3 } } as unknown as Environment,
    CERTS,
    'certificates/',
  );
  expect(listed).toEqual(entries.map((e) => indexKey(e)).sort());
  // The due list is in the bucket for the renewal Map's ItemReader, not in the result.
  expect(out.dueList).toEqual({ bucket: CERTS, key: 'rotation/scale-scan/due.json' });
  const list = JSON.parse(
    await (
      await aws.clients.s3.send(new GetObjectCommand({ Bucket: CERTS, Key: out.dueList.key }))
    ).Body!.transformToString(),
  ) as { domain: string }[];
  expect(out.due).toBe(list.length);
  expect(list.map((d) => d.domain).sort()).toEqual(
    entries.filter((_, i) => i % 5 === 0 && i % 50 !== 0).map((e) => e.domain),
  );
}, 120_000);
