// The fault proxy (local/kafka/proxy.ts) against the real broker: a kafkajs admin through it works
// as it does directly, and never bypasses it after bootstrap; with a rule, the admin meets the
// injected error, encoded so that kafkajs decodes it as the broker's own. Which layer absorbs a
// NOT_CONTROLLER depends on how kafkajs parses each response: CreateTopics answers per topic
// (KafkaJSAggregateError, which kafkajs' admin bails on), the others as one protocol error, which
// its retrier retries after refreshing the metadata.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AclBinding } from '../../../lib/access/types.js';
import { applyPlan, type ApplicablePlan } from '../../../lib/kafka/apply.js';
import { exactFilter, toKafkaJsAcl } from '../../../lib/kafka/acls.js';
import { Kafka, logLevel, type Admin, type KafkaConfig } from '../../../lib/kafka/kafkajs.js';
import { API_KEYS, ERROR_CODES, startKafkaFaultProxy, type KafkaFaultProxy } from '../../../local/kafka/proxy.js';
import { caught, uniqueName, useKafka } from '../../support/kafka.js';

const kafka = useKafka();
let proxy: KafkaFaultProxy;

beforeAll(async () => {
  proxy = await startKafkaFaultProxy({
    upstream: kafka.broker.listeners.scram,
    upstreamCaPem: kafka.broker.serverCaPem,
    tls: await kafka.broker.issueServerCertificate('CN=internal:fault-proxy'),
  });
});
afterAll(() => proxy?.close());

const empty: ApplicablePlan = {
  topicsToCreate: [],
  partitionIncreases: [],
  configChanges: [],
  aclsToCreate: [],
  aclsToDelete: [],
};

