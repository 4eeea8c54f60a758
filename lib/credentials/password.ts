// SCRAM passwords (docs/architecture.md#scram): 32 characters from [A-Za-z0-9], drawn from the CSPRNG
// with rejection sampling so every character is equally likely, and a letter first (Strimzi's rule:
// some clients and shells mishandle a leading digit).
import { randomBytes } from 'node:crypto';

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ALPHABET = LETTERS + '0123456789';
export const PASSWORD_LENGTH = 32;

/** A source of random bytes; tests substitute a scripted one. Production uses crypto.randomBytes. */
export type RandomBytes = (n: number) => Uint8Array;

/**
 * Draws `count` indexes uniformly from [0, size) by rejection sampling: a byte b is used only if
 * b < size * floor(256 / size), then reduced modulo size. Every accepted residue has the same
 * number of preimages, so there is no modulo bias.
 */
export function uniformIndexes(count: number, size: number, random: RandomBytes = randomBytes): number[] {
  if (!Number.isInteger(size) || size < 1 || size > 256) throw new RangeError(`alphabet size ${size} must be 1..256`);
  const limit = size * Math.floor(256 / size);
  const out: number[] = [];
  while (out.length < count) {
    // Ask for a little more than needed; the acceptance rate is limit/256 (>= 50%).
    const bytes = random(Math.max(16, Math.ceil(((count - out.length) * 256) / limit) + 8));
    for (const b of bytes) {
      if (b < limit) {
        out.push(b % size);
        if (out.length === count) break;
      }
    }
  }
  return out;
}

export function generatePassword(length = PASSWORD_LENGTH, random: RandomBytes = randomBytes): string {
  if (!Number.isInteger(length) || length < 1) throw new RangeError('password length must be a positive integer');
  const [first] = uniformIndexes(1, LETTERS.length, random);
  const rest = uniformIndexes(length - 1, ALPHABET.length, random);
  return LETTERS[first!]! + rest.map((i) => ALPHABET[i]!).join('');
}

/** The rules a stored password must keep; used to validate an existing secret before reuse. */
export function isValidPassword(p: string): boolean {
  return p.length === PASSWORD_LENGTH && /^[A-Za-z][A-Za-z0-9]*$/.test(p);
}
