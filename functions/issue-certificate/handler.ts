// IssueCertificate: if the domain has no certificate, or its current one is past 2/3 of its
// lifetime (or `force`), a new key pair is made HERE, the private key is written to S3 under
// SSE-KMS, and only then does the CSR (public key, subject CN=<domain>) go to ACM PCA with an
// idempotency token derived from (domain, generation). A retried attempt of the same generation
// reuses the stored key, so PCA's idempotent answer always matches the key we hold.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  createCsr,
  generateKeyPair,
  keyPairFromPem,
  privateKeyToPem,
  publicKeyFingerprint,
} from '../../lib/cert/keys.js';
import { idempotencyToken, isRenewalDue } from '../../lib/cert/policy.js';
import { kafkaClient, pcaClient, s3Client } from '../../lib/aws/clients.js';
import { putPendingKey, readCurrent, readPendingKey } from '../../lib/aws/cert-store.js';
import { certBucket, certificateSettings, clusterArn, kmsKeyArn } from '../../lib/aws/env-config.js';
import { assertClusterTrustsPca } from '../../lib/aws/msk.js';
import { caSigningAlgorithm, issueCertificate } from '../../lib/aws/pca.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { optionalDate, requireDomain } from '../_shared/input.js';

export interface IssueCertificateInput extends Correlated {
  readonly domain: string;
  /** Issue even when the current certificate is not due. */
  readonly force?: boolean;
  /** The clock for the renewal decision (the schedule's event time); defaults to now. */
  readonly now?: string;
}

export type IssueCertificateOutput =
  | {
      readonly domain: string;
      readonly status: 'CURRENT';
      readonly serial: string;
      readonly notAfter: string;
      readonly generation: number;
    }
  | {
      readonly domain: string;
      readonly status: 'ISSUING';
      readonly certificateArn: string;
      readonly generation: number;
      /** SHA-256 of the new public key; CollectCertificate checks the issued certificate against it. */
      readonly publicKeySha256: string;
    };

export interface IssueDeps {
  readonly s3?: S3Client;
  readonly pca?: ACMPCAClient;
  readonly kafka?: KafkaClient;
}

// Per container: the cluster's trust and the CA's algorithm change rarely; a cold start re-reads them.
let trustCheckedAt = 0;
let signingAlgorithm: string | undefined;
const TRUST_TTL_MS = 5 * 60_000;

export function resetIssueCaches(): void {
  trustCheckedAt = 0;
  signingAlgorithm = undefined;
}

export async function issue(event: IssueCertificateInput, deps: IssueDeps = {}): Promise<IssueCertificateOutput> {
  const domain = requireDomain(event.domain);
  const settings = certificateSettings();
  const bucket = certBucket();
  const s3 = deps.s3 ?? s3Client();
  const pca = deps.pca ?? pcaClient();

  if (Date.now() - trustCheckedAt > TRUST_TTL_MS) {
    await assertClusterTrustsPca(deps.kafka ?? kafkaClient(), clusterArn(), settings.pcaArn);
    trustCheckedAt = Date.now();
  }

  const current = await readCurrent(s3, bucket, domain);
  if (current && !current.revoked && !event.force && !isRenewalDue(current, optionalDate(event.now))) {
    logger.info('certificate current', { serial: current.serial, notAfter: current.notAfter });
    return {
      domain,
      status: 'CURRENT',
      serial: current.serial,
      notAfter: current.notAfter,
      generation: current.generation,
    };
  }

  const generation = (current?.generation ?? 0) + 1;
  let stored = await readPendingKey(s3, bucket, domain, generation);
  let keys;
  if (!stored) {
    keys = await generateKeyPair(settings.keyAlgorithm);
    // The key is safe at rest before anything about it leaves the function.
    const mine = await putPendingKey(
      s3,
      { bucket, kmsKeyId: kmsKeyArn() },
      domain,
      generation,
      await privateKeyToPem(keys.privateKey),
    );
    if (!mine) {
      keys = undefined; // a concurrent attempt stored its key first: use that one
      stored = await readPendingKey(s3, bucket, domain, generation);
    }
  }
  if (!keys) {
    if (!stored) throw new Error(`the pending key of ${domain} generation ${generation} vanished`);
    keys = await keyPairFromPem(stored, settings.keyAlgorithm);
    logger.info('reusing the stored key of this generation', { generation });
  }
  const csrPem = await createCsr(domain, keys);
  signingAlgorithm ??= settings.signingAlgorithm ?? (await caSigningAlgorithm(pca, settings.pcaArn));
  const certificateArn = await issueCertificate(pca, {
    caArn: settings.pcaArn,
    csrPem,
    signingAlgorithm,
    validityDays: settings.validityDays,
    idempotencyToken: idempotencyToken(domain, generation),
    ...(settings.templateArn ? { templateArn: settings.templateArn } : {}),
  });
  metrics.addMetric('CertificatesRequested', MetricUnit.Count, 1);
  logger.info('certificate requested', { certificateArn, generation, renewal: current !== undefined });
  return {
    domain,
    status: 'ISSUING',
    certificateArn,
    generation,
    publicKeySha256: await publicKeyFingerprint(keys.publicKey),
  };
}

export const handler = instrument('IssueCertificate', (event: IssueCertificateInput) => issue(event));
