// Is an issued certificate ours? CollectCertificate asks before storing anything: the subject must
// be exactly `CN=<D>`, the certified public key the one IssueCertificate generated, and the stored
// private key the one that certificate certifies (docs/architecture.md#certificates).
import { CertificateMismatch } from '../errors.js';
import { certificateFacts, type CertificateFacts } from './inspect.js';
import { privateKeyFingerprint, subjectFor } from './keys.js';

export interface IssuedCertificate {
  readonly domain: string;
  readonly generation: number;
  readonly certificateArn: string;
  readonly certificatePem: string;
  /** SHA-256 of the SPKI IssueCertificate generated (its output `publicKeySha256`). */
  readonly publicKeySha256: string;
  /** The pending key of this generation, as stored; undefined when there is none. */
  readonly privateKeyPem: string | undefined;
}

/**
 * The certificate's facts and the checked key when all three checks hold; CertificateMismatch
 * saying which failed otherwise.
 */
export function verifyIssuedCertificate(c: IssuedCertificate): CertificateFacts & { readonly privateKeyPem: string } {
  const facts = certificateFacts(c.certificatePem);
  const of = `generation ${c.generation} of ${c.domain}`;
  if (facts.subject !== subjectFor(c.domain))
    throw new CertificateMismatch(
      `certificate ${c.certificateArn} has subject ${facts.subject}, expected ${subjectFor(c.domain)}`,
    );
  if (facts.publicKeySha256 !== c.publicKeySha256)
    throw new CertificateMismatch(`certificate ${c.certificateArn} does not certify the key generated for ${of}`);
  if (c.privateKeyPem === undefined) throw new CertificateMismatch(`no pending key for ${of}; issue again`);
  if (privateKeyFingerprint(c.privateKeyPem) !== facts.publicKeySha256)
    throw new CertificateMismatch(`the stored key of ${of} does not match certificate ${c.certificateArn}`);
  return { ...facts, privateKeyPem: c.privateKeyPem };
}