async function withAdmin<T>(
  brokers: string,
  fn: (admin: Admin) => Promise<T>,
  over: Partial<KafkaConfig> = {},
): Promise<T> {
  const admin = new Kafka(
    kafka.broker.adminKafkaJsConfig({ brokers: [brokers], logLevel: logLevel.NOTHING, ...over }),
  ).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
const throughProxy = <T>(fn: (admin: Admin) => Promise<T>, over: Partial<KafkaConfig> = {}) =>
  withAdmin(proxy.address, fn, over);
const direct = <T>(fn: (admin: Admin) => Promise<T>) => withAdmin(kafka.broker.listeners.scram, fn);

const binding = (topic: string): AclBinding => ({
  principal: `User:${topic}`,
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  resourceType: 'TOPIC',
  patternType: 'LITERAL',
  resourceName: topic,
});
const aclExists = (b: AclBinding) =>
  direct(async (a) => (await a.describeAcls(exactFilter(b))).resources.some((r) => r.acls.length > 0));

/** The requests of `apiKey` the proxy saw since `from`. */
const seen = (from: number, apiKey: number) => proxy.requests.slice(from).filter((r) => r.apiKey === apiKey);

describe('the fault proxy in front of the real broker', () => {
  it('forwards a whole admin session (SCRAM inside, Metadata rewritten): every request passes the proxy', async () => {
    const from = proxy.requests.length;
    const topic = `${uniqueName('proxy')}.plain`;
    const acl = binding(topic);
    const result = await throughProxy(async (admin) => {
      await applyPlan(admin, {
        ...empty,
        topicsToCreate: [{ name: topic, partitions: 1, replicas: 1, configs: { 'retention.ms': '3600000' } }],
        aclsToCreate: [acl],
      });
      await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
      await admin.deleteAcls({ filters: [exactFilter(acl)] });
      return { cluster: await admin.describeCluster(), topics: await admin.listTopics() };
    });
    // The client only ever knew the proxy: its metadata names the proxy as broker and controller.
    expect(result.cluster.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([proxy.address]);
    expect(result.topics).toContain(topic);
    expect(
      await direct(async (a) => (await a.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length),
    ).toBe(2);
    expect(await aclExists(acl)).toBe(false);
    // Controller requests went through the proxy, not to the broker's own address, and kafkajs used
    // the non-flexible versions the proxy decodes (docs/facts.md, "kafkajs through the fault proxy").
    const versions = (apiKey: number) => [...new Set(seen(from, apiKey).map((r) => r.apiVersion))];
    expect({
      metadata: versions(API_KEYS.Metadata),
      createTopics: versions(API_KEYS.CreateTopics),
      createPartitions: versions(API_KEYS.CreatePartitions),
      createAcls: versions(API_KEYS.CreateAcls),
      deleteAcls: versions(API_KEYS.DeleteAcls),
    }).toEqual({ metadata: [6], createTopics: [3], createPartitions: [1], createAcls: [1], deleteAcls: [1] });
    expect(proxy.requests.slice(from).some((r) => r.injected)).toBe(false);
    expect(proxy.failures).toEqual([]);
  });

  // Per-topic answers: kafkajs' CreateTopics parser, and lib/kafka/broker-messages.ts's parsers of
  // both (which keep Kafka's message), throw a KafkaJSAggregateError, whose `type` is not
  // NOT_CONTROLLER, so kafkajs' admin bails instead of retrying.
  it.each([
    ['CreateTopics', API_KEYS.CreateTopics, 3],
    ['CreatePartitions', API_KEYS.CreatePartitions, 1],
  ] as [string, number, number][])(
    'NOT_CONTROLLER on %s: kafkajs does not retry a per-topic error, lib/kafka classifies it KafkaTransient; nothing changes, the next apply applies it',
    async (name, apiKey, apiVersion) => {
      const topic = `${uniqueName('proxy')}.topic`;
      if (apiKey === API_KEYS.CreatePartitions)
        await direct((a) => a.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] }));
      const plan: ApplicablePlan =
        apiKey === API_KEYS.CreateTopics
          ? { ...empty, topicsToCreate: [{ name: topic, partitions: 2, replicas: 1, configs: {} }] }
          : { ...empty, partitionIncreases: [{ topic, from: 1, to: 2 }] };
      const partitions = () =>
        direct(async (a) =>
          (await a.listTopics()).includes(topic)
            ? (await a.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length
            : 0,
        );
      const before = await partitions();
      const from = proxy.requests.length;
      proxy.inject({ apiKey, errorCode: ERROR_CODES.NOT_CONTROLLER });
      const e = await caught(() => throughProxy((admin) => applyPlan(admin, plan)));
      expect(e.name).toBe('KafkaTransient');
      expect(e.message).toContain(`${name}: topic ${topic}: NOT_CONTROLLER (41)`);
      expect(seen(from, apiKey)).toEqual([{ apiKey, apiVersion, injected: true }]);
      expect(await partitions()).toBe(before);
      // The rule was used up: the retried apply reaches the broker.
      await throughProxy((admin) => applyPlan(admin, plan));
      expect(await partitions()).toBe(2);
    },
  );

  // One protocol error (kafkajs' CreateAcls and DeleteAcls parsers throw the first result's code):
  // its `type` is NOT_CONTROLLER, so kafkajs' admin refreshes the metadata and sends it again.
  const aclCases: [string, number, boolean][] = [
    ['CreateAcls', API_KEYS.CreateAcls, true],
    ['DeleteAcls', API_KEYS.DeleteAcls, false],
  ];
  it.each(aclCases)(
    'NOT_CONTROLLER on %s: kafkajs refreshes the metadata and retries by itself; the second request is applied',
    async (_name, apiKey, creates) => {
      const acl = binding(`${uniqueName('proxy')}.retried`);
      if (!creates) await direct((a) => a.createAcls({ acl: [toKafkaJsAcl(acl)] }));
      const from = proxy.requests.length;
      proxy.inject({ apiKey, errorCode: ERROR_CODES.NOT_CONTROLLER });
      await throughProxy<unknown>((admin) =>
        creates ? admin.createAcls({ acl: [toKafkaJsAcl(acl)] }) : admin.deleteAcls({ filters: [exactFilter(acl)] }),
      );
      expect(seen(from, apiKey).map((r) => r.injected)).toEqual([true, false]);
      expect(await aclExists(acl)).toBe(creates);
      expect(proxy.failures).toEqual([]);
    },
  );

  it('a rule for an API it cannot answer closes the connection and says why', async () => {
    const before = proxy.failures.length;
    const disarm = proxy.inject({ apiKey: API_KEYS.Metadata, errorCode: ERROR_CODES.NOT_CONTROLLER });
    try {
      await expect(throughProxy((a) => a.listTopics(), { retry: { retries: 0 } })).rejects.toThrow();
      expect(proxy.failures.slice(before)).toEqual([`no injected answer for API key ${API_KEYS.Metadata}`]);
    } finally {
      disarm();
    }
  });
});
