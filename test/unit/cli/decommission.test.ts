// `msk-spec remove` and what `msk-spec status` shows of a removed domain, in-process against SDK
// mocks. The same flow against the deployed workflow: test/e2e/decommission.test.ts.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { sdkStreamMixin } from '@smithy/util-stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { run } from '../../../cli/program.js';
import { mockAws, type LooseMock } from '../functions/_support.js';

const AWS_ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret' };
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:msk-spec-provisioner-prod-decommission';
const RUN = 'arn:aws:states:eu-west-1:111122223333:execution:msk-spec-provisioner-prod-decommission:1';

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: AWS_ENV,
  });
  return { code, out, err };
}
const body = (text: string) => ({
  Body: sdkStreamMixin(Readable.from([Buffer.from(text)])),
  LastModified: new Date('2026-11-20T10:00:00Z'),
});
const noSuchKey = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });

const decommissioned = {
  status: 'DECOMMISSIONED',
  domain: 'shop.order',
  executionId: RUN,
  removal: { removedAt: '2026-11-20T09:00:00.000Z', graceSeconds: 3600, count: 1, limit: 3, forced: true },
  revoked: {
    scram: {
      secret: 'DELETION_SCHEDULED',
      secretName: 'AmazonMSK_shop.order',
      association: 'DISASSOCIATED',
      deletionDate: '2026-12-20T10:00:00.000Z',
    },
    certificates: { revoked: ['0a1b', '0c2d'], indexEntriesRemoved: 1 },
    acls: { aclsDeleted: 14, sealCreated: true },
  },
  topics: { kept: 1, deleted: 0, names: ['shop.order._public.created'] },
};

describe('remove', () => {
  let s3: LooseMock;
  let sfn: LooseMock;
  beforeEach(() => {
    s3 = mockAws(S3Client);
    sfn = mockAws(SFNClient);
  });
  afterEach(() => {
    s3.reset();
    sfn.reset();
  });

  it('refuses what is not a domain id, before any call', async () => {
    const r = await cli(['remove', 'User:*', '--bucket', 'specs']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not a domain id');
    expect(s3.calls()).toHaveLength(0);
  });

  it('deletes only the keys of that domain, never a prefix-alike one', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'specs/shop.order.yaml' }, { Key: 'specs/shop.order.yaml.bak' }],
    });
    s3.on(DeleteObjectCommand).resolves({ VersionId: 'marker-1', DeleteMarker: true });
    const r = await cli(['remove', 'shop.order', '--bucket', 'specs']);
    expect(r.code).toBe(0);
    expect(s3.commandCalls(DeleteObjectCommand).map((c: { args: [{ input: unknown }] }) => c.args[0].input)).toEqual([
      { Bucket: 'specs', Key: 'specs/shop.order.yaml' },
    ]);
    expect(r.out).toContain('removed s3://specs/specs/shop.order.yaml (delete marker marker-1)');
  });

  it('says so when there is no spec to remove (exit 1) unless forced', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const r = await cli(['remove', 'shop.order', '--bucket', 'specs']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no spec for shop.order');
  });

  it('--force --wait starts a forced run, follows it and prints what was revoked', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key === 'reports/shop.order.json') return body(JSON.stringify(decommissioned));
      throw noSuchKey();
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: RUN });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: RUN, status: 'SUCCEEDED' });
    const r = await cli([
      'remove',
      'shop.order',
      '--bucket',
      'specs',
      '--force',
      '--wait',
      '--state-machine-arn',
      MACHINE,
    ]);
    expect(r.code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      input: JSON.stringify({ domain: 'shop.order', force: true }),
    });
    expect(r.out).toContain('shop.order: DECOMMISSIONED');
    expect(r.out).toContain('secret AmazonMSK_shop.order deleted on 2026-12-20T10:00:00.000Z');
    expect(r.out).toContain('certificates: 2 revoked (0a1b, 0c2d)');
    expect(r.out).toContain('= shop.order._public.created');
  });
});

describe('status of removed domains', () => {
  let s3: LooseMock;
  beforeEach(() => {
    s3 = mockAws(S3Client);
  });
  afterEach(() => s3.reset());

  it('shows decommissioned, restored and refused domains, the revoked certificate, and skips the orphan report', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'reports/_reprovision/orphans.json' },
        { Key: 'reports/shop.back.json' },
        { Key: 'reports/shop.order.json' },
        { Key: 'reports/shop.bulk.json' },
      ],
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key === 'reports/shop.order.json') return body(JSON.stringify(decommissioned));
      if (input.Key === 'reports/shop.back.json')
        return body(JSON.stringify({ status: 'RESTORED', domain: 'shop.back', removal: { removedAt: 'T0' } }));
      if (input.Key === 'reports/shop.bulk.json')
        return body(JSON.stringify({ status: 'REFUSED', domain: 'shop.bulk', removal: { count: 4, limit: 3 } }));
      if (input.Key === 'certificates/shop.order/current.json')
        return body(
          JSON.stringify({
            domain: 'shop.order',
            serial: '0c2d',
            notBefore: '2026-11-01T00:00:00.000Z',
            notAfter: '2026-12-01T00:00:00.000Z',
            generation: 2,
            keys: {},
            revoked: { at: '2026-11-20T10:00:00.000Z', reason: 'CESSATION_OF_OPERATION', serials: ['0a1b', '0c2d'] },
          }),
        );
      throw noSuchKey();
    });
    const r = await cli(['status', '--bucket', 'specs', '--cert-bucket', 'certs']);
    expect(r.code).toBe(1); // REFUSED waits for an operator
    expect(r.out).not.toContain('_reprovision');
    expect(r.out).toContain('shop.order: DECOMMISSIONED');
    expect(r.out).toContain('certificate: serial 0c2d REVOKED at 2026-11-20T10:00:00.000Z (2 revoked)');
    expect(r.out).toContain('shop.back: RESTORED');
    expect(r.out).toContain('restored within the grace period: nothing changed');
    expect(r.out).toContain('refused: 4 specs removed within the grace period (the guard allows 3)');
  });
});
