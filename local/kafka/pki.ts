// Small X.509 toolkit for the local broker and its tests: a CA, server certificates for the broker's
// listeners, client certificates whose subject becomes the Kafka principal (`User:CN=...`).
// ECDSA P-256 throughout: about 8 ms per key+cert on these machines, RSA would be ~200 ms.
// Real PEM output, loaded by Kafka's PEM stores (KIP-651) and by Node's tls module.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface CertificateAuthority {
  readonly certPem: string;
  readonly subject: string;
  /** Kept in memory only; never logged or written by this module. */
  readonly cert: x509.X509Certificate;
  readonly privateKey: CryptoKey;
}

export interface IssuedCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`), the form Kafka's PEM key store and Node accept. */
  readonly keyPem: string;
  readonly subject: string;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive INTEGER
  return b.toString('hex');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}-----END PRIVATE KEY-----\n`;
}

/** A self-signed CA. `subject` is an X.500 name such as `CN=local test CA`. */
export async function createCa(subject: string, validDays = 30): Promise<CertificateAuthority> {
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validDays * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', subject, cert, privateKey: keys.privateKey };
}

export interface IssueOptions {
  /** X.500 subject, e.g. `CN=shop.orders`. Kafka's principal is its RFC 2253 form. */
  readonly subject: string;
  /** DNS names / IP addresses for a server certificate. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: 'server' | 'client' | 'both';
  readonly validDays?: number;
  /** For tests of expiry handling. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export async function issueCertificate(ca: CertificateAuthority, opts: IssueOptions): Promise<IssuedCertificate> {
  const keys = await keyPair();
  const now = Date.now();
  const eku =
    opts.usage === 'server'
      ? [x509.ExtendedKeyUsage.serverAuth]
      : opts.usage === 'client'
        ? [x509.ExtendedKeyUsage.clientAuth]
        : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  const names = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: opts.subject,
    issuer: ca.cert.subject,
    notBefore: opts.notBefore ?? new Date(now - 60_000),
    notAfter: opts.notAfter ?? new Date(now + (opts.validDays ?? 30) * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey), subject: opts.subject };
}
