import fc from 'fast-check';
import { BindingSet } from '../../../lib/access/binding-set.js';
import { bindingKey } from '../../../lib/access/bindings.js';
import { OPERATIONS } from '../../../lib/access/types.js';
import type { AclBinding } from '../../../lib/access/types.js';

const arbBinding: fc.Arbitrary<AclBinding> = fc.record({
  resourceType: fc.constantFrom('TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'),
  patternType: fc.constantFrom('LITERAL', 'PREFIXED'),
  resourceName: fc.constantFrom('a', 'a.', 'ab', '*', ''),
  principal: fc.constantFrom('User:a', 'User:*', 'User:CN=a'),
  host: fc.constantFrom('*', '10.0.0.1'),
  operation: fc.constantFrom(...OPERATIONS),
  permission: fc.constantFrom('ALLOW', 'DENY'),
});
// A binding read from a newer broker, outside our vocabulary, must still be kept apart.
const odd = {
  resourceType: 'DELEGATION_TOKEN',
  patternType: 'LITERAL',
  resourceName: 'a',
  principal: 'User:a',
  host: '*',
  operation: 'DESCRIBE_TOKENS',
  permission: 'ALLOW',
} as unknown as AclBinding;

describe('BindingSet', () => {
  it('behaves like a Set of bindingKey strings under add/delete/has', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('add', 'delete'), fc.oneof(arbBinding, fc.constant(odd))), { maxLength: 60 }),
        arbBinding,
        (ops, probe) => {
          const set = new BindingSet();
          const model = new Set<string>();
          for (const [op, b] of ops) {
            const k = bindingKey(b);
            if (op === 'add') expect(set.add(b)).toBe(!model.has(k));
            else expect(set.delete(b)).toBe(model.has(k));
            if (op === 'add') model.add(k);
            else model.delete(k);
            expect(set.size).toBe(model.size);
          }
          for (const [, b] of ops) expect(set.has(b)).toBe(model.has(bindingKey(b)));
          expect(set.has(probe)).toBe(model.has(bindingKey(probe)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
