// Certificate storage in S3 under SSE-KMS (docs/architecture.md#client-certificates; the layout is in lib/cert/policy.ts).
// Order matters: the private key is stored before the CSR leaves the Lambda; the certificate files
// are complete before current.json switches; the expiry index follows current.json.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CERT_PREFIX,
  INDEX_PREFIX,
  certificateKeys,
  currentKey,
  indexKey,
  latestPerDomain,
  parseIndexKey,
  pendingKeyKey,
  type CurrentCertificate,
  type IndexEntry,
} from '../cert/policy.js';
import { CertificateMismatch, awsErrorName } from '../errors.js';

export interface StoreTarget {
  readonly bucket: string;
  /** Customer-managed KMS key every object is encrypted with. */
  readonly kmsKeyId: string;
}

const sse = (t: StoreTarget) => ({ ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: t.kmsKeyId });

/** An object as text; undefined when it does not exist. */
export async function getText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString('utf8');
  } catch (e) {
    const n = awsErrorName(e);
    if (n === 'NoSuchKey' || n === 'NotFound') return undefined;
    throw e;
  }
}

async function put(s3: S3Client, t: StoreTarget, key: string, body: string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: body, ContentType: contentType, ...sse(t) }));
}

export async function readCurrent(
  s3: S3Client,
  bucket: string,
  domain: string,
): Promise<CurrentCertificate | undefined> {
  const text = await getText(s3, bucket, currentKey(domain));
  return text === undefined ? undefined : (JSON.parse(text) as CurrentCertificate);
}

/** The private key of a generation in progress, if an earlier attempt stored one. */
export async function readPendingKey(
  s3: S3Client,
  bucket: string,
  domain: string,
  generation: number,
): Promise<string | undefined> {
  return getText(s3, bucket, pendingKeyKey(domain, generation));
}

/**
 * Stores the key of a generation unless one is already there (S3 conditional write, If-None-Match).
 * Returns false when another attempt got there first: the caller must then use the stored key, so
 * two racing executions of one generation can never pair one key with the other's certificate.
 */
export async function putPendingKey(
  s3: S3Client,
  t: StoreTarget,
  domain: string,
  generation: number,
  privateKeyPem: string,
): Promise<boolean> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: t.bucket,
        Key: pendingKeyKey(domain, generation),
        Body: privateKeyPem,
        ContentType: 'application/x-pem-file',
        IfNoneMatch: '*',
        ...sse(t),
      }),
    );
    return true;
  } catch (e) {
    const n = awsErrorName(e);
    if (n === 'PreconditionFailed' || n === 'ConditionalRequestConflict') return false;
    throw e;
  }
}

/**
 * The private key of (domain, generation): the one an earlier attempt stored, or a new one from
 * `make()`, stored (under SSE-KMS, before anything about it leaves the function) only if no other
 * attempt got there first; when one did, its key is the one returned. So a retried or racing
 * attempt of a generation always uses the key PCA's idempotent answer certifies.
 */
export async function pendingKeyOf(
  s3: S3Client,
  t: StoreTarget,
  domain: string,
  generation: number,
  make: () => Promise<string>,
): Promise<{ readonly pem: string; readonly reused: boolean }> {
  const stored = await readPendingKey(s3, t.bucket, domain, generation);
  if (stored) return { pem: stored, reused: true };
  const pem = await make();
  if (await putPendingKey(s3, t, domain, generation, pem)) return { pem, reused: false };
  const winner = await readPendingKey(s3, t.bucket, domain, generation);
  // Gone again only if the winning attempt already finished (and removed its pending key).
  if (!winner)
    throw new CertificateMismatch(
      `the pending key of ${domain} generation ${generation} was stored by a concurrent attempt and is gone again; run the step again`,
    );
  return { pem: winner, reused: true };
}

/**
 * `certificates/<D>/pending/<G>/issued.json`, beside the pending key: the certificate PCA issued for
 * that key. PCA's IdempotencyToken dedupes a generation for five minutes only (API_IssueCertificate,
 * IdempotencyToken); a retry after a crash that lost PCA's answer (no Retry names Runtime.ExitError,
 * so it is the next provision or the next daily rotation) reads the ARN here instead of issuing again.
 */
export const issuedRecordKey = (domain: string, generation: number): string =>
  `${CERT_PREFIX}${domain}/pending/${generation}/issued.json`;

/** What IssueCertificate records once PCA has answered: the ARN, and the public key it certifies. */
export interface IssuedRecord {
  readonly certificateArn: string;
  /** SPKI SHA-256 of the pending key's public key: a record for any other key is not this attempt's. */
  readonly publicKeySha256: string;
  /** When PCA answered (ISO 8601): a record whose certificate would itself be due for renewal is not used. */
  readonly issuedAt: string;
}

