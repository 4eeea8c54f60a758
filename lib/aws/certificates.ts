// The certificate life cycle over S3 and ACM PCA, one use case per workflow step. The handlers in
// functions/{issue,collect,find-expiring,revoke}-certificate(s) parse their input and call these;
// the rules themselves live in lib/cert/ (policy, keys, verification) and lib/decommission/.
//
// Issue: if the domain has no certificate, or its current one is past 2/3 of its lifetime (or
// `force`), a new key pair is made here and stored under SSE-KMS before the CSR (public key,
// subject CN=<domain>) goes to ACM PCA with an idempotency token derived from (domain, generation).
// A retried or racing attempt of a generation uses the key stored first (cert-store.ts
// pendingKeyOf), so PCA's idempotent answer always matches the key we hold. PCA's answer is
// recorded beside the pending key (issuedRecordKey) as soon as it comes: PCA dedupes the token for
// five minutes only, and an attempt that crashed after issuing is retried by the next provision or
// daily rotation, long after; that attempt collects the recorded certificate instead of issuing a
// second one for the generation.
//
// Collect: fetches what PCA signed (RequestInProgressException propagates unchanged, by name, for
// the state machine's Retry), checks it is ours (lib/cert/verify.ts), stores cert and chain beside
// the key and switches current.json last. A racing attempt that already stored this very
// certificate is success.
//
// Find expiring: the domains past their renewal point, read from the expiry index with
// ListObjectsV2 only, never GET/HEAD per object.
//
// Revoke: the expiry index entries go first (the scan reads only the index), then every stored
// certificate still valid is revoked in PCA (CESSATION_OF_OPERATION), then current.json says so.
// MSK checks no CRL, so a revoked certificate still completes the TLS handshake: access ends with
// the ACLs. Only cert.pem and current.json are read, never a private key.
import { X509Certificate } from 'node:crypto';
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { certificateFacts } from '../cert/inspect.js';
import { createCsr, generateKeyPair, keyPairFromPem, privateKeyToPem, publicKeyFingerprint } from '../cert/keys.js';
import { CERT_PREFIX, INDEX_PREFIX, daysUntil, idempotencyToken, isRenewalDue } from '../cert/policy.js';
import { verifyIssuedCertificate } from '../cert/verify.js';
import { certificatesToRevoke, markRevoked, revocationsToSend } from '../decommission/index.js';
import { logger, metrics, MetricUnit } from '../observability.js';
import { domainFromKey } from '../spec/key.js';
import {
  getText,
  listKeys,
  pendingKeyOf,
  pendingOrPromoted,
  promoteCertificate,
  readCurrent,
  readIssuedRecord,
  scanIndex,
  writeCurrent,
  writeIssuedRecord,
} from './cert-store.js';
import { revokeCertificate } from './decommission.js';
import type { CertificateSettings } from './env-config.js';
import { assertClusterTrustsPca } from './msk.js';
import { caSigningAlgorithm, getCertificate, issueCertificate } from './pca.js';
import { listSpecKeys } from './specs.js';

/** Where certificates live and who signs them. */
export interface CertificateStore {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly kmsKeyId: string;
}

// ---- issue ------------------------------------------------------------------------------------

export type IssueOutcome =
  | { domain: string; status: 'CURRENT'; serial: string; notAfter: string; generation: number }
  /** publicKeySha256: the new public key's SPKI SHA-256, which collect checks the certificate against. */
  | { domain: string; status: 'ISSUING'; certificateArn: string; generation: number; publicKeySha256: string };

export interface IssueContext extends CertificateStore {
  readonly pca: ACMPCAClient;
  readonly kafka: KafkaClient;
  readonly clusterArn: string;
  readonly settings: CertificateSettings;
}

const DAY_MS = 86_400_000;

// Per container: the CA's signing algorithm follows from its key, which a CA never changes. The
// cluster's trust in the CA is not kept: it is read before every CSR (below), since an operator can
// remove it at any time and a warm container would carry the old answer past that change.
let signingAlgorithm: string | undefined;
export function resetIssueCaches(): void {
  signingAlgorithm = undefined;
}

