import {
  ALPHABET,
  LETTERS,
  PASSWORD_LENGTH,
  generatePassword,
  isValidPassword,
  uniformIndexes,
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

describe('uniformIndexes (rejection sampling)', () => {
  it('rejects bytes at or above the largest multiple of the alphabet size', () => {
    // 62 * 4 = 248: bytes 248..255 must be discarded, not folded onto 0..7.
    const script = [248, 255, 250, 0, 61, 62, 247, 249];
    let pos = 0;
    const random = (n: number) => Uint8Array.from({ length: n }, () => script[pos++ % script.length]!);
    const out = uniformIndexes(4, ALPHABET.length, random);
    expect(out).toEqual([0, 61, 0, 247 % 62]);
  });

  it('maps each accepted residue from exactly floor(256/size) byte values', () => {
    const size = 62;
    const preimages = new Array<number>(size).fill(0);
    for (let b = 0; b < 256; b++) {
      let taken: number[] = [];
      let first = true;
      taken = uniformIndexes(1, size, (n) => {
        const arr = new Uint8Array(n).fill(first ? b : 0);
        first = false;
        return arr;
      });
      if (b < 248) preimages[taken[0]!]!++;
      else expect(taken[0]).toBe(0); // came from the refill, not from b
    }
    expect(new Set(preimages)).toEqual(new Set([4]));
  });
});
