import { createHash, createPublicKey } from 'node:crypto';
import {
  createCsr,
  generateKeyPair,
  keyPairFromPem,
  parseKeyAlgorithm,
  privateKeyFingerprint,
  privateKeyToPem,
  publicKeyFingerprint,
  subjectFor,
} from '../../../lib/cert/keys.js';
import {
  certificateKeys,
  currentKey,
  idempotencyToken,
  indexKey,
  isRenewalDue,
  latestPerDomain,
  parseIndexKey,
  renewalTime,
  signingAlgorithmForCaKey,
} from '../../../lib/cert/policy.js';
import { x509 } from '../../../lib/cert/x509.js';

describe('key pairs and CSRs', () => {
  it('generates ECDSA P-256 by default and a CSR with subject exactly CN=<domain>', async () => {
    const keys = await generateKeyPair();
    expect((keys.privateKey.algorithm as { namedCurve?: string }).namedCurve).toBe('P-256');
    const csrPem = await createCsr('sales.orders', keys);
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    expect(csr.subject).toBe('CN=sales.orders');
    expect(await csr.verify()).toBe(true);
    // The fingerprint is the SHA-256 of the SubjectPublicKeyInfo the CSR carries, computed here by
    // node:crypto from the CSR itself, not by the function under test.
    const csrSpki = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }).export({
      type: 'spki',
      format: 'der',
    });
    expect(await publicKeyFingerprint(keys.publicKey)).toBe(createHash('sha256').update(csrSpki).digest('hex'));
  });

  it('fingerprints a stored private key as the fingerprint of its public key, and nothing else', async () => {
    const keys = await generateKeyPair();
    const other = await generateKeyPair();
    const pem = await privateKeyToPem(keys.privateKey);
    expect(privateKeyFingerprint(pem)).toBe(await publicKeyFingerprint(keys.publicKey));
    expect(privateKeyFingerprint(pem)).not.toBe(await publicKeyFingerprint(other.publicKey));
    expect(privateKeyFingerprint('not a key')).toBeUndefined();
  });

  it('supports RSA 2048', async () => {
    const keys = await generateKeyPair('RSA_2048');
    const csr = new x509.Pkcs10CertificateRequest(await createCsr('a.b', keys));
    expect(csr.subject).toBe('CN=a.b');
    expect((keys.publicKey.algorithm as { modulusLength?: number }).modulusLength).toBe(2048);
  });

  it('round-trips the private key through PKCS#8 PEM with the same public key', async () => {
    const keys = await generateKeyPair();
    const pem = await privateKeyToPem(keys.privateKey);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const again = await keyPairFromPem(pem, 'EC_P256');
    expect(await publicKeyFingerprint(again.publicKey)).toBe(await publicKeyFingerprint(keys.publicKey));
  });

  it('refuses subjects that would not be exactly CN=<domain>', () => {
    expect(() => subjectFor('a,b')).toThrow();
    expect(() => subjectFor('A')).toThrow();
    expect(() => subjectFor('x=y')).toThrow();
    expect(subjectFor('team-1.data')).toBe('CN=team-1.data');
  });

  it('parses key algorithm names', () => {
    expect(parseKeyAlgorithm(undefined)).toBe('EC_P256');
    expect(parseKeyAlgorithm('RSA_3072')).toBe('RSA_3072');
    expect(() => parseKeyAlgorithm('DSA')).toThrow(/not one of/);
  });
});

describe('idempotencyToken', () => {
  it('is deterministic per (domain, generation), at most 36 chars of [\\w-]', () => {
    const t = idempotencyToken('sales.orders', 1);
    expect(t).toBe(idempotencyToken('sales.orders', 1));
    expect(t).toMatch(/^[\w-]{1,36}$/);
    expect(t).not.toBe(idempotencyToken('sales.orders', 2));
    expect(t).not.toBe(idempotencyToken('sales.order', 1));
    expect(idempotencyToken('x'.repeat(200), 99999)).toMatch(/^[\w-]{1,36}$/);
  });
  it('refuses a non-positive generation', () => {
    expect(() => idempotencyToken('a.b', 0)).toThrow();
  });
});

describe('renewal policy (2/3 of the lifetime)', () => {
  const nb = new Date('2026-01-01T00:00:00Z');
  const na = new Date('2026-01-31T00:00:00Z'); // 30 days
  it('starts renewal after 20 of 30 days', () => {
    expect(renewalTime(nb, na).toISOString()).toBe('2026-01-21T00:00:00.000Z');
    expect(isRenewalDue({ notBefore: nb, notAfter: na }, new Date('2026-01-20T23:59:59Z'))).toBe(false);
    expect(isRenewalDue({ notBefore: nb, notAfter: na }, new Date('2026-01-21T00:00:00Z'))).toBe(true);
  });
  it('maps CA key algorithms to PCA signing algorithms', () => {
    expect(signingAlgorithmForCaKey('RSA_2048')).toBe('SHA256WITHRSA');
    expect(signingAlgorithmForCaKey('EC_prime256v1')).toBe('SHA256WITHECDSA');
  });
});

describe('storage layout', () => {
  it('puts files under certificates/<D>/<serial>/ and current.json beside them', () => {
    expect(certificateKeys('a.b', '0f1e')).toEqual({
      key: 'certificates/a.b/0f1e/key.pem',
      cert: 'certificates/a.b/0f1e/cert.pem',
      chain: 'certificates/a.b/0f1e/chain.pem',
    });
    expect(currentKey('a.b')).toBe('certificates/a.b/current.json');
  });

  it('encodes the renewal facts in the index key and reads them back', () => {
    const e = {
      domain: 'a.b',
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2026-01-31T00:00:00.000Z',
      generation: 3,
      serial: 'abc123',
    };
    const k = indexKey(e);
    expect(k).toBe('certificates/_index/a.b/20260101T000000Z_20260131T000000Z_3_abc123');
    expect(parseIndexKey(k)).toEqual(e);
    expect(parseIndexKey('certificates/a.b/current.json')).toBeUndefined();
  });

  it('keeps the newest generation per domain', () => {
    const a1 = indexKey({
      domain: 'a',
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '2026-01-31T00:00:00Z',
      generation: 1,
      serial: '01',
    });
    const a2 = indexKey({
      domain: 'a',
      notBefore: '2026-01-21T00:00:00Z',
      notAfter: '2026-02-20T00:00:00Z',
      generation: 2,
      serial: '02',
    });
    const ab = indexKey({
      domain: 'a.b',
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '2026-01-31T00:00:00Z',
      generation: 1,
      serial: '03',
    });
    const latest = latestPerDomain([a2, ab, a1, 'garbage']);
    expect(latest.map((e) => [e.domain, e.serial])).toEqual([
      ['a', '02'],
      ['a.b', '03'],
    ]);
  });
});
