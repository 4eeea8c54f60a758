// The emulated ACM Private CA through the unmodified @aws-sdk/client-acm-pca: real X.509 that openssl and
// Node accept, the documented errors, RequestInProgressException with the SDK's own waiter, idempotency
// tokens and an injectable clock.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ACMPCAClient,
  CreateCertificateAuthorityCommand,
  DescribeCertificateAuthorityCommand,
  GetCertificateAuthorityCertificateCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
  ListCertificateAuthoritiesCommand,
  RevokeCertificateCommand,
  waitUntilCertificateIssued,
  type IssueCertificateCommandInput,
} from '@aws-sdk/client-acm-pca';
import { Gateway } from '../../../local/aws/gateway.js';
import { AcmPcaEmulator } from '../../../local/aws/acm-pca.js';

x509.cryptoProvider.set(webcrypto as never);

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let gw: Gateway;
let clock = Date.now();
const pcaEmu = new AcmPcaEmulator({ now: () => clock });
let pca: ACMPCAClient;
let ecCa: string;
let tmp: string;

async function csrPem(cn: string, alg: 'EC' | 'RSA' = 'EC'): Promise<string> {
  const params =
    alg === 'EC'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(params, false, ['sign', 'verify'])) as never;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: params as never,
  });
  return csr.toString('pem');
}

const enc = (s: string) => new TextEncoder().encode(s);

function issueInput(
  caArn: string,
  csr: string,
  extra: Partial<IssueCertificateCommandInput> = {},
): IssueCertificateCommandInput {
  return {
    CertificateAuthorityArn: caArn,
    Csr: enc(csr),
    SigningAlgorithm: 'SHA256WITHECDSA',
    Validity: { Value: 30, Type: 'DAYS' },
    ...extra,
  };
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { name: string; message: string } | undefined;
  if (!e) throw new Error('expected the call to fail');
  return e;
}

/** GetCertificate until it is no longer RequestInProgressException. */
async function collect(caArn: string, certArn: string): Promise<{ Certificate: string; CertificateChain: string }> {
  for (;;) {
    try {
      const out = await pca.send(
        new GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: certArn }),
      );
      return { Certificate: out.Certificate!, CertificateChain: out.CertificateChain! };
    } catch (e) {
      if ((e as Error).name !== 'RequestInProgressException') throw e;
    }
  }
}

