// Kafka's topic-level config definitions, as data, and the checks a spec's `configs` /
// `topicConfiguration` and partition counts pass before anything is created.
//
// The table follows Kafka 4.1's LogConfig (storage/src/main/java/org/apache/kafka/storage/internals/
// log/LogConfig.java, `CONFIG` ConfigDef) and TopicConfig (clients/src/main/java/org/apache/kafka/
// common/config/TopicConfig.java): name, ConfigDef type, validator. Values are parsed as Kafka's
// ConfigDef.parseType does (trimmed; BOOLEAN is true/false in any case; INT/LONG are 32/64-bit
// whole numbers; LIST is comma-separated). test/integration/kafka/topic-configs.test.ts holds the
// table against the real broker: every config DescribeConfigs reports for a new topic is here (or
// in DELIBERATELY_ABSENT), and CreateTopics(validateOnly) accepts what the table accepts and
// refuses what it refuses.
//
// MSK: on Standard brokers every Kafka topic-level config can be set per topic (Amazon MSK
// Developer Guide, "Custom MSK configurations": topic-level settings are made with Kafka's own
// tools/AdminClient); tiered-storage configs only do something on a cluster with tiered storage on
// ("Guidelines for Amazon MSK tiered storage topic-level configuration").
import type { ProvisionConfig } from '../config.js';

export type TopicConfigType = 'boolean' | 'int' | 'long' | 'double' | 'string' | 'list';

export interface TopicConfigDef {
  readonly type: TopicConfigType;
  /** Inclusive range (Kafka's Range.atLeast / Range.between); bigint for INT and LONG. */
  readonly min?: bigint | number;
  readonly max?: bigint | number;
  /** Values allowed besides the range (GzipCompression.LevelValidator allows -1 besides 1..9). */
  readonly alsoAllowed?: readonly string[];
  /** STRING: one of these (ValidString.in, case-sensitive); LIST: each entry one of these (ValidList.in). */
  readonly values?: readonly string[];
  /** LIST: an empty list is allowed. */
  readonly emptyList?: boolean;
  /** LIST entries must match this (ThrottledReplicaListValidator: `*` or partition:brokerId). */
  readonly entry?: { readonly pattern: RegExp; readonly describe: string };
  /** 'yes': settable per topic on MSK; 'tiered-storage': only meaningful with MSK tiered storage on. */
  readonly msk: 'yes' | 'tiered-storage';
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

const long = (min?: bigint, msk: TopicConfigDef['msk'] = 'yes'): TopicConfigDef => ({
  type: 'long',
  ...(min !== undefined ? { min } : {}),
  msk,
});
const int = (min: bigint, max?: bigint): TopicConfigDef => ({
  type: 'int',
  min,
  ...(max !== undefined ? { max } : {}),
  msk: 'yes',
});
const bool = (msk: TopicConfigDef['msk'] = 'yes'): TopicConfigDef => ({ type: 'boolean', msk });
const throttled: TopicConfigDef = {
  type: 'list',
  emptyList: true,
  // ThrottledReplicaListValidator: "*" alone, or entries "<partition>:<brokerId>".
  entry: { pattern: /^(\*|\d+:\d+)$/, describe: "'*' or <partition>:<brokerId> entries" },
  msk: 'yes',
};

/** Every topic-level config of Kafka 4.1, by name. */
export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  'cleanup.policy': { type: 'list', values: ['compact', 'delete'], msk: 'yes' },
  'compression.type': {
    type: 'string',
    // BrokerCompressionType.names()
    values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    msk: 'yes',
  },
  // KIP-390 (Kafka 3.8): GzipCompression.LevelValidator (-1 = Deflater.DEFAULT_COMPRESSION, or 1..9).
  'compression.gzip.level': { type: 'int', min: 1n, max: 9n, alsoAllowed: ['-1'], msk: 'yes' },
  'compression.lz4.level': int(1n, 17n),
  // ZstdCompression.MIN_LEVEL is zstd-jni's Zstd.minCompressionLevel() = -(1 << 17).
  'compression.zstd.level': int(-131072n, 22n),
  'delete.retention.ms': long(0n),
  'file.delete.delay.ms': long(0n),
  'flush.messages': long(1n),
  'flush.ms': long(0n),
  'follower.replication.throttled.replicas': throttled,
  'leader.replication.throttled.replicas': throttled,
  'index.interval.bytes': int(0n),
  'local.retention.bytes': long(-2n, 'tiered-storage'),
  'local.retention.ms': long(-2n, 'tiered-storage'),
  'max.compaction.lag.ms': long(1n),
  'max.message.bytes': int(0n),
  'message.timestamp.after.max.ms': long(0n),
  'message.timestamp.before.max.ms': long(0n),
  'message.timestamp.type': { type: 'string', values: ['CreateTime', 'LogAppendTime'], msk: 'yes' },
  'min.cleanable.dirty.ratio': { type: 'double', min: 0, max: 1, msk: 'yes' },
  'min.compaction.lag.ms': long(0n),
  'min.insync.replicas': int(1n),
  preallocate: bool(),
  'remote.log.copy.disable': bool('tiered-storage'),
  'remote.log.delete.on.disable': bool('tiered-storage'),
  'remote.storage.enable': bool('tiered-storage'),
  // LogConfig defines retention.bytes with no validator: any LONG (-1 = no limit).
  'retention.bytes': long(),
  'retention.ms': long(-1n),
  // KIP-1030 (Kafka 4.0): at least 1 MiB.
  'segment.bytes': int(1024n * 1024n),
  'segment.index.bytes': int(4n),
  'segment.jitter.ms': long(0n),
  'segment.ms': long(1n),
  'unclean.leader.election.enable': bool(),
};

