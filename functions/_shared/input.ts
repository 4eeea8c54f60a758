// Input checks shared by the handlers. State payloads are produced by our own state machines, but a
// handler still refuses a malformed one with a clear message instead of failing deep in an SDK call.
import { ConfigurationError } from '../../lib/errors.js';
import { isValidDomainId } from '../../lib/spec/names.js';

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

export function optionalDate(value: unknown): Date {
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
  return new Date();
}
