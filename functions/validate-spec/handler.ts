// ValidateSpec: the first state of the provision workflow. Reads the exact object version that
// triggered the run, parses it, enforces the key ↔ domain binding and summarises what the spec
// asks for. It changes nothing. A refusal is thrown as SpecRefused whose message is a JSON payload
// the state machine turns into the FAILED report (see lib/errors.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import { desiredBindings } from '../../lib/access/bindings.js';
import { s3Client } from '../../lib/aws/clients.js';
import { authModes, provisionConfig } from '../../lib/aws/env-config.js';
import { reportKey } from '../../lib/aws/reports.js';
import { SpecTooLarge, getSpecObject } from '../../lib/aws/specs.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { ConfigurationError, SpecRefused, awsErrorName } from '../../lib/errors.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { checkKeyBinding, domainFromKey } from '../../lib/spec/key.js';
import type { SpecIssue } from '../../lib/spec/model.js';
import { parseSpec } from '../../lib/spec/parse.js';

/** The EventBridge "Object Created" event, or the direct form the reprovision workflow sends. */
export interface ValidateSpecInput extends Correlated {
  readonly detail?: {
    readonly bucket?: { readonly name?: string };
    readonly object?: { readonly key?: string; readonly 'version-id'?: string };
  };
  readonly bucket?: string;
  readonly key?: string;
  readonly versionId?: string;
}

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

export function sourceOf(event: ValidateSpecInput): { bucket: string; key: string; versionId?: string } {
  const bucket = event.detail?.bucket?.name ?? event.bucket;
  const key = event.detail?.object?.key ?? event.key;
  const versionId = event.detail?.object?.['version-id'] ?? event.versionId;
  if (!bucket || !key)
    throw new ConfigurationError('event names no bucket/key (expected an S3 "Object Created" event or {bucket, key})');
  return { bucket, key, ...(versionId ? { versionId } : {}) };
}

export async function validateSpec(
  event: ValidateSpecInput,
  deps: { s3?: S3Client; config?: ProvisionConfig } = {},
): Promise<ValidatedSpec> {
  const { bucket, key, versionId } = sourceOf(event);
  const config = deps.config ?? provisionConfig();
  const keyDomain = domainFromKey(key) ?? null;
  const refuse = (issues: SpecIssue[], v?: string): never => {
    metrics.addMetric('SpecRefused', MetricUnit.Count, 1);
    logger.warn('spec refused', {
      key,
      issues: issues.slice(0, MAX_LISTED).map((i) => ({ path: i.path, rule: i.rule })),
    });
    throw new SpecRefused({
      domain: keyDomain,
      bucket,
      key,
      versionId: v ?? null,
      reportKey: reportKey(keyDomain, key),
      issues: issues.slice(0, MAX_LISTED * 5),
    });
  };

  let object;
  try {
    object = await getSpecObject(deps.s3 ?? s3Client(), bucket, key, versionId, config.limits.maxSpecBytes);
  } catch (e) {
    if (e instanceof SpecTooLarge) {
      return refuse(
        [
          {
            file: key,
            path: '$',
            rule: 'max-size',
            message: `the spec is ${e.size} bytes; at most ${e.limit} bytes are accepted`,
          },
        ],
        versionId,
      );
    }
    if (awsErrorName(e) === 'NoSuchKey' || awsErrorName(e) === 'NoSuchVersion') {
      return refuse(
        [
          {
            file: key,
            path: '$',
            rule: 'spec-missing',
            message: 'the spec object (or this version of it) no longer exists',
          },
        ],
        versionId,
      );
    }
    throw e;
  }

  const parsed = parseSpec(object.text, key, config);
  if (!parsed.ok) return refuse(parsed.issues, object.versionId);
  const binding = checkKeyBinding(key, parsed.spec);
  if (binding) return refuse([binding], object.versionId);

  const spec = parsed.spec;
  const modes = deps.config?.authModes ?? authModes();
  const result: ValidatedSpec = {
    domain: spec.domain,
    bucket,
    key,
    versionId: object.versionId ?? null,
    reportKey: reportKey(spec.domain),
    scram: modes.includes('SCRAM'),
    mtls: modes.includes('MTLS'),
    summary: {
      ...(spec.title !== undefined ? { title: spec.title } : {}),
      ...(spec.version !== undefined ? { version: spec.version } : {}),
      ownedTopics: spec.owned.length,
      subscriptions: spec.subscriptions.length,
      desiredBindings: desiredBindings([spec], config).length,
      warnings: parsed.warnings.slice(0, MAX_LISTED),
    },
  };
  logger.info('spec valid', {
    domain: spec.domain,
    versionId: result.versionId,
    ...result.summary,
    warnings: parsed.warnings.length,
  });
  return result;
}

export const handler = instrument('ValidateSpec', (event: ValidateSpecInput) => validateSpec(event));
