// `msk-spec status [domains...] --bucket B --cert-bucket C [--json]`: per domain the last
// provisioning report the workflow wrote (reports/<D>.json: status, when, what changed or why it
// failed) and the current client certificate (serial, expiry, days left, renewal due?).
// Exit 0 when every domain shown is PROVISIONED, 1 when one FAILED, has no report, or AWS failed.
import type { S3Client } from '@aws-sdk/client-s3';
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { awsClients, ENV_DEFAULTS, optionOrEnv, UsageError, withAwsOptions } from '../options.js';
import type { ProvisionReport } from '../../lib/aws/reports.js';
import { daysUntil, isRenewalDue, renewalTime } from '../../lib/cert/policy.js';
import { awsErrorName } from '../../lib/errors.js';
import { domainIdProblem } from '../../lib/spec/names.js';

export interface CertificateStatus {
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly daysLeft: number;
  readonly renewalDue: boolean;
  readonly renewalAt: string;
  /** Set when the domain was decommissioned: its certificates were revoked. */
  readonly revoked?: { readonly at: string; readonly serials: readonly string[] };
}

export interface DomainStatus {
  /** The domain, or the report key for a refusal with no usable domain (reports/_unknown/...). */
  readonly name: string;
  readonly report?: ProvisionReport;
  /** When the report was written (the object's LastModified). */
  readonly writtenAt?: string;
  /** undefined: not looked up (no certificate bucket); null: none stored. */
  readonly certificate?: CertificateStatus | null;
}

interface Applied {
  changed?: boolean;
  topicsCreated?: number;
  partitionsIncreased?: number;
  configsAltered?: number;
  aclsCreated?: number;
  aclsDeleted?: number;
  createdTopics?: string[];
}

interface Issue {
  path?: string;
  rule?: string;
  message?: string;
}

/** The report as indented lines: what changed, or why it failed. Never holds secret values (reports do not). */
export function formatReport(r: ProvisionReport): string[] {
  if (r.status === 'DECOMMISSIONED' || r.status === 'RESTORED' || r.status === 'REFUSED') return formatRemoval(r);
  if (r.status === 'FAILED') {
    const lines = [`  failed: ${r.error?.name ?? 'error'}`];
    const issues = (Array.isArray(r.error?.issues) ? r.error.issues : []) as Issue[];
    for (const i of issues) lines.push(`    ${i.path ?? '$'}: [${i.rule ?? '?'}] ${i.message ?? ''}`);
    if (issues.length === 0 && r.error?.cause) lines.push(`    ${r.error.cause.slice(0, 500)}`);
    return lines;
  }
  const a = (r.applied ?? {}) as Applied;
  if (a.changed === false) return ['  no changes: the cluster already matched the spec'];
  const lines = [
    `  changed: ${a.topicsCreated ?? 0} topic(s) created, ${a.partitionsIncreased ?? 0} partition increase(s), ${a.configsAltered ?? 0} config change(s), ${a.aclsCreated ?? 0} ACL(s) created, ${a.aclsDeleted ?? 0} deleted`,
  ];
  for (const t of a.createdTopics ?? []) lines.push(`    + ${t}`);
  return lines;
}

interface RemovalReport {
  removal?: { removedAt?: string; graceSeconds?: number; count?: number; limit?: number; forced?: boolean };
  revoked?: {
    scram?: { secret?: string; secretName?: string; association?: string; deletionDate?: string };
    certificates?: { revoked?: string[]; indexEntriesRemoved?: number };
    acls?: { aclsDeleted?: number; sealCreated?: boolean };
  };
  topics?: { kept?: number; deleted?: number; names?: string[] };
}

