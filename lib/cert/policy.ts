// Certificate policy with no I/O: idempotency tokens, validity and renewal, the storage layout
// and the shape of `current.json`. lib/aws/cert-store.ts does the S3 calls this layout describes.
import { createHash } from 'node:crypto';

export const DEFAULT_VALIDITY_DAYS = 30;
/** cert-manager's rule: renew once 2/3 of the lifetime has passed. */
export const RENEW_AT_FRACTION = 2 / 3;
const DAY_MS = 86_400_000;

/**
 * ACM PCA deduplicates IssueCertificate calls with the same token for about five minutes, so a
 * retried step does not issue twice. Derived from the domain and the rotation generation: the same
 * (domain, generation) always maps to the same token, a new generation to a new one.
 * At most 36 characters of [A-Za-z0-9_-] (the API's limit and pattern).
 */
export function idempotencyToken(domain: string, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1) throw new RangeError('generation must be a positive integer');
  return createHash('sha256').update(`msk-spec-provisioner:${domain}:${generation}`).digest('base64url').slice(0, 36);
}

/** When renewal of a certificate valid [notBefore, notAfter] starts. */
export function renewalTime(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + (notAfter.getTime() - notBefore.getTime()) * RENEW_AT_FRACTION);
}

export function isRenewalDue(cert: { notBefore: string | Date; notAfter: string | Date }, now: Date): boolean {
  return now.getTime() >= renewalTime(new Date(cert.notBefore), new Date(cert.notAfter)).getTime();
}

export function daysUntil(when: string | Date, now: Date): number {
  return (new Date(when).getTime() - now.getTime()) / DAY_MS;
}

/** PCA's SigningAlgorithm must fit the CA's own key (not the client's). */
export function signingAlgorithmForCaKey(caKeyAlgorithm: string): string {
  if (caKeyAlgorithm.startsWith('RSA_')) return 'SHA256WITHRSA';
  if (caKeyAlgorithm.startsWith('EC_')) return 'SHA256WITHECDSA';
  throw new RangeError(`unsupported CA key algorithm ${caKeyAlgorithm}`);
}

// ---- storage layout -------------------------------------------------------------------------

export const CERT_PREFIX = 'certificates/';
/** Domain ids start with [a-z0-9], so `_index` can never collide with a domain folder. */
export const INDEX_PREFIX = `${CERT_PREFIX}_index/`;

export interface CertificateKeys {
  readonly key: string;
  readonly cert: string;
  readonly chain: string;
}

export function certificateKeys(domain: string, serial: string): CertificateKeys {
  const base = `${CERT_PREFIX}${domain}/${serial}/`;
  return { key: `${base}key.pem`, cert: `${base}cert.pem`, chain: `${base}chain.pem` };
}

export const currentKey = (domain: string): string => `${CERT_PREFIX}${domain}/current.json`;

/** Where IssueCertificate parks the private key of generation G until the serial is known. */
export const pendingKeyKey = (domain: string, generation: number): string =>
  `${CERT_PREFIX}${domain}/pending/${generation}/key.pem`;

/** `certificates/<D>/current.json`: the certificate clients should use now. Switched last. */
export interface CurrentCertificate {
  readonly domain: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly keys: CertificateKeys;
  readonly generation: number;
  /** Set by decommissioning (lib/decommission): the domain's certificates were revoked; the next issuance starts a new generation. */
  readonly revoked?: { readonly at: string; readonly reason: string; readonly serials: readonly string[] };
}

/**
 * The expiry index: one empty object per current certificate whose KEY holds everything the
 * renewal scan needs, `certificates/_index/<D>/<notBefore>_<notAfter>_<generation>_<serial>`
 * (compact UTC timestamps). FindExpiringCertificates therefore costs ListObjectsV2 calls only
 * (one per 1000 domains), no GetObject/HEAD/tagging per certificate. A domain's older index
 * entries are deleted after its current.json switches; if a delete is lost, the scan keeps the
 * newest generation per domain, so a stale entry is harmless.
 */
export interface IndexEntry {
  readonly domain: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly generation: number;
  readonly serial: string;
}

const compact = (iso: string): string =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const expand = (c: string): string =>
  `${c.slice(0, 4)}-${c.slice(4, 6)}-${c.slice(6, 8)}T${c.slice(9, 11)}:${c.slice(11, 13)}:${c.slice(13, 15)}.000Z`;

export function indexKey(e: IndexEntry): string {
  return `${INDEX_PREFIX}${e.domain}/${compact(e.notBefore)}_${compact(e.notAfter)}_${e.generation}_${e.serial}`;
}

export function parseIndexKey(key: string): IndexEntry | undefined {
  const m = /^certificates\/_index\/([a-z0-9][a-z0-9._-]*)\/(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)_(\d+)_([0-9a-fA-F:]+)$/.exec(
    key,
  );
  if (!m) return undefined;
  return { domain: m[1]!, notBefore: expand(m[2]!), notAfter: expand(m[3]!), generation: Number(m[4]), serial: m[5]! };
}

/** The newest generation per domain from a list of index keys (unparseable keys are ignored). */
export function latestPerDomain(keys: Iterable<string>): IndexEntry[] {
  const best = new Map<string, IndexEntry>();
  for (const k of keys) {
    const e = parseIndexKey(k);
    if (!e) continue;
    const prev = best.get(e.domain);
    if (!prev || e.generation > prev.generation || (e.generation === prev.generation && e.notAfter > prev.notAfter))
      best.set(e.domain, e);
  }
  return [...best.values()].sort((a, b) => a.domain.localeCompare(b.domain));
}
