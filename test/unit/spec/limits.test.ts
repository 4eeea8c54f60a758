// Hostile input (docs/architecture.md#errors-and-bad-input): every limit refuses with its own rule, and nothing any input
// can contain makes parseSpec throw.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import YAML from 'yaml';
import { DEFAULT_CONFIG, resolveConfig } from '../../../lib/config.js';
import { parseSpec, SPEC_RULES } from '../../../lib/spec/parse.js';
import type { SpecIssue } from '../../../lib/spec/model.js';

const rules = (text: string, config = DEFAULT_CONFIG, file = 'specs/x.yaml'): string[] => {
  const r = parseSpec(text, file, config);
  return r.ok ? [] : r.issues.map((i) => i.rule);
};

describe('limits', () => {
  it('refuses a spec over the size cap before parsing it, counting UTF-8 bytes', () => {
    const config = resolveConfig({ limits: { maxSpecBytes: 100 } });
    const padded = `asyncapi: 2.6.0\nid: urn:acme.shop\n# ${'x'.repeat(60)}\n`;
    expect(rules(padded, config)).toEqual([]);
    // 40 characters, but 120 bytes: the cap is on bytes
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\n# ${'€'.repeat(40)}\n`, config)).toEqual(['max-size']);
    // broken YAML beyond the cap still reports only the size: nothing was parsed
    expect(rules(`: : [[[ ${'x'.repeat(200)}`, config)).toEqual(['max-size']);
  });

  it('accepts the default 1 MiB and refuses one byte more', () => {
    const head = 'asyncapi: 2.6.0\nid: urn:acme.shop\n#';
    const exact = head + 'x'.repeat(DEFAULT_CONFIG.limits.maxSpecBytes - head.length);
    expect(rules(exact)).toEqual([]);
    expect(rules(`${exact}x`)).toEqual(['max-size']);
  });

  it("refuses a billion-laughs document through yaml's alias limit", () => {
    const laughs = [
      'asyncapi: 2.6.0',
      'id: urn:acme.shop',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    ].join('\n');
    expect(rules(laughs)).toEqual(['yaml-aliases']);
  });

  it('refuses alias amplification that stays within maxAliasCount (a big anchor used many times)', () => {
    // 90 uses of one anchor pass yaml's alias count, but would copy 2,000 values 90 times
    const text = `asyncapi: 2.6.0\nid: urn:acme.shop\nx: &a [${'1,'.repeat(2000)}1]\ny: [${'*a,'.repeat(89)}*a]\n`;
    const r = parseSpec(text, 'specs/x.yaml', DEFAULT_CONFIG);
    expect(!r.ok && r.issues.map((i) => [i.path, i.rule])).toEqual([['$', 'yaml-aliases']]);
    // the same anchor used twice is fine
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\nx: &a [${'1,'.repeat(2000)}1]\ny: [*a, *a]\n`)).toEqual([]);
  });

  it('allows a few aliases within the limit', () => {
    const text = `asyncapi: 2.6.0
id: urn:acme.shop
x-defaults: &small { kafka: { partitions: 1, replicas: 1 } }
channels:
  _public.a: { bindings: *small, publish: {} }
  _public.b: { bindings: *small, publish: {} }
`;
    const r = parseSpec(text, 'specs/x.yaml', DEFAULT_CONFIG);
    expect(r.ok && r.spec.owned.map((t) => t.partitions)).toEqual([1, 1]);
  });

  it.each([
    ['flow sequences', `x: ${'['.repeat(40)}${']'.repeat(40)}`],
    ['flow mappings', `x: ${'{a: '.repeat(40)}1${'}'.repeat(40)}`],
    ['compact block sequences', `x:\n  ${'- '.repeat(40)}1`],
    [
      'indented block mappings',
      `x:\n${Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1`,
    ],
    ['unclosed flow (pathological and huge)', `x: ${'['.repeat(500_000)}`],
    ['compact sequences (pathological and huge)', `${'- '.repeat(400_000)}x`],
  ])('refuses nesting deeper than the cap: %s', (_name, body) => {
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\n${body}\n`)).toEqual(['max-depth']);
  });

  it('accepts nesting at the cap', () => {
    const config = resolveConfig({ limits: { maxDepth: 10 } });
    // the root mapping is level 1, x's nine nested lists levels 2 to 10
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\nx: ${'['.repeat(9)}${']'.repeat(9)}\n`, config)).toEqual([]);
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\nx: ${'['.repeat(10)}${']'.repeat(10)}\n`, config)).toEqual([
      'max-depth',
    ]);
  });

  it('refuses depth that only appears once aliases are expanded', () => {
    const config = resolveConfig({ limits: { maxDepth: 8 } });
    const text = `asyncapi: 2.6.0
id: urn:acme.shop
a: &a [[[[1]]]]
b: &b [[[[*a]]]]
`;
    // as written, b nests 5 levels (root + 4 lists); expanded, 9
    expect(rules(text.replace('*a', '1'), config)).toEqual([]);
    expect(rules(text, config)).toEqual(['max-depth']);
  });

  it('refuses more channels (and 3.x operations) than the cap', () => {
    const config = resolveConfig({ limits: { maxChannels: 3 } });
    const channels = (n: number) => Array.from({ length: n }, (_, i) => `  _public.c${i}:\n    publish: {}`).join('\n');
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\nchannels:\n${channels(3)}\n`, config)).toEqual([]);
    expect(rules(`asyncapi: 2.6.0\nid: urn:acme.shop\nchannels:\n${channels(4)}\n`, config)).toEqual(['max-channels']);
    const ops = Array.from(
      { length: 4 },
      (_, i) => `  o${i}: { action: send, channel: { $ref: '#/channels/c' } }`,
    ).join('\n');
    expect(
      rules(
        `asyncapi: 3.0.0\nid: urn:acme.shop\nchannels:\n  c: { address: _public.c }\noperations:\n${ops}\n`,
        config,
      ),
    ).toEqual(['max-operations']);
  });

  it('refuses YAML syntax errors with line and column, duplicate keys, several documents, odd keys and types', () => {
    const r = parseSpec('asyncapi: 2.6.0\nid: [unclosed\n', 'specs/x.yaml', DEFAULT_CONFIG);
    expect(!r.ok && r.issues[0]).toMatchObject({ rule: 'yaml-syntax', path: '$' });
    expect(!r.ok && r.issues[0]?.message).toMatch(/line \d+, column \d+/);
    expect(rules('asyncapi: 2.6.0\nasyncapi: 3.0.0\n')).toEqual(['yaml-syntax']);
    expect(rules('asyncapi: 2.6.0\n---\nasyncapi: 3.0.0\n')).toEqual(['yaml-multi-document']);
    expect(rules('asyncapi: 2.6.0\nid: urn:acme.shop\n? [a, b]\n: complex key\n')).toEqual(['yaml-key']);
    expect(rules('asyncapi: 2.6.0\nid: urn:acme.shop\n1: x\n"1": y\n')).toEqual(['yaml-key']);
    expect(rules('asyncapi: 2.6.0\nid: urn:acme.shop\nx: !!binary aGVsbG8=\n')).toEqual(['yaml-value']);
    expect(rules('')).toEqual(['spec-empty']);
    expect(rules('   \n# only a comment\n')).toEqual(['spec-empty']);
  });

  it('keeps refusals short when a key is huge', () => {
    const key = `bad?${'x'.repeat(100_000)}`;
    // an explicit key (`? key`): YAML limits implicit keys to 1024 characters
    const text = `asyncapi: 2.6.0\nid: urn:acme.shop\nchannels:\n  ? ${key}\n  : publish: {}\n`;
    const r = parseSpec(text, 'specs/x.yaml', DEFAULT_CONFIG);
    expect(!r.ok && r.issues.map((i) => i.rule)).toEqual(['topic-name']);
    const issue = !r.ok ? r.issues[0] : undefined;
    expect(issue?.path.length).toBeLessThan(300);
    expect(issue?.message.length).toBeLessThan(400);
  });

  it('treats __proto__ as an ordinary key', () => {
    const r = parseSpec(
      'asyncapi: 2.6.0\nid: urn:acme.shop\nchannels:\n  __proto__:\n    publish: {}\n',
      'specs/x.yaml',
      DEFAULT_CONFIG,
    );
    expect(r.ok && r.spec.owned.map((t) => t.name)).toEqual(['acme.shop.__proto__']);
    expect(({} as Record<string, unknown>)['publish']).toBeUndefined();
  });
});

describe('fuzz: parseSpec never throws and always answers in shape', () => {
  const known = new Set<string>([
    ...SPEC_RULES,
    'yaml-warning',
    'subscription-topic',
    'channel-operation',
    'grant-access',
  ]);
  const checkShape = (text: string, file: string) => {
    const r = parseSpec(text, file, DEFAULT_CONFIG);
    const issues: SpecIssue[] = r.ok ? r.warnings : r.issues;
    if (!r.ok) expect(r.issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(i.file).toBe(file);
      expect(i.path.startsWith('$')).toBe(true);
      expect(known.has(i.rule)).toBe(true);
      expect(typeof i.message).toBe('string');
    }
    if (r.ok) {
      for (const t of r.spec.owned) expect(t.name.startsWith(`${r.spec.domain}.`)).toBe(true);
      expect(r.spec.domain).toMatch(/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/);
    }
  };

  it('on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (s) => checkShape(s, 'specs/x.yaml')),
      { numRuns: 150 },
    );
  });

  it('on random YAML-ish text built from YAML punctuation', () => {
    const piece = fc.constantFrom(
      '- ',
      '[',
      ']',
      '{',
      '}',
      ': ',
      '\n',
      '  ',
      '&a ',
      '*a',
      '!!str ',
      '? ',
      '"',
      "'",
      '#',
      '|',
      '>',
      '---\n',
      'channels',
      'publish',
      'x',
      '1',
      'null',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 120 }), (parts) =>
        checkShape(`asyncapi: 2.6.0\nid: urn:a.b\n${parts.join('')}`, 'specs/x.yaml'),
      ),
      { numRuns: 200 },
    );
  });

  it('on random JSON documents, as .json and as YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        checkShape(text, 'specs/x.json');
        checkShape(YAML.stringify(v), 'specs/x.yaml');
      }),
      { numRuns: 150 },
    );
  });

  it('on near-valid specs with random channel names, bindings and tags (2.x and 3.x)', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const kafka = fc.record(
      {
        partitions: scalar,
        replicas: scalar,
        configs: fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }))),
        envs: fc.oneof(fc.array(scalar, { maxLength: 3 }), scalar),
      },
      { requiredKeys: [] },
    );
    const tags = fc.array(
      fc.oneof(
        fc.record({
          name: fc.oneof(
            fc.string({ maxLength: 20 }).map((s) => `grant-access:${s}`),
            scalar,
          ),
        }),
        scalar,
      ),
      { maxLength: 3 },
    );
    const v2Channel = fc.record(
      {
        bindings: fc.record({ kafka }),
        publish: fc.record({ tags }, { requiredKeys: [] }),
        subscribe: fc.constant({}),
      },
      { requiredKeys: [] },
    );
    const name = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('_public.a', '_protected.b', '_private.c', 'a/b', '/x/y', '.x', 'other.d._public.t'),
    );
    const v2Spec = fc.record({
      asyncapi: fc.constant('2.6.0'),
      id: fc.oneof(
        fc.constant('urn:a.b'),
        fc.string({ maxLength: 12 }).map((s) => `urn:${s}`),
      ),
      channels: fc.dictionary(name, v2Channel, { maxKeys: 5 }),
    });
    const v3Spec = fc
      .tuple(
        fc.dictionary(
          name,
          fc.record({ address: fc.oneof(name, scalar), bindings: fc.record({ kafka }), tags }, { requiredKeys: [] }),
          { maxKeys: 4 },
        ),
        fc.array(fc.tuple(fc.constantFrom('send', 'receive', 'x'), name), { maxLength: 5 }),
      )
      .map(([channels, ops]) => ({
        asyncapi: '3.0.0',
        id: 'urn:a.b',
        channels,
        operations: Object.fromEntries(
          ops.map(([action, ch], i) => [`op${i}`, { action, channel: { $ref: `#/channels/${ch}` } }]),
        ),
      }));
    fc.assert(
      fc.property(fc.oneof(v2Spec, v3Spec), (spec) => checkShape(YAML.stringify(spec), 'specs/x.yaml')),
      { numRuns: 200 },
    );
  });
});
