// RevokeCertificates: the domain's certificates stop renewing and are revoked in ACM PCA, and
// current.json says so (lib/aws/certificates.ts revokeDomainCertificates). Never reads a private key.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { revokeDomainCertificates, type RevocationResult } from '../../lib/aws/certificates.js';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';
import { instrument } from '../../lib/observability.js';
import { Correlated, DomainId, optionalDate, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({ domain: DomainId, now: z.string().optional() });
export type RevokeCertificatesInput = z.input<typeof Input>;

export async function revokeCertificates(
  event: RevokeCertificatesInput,
  deps: { s3?: S3Client; pca?: ACMPCAClient } = {},
): Promise<RevocationResult> {
  const { domain, now } = parseInput(Input, event);
  const ctx = {
    s3: deps.s3 ?? s3Client(),
    pca: deps.pca ?? pcaClient(),
    pcaArn: certificateSettings().pcaArn,
    bucket: certBucket(),
    kmsKeyId: kmsKeyArn(),
  };
  return revokeDomainCertificates(ctx, domain, optionalDate(now));
}

export const handler = instrument('RevokeCertificates', (event: RevokeCertificatesInput) => revokeCertificates(event));
