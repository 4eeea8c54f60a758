// PlanAgainstCluster with IAM among the auth modes: a spec whose run would give some domain more
// managed policies than a role may hold is refused with the numbers before anything is created
// (no Kafka connection, no write of any kind).
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeClusterV2Command, ListScramSecretsCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { sdkStreamMixin } from '@smithy/util-stream';
import { Readable } from 'node:stream';
import { planAgainstCluster } from '../../../functions/plan-against-cluster/handler.js';
import { IamPolicyLimitError } from '../../../lib/access/iam.js';
import { mockAws, setEnv } from './_support.js';

const s3 = mockAws(S3Client);
const kafka = mockAws(KafkaClient);
const body = (text: string) => sdkStreamMixin(Readable.from([Buffer.from(text)]));
const SPEC = `asyncapi: '2.6.0'\nid: 'urn:shop.new'\nchannels:\n  _public/news:\n    publish:\n      message: { payload: { type: object } }\n`;
// 200 other domains' public prefixes: every domain's policies hold them (IAM has no User:*).
const PUBLIC = JSON.stringify({
  version: 1,
  target: '_public',
  contributions: Object.fromEntries(
    Array.from({ length: 200 }, (_, i) => [
      `team${i}.domain`,
      [
        ['TOPIC', 'PREFIXED', `team${i}.domain._public.`, 'DESCRIBE'],
        ['TOPIC', 'PREFIXED', `team${i}.domain._public.`, 'READ'],
      ],
    ]),
  ),
});

beforeEach(() => {
  s3.reset();
  kafka.reset();
  // A cluster offering all three modes (PlanAgainstCluster checks that first).
  kafka.on(DescribeClusterV2Command).resolves({
    ClusterInfo: {
      ClusterType: 'PROVISIONED',
      Provisioned: {
        ClientAuthentication: {
          Sasl: { Iam: { Enabled: true }, Scram: { Enabled: true } },
          Tls: {
            Enabled: true,
            CertificateAuthorityArnList: ['arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/ca-1'],
          },
        },
      },
    },
  });
  // ...with room for the domain's SCRAM user.
  kafka.on(ListScramSecretsCommand).resolves({ SecretArnList: [] });
  setEnv({ AUTH_MODES: 'SCRAM,MTLS,IAM', IAM_MAX_POLICIES_PER_ROLE: '1' });
  s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no', $metadata: {} }));
  s3.on(GetObjectCommand, { Key: 'specs/shop.new.yaml' }).resolves({
    Body: body(SPEC),
    ContentLength: SPEC.length,
  } as never);
  s3.on(GetObjectCommand, { Key: 'iam/index/_public.json' }).resolves({ Body: body(PUBLIC), ETag: '"p1"' } as never);
  s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'iam/index/_public.json' }] });
});

it('refuses over the limit with the numbers, before connecting to Kafka or writing anything', async () => {
  let connected = false;
  const err = await planAgainstCluster(
    { domain: 'shop.new', bucket: 'spec-bucket', key: 'specs/shop.new.yaml', versionId: null },
    {
      connect: async () => {
        connected = true;
        throw new Error('must not connect');
      },
    },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IamPolicyLimitError);
  expect((err as Error).message).toMatch(
    /^shop\.new needs [2-9] managed policies \(\d+ characters at most 6144 per policy\), more than the 1 a role may hold/,
  );
  expect(connected).toBe(false);
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
});
