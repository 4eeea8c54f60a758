// Input checks shared by the handlers. State payloads are produced by our own state machines, but a
// handler still refuses a malformed one with a clear message instead of failing deep in an SDK call.
// A handler declares its input as a zod schema and reads it with parseInput: the type follows from
// the schema, so there is no cast between what was checked and what is used.
import { z } from 'zod';
import { ConfigurationError } from '../../lib/errors.js';
import { isValidDomainId } from '../../lib/spec/names.js';

/** A domain id (lib/spec/names.ts): what every state carries as `domain`. */
export const DomainId = z.string().refine(isValidDomainId, 'expected a valid domain id');

/** Every state passes `$$.Execution.Id`; observability.ts logs it as correlation_id. */
export const Correlated = z.object({ correlationId: z.string().optional() });

/**
 * The state input as `schema` reads it, or ConfigurationError naming the fields that are wrong and
 * why, never their values (zod's messages name the expected and received types only).
 */
export function parseInput<S extends z.ZodType>(schema: S, event: unknown): z.output<S> {
  const r = schema.safeParse(event);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 5).map((i) => `"${i.path.join('.') || '(input)'}": ${i.message}`);
  throw new ConfigurationError(`state input refused: ${problems.join('; ')}`);
}

export function requireDomain(value: unknown): string {
  if (typeof value !== 'string' || !isValidDomainId(value)) {
    throw new ConfigurationError(
      `state input has no valid "domain" (got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value})`,
    );
  }
  return value;
}

export function requireString(event: Record<string, unknown>, field: string): string {
  const v = event[field];
  if (typeof v !== 'string' || v === '') throw new ConfigurationError(`state input has no "${field}"`);
  return v;
}

/** A date from the input, or now when there is none (or it does not parse). */
export function optionalDate(value: unknown): Date {
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
  return new Date();
}
