// ValidateSpec: the first state of the provision workflow. Reads the exact object version that
// triggered the run, parses it, enforces the key ↔ domain binding and summarises what the spec
// asks for. It changes nothing. A refusal is thrown as SpecRefused whose message is a JSON payload
// the state machine turns into the FAILED report (see lib/errors.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { desiredBindings } from '../../lib/access/bindings.js';
import { s3Client } from '../../lib/aws/clients.js';
import { accountId, authModes, provisionConfig } from '../../lib/aws/env-config.js';
import { reportKey } from '../../lib/aws/reports.js';
import { readSpecVersion } from '../../lib/aws/specs.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { SpecRefused } from '../../lib/errors.js';
import { instrument, logger, metrics, MetricUnit } from '../../lib/observability.js';
import { iamRoleAccountIssues } from '../../lib/spec/iam-roles.js';
import { domainFromKey, parseSpecAtKey } from '../../lib/spec/key.js';
import type { SpecIssue } from '../../lib/spec/model.js';
import { Correlated, parseInput } from '../_shared/input.js';

const name = z.string().min(1);
/** The EventBridge "Object Created" event, or the direct form {bucket, key, versionId} reprovision sends. */
const Input = z.union([
  Correlated.extend({
    detail: z.object({ bucket: z.object({ name }), object: z.object({ key: name, 'version-id': name.optional() }) }),
  }).transform((e) => ({
    bucket: e.detail.bucket.name,
    key: e.detail.object.key,
    versionId: e.detail.object['version-id'],
  })),
  Correlated.extend({ bucket: name, key: name, versionId: name.nullish() }).transform((e) => ({
    ...e,
    versionId: e.versionId ?? undefined,
  })),
]);
export type ValidateSpecInput = z.input<typeof Input>;

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

const MAX_LISTED = 20;

export async function validateSpec(
  event: ValidateSpecInput,
  deps: { s3?: S3Client; config?: ProvisionConfig; accountId?: string } = {},
): Promise<ValidatedSpec> {
  const { bucket, key, versionId } = parseInput(Input, event);
  const config = deps.config ?? provisionConfig();
  const read = await readSpecVersion(deps.s3 ?? s3Client(), bucket, key, versionId, config.limits.maxSpecBytes);
  const modes = deps.config?.authModes ?? authModes();
  const atKey = read.ok ? parseSpecAtKey(read.object.text, key, config) : read;
  // IAM: the roles a spec names must be in the pipeline's account (x-msk-spec-iam-roles).
  const foreign =
    atKey.ok && modes.includes('IAM') && atKey.spec.iamRoles?.some((r) => r.account !== undefined)
      ? iamRoleAccountIssues(atKey.spec, deps.accountId ?? accountId())
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

export const handler = instrument('ValidateSpec', (event: ValidateSpecInput) => validateSpec(event));
