// RevokeCertificates: the domain's certificates stop renewing and are revoked in ACM PCA, and
// current.json says so (lib/aws/certificates.ts revokeDomainCertificates). Never reads a private key.
import { z } from 'zod';
import { revokeDomainCertificates, type RevocationResult } from '../../lib/aws/certificates.js';
import { instrument } from '../../lib/observability.js';
import { certificateAuthority, type CertificateDeps } from '../_shared/certificates.js';
import { Correlated, DomainId, optionalDate, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({ domain: DomainId, now: z.string().optional() });
export type RevokeCertificatesInput = z.input<typeof Input>;

export async function revokeCertificates(
  event: RevokeCertificatesInput,
  deps: CertificateDeps = {},
): Promise<RevocationResult> {
  const { domain, now } = parseInput(Input, event);
  return revokeDomainCertificates(certificateAuthority(deps), domain, optionalDate(now));
}

export const handler = instrument('RevokeCertificates', (event: RevokeCertificatesInput) => revokeCertificates(event));
