// iam-policy's caseInsensitiveEquals, which the IAM evaluator calls for every action, ARN and
// condition value it matches, answers as `localeCompare(…, { sensitivity: 'accent' }) === 0`, the
// comparison it was written with: local/patches/ makes it use one Intl.Collator instead of
// building one per call (ECMA-402, String.prototype.localeCompare), and must not change a single
// answer. Pairs are drawn around the cases that matter: case, accents, and ligature-like letters.
import { createRequire } from 'node:module';
import fc from 'fast-check';
// Not among the package's exports: its two builds, by path.
import * as esm from '../../../node_modules/@cloud-copilot/iam-policy/dist/esm/utils.js';

type Utils = {
  caseInsensitiveEquals(a: string, b: string): boolean;
  caseInsensitiveEndsWith(v: string, s: string): boolean;
};
const cjs = createRequire(import.meta.url)(
  '../../../node_modules/@cloud-copilot/iam-policy/dist/cjs/utils.js',
) as Utils;

const reference = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;

const letters = fc.constantFrom(...'aAbBzZeEéÉèsSßkKıIİ0-_:/*?'.split(''), 'e\u0301', 'ﬀ', 'ff');
const word = fc.array(letters, { maxLength: 8 }).map((xs) => xs.join(''));
/** A word and a variant of it: each letter kept, case-flipped or replaced. */
const pair = word.chain((w) =>
  fc.array(fc.constantFrom('keep', 'flip', 'other'), { minLength: w.length, maxLength: w.length }).chain((ops) =>
    fc.array(letters, { minLength: w.length, maxLength: w.length }).map((others) => {
      const chars = [...w];
      const variant = chars
        .map((c, i) =>
          ops[i] === 'keep'
            ? c
            : ops[i] === 'flip'
              ? c === c.toUpperCase()
                ? c.toLowerCase()
                : c.toUpperCase()
              : others[i],
        )
        .join('');
      return [w, variant] as const;
    }),
  ),
);

describe.each([
  ['esm', esm as Utils],
  ['cjs', cjs],
])(
  'iam-policy (%s build): case-insensitive comparison (patched)',
  (_build, { caseInsensitiveEquals, caseInsensitiveEndsWith }) => {
    it('answers as localeCompare with sensitivity "accent" does', () => {
      fc.assert(
        fc.property(pair, ([a, b]) => caseInsensitiveEquals(a, b) === reference(a, b)),
        { numRuns: 5000 },
      );
    });

    it('ignores case and keeps accents', () => {
      expect(caseInsensitiveEquals('s3:GetObject', 'S3:getobject')).toBe(true);
      expect(caseInsensitiveEquals('resume', 'résumé')).toBe(false);
      expect(caseInsensitiveEndsWith('arn:aws:iam::000000000000:role/Reader', '/READER')).toBe(true);
    });
  },
);
