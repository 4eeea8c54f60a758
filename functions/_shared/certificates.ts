// The certificate store and CA the certificate handlers work with, from the Lambda environment
// (lib/aws/env-config.ts) and the shared SDK clients; tests hand in their own clients.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { S3Client } from '@aws-sdk/client-s3';
import type { CertificateStore } from '../../lib/aws/certificates.js';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';

export interface CertificateDeps {
  readonly s3?: S3Client;
  readonly pca?: ACMPCAClient;
}

export function certificateAuthority(
  deps: CertificateDeps,
): CertificateStore & { readonly pca: ACMPCAClient; readonly pcaArn: string } {
  return {
    s3: deps.s3 ?? s3Client(),
    pca: deps.pca ?? pcaClient(),
    pcaArn: certificateSettings().pcaArn,
    bucket: certBucket(),
    kmsKeyId: kmsKeyArn(),
  };
}
