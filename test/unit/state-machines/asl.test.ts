// The three workflows: valid ASL (asl-validator), the resource convention the local runner relies
// on, Retry/Catch on the error names the handlers throw, and their behaviour when run by
// aws-local-stepfunctions with stub tasks (the same engine the embedded default uses).
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { readFileSync } from 'node:fs';
import { FUNCTION_KEYS, LambdaInvocationError } from '../../../local/lambda/registry.js';
import {
  allStates,
  integrationTasks,
  lambdaTasks,
  localLambdaArn,
  localStateMachineArn,
  parseDefinition,
  resolveDefinition,
  type Definition,
  type State,
} from '../../../local/aws/asl.js';
import { ERROR_NAMES, SpecRefused } from '../../../lib/errors.js';
import { isSpecKey } from '../../../lib/aws/specs.js';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22); polyfill on Node 20.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

const FILES = ['provision', 'rotate-certificates', 'reprovision', 'decommission'] as const;
const text = (f: string) => readFileSync(new URL(`../../../state-machines/${f}.asl.yaml`, import.meta.url), 'utf8');
const resolved = (f: string): Definition =>
  resolveDefinition(parseDefinition(text(f)), {
    lambdaArn: (k) => localLambdaArn(k),
    ref: (id) => localStateMachineArn(id),
  });