/**
 * Names a spec might use that are not (or no longer) Kafka 4.1 topic configs, with why. Also the
 * list the integration test accepts in DescribeConfigs output without a table entry.
 */
export const DELIBERATELY_ABSENT: Readonly<Record<string, string>> = {
  'message.format.version': 'removed in Kafka 4.0 (KIP-724): every 4.x broker writes message format v2',
  'message.downconversion.enable': 'removed in Kafka 4.0 (KIP-724, no down-conversion for old consumers)',
  'message.timestamp.difference.max.ms':
    'removed in Kafka 4.0 (KIP-937): use message.timestamp.before.max.ms and message.timestamp.after.max.ms',
};

export const TOPIC_CONFIG_RULES = [
  'topic-config',
  'topic-config-conflict',
  'max-partitions',
  'max-partitions-per-spec',
] as const;

export interface ConfigProblem {
  readonly rule: (typeof TOPIC_CONFIG_RULES)[number];
  readonly message: string;
}

const WHOLE = /^[+-]?\d+$/;
// Stricter than Double.parseDouble (which also takes NaN, Infinity, hex and a trailing d/f): plain decimals only.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function rangeText(d: TopicConfigDef): string {
  const also = d.alsoAllowed ? ` (or ${d.alsoAllowed.join(', ')})` : '';
  if (d.min !== undefined && d.max !== undefined) return `between ${d.min} and ${d.max}${also}`;
  if (d.min !== undefined) return `at least ${d.min}${also}`;
  if (d.max !== undefined) return `at most ${d.max}${also}`;
  return '';
}

/** Why `value` (Kafka's string form) is not valid for topic config `name`, or undefined. */
export function topicConfigProblem(name: string, value: string): ConfigProblem | undefined {
  const d = Object.hasOwn(TOPIC_CONFIGS, name) ? TOPIC_CONFIGS[name] : undefined;
  if (!d) {
    const gone = DELIBERATELY_ABSENT[name];
    return {
      rule: 'topic-config',
      message: gone
        ? `${name} is not a topic config of Kafka 4.1: ${gone}`
        : `${name} is not a Kafka 4.1 topic config; expected one of Kafka's topic-level configs (https://kafka.apache.org/41/documentation/#topicconfigs)${nearest(name)}`,
    };
  }
  const v = value.trim();
  const bad = (expected: string): ConfigProblem => ({
    rule: 'topic-config',
    message: `${name} must be ${expected}, got ${JSON.stringify(value)}`,
  });
  switch (d.type) {
    case 'boolean':
      return /^(true|false)$/i.test(v) ? undefined : bad('true or false');
    case 'int':
    case 'long': {
      if (d.alsoAllowed?.includes(v)) return undefined;
      const [lo, hi] = d.type === 'int' ? [INT_MIN, INT_MAX] : [LONG_MIN, LONG_MAX];
      const what = `a whole number ${rangeText(d) || `(${d.type === 'int' ? '32' : '64'}-bit)`}`.trim();
      if (!WHOLE.test(v)) return bad(what);
      const n = BigInt(v);
      if (n < lo || n > hi) return bad(what);
      if (d.min !== undefined && n < BigInt(d.min)) return bad(what);
      if (d.max !== undefined && n > BigInt(d.max)) return bad(what);
      return undefined;
    }
    case 'double': {
      const what = `a decimal number ${rangeText(d)}`.trim();
      if (!DECIMAL.test(v)) return bad(what);
      const n = Number(v);
      if (!Number.isFinite(n)) return bad(what);
      if (d.min !== undefined && n < Number(d.min)) return bad(what);
      if (d.max !== undefined && n > Number(d.max)) return bad(what);
      return undefined;
    }
    case 'string':
      return d.values && !d.values.includes(v) ? bad(`one of ${d.values.join(', ')}`) : undefined;
    case 'list': {
      const entries = v === '' ? [] : v.split(',').map((e) => e.trim());
      if (entries.length === 0)
        return d.emptyList ? undefined : bad(`a non-empty list of ${d.values?.join(', ') ?? 'values'}`);
      if (d.values) {
        const wrong = entries.filter((e) => !d.values!.includes(e));
        if (wrong.length > 0) return bad(`a list of ${d.values.join(', ')} (comma-separated)`);
      }
      if (d.entry) {
        if (entries.some((e) => !d.entry!.pattern.test(e)) || (entries.includes('*') && entries.length > 1))
          return bad(d.entry.describe);
      }
      return undefined;
    }
  }
}

