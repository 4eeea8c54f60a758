// Emulated AWS Certificate Manager Private CA (JSON 1.1 protocol, X-Amz-Target `ACMPrivateCA.<Operation>`).
//
// Behaviour follows the ACM PCA API reference (https://docs.aws.amazon.com/privateca/latest/APIReference/):
// each operation below cites the page it follows. Certificates are real X.509 signed with a real CA key,
// so `openssl verify`, Node's X509Certificate and the Kafka broker's TLS stack accept them.
//
// Known shortcuts (deliberate):
// - CreateCertificateAuthority with type ROOT returns a CA that is immediately ACTIVE with a self-signed CA
//   certificate. Real PCA leaves it in PENDING_CERTIFICATE until GetCertificateAuthorityCsr →
//   IssueCertificate(RootCACertificate/V1) → ImportCertificateAuthorityCertificate. SUBORDINATE is refused.
// - No CRL/OCSP is published (MSK does not check revocation either, docs/facts.md); RevokeCertificate records state.
// - TemplateArn is validated for shape only; every end-entity certificate gets the
//   EndEntityClientAuthCertificate/V1 extensions (KeyUsage digitalSignature, EKU clientAuth), plus the CSR's
//   SubjectAlternativeName if it has one. ApiPassthrough is ignored.
//
// Request rates (AWS Private CA User Guide, "Quotas": "Request rates for API actions are also subject to quotas.
// AWS Private CA quotas are specific to an AWS account and Region ... When a request is throttled, AWS Private CA
// returns a ThrottlingException error"; the values are Service Quotas' defaults for acm-pca, listed in the AWS
// General Reference, "AWS Private Certificate Authority endpoints and quotas": "Rate of IssueCertificate requests"
// L-CAFB4993 25 per second, "Rate of GetCertificate requests" L-1725E639 75, "Rate of DescribeCertificateAuthority
// requests" 20, "Rate of RevokeCertificate requests" 20; the first two adjustable). The operations the pipeline
// calls are held to them (`requestRates` overrides them), per emulator (one account and Region). ThrottlingException
// is not among the operations' modeled errors (botocore acm-pca service-2.json): it is the JSON protocol's common
// error, HTTP 400 (API Reference, "Common Errors"), which the SDK's standard retry strategy retries.
// The limiter: each operation has `rate` tokens; an accepted request spends one, which comes back one second later.
// So no one-second window, sliding or not, holds more than `rate` accepted requests (a bucket refilled continuously
// would let a full bucket plus a second's refill, up to twice the rate, through in the first second). A throttled
// request spends nothing. The clock is `rateClock` (environment.ts: the fault injector's, so Retry waits a test skips
// still pass for the quota).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import {
  AwsServiceError,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type JsonService,
  type Operation,
  type RequestContext,
} from './core.js';
import { PageTokens, pageSize } from './pagination.js';
import { buildArn } from './arn.js';

x509.cryptoProvider.set(webcrypto as never);

// No DOM lib in this project: name WebCrypto's types through node:crypto.
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;

type KeyAlgorithm = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'EC_prime256v1' | 'EC_secp384r1' | 'EC_secp521r1';
type SigningAlgorithm =
  'SHA256WITHRSA' | 'SHA384WITHRSA' | 'SHA512WITHRSA' | 'SHA256WITHECDSA' | 'SHA384WITHECDSA' | 'SHA512WITHECDSA';

const KEY_ALGORITHMS: Record<KeyAlgorithm, { family: 'RSA' | 'EC'; bits?: number; curve?: string }> = {
  RSA_2048: { family: 'RSA', bits: 2048 },
  RSA_3072: { family: 'RSA', bits: 3072 },
  RSA_4096: { family: 'RSA', bits: 4096 },
  EC_prime256v1: { family: 'EC', curve: 'P-256' },
  EC_secp384r1: { family: 'EC', curve: 'P-384' },
  EC_secp521r1: { family: 'EC', curve: 'P-521' },
};

const SIGNING_ALGORITHMS: Record<SigningAlgorithm, { family: 'RSA' | 'EC'; hash: string }> = {
  SHA256WITHRSA: { family: 'RSA', hash: 'SHA-256' },
  SHA384WITHRSA: { family: 'RSA', hash: 'SHA-384' },
  SHA512WITHRSA: { family: 'RSA', hash: 'SHA-512' },
  SHA256WITHECDSA: { family: 'EC', hash: 'SHA-256' },
  SHA384WITHECDSA: { family: 'EC', hash: 'SHA-384' },
  SHA512WITHECDSA: { family: 'EC', hash: 'SHA-512' },
};