/** A decommission report as lines: what was revoked, when the secret goes, or why nothing was done. */
export function formatRemoval(r: ProvisionReport): string[] {
  const x = r as unknown as RemovalReport;
  const removedAt = x.removal?.removedAt ?? 'unknown time';
  if (r.status === 'RESTORED') return [`  removed at ${removedAt}, restored within the grace period: nothing changed`];
  if (r.status === 'REFUSED')
    return [
      `  refused: ${x.removal?.count ?? '?'} specs removed within the grace period (the guard allows ${x.removal?.limit ?? '?'}); nothing revoked`,
      '  check the bucket, then run `msk-spec remove <domain> --force` to decommission it anyway',
    ];
  const s = x.revoked?.scram;
  const c = x.revoked?.certificates;
  const lines = [
    `  removed at ${removedAt}${x.removal?.forced ? ' (forced past the guard)' : ''}`,
    s?.secretName
      ? `  SCRAM: ${s.association === 'DISASSOCIATED' ? 'disassociated from the cluster' : 'not associated'}; secret ${s.secretName} deleted on ${s.deletionDate ?? '?'} (restore the spec before then to keep the password)`
      : '  SCRAM: no secret',
    `  certificates: ${c?.revoked?.length ?? 0} revoked${c?.revoked?.length ? ` (${c.revoked.join(', ')})` : ''}; renewal stopped`,
    `  ACLs: ${x.revoked?.acls?.aclsDeleted ?? 0} deleted; topics sealed`,
    `  topics: ${x.topics?.deleted ? `${x.topics.deleted} deleted` : `${x.topics?.kept ?? 0} kept`}`,
  ];
  for (const t of x.topics?.names ?? []) lines.push(`    ${x.topics?.deleted ? '-' : '='} ${t}`);
  return lines;
}

export function formatCertificate(c: CertificateStatus | null | undefined): string[] {
  if (c === undefined) return [];
  if (c === null) return ['  certificate: none stored'];
  if (c.revoked)
    return [`  certificate: serial ${c.serial} REVOKED at ${c.revoked.at} (${c.revoked.serials.length} revoked)`];
  return [
    `  certificate: serial ${c.serial}, expires ${c.notAfter} (${c.daysLeft.toFixed(1)} days left), renewal ${c.renewalDue ? 'DUE' : `not due (from ${c.renewalAt})`}`,
  ];
}

export function certificateStatus(
  current: {
    serial: string;
    notBefore: string;
    notAfter: string;
    revoked?: { readonly at: string; readonly serials: readonly string[] };
  },
  now: Date,
): CertificateStatus {
  return {
    serial: current.serial,
    notBefore: current.notBefore,
    notAfter: current.notAfter,
    daysLeft: Math.round(daysUntil(current.notAfter, now) * 10) / 10,
    renewalDue: isRenewalDue(current, now),
    renewalAt: renewalTime(new Date(current.notBefore), new Date(current.notAfter)).toISOString(),
    ...(current.revoked
      ? { revoked: { at: current.revoked.at, serials: current.revoked.serials }, renewalDue: false }
      : {}),
  };
}

async function readReportObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ report: ProvisionReport; writtenAt?: string } | undefined> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const report = JSON.parse(await out.Body!.transformToString('utf8')) as ProvisionReport;
    return { report, ...(out.LastModified ? { writtenAt: out.LastModified.toISOString() } : {}) };
  } catch (e) {
    if (awsErrorName(e) === 'NoSuchKey') return undefined;
    throw e;
  }
}

