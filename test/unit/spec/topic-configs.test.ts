// Topic settings are checked as Kafka checks them: name, type, range (lib/spec/topic-configs.ts),
// the cross-field rules, and the per-topic and per-spec partition caps. The table itself is held
// against the real broker in test/integration/kafka/topic-configs.test.ts.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG, resolveConfig } from '../../../lib/config.js';
import { parseSpec } from '../../../lib/spec/parse.js';
import { SPEC_RULES } from '../../../lib/spec/index.js';
import { TOPIC_CONFIGS, topicConfigProblem } from '../../../lib/spec/topic-configs.js';
import type { SpecIssue } from '../../../lib/spec/model.js';

const FILE = 'specs/acme.shop.yaml';

function issues(text: string, config = DEFAULT_CONFIG): SpecIssue[] {
  const r = parseSpec(text, FILE, config);
  return r.ok ? [] : r.issues;
}

const v2 = (kafka: string) =>
  `asyncapi: '2.6.0'\nid: 'urn:acme:shop'\nchannels:\n  _public.orders:\n    publish: {}\n    bindings:\n      kafka:\n${kafka
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n')}\n`;

const v3 = (kafka: string) =>
  `asyncapi: 3.0.0\nid: 'urn:acme:shop'\nchannels:\n  orders:\n    address: _public.orders\n    bindings:\n      kafka:\n${kafka
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n')}\noperations:\n  send:\n    action: send\n    channel: { $ref: '#/channels/orders' }\n`;

describe('topic config values as Kafka 4.1 defines them', () => {
  it.each([
    ['cleanup.policy', 'shred'],
    ['cleanup.policy', 'compact,shred'],
    ['retention.ms', '-5'],
    ['retention.ms', '1.5'],
    ['retention.ms', '9223372036854775808'],
    ['min.insync.replicas', '0'],
    ['max.message.bytes', '2147483648'],
    ['compression.type', 'brotli'],
    ['compression.type', 'GZIP'],
    ['compression.gzip.level', '0'],
    ['compression.gzip.level', '10'],
    ['compression.zstd.level', '23'],
    ['message.timestamp.type', 'createtime'],
    ['min.cleanable.dirty.ratio', '1.5'],
    ['min.cleanable.dirty.ratio', 'NaN'],
    ['preallocate', 'yes'],
    ['segment.bytes', '1000'],
    ['segment.ms', '0'],
    ['leader.replication.throttled.replicas', '0:1,*'],
    ['leader.replication.throttled.replicas', 'all'],
    ['not.a.kafka.config', '1'],
    ['message.format.version', '3.0'],
  ])('refuses %s=%s', (name, value) => {
    expect(topicConfigProblem(name, value)?.rule).toBe('topic-config');
  });

  it.each([
    ['cleanup.policy', 'compact,delete'],
    ['cleanup.policy', 'delete'],
    ['retention.ms', '-1'],
    ['retention.ms', ' 604800000 '],
    ['retention.bytes', '-1'],
    ['min.insync.replicas', '2'],
    ['compression.type', 'zstd'],
    ['compression.gzip.level', '-1'],
    ['compression.zstd.level', '-131072'],
    ['message.timestamp.type', 'LogAppendTime'],
    ['min.cleanable.dirty.ratio', '0.01'],
    ['preallocate', 'TRUE'],
    ['segment.bytes', '1048576'],
    ['leader.replication.throttled.replicas', '*'],
    ['leader.replication.throttled.replicas', '0:1,1:2'],
    ['leader.replication.throttled.replicas', ''],
  ])('accepts %s=%s', (name, value) => {
    expect(topicConfigProblem(name, value)).toBeUndefined();
  });

  it('says what a removed config became and suggests a near miss', () => {
    expect(topicConfigProblem('message.timestamp.difference.max.ms', '1')?.message).toMatch(/KIP-937/);
    expect(topicConfigProblem('retention.msec', '1')?.message).toMatch(/did you mean .*retention\.ms\?/);
  });

  it('has every config an MSK classification and a type', () => {
    for (const [name, d] of Object.entries(TOPIC_CONFIGS)) {
      expect([name, ['yes', 'tiered-storage'].includes(d.msk)]).toEqual([name, true]);
    }
  });
});

