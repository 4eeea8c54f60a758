// Every spec in test/fixtures/bad-specs/ carries a broker-invalid setting and is refused at
// validation, with the rule and JSON path its first line names (`# expect: <rule> at <path>`).
// test/e2e/cluster-refusals.test.ts uploads the same files and checks that nothing is created.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { parseSpec } from '../../../lib/spec/parse.js';
import { badSpecs } from '../../support/bad-specs.js';

describe('test/fixtures/bad-specs', () => {
  it('holds at least the issue-11 cases', () => {
    expect(badSpecs().length).toBeGreaterThanOrEqual(6);
  });

  it.each(badSpecs().map((s) => [s.file, s] as const))('%s is refused with its rule at its path', (_f, s) => {
    const r = parseSpec(s.text, `specs/${s.file}`, DEFAULT_CONFIG);
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues.map((i) => [i.path, i.rule])).toEqual([[s.path, s.rule]]);
  });
});