export async function readIssuedRecord(
  s3: S3Client,
  bucket: string,
  domain: string,
  generation: number,
): Promise<IssuedRecord | undefined> {
  const text = await getText(s3, bucket, issuedRecordKey(domain, generation));
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<IssuedRecord>;
    if (typeof r.certificateArn === 'string' && typeof r.publicKeySha256 === 'string' && typeof r.issuedAt === 'string')
      return { certificateArn: r.certificateArn, publicKeySha256: r.publicKeySha256, issuedAt: r.issuedAt };
  } catch {
    // Unreadable: as if absent; the next issuance overwrites it.
  }
  return undefined;
}

/** Records (under SSE-KMS, overwriting a stale one) the certificate PCA issued for a generation's pending key. */
export async function writeIssuedRecord(
  s3: S3Client,
  t: StoreTarget,
  domain: string,
  generation: number,
  record: IssuedRecord,
): Promise<void> {
  await put(s3, t, issuedRecordKey(domain, generation), JSON.stringify(record), 'application/json');
}

/**
 * What CollectCertificate finds for a generation: the current record, when a racing attempt of the
 * same generation has promoted it already (it may have removed the pending key, or a late attempt
 * may have stored a key of its own after that); else the pending key; undefined when neither.
 */
export async function pendingOrPromoted(
  s3: S3Client,
  bucket: string,
  domain: string,
  generation: number,
): Promise<{ readonly privateKeyPem: string } | { readonly promoted: CurrentCertificate } | undefined> {
  const current = await readCurrent(s3, bucket, domain);
  if (current && current.generation === generation) return { promoted: current };
  const privateKeyPem = await readPendingKey(s3, bucket, domain, generation);
  return privateKeyPem ? { privateKeyPem } : undefined;
}

export interface PromoteInput {
  readonly domain: string;
  readonly generation: number;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly certificatePem: string;
  readonly chainPem: string;
  /** The pending key, already checked against the certificate by the caller. */
  readonly privateKeyPem: string;
}

/**
 * Moves a collected certificate into place: key, cert, chain, then current.json, then the expiry
 * index entry. Older index entries of the domain, the generation's issued record and its pending
 * key are removed last; losing those deletes is harmless. The key is written from the verified bytes (not copied), so what is
 * promoted is exactly what was checked against the certificate.
 */
export async function promoteCertificate(
  s3: S3Client,
  t: StoreTarget,
  input: PromoteInput,
): Promise<CurrentCertificate> {
  const keys = certificateKeys(input.domain, input.serial);
  await put(s3, t, keys.key, input.privateKeyPem, 'application/x-pem-file');
  await put(s3, t, keys.cert, input.certificatePem, 'application/x-pem-file');
  await put(s3, t, keys.chain, input.chainPem, 'application/x-pem-file');
  const current: CurrentCertificate = {
    domain: input.domain,
    serial: input.serial,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    keys,
    generation: input.generation,
  };
  await writeCurrent(s3, t, current);
  const entry: IndexEntry = {
    domain: input.domain,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    generation: input.generation,
    serial: input.serial,
  };
  const mine = indexKey(entry);
  await put(s3, t, mine, '', 'application/octet-stream');

  for (const old of await listKeys(s3, t.bucket, `${INDEX_PREFIX}${input.domain}/`)) {
    if (old !== mine && parseIndexKey(old)?.domain === input.domain)
      await s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: old }));
  }
  // The generation is done: its issued record, then its pending key (the key last, so a record is
  // never left without the key it names).
  await s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: issuedRecordKey(input.domain, input.generation) }));
  await s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: pendingKeyKey(input.domain, input.generation) }));
  return current;
}

/** A JSON document in the certificate bucket, under SSE-KMS like every object there (the rotation's due list). */
export async function putJson(s3: S3Client, t: StoreTarget, key: string, value: unknown): Promise<void> {
  await put(s3, t, key, JSON.stringify(value), 'application/json');
}

/** current.json, the pointer to a domain's certificate (and its revocation, once revoked). */
export async function writeCurrent(s3: S3Client, t: StoreTarget, current: CurrentCertificate): Promise<void> {
  await put(s3, t, currentKey(current.domain), JSON.stringify(current, null, 2), 'application/json');
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every domain's current certificate facts, from ListObjectsV2 calls only (no GET/HEAD per certificate). */
export async function scanIndex(s3: S3Client, bucket: string): Promise<IndexEntry[]> {
  return latestPerDomain(await listKeys(s3, bucket, INDEX_PREFIX));
}
