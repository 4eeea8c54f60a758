// IssueCertificate: if the domain has no certificate, or its current one is past 2/3 of its
// lifetime (or `force`), a new key pair is made HERE and stored under SSE-KMS before the CSR
// (public key, subject CN=<domain>) goes to ACM PCA with an idempotency token derived from
// (domain, generation). A retried or racing attempt of a generation uses the key stored first
// (lib/aws/cert-store.ts pendingKeyOf), so PCA's idempotent answer always matches the key we hold.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import {
  createCsr,
  generateKeyPair,
  keyPairFromPem,
  privateKeyToPem,
  publicKeyFingerprint,
} from '../../lib/cert/keys.js';
import { idempotencyToken, isRenewalDue } from '../../lib/cert/policy.js';
import { kafkaClient, pcaClient, s3Client } from '../../lib/aws/clients.js';
import { pendingKeyOf, readCurrent } from '../../lib/aws/cert-store.js';
import { certBucket, certificateSettings, clusterArn, kmsKeyArn } from '../../lib/aws/env-config.js';
import { assertClusterTrustsPca } from '../../lib/aws/msk.js';
import { caSigningAlgorithm, issueCertificate } from '../../lib/aws/pca.js';
import { instrument, logger, metrics, MetricUnit } from '../../lib/observability.js';
import { Correlated, DomainId, optionalDate, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  domain: DomainId,
  /** Issue even when the current certificate is not due. */
  force: z.boolean().optional(),
  /** The clock for the renewal decision (the schedule's event time); defaults to now. */
  now: z.string().nullish(),
});
export type IssueCertificateInput = z.input<typeof Input>;

export type IssueCertificateOutput =
  | { domain: string; status: 'CURRENT'; serial: string; notAfter: string; generation: number }
  /** publicKeySha256: the new public key's SPKI SHA-256, which CollectCertificate checks the certificate against. */
  | { domain: string; status: 'ISSUING'; certificateArn: string; generation: number; publicKeySha256: string };

export interface IssueDeps {
  readonly s3?: S3Client;
  readonly pca?: ACMPCAClient;
  readonly kafka?: KafkaClient;
}

// Per container: the cluster's trust and the CA's algorithm change rarely; a cold start re-reads them.
let trustCheckedAt = 0;
let signingAlgorithm: string | undefined;
export function resetIssueCaches(): void {
  trustCheckedAt = 0;
  signingAlgorithm = undefined;
}

export async function issue(event: IssueCertificateInput, deps: IssueDeps = {}): Promise<IssueCertificateOutput> {
  const { domain, force, now } = parseInput(Input, event);
  const settings = certificateSettings();
  const [s3, pca, bucket] = [deps.s3 ?? s3Client(), deps.pca ?? pcaClient(), certBucket()];
  if (Date.now() - trustCheckedAt > 5 * 60_000) {
    await assertClusterTrustsPca(deps.kafka ?? kafkaClient(), clusterArn(), settings.pcaArn);
    trustCheckedAt = Date.now();
  }
  const current = await readCurrent(s3, bucket, domain);
  if (current && !current.revoked && !force && !isRenewalDue(current, optionalDate(now))) {
    logger.info('certificate current', { serial: current.serial, notAfter: current.notAfter });
    const { serial, notAfter, generation } = current;
    return { domain, status: 'CURRENT', serial, notAfter, generation };
  }
  const generation = (current?.generation ?? 0) + 1;
  const newKey = async () => privateKeyToPem((await generateKeyPair(settings.keyAlgorithm)).privateKey);
  const stored = await pendingKeyOf(s3, { bucket, kmsKeyId: kmsKeyArn() }, domain, generation, newKey);
  if (stored.reused) logger.info('reusing the stored key of this generation', { generation });
  const keys = await keyPairFromPem(stored.pem, settings.keyAlgorithm);
  signingAlgorithm ??= settings.signingAlgorithm ?? (await caSigningAlgorithm(pca, settings.pcaArn));
  const certificateArn = await issueCertificate(pca, {
    caArn: settings.pcaArn,
    csrPem: await createCsr(domain, keys),
    signingAlgorithm,
    validityDays: settings.validityDays,
    idempotencyToken: idempotencyToken(domain, generation),
    ...(settings.templateArn ? { templateArn: settings.templateArn } : {}),
  });
  metrics.addMetric('CertificatesRequested', MetricUnit.Count, 1);
  logger.info('certificate requested', { certificateArn, generation, renewal: current !== undefined });
  const publicKeySha256 = await publicKeyFingerprint(keys.publicKey);
  return { domain, status: 'ISSUING', certificateArn, generation, publicKeySha256 };
}

export const handler = instrument('IssueCertificate', (event: IssueCertificateInput) => issue(event));
