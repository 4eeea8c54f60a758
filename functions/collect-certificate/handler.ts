// CollectCertificate: fetches the certificate PCA signed (RequestInProgressException propagates
// unchanged, by name, for the state machine's Retry), checks it is ours (lib/cert/verify.ts), stores
// cert and chain beside the key and switches current.json last (lib/aws/cert-store.ts).
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { promoteCertificate, readPendingKey } from '../../lib/aws/cert-store.js';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';
import { getCertificate } from '../../lib/aws/pca.js';
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
  const privateKeyPem = await readPendingKey(s3, bucket, domain, generation);
  const certificatePem = certificate.endsWith('\n') ? certificate : `${certificate}\n`;
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