export const statusCommand: CliCommand = {
  name: 'status',
  define: (program) =>
    withAwsOptions(
      program
        .command('status')
        .description(
          'per domain: the last provisioning report (status, when, what changed or why it failed) and the current client certificate (serial, expiry, days left, renewal due?)',
        )
        .argument('[domains...]', 'domain ids (default: every report under reports/)')
        .option('--bucket <bucket>', `the spec bucket holding reports/ (default $${ENV_DEFAULTS.specBucket})`)
        .option(
          '--cert-bucket <bucket>',
          `the certificate bucket (default $${ENV_DEFAULTS.certBucket}; without it no certificates are shown)`,
        )
        .option('--json', 'print machine-readable JSON on stdout'),
    ).addHelpText(
      'after',
      `
Here exit 0 means every domain shown is PROVISIONED; 1 that one FAILED, has no report, or S3 could not be read.

Examples:
  msk-spec status --bucket my-spec-bucket --cert-bucket my-cert-bucket
  msk-spec status shop.order --json`,
    ),
  async run([domains], opts, ctx) {
    const bucket = optionOrEnv(opts, 'bucket', ctx.env, ENV_DEFAULTS.specBucket, { flag: '--bucket' })!;
    const certBucket = optionOrEnv(opts, 'certBucket', ctx.env, ENV_DEFAULTS.certBucket);
    const named = (domains as string[] | undefined) ?? [];
    for (const d of named) {
      const problem = domainIdProblem(d);
      if (problem) throw new UsageError(`${JSON.stringify(d)} is not a domain id: ${problem}`);
    }
    // The SDK and its adapters load on first use, so commands that need no AWS start fast.
    const { listKeys, readCurrent } = await import('../../lib/aws/cert-store.js');
    const { REPORT_PREFIX, reportKey } = await import('../../lib/aws/reports.js');
    const aws = awsClients(ctx.env, opts);
    const s3 = await aws.s3();
    const now = new Date();
    let statuses: DomainStatus[];
    try {
      const keys =
        named.length > 0
          ? named.map((d) => ({ name: d, key: reportKey(d), domain: d as string | undefined }))
          : (await listKeys(s3, bucket, REPORT_PREFIX))
              // reports/_reprovision/ holds the reprovision's orphan report, not a domain's.
              .filter((k) => k.endsWith('.json') && !k.startsWith(`${REPORT_PREFIX}_reprovision/`))
              .sort()
              .map((k) => {
                const rest = k.slice(REPORT_PREFIX.length, -'.json'.length);
                return { name: rest.includes('/') ? k : rest, key: k, domain: rest.includes('/') ? undefined : rest };
              });
      statuses = await Promise.all(
        keys.map(async ({ name, key, domain }) => {
          const found = await readReportObject(s3, bucket, key);
          const current = certBucket && domain ? await readCurrent(s3, certBucket, domain) : undefined;
          return {
            name,
            ...(found ? { report: found.report, ...(found.writtenAt ? { writtenAt: found.writtenAt } : {}) } : {}),
            ...(certBucket && domain ? { certificate: current ? certificateStatus(current, now) : null } : {}),
          };
        }),
      );
    } catch (e) {
      ctx.err(
        `msk-spec: error: reading s3://${bucket}/${REPORT_PREFIX}: ${awsErrorName(e) ?? 'Error'}: ${(e as Error).message}`,
      );
      return EXIT.INVALID;
    }
    // A decommissioned or restored domain is a healthy state; REFUSED waits for an operator.
    const ok = statuses.every((s) => ['PROVISIONED', 'DECOMMISSIONED', 'RESTORED'].includes(s.report?.status ?? ''));
    if (opts['json']) {
      ctx.json({
        ok,
        domains: statuses.map((s) => ({
          name: s.name,
          status: s.report?.status ?? 'NO_REPORT',
          writtenAt: s.writtenAt ?? null,
          executionId: s.report?.executionId ?? null,
          applied: s.report?.applied ?? null,
          error: s.report?.error ?? null,
          removal: s.report?.removal ?? null,
          revoked: s.report?.revoked ?? null,
          certificate: s.certificate ?? null,
        })),
      });
      return ok ? EXIT.OK : EXIT.INVALID;
    }
    if (statuses.length === 0) {
      ctx.out(`No reports under s3://${bucket}/${REPORT_PREFIX}: no spec was provisioned yet.`);
      return EXIT.OK;
    }
    for (const s of statuses) {
      if (!s.report) {
        ctx.out(`${s.name}: NO REPORT (no spec for it was provisioned in s3://${bucket})`);
      } else {
        ctx.out(`${s.name}: ${s.report.status} at ${s.writtenAt ?? s.report.startedAt ?? 'unknown time'}`);
        for (const line of formatReport(s.report)) ctx.out(line);
      }
      for (const line of formatCertificate(s.certificate)) ctx.out(line);
    }
    if (!certBucket) ctx.out(`(certificates not shown: pass --cert-bucket or set ${ENV_DEFAULTS.certBucket})`);
    return ok ? EXIT.OK : EXIT.INVALID;
  },
};
