// The decommission adapters' requests (lib/aws/decommission.ts) against SDK mocks: batch sizes,
// UnprocessedScramSecrets read on HTTP 200, repeat calls that find the work done.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BatchDisassociateScramSecretCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ACMPCAClient, RevokeCertificateCommand } from '@aws-sdk/client-acm-pca';
import {
  disassociateScramSecrets,
  listSpecVersions,
  revokeCertificate,
  scheduleSecretDeletion,
} from '../../../lib/aws/decommission.js';
import { mockAws, type LooseMock } from '../functions/_support.js';

const CLUSTER = 'arn:aws:kafka:eu-west-1:111122223333:cluster/c/1';
const arn = (i: number) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:AmazonMSK_d${i}.x-AbCdEf`;

describe('disassociateScramSecrets', () => {
  let kafka: LooseMock;
  beforeEach(() => {
    kafka = mockAws(KafkaClient);
  });
  afterEach(() => kafka.reset());

  it('sends at most 10 per call and reads UnprocessedScramSecrets: not associated is done', async () => {
    const arns = Array.from({ length: 23 }, (_, i) => arn(i));
    kafka.on(BatchDisassociateScramSecretCommand).callsFake((input: { SecretArnList: string[] }) => ({
      ClusterArn: CLUSTER,
      UnprocessedScramSecrets: input.SecretArnList.includes(arn(3))
        ? [
            {
              SecretArn: arn(3),
              ErrorCode: 'InvalidSecretArn',
              ErrorMessage: "The provided secret isn't associated with this cluster.",
            },
          ]
        : [],
    }));
    const r = await disassociateScramSecrets(new KafkaClient({ region: 'eu-west-1' }), CLUSTER, arns);
    expect(
      kafka.commandCalls(BatchDisassociateScramSecretCommand).map((c) => c.args[0].input.SecretArnList.length),
    ).toEqual([10, 10, 3]);
    expect(r.notAssociated).toEqual([arn(3)]);
    expect(r.disassociated).toHaveLength(22);
  });

  it('any other unprocessed secret is the retryable ScramDisassociationPending', async () => {
    kafka.on(BatchDisassociateScramSecretCommand).resolves({
      UnprocessedScramSecrets: [
        { SecretArn: arn(1), ErrorCode: 'InternalServerError', ErrorMessage: 'Retry the request.' },
      ],
    });
    await expect(
      disassociateScramSecrets(new KafkaClient({ region: 'eu-west-1' }), CLUSTER, [arn(1)]),
    ).rejects.toMatchObject({
      name: 'ScramDisassociationPending',
    });
  });
});

describe('scheduleSecretDeletion', () => {
  let sm: LooseMock;
  beforeEach(() => {
    sm = mockAws(SecretsManagerClient);
  });
  afterEach(() => sm.reset());

  it('schedules with the recovery window once; an already scheduled secret is left as it is', async () => {
    sm.on(DeleteSecretCommand).resolves({ DeletionDate: new Date('2026-12-31T00:00:00Z') });
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    expect(await scheduleSecretDeletion(client, { arn: arn(1), name: 'AmazonMSK_d1.x' }, 30)).toEqual({
      deletionDate: '2026-12-31T00:00:00.000Z',
      scheduled: true,
    });
    expect(sm.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({
      SecretId: arn(1),
      RecoveryWindowInDays: 30,
    });
    const again = await scheduleSecretDeletion(
      client,
      { arn: arn(1), name: 'AmazonMSK_d1.x', deletedAt: '2026-12-01T00:00:00.000Z' },
      30,
    );
    expect(again).toEqual({ deletionDate: '2026-12-31T00:00:00.000Z', scheduled: false });
    expect(sm.commandCalls(DeleteSecretCommand)).toHaveLength(1);
  });
});

describe('revokeCertificate and listSpecVersions', () => {
  let pca: LooseMock;
  let s3: LooseMock;
  beforeEach(() => {
    pca = mockAws(ACMPCAClient);
    s3 = mockAws(S3Client);
  });
  afterEach(() => {
    pca.reset();
    s3.reset();
  });

  it('revokes with CESSATION_OF_OPERATION; already revoked is done', async () => {
    pca
      .on(RevokeCertificateCommand)
      .resolvesOnce({})
      .rejectsOnce(Object.assign(new Error('already revoked'), { name: 'RequestAlreadyProcessedException' }));
    const client = new ACMPCAClient({ region: 'eu-west-1' });
    expect(await revokeCertificate(client, 'arn:ca', '0a1b')).toBe('REVOKED');
    expect(await revokeCertificate(client, 'arn:ca', '0a1b')).toBe('ALREADY_REVOKED');
    expect(pca.commandCalls(RevokeCertificateCommand)[0]!.args[0].input).toEqual({
      CertificateAuthorityArn: 'arn:ca',
      CertificateSerial: '0a1b',
      RevocationReason: 'CESSATION_OF_OPERATION',
    });
  });

  it('lists every version and delete marker under specs/, page by page', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        IsTruncated: true,
        NextKeyMarker: 'specs/a.x.yaml',
        NextVersionIdMarker: 'v1',
        Versions: [{ Key: 'specs/a.x.yaml', IsLatest: false, LastModified: new Date('2026-11-01T00:00:00Z') }],
      })
      .resolvesOnce({
        IsTruncated: false,
        DeleteMarkers: [{ Key: 'specs/a.x.yaml', IsLatest: true, LastModified: new Date('2026-11-02T00:00:00Z') }],
      });
    const v = await listSpecVersions(new S3Client({ region: 'eu-west-1' }), 'specs');
    expect(v).toEqual([
      { key: 'specs/a.x.yaml', isLatest: false, deleteMarker: false, lastModified: '2026-11-01T00:00:00.000Z' },
      { key: 'specs/a.x.yaml', isLatest: true, deleteMarker: true, lastModified: '2026-11-02T00:00:00.000Z' },
    ]);
    expect(s3.commandCalls(ListObjectVersionsCommand)[1]!.args[0].input).toEqual({
      Bucket: 'specs',
      Prefix: 'specs/',
      KeyMarker: 'specs/a.x.yaml',
      VersionIdMarker: 'v1',
    });
  });
});