describe('the spec reader refuses broker-invalid settings with file, path and rule', () => {
  it.each([
    ['configs', v2],
    ['topicConfiguration', v3],
  ])('%s: unknown names, wrong types and out-of-range values, all at once', (field, spec) => {
    const found = issues(
      spec(`${field}:\n  cleanup.policy: shred\n  retention.ms: -5\n  not.a.kafka.config: 1\n  preallocate: sometimes`),
    );
    const base =
      field === 'configs' ? '$.channels["_public.orders"].bindings.kafka' : '$.channels.orders.bindings.kafka';
    expect(found.map((i) => [i.file, i.path, i.rule])).toEqual(
      ['cleanup.policy', 'retention.ms', 'not.a.kafka.config', 'preallocate'].map((n) => [
        FILE,
        n.includes('.') ? `${base}.${field}["${n}"]` : `${base}.${field}.${n}`,
        'topic-config',
      ]),
    );
    expect(found[0]!.message).toMatch(/cleanup\.policy must be a list of compact, delete/);
  });

  it('min.insync.replicas above the replicas (stated or default) is refused', () => {
    expect(issues(v2('replicas: 2\nconfigs:\n  min.insync.replicas: 3')).map((i) => i.rule)).toEqual([
      'topic-config-conflict',
    ]);
    const def = issues(v2('configs:\n  min.insync.replicas: 4'));
    expect(def.map((i) => i.rule)).toEqual(['topic-config-conflict']);
    expect(def[0]!.message).toMatch(/3 replicas \(the default\)/);
    expect(def[0]!.path).toMatch(/min\.insync\.replicas/);
    expect(issues(v2('replicas: 3\nconfigs:\n  min.insync.replicas: 3'))).toEqual([]);
  });

  it('min.compaction.lag.ms above max.compaction.lag.ms is refused', () => {
    expect(issues(v2('configs:\n  min.compaction.lag.ms: 10\n  max.compaction.lag.ms: 5')).map((i) => i.rule)).toEqual([
      'topic-config-conflict',
    ]);
  });

  it('partitions above the per-topic maximum (default 1000, configurable) are refused', () => {
    const found = issues(v2('partitions: 1000000000'));
    expect(found.map((i) => [i.path, i.rule])).toEqual([
      ['$.channels["_public.orders"].bindings.kafka.partitions', 'max-partitions'],
    ]);
    expect(issues(v2('partitions: 1000'))).toEqual([]);
    expect(issues(v2('partitions: 1000'), resolveConfig({ limits: { maxPartitionsPerTopic: 999 } }))).toHaveLength(1);
  });

  it('the partitions of all topics of a spec are capped together', () => {
    const spec = `asyncapi: '2.6.0'\nid: 'urn:acme:shop'\nchannels:\n${[1, 2, 3]
      .map((i) => `  t${i}:\n    publish: {}\n    bindings: { kafka: { partitions: 600 } }\n`)
      .join('')}`;
    expect(issues(spec)).toEqual([]);
    const capped = issues(spec, resolveConfig({ limits: { maxPartitionsPerSpec: 1500 } }));
    expect(capped.map((i) => [i.path, i.rule])).toEqual([['$.channels', 'max-partitions-per-spec']]);
    expect(capped[0]!.message).toMatch(/1800 partitions together/);
  });

  it('every new rule is a stable rule id', () => {
    for (const r of ['topic-config', 'topic-config-conflict', 'max-partitions', 'max-partitions-per-spec'])
      expect(SPEC_RULES).toContain(r);
  });
});

describe('domain ids', () => {
  it('refuses an empty segment (urn:acme..shop, urn:acme::shop) with the domain-id rule', () => {
    for (const id of ['urn:acme..shop', 'urn:acme::shop', 'urn:acme.:shop']) {
      const found = issues(`asyncapi: '2.6.0'\nid: '${id}'\nchannels: {}\n`);
      expect([id, found.map((i) => [i.path, i.rule])]).toEqual([id, [['$.id', 'domain-id']]]);
      expect(found[0]!.message).toMatch(/empty segment/);
    }
  });
});
