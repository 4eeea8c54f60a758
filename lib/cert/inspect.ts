// Facts about an issued certificate, read with @peculiar/x509 (kept apart from policy.ts so
// functions that only need the policy do not bundle an X.509 parser).
import { createHash } from 'node:crypto';
import { x509 } from './x509.js';

export interface CertificateFacts {
  /** Lower-case hex without separators. */
  readonly serial: string;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the certificate's SubjectPublicKeyInfo, hex (compare with publicKeyFingerprint). */
  readonly publicKeySha256: string;
}

export function certificateFacts(certPem: string): CertificateFacts {
  const cert = new x509.X509Certificate(certPem);
  return {
    serial: cert.serialNumber.toLowerCase(),
    subject: cert.subject,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    publicKeySha256: createHash('sha256').update(Buffer.from(cert.publicKey.rawData)).digest('hex'),
  };
}
