// The emulators' one page-token helper (local/aws/pagination.ts): pages cover a listing once, in
// order; a token is refused when forged, tampered with, from another listing or another emulator;
// page sizes hold to their bounds.
import { PageTokens, pageSize } from '../../../local/aws/pagination.js';

class InvalidToken extends Error {}
const invalid = (): Error => new InvalidToken('The NextToken value is invalid.');

function walk<T>(tokens: PageTokens, items: readonly T[], size: number, listing = 'L'): T[][] {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = tokens.page(items, { listing, size, token, invalid });
    pages.push(page.items);
    token = page.next;
  } while (token !== undefined);
  return pages;
}

describe('PageTokens.page', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

  test('pages of `size` cover the listing once, in order, and the last page has no next token', () => {
    const tokens = new PageTokens();
    expect(walk(tokens, items, 3)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
    expect(walk(tokens, items, 7)).toEqual([items]);
    expect(walk(tokens, [], 5)).toEqual([[]]);
  });

  test('an absent token (undefined, null, empty) starts at the first page', () => {
    const tokens = new PageTokens();
    for (const token of [undefined, null, ''])
      expect(tokens.page(items, { listing: 'L', size: 2, token, invalid }).items).toEqual(['a', 'b']);
  });

  test('the token does not show its position', () => {
    const token = new PageTokens().seal('s3:ListObjectsV2:bucket', 'specs/orders.yaml');
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('orders');
  });

  test('a token of another listing, another emulator, a forged, tampered or non-string one is refused', () => {
    const tokens = new PageTokens();
    const next = tokens.page(items, { listing: 'ListSecrets', size: 3, token: undefined, invalid }).next!;
    const raw = Buffer.from(next, 'base64url');
    raw[raw.length - 1]! ^= 1;
    const refused = [
      { token: next, listing: 'ListSecretVersionIds' },
      { token: new PageTokens().seal('ListSecrets', 3), listing: 'ListSecrets' },
      { token: Buffer.from(JSON.stringify({ o: 3 })).toString('base64'), listing: 'ListSecrets' },
      { token: raw.toString('base64url'), listing: 'ListSecrets' },
      { token: next.slice(0, 20), listing: 'ListSecrets' },
      { token: 3, listing: 'ListSecrets' },
    ];
    for (const { token, listing } of refused)
      expect(() => tokens.page(items, { listing, size: 3, token, invalid })).toThrow(InvalidToken);
    expect(tokens.page(items, { listing: 'ListSecrets', size: 3, token: next, invalid }).items).toEqual([
      'd',
      'e',
      'f',
    ]);
  });

  test('a sealed position that is not an offset is refused by page()', () => {
    const tokens = new PageTokens();
    for (const position of ['d', -1, 1.5, ['L', 3]])
      expect(() => tokens.page(items, { listing: 'L', size: 3, token: tokens.seal('L', position), invalid })).toThrow(
        InvalidToken,
      );
  });
});

describe('PageTokens seal/open', () => {
  test('a key or tuple position comes back as sealed, only for its listing', () => {
    const tokens = new PageTokens();
    const token = tokens.seal('s3:ListObjectsV2:bucket', 'p/ä/k');
    expect(tokens.open(token, 's3:ListObjectsV2:bucket', invalid)).toBe('p/ä/k');
    expect(() => tokens.open(token, 's3:ListObjectsV2:other', invalid)).toThrow(InvalidToken);
    expect(tokens.open(tokens.seal('x', ['k', 2]), 'x', invalid)).toEqual(['k', 2]);
  });
});

describe('pageSize', () => {
  const bounds = { min: 1, max: 100, default: 50 };
  const tooBig = (v: unknown): Error => new RangeError(`Value '${String(v)}' at 'limit'`);

  test('absent is the default; integers within the bounds are kept', () => {
    expect(pageSize(undefined, bounds, tooBig)).toBe(50);
    expect(pageSize(null, bounds, tooBig)).toBe(50);
    expect([1, 100].map((n) => pageSize(n, bounds, tooBig))).toEqual([1, 100]);
  });

  test('outside the bounds, fractional or not a number is refused with the value named', () => {
    for (const v of [0, 101, 2.5, '10', Number.NaN])
      expect(() => pageSize(v, bounds, tooBig)).toThrow(new RangeError(`Value '${String(v)}' at 'limit'`));
  });
});
