// The local Lambda runtime runs a deployment package as Lambda does: its own environment (the
// function's variables and its role's credentials, nothing of this process), only the SDK clients
// the managed runtime provides on its module path, and Lambda's payload and timeout limits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { FunctionError, LambdaRuntime, MAX_SYNC_PAYLOAD_BYTES } from '../../../local/lambda/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'lambda-runtime-test-'));
const credentials = { accessKeyId: 'ASIAROLESESSION00001', secretAccessKey: 'role-secret', sessionToken: 'role-token' };
let runtime: LambdaRuntime;

function zip(name: string, source: string): string {
  const z = new AdmZip();
  z.addFile('fn/handler.mjs', Buffer.from(source));
  const path = join(dir, `${name}.zip`);
  z.writeZip(path);
  return path;
}

function create(name: string, source: string, timeoutSeconds = 5, reservedConcurrency?: number): void {
  runtime.createFunction({
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: 'fn/handler.handler',
    zipPath: zip(name, source),
    roleArn: 'arn:aws:iam::000000000000:role/test-role',
    environment: { FROM_TEMPLATE: 'yes' },
    timeoutSeconds,
    memoryMiB: 256,
    runtime: 'nodejs22.x',
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
  });
}

beforeAll(() => {
  process.env.PARENT_ONLY_SECRET = 'must-not-leak';
  runtime = new LambdaRuntime({
    region: 'eu-west-1',
    credentialsFor: (role) => {
      expect(role).toBe('arn:aws:iam::000000000000:role/test-role');
      return credentials;
    },
    localEnvironment: { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' },
  });
});
afterAll(async () => {
  delete process.env.PARENT_ONLY_SECRET;
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

it("gives the handler the function's environment and its role's session, and nothing of this process", async () => {
  create(
    'env',
    `export const handler = async (event, context) => ({
      event, fn: context.functionName, remaining: context.getRemainingTimeInMillis() > 0,
      env: Object.fromEntries(['FROM_TEMPLATE','AWS_ENDPOINT_URL','AWS_REGION','AWS_ACCESS_KEY_ID','AWS_SECRET_ACCESS_KEY','AWS_SESSION_TOKEN','AWS_LAMBDA_FUNCTION_NAME','PARENT_ONLY_SECRET'].map((k) => [k, process.env[k] ?? null])),
    });`,
  );
  await expect(runtime.invoke('env', { a: 1 })).resolves.toEqual({
    event: { a: 1 },
    fn: 'env',
    remaining: true,
    env: {
      FROM_TEMPLATE: 'yes',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_LAMBDA_FUNCTION_NAME: 'env',
      PARENT_ONLY_SECRET: null,
    },
  });
});

it('resolves the runtime-provided SDK clients, and fails a package that needs anything else, as Lambda does', async () => {
  create('sdk', `import { S3Client } from '@aws-sdk/client-s3'; export const handler = async () => typeof S3Client;`);
  await expect(runtime.invoke('sdk', {})).resolves.toBe('function');
  create('missing', `import x from 'kafkajs'; export const handler = async () => x;`);
  await expect(runtime.invoke('missing', {})).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
  create(
    'non-client',
    `import { fromEnv } from '@aws-sdk/credential-providers'; export const handler = async () => 1;`,
  );
  await expect(runtime.invoke('non-client', {})).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
});

it("reports a handler's error as Lambda's {errorType, errorMessage}", async () => {
  create(
    'throws',
    `export const handler = async () => { const e = new Error('spec refused'); e.name = 'SpecRefused'; throw e; };`,
  );
  const error = await runtime.invoke('throws', {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FunctionError);
  expect(error).toMatchObject({ name: 'SpecRefused', message: 'spec refused' });
});

it('refuses a response over 6 MB (Lambda quotas)', async () => {
  create('big', `export const handler = async () => 'x'.repeat(${MAX_SYNC_PAYLOAD_BYTES});`);
  await expect(runtime.invoke('big', {})).rejects.toMatchObject({ name: 'Function.ResponseSizeTooLarge' });
  await expect(runtime.invoke('env', 'y'.repeat(MAX_SYNC_PAYLOAD_BYTES))).rejects.toMatchObject({
    name: 'RequestEntityTooLargeException',
  });
});

it("ends an invocation at the function's timeout and starts a fresh sandbox for the next one", async () => {
  create(
    'slow',
    `let calls = 0; export const handler = async (e) => { calls++; if (e.hang) await new Promise(() => {}); return calls; };`,
    1,
  );
  await expect(runtime.invoke('slow', {})).resolves.toBe(1);
  await expect(runtime.invoke('slow', { hang: true })).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
  // A new sandbox: module state starts over, as after a Lambda timeout.
  await expect(runtime.invoke('slow', {})).resolves.toBe(1);
});

it('throttles an invocation past the reserved concurrency with the service error 429 TooManyRequestsException', async () => {
  create(
    'reserved',
    `export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return e.ms; };`,
    5,
    2,
  );
  // Both reserved instances are taken the moment these two calls are made (before any await).
  const held = [runtime.invoke('reserved', { ms: 200 }), runtime.invoke('reserved', { ms: 200 })];
  const third = await runtime.invoke('reserved', { ms: 0 }).catch((e: unknown) => e);
  expect(third).not.toBeInstanceOf(FunctionError);
  expect(third).toMatchObject({
    name: 'TooManyRequestsException',
    statusCode: 429,
    extra: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
  });
  await expect(Promise.all(held)).resolves.toEqual([200, 200]);
  // Free again once they have ended.
  await expect(runtime.invoke('reserved', { ms: 0 })).resolves.toBe(0);
  expect(runtime.stats('reserved')).toEqual({ invocations: 3, throttles: 1, inFlight: 0, maxInFlight: 2 });
});