function opensslVerify(caPem: string, certPem: string): string {
  const ca = join(tmp, `ca-${Math.random()}.pem`);
  const cert = join(tmp, `cert-${Math.random()}.pem`);
  writeFileSync(ca, caPem);
  writeFileSync(cert, certPem);
  return execFileSync('openssl', ['verify', '-CAfile', ca, '-purpose', 'sslclient', cert], { encoding: 'utf8' });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pca-test-'));
  gw = new Gateway({ log: () => undefined });
  gw.registerService(pcaEmu);
  await gw.start();
  pca = new ACMPCAClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds });
  const out = await pca.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'EC_prime256v1',
        SigningAlgorithm: 'SHA256WITHECDSA',
        Subject: { CommonName: 'Local Kafka Clients CA', Organization: 'msk-spec-provisioner' },
      },
      IdempotencyToken: 'create-ec',
    }),
  );
  ecCa = out.CertificateAuthorityArn!;
});
afterAll(async () => {
  await gw.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('certificate authorities', () => {
  test('a ROOT CA is ACTIVE with a self-signed CA certificate; Describe, Get and List agree', async () => {
    expect(ecCa).toMatch(/^arn:aws:acm-pca:us-east-1:000000000000:certificate-authority\/[0-9a-f-]{36}$/);
    const d = await pca.send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: ecCa }));
    expect(d.CertificateAuthority).toMatchObject({
      Arn: ecCa,
      Status: 'ACTIVE',
      Type: 'ROOT',
      UsageMode: 'GENERAL_PURPOSE',
      OwnerAccount: '000000000000',
    });
    expect(d.CertificateAuthority!.CreatedAt).toBeInstanceOf(Date);
    expect(d.CertificateAuthority!.NotAfter!.getTime()).toBeGreaterThan(Date.now() + 3000 * 86400_000);
    const c = await pca.send(new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: ecCa }));
    const ca = new X509Certificate(c.Certificate!);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('O=msk-spec-provisioner\nCN=Local Kafka Clients CA');
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    const l = await pca.send(new ListCertificateAuthoritiesCommand({}));
    expect(l.CertificateAuthorities!.map((x) => x.Arn)).toContain(ecCa);
  });

  test('the same IdempotencyToken returns the same CA; a signing algorithm that does not fit the key is refused', async () => {
    const again = await pca.send(
      new CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'EC_prime256v1',
          SigningAlgorithm: 'SHA256WITHECDSA',
          Subject: { CommonName: 'Local Kafka Clients CA' },
        },
        IdempotencyToken: 'create-ec',
      }),
    );
    expect(again.CertificateAuthorityArn).toBe(ecCa);
    const e = await errorOf(
      pca.send(
        new CreateCertificateAuthorityCommand({
          CertificateAuthorityType: 'ROOT',
          CertificateAuthorityConfiguration: {
            KeyAlgorithm: 'EC_prime256v1',
            SigningAlgorithm: 'SHA256WITHRSA',
            Subject: { CommonName: 'x' },
          },
        }),
      ),
    );
    expect(e.name).toBe('InvalidArgsException');
  });

  test('unknown and malformed CA ARNs: ResourceNotFoundException and InvalidArnException', async () => {
    const missing = ecCa.replace(/[0-9a-f]{12}$/, '000000000000');
    expect(
      (await errorOf(pca.send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: missing })))).name,
    ).toBe('ResourceNotFoundException');
    expect(
      // An ARN that fits the model's Arn pattern but names no CA ('arn:nope' fails the pattern: ValidationException).
      (
        await errorOf(
          pca.send(
            new DescribeCertificateAuthorityCommand({
              CertificateAuthorityArn: 'arn:aws:acm-pca:us-east-1:000000000000:nope',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidArnException');
    expect((await errorOf(pca.send(new IssueCertificateCommand(issueInput(missing, await csrPem('x')))))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  test('ListCertificateAuthorities pages with NextToken', async () => {
    const p1 = await pca.send(new ListCertificateAuthoritiesCommand({ MaxResults: 1 }));
    expect(p1.CertificateAuthorities).toHaveLength(1);
    if (p1.NextToken) {
      const p2 = await pca.send(new ListCertificateAuthoritiesCommand({ MaxResults: 1, NextToken: p1.NextToken }));
      expect(p2.CertificateAuthorities![0]!.Arn).not.toBe(p1.CertificateAuthorities![0]!.Arn);
    }
    expect((await errorOf(pca.send(new ListCertificateAuthoritiesCommand({ NextToken: 'garbage' })))).name).toBe(
      'InvalidNextTokenException',
    );
  });
});

describe('IssueCertificate and GetCertificate', () => {
  test('a client certificate for a CSR: RequestInProgress first, then a certificate openssl and Node verify', async () => {
    const { CertificateArn } = await pca.send(
      new IssueCertificateCommand(issueInput(ecCa, await csrPem('orders'), { IdempotencyToken: 'orders-1' })),
    );
    expect(CertificateArn).toMatch(new RegExp(`^${ecCa}/certificate/[0-9a-f]{32}$`));
    const first = await errorOf(pca.send(new GetCertificateCommand({ CertificateAuthorityArn: ecCa, CertificateArn })));
    expect(first.name).toBe('RequestInProgressException');
    const { Certificate, CertificateChain } = await collect(ecCa, CertificateArn!);
    const cert = new X509Certificate(Certificate);
    const ca = new X509Certificate(CertificateChain);
    expect(cert.subject).toBe('CN=orders');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // Node's keyUsage is the EKU list: clientAuth only
    const days = (Date.parse(cert.validTo) - clock) / 86400_000;
    expect(Math.round(days)).toBe(30);
    expect(opensslVerify(CertificateChain, Certificate)).toMatch(/: OK/);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: Certificate, encoding: 'utf8' });
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    expect(text).toMatch(/X509v3 Subject Key Identifier/);
  });

  test("the SDK's own waitUntilCertificateIssued resolves", async () => {
    const { CertificateArn } = await pca.send(new IssueCertificateCommand(issueInput(ecCa, await csrPem('waiter'))));
    const r = await waitUntilCertificateIssued(
      { client: pca, maxWaitTime: 20, minDelay: 1 },
      { CertificateAuthorityArn: ecCa, CertificateArn },
    );
    expect(r.state).toBe('SUCCESS');
  });

  test('IdempotencyToken: same token and arguments give the same certificate ARN within the window, a new one after it', async () => {
    const csr = await csrPem('idem');
    const a = await pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: 'idem-gen-1' })));
    const b = await pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: 'idem-gen-1' })));
    expect(b.CertificateArn).toBe(a.CertificateArn);
    const c = await pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: 'idem-gen-2' })));
    expect(c.CertificateArn).not.toBe(a.CertificateArn);
    clock += 6 * 60 * 1000;
    const d = await pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: 'idem-gen-1' })));
    expect(d.CertificateArn).not.toBe(a.CertificateArn);
    clock = Date.now(); // later certificates are checked by openssl against the real clock
  });

  test('a retried IssueCertificate with a re-signed CSR (same key, new ECDSA signature) returns the first certificate: the token, not the CSR bytes, is the idempotency key (API_IssueCertificate, "IdempotencyToken")', async () => {
    const params = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(params, false, ['sign', 'verify'])) as never;
    const sign = async () =>
      (
        await x509.Pkcs10CertificateRequestGenerator.create({
          name: 'CN=retried',
          keys,
          signingAlgorithm: params as never,
        })
      ).toString('pem');
    const first = await sign();
    const resigned = await sign();
    expect(resigned).not.toBe(first); // ECDSA signatures differ each time
    const a = await pca.send(new IssueCertificateCommand(issueInput(ecCa, first, { IdempotencyToken: 'retry-gen-7' })));
    const b = await pca.send(
      new IssueCertificateCommand(issueInput(ecCa, resigned, { IdempotencyToken: 'retry-gen-7' })),
    );
    expect(b.CertificateArn).toBe(a.CertificateArn);
    const certA = await collect(ecCa, a.CertificateArn!);
    const certB = await collect(ecCa, b.CertificateArn!);
    expect(certB.Certificate).toBe(certA.Certificate);
    // The token is per CA: another CA issues its own certificate for the same token.
    const other = await pca.send(
      new CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'EC_prime256v1',
          SigningAlgorithm: 'SHA256WITHECDSA',
          Subject: { CommonName: 'Other CA' },
        },
      }),
    );
    const elsewhere = await pca.send(
      new IssueCertificateCommand(
        issueInput(other.CertificateAuthorityArn!, first, { IdempotencyToken: 'retry-gen-7' }),
      ),
    );
    expect(elsewhere.CertificateArn).not.toBe(a.CertificateArn);
  });

  test('IdempotencyToken constraints from the model (acm-pca service-2.json, shape IdempotencyToken: length 1..36, pattern [\\u0009\\u000A\\u000D\\u0020-\\u00FF]*) give ValidationException', async () => {
    const csr = await csrPem('token-rules');
    for (const [token, rule] of [
      ['x'.repeat(37), 'Member must have length less than or equal to 36'],
      ['', 'Member must have length greater than or equal to 1'],
      ['gen-\u20ac', 'Member must satisfy regular expression pattern'],
      ['gen-\u0007', 'Member must satisfy regular expression pattern'],
    ] as const) {
      const e = await errorOf(
        pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: token }))),
      );
      expect(e.name).toBe('ValidationException');
      expect(e.message).toContain(rule);
      expect(e.message).toContain("at 'idempotencyToken'");
    }
    const ok = await pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: 'x'.repeat(36) })));
    expect(ok.CertificateArn).toBeDefined();
    const latin1 = await pca.send(
      new IssueCertificateCommand(issueInput(ecCa, csr, { IdempotencyToken: 'gen \u00e9\t1' })),
    );
    expect(latin1.CertificateArn).toBeDefined();
    const ca = await errorOf(
      pca.send(
        new CreateCertificateAuthorityCommand({
          CertificateAuthorityType: 'ROOT',
          IdempotencyToken: 'y'.repeat(37),
          CertificateAuthorityConfiguration: {
            KeyAlgorithm: 'EC_prime256v1',
            SigningAlgorithm: 'SHA256WITHECDSA',
            Subject: { CommonName: 'Too long a token' },
          },
        }),
      ),
    );
    expect(ca.name).toBe('ValidationException');
  });

  test('MalformedCSRException for garbage and for a CSR whose signature does not verify', async () => {
    expect((await errorOf(pca.send(new IssueCertificateCommand(issueInput(ecCa, 'not a csr'))))).name).toBe(
      'MalformedCSRException',
    );
    const pem = await csrPem('tampered');
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der[der.length - 5] = der[der.length - 5]! ^ 0xff; // flip bits inside the signature
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const e = await errorOf(pca.send(new IssueCertificateCommand(issueInput(ecCa, bad))));
    expect(e.name).toBe('MalformedCSRException');
  });

  test('InvalidArgsException: an RSA signing algorithm on an EC CA, a validity in the past or beyond the CA', async () => {
    const csr = await csrPem('args');
    expect(
      (
        await errorOf(
          pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { SigningAlgorithm: 'SHA256WITHRSA' }))),
        )
      ).name,
    ).toBe('InvalidArgsException');
    expect(
      (
        await errorOf(
          pca.send(
            new IssueCertificateCommand(issueInput(ecCa, csr, { Validity: { Value: 1000000, Type: 'ABSOLUTE' } })),
          ),
        )
      ).name,
    ).toBe('InvalidArgsException');
    expect(
      (
        await errorOf(
          pca.send(new IssueCertificateCommand(issueInput(ecCa, csr, { Validity: { Value: 50, Type: 'YEARS' } }))),
        )
      ).name,
    ).toBe('InvalidArgsException');
  });

  test('Validity END_DATE and ABSOLUTE set notAfter exactly', async () => {
    const csr = await csrPem('dates');
    const end = new Date(clock + 10 * 86400_000);
    const endDate = Number(end.toISOString().replace(/[-:T]/g, '').slice(0, 14));
    const a = await pca.send(
      new IssueCertificateCommand(issueInput(ecCa, csr, { Validity: { Value: endDate, Type: 'END_DATE' } })),
    );
    const certA = new X509Certificate((await collect(ecCa, a.CertificateArn!)).Certificate);
    expect(Math.floor(Date.parse(certA.validTo) / 1000)).toBe(Math.floor(end.getTime() / 1000));
    const abs = Math.floor((clock + 3 * 86400_000) / 1000);
    const b = await pca.send(
      new IssueCertificateCommand(issueInput(ecCa, csr, { Validity: { Value: abs, Type: 'ABSOLUTE' } })),
    );
    const certB = new X509Certificate((await collect(ecCa, b.CertificateArn!)).Certificate);
    expect(Date.parse(certB.validTo) / 1000).toBe(abs);
  });

  test('an RSA CA signs with SHA384WITHRSA; openssl verifies an RSA client certificate', async () => {
    const { CertificateAuthorityArn } = await pca.send(
      new CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'RSA_2048',
          SigningAlgorithm: 'SHA256WITHRSA',
          Subject: { CommonName: 'RSA CA' },
        },
      }),
    );
    const { CertificateArn } = await pca.send(
      new IssueCertificateCommand(
        issueInput(CertificateAuthorityArn!, await csrPem('rsa-client', 'RSA'), { SigningAlgorithm: 'SHA384WITHRSA' }),
      ),
    );
    const { Certificate, CertificateChain } = await collect(CertificateAuthorityArn!, CertificateArn!);
    expect(opensslVerify(CertificateChain, Certificate)).toMatch(/: OK/);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: Certificate, encoding: 'utf8' });
    expect(text).toMatch(/Signature Algorithm: sha384WithRSAEncryption/);
    expect(
      (await errorOf(pca.send(new IssueCertificateCommand(issueInput(CertificateAuthorityArn!, await csrPem('x'))))))
        .name,
    ).toBe('InvalidArgsException');
  });

  test('GetCertificate: a delay on the injected clock holds RequestInProgressException until time passes', async () => {
    let t = 1_800_000_000_000;
    const slow = new AcmPcaEmulator({ now: () => t, readyAfterPolls: 0, readyAfterMs: 30_000 });
    const { CertificateAuthorityArn: caArn } = await slow.createCertificateAuthority({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'EC_prime256v1',
        SigningAlgorithm: 'SHA256WITHECDSA',
        Subject: { CommonName: 'slow' },
      },
    });
    const csr = Buffer.from(await csrPem('slow')).toString('base64');
    const { CertificateArn } = await slow.issueCertificate({
      CertificateAuthorityArn: caArn,
      Csr: csr,
      SigningAlgorithm: 'SHA256WITHECDSA',
      Validity: { Value: 1, Type: 'DAYS' },
    });
    expect(() => slow.getCertificate({ CertificateAuthorityArn: caArn, CertificateArn })).toThrow(
      expect.objectContaining({ code: 'RequestInProgressException' }),
    );
    t += 30_000;
    expect(slow.getCertificate({ CertificateAuthorityArn: caArn, CertificateArn }).Certificate).toMatch(
      /BEGIN CERTIFICATE/,
    );
    expect(slow.caCertificatePem(caArn)).toMatch(/BEGIN CERTIFICATE/);
    slow.setReadiness({ readyAfterPolls: 2, readyAfterMs: 0 });
    const second = await slow.issueCertificate({
      CertificateAuthorityArn: caArn,
      Csr: csr,
      SigningAlgorithm: 'SHA256WITHECDSA',
      Validity: { Value: 1, Type: 'DAYS' },
    });
    const poll = () => slow.getCertificate({ CertificateAuthorityArn: caArn, CertificateArn: second.CertificateArn });
    expect(poll).toThrow(expect.objectContaining({ code: 'RequestInProgressException' }));
    expect(poll).toThrow(expect.objectContaining({ code: 'RequestInProgressException' }));
    expect(poll().Certificate).toMatch(/BEGIN CERTIFICATE/);
  });

  test('a CA created under a clock set ahead is still valid now for real TLS stacks', async () => {
    const ahead = new AcmPcaEmulator({ now: () => Date.now() + 30 * 86400_000 });
    const { CertificateAuthorityArn: caArn } = await ahead.createCertificateAuthority({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'EC_prime256v1',
        SigningAlgorithm: 'SHA256WITHECDSA',
        Subject: { CommonName: 'ahead' },
      },
    });
    const ca = new X509Certificate(ahead.caCertificatePem(caArn)!);
    expect(Date.parse(ca.validFrom)).toBeLessThanOrEqual(Date.now());
  });

  test('GetCertificate: unknown certificate → ResourceNotFoundException', async () => {
    const e = await errorOf(
      pca.send(
        new GetCertificateCommand({
          CertificateAuthorityArn: ecCa,
          CertificateArn: `${ecCa}/certificate/${'0'.repeat(32)}`,
        }),
      ),
    );
    expect(e.name).toBe('ResourceNotFoundException');
  });
});

