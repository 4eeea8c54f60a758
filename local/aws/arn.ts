// Shared helpers for the emulated AWS services: ARNs, ids, random suffixes, epoch timestamps.
//
// ARN format: arn:partition:service:region:account-id:resource
// (IAM User Guide, "Amazon Resource Names (ARNs)", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
// @aws-sdk/util-arn-parser parses and builds them; the two functions here only adapt it to the
// emulators' use (see each).
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { build, parse, validate, type ARN } from '@aws-sdk/util-arn-parser';

/** An ARN's parts; `resource` is everything after the fifth colon, e.g. `key/1234...`, `secret:name-AbCdEf`. */
export type Arn = ARN;

/** util-arn-parser's build with positional parts, as the emulators' three dozen call sites (and local/aws/iam/) pass them. */
export function buildArn(
  service: string,
  region: string,
  accountId: string,
  resource: string,
  partition = 'aws',
): string {
  return build({ partition, service, region, accountId, resource });
}

/**
 * Parses an ARN; undefined when the string is not one. util-arn-parser throws on a string that is
 * not an ARN and accepts an empty partition or service (`arn::x:::y`); the emulators answer "not an
 * ARN" for both, since every ARN names its partition and service (IAM User Guide, "ARN format").
 */
export function parseArn(value: string): Arn | undefined {
  if (!validate(value)) return undefined;
  const arn = parse(value);
  return arn.partition && arn.service ? arn : undefined;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random characters from `alphabet` (default: letters and digits); crypto.randomInt draws without modulo bias. */
export function randomChars(length: number, alphabet = ALNUM): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
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
