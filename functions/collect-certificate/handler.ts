// CollectCertificate: fetches the certificate PCA signed, checks it is ours and stores it, switching
// current.json last (lib/aws/certificates.ts collectIssued). RequestInProgressException propagates
// by name for the state machine's Retry.
import { z } from 'zod';
import { collectIssued, type CollectedCertificate } from '../../lib/aws/certificates.js';
import { instrument } from '../../lib/observability.js';
import { certificateAuthority, type CertificateDeps } from '../_shared/certificates.js';
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
  deps: CertificateDeps = {},
): Promise<CollectCertificateOutput> {
  const { correlationId: _, ...req } = parseInput(Input, event);
  return collectIssued(certificateAuthority(deps), req);
}

export const handler = instrument('CollectCertificate', (event: CollectCertificateInput) => collect(event));
