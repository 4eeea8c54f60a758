// Injected faults reach the SDK as real AWS errors, and the SDK's own retry strategy retries the
// throttling and transient ones (observed through `$metadata.attempts` with a fixed maxAttempts).
import { jest } from '@jest/globals';
import { SecretsManagerClient, GetSecretValueCommand, InternalServiceError } from '@aws-sdk/client-secrets-manager';
import { FaultInjector } from '../../../local/aws/faults.js';
import { Gateway, RemoteFaults } from '../../../local/aws/gateway.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let gw: Gateway;
let calls = 0;

beforeAll(async () => {
  gw = new Gateway();
  gw.registerService({
    signingName: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    operations: {
      GetSecretValue: () => {
        calls++;
        return { SecretString: 'ok' };
      },
    },
  });
  await gw.start();
});
afterAll(() => gw.stop());
afterEach(() => gw.faults.clear());

const client = (maxAttempts: number) =>
  new SecretsManagerClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts });
const get = (maxAttempts: number) => client(maxAttempts).send(new GetSecretValueCommand({ SecretId: 's' }));

test('fail N times: the SDK sees the error class and status, then the call succeeds', async () => {
  gw.faults.add({
    service: 'secretsmanager',
    operation: 'GetSecretValue',
    times: 1,
    error: { code: 'InternalServiceError', statusCode: 500, message: 'injected' },
  });
  const err = await get(1).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InternalServiceError);
  expect((err as InternalServiceError).name).toBe('InternalServiceError');
  expect((err as InternalServiceError).$metadata.httpStatusCode).toBe(500);
  expect((await get(1)).SecretString).toBe('ok');
});

test('ThrottlingException is retried by the SDK: 2 throttles + success = 3 attempts', async () => {
  gw.faults.add({
    operation: 'GetSecretValue',
    times: 2,
    error: { code: 'ThrottlingException', message: 'Rate exceeded' },
  });
  const before = calls;
  const out = await get(3);
  expect(out.$metadata.attempts).toBe(3);
  expect(calls - before).toBe(1);
});

test('ThrottlingException beyond maxAttempts surfaces with status 400', async () => {
  gw.faults.add({ service: '*', operation: '*', times: 5, error: { code: 'ThrottlingException' } });
  const err = (await get(2).catch((e: unknown) => e)) as Error & {
    $metadata: { httpStatusCode: number; attempts: number };
  };
  expect(err.name).toBe('ThrottlingException');
  expect(err.$metadata.httpStatusCode).toBe(400);
  expect(err.$metadata.attempts).toBe(2);
  expect(gw.faults.list()[0]).toMatchObject({ remaining: 3, hits: 2 });
});

test('ServiceUnavailable (503) is retried as a transient error', async () => {
  gw.faults.add({ operation: 'GetSecretValue', times: 1, error: { code: 'ServiceUnavailable' } });
  const out = await get(2);
  expect(out.$metadata.attempts).toBe(2);
});

test('a fault for a duration fails every call until it expires', async () => {
  const now = jest.spyOn(Date, 'now');
  try {
    now.mockReturnValue(1_000_000);
    gw.faults.add({ operation: 'GetSecretValue', durationMs: 60_000, error: { code: 'InternalFailure' } });
    for (let i = 0; i < 3; i++) expect(((await get(1).catch((e: unknown) => e)) as Error).name).toBe('InternalFailure');
    now.mockReturnValue(1_060_001);
    expect((await get(1)).SecretString).toBe('ok');
    expect(gw.faults.list()).toEqual([]);
  } finally {
    now.mockRestore();
  }
});

test('latency-only faults delay but answer normally; faults for other operations do not match', async () => {
  gw.faults.add({ operation: 'PutSecretValue', error: { code: 'InternalFailure' } });
  const id = gw.faults.add({ service: 'secretsmanager', latencyMs: 20, times: 1 });
  expect((await get(1)).SecretString).toBe('ok');
  expect(gw.faults.list().map((f) => f.id)).not.toContain(id);
});

