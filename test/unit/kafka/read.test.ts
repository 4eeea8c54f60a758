// The names a scoped ACL read sends MATCH filters for (lib/kafka/read.ts): few enough that the
// broker, which scans its whole ACL cache per DescribeAcls, is not asked more than it must be, and
// still every binding that applies to a topic the scope has or will create.
import { matchCandidates } from '../../../lib/kafka/read.js';

describe('matchCandidates', () => {
  const prefixes = ['shop.orders.', 'shop.orders._public.', 'shop.orders._protected.', 'shop.orders._private.'];

  test('a prefix with a topic under it is covered by that topic: MATCH on a name returns PREFIXED on each of its prefixes', () => {
    expect(matchCandidates(prefixes, ['shop.orders._public.events'])).toEqual([
      'shop.orders._private.',
      'shop.orders._protected.',
      'shop.orders._public.events',
    ]);
  });

  test('with no topic at all, every prefix is asked for itself', () => {
    expect(matchCandidates(prefixes, [])).toEqual([
      'shop.orders._private.',
      'shop.orders._protected.',
      'shop.orders._public.',
    ]);
    // The domain's own prefix is covered by its keyword prefixes, which are names under it.
    expect(matchCandidates(['shop.orders.'], [])).toEqual(['shop.orders.']);
  });

  test('topics are always asked for, once each and in order; a name is not a prefix of itself', () => {
    expect(
      matchCandidates(prefixes, [
        'shop.orders._protected.b',
        'shop.orders._protected.a',
        'shop.orders._protected.a',
        'shop.orders._private.x',
      ]),
    ).toEqual([
      'shop.orders._private.x',
      'shop.orders._protected.a',
      'shop.orders._protected.b',
      'shop.orders._public.',
    ]);
  });

  test('a topic under another domain does not cover this one: names are compared as strings, at the dot', () => {
    expect(matchCandidates(['shop.orders.'], ['shop.ordersx.t'])).toEqual(['shop.orders.', 'shop.ordersx.t']);
  });
});
