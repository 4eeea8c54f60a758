// CollectCertificate: fetches the certificate PCA signed (RequestInProgressException propagates
// unchanged, by name, for the state machine's Retry), checks it is ours (subject CN=<domain>, the
// public key we generated), stores cert and chain beside the key and switches current.json last.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { S3Client } from '@aws-sdk/client-s3';
import { certificateFacts } from '../../lib/cert/inspect.js';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { promoteCertificate, readPendingKey } from '../../lib/aws/cert-store.js';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';
import { getCertificate } from '../../lib/aws/pca.js';
import { CertificateMismatch } from '../../lib/errors.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { requireDomain, requireString } from '../_shared/input.js';

export interface CollectCertificateInput extends Correlated {
  readonly domain: string;
  readonly certificateArn: string;
  readonly generation: number;
  readonly publicKeySha256: string;
}

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
  const domain = requireDomain(event.domain);
  const certificateArn = requireString(event as unknown as Record<string, unknown>, 'certificateArn');
  const generation = Number(event.generation);
  if (!Number.isInteger(generation) || generation < 1)
    throw new CertificateMismatch('state input has no valid "generation"');
  const { pcaArn } = certificateSettings();

  const { certificate, chain } = await getCertificate(deps.pca ?? pcaClient(), pcaArn, certificateArn);
  const facts = certificateFacts(certificate);
  if (facts.subject !== `CN=${domain}`)
    throw new CertificateMismatch(`certificate ${certificateArn} has subject ${facts.subject}, expected CN=${domain}`);
  if (facts.publicKeySha256 !== event.publicKeySha256) {
    throw new CertificateMismatch(
      `certificate ${certificateArn} does not certify the key generated for generation ${generation} of ${domain}`,
    );
  }

  // The stored key must be the one the certificate certifies (and the one IssueCertificate used).
  const s3 = deps.s3 ?? s3Client();
  const bucket = certBucket();
  const privateKeyPem = await readPendingKey(s3, bucket, domain, generation);
  if (!privateKeyPem)
    throw new CertificateMismatch(`no pending key for generation ${generation} of ${domain}; issue again`);
  if (spkiSha256(privateKeyPem) !== facts.publicKeySha256) {
    throw new CertificateMismatch(
      `the stored key of generation ${generation} of ${domain} does not match certificate ${certificateArn}`,
    );
  }

  const current = await promoteCertificate(
    s3,
    { bucket, kmsKeyId: kmsKeyArn() },
    {
      domain,
      generation,
      serial: facts.serial,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      certificatePem: certificate.endsWith('\n') ? certificate : `${certificate}\n`,
      chainPem: chain,
      privateKeyPem,
    },
  );
  metrics.addMetric(generation > 1 ? 'CertificatesRenewed' : 'CertificatesIssued', MetricUnit.Count, 1);
  logger.info('certificate stored', { serial: current.serial, notAfter: current.notAfter, generation });
  return {
    domain,
    status: 'ISSUED',
    serial: current.serial,
    notBefore: current.notBefore,
    notAfter: current.notAfter,
    generation,
    certificateArn,
  };
}

function spkiSha256(privateKeyPem: string): string {
  try {
    const spki = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(spki).digest('hex');
  } catch {
    return 'unreadable'; // never echo the key or the parser's message
  }
}

export const handler = instrument('CollectCertificate', (event: CollectCertificateInput) => collect(event));
