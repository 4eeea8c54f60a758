// CollectCertificate: fetches the certificate PCA signed (RequestInProgressException propagates
// unchanged, by name, for the state machine's Retry), checks it is ours (lib/cert/verify.ts), stores
// cert and chain beside the key and switches current.json last (lib/aws/cert-store.ts). When a
// racing attempt of the same generation already stored this very certificate, that is success.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { pendingOrPromoted, promoteCertificate } from '../../lib/aws/cert-store.js';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';
import { getCertificate } from '../../lib/aws/pca.js';
import { certificateFacts } from '../../lib/cert/inspect.js';
import { verifyIssuedCertificate } from '../../lib/cert/verify.js';
import { instrument, logger, metrics, MetricUnit } from '../../lib/observability.js';
import { Correlated, DomainId, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  domain: DomainId,
  certificateArn: z.string().min(1),
  generation: z.number().int().positive(),
  publicKeySha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CollectCertificateInput = z.input<typeof Input>;

export interface CollectCertificateOutput {
  readonly domain: string;
  readonly status: 'ISSUED';
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly generation: number;
  readonly certificateArn: string;
}

export async function collect(
  event: CollectCertificateInput,
  deps: { s3?: S3Client; pca?: ACMPCAClient } = {},
): Promise<CollectCertificateOutput> {
  const { domain, generation, certificateArn, publicKeySha256 } = parseInput(Input, event);
  const [s3, bucket] = [deps.s3 ?? s3Client(), certBucket()];
  const pca = deps.pca ?? pcaClient();
  const { certificate, chain } = await getCertificate(pca, certificateSettings().pcaArn, certificateArn);
  const found = await pendingOrPromoted(s3, bucket, domain, generation);
  const certificatePem = certificate.endsWith('\n') ? certificate : `${certificate}\n`;
  if (found && 'promoted' in found && found.promoted.serial === certificateFacts(certificatePem).serial) {
    // A racing attempt of this generation (the same idempotent PCA answer) stored it already.
    logger.info('certificate already stored by a concurrent attempt', { serial: found.promoted.serial, generation });
    const { serial, notBefore, notAfter } = found.promoted;
    return { domain, status: 'ISSUED', serial, notBefore, notAfter, generation, certificateArn };
  }
  const privateKeyPem = found && 'privateKeyPem' in found ? found.privateKeyPem : undefined;
  const issued = { domain, generation, certificateArn, certificatePem, publicKeySha256, privateKeyPem };
  const checked = verifyIssuedCertificate(issued);
  const { serial, notBefore, notAfter } = await promoteCertificate(
    s3,
    { bucket, kmsKeyId: kmsKeyArn() },
    { domain, generation, ...checked, certificatePem, chainPem: chain },
  );
  metrics.addMetric(generation > 1 ? 'CertificatesRenewed' : 'CertificatesIssued', MetricUnit.Count, 1);
  logger.info('certificate stored', { serial, notAfter, generation });
  return { domain, status: 'ISSUED', serial, notBefore, notAfter, generation, certificateArn };
}

export const handler = instrument('CollectCertificate', (event: CollectCertificateInput) => collect(event));
