// RevokeCertificates: the domain's certificates stop renewing and are revoked. First its expiry
// index entries go (FindExpiringCertificates scans only the index), then every stored certificate
// still valid is revoked in ACM PCA (CESSATION_OF_OPERATION), then current.json says so. MSK checks
// no CRL, so a revoked certificate still completes the TLS handshake on MSK: access ends with the
// ACLs (RevokeAcls). Only cert.pem and current.json are read, never a private key.
import { X509Certificate } from 'node:crypto';
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getText, listKeys, readCurrent } from '../../lib/aws/cert-store.js';
import { pcaClient, s3Client } from '../../lib/aws/clients.js';
import { revokeCertificate } from '../../lib/aws/decommission.js';
import { certBucket, certificateSettings, kmsKeyArn } from '../../lib/aws/env-config.js';
import { CERT_PREFIX, INDEX_PREFIX, currentKey } from '../../lib/cert/policy.js';
import { certificatesToRevoke, markRevoked } from '../../lib/decommission/index.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { optionalDate, requireDomain } from '../_shared/input.js';

export interface RevokeCertificatesInput extends Correlated {
  readonly domain: string;
  readonly now?: string;
}

export async function revokeCertificates(
  event: RevokeCertificatesInput,
  deps: { s3?: S3Client; pca?: ACMPCAClient } = {},
): Promise<object> {
  const domain = requireDomain(event.domain);
  const s3 = deps.s3 ?? s3Client();
  const bucket = certBucket();
  const now = optionalDate(event.now);
  const index = await listKeys(s3, bucket, `${INDEX_PREFIX}${domain}/`);
  for (const key of index) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

  const certKeys = (await listKeys(s3, bucket, `${CERT_PREFIX}${domain}/`)).filter((k) =>
    /^[^/]+\/[^/]+\/[^/]+\/cert\.pem$/.test(k),
  );
  const stored: { serial: string; notAfter: string }[] = [];
  for (const key of certKeys) {
    const pem = await getText(s3, bucket, key);
    if (pem)
      stored.push({ serial: key.split('/')[2]!, notAfter: new Date(new X509Certificate(pem).validTo).toISOString() });
  }
  const serials = certificatesToRevoke(stored, now);
  const pcaArn = certificateSettings().pcaArn;
  let already = 0;
  for (const serial of serials)
    if ((await revokeCertificate(deps.pca ?? pcaClient(), pcaArn, serial)) === 'ALREADY_REVOKED') already++;

  const current = await readCurrent(s3, bucket, domain);
  if (current && !current.revoked) {
    const marked = markRevoked(current, { at: now.toISOString(), serials });
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: currentKey(domain),
        Body: JSON.stringify(marked, null, 2),
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: kmsKeyArn(),
      }),
    );
  }
  metrics.addMetric('CertificatesRevoked', MetricUnit.Count, serials.length - already);
  logger.info('certificates revoked', { indexEntries: index.length, revoked: serials.length - already, already });
  return {
    domain,
    indexEntriesRemoved: index.length,
    revoked: serials.slice(0, 20),
    newlyRevoked: serials.length - already,
    expired: stored.length - serials.length,
    currentSerial: current?.serial ?? null,
  };
}

export const handler = instrument('RevokeCertificates', (event: RevokeCertificatesInput) => revokeCertificates(event));
