// The input of the Kafka-facing provision steps (PlanAgainstCluster, ApplyTopicsAndAcls), checked
// against one schema, and the spec version ValidateSpec accepted, read again (a state carries the
// version's coordinates, never the spec).
import type { S3Client } from '@aws-sdk/client-s3';
import { reportKey } from '../../lib/aws/reports.js';
import { getSpecObject } from '../../lib/aws/specs.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { SpecRefused } from '../../lib/errors.js';
import type { DomainSpec } from '../../lib/spec/model.js';
import { parseSpec } from '../../lib/spec/parse.js';
import { z } from 'zod';
import { Correlated, DomainId, parseInput } from './input.js';

const Counts = z.object({
  topicsToCreate: z.number(),
  partitionIncreases: z.number(),
  configChanges: z.number(),
  aclsToCreate: z.number(),
  aclsToDelete: z.number(),
});

/** The input of PlanAgainstCluster and ApplyTopicsAndAcls. */
export const SpecStepInput = Correlated.extend({
  domain: DomainId,
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  // Only a literal true forces (aws-local-stepfunctions 3 writes a Pass state's `Result: false` as
  // the whole input, so anything else must read as false).
  force: z
    .unknown()
    .optional()
    .transform((v) => v === true),
  /** `$$.Execution.StartTime`, for the provisioning duration metric. */
  startedAt: z.string().optional(),
  /** PlanAgainstCluster's digest, so ApplyTopicsAndAcls can say how far its plan differs. */
  checked: z.object({ counts: Counts, digest: z.string() }).optional(),
});
export type SpecStepInput = z.output<typeof SpecStepInput>;

/** Checks a state input against the schema; ConfigurationError names the offending fields, never values. */
export const parseSpecStepInput = (event: unknown): SpecStepInput => parseInput(SpecStepInput, event);

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
