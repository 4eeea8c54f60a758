// The input of the Kafka-facing provision steps (PlanAgainstCluster, ApplyTopicsAndAcls), checked
// against one schema, and the spec version ValidateSpec accepted, read again (a state carries the
// version's coordinates, never the spec).
import type { S3Client } from '@aws-sdk/client-s3';
import { reportKey } from '../../lib/aws/reports.js';
import { getSpecObject } from '../../lib/aws/specs.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { ConfigurationError, SpecRefused } from '../../lib/errors.js';
import type { PlanDigest } from '../../lib/kafka/cluster-plan.js';
import type { DomainSpec } from '../../lib/spec/model.js';
import { parseSpec } from '../../lib/spec/parse.js';
import { requireDomain, requireString } from './input.js';

export interface SpecStepInput {
  readonly domain: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly force: boolean;
  /** `$$.Execution.StartTime`, for the provisioning duration metric. */
  readonly startedAt?: string;
  /** PlanAgainstCluster's digest, so ApplyTopicsAndAcls can say how far its plan differs. */
  readonly checked?: PlanDigest;
}

const optional = (e: Record<string, unknown>, field: string, type: 'string' | 'boolean' | 'object') => {
  const v = e[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) throw new ConfigurationError(`state input "${field}" must be a ${type}`);
  return v;
};

/** Checks a state input against the schema above; ConfigurationError names the offending field. */
export function parseSpecStepInput(event: unknown): SpecStepInput {
  if (!event || typeof event !== 'object') throw new ConfigurationError('state input is not an object');
  const e = event as Record<string, unknown>;
  const checked = optional(e, 'checked', 'object') as PlanDigest | undefined;
  if (checked && (typeof checked.digest !== 'string' || typeof checked.counts !== 'object'))
    throw new ConfigurationError('state input "checked" must be {counts, digest}');
  const startedAt = optional(e, 'startedAt', 'string') as string | undefined;
  return {
    domain: requireDomain(e['domain']),
    bucket: requireString(e, 'bucket'),
    key: requireString(e, 'key'),
    versionId: (optional(e, 'versionId', 'string') as string | undefined) ?? null,
    // Only a literal true forces (aws-local-stepfunctions 3 writes a Pass state's `Result: false` as the
    // whole input, so anything else must read as false).
    force: e['force'] === true,
    ...(startedAt ? { startedAt } : {}),
    ...(checked ? { checked } : {}),
  };
}

/** The spec version ValidateSpec accepted; a different object (or domain) is refused. */
export async function readAcceptedSpec(
  s3: S3Client,
  input: SpecStepInput,
  config: ProvisionConfig,
): Promise<DomainSpec> {
  const object = await getSpecObject(
    s3,
    input.bucket,
    input.key,
    input.versionId ?? undefined,
    config.limits.maxSpecBytes,
  );
  const parsed = parseSpec(object.text, input.key, config);
  if (parsed.ok && parsed.spec.domain === input.domain) return parsed.spec;
  throw new SpecRefused({
    domain: input.domain,
    bucket: input.bucket,
    key: input.key,
    versionId: input.versionId,
    reportKey: reportKey(input.domain),
    issues: parsed.ok ? [] : parsed.issues.slice(0, 50),
  });
}