/** IssueCertificate: "IdempotencyToken ... expires after five minutes" (API reference, IssueCertificate). */
const IDEMPOTENCY_WINDOW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AcmPcaOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Injectable clock (epoch ms). Tests advance it to exercise expiry and rotation. */
  readonly now?: () => number;
  /**
   * GetCertificate answers RequestInProgressException until the certificate has been polled this many times
   * (default 1: the first poll is always "in progress", as the real service often is right after issuing).
   */
  readonly readyAfterPolls?: number;
  /** ...and until this much clock time has passed since IssueCertificate (default 0). */
  readonly readyAfterMs?: number;
  /** Validity of the self-signed root CA certificate in days (default 3650). */
  readonly caValidityDays?: number;
  /** Requests per second per operation, instead of the quotas' defaults (DEFAULT_REQUEST_RATES). */
  readonly requestRates?: Partial<Record<RateLimitedOperation, number>>;
  /** The clock the request rates count on (epoch ms; default Date.now). */
  readonly rateClock?: () => number;
}

/** Service Quotas' default request rates (per second, per account and Region) of the operations the pipeline calls. */
export const DEFAULT_REQUEST_RATES = {
  IssueCertificate: 25,
  GetCertificate: 75,
  DescribeCertificateAuthority: 20,
  RevokeCertificate: 20,
} as const;
export type RateLimitedOperation = keyof typeof DEFAULT_REQUEST_RATES;

/** What one rate-limited operation saw: accepted and throttled requests, and the most accepted in any one second. */
export interface RequestRateStats {
  readonly rate: number;
  readonly accepted: number;
  readonly throttled: number;
  readonly peakPerSecond: number;
}

/** `rate` tokens; each accepted request spends one, returned one second after it was spent (see the file header). */
class RequestRateLimiter {
  /** When each token still out was spent, oldest first (at most `rate` of them). */
  private readonly spent: number[] = [];
  accepted = 0;
  throttled = 0;
  peakPerSecond = 0;

  constructor(readonly rate: number) {}

  take(nowMs: number): boolean {
    while (this.spent.length > 0 && this.spent[0]! <= nowMs - 1000) this.spent.shift();
    if (this.spent.length >= this.rate) {
      this.throttled++;
      return false;
    }
    this.spent.push(nowMs);
    this.accepted++;
    this.peakPerSecond = Math.max(this.peakPerSecond, this.spent.length);
    return true;
  }
}

interface CaRecord {
  arn: string;
  createdAt: number;
  lastStateChangeAt: number;
  status: 'ACTIVE' | 'DISABLED' | 'DELETED';
  type: 'ROOT';
  usageMode: string;
  configuration: Record<string, unknown>;
  revocationConfiguration?: unknown;
  keyAlgorithm: KeyAlgorithm;
  signingAlgorithm: SigningAlgorithm;
  keys: CryptoKeyPair;
  /** WebCrypto RSA keys carry their hash; re-imported copies per hash for SHA384/512WITHRSA. */
  signingKeys: Map<string, CryptoKey>;
  cert: x509.X509Certificate;
  certPem: string;
  createToken?: string;
}

interface IssuedRecord {
  arn: string;
  caArn: string;
  serialHex: string;
  pem: string;
  issuedAt: number;
  polls: number;
  notAfter: number;
  revokedAt?: number;
  revocationReason?: string;
}

interface IdempotencyRecord {
  /** The certificate's ARN once issued; undefined when the first call failed (the token is then free again). */
  certArn: Promise<string | undefined>;
  at: number;
}

/**
 * The IdempotencyToken shape of the ACM PCA model (botocore acm-pca/2017-08-22/service-2.json, shape
 * IdempotencyToken: string, min 1, max 36, pattern `[\u0009\u000A\u000D\u0020-\u00FF]*`), used by
 * IssueCertificate and CreateCertificateAuthority; a value outside it is the JSON protocol's
 * ValidationException.
 */
function checkIdempotencyToken(token: unknown): string | undefined {
  if (token === undefined || token === null) return undefined;
  const fail = (rule: string): never => {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(token)}' at 'idempotencyToken' failed to satisfy constraint: ${rule}`,
    );
  };
  if (typeof token !== 'string') return fail('Member must be a string');
  if (token.length < 1) fail('Member must have length greater than or equal to 1');
  if (token.length > 36) fail('Member must have length less than or equal to 36');
  if (!/^[\u0009\u000A\u000D\u0020-\u00FF]*$/.test(token))
    fail('Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]*');
  return token;
}

