// ValidateSpec's use case: read the exact object version that triggered the run, parse it,
// enforce the key ↔ domain binding (and, under IAM, that the roles it names are in this account),
// and summarise what the spec asks for. It changes nothing. A refusal is thrown as SpecRefused,
// whose message is the JSON payload the state machine turns into the FAILED report
// (lib/errors.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import { desiredBindings } from '../access/bindings.js';
import type { AuthMode, ProvisionConfig } from '../config.js';
import { SpecRefused } from '../errors.js';
import { logger, metrics, MetricUnit } from '../observability.js';
import { iamRoleAccountIssues } from '../spec/iam-roles.js';
import { domainFromKey, parseSpecAtKey } from '../spec/key.js';
import type { SpecIssue } from '../spec/model.js';
import { reportKey } from './reports.js';
import { readSpecVersion } from './specs.js';

export interface ValidatedSpec {
  readonly domain: string;
  readonly bucket: string;
  readonly key: string;
  /** Always present (null when the bucket is unversioned), so JSONPath in the state machine can select it. */
  readonly versionId: string | null;
  /** Where WriteReport puts the outcome (same bucket). */
  readonly reportKey: string;
  /** Which credential branches run (AUTH_MODES). */
  readonly scram: boolean;
  readonly mtls: boolean;
  /** Whether ApplyIamPolicies runs (AUTH_MODES has IAM). */
  readonly iam: boolean;
  readonly summary: {
    readonly title?: string;
    readonly version?: string;
    readonly ownedTopics: number;
    readonly subscriptions: number;
    readonly desiredBindings: number;
    /** At most 20; never secret. */
    readonly warnings: readonly SpecIssue[];
  };
}

/** At most this many issues are logged and this many times five reported (a state payload stays small). */
const MAX_LISTED = 20;

export interface SpecValidationContext {
  readonly s3: S3Client;
  readonly config: ProvisionConfig;
  readonly modes: readonly AuthMode[];
  /** The pipeline's account: IAM roles a spec names must be in it. */
  readonly accountId: () => string;
}

export async function validateSpecVersion(
  ctx: SpecValidationContext,
  { bucket, key, versionId }: { bucket: string; key: string; versionId?: string | undefined },
): Promise<ValidatedSpec> {
  const { config, modes } = ctx;
  const read = await readSpecVersion(ctx.s3, bucket, key, versionId, config.limits.maxSpecBytes);
  const atKey = read.ok ? parseSpecAtKey(read.object.text, key, config) : read;
  // IAM: the roles a spec names must be in the pipeline's account (x-msk-spec-iam-roles).
  const foreign =
    atKey.ok && modes.includes('IAM') && atKey.spec.iamRoles?.some((r) => r.account !== undefined)
      ? iamRoleAccountIssues(atKey.spec, ctx.accountId())
      : [];
  const parsed = foreign.length > 0 ? { ok: false as const, issues: foreign } : atKey;
  const v = (read.ok ? read.object.versionId : versionId) ?? null;
  if (!parsed.ok) {
    metrics.addMetric('SpecRefused', MetricUnit.Count, 1);
    logger.warn('spec refused', {
      key,
      issues: parsed.issues.slice(0, MAX_LISTED).map(({ path, rule }) => ({ path, rule })),
    });
    const domain = domainFromKey(key) ?? null;
    const issues = parsed.issues.slice(0, MAX_LISTED * 5);
    throw new SpecRefused({ domain, bucket, key, versionId: v, reportKey: reportKey(domain, key), issues });
  }
  const { spec, warnings } = parsed;
  const summary = {
    ...(spec.title !== undefined ? { title: spec.title } : {}),
    ...(spec.version !== undefined ? { version: spec.version } : {}),
    ownedTopics: spec.owned.length,
    subscriptions: spec.subscriptions.length,
    desiredBindings: desiredBindings([spec], config).length,
    warnings: warnings.slice(0, MAX_LISTED),
  };
  logger.info('spec valid', { domain: spec.domain, versionId: v, ...summary, warnings: warnings.length });
  const [scram, mtls, iam] = [modes.includes('SCRAM'), modes.includes('MTLS'), modes.includes('IAM')];
  const out = { domain: spec.domain, bucket, key, versionId: v, reportKey: reportKey(spec.domain) };
  return { ...out, scram, mtls, iam, summary };
}
