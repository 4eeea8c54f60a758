// ValidateSpec: the first state of the provision workflow. Reads and checks the exact spec version
// that triggered the run (lib/aws/spec-validation.ts); changes nothing. A refusal is SpecRefused,
// which the state machine turns into the FAILED report.
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { s3Client } from '../../lib/aws/clients.js';
import { accountId, authModes, provisionConfig } from '../../lib/aws/env-config.js';
import { validateSpecVersion, type ValidatedSpec } from '../../lib/aws/spec-validation.js';
import type { ProvisionConfig } from '../../lib/config.js';
import { instrument } from '../../lib/observability.js';
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

export type { ValidatedSpec } from '../../lib/aws/spec-validation.js';

export async function validateSpec(
  event: ValidateSpecInput,
  deps: { s3?: S3Client; config?: ProvisionConfig; accountId?: string } = {},
): Promise<ValidatedSpec> {
  const request = parseInput(Input, event);
  const ctx = {
    s3: deps.s3 ?? s3Client(),
    config: deps.config ?? provisionConfig(),
    modes: deps.config?.authModes ?? authModes(),
    accountId: () => deps.accountId ?? accountId(),
  };
  return validateSpecVersion(ctx, request);
}

export const handler = instrument('ValidateSpec', (event: ValidateSpecInput) => validateSpec(event));