function str(input: Record<string, unknown>, name: string, required = true): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required)
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof v !== 'string')
    throw new AwsServiceError('ValidationException', `Value at '${lowerFirst(name)}' must be a string`);
  return v;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function escapeDnValue(v: string): string {
  return v
    .replace(/([,+"\\<>;=])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** ASN1Subject (API reference, data type ASN1Subject) → an RFC 4514 string, most significant RDN first. */
function subjectToDn(subject: Record<string, unknown> | undefined): string {
  if (!subject || typeof subject !== 'object')
    throw new AwsServiceError('InvalidArgsException', 'CertificateAuthorityConfiguration.Subject is required.');
  const order: [string, string][] = [
    ['Country', 'C'],
    ['State', 'ST'],
    ['Locality', 'L'],
    ['Organization', 'O'],
    ['OrganizationalUnit', 'OU'],
    ['DistinguishedNameQualifier', '2.5.4.46'],
    ['SerialNumber', '2.5.4.5'],
    ['Title', '2.5.4.12'],
    ['Surname', '2.5.4.4'],
    ['GivenName', '2.5.4.42'],
    ['Initials', '2.5.4.43'],
    ['Pseudonym', '2.5.4.65'],
    ['GenerationQualifier', '2.5.4.44'],
    ['CommonName', 'CN'],
  ];
  const parts: string[] = [];
  for (const [field, attr] of order) {
    const v = subject[field];
    if (typeof v === 'string' && v.length > 0) parts.push(`${attr}=${escapeDnValue(v)}`);
  }
  if (parts.length === 0)
    throw new AwsServiceError(
      'InvalidArgsException',
      'The certificate authority subject must contain at least one attribute.',
    );
  return parts.join(', ');
}

function toEpochSeconds(ms: number): number {
  return ms / 1000;
}

function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive INTEGER
  if (b[0] === 0) b[0] = 0x01; // keep DER minimal and 16 bytes long
  return b.toString('hex');
}

function colonHex(hex: string): string {
  return hex.match(/../g)!.join(':');
}

/** Parses an ACM PCA CA ARN: arn:aws:acm-pca:<region>:<account>:certificate-authority/<uuid>. */
const CA_ARN_RE = /^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[0-9a-f-]{36}$/;
const CERT_ARN_RE =
  /^(arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[0-9a-f-]{36})\/certificate\/[0-9a-f]{32}$/;

export class AcmPcaEmulator implements JsonService {
  readonly signingName = 'acm-pca';
  readonly targetPrefix = 'ACMPrivateCA';
  readonly operations: Readonly<Record<string, Operation>>;

  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;
  private readyAfterPolls: number;
  private readyAfterMs: number;
  private readonly caValidityDays: number;
  private readonly cas = new Map<string, CaRecord>();
  private readonly certs = new Map<string, IssuedRecord>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly tokens = new PageTokens();
  private readonly limiters = new Map<string, RequestRateLimiter>();
  private readonly rateClock: () => number;

  constructor(options: AcmPcaOptions = {}) {
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.now = options.now ?? Date.now;
    this.readyAfterPolls = options.readyAfterPolls ?? 1;
    this.readyAfterMs = options.readyAfterMs ?? 0;
    this.caValidityDays = options.caValidityDays ?? 3650;
    this.rateClock = options.rateClock ?? Date.now;
    for (const [op, rate] of Object.entries({ ...DEFAULT_REQUEST_RATES, ...options.requestRates }))
      this.limiters.set(op, new RequestRateLimiter(rate));
    const operations: Record<string, Operation> = {
      CreateCertificateAuthority: (i) => this.createCertificateAuthority(i),
      DescribeCertificateAuthority: (i) => this.describeCertificateAuthority(i),
      GetCertificateAuthorityCertificate: (i) => this.getCertificateAuthorityCertificate(i),
      ListCertificateAuthorities: (i) => this.listCertificateAuthorities(i),
      IssueCertificate: (i) => this.issueCertificate(i),
      GetCertificate: (i) => this.getCertificate(i),
      RevokeCertificate: (i) => this.revokeCertificate(i),
    };
    this.operations = Object.fromEntries(
      Object.entries(operations).map(([name, op]) => [
        name,
        this.limiters.has(name) ? (i: unknown, ctx: RequestContext) => (this.admit(name), op(i, ctx)) : op,
      ]),
    );
  }

  /** Throttles a request past its operation's rate (see the file header). */
  private admit(operation: string): void {
    if (!this.limiters.get(operation)!.take(this.rateClock()))
      throw new AwsServiceError('ThrottlingException', `Rate exceeded for ${operation}`, 400);
  }

  /** Changes an operation's request rate from now on (tests: a low rate, to see throttling with a few requests). */
  setRequestRate(operation: RateLimitedOperation, rate: number): void {
    this.limiters.set(operation, new RequestRateLimiter(rate));
  }

  /** Accepted and throttled requests per rate-limited operation so far (benchmarks read it). */
  requestRateStats(): Record<RateLimitedOperation, RequestRateStats> {
    return Object.fromEntries(
      [...this.limiters].map(([op, l]) => [
        op,
        { rate: l.rate, accepted: l.accepted, throttled: l.throttled, peakPerSecond: l.peakPerSecond },
      ]),
    ) as Record<RateLimitedOperation, RequestRateStats>;
  }

  // ---- in-process accessors (for the MSK emulator and the local runner) ----

  /** The PEM of an ACTIVE CA's certificate, or undefined when the ARN is unknown or not ACTIVE. */
  caCertificatePem(caArn: string): string | undefined {
    const ca = this.cas.get(caArn);
    return ca && ca.status === 'ACTIVE' ? ca.certPem : undefined;
  }

  /** Changes how long GetCertificate answers RequestInProgressException, for certificates polled from now on. */
  setReadiness(o: { readyAfterPolls?: number; readyAfterMs?: number }): void {
    if (o.readyAfterPolls !== undefined) this.readyAfterPolls = o.readyAfterPolls;
    if (o.readyAfterMs !== undefined) this.readyAfterMs = o.readyAfterMs;
  }

  /** Number of certificates issued so far (for tests and benchmarks). */
  get issuedCount(): number {
    return this.certs.size;
  }

  // ---- operations ----

  /**
   * CreateCertificateAuthority (API reference): CertificateAuthorityConfiguration {KeyAlgorithm, SigningAlgorithm,
   * Subject}, CertificateAuthorityType ROOT|SUBORDINATE, IdempotencyToken, RevocationConfiguration, Tags, UsageMode.
   * Errors: InvalidArgsException, InvalidPolicyException, InvalidTagException, LimitExceededException.
   * Shortcut: a ROOT CA is ACTIVE at once with a self-signed certificate (see file header).
   */
  async createCertificateAuthority(input: Record<string, unknown>): Promise<{ CertificateAuthorityArn: string }> {
    const type = str(input, 'CertificateAuthorityType');
    if (type !== 'ROOT') {
      throw new AwsServiceError(
        'InvalidArgsException',
        `CertificateAuthorityType ${type} is not supported by the local emulator; only ROOT is.`,
      );
    }
    const config = input['CertificateAuthorityConfiguration'] as Record<string, unknown> | undefined;
    if (!config || typeof config !== 'object') {
      throw new AwsServiceError(
        'ValidationException',
        "1 validation error detected: Value null at 'certificateAuthorityConfiguration' failed to satisfy constraint: Member must not be null",
      );
    }
    const keyAlgorithm = config['KeyAlgorithm'] as KeyAlgorithm;
    const signingAlgorithm = config['SigningAlgorithm'] as SigningAlgorithm;
    const key = KEY_ALGORITHMS[keyAlgorithm];
    if (!key)
      throw new AwsServiceError('InvalidArgsException', `KeyAlgorithm ${String(keyAlgorithm)} is not supported.`);
    const sig = SIGNING_ALGORITHMS[signingAlgorithm];
    if (!sig)
      throw new AwsServiceError(
        'InvalidArgsException',
        `SigningAlgorithm ${String(signingAlgorithm)} is not supported.`,
      );
    if (sig.family !== key.family) {
      throw new AwsServiceError(
        'InvalidArgsException',
        `The signing algorithm ${signingAlgorithm} is not compatible with the key algorithm ${keyAlgorithm}.`,
      );
    }
    const dn = subjectToDn(config['Subject'] as Record<string, unknown> | undefined);
    const usageMode = (input['UsageMode'] as string | undefined) ?? 'GENERAL_PURPOSE';
    if (usageMode !== 'GENERAL_PURPOSE' && usageMode !== 'SHORT_LIVED_CERTIFICATE') {
      throw new AwsServiceError('InvalidArgsException', `UsageMode ${usageMode} is not valid.`);
    }
    const token = checkIdempotencyToken(input['IdempotencyToken']);
    if (token) {
      for (const ca of this.cas.values()) {
        if (ca.createToken === token && this.now() - ca.createdAt < IDEMPOTENCY_WINDOW_MS)
          return { CertificateAuthorityArn: ca.arn };
      }
    }

    const keys = await generateKeyPair(keyAlgorithm, sig.hash);
    const nowMs = this.now();
    // Valid from the earlier of the injected clock and the real one: a test clock set ahead must not leave the CA
    // "not yet valid" for TLS stacks (the broker, openssl) that check against real time.
    const notBefore = new Date(Math.min(nowMs, Date.now()) - 60_000);
    const notAfter = new Date(nowMs + this.caValidityDays * DAY_MS);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerialHex(),
      name: dn,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: signingParams(sig),
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const arn = buildArn('acm-pca', this.region, this.accountId, `certificate-authority/${randomUUID()}`);
    const record: CaRecord = {
      arn,
      createdAt: nowMs,
      lastStateChangeAt: nowMs,
      status: 'ACTIVE',
      type: 'ROOT',
      usageMode,
      configuration: config,
      revocationConfiguration: input['RevocationConfiguration'],
      keyAlgorithm,
      signingAlgorithm,
      keys,
      signingKeys: new Map([[sig.hash, keys.privateKey]]),
      cert,
      certPem: cert.toString('pem'),
      ...(token ? { createToken: token } : {}),
    };
    this.cas.set(arn, record);
    return { CertificateAuthorityArn: arn };
  }

  /** DescribeCertificateAuthority (API reference). Errors: InvalidArnException, ResourceNotFoundException. */
  describeCertificateAuthority(input: Record<string, unknown>): { CertificateAuthority: Record<string, unknown> } {
    const ca = this.findCa(str(input, 'CertificateAuthorityArn')!);
    return { CertificateAuthority: this.caView(ca) };
  }

  /**
   * GetCertificateAuthorityCertificate (API reference): Certificate (PEM) and, for a subordinate CA,
   * CertificateChain; a root has no chain. Errors: InvalidArnException, InvalidStateException, ResourceNotFoundException.
   */
  getCertificateAuthorityCertificate(input: Record<string, unknown>): { Certificate: string } {
    const ca = this.findCa(str(input, 'CertificateAuthorityArn')!);
    if (ca.status !== 'ACTIVE' && ca.status !== 'DISABLED') {
      throw new AwsServiceError(
        'InvalidStateException',
        `The certificate authority ${ca.arn} is not in a valid state for retrieving its certificate.`,
      );
    }
    return { Certificate: ca.certPem };
  }

  /** ListCertificateAuthorities (API reference): MaxResults 1..1000, NextToken. Errors: InvalidNextTokenException. */
  listCertificateAuthorities(input: Record<string, unknown>): {
    CertificateAuthorities: Record<string, unknown>[];
    NextToken?: string;
  } {
    const all = [...this.cas.values()].filter((c) => c.status !== 'DELETED');
    const size = pageSize(
      input['MaxResults'],
      { min: 1, max: 1000, default: 1000 },
      (v) =>
        new AwsServiceError(
          'ValidationException',
          `1 validation error detected: Value '${String(v)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000`,
        ),
    );
    const { items, next } = this.tokens.page(all, {
      listing: 'ListCertificateAuthorities',
      size,
      token: input['NextToken'],
      invalid: () => new AwsServiceError('InvalidNextTokenException', 'The token specified is invalid.'),
    });
    const page = items.map((c) => this.caView(c));
    return { CertificateAuthorities: page, ...(next ? { NextToken: next } : {}) };
  }

  /**
   * IssueCertificate (API reference). Inputs: CertificateAuthorityArn, Csr (blob: the PEM bytes), SigningAlgorithm,
   * Validity {Value, Type: END_DATE|ABSOLUTE|DAYS|MONTHS|YEARS}, IdempotencyToken, TemplateArn, ApiPassthrough,
   * ValidityNotBefore. Errors: InvalidArgsException, InvalidArnException, InvalidStateException,
   * LimitExceededException, MalformedCSRException, ResourceNotFoundException.
   */
  async issueCertificate(input: Record<string, unknown>): Promise<{ CertificateArn: string }> {
    const token = checkIdempotencyToken(input['IdempotencyToken']);
    const ca = this.findCa(str(input, 'CertificateAuthorityArn')!);
    if (ca.status !== 'ACTIVE') {
      throw new AwsServiceError(
        'InvalidStateException',
        `The certificate authority ${ca.arn} is not in the ACTIVE state.`,
      );
    }
    const csrRaw = input['Csr'];
    if (typeof csrRaw !== 'string' || csrRaw.length === 0) {
      throw new AwsServiceError(
        'ValidationException',
        "1 validation error detected: Value null at 'csr' failed to satisfy constraint: Member must not be null",
      );
    }
    const signingAlgorithm = str(input, 'SigningAlgorithm') as SigningAlgorithm;
    const sig = SIGNING_ALGORITHMS[signingAlgorithm];
    if (!sig)
      throw new AwsServiceError(
        'ValidationException',
        `Value '${signingAlgorithm}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    const caKey = KEY_ALGORITHMS[ca.keyAlgorithm];
    if (sig.family !== caKey.family) {
      throw new AwsServiceError(
        'InvalidArgsException',
        `The signing algorithm ${signingAlgorithm} is not compatible with the certificate authority's key algorithm ${ca.keyAlgorithm}.`,
      );
    }
    const templateArn = input['TemplateArn'] as string | undefined;
    if (templateArn !== undefined && !/^arn:aws[a-z-]*:acm-pca:::template\/[A-Za-z0-9_]+(\/V\d+)?$/.test(templateArn)) {
      throw new AwsServiceError('InvalidArnException', `The template ARN ${templateArn} is not valid.`);
    }
    const validity = input['Validity'] as { Value?: number; Type?: string } | undefined;
    const nowMs = this.now();
    const notAfterMs = validityEnd(validity, nowMs);
    if (notAfterMs > ca.cert.notAfter.getTime()) {
      throw new AwsServiceError(
        'InvalidArgsException',
        'The certificate validity specified exceeds the certificate authority validity.',
      );
    }
    if (ca.usageMode === 'SHORT_LIVED_CERTIFICATE' && notAfterMs - nowMs > 7 * DAY_MS) {
      throw new AwsServiceError(
        'InvalidArgsException',
        'Certificates issued by a short-lived certificate CA must have a validity of 7 days or less.',
      );
    }

    // "if you call IssueCertificate multiple times with the same idempotency token within five
    // minutes, AWS Private CA recognizes that you are requesting only one certificate and will issue
    // only one" (API_IssueCertificate, IdempotencyToken): the token (per CA) is the key, not the CSR,
    // whose ECDSA signature differs each time a retry re-signs it.
    // The record is made before the first await, so a concurrent call with the token waits for
    // this issuance instead of starting its own.
    let settle: ((arn: string | undefined) => void) | undefined;
    if (token) {
      const key = `${ca.arn}\u0000${token}`;
      const prior = this.idempotency.get(key);
      if (prior && nowMs - prior.at < IDEMPOTENCY_WINDOW_MS) {
        const arn = await prior.certArn;
        if (arn) return { CertificateArn: arn };
      }
      const pending = new Promise<string | undefined>((resolve) => (settle = resolve));
      this.idempotency.set(key, { certArn: pending, at: nowMs });
      this.pruneIdempotency(nowMs);
    }
    try {
      const certArn = await this.mint(ca, csrRaw, sig, nowMs, notAfterMs);
      settle?.(certArn);
      return { CertificateArn: certArn };
    } catch (e) {
      settle?.(undefined);
      throw e;
    }
  }

  /** Signs the end-entity certificate for `csrRaw` and records it; its ARN. */
  private async mint(
    ca: CaRecord,
    csrRaw: string,
    sig: { family: 'RSA' | 'EC'; hash: string },
    nowMs: number,
    notAfterMs: number,
  ): Promise<string> {
    const csr = await parseAndVerifyCsr(csrRaw);
    const serialHex = randomSerialHex();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ];
    const san = csr.getExtension('2.5.29.17'); // id-ce-subjectAltName;
    if (san) extensions.push(san);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialHex,
      subject: csr.subjectName,
      issuer: ca.cert.subjectName,
      notBefore: new Date(nowMs - 60_000), // PCA backdates notBefore by a minute to tolerate clock skew.
      notAfter: new Date(notAfterMs),
      publicKey: csr.publicKey,
      signingKey: await this.signingKey(ca, sig.hash),
      signingAlgorithm: signingParams(sig),
      extensions,
    });
    const certArn = `${ca.arn}/certificate/${randomBytes(16).toString('hex')}`;
    this.certs.set(certArn, {
      arn: certArn,
      caArn: ca.arn,
      serialHex,
      pem: cert.toString('pem'),
      issuedAt: nowMs,
      polls: 0,
      notAfter: notAfterMs,
    });
    return certArn;
  }

  /**
   * GetCertificate (API reference): returns Certificate and CertificateChain (PEM). Errors: InvalidArnException,
   * InvalidStateException, RequestFailedException, RequestInProgressException ("Your request is already in
   * progress"), ResourceNotFoundException.
   */
  getCertificate(input: Record<string, unknown>): { Certificate: string; CertificateChain: string } {
    const caArn = str(input, 'CertificateAuthorityArn')!;
    const certArn = str(input, 'CertificateArn')!;
    const ca = this.findCa(caArn);
    const m = CERT_ARN_RE.exec(certArn);
    if (!m) throw new AwsServiceError('InvalidArnException', `The certificate ARN ${certArn} is not valid.`);
    const rec = this.certs.get(certArn);
    if (!rec || rec.caArn !== ca.arn)
      throw new AwsServiceError('ResourceNotFoundException', `Could not find certificate ${certArn}.`);
    rec.polls += 1;
    if (rec.polls <= this.readyAfterPolls || this.now() - rec.issuedAt < this.readyAfterMs) {
      throw new AwsServiceError(
        'RequestInProgressException',
        `The certificate ${certArn} is not ready yet. Your request is still in progress.`,
      );
    }
    return { Certificate: rec.pem, CertificateChain: ca.certPem };
  }

  /**
   * RevokeCertificate (API reference): CertificateAuthorityArn, CertificateSerial (hex, colons allowed),
   * RevocationReason. Errors: ConcurrentModificationException, InvalidArnException, InvalidRequestException,
   * InvalidStateException, LimitExceededException, RequestAlreadyProcessedException, RequestFailedException,
   * RequestInProgressException, ResourceNotFoundException.
   */
  revokeCertificate(input: Record<string, unknown>): Record<string, never> {
    const ca = this.findCa(str(input, 'CertificateAuthorityArn')!);
    if (ca.status !== 'ACTIVE')
      throw new AwsServiceError(
        'InvalidStateException',
        `The certificate authority ${ca.arn} is not in the ACTIVE state.`,
      );
    const serial = str(input, 'CertificateSerial')!.replace(/:/g, '').toLowerCase().replace(/^0+/, '');
    const reason = str(input, 'RevocationReason')!;
    const reasons = [
      'UNSPECIFIED',
      'KEY_COMPROMISE',
      'CERTIFICATE_AUTHORITY_COMPROMISE',
      'AFFILIATION_CHANGED',
      'SUPERSEDED',
      'CESSATION_OF_OPERATION',
      'PRIVILEGE_WITHDRAWN',
      'A_A_COMPROMISE',
    ];
    if (!reasons.includes(reason))
      throw new AwsServiceError(
        'ValidationException',
        `Value '${reason}' at 'revocationReason' failed to satisfy constraint: Member must satisfy enum value set: [${reasons.join(', ')}]`,
      );
    const rec = [...this.certs.values()].find((c) => c.caArn === ca.arn && c.serialHex.replace(/^0+/, '') === serial);
    if (!rec)
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Could not find a certificate with serial ${input['CertificateSerial'] as string} issued by ${ca.arn}.`,
      );
    if (rec.revokedAt !== undefined)
      throw new AwsServiceError('RequestAlreadyProcessedException', 'The certificate has already been revoked.');
    rec.revokedAt = this.now();
    rec.revocationReason = reason;
    return {};
  }

  /** Whether a certificate (by ARN) has been revoked — for tests. */
  isRevoked(certArn: string): boolean {
    return this.certs.get(certArn)?.revokedAt !== undefined;
  }

  // ---- helpers ----

  private findCa(arn: string): CaRecord {
    if (!CA_ARN_RE.test(arn)) throw new AwsServiceError('InvalidArnException', `The ARN ${arn} is not valid.`);
    const ca = this.cas.get(arn);
    if (!ca || ca.status === 'DELETED')
      throw new AwsServiceError('ResourceNotFoundException', `Could not find certificate authority ${arn}.`);
    return ca;
  }

  private caView(ca: CaRecord): Record<string, unknown> {
    return {
      Arn: ca.arn,
      OwnerAccount: this.accountId,
      CreatedAt: toEpochSeconds(ca.createdAt),
      LastStateChangeAt: toEpochSeconds(ca.lastStateChangeAt),
      Type: ca.type,
      Serial: colonHex(ca.cert.serialNumber.padStart(2, '0')),
      Status: ca.status,
      NotBefore: toEpochSeconds(ca.cert.notBefore.getTime()),
      NotAfter: toEpochSeconds(ca.cert.notAfter.getTime()),
      CertificateAuthorityConfiguration: ca.configuration,
      ...(ca.revocationConfiguration ? { RevocationConfiguration: ca.revocationConfiguration } : {}),
      KeyStorageSecurityStandard: 'FIPS_140_2_LEVEL_3_OR_HIGHER',
      UsageMode: ca.usageMode,
    };
  }

  private async signingKey(ca: CaRecord, hash: string): Promise<CryptoKey> {
    const cached = ca.signingKeys.get(hash);
    if (cached) return cached;
    // RSA keys in WebCrypto are bound to one hash; re-import the same key material for another hash.
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', ca.keys.privateKey as unknown as webcrypto.CryptoKey);
    const key = (await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
      'sign',
    ])) as unknown as CryptoKey;
    ca.signingKeys.set(hash, key);
    return key;
  }

  private pruneIdempotency(nowMs: number): void {
    if (this.idempotency.size < 1024) return;
    for (const [k, v] of this.idempotency) if (nowMs - v.at >= IDEMPOTENCY_WINDOW_MS) this.idempotency.delete(k);
  }
}

function signingParams(sig: { family: 'RSA' | 'EC'; hash: string }): Algorithm | EcdsaParams {
  return sig.family === 'EC'
    ? ({ name: 'ECDSA', hash: sig.hash } as EcdsaParams)
    : ({ name: 'RSASSA-PKCS1-v1_5', hash: sig.hash } as Algorithm);
}

async function generateKeyPair(alg: KeyAlgorithm, hash: string): Promise<CryptoKeyPair> {
  const k = KEY_ALGORITHMS[alg];
  const params =
    k.family === 'EC'
      ? { name: 'ECDSA', namedCurve: k.curve! }
      : { name: 'RSASSA-PKCS1-v1_5', modulusLength: k.bits!, publicExponent: new Uint8Array([1, 0, 1]), hash };
  // The CA key stays extractable only so that RSA keys can be re-imported for another hash (see signingKey).
  return (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

/**
 * Validity (API reference, data type Validity): DAYS/MONTHS/YEARS are relative to now; END_DATE is
 * YYYYMMDDHHMMSS (UTC); ABSOLUTE is Unix epoch seconds. Invalid or past values → InvalidArgsException.
 */
function validityEnd(validity: { Value?: number; Type?: string } | undefined, nowMs: number): number {
  if (!validity || typeof validity !== 'object') {
    throw new AwsServiceError(
      'ValidationException',
      "1 validation error detected: Value null at 'validity' failed to satisfy constraint: Member must not be null",
    );
  }
  const { Value: value, Type: type } = validity;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || !Number.isInteger(value)) {
    throw new AwsServiceError('InvalidArgsException', `The validity value ${String(value)} is not valid.`);
  }
  let end: number;
  const d = new Date(nowMs);
  switch (type) {
    case 'DAYS':
      end = nowMs + value * DAY_MS;
      break;
    case 'MONTHS':
      end = Date.UTC(
        d.getUTCFullYear(),
        d.getUTCMonth() + value,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      );
      break;
    case 'YEARS':
      end = Date.UTC(
        d.getUTCFullYear() + value,
        d.getUTCMonth(),
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      );
      break;
    case 'ABSOLUTE':
      end = value * 1000;
      break;
    case 'END_DATE': {
      const s = String(value);
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
      if (!m)
        throw new AwsServiceError(
          'InvalidArgsException',
          `The END_DATE validity value ${s} must have the format YYYYMMDDHHMMSS.`,
        );
      end = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
      break;
    }
    default:
      throw new AwsServiceError(
        'ValidationException',
        `Value '${String(type)}' at 'validity.type' failed to satisfy constraint: Member must satisfy enum value set: [END_DATE, MONTHS, YEARS, ABSOLUTE, DAYS]`,
      );
  }
  if (!Number.isFinite(end) || end <= nowMs) {
    throw new AwsServiceError('InvalidArgsException', 'The certificate validity must end in the future.');
  }
  return end;
}

/** The Csr blob arrives base64-encoded on the wire; its bytes are the PEM (or, leniently, DER) of a PKCS#10 request. */
async function parseAndVerifyCsr(b64: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    const bytes = Buffer.from(b64, 'base64');
    const text = bytes.toString('utf8');
    csr = text.includes('-----BEGIN')
      ? new x509.Pkcs10CertificateRequest(text.trim())
      : new x509.Pkcs10CertificateRequest(new Uint8Array(bytes));
  } catch {
    throw new AwsServiceError('MalformedCSRException', 'The certificate signing request is invalid.');
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new AwsServiceError('MalformedCSRException', 'The certificate signing request signature is not valid.');
  return csr;
}

export function createAcmPca(options: AcmPcaOptions = {}): AcmPcaEmulator {
  return new AcmPcaEmulator(options);
}
