// Client key pairs and CSRs, generated where they are used (inside the IssueCertificate Lambda).
// The private key leaves this module only as PKCS#8 PEM for the encrypted store; nothing here logs.
import { createHash, createPrivateKey, createPublicKey, KeyObject, type webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { subtle, x509 } from './x509.js';

import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from './algorithms.js';
import { isValidDomainId } from '../spec/names.js';

export { DEFAULT_KEY_ALGORITHM, KEY_ALGORITHMS, parseKeyAlgorithm, type KeyAlgorithm } from './algorithms.js';

type Params = webcrypto.RsaHashedKeyGenParams & webcrypto.EcKeyGenParams & webcrypto.RsaHashedImportParams;

function params(alg: KeyAlgorithm): Params {
  switch (alg) {
    case 'EC_P256':
      return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as never;
    case 'RSA_2048':
    case 'RSA_3072':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: alg === 'RSA_2048' ? 2048 : 3072,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      } as never;
  }
}

export async function generateKeyPair(alg: KeyAlgorithm = DEFAULT_KEY_ALGORITHM): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(params(alg), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 PEM, node:crypto's own encoding. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

/**
 * Re-imports a stored PKCS#8 key and derives its public key (node:crypto's createPrivateKey and
 * createPublicKey), so a retried issuance reuses the same pair.
 */
export async function keyPairFromPem(privatePem: string, alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  const p = params(alg);
  let privateObject: KeyObject;
  try {
    privateObject = createPrivateKey({ key: privatePem, format: 'pem' });
  } catch {
    throw new Error('not a PRIVATE KEY PEM document'); // deliberately without the input or the parser's message
  }
  const pkcs8 = privateObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(privateObject).export({ type: 'spki', format: 'der' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, p, true, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, p, true, ['verify']);
  return { privateKey, publicKey };
}

/**
 * SHA-256 of the SubjectPublicKeyInfo of a stored PKCS#8 key, hex (what publicKeyFingerprint gives
 * for its public key); undefined when the text is not a private key. Never echoes the key.
 */
export function privateKeyFingerprint(privatePem: string): string | undefined {
  try {
    const spki = createPublicKey(createPrivateKey({ key: privatePem, format: 'pem' })).export({
      type: 'spki',
      format: 'der',
    });
    return createHash('sha256').update(spki).digest('hex');
  } catch {
    return undefined;
  }
}

/** SHA-256 of the SubjectPublicKeyInfo, hex: safe to put in state and compare with the issued cert. */
export async function publicKeyFingerprint(publicKey: CryptoKey): Promise<string> {
  return createHash('sha256')
    .update(Buffer.from(await subtle.exportKey('spki', publicKey)))
    .digest('hex');
}

/** The certificate subject for domain D is exactly `CN=D` (the broker's principal is then `User:CN=D`). */
export function subjectFor(domain: string): string {
  if (!isValidDomainId(domain)) throw new RangeError(`invalid domain id for a certificate subject: ${domain}`);
  return `CN=${domain}`;
}

/** A PEM CSR with subject `CN=<domain>`, signed with the key pair (proof of possession). */
export async function createCsr(domain: string, keys: CryptoKeyPair): Promise<string> {
  const alg = keys.privateKey.algorithm as { name: string };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectFor(domain),
    keys,
    signingAlgorithm:
      alg.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  });
  return csr.toString('pem') + '\n';
}