test('faults steered from another process through the control API', async () => {
  const remote = new RemoteFaults(gw.url);
  const id = await remote.add({
    operation: 'GetSecretValue',
    error: { code: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
  });
  expect(await remote.list()).toHaveLength(1);
  expect(((await get(1).catch((e: unknown) => e)) as Error).name).toBe('ResourceNotFoundException');
  await remote.remove(id);
  expect((await get(1)).SecretString).toBe('ok');
  await remote.add({ latencyMs: 1 });
  await remote.clear();
  expect(await remote.list()).toEqual([]);
});

test('service-specific errors carry their extra members (REST-JSON, e.g. MSK BadRequestException.invalidParameter)', async () => {
  gw.faults.add({
    operation: 'GetSecretValue',
    times: 1,
    error: { code: 'InvalidParameterException', message: 'bad', extra: { Field: 'SecretId' } },
  });
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
    body: '{"SecretId":"s"}',
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ __type: 'InvalidParameterException', message: 'bad', Field: 'SecretId' });
});

test('invalid fault specs are rejected', () => {
  const f = new FaultInjector();
  expect(() => f.add({ times: 1 })).toThrow(/error, latencyMs and\/or run/);
  expect(() => f.add({ error: { code: 'X' }, times: 0 })).toThrow(/times/);
  expect(f.failNext('kms', 'DescribeKey', 'NotFoundException')).toMatch(/^fault-/);
  expect(f.list()[0]).toMatchObject({
    service: 'kms',
    operation: 'DescribeKey',
    remaining: 1,
    error: { code: 'NotFoundException' },
  });
});

describe("the injector's clock: skipped waits pass for the faults too", () => {
  test('a fault for 30 s ends once 30 s of skipped waits have passed, with no wall time spent', async () => {
    const faults = new FaultInjector();
    faults.add({ service: 'acm-pca', operation: 'GetCertificate', durationMs: 30_000, error: { code: 'X' } });
    expect(faults.take('acm-pca', 'GetCertificate')?.error?.code).toBe('X');
    faults.elapse(29_000);
    expect(faults.take('acm-pca', 'GetCertificate')?.error?.code).toBe('X');
    faults.elapse(2_000);
    expect(faults.take('acm-pca', 'GetCertificate')).toBeUndefined();
  });

  test('fromFirstMatch: the duration counts from the first call the fault matches, not from when it was added', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'GetCertificate', durationMs: 10_000, fromFirstMatch: true, error: { code: 'X' } });
    faults.elapse(60_000);
    expect(faults.take('acm-pca', 'GetCertificate')?.error?.code).toBe('X');
    faults.elapse(9_000);
    expect(faults.take('acm-pca', 'GetCertificate')?.error?.code).toBe('X');
    faults.elapse(2_000);
    expect(faults.take('acm-pca', 'GetCertificate')).toBeUndefined();
  });

  test('negative or non-finite waits do not move the clock', () => {
    const faults = new FaultInjector();
    const before = faults.now();
    faults.elapse(-5_000);
    faults.elapse(Number.NaN);
    expect(faults.now() - before).toBeLessThan(1_000);
  });
});

describe('run: an interleaving at a given call', () => {
  test('the callback runs when the fault matches, before the answer, and may be its only effect', async () => {
    const faults = new FaultInjector();
    const order: string[] = [];
    faults.add({ operation: 'PutObject', times: 1, run: () => void order.push('hook') });
    await faults.apply('s3', 'GetObject');
    expect(order).toEqual([]);
    await faults.apply('s3', 'PutObject').then(() => order.push('answered'));
    await faults.apply('s3', 'PutObject').then(() => order.push('answered'));
    expect(order).toEqual(['hook', 'answered', 'answered']);
  });

  test('an error after the callback still fails the call', async () => {
    const faults = new FaultInjector();
    let ran = false;
    faults.add({ operation: 'PutObject', times: 1, run: () => void (ran = true), error: { code: 'SlowDown' } });
    await expect(faults.apply('s3', 'PutObject')).rejects.toMatchObject({ code: 'SlowDown' });
    expect(ran).toBe(true);
  });
});
