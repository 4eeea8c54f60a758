// CollectCertificate: fetches the certificate PCA signed, checks it is ours and stores it, switching
// current.json last (lib/aws/certificates.ts collectIssued). RequestInProgressException propagates
// by name for the state machine's Retry.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { collectIssued, type CollectedCertificate } from '../../lib/aws/certificates.js';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';
import { instrument } from '../../lib/observability.js';
import { Correlated, DomainId, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  domain: DomainId,
  certificateArn: z.string().min(1),
  generation: z.number().int().positive(),
  publicKeySha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CollectCertificateInput = z.input<typeof Input>;
export type CollectCertificateOutput = CollectedCertificate;

export async function collect(
  event: CollectCertificateInput,
  deps: { s3?: S3Client; pca?: ACMPCAClient } = {},
): Promise<CollectCertificateOutput> {
  const { correlationId: _, ...req } = parseInput(Input, event);
  const ctx = {
    s3: deps.s3 ?? s3Client(),
    pca: deps.pca ?? pcaClient(),
    pcaArn: certificateSettings().pcaArn,
    bucket: certBucket(),
    kmsKeyId: kmsKeyArn(),
  };
  return collectIssued(ctx, req);
}

export const handler = instrument('CollectCertificate', (event: CollectCertificateInput) => collect(event));
