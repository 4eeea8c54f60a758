import {
  ALPHABET,
  LETTERS,
  PASSWORD_LENGTH,
  generatePassword,
  isValidPassword,
} from '../../../lib/credentials/password.js';

describe('generatePassword', () => {
  it('is 32 characters of [A-Za-z0-9] with a letter first', () => {
    for (let i = 0; i < 500; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(PASSWORD_LENGTH);
      expect(p).toMatch(/^[A-Za-z][A-Za-z0-9]{31}$/);
      expect(isValidPassword(p)).toBe(true);
    }
  });

  it('does not repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generatePassword()));
    expect(seen.size).toBe(1000);
  });

  it('uses every character of the alphabet with roughly equal frequency (chi-square sanity)', () => {
    const counts = new Map<string, number>();
    const n = 4000;
    for (let i = 0; i < n; i++) for (const c of generatePassword().slice(1)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (n * 31) / 62;
    const chi2 = [...counts.values()].reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    // 61 degrees of freedom: p=0.0001 critical value is about 111. A modulo-biased generator
    // (byte % 62) over-represents the first 8 characters by ~25% and lands far above this.
    expect(chi2).toBeLessThan(111);
  });

  it('first characters spread over all 52 letters', () => {
    const firsts = new Set(Array.from({ length: 3000 }, () => generatePassword()[0]));
    expect(firsts.size).toBe(LETTERS.length);
  });
});

describe('generatePassword draws each character from the right range', () => {
  it('asks for a letter first, then for the full alphabet, and maps each draw to its character', () => {
    const asked: number[] = [];
    const draws = [51, 0, 61, 26, 52];
    const p = generatePassword(5, (max) => {
      asked.push(max);
      return draws[asked.length - 1]!;
    });
    expect(asked).toEqual([LETTERS.length, ALPHABET.length, ALPHABET.length, ALPHABET.length, ALPHABET.length]);
    expect(p).toBe('zA9a0');
  });
});