describe('RevokeCertificate and faults', () => {
  test('revoking by serial; a second revocation is RequestAlreadyProcessedException', async () => {
    const { CertificateArn } = await pca.send(new IssueCertificateCommand(issueInput(ecCa, await csrPem('revoked'))));
    const cert = new X509Certificate((await collect(ecCa, CertificateArn!)).Certificate);
    const serial = cert.serialNumber.match(/../g)!.join(':').toLowerCase();
    await pca.send(
      new RevokeCertificateCommand({
        CertificateAuthorityArn: ecCa,
        CertificateSerial: serial,
        RevocationReason: 'SUPERSEDED',
      }),
    );
    expect(pcaEmu.isRevoked(CertificateArn!)).toBe(true);
    const e = await errorOf(
      pca.send(
        new RevokeCertificateCommand({
          CertificateAuthorityArn: ecCa,
          CertificateSerial: serial,
          RevocationReason: 'SUPERSEDED',
        }),
      ),
    );
    expect(e.name).toBe('RequestAlreadyProcessedException');
    const missing = await errorOf(
      pca.send(
        new RevokeCertificateCommand({
          CertificateAuthorityArn: ecCa,
          CertificateSerial: '01:02',
          RevocationReason: 'SUPERSEDED',
        }),
      ),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  test('an injected ThrottlingException reaches the SDK (no retries configured)', async () => {
    gw.faults.add({
      service: 'acm-pca',
      operation: 'IssueCertificate',
      error: { code: 'ThrottlingException', message: 'Rate exceeded' },
      times: 1,
    });
    const noRetry = new ACMPCAClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const e = await errorOf(noRetry.send(new IssueCertificateCommand(issueInput(ecCa, await csrPem('throttled')))));
    expect(e.name).toBe('ThrottlingException');
    const ok = await noRetry.send(new IssueCertificateCommand(issueInput(ecCa, await csrPem('throttled'))));
    expect(ok.CertificateArn).toBeDefined();
  });
});