/** A hint for a near miss (`retention.msec` → retention.ms): same words but one. */
function nearest(name: string): string {
  const words = name.split('.');
  const close = Object.keys(TOPIC_CONFIGS).filter((k) => {
    const kw = k.split('.');
    return kw.length === words.length && kw.filter((w, i) => w !== words[i]).length === 1;
  });
  return close.length > 0 ? ` (did you mean ${close.join(' or ')}?)` : '';
}

/** The settings of one topic the cross-field rules read, with the JSON path each came from. */
export interface TopicSettingsView {
  readonly partitions?: number;
  readonly replicas?: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * Rules across fields of one topic, as Kafka's LogConfig.validate / the controller would apply
 * them: min.insync.replicas at most the replication factor (otherwise every acks=all write fails
 * with NOT_ENOUGH_REPLICAS, although Kafka creates the topic), min.compaction.lag.ms at most
 * max.compaction.lag.ms (LogConfig.validateValues refuses the pair), partitions at most the
 * configured per-topic maximum. `field` is the setting each problem is about.
 */
export function topicSettingsProblems(
  s: TopicSettingsView,
  config: ProvisionConfig,
): { field: string; problem: ConfigProblem }[] {
  const out: { field: string; problem: ConfigProblem }[] = [];
  const replicas = s.replicas ?? config.defaultReplicas;
  const minIsr = s.configs['min.insync.replicas'];
  if (minIsr !== undefined && WHOLE.test(minIsr.trim()) && Number(minIsr) > replicas)
    out.push({
      field: 'configs.min.insync.replicas',
      problem: {
        rule: 'topic-config-conflict',
        message: `min.insync.replicas is ${minIsr.trim()} but the topic has ${replicas} replicas${s.replicas === undefined ? ' (the default)' : ''}; expected at most the replica count, or no acks=all write could succeed`,
      },
    });
  const minLag = s.configs['min.compaction.lag.ms'];
  const maxLag = s.configs['max.compaction.lag.ms'];
  if (minLag !== undefined && maxLag !== undefined && WHOLE.test(minLag.trim()) && WHOLE.test(maxLag.trim()))
    if (BigInt(minLag.trim()) > BigInt(maxLag.trim()))
      out.push({
        field: 'configs.min.compaction.lag.ms',
        problem: {
          rule: 'topic-config-conflict',
          message: `min.compaction.lag.ms (${minLag.trim()}) is greater than max.compaction.lag.ms (${maxLag.trim()}); Kafka refuses that pair`,
        },
      });
  const partitions = s.partitions ?? config.defaultPartitions;
  if (partitions > config.limits.maxPartitionsPerTopic)
    out.push({
      field: 'partitions',
      problem: {
        rule: 'max-partitions',
        message: `${partitions} partitions is more than the ${config.limits.maxPartitionsPerTopic} allowed per topic (MAX_PARTITIONS_PER_TOPIC / --max-partitions-per-topic)`,
      },
    });
  return out;
}

/** The spec-wide cap: the partitions of all of a spec's owned topics together. */
export function specPartitionsProblem(
  topics: readonly { readonly partitions?: number }[],
  config: ProvisionConfig,
): ConfigProblem | undefined {
  const total = topics.reduce((n, t) => n + (t.partitions ?? config.defaultPartitions), 0);
  if (total <= config.limits.maxPartitionsPerSpec) return undefined;
  return {
    rule: 'max-partitions-per-spec',
    message: `the spec's topics have ${total} partitions together, more than the ${config.limits.maxPartitionsPerSpec} allowed per spec (MAX_PARTITIONS_PER_SPEC / --max-partitions-per-spec)`,
  };
}
