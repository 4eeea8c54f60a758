// SCRAM passwords (docs/architecture.md#scram): 32 characters from [A-Za-z0-9], drawn from the CSPRNG
// so every character is equally likely, and a letter first (Strimzi's rule: some clients and shells
// mishandle a leading digit). node:crypto's randomInt already draws without modulo bias (it rejects
// the values that would make one residue more likely), so there is no sampling code of our own.
import { randomInt } from 'node:crypto';

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ALPHABET = LETTERS + '0123456789';
export const PASSWORD_LENGTH = 32;

/** A uniform integer in [0, max); tests substitute a scripted one. Production uses crypto.randomInt. */
export type RandomInt = (max: number) => number;

export function generatePassword(length = PASSWORD_LENGTH, random: RandomInt = randomInt): string {
  if (!Number.isInteger(length) || length < 1) throw new RangeError('password length must be a positive integer');
  let password = LETTERS[random(LETTERS.length)]!;
  while (password.length < length) password += ALPHABET[random(ALPHABET.length)]!;
  return password;
}

/** The rules a stored password must keep; used to validate an existing secret before reuse. */
export function isValidPassword(p: string): boolean {
  return p.length === PASSWORD_LENGTH && /^[A-Za-z][A-Za-z0-9]*$/.test(p);
}
