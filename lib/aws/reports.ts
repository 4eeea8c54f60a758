// Provisioning reports, `reports/<D>.json` in the spec bucket. The provision state machine writes
// them with the S3 SDK integration (WriteReport / WriteFailureReport states); this module names the
// keys and the shape, and reads them back for the CLI's `status`.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorName } from '../errors.js';
import { domainFromKey } from '../spec/key.js';

export const REPORT_PREFIX = 'reports/';

export function reportKey(domain: string | null | undefined, specKey?: string): string {
  if (domain) return `${REPORT_PREFIX}${domain}.json`;
  // No usable domain: keep the refusal visible under a key derived from the upload's name.
  const safe = (specKey ?? 'unknown').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  return `${REPORT_PREFIX}_unknown/${safe}.json`;
}

export interface ProvisionReport {
  /** The decommission workflow writes DECOMMISSIONED, RESTORED and REFUSED (and FAILED). */
  readonly status: 'PROVISIONED' | 'FAILED' | 'DECOMMISSIONED' | 'RESTORED' | 'REFUSED';
  readonly domain: string | null;
  readonly source?: { readonly bucket: string; readonly key: string; readonly versionId?: string };
  readonly executionId?: string;
  /** The execution's start (the object's LastModified is its end). */
  readonly startedAt?: string;
  /** PROVISIONED: spec summary, credentials (ARNs, serials, dates; never values), the applied plan. */
  readonly spec?: unknown;
  readonly credentials?: unknown;
  readonly applied?: unknown;
  /** Decommission reports: the removal (when, grace period, the guard's count) and what was revoked. */
  readonly removal?: unknown;
  readonly revoked?: unknown;
  readonly topics?: unknown;
  /** FAILED: the error name and either the spec issues or the cause text. */
  readonly error?: { readonly name: string; readonly issues?: unknown; readonly cause?: string };
}

/** The report of a domain (`reports/<D>.json`). */
export function readReport(s3: S3Client, bucket: string, domain: string): Promise<ProvisionReport | undefined> {
  return readReportAt(s3, bucket, reportKey(domain));
}

/**
 * The report of an upload under `specKey`: the domain its key names (a spec is refused, and
 * reported, under the key's domain, never the one it claims), else `reports/_unknown/...`.
 */
export function readReportForSpecKey(
  s3: S3Client,
  bucket: string,
  specKey: string,
): Promise<ProvisionReport | undefined> {
  return readReportAt(s3, bucket, reportKey(domainFromKey(specKey), specKey));
}

async function readReportAt(s3: S3Client, bucket: string, key: string): Promise<ProvisionReport | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString('utf8')) as ProvisionReport;
  } catch (e) {
    if (awsErrorName(e) === 'NoSuchKey') return undefined;
    throw e;
  }
}