export async function issueIfDue(
  ctx: IssueContext,
  req: { domain: string; force?: boolean; now: Date },
): Promise<IssueOutcome> {
  const { domain } = req;
  const { settings } = ctx;
  const current = await readCurrent(ctx.s3, ctx.bucket, domain);
  if (current && !current.revoked && !req.force && !isRenewalDue(current, req.now)) {
    logger.info('certificate current', { serial: current.serial, notAfter: current.notAfter });
    const { serial, notAfter, generation } = current;
    return { domain, status: 'CURRENT', serial, notAfter, generation };
  }
  // Before any key or CSR: a certificate the cluster would not accept is not requested. (In the
  // provision workflow PlanAgainstCluster checked the same a moment ago; rotation has no plan step.)
  await assertClusterTrustsPca(ctx.kafka, ctx.clusterArn, settings.pcaArn);
  const generation = (current?.generation ?? 0) + 1;
  const newKey = async () => privateKeyToPem((await generateKeyPair(settings.keyAlgorithm)).privateKey);
  const stored = await pendingKeyOf(ctx.s3, ctx, domain, generation, newKey);
  if (stored.reused) logger.info('reusing the stored key of this generation', { generation });
  const keys = await keyPairFromPem(stored.pem, settings.keyAlgorithm);
  const publicKeySha256 = await publicKeyFingerprint(keys.publicKey);
  const earlier = stored.reused ? await issuedBefore(ctx, domain, generation, publicKeySha256, req.now) : undefined;
  if (earlier) {
    logger.info('collecting the certificate an earlier attempt of this generation had issued', {
      certificateArn: earlier,
      generation,
    });
    return { domain, status: 'ISSUING', certificateArn: earlier, generation, publicKeySha256 };
  }
  signingAlgorithm ??= settings.signingAlgorithm ?? (await caSigningAlgorithm(ctx.pca, settings.pcaArn));
  const certificateArn = await issueCertificate(ctx.pca, {
    caArn: settings.pcaArn,
    csrPem: await createCsr(domain, keys),
    signingAlgorithm,
    validityDays: settings.validityDays,
    idempotencyToken: idempotencyToken(domain, generation),
    ...(settings.templateArn ? { templateArn: settings.templateArn } : {}),
  });
  // Recorded before anything else, so an attempt that dies from here on leaves the ARN behind.
  await writeIssuedRecord(ctx.s3, ctx, domain, generation, {
    certificateArn,
    publicKeySha256,
    issuedAt: new Date().toISOString(),
  });
  metrics.addMetric('CertificatesRequested', MetricUnit.Count, 1);
  logger.info('certificate requested', { certificateArn, generation, renewal: current !== undefined });
  return { domain, status: 'ISSUING', certificateArn, generation, publicKeySha256 };
}

/**
 * The ARN an earlier attempt of this generation recorded for this very key (cert-store.ts
 * issuedRecordKey), unless the certificate it names would itself be due for renewal by now (its
 * validity counted from the record's time); undefined when a new request must go to PCA. A record
 * for another key is not this key's certificate and is ignored (the issuance overwrites it).
 */
async function issuedBefore(
  ctx: IssueContext,
  domain: string,
  generation: number,
  publicKeySha256: string,
  now: Date,
): Promise<string | undefined> {
  const record = await readIssuedRecord(ctx.s3, ctx.bucket, domain, generation);
  if (!record || record.publicKeySha256 !== publicKeySha256) return undefined;
  const issuedAt = new Date(record.issuedAt);
  if (Number.isNaN(issuedAt.getTime())) return undefined;
  const notAfter = new Date(issuedAt.getTime() + ctx.settings.validityDays * DAY_MS);
  return isRenewalDue({ notBefore: issuedAt, notAfter }, now) ? undefined : record.certificateArn;
}

// ---- collect ----------------------------------------------------------------------------------

export interface CollectedCertificate {
  readonly domain: string;
  readonly status: 'ISSUED';
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly generation: number;
  readonly certificateArn: string;
}

export async function collectIssued(
  ctx: CertificateStore & { readonly pca: ACMPCAClient; readonly pcaArn: string },
  req: { domain: string; generation: number; certificateArn: string; publicKeySha256: string },
): Promise<CollectedCertificate> {
  const { domain, generation, certificateArn, publicKeySha256 } = req;
  const { certificate, chain } = await getCertificate(ctx.pca, ctx.pcaArn, certificateArn);
  const found = await pendingOrPromoted(ctx.s3, ctx.bucket, domain, generation);
  const certificatePem = certificate.endsWith('\n') ? certificate : `${certificate}\n`;
  if (found && 'promoted' in found && found.promoted.serial === certificateFacts(certificatePem).serial) {
    // A racing attempt of this generation (the same idempotent PCA answer) stored it already.
    logger.info('certificate already stored by a concurrent attempt', { serial: found.promoted.serial, generation });
    const { serial, notBefore, notAfter } = found.promoted;
    return { domain, status: 'ISSUED', serial, notBefore, notAfter, generation, certificateArn };
  }
  const privateKeyPem = found && 'privateKeyPem' in found ? found.privateKeyPem : undefined;
  const checked = verifyIssuedCertificate({
    domain,
    generation,
    certificateArn,
    certificatePem,
    publicKeySha256,
    privateKeyPem,
  });
  const { serial, notBefore, notAfter } = await promoteCertificate(ctx.s3, ctx, {
    domain,
    generation,
    ...checked,
    certificatePem,
    chainPem: chain,
  });
  metrics.addMetric(generation > 1 ? 'CertificatesRenewed' : 'CertificatesIssued', MetricUnit.Count, 1);
  logger.info('certificate stored', { serial, notAfter, generation });
  return { domain, status: 'ISSUED', serial, notBefore, notAfter, generation, certificateArn };
}

