import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { Readable } from 'node:stream';
import { ERROR_NAMES, SpecRefused, type SpecRefusedPayload } from '../../../lib/errors.js';
import { handler, validateSpec } from '../../../functions/validate-spec/handler.js';
import { captureOutput, fakeContext, setEnv, mockAws } from './_support.js';

const s3 = mockAws(S3Client);

const SPEC = `asyncapi: '2.5.0'
id: 'urn:shop:orders'
info: { title: Orders, version: '1.0.0' }
channels:
  _public/order-placed:
    publish:
      message: { payload: { type: object } }
  _protected/refunds:
    publish:
      tags: [{ name: 'grant-access:shop.payments' }]
      message: { payload: { type: object } }
`;

function body(text: string) {
  return sdkStreamMixin(Readable.from([Buffer.from(text)]));
}

const event = (key: string, versionId = 'v1') => ({
  'detail-type': 'Object Created',
  source: 'aws.s3',
  detail: { bucket: { name: 'spec-bucket' }, object: { key, 'version-id': versionId, size: 100 } },
  correlationId: 'arn:aws:states:us-east-1:111122223333:execution:provision:abc',
});

beforeEach(() => {
  s3.reset();
  setEnv();
});

describe('ValidateSpec', () => {
  it('reads exactly the object version named by the S3 event and summarises the spec', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(SPEC), ContentLength: SPEC.length, VersionId: 'v1' } as never);
    const out = await validateSpec(event('specs/shop.orders.yaml'));
    const calls = s3.commandCalls(GetObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Bucket: 'spec-bucket', Key: 'specs/shop.orders.yaml', VersionId: 'v1' });
    expect(out).toMatchObject({
      domain: 'shop.orders',
      bucket: 'spec-bucket',
      key: 'specs/shop.orders.yaml',
      versionId: 'v1',
      reportKey: 'reports/shop.orders.json',
      scram: true,
      mtls: true,
      summary: { ownedTopics: 2, subscriptions: 0 },
    });
    expect(out.summary.desiredBindings).toBeGreaterThan(0);
  });

  it('accepts the direct {bucket, key} form and reports versionId null for unversioned objects', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(SPEC), ContentLength: SPEC.length } as never);
    const out = await validateSpec({ bucket: 'spec-bucket', key: 'specs/shop.orders.yaml' });
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'spec-bucket',
      Key: 'specs/shop.orders.yaml',
    });
    expect(out.versionId).toBeNull();
  });

  it('follows AUTH_MODES for the credential branches', async () => {
    setEnv({ AUTH_MODES: 'MTLS' });
    s3.on(GetObjectCommand).resolves({ Body: body(SPEC), ContentLength: SPEC.length } as never);
    const out = await validateSpec(event('specs/shop.orders.yaml'));
    expect([out.scram, out.mtls, out.iam]).toEqual([false, true, false]);
  });

  it('with IAM on, runs the IAM step and refuses a role of another account with file, path and rule', async () => {
    setEnv({ AUTH_MODES: 'SCRAM,MTLS,IAM', ACCOUNT_ID: '111122223333' });
    const roles = (arn: string) => `${SPEC}x-msk-spec-iam-roles: [orders-svc, '${arn}']\n`;
    const own = roles('arn:aws:iam::111122223333:role/debezium');
    s3.on(GetObjectCommand).resolves({ Body: body(own), ContentLength: own.length } as never);
    const out = await validateSpec(event('specs/shop.orders.yaml'));
    expect([out.scram, out.mtls, out.iam]).toEqual([true, true, true]);

    const other = roles('arn:aws:iam::999999999999:role/debezium');
    s3.on(GetObjectCommand).resolves({ Body: body(other), ContentLength: other.length } as never);
    const err = (await validateSpec(event('specs/shop.orders.yaml')).catch((e: unknown) => e)) as SpecRefused;
    expect(err.name).toBe('SpecRefused');
    expect(err.payload.issues).toEqual([
      expect.objectContaining({
        file: 'specs/shop.orders.yaml',
        path: '$["x-msk-spec-iam-roles"][1]',
        rule: 'iam-role-account',
      }),
    ]);
  });

  it('refuses a spec whose id does not match its key, with a JSON payload the state machine can parse', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(SPEC), ContentLength: SPEC.length, VersionId: 'v9' } as never);
    const err = await validateSpec(event('specs/shop.payments.yaml', 'v9')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecRefused);
    expect((err as Error).name).toBe(ERROR_NAMES.SpecRefused);
    const payload = JSON.parse((err as Error).message) as SpecRefusedPayload;
    // The report belongs to the key's owner, never to the domain the upload claims.
    expect(payload).toMatchObject({
      domain: 'shop.payments',
      key: 'specs/shop.payments.yaml',
      versionId: 'v9',
      reportKey: 'reports/shop.payments.json',
    });
    expect(payload.issues).toEqual([
      expect.objectContaining({ rule: 'key-binding', path: '$.id', file: 'specs/shop.payments.yaml' }),
    ]);
  });

  it('refuses an unparseable spec with every issue located', async () => {
    const bad = `asyncapi: '2.5.0'\nid: 'urn:Shop Orders'\nchannels: {}\n`;
    s3.on(GetObjectCommand).resolves({ Body: body(bad), ContentLength: bad.length } as never);
    const err = (await validateSpec(event('specs/shop.orders.yaml')).catch((e: unknown) => e)) as SpecRefused;
    expect(err.name).toBe('SpecRefused');
    expect(err.payload.issues.length).toBeGreaterThan(0);
    expect(err.payload.issues.every((i) => i.file === 'specs/shop.orders.yaml' && i.path.startsWith('$'))).toBe(true);
  });

  it('refuses an oversized object from its Content-Length without reading it', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('x'), ContentLength: 5 * 1024 * 1024 } as never);
    const err = (await validateSpec(event('specs/shop.orders.yaml')).catch((e: unknown) => e)) as SpecRefused;
    expect(err.payload.issues[0]).toMatchObject({ rule: 'max-size' });
  });

  it('files refusals for keys without a valid domain under reports/_unknown/', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(SPEC), ContentLength: SPEC.length } as never);
    const err = (await validateSpec(event('specs/Bad Name.yaml')).catch((e: unknown) => e)) as SpecRefused;
    expect(err.payload.domain).toBeNull();
    expect(err.payload.reportKey).toBe('reports/_unknown/specs_Bad_Name.yaml.json');
  });

  it('refuses a missing object version as spec-missing', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchVersion' }));
    const err = (await validateSpec(event('specs/shop.orders.yaml')).catch((e: unknown) => e)) as SpecRefused;
    expect(err.payload.issues[0]).toMatchObject({ rule: 'spec-missing' });
  });

  it('lets transient S3 errors through unchanged for the state machine to retry', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    await expect(validateSpec(event('specs/shop.orders.yaml'))).rejects.toMatchObject({ name: 'SlowDown' });
  });

  it('through middy: logs with the correlation id, never the spec text', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(SPEC), ContentLength: SPEC.length, VersionId: 'v1' } as never);
    const { result, output } = await captureOutput(() =>
      handler(event('specs/shop.orders.yaml'), fakeContext('validateSpec')),
    );
    expect(result).toMatchObject({ domain: 'shop.orders' });
    expect(output).toContain('arn:aws:states:us-east-1:111122223333:execution:provision:abc');
    expect(output).not.toContain('order-placed:');
  });
});

describe('SpecRefused payload bounds', () => {
  it("stays parseable under Step Functions' 32 KiB Cause limit however many issues there are", () => {
    const issues = Array.from({ length: 500 }, (_, i) => ({
      file: 'specs/a.b.yaml',
      path: `$.channels["c${i}"]`,
      rule: 'topic-name',
      message: 'x'.repeat(2000),
    }));
    const err = new SpecRefused({
      domain: 'a.b',
      bucket: 'b',
      key: 'specs/a.b.yaml',
      versionId: null,
      reportKey: 'reports/a.b.json',
      issues,
    });
    const lambdaCause = JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] });
    expect(lambdaCause.length).toBeLessThan(32_768);
    const back = JSON.parse((JSON.parse(lambdaCause) as { errorMessage: string }).errorMessage) as SpecRefusedPayload;
    expect(back.issues.at(-1)).toMatchObject({ rule: 'more-issues' });
    expect(back.issues.length).toBeGreaterThan(1);
    expect(back.issues[0]!.message.length).toBeLessThanOrEqual(500);
  });
});
