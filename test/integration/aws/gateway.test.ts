// The gateway speaks the AWS JSON and REST-JSON protocols well enough for the unmodified SDK v3
// clients: results, modeled errors (right exception class, name, status), unknown operations,
// region from the SigV4 scope, and the /_local control API.
import {
  SecretsManagerClient,
  GetSecretValueCommand,
  ResourceNotFoundException,
  ListSecretsCommand,
} from '@aws-sdk/client-secrets-manager';
import { KafkaClient, ListClustersV2Command, NotFoundException } from '@aws-sdk/client-kafka';
import { SFNClient, ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { AwsServiceError, type RequestContext } from '../../../local/aws/core.js';
import { Gateway, identityFromAuthorization } from '../../../local/aws/gateway.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let gw: Gateway;
const seen: RequestContext[] = [];
const logs: string[] = [];

beforeAll(async () => {
  gw = new Gateway({ log: (l) => logs.push(l) });
  gw.registerService({
    signingName: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    operations: {
      GetSecretValue: (input: { SecretId: string }, ctx) => {
        seen.push(ctx);
        if (input.SecretId === 'missing')
          throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { Name: input.SecretId, SecretString: 'v', CreatedDate: 1700000000.5 };
      },
      ListSecrets: () => {
        throw new Error('boom');
      },
    },
  });
  gw.registerService({
    signingName: 'kafka',
    pathPrefixes: ['/api/v2/clusters'],
    route: (req) =>
      req.method === 'GET' && req.path === '/api/v2/clusters'
        ? {
            operation: 'ListClustersV2',
            run: async () => {
              if (req.query.get('clusterNameFilter') === 'nope')
                throw new AwsServiceError('NotFoundException', 'no such cluster', 404, {
                  invalidParameter: 'clusterNameFilter',
                });
              return { status: 200, body: { clusterInfoList: [{ clusterName: 'local' }] } };
            },
          }
        : undefined,
  });
  await gw.start();
});
afterAll(() => gw.stop());

const sm = (region = 'eu-west-1') => new SecretsManagerClient({ endpoint: gw.url, region, credentials: creds });

test('JSON 1.1: result is deserialized, timestamps become Dates, region comes from the SigV4 scope', async () => {
  const out = await sm().send(new GetSecretValueCommand({ SecretId: 'a' }));
  expect(out.SecretString).toBe('v');
  expect(out.CreatedDate).toEqual(new Date(1700000000500));
  expect(out.$metadata.httpStatusCode).toBe(200);
  expect(seen.at(-1)).toMatchObject({
    region: 'eu-west-1',
    accountId: '000000000000',
    service: 'secretsmanager',
    operation: 'GetSecretValue',
  });
});

test('JSON 1.1: a modeled error reaches the SDK as its exception class', async () => {
  const err = await sm()
    .send(new GetSecretValueCommand({ SecretId: 'missing' }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ResourceNotFoundException);
  expect((err as ResourceNotFoundException).name).toBe('ResourceNotFoundException');
  expect((err as ResourceNotFoundException).message).toBe("Secrets Manager can't find the specified secret.");
  expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
});

test('JSON: an unexpected handler error is InternalFailure 500', async () => {
  const client = new SecretsManagerClient({
    endpoint: gw.url,
    region: 'us-east-1',
    credentials: creds,
    maxAttempts: 1,
  });
  const err = await client.send(new ListSecretsCommand({})).catch((e: unknown) => e);
  expect((err as Error).name).toBe('InternalFailure');
  expect(logs.at(-1)).toContain('secretsmanager:ListSecrets failed: Error: boom');
  expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(500);
});

test('JSON 1.0 (Step Functions): an unregistered service answers UnknownOperationException', async () => {
  const sfn = new SFNClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  const err = await sfn.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
  expect((err as Error).name).toBe('UnknownOperationException');
  expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
});

test('REST-JSON (MSK): result and modeled error with its extra fields', async () => {
  const kafka = new KafkaClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  const out = await kafka.send(new ListClustersV2Command({}));
  expect(out.ClusterInfoList?.[0]?.ClusterName).toBe('local');
  const err = await kafka.send(new ListClustersV2Command({ ClusterNameFilter: 'nope' })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundException);
  expect((err as NotFoundException).InvalidParameter).toBe('clusterNameFilter');
  expect((err as NotFoundException).$metadata.httpStatusCode).toBe(404);
});

test('control API: health lists services, faults can be added, listed and cleared over HTTP', async () => {
  const health = await (await fetch(`${gw.url}/_local/health`)).json();
  expect(health).toEqual({ ok: true, services: ['secretsmanager', 'kafka'] });
  const added = await fetch(`${gw.url}/_local/faults`, {
    method: 'POST',
    body: JSON.stringify({
      service: 'secretsmanager',
      operation: 'GetSecretValue',
      times: 1,
      error: { code: 'InternalFailure' },
    }),
  });
  expect(added.status).toBe(201);
  const { id } = (await added.json()) as { id: string };
  const listed = (await (await fetch(`${gw.url}/_local/faults`)).json()) as { faults: { id: string }[] };
  expect(listed.faults.map((f) => f.id)).toEqual([id]);
  expect((await fetch(`${gw.url}/_local/faults/${id}`, { method: 'DELETE' })).status).toBe(204);
  expect((await fetch(`${gw.url}/_local/faults/${id}`, { method: 'DELETE' })).status).toBe(404);
  const bad = await fetch(`${gw.url}/_local/faults`, { method: 'POST', body: JSON.stringify({ times: 1 }) });
  expect(bad.status).toBe(400);
  expect((await fetch(`${gw.url}/_local/nothing`)).status).toBe(404);
});

test('identityFromAuthorization reads the credential scope; a 12-digit key id is the account', () => {
  expect(
    identityFromAuthorization(
      'AWS4-HMAC-SHA256 Credential=123456789012/20260101/ap-south-1/kms/aws4_request, SignedHeaders=host, Signature=x',
    ),
  ).toEqual({
    region: 'ap-south-1',
    accountId: '123456789012',
    service: 'kms',
  });
  expect(identityFromAuthorization(undefined)).toEqual({ region: 'us-east-1', accountId: '000000000000' });
});