describe.each(FILES)('%s.asl.yaml', (file) => {
  const def = parseDefinition(text(file));

  it('is valid ASL once CloudFormation references are resolved', () => {
    const r = aslValidator(resolved(file) as never) as { isValid: boolean; errorsText: (sep?: string) => string };
    expect(r.errorsText('\n')).toBe('');
    expect(r.isValid).toBe(true);
  });

  it('keeps the resource convention: Lambda tasks by function key, no Serverless variables, JSONPath only', () => {
    expect(text(file)).not.toMatch(/\$\{/);
    expect(def.QueryLanguage).toBeUndefined();
    for (const [, s] of allStates(def)) {
      expect(s.QueryLanguage).toBeUndefined();
      expect(s.Arguments).toBeUndefined();
      expect(s.Resource).not.toBe('arn:aws:states:::lambda:invoke');
    }
    const tasks = lambdaTasks(def);
    expect(tasks.size).toBeGreaterThan(0);
    for (const key of tasks.values()) expect(FUNCTION_KEYS).toContain(key);
    for (const [name, resource] of integrationTasks(def)) {
      expect([name, resource]).toEqual([
        name,
        expect.stringMatching(
          /^arn:aws:states:::(aws-sdk:s3:putObject|events:putEvents|states:startExecution\.sync:2)$/,
        ),
      ]);
    }
  });

  it('retries only on names that exist (our typed errors or AWS/Step Functions names)', () => {
    const ours = new Set<string>(Object.values(ERROR_NAMES));
    for (const [, s] of allStates(def)) {
      for (const r of (s.Retry ?? []) as { ErrorEquals: string[] }[]) {
        for (const e of r.ErrorEquals) {
          const known =
            ours.has(e) ||
            /^(States|Lambda|S3|StepFunctions)\.|Exception$|^InternalServiceError$|^(SlowDown|InternalError|ServiceUnavailable|RequestTimeout|RateExceeded)$/.test(
              e,
            );
          expect([e, known]).toEqual([e, true]);
        }
        if (r.ErrorEquals.some((e) => ours.has(e))) {
          // Only retryable typed errors are retried.
          expect(
            r.ErrorEquals.filter((e) => ours.has(e)).every((e) =>
              [
                'ScramAssociationPending',
                'ScramDisassociationPending',
                'KafkaTransient',
                'IamIndexContention',
              ].includes(e),
            ),
          ).toBe(true);
        }
      }
    }
  });
});

describe('provision.asl.yaml structure', () => {
  const def = parseDefinition(text('provision'));
  const states = allStates(def);
  it('every top-level Task/Parallel/Map state catches into a failure path', () => {
    for (const [name, s] of Object.entries(def.States)) {
      if (!['Task', 'Parallel', 'Map'].includes(s.Type)) continue;
      const c = (s.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
      expect([name, c.some((x) => x.ErrorEquals.includes('States.ALL'))]).toEqual([name, true]);
    }
  });
  it('retries CollectCertificate on RequestInProgressException, association on ScramAssociationPending, apply on KafkaTransient', () => {
    const retries = (n: string) =>
      ((states.get(n)!.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
    expect(retries('CollectCertificate')).toContain('RequestInProgressException');
    expect(retries('AssociateScramSecrets')).toContain('ScramAssociationPending');
    expect(retries('ApplyTopicsAndAcls')).toContain('KafkaTransient');
  });
});

// ---- behaviour ----------------------------------------------------------------------------------

type Handler = (input: unknown) => Promise<unknown>;
const lambdaError = (name: string, message: string) => {
  const e = new Error(message);
  e.name = name;
  return new LambdaInvocationError(e);
};

function machine(file: string) {
  return new StateMachine(resolved(file) as never, { validationOptions: { checkArn: false } });
}

function retriesInstant(file: string): Record<string, number> {
  return Object.fromEntries(
    [...allStates(parseDefinition(text(file)))].filter(([, s]: [string, State]) => s.Retry).map(([n]) => [n, 0]),
  );
}

const CONTEXT = {
  Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:provision:test-1', Name: 'test-1' },
};
const EVENT = {
  'detail-type': 'Object Created',
  source: 'aws.s3',
  detail: { bucket: { name: 'specs-bucket' }, object: { key: 'specs/shop.orders.yaml', 'version-id': 'v1' } },
};
const VALIDATED = {
  domain: 'shop.orders',
  bucket: 'specs-bucket',
  key: 'specs/shop.orders.yaml',
  versionId: 'v1',
  reportKey: 'reports/shop.orders.json',
  scram: true,
  mtls: true,
  summary: { ownedTopics: 2, subscriptions: 0, desiredBindings: 22, warnings: [] },
};

function provisionStubs(overrides: Record<string, Handler> = {}) {
  const seen: Record<string, unknown[]> = {};
  const record =
    (name: string, h: Handler): Handler =>
    async (input) => {
      (seen[name] ??= []).push(input);
      return h(input);
    };
  const base: Record<string, Handler> = {
    ValidateSpec: async () => VALIDATED,
    PlanAgainstCluster: async () => ({
      domain: 'shop.orders',
      counts: { topicsToCreate: 2, partitionIncreases: 0, configChanges: 0, aclsToCreate: 22, aclsToDelete: 0 },
      digest: 'd1',
      brokers: 3,
      kafkaRequests: 5,
    }),
    EnsureScramSecret: async () => ({
      domain: 'shop.orders',
      secretArn: 'arn:secret:AmazonMSK_shop.orders',
      secretName: 'AmazonMSK_shop.orders',
      action: 'CREATED',
    }),
    AssociateScramSecrets: async () => ({
      domain: 'shop.orders',
      secretArn: 'arn:secret:AmazonMSK_shop.orders',
      association: 'NEW',
    }),
    IssueCertificate: async () => ({
      domain: 'shop.orders',
      status: 'ISSUING',
      certificateArn: 'arn:cert/1',
      generation: 1,
      publicKeySha256: 'ab',
    }),
    CollectCertificate: async () => ({
      domain: 'shop.orders',
      status: 'ISSUED',
      serial: '1a',
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2026-01-31T00:00:00.000Z',
      generation: 1,
      certificateArn: 'arn:cert/1',
    }),
    ApplyTopicsAndAcls: async () => ({
      domain: 'shop.orders',
      changed: true,
      topicsCreated: 2,
      partitionsIncreased: 0,
      configsAltered: 0,
      aclsCreated: 22,
      aclsDeleted: 0,
      createdTopics: [],
    }),
    WriteReport: async () => ({}),
    EmitProvisioned: async () => ({ Entries: [{ EventId: '1' }] }),
    WriteFailureReport: async () => ({}),
    EmitFailed: async () => ({ Entries: [{ EventId: '2' }] }),
  };
  const handlers = Object.fromEntries(Object.entries({ ...base, ...overrides }).map(([n, h]) => [n, record(n, h)]));
  return { handlers, seen };
}

async function runProvision(overrides: Record<string, Handler> = {}) {
  const { handlers, seen } = provisionStubs(overrides);
  const exec = machine('provision').run(EVENT as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: retriesInstant('provision') },
    context: CONTEXT as never,
  });
  const result = await exec.result.then(
    (r) => ({ ok: true as const, output: r as Record<string, unknown> }),
    (e: unknown) => ({ ok: false as const, error: e as Error }),
  );
  return { result, seen };
}

describe('provision workflow (aws-local-stepfunctions, stub tasks)', () => {
  it('succeeds: writes reports/<D>.json with ARNs, serials and the applied plan, then emits "Spec Provisioned"', async () => {
    const { result, seen } = await runProvision();
    expect(result.ok).toBe(true);
    const write = seen.WriteReport![0] as { Bucket: string; Key: string; Body: unknown; ContentType: string };
    expect(write).toMatchObject({
      Bucket: 'specs-bucket',
      Key: 'reports/shop.orders.json',
      ContentType: 'application/json',
    });
    const report = write.Body as Record<string, unknown>;
    expect(report).toMatchObject({
      status: 'PROVISIONED',
      domain: 'shop.orders',
      source: { bucket: 'specs-bucket', key: 'specs/shop.orders.yaml', versionId: 'v1' },
      executionId: CONTEXT.Execution.Id,
      credentials: {
        scram: { enabled: true, secretArn: 'arn:secret:AmazonMSK_shop.orders', association: 'NEW' },
        mtls: { enabled: true, status: 'ISSUED', serial: '1a', notAfter: '2026-01-31T00:00:00.000Z' },
      },
      applied: { topicsCreated: 2, aclsCreated: 22 },
    });
    const emitted = seen.EmitProvisioned![0] as { Entries: { Source: string; DetailType: string; Detail: unknown }[] };
    expect(emitted.Entries[0]).toMatchObject({
      Source: 'msk-spec-provisioner',
      DetailType: 'Spec Provisioned',
      Detail: report,
    });
    // Every Lambda got the correlation id.
    for (const n of [
      'ValidateSpec',
      'PlanAgainstCluster',
      'EnsureScramSecret',
      'IssueCertificate',
      'ApplyTopicsAndAcls',
    ])
      expect(seen[n]![0]).toMatchObject({ correlationId: CONTEXT.Execution.Id });
    const source = { domain: 'shop.orders', bucket: 'specs-bucket', key: 'specs/shop.orders.yaml', versionId: 'v1' };
    expect(seen.PlanAgainstCluster![0]).toMatchObject({ ...source, correlationId: CONTEXT.Execution.Id });
    expect(seen.ApplyTopicsAndAcls![0]).toMatchObject({
      ...source,
      checked: {
        counts: { topicsToCreate: 2, partitionIncreases: 0, configChanges: 0, aclsToCreate: 22, aclsToDelete: 0 },
        digest: 'd1',
      },
    });
    expect(result.ok && result.output.status).toBe('PROVISIONED');
  });

  it('retries CollectCertificate while PCA answers RequestInProgressException', async () => {
    let calls = 0;
    const { result, seen } = await runProvision({
      CollectCertificate: async () => {
        if (++calls <= 3) throw lambdaError('RequestInProgressException', 'The request is in progress.');
        return {
          domain: 'shop.orders',
          status: 'ISSUED',
          serial: '1a',
          notBefore: 'a',
          notAfter: 'b',
          generation: 1,
          certificateArn: 'c',
        };
      },
    });
    expect(result.ok).toBe(true);
    expect(seen.CollectCertificate).toHaveLength(4);
  });

  it('retries ScramAssociationPending, then succeeds', async () => {
    let calls = 0;
    const { result } = await runProvision({
      AssociateScramSecrets: async () => {
        if (++calls <= 2) throw lambdaError('ScramAssociationPending', 'not yet');
        return { domain: 'shop.orders', secretArn: 'arn:s', association: 'NEW' };
      },
    });
    expect(result.ok).toBe(true);
    expect(calls).toBe(3);
  });

  it('skips a credential branch the configuration disables, and a current certificate needs no collection', async () => {
    const { result, seen } = await runProvision({
      ValidateSpec: async () => ({ ...VALIDATED, scram: false }),
      IssueCertificate: async () => ({
        domain: 'shop.orders',
        status: 'CURRENT',
        serial: '1a',
        notAfter: '2026-01-31T00:00:00.000Z',
        generation: 1,
      }),
    });
    expect(result.ok).toBe(true);
    expect(seen.EnsureScramSecret).toBeUndefined();
    expect(seen.CollectCertificate).toBeUndefined();
    const report = (seen.WriteReport![0] as { Body: unknown }).Body as { credentials: unknown };
    expect(report.credentials).toEqual({
      scram: { enabled: false },
      mtls: { enabled: true, status: 'CURRENT', serial: '1a', notAfter: '2026-01-31T00:00:00.000Z', generation: 1 },
    });
  });

  it('a refused spec changes nothing: FAILED report with the issues, "Spec Provisioning Failed", execution fails', async () => {
    const refusal = new SpecRefused({
      domain: 'shop.payments',
      bucket: 'specs-bucket',
      key: 'specs/shop.payments.yaml',
      versionId: 'v3',
      reportKey: 'reports/shop.payments.json',
      issues: [
        {
          file: 'specs/shop.payments.yaml',
          path: '$.id',
          rule: 'key-binding',
          message: 'the key is reserved for domain "shop.payments"',
        },
      ],
    });
    const { result, seen } = await runProvision({
      ValidateSpec: async () => Promise.reject(new LambdaInvocationError(refusal)),
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/ProvisioningFailed|failed/);
    for (const n of ['EnsureScramSecret', 'IssueCertificate', 'ApplyTopicsAndAcls', 'WriteReport'])
      expect(seen[n]).toBeUndefined();
    const write = seen.WriteFailureReport![0] as { Bucket: string; Key: string; Body: unknown };
    expect(write).toMatchObject({ Bucket: 'specs-bucket', Key: 'reports/shop.payments.json' });
    expect(write.Body).toEqual({
      status: 'FAILED',
      domain: 'shop.payments',
      source: { bucket: 'specs-bucket', key: 'specs/shop.payments.yaml', versionId: 'v3' },
      executionId: CONTEXT.Execution.Id,
      startedAt: expect.any(String),
      error: { name: 'SpecRefused', issues: refusal.payload.issues },
    });
    const event = (seen.EmitFailed![0] as { Entries: { DetailType: string; Detail: { status: string } }[] })
      .Entries[0]!;
    expect(event).toMatchObject({
      DetailType: 'Spec Provisioning Failed',
      Detail: { status: 'FAILED', domain: 'shop.payments' },
    });
  });

  it('a plan the cluster refuses ends before any credential, in a FAILED report naming the reason', async () => {
    const { result, seen } = await runProvision({
      PlanAgainstCluster: async () =>
        Promise.reject(
          lambdaError(
            'PlanRefused',
            'replicas: topic shop.orders._public.a asks for 3 replicas but the cluster has 1 broker; expected at most 1',
          ),
        ),
    });
    expect(result.ok).toBe(false);
    for (const n of [
      'EnsureScramSecret',
      'AssociateScramSecrets',
      'IssueCertificate',
      'CollectCertificate',
      'ApplyTopicsAndAcls',
    ])
      expect([n, seen[n]]).toEqual([n, undefined]);
    const report = (seen.WriteFailureReport![0] as { Body: { status: string; error: { name: string; cause: string } } })
      .Body;
    expect([report.status, report.error.name]).toEqual(['FAILED', 'PlanRefused']);
    expect(report.error.cause).toContain('asks for 3 replicas but the cluster has 1 broker');
  });

  it('a transient Kafka failure while planning is retried', async () => {
    let calls = 0;
    const { result, seen } = await runProvision({
      PlanAgainstCluster: async () =>
        ++calls < 3
          ? Promise.reject(
              lambdaError('KafkaTransient', 'connecting the Kafka admin: KafkaJSConnectionError: ECONNREFUSED'),
            )
          : { domain: 'shop.orders', counts: {}, digest: 'd', brokers: 1, kafkaRequests: 1 },
    });
    expect(result.ok).toBe(true);
    expect(seen.PlanAgainstCluster).toHaveLength(3);
  });

  it('a failure after validation reports the error name and cause under reports/<D>.json', async () => {
    const { result, seen } = await runProvision({
      ApplyTopicsAndAcls: async () =>
        Promise.reject(lambdaError('PlanRefused', 'mass-deletion: would delete 9 of 10 bindings')),
    });
    expect(result.ok).toBe(false);
    const report = (seen.WriteFailureReport![0] as { Key: string; Body: unknown }).Body as {
      error: { name: string; cause: string };
    };
    expect((seen.WriteFailureReport![0] as { Key: string }).Key).toBe('reports/shop.orders.json');
    expect(report.error.name).toBe('PlanRefused');
    expect(report.error.cause).toContain('mass-deletion');
    expect(seen.EmitFailed).toHaveLength(1);
  });

  it('a failing credential branch fails the run into the FAILED report', async () => {
    const { result, seen } = await runProvision({
      IssueCertificate: async () =>
        Promise.reject(lambdaError('ClusterTrustMissing', 'cluster does not trust the PCA')),
    });
    expect(result.ok).toBe(false);
    expect(seen.ApplyTopicsAndAcls).toBeUndefined();
    expect((seen.WriteFailureReport![0] as { Body: unknown }).Body).toMatchObject({
      status: 'FAILED',
      error: { name: 'ClusterTrustMissing' },
    });
  });

  it('a non-spec failure of ValidateSpec (no domain known) still emits the failure event', async () => {
    const { result, seen } = await runProvision({
      ValidateSpec: async () => Promise.reject(lambdaError('AccessDenied', 'no access')),
    });
    expect(result.ok).toBe(false);
    expect(seen.WriteFailureReport).toBeUndefined();
    expect((seen.EmitFailed![0] as { Entries: { Detail: unknown }[] }).Entries[0]!.Detail).toMatchObject({
      status: 'FAILED',
      domain: null,
      error: { name: 'AccessDenied' },
    });
  });
});

describe('rotate-certificates workflow', () => {
  const def = resolved('rotate-certificates');
  const each = def.States['RenewEach'] as State & {
    ItemReader: { Resource: string; ReaderConfig: Record<string, unknown>; Parameters: Record<string, unknown> };
    ResultWriter: { Resource: string; Parameters: Record<string, unknown> };
    ItemProcessor: Definition & { ProcessorConfig: Record<string, unknown> };
  };

  it('RenewEach is a Distributed Map over the due list FindExpiringCertificates wrote, results under reports/_rotation/runs/', () => {
    expect(def.States['FindExpiringCertificates']!.Parameters).toEqual({
      'trigger.$': '$',
      'executionName.$': '$$.Execution.Name',
      'correlationId.$': '$$.Execution.Id',
    });
    expect(each.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(each.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.scan.dueList.bucket', 'Key.$': '$.scan.dueList.key' },
    });
    expect(each.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: localStateMachineArn('SpecBucket'), Prefix: 'reports/_rotation/runs' },
    });
    // One domain's failure never stops the others; the role names the children by this label.
    expect([each.MaxConcurrency, each.ToleratedFailurePercentage, each.Label]).toEqual([40, 100, 'RenewEach']);
  });

  it('a child renews its domain; a failure emits an event and ends the child with a FAILED outcome', async () => {
    const seen: Record<string, unknown[]> = {};
    const rec =
      (n: string, h: Handler): Handler =>
      async (i) => ((seen[n] ??= []).push(i), h(i));
    const handlers = {
      IssueCertificate: rec('IssueCertificate', async (i) => {
        const d = (i as { domain: string }).domain;
        if (d === 'b.x') throw lambdaError('InvalidStateException', 'the CA is not ACTIVE');
        if (d === 'c.x') return { domain: d, status: 'CURRENT', serial: '3', notAfter: 'n', generation: 4 };
        return { domain: d, status: 'ISSUING', certificateArn: `arn:${d}`, generation: 2, publicKeySha256: 'ab' };
      }),
      CollectCertificate: rec('CollectCertificate', async (i) => ({
        domain: (i as { domain: string }).domain,
        status: 'ISSUED',
        serial: '9',
        notBefore: 'x',
        notAfter: 'y',
        generation: 2,
        certificateArn: 'z',
      })),
      EmitRenewalFailed: rec('EmitRenewalFailed', async () => ({})),
    };
    const child = new StateMachine(
      { StartAt: each.ItemProcessor.StartAt, States: each.ItemProcessor.States } as never,
      { validationOptions: { checkArn: false } },
    );
    const outcomes: unknown[] = [];
    for (const domain of ['a.x', 'b.x', 'c.x'])
      outcomes.push(
        await child.run({ domain, now: '2026-03-21T00:00:00.000Z', correlationId: 'c' } as never, {
          overrides: {
            taskResourceLocalHandlers: handlers as never,
            retryIntervalOverrides: retriesInstant('rotate-certificates'),
          },
          context: CONTEXT as never,
        }).result,
      );
    expect(seen.IssueCertificate![0]).toEqual({ domain: 'a.x', now: '2026-03-21T00:00:00.000Z', correlationId: 'c' });
    expect(outcomes).toEqual([
      { domain: 'a.x', status: 'RENEWED', serial: '9', generation: 2 },
      { domain: 'b.x', status: 'FAILED', error: 'InvalidStateException' },
      { domain: 'c.x', status: 'CURRENT', serial: '3' },
    ]);
    expect(seen.EmitRenewalFailed).toHaveLength(1);
    expect(
      (seen.EmitRenewalFailed![0] as { Entries: { DetailType: string; Detail: unknown }[] }).Entries[0],
    ).toMatchObject({
      DetailType: 'Certificate Renewal Failed',
      Detail: { domain: 'b.x', error: 'InvalidStateException' },
    });
  });

  it('after the Map the output is the counts, the first failures and where the due list and results are', async () => {
    const { RenewEach: _e, FindExpiringCertificates: _s, ...rest } = def.States;
    const tail = new StateMachine({ ...def, StartAt: 'SummarizeRenewals', States: rest } as never, {
      validationOptions: { checkArn: false },
    });
    const results = { Bucket: 'b', Key: 'reports/_rotation/runs/1/manifest.json' };
    const summarized: unknown[] = [];
    const out = await tail.run(
      {
        scan: { now: 'n', scanned: 3, due: 2, dueList: { bucket: 'c', key: 'rotation/x/due.json' } },
        renewals: { MapRunArn: 'arn:m', ResultWriterDetails: results },
      } as never,
      {
        overrides: {
          taskResourceLocalHandlers: {
            SummarizeRenewals: async (i: unknown) => (
              summarized.push(i),
              { renewed: 1, current: 0, failed: 1, failures: [{ domain: 'b.x', error: 'E' }] }
            ),
          } as never,
        },
        context: CONTEXT as never,
      },
    ).result;
    expect(summarized).toEqual([{ results, correlationId: CONTEXT.Execution.Id }]);
    expect(out).toEqual({
      now: 'n',
      scanned: 3,
      due: 2,
      renewed: 1,
      current: 0,
      failed: 1,
      failures: [{ domain: 'b.x', error: 'E' }],
      dueList: { bucket: 'c', key: 'rotation/x/due.json' },
      results,
    });
  });
});

describe('reprovision workflow', () => {
  const def = resolved('reprovision');
  const each = def.States['ProvisionEach'] as State & {
    ItemReader: { Resource: string; Parameters: Record<string, unknown> };
    ResultWriter: { Resource: string; Parameters: Record<string, unknown> };
    ItemProcessor: Definition & { ProcessorConfig: Record<string, unknown> };
  };

  it('ProvisionEach is a Distributed Map over specs/ that writes its results under reports/_reprovision/runs/', () => {
    const bucket = localStateMachineArn('SpecBucket'); // what this file's resolver makes of { Ref: SpecBucket }
    expect(each.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(each.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:listObjectsV2',
      Parameters: { Bucket: bucket, Prefix: 'specs/' },
    });
    expect(each.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: bucket, Prefix: 'reports/_reprovision/runs' },
    });
    expect(each.MaxConcurrency).toBe(10);
    // The role's policy names the children by this label (serverless.yml ReprovisionStateMachineRole).
    expect(each.Label).toBe('ProvisionEach');
  });

  it('a child starts one provision execution per spec key with the S3 event shape, records a failure, and skips what isSpecKey skips', async () => {
    const keys = [
      'specs/a.x.yaml',
      'specs/b.x.yaml',
      'specs/c.x.yml',
      'specs/d.x.json',
      'specs/drafts/e.x.yaml',
      'specs/README.md',
      'specs/f.x.yaml.bak',
    ];
    const inputs: unknown[] = [];
    const handlers = {
      StartProvision: async (i: unknown) => {
        inputs.push(i);
        const key = (i as { Input: { detail: { object: { key: string } } } }).Input.detail.object.key;
        if (key.includes('b.x')) throw lambdaError('States.TaskFailed', 'child failed');
        // states:startExecution.sync:2's result: the child's Input and Output parsed.
        return { Status: 'SUCCEEDED', Input: (i as { Input: unknown }).Input, Output: { status: 'PROVISIONED' } };
      },
    };
    const child = new StateMachine(
      { StartAt: each.ItemProcessor.StartAt, States: each.ItemProcessor.States } as never,
      {
        validationOptions: { checkArn: false },
      },
    );
    const outcomes: unknown[] = [];
    for (const key of keys)
      outcomes.push(
        await child.run({ bucket: 'b', key } as never, {
          overrides: {
            taskResourceLocalHandlers: handlers as never,
            retryIntervalOverrides: retriesInstant('reprovision'),
          },
          context: CONTEXT as never,
        }).result,
      );
    expect(inputs[0]).toEqual({
      StateMachineArn: localStateMachineArn('ProvisionStateMachine'),
      Input: {
        detail: { bucket: { name: 'b' }, object: { key: 'specs/a.x.yaml' } },
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: CONTEXT.Execution.Id,
      },
    });
    // Only {key, status, error} per spec: the children's reports stay out of the payload (256 KiB quota).
    expect(outcomes).toEqual(
      keys.map((key) => ({
        key,
        status: !isSpecKey(key) ? 'SKIPPED' : key.includes('b.x') ? 'FAILED' : 'SUCCEEDED',
        error: key.includes('b.x') ? 'States.TaskFailed' : null,
      })),
    );
  });

  // The orphan pass after ProvisionEach, run from FindOrphans (the engine has no Distributed Map).
  const orphanPass = () => {
    const { ProvisionEach: _e, ReprovisionFailed: _f, ...rest } = def.States;
    return new StateMachine({ ...def, StartAt: 'FindOrphans', States: rest } as never, {
      validationOptions: { checkArn: false },
    });
  };
  const provisioned = {
    MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:reprovision/ProvisionEach:1',
    ResultWriterDetails: { Bucket: 'b', Key: 'reports/_reprovision/runs/1/manifest.json' },
  };

  it('in report mode the output is where the results are and the orphan report', async () => {
    const out = await orphanPass().run({ provisioned } as never, {
      overrides: {
        taskResourceLocalHandlers: {
          FindOrphans: async () => ({ mode: 'REPORT', reportKey: 'reports/_reprovision/orphans.json', domains: [] }),
        } as never,
      },
      context: CONTEXT as never,
    }).result;
    expect(out).toEqual({
      provisioned,
      orphans: { mode: 'REPORT', reportKey: 'reports/_reprovision/orphans.json', domains: [] },
    });
  });

  it('in decommission mode starts one decommission run per orphan domain; a failed one is recorded', async () => {
    const started: unknown[] = [];
    const handlers = {
      FindOrphans: async () => ({ mode: 'DECOMMISSION', domains: ['gone.a', 'gone.b'] }),
      StartDecommission: async (i: unknown) => {
        started.push(i);
        const domain = (i as { Input: { domain: string } }).Input.domain;
        if (domain === 'gone.b') throw lambdaError('States.TaskFailed', 'child failed');
        return { Status: 'SUCCEEDED', Input: (i as { Input: unknown }).Input, Output: { status: 'DECOMMISSIONED' } };
      },
    };
    const out = (await orphanPass().run({ provisioned } as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: retriesInstant('reprovision'),
      },
      context: CONTEXT as never,
    }).result) as { orphans: { decommissioned: unknown[] } };
    expect(started[0]).toEqual({
      StateMachineArn: localStateMachineArn('DecommissionStateMachine'),
      Input: { domain: 'gone.a', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: CONTEXT.Execution.Id },
    });
    expect(out.orphans.decommissioned).toEqual([
      { domain: 'gone.a', status: 'SUCCEEDED' },
      { domain: 'gone.b', status: 'FAILED' },
    ]);
  });
});

describe('decommission workflow', () => {
  /** The run's outcome when ReadRemoval does `readRemoval`: SUCCEEDED or the error it fails with. */
  const outcomeWith = (readRemoval: Handler) =>
    machine('decommission')
      .run({ domain: 'gone.a' } as never, {
        overrides: {
          taskResourceLocalHandlers: { ReadRemoval: readRemoval } as never,
          retryIntervalOverrides: retriesInstant('decommission'),
        },
        context: CONTEXT as never,
      })
      .result.then(
        () => 'SUCCEEDED',
        // The engine's ExecutionError wraps the error the run failed with.
        (e: Error) => (e.cause as Error).name,
      );

  it('a removal of no spec key ends as NotASpecRemoval; any other ReadRemoval failure (a crash) fails as itself', async () => {
    const refusal = lambdaError('ConfigurationError', 'state input has no valid "domain" (got "specs/x")');
    expect(await outcomeWith(async () => Promise.reject(refusal))).toBe('NotASpecRemoval');
    const crash = lambdaError('Runtime.ExitError', 'Runtime exited with error: signal: killed');
    expect(await outcomeWith(async () => Promise.reject(crash))).toBe('Runtime.ExitError');
  });
});
