// Shared helpers for the emulated AWS services: ARNs, ids, random suffixes, epoch timestamps.
//
// ARN format: arn:partition:service:region:account-id:resource
// (IAM User Guide, "Amazon Resource Names (ARNs)", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
import { randomBytes, randomUUID } from 'node:crypto';

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  /** Everything after the fifth colon, e.g. `key/1234...`, `secret:name-AbCdEf`. */
  readonly resource: string;
}

export function buildArn(
  service: string,
  region: string,
  accountId: string,
  resource: string,
  partition = 'aws',
): string {
  return `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
}

/** Parses an ARN; undefined when the string is not one. */
export function parseArn(value: string): Arn | undefined {
  if (!value.startsWith('arn:')) return undefined;
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  if (!partition || !service) return undefined;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

export function isArn(value: string): boolean {
  return parseArn(value) !== undefined;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random characters from `alphabet` (default: letters and digits), unbiased by rejection sampling. */
export function randomChars(length: number, alphabet = ALNUM): string {
  let out = '';
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * The six random characters Secrets Manager appends to a secret's ARN after a hyphen
 * (Secrets Manager User Guide, "Troubleshoot": "Secrets Manager adds a hyphen and six random
 * characters after the secret name at the end of the ARN").
 */
export function secretSuffix(): string {
  return randomChars(6);
}

export function uuid(): string {
  return randomUUID();
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** The AWS JSON protocols serialize timestamps as epoch seconds (JSON number, fractional allowed). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
