// Handler input is read by zod schemas (functions/_shared/input.ts): a malformed state input is a
// ConfigurationError that names the offending fields and why, and never echoes their values.
import { z } from 'zod';
import { collect } from '../../../functions/collect-certificate/handler.js';
import { issue } from '../../../functions/issue-certificate/handler.js';
import { validateSpec } from '../../../functions/validate-spec/handler.js';
import { Correlated, DomainId, parseInput } from '../../../functions/_shared/input.js';
import { setEnv } from './_support.js';

beforeEach(() => setEnv());

describe('parseInput', () => {
  const schema = Correlated.extend({ domain: DomainId, generation: z.number().int().positive() });

  it('returns the typed input, unknown fields dropped', () => {
    expect(parseInput(schema, { domain: 'shop.orders', generation: 2, correlationId: 'x', extra: 1 })).toEqual({
      domain: 'shop.orders',
      generation: 2,
      correlationId: 'x',
    });
  });

  it('refuses with ConfigurationError naming each bad field, without its value', () => {
    const secretLooking = 'AKIA-not-a-domain SECRET';
    let err: unknown;
    try {
      parseInput(schema, { domain: secretLooking, generation: '2' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: 'ConfigurationError' });
    const message = (err as Error).message;
    expect(message).toContain('"domain": expected a valid domain id');
    expect(message).toMatch(/"generation": .*number/);
    expect(message).not.toContain(secretLooking);
    expect(() => parseInput(schema, null)).toThrow(/state input refused/);
  });
});

describe('handlers refuse malformed input before any AWS call', () => {
  it.each([
    ['ValidateSpec without bucket and key', () => validateSpec({ detail: {} } as never)],
    ['IssueCertificate with a wildcard domain', () => issue({ domain: '*' })],
    [
      'CollectCertificate without a generation',
      () => collect({ domain: 'shop.orders', certificateArn: 'arn', publicKeySha256: '0'.repeat(64) } as never),
    ],
  ])('%s', async (_name, run) => {
    await expect(run()).rejects.toMatchObject({ name: 'ConfigurationError' });
  });
});
