// The topic config table (lib/spec/topic-configs.ts) is held against the real broker, not trusted:
//   - every topic config DescribeConfigs reports for a new topic is in the table (or listed as
//     deliberately absent with a reason), and every table entry is one the broker reports;
//   - for every config, values the table accepts are accepted by CreateTopics(validateOnly), and
//     values it refuses are refused (INVALID_CONFIG), in one request for all samples.
import { describe, expect, it } from '@jest/globals';
import { Kafka, type Admin } from '../../../lib/kafka/index.js';
import { ConfigResourceTypes } from '../../../lib/kafka/kafkajs.js';
import {
  DELIBERATELY_ABSENT,
  TOPIC_CONFIGS,
  topicConfigProblem,
  type TopicConfigDef,
} from '../../../lib/spec/topic-configs.js';
import { uniqueName, useKafka } from '../../support/kafka.js';

const kafka = useKafka();

/**
 * Samples the table accepts, but this broker refuses for a reason outside the value: the local
 * broker has no remote log storage (remote.log.storage.system.enable=false), so enabling tiered
 * storage on a topic is refused by the cluster, not by the config definition. PlanAgainstCluster's
 * validateOnly catches exactly this kind of refusal before anything is created.
 */
const CLUSTER_DEPENDENT: Readonly<Record<string, string>> = {
  'remote.storage.enable=true': 'the local broker has no remote log storage (a cluster setting, not a value rule)',
};

function samples(name: string, d: TopicConfigDef): string[] {
  const out = new Set<string>(['x-not-a-value']);
  if (d.type === 'boolean') ['true', 'FALSE', 'yes', '1'].forEach((v) => out.add(v));
  if (d.type === 'int' || d.type === 'long') {
    out.add('1.5');
    if (d.min !== undefined) [BigInt(d.min), BigInt(d.min) - 1n].forEach((v) => out.add(String(v)));
    if (d.max !== undefined) [BigInt(d.max), BigInt(d.max) + 1n].forEach((v) => out.add(String(v)));
    out.add(d.type === 'int' ? String(2n ** 31n) : String(2n ** 63n));
    out.add(d.type === 'int' ? String(2n ** 31n - 1n) : String(2n ** 63n - 1n));
    (d.alsoAllowed ?? []).forEach((v) => out.add(v));
  }
  if (d.type === 'double') ['0', '1', '0.5', '-0.1', '1.1'].forEach((v) => out.add(v));
  if (d.type === 'string') (d.values ?? []).forEach((v) => (out.add(v), out.add(v.toUpperCase())));
  if (d.type === 'list') {
    (d.values ?? []).forEach((v) => out.add(v));
    if (d.values) out.add(d.values.join(','));
    if (d.entry) ['*', '0:1,1:1', '0:1,*'].forEach((v) => out.add(v));
  }
  if (name === 'max.message.bytes') out.add('1048588');
  return [...out];
}

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka(kafka.broker.adminKafkaJsConfig()).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

describe('the topic config table against Kafka 4.1', () => {
  it('names exactly the topic configs the broker reports for a new topic', async () => {
    const topic = uniqueName('cfgtable');
    const names = await withAdmin(async (admin) => {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
      const r = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      });
      return r.resources[0]!.configEntries.map((e) => e.configName).sort();
    });
    const unexplained = names.filter((n) => !(n in TOPIC_CONFIGS) && !(n in DELIBERATELY_ABSENT));
    expect(unexplained).toEqual([]);
    const notReported = Object.keys(TOPIC_CONFIGS).filter((n) => !names.includes(n));
    expect(notReported).toEqual([]);
    // The removed ones really are gone from this broker.
    expect(Object.keys(DELIBERATELY_ABSENT).filter((n) => names.includes(n))).toEqual([]);
  });

  it('accepts (validateOnly) what the table accepts and refuses what it refuses', async () => {
    const cases = Object.entries(TOPIC_CONFIGS).flatMap(([name, d]) =>
      samples(name, d)
        .filter((value) => !(`${name}=${value}` in CLUSTER_DEPENDENT))
        .map((value) => ({ name, value, topic: uniqueName('cfgv'), tableAccepts: !topicConfigProblem(name, value) })),
    );
    cases.push(
      ...Object.keys(DELIBERATELY_ABSENT).map((name) => ({
        name,
        value: '1',
        topic: uniqueName('cfgv'),
        tableAccepts: false,
      })),
    );
    const refusedByBroker = await withAdmin(async (admin) => {
      try {
        await admin.createTopics({
          validateOnly: true,
          waitForLeaders: false,
          topics: cases.map((c) => ({
            topic: c.topic,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: c.name, value: c.value }],
          })),
        });
        return new Map<string, string>();
      } catch (e) {
        const errors = (e as { errors?: { topic: string; type: string }[] }).errors;
        if (!errors) throw e;
        return new Map(errors.map((x) => [x.topic, x.type]));
      }
    });
    const disagreements = cases
      .filter((c) => c.tableAccepts === refusedByBroker.has(c.topic))
      .map(
        (c) =>
          `${c.name}=${JSON.stringify(c.value)}: table ${c.tableAccepts ? 'accepts' : 'refuses'}, broker ${refusedByBroker.get(c.topic) ?? 'accepts'}`,
      );
    expect(disagreements).toEqual([]);
    expect(cases.length).toBeGreaterThan(150);
    expect(refusedByBroker.size).toBe(cases.filter((c) => !c.tableAccepts).length);
    expect(refusedByBroker.size).toBeGreaterThan(60);
    expect([...refusedByBroker.values()].every((t) => t === 'INVALID_CONFIG')).toBe(true);
  });
});
