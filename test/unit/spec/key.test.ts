import { describe, expect, it } from '@jest/globals';
import { checkKeyBinding, domainFromKey } from '../../../lib/spec/key.js';
import type { DomainSpec } from '../../../lib/spec/model.js';

const spec = (domain: string): DomainSpec => ({ domain, asyncapi: '2.6.0', owned: [], subscriptions: [], source: 'x' });

describe('S3 key binding', () => {
  it.each([
    ['specs/shop.order.yaml', 'shop.order'],
    ['specs/shop.order.yml', 'shop.order'],
    ['specs/shop.order.json', 'shop.order'],
    ['specs/shop.yaml.yaml', 'shop.yaml'],
  ])('domainFromKey(%s) = %s', (key, domain) => {
    expect(domainFromKey(key)).toBe(domain);
  });

  it.each([
    'shop.order.yaml',
    'specs/shop.order.txt',
    'specs/sub/shop.order.yaml',
    'specs/Shop.yaml',
    'specs/.yaml',
    'specs/*.yaml',
    'other/specs/shop.yaml',
    'specs/shop.order.yaml.bak',
  ])('domainFromKey(%s) is undefined', (key) => {
    expect(domainFromKey(key)).toBeUndefined();
  });

  it("accepts the spec of the key's own domain", () => {
    expect(checkKeyBinding('specs/shop.order.yaml', spec('shop.order'))).toBeUndefined();
  });

  it("refuses a spec stored under another domain's key, including a prefix of it", () => {
    for (const [key, domain] of [
      ['specs/shop.order.yaml', 'shop.orders'],
      ['specs/shop.orders.yaml', 'shop.order'],
      ['specs/shop.yaml', 'shop.order'],
    ] as const) {
      const issue = checkKeyBinding(key, spec(domain));
      expect(issue).toMatchObject({ file: key, path: '$.id', rule: 'key-binding' });
      expect(issue?.message).toContain(`urn:${domain}`);
    }
  });

  it('refuses a key that is not a spec key at all', () => {
    expect(checkKeyBinding('uploads/shop.order.yaml', spec('shop.order'))).toMatchObject({
      path: '$',
      rule: 'key-binding',
    });
  });
});
