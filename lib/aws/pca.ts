// ACM Private CA: issue and fetch client certificates. The CSR carries only the public key.
import {
  DescribeCertificateAuthorityCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
  type ACMPCAClient,
  type SigningAlgorithm,
} from '@aws-sdk/client-acm-pca';
import { signingAlgorithmForCaKey } from '../cert/policy.js';

export interface IssueInput {
  readonly caArn: string;
  readonly csrPem: string;
  readonly signingAlgorithm: string;
  readonly validityDays: number;
  readonly idempotencyToken: string;
  readonly templateArn?: string;
}

export async function issueCertificate(client: ACMPCAClient, input: IssueInput): Promise<string> {
  const out = await client.send(
    new IssueCertificateCommand({
      CertificateAuthorityArn: input.caArn,
      Csr: new TextEncoder().encode(input.csrPem),
      SigningAlgorithm: input.signingAlgorithm as SigningAlgorithm,
      Validity: { Value: input.validityDays, Type: 'DAYS' },
      IdempotencyToken: input.idempotencyToken,
      ...(input.templateArn ? { TemplateArn: input.templateArn } : {}),
    }),
  );
  if (!out.CertificateArn) throw new Error('IssueCertificate returned no CertificateArn');
  return out.CertificateArn;
}

/** Throws the SDK's RequestInProgressException unchanged while PCA is still signing (ASL retries on it). */
export async function getCertificate(
  client: ACMPCAClient,
  caArn: string,
  certificateArn: string,
): Promise<{ certificate: string; chain: string }> {
  const out = await client.send(
    new GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: certificateArn }),
  );
  if (!out.Certificate) throw new Error(`GetCertificate returned no certificate for ${certificateArn}`);
  return { certificate: out.Certificate, chain: out.CertificateChain ?? '' };
}

/** The signing algorithm that fits the CA's own key, from its configuration. */
export async function caSigningAlgorithm(client: ACMPCAClient, caArn: string): Promise<string> {
  const out = await client.send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: caArn }));
  const cfg = out.CertificateAuthority?.CertificateAuthorityConfiguration;
  if (out.CertificateAuthority?.Status && out.CertificateAuthority.Status !== 'ACTIVE') {
    throw new Error(`certificate authority ${caArn} is ${out.CertificateAuthority.Status}, not ACTIVE`);
  }
  if (cfg?.SigningAlgorithm) return cfg.SigningAlgorithm;
  if (cfg?.KeyAlgorithm) return signingAlgorithmForCaKey(cfg.KeyAlgorithm);
  throw new Error(`certificate authority ${caArn} reports no key algorithm`);
}