// ---- find expiring ----------------------------------------------------------------------------

export interface ExpiringCertificate {
  readonly domain: string;
  readonly serial: string;
  readonly notAfter: string;
  readonly generation: number;
}

export interface ExpiryScan {
  readonly now: string;
  readonly scanned: number;
  readonly due: readonly ExpiringCertificate[];
  readonly earliestNotAfter?: string;
  /** Domains past their renewal point that have no spec (removed or orphaned): not renewed. */
  readonly withoutSpec?: readonly string[];
}

/** At most this many domains without a spec are named in the (state-payload sized) result. */
const MAX_NAMED_WITHOUT_SPEC = 50;

export async function findExpiring(
  ctx: { readonly s3: S3Client; readonly certBucket: string; readonly specBucket: string },
  now: Date,
): Promise<ExpiryScan> {
  const entries = await scanIndex(ctx.s3, ctx.certBucket);
  // A domain whose spec is gone is never renewed: decommissioning removes its index entries, and
  // an entry left behind (an orphan, a removal still in its grace period) is skipped here.
  const specDomains = new Set((await listSpecKeys(ctx.s3, ctx.specBucket)).map(domainFromKey));
  const pastRenewal = entries.filter((e) => isRenewalDue(e, now));
  const withoutSpec = pastRenewal.filter((e) => !specDomains.has(e.domain)).map((e) => e.domain);
  const due = pastRenewal
    .filter((e) => specDomains.has(e.domain))
    .map(({ domain, serial, notAfter, generation }) => ({ domain, serial, notAfter, generation }));
  const earliest = entries.map((e) => e.notAfter).sort()[0];
  metrics.addMetric('CertificatesDue', MetricUnit.Count, due.length);
  if (earliest)
    metrics.addMetric('DaysToEarliestExpiry', MetricUnit.Count, Math.floor(daysUntil(earliest, now) * 100) / 100);
  logger.info('expiry scan', {
    scanned: entries.length,
    due: due.length,
    withoutSpec: withoutSpec.length,
    earliestNotAfter: earliest,
  });
  return {
    now: now.toISOString(),
    scanned: entries.length,
    due,
    ...(earliest ? { earliestNotAfter: earliest } : {}),
    ...(withoutSpec.length > 0 ? { withoutSpec: withoutSpec.slice(0, MAX_NAMED_WITHOUT_SPEC) } : {}),
  };
}

// ---- revoke -----------------------------------------------------------------------------------

export interface RevocationResult {
  readonly domain: string;
  readonly indexEntriesRemoved: number;
  /** The first serials revoked (the state payload stays small). */
  readonly revoked: readonly string[];
  readonly newlyRevoked: number;
  readonly expired: number;
  readonly currentSerial: string | null;
}

const CERT_OBJECT = /^[^/]+\/[^/]+\/[^/]+\/cert\.pem$/;

export async function revokeDomainCertificates(
  ctx: CertificateStore & { readonly pca: ACMPCAClient; readonly pcaArn: string },
  domain: string,
  now: Date,
): Promise<RevocationResult> {
  const { s3, bucket } = ctx;
  const index = await listKeys(s3, bucket, `${INDEX_PREFIX}${domain}/`);
  for (const key of index) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

  const certKeys = (await listKeys(s3, bucket, `${CERT_PREFIX}${domain}/`)).filter((k) => CERT_OBJECT.test(k));
  const stored: { serial: string; notAfter: string }[] = [];
  for (const key of certKeys) {
    const pem = await getText(s3, bucket, key);
    if (pem)
      stored.push({ serial: key.split('/')[2]!, notAfter: new Date(new X509Certificate(pem).validTo).toISOString() });
  }
  const serials = certificatesToRevoke(stored, now);
  const current = await readCurrent(s3, bucket, domain);
  const toSend = revocationsToSend(serials, current);
  let already = serials.length - toSend.length;
  for (const serial of toSend)
    if ((await revokeCertificate(ctx.pca, ctx.pcaArn, serial)) === 'ALREADY_REVOKED') already++;

  if (current && !current.revoked) {
    await writeCurrent(s3, ctx, markRevoked(current, { at: now.toISOString(), serials }));
  }
  metrics.addMetric('CertificatesRevoked', MetricUnit.Count, serials.length - already);
  logger.info('certificates revoked', { indexEntries: index.length, revoked: serials.length - already, already });
  return {
    domain,
    indexEntriesRemoved: index.length,
    revoked: serials.slice(0, 20),
    newlyRevoked: serials.length - already,
    expired: stored.length - serials.length,
    currentSerial: current?.serial ?? null,
  };
}
