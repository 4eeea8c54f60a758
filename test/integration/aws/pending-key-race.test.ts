// The pending-key race against the emulated S3 and ACM PCA (issue 9): two executions issue the same
// generation of one domain at once. Both read "no pending key", both make one, both PutObject it with
// `If-None-Match: *`; S3 lets exactly one write land and answers the other 412 PreconditionFailed
// (API_PutObject, "If-None-Match"), so the loser reads the winner's key (lib/aws/cert-store.ts
// pendingKeyOf). Both then send a CSR for that key with the generation's IdempotencyToken, and PCA
// issues one certificate (API_IssueCertificate, "IdempotencyToken"). The end state: exactly one stored
// key, and the promoted certificate holds its public key.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateCertificateAuthorityCommand } from '@aws-sdk/client-acm-pca';
import { createAcmPca, type AcmPcaEmulator } from '../../../local/aws/acm-pca.js';
import { caLookupFrom, createMsk, type MskEmulator } from '../../../local/aws/msk.js';
import { ENV } from '../../../lib/aws/env-config.js';
import { currentKey, pendingKeyKey } from '../../../lib/cert/policy.js';
import { issue } from '../../../functions/issue-certificate/handler.js';
import { resetIssueCaches } from '../../../lib/aws/certificates.js';
import { collect } from '../../../functions/collect-certificate/handler.js';
import { useLocalAws } from '../../support/aws.js';
import { NoopBroker } from '../../support/noop-broker.js';

const BUCKET = 'race-certs';
let pca: AcmPcaEmulator;
let msk: MskEmulator;
const aws = useLocalAws({
  buckets: [BUCKET],
  setup: (local) => {
    pca = createAcmPca({ readyAfterPolls: 0 });
    msk = createMsk({ broker: new NoopBroker(), caCertificatePem: caLookupFrom(pca) });
    local.gateway.registerService(pca);
    local.gateway.registerService(msk);
  },
});

let restoreEnv: () => void;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  const { clients } = aws;
  const kmsKeyArn = (await clients.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  const caArn = (
    await clients.pca.send(
      new CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'EC_prime256v1',
          SigningAlgorithm: 'SHA256WITHECDSA',
          Subject: { CommonName: 'race CA' },
        },
      }),
    )
  ).CertificateAuthorityArn!;
  const clusterArn = await msk.registerCluster({ name: 'race', certificateAuthorityArns: [caArn] });
  restoreEnv = aws.applyEnv();
  const settings = {
    [ENV.CERT_BUCKET]: BUCKET,
    [ENV.KMS_KEY_ARN]: kmsKeyArn,
    [ENV.CLUSTER_ARN]: clusterArn,
    [ENV.PCA_ARN]: caArn,
  };
  for (const [k, v] of Object.entries(settings)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  resetIssueCaches();
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  restoreEnv?.();
  msk?.close();
});

/**
 * An S3 client whose GetObject of `key` waits until `parties` such reads are in flight: every racer
 * sees "no pending key" before any of them writes one, so the race is certain, not likely.
 */
function racingS3(key: string, parties: number): { s3: S3Client; preconditionFailures: () => number } {
  const s3 = aws.makeClients().s3;
  let arrived = 0;
  let release!: () => void;
  const barrier = new Promise<void>((r) => (release = r));
  let refused = 0;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      if (context.commandName === 'GetObjectCommand' && input.Key === key) {
        if (++arrived >= parties) release();
        await barrier;
      }
      try {
        return await next(args);
      } catch (e) {
        if (context.commandName === 'PutObjectCommand' && (e as Error).name === 'PreconditionFailed') refused++;
        throw e;
      }
    },
    { step: 'initialize', name: 'raceBarrier' },
  );
  return { s3, preconditionFailures: () => refused };
}

test('two concurrent issuances of one generation store exactly one key, get one certificate, and that certificate holds the stored key', async () => {
  const domain = 'race.orders';
  const keyName = pendingKeyKey(domain, 1);
  // One client for both racers: its barrier holds the first read until the second arrives.
  const shared = racingS3(keyName, 2);
  const deps = { pca: aws.clients.pca, kafka: aws.clients.kafka };
  const [a, b] = await Promise.all([
    issue({ domain }, { ...deps, s3: shared.s3 }),
    issue({ domain }, { ...deps, s3: shared.s3 }),
  ]);
  expect(a.status).toBe('ISSUING');
  expect(b.status).toBe('ISSUING');
  if (a.status !== 'ISSUING' || b.status !== 'ISSUING') return;
  // Exactly one PutObject lost to If-None-Match; both attempts went on with the winner's key.
  expect(shared.preconditionFailures()).toBe(1);
  expect(b.publicKeySha256).toBe(a.publicKeySha256);
  expect(b.certificateArn).toBe(a.certificateArn);
  expect(b.generation).toBe(1);

  const pending = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: keyName }));
  expect(pending.Contents?.map((c) => c.Key)).toEqual([keyName]);

  const done = await collect(
    { domain, generation: 1, certificateArn: a.certificateArn, publicKeySha256: a.publicKeySha256 },
    {
      s3: aws.clients.s3,
      pca: aws.clients.pca,
    },
  );
  expect(done.status).toBe('ISSUED');
  const current = JSON.parse(
    await (
      await aws.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: currentKey(domain) }))
    ).Body!.transformToString(),
  ) as { keys: { key: string; cert: string } };
  const read = async (Key: string) =>
    (await aws.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body!.transformToString();
  const [keyPem, certPem] = await Promise.all([read(current.keys.key), read(current.keys.cert)]);
  const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('base64');
  expect(spki(new X509Certificate(certPem).publicKey)).toBe(spki(createPublicKey(keyPem)));
  // The promoted certificate is the one both racers were given.
  expect(done.certificateArn).toBe(a.certificateArn);
});
