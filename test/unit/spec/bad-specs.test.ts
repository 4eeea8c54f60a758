// Every hostile spec in test/fixtures/bad-specs/ (issue 13) is refused with the refusals its header
// names (`# expect: <rule> at <path>`, test/support/bad-specs.ts), and each refusal names the file
// (the S3 key it is stored under), the JSON path and the rule. A two-step case (`# after:`) is
// refused by the planner against the cluster state its first step leaves. The e2e twin,
// test/e2e/hostile-specs.test.ts, sends the same files through the workflow.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { applyPlanToState, plan } from '../../../lib/plan/plan.js';
import { parseSpecAtKey } from '../../../lib/spec/key.js';
import { SPEC_RULES } from '../../../lib/spec/parse.js';
import { badSpecs, generate } from '../../support/bad-specs.js';

const SPECS = badSpecs();

/** The classes of hostile input issue 13 lists, each as the rules that refuse it. */
const CLASSES: Record<string, readonly string[]> = {
  'malformed YAML': ['yaml-syntax', 'yaml-multi-document', 'yaml-key', 'yaml-value', 'spec-empty', 'spec-root'],
  'malformed JSON': ['json-syntax'],
  'wrong types': ['binding-partitions', 'binding-replicas', 'binding-configs', 'binding-envs', 'channels', 'channel'],
  'principal or pattern injection': ['domain-id', 'topic-name', 'subscription-topic'],
  'alias bombs and deep nesting': ['yaml-aliases', 'max-depth'],
  '10 MiB files': ['max-size'],
  '100,000 channels': ['max-channels'],
  'unknown AsyncAPI versions': ['asyncapi-version'],
  'grants to malformed domains': ['grant-access'],
  'key and id mismatch': ['key-binding'],
  'partition decreases': ['partition-decrease'],
  'duplicate channels after normalisation': ['topic-duplicate', 'topic-collision'],
  'invalid topic configs': ['topic-config', 'topic-config-conflict', 'max-partitions'],
};
const PLAN_RULES = ['partition-decrease', 'replication-factor-change'];

describe('test/fixtures/bad-specs', () => {
  it('holds at least 50 hostile specs, and every class issue 13 lists', () => {
    expect(SPECS.length).toBeGreaterThanOrEqual(50);
    const rules = new Set(SPECS.flatMap((s) => s.expected.map((e) => e.rule)));
    const missing = Object.entries(CLASSES).filter(([, rs]) => !rs.some((r) => rules.has(r)));
    expect(missing.map(([what]) => what)).toEqual([]);
    // 10 MiB and 100,000 channels are generated, not committed.
    const tenMib = SPECS.find((s) => s.file === 'size-10mib.recipe.json')!;
    expect(Buffer.byteLength(tenMib.text())).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    const compact = SPECS.find((s) => s.file === 'channels-100000-compact.recipe.json')!.text();
    expect(compact.match(/: \{\},/g)).toHaveLength(100_000);
    expect(Buffer.byteLength(compact)).toBeLessThan(1024 * 1024);
  });

  it('names only rules the parser or the planner has', () => {
    const known = new Set<string>([...SPEC_RULES, ...PLAN_RULES]);
    expect(
      SPECS.flatMap((s) => s.expected.filter((e) => !known.has(e.rule)).map((e) => `${s.file}: ${e.rule}`)),
    ).toEqual([]);
  });

  it('generates recipes deterministically: a count, or a size in bytes', () => {
    const r = { format: 'yaml' as const, head: 'h', repeat: '{i}{i36};', tail: 't' };
    expect(generate({ ...r, count: 3 })).toBe('h0k0;1k1;2k2;t');
    expect(Buffer.byteLength(generate({ ...r, untilBytes: 20 }))).toBeGreaterThanOrEqual(20);
    expect(generate({ ...r, untilBytes: 20 })).toBe(generate({ ...r, untilBytes: 20 }));
  });

  const oneStep = SPECS.filter((s) => !s.after);
  it.each(oneStep.map((s) => [s.file, s] as const))(
    '%s is refused with its rules at its paths, naming its file',
    (_f, s) => {
      const r = parseSpecAtKey(s.text(), s.key, DEFAULT_CONFIG);
      const issues = r.ok ? [] : r.issues;
      expect(issues.map((i) => ({ rule: i.rule, path: i.path }))).toEqual(s.expected);
      expect(issues.map((i) => i.file)).toEqual(s.expected.map(() => s.key));
      for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
    },
    // A bound, not a timing assertion: a hostile spec must not keep the parser busy for minutes.
    60_000,
  );

  const twoStep = SPECS.filter((s) => s.after);
  it.each(twoStep.map((s) => [s.file, s] as const))(
    '%s: its first step is applied, then the planner refuses it with its rule, naming the path',
    (_f, s) => {
      const first = parseSpecAtKey(s.after!.text, s.key, DEFAULT_CONFIG);
      if (!first.ok) throw new Error(`${s.after!.file} does not parse: ${JSON.stringify(first.issues)}`);
      const created = plan([first.spec], { topics: [], acls: [] }, DEFAULT_CONFIG);
      expect(created.errors).toEqual([]);
      const state = applyPlanToState({ topics: [], acls: [] }, created);

      const second = parseSpecAtKey(s.text(), s.key, DEFAULT_CONFIG);
      if (!second.ok) throw new Error(`${s.file} does not parse: ${JSON.stringify(second.issues)}`);
      expect(second.spec.source).toBe(s.key);
      const errors = plan([second.spec], state, DEFAULT_CONFIG).errors;
      expect(errors.map((e) => e.rule)).toEqual(s.expected.map((e) => e.rule));
      errors.forEach((e, i) => expect(e.message).toContain(`(${s.expected[i]!.path})`));
    },
  );
});
