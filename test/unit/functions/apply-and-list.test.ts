// ApplyTopicsAndAcls over an in-memory kafkajs Admin (just enough of its API for lib/kafka).
// (ListSpecs is gone: reprovision's Distributed Map reads the listing itself.) Real-broker behaviour is covered by the integration suites; this checks the handler:
// re-plans from live state, second run is a zero plan, refusals and error classification.
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { Readable } from 'node:stream';
import { applyTopicsAndAcls } from '../../../functions/apply-topics-and-acls/handler.js';
import { counted } from '../../../lib/kafka/connect.js';
import { classifyKafkaError } from '../../../lib/kafka/errors.js';
import type { Admin } from '../../../lib/kafka/index.js';
import { setEnv, mockAws } from './_support.js';

const s3 = mockAws(S3Client);

const SPEC = `asyncapi: '2.5.0'
id: 'urn:shop:orders'
channels:
  _public/order-placed:
    bindings: { kafka: { partitions: 2, replicas: 1 } }
    publish: { message: { payload: { type: object } } }
  _protected/refunds:
    bindings: { kafka: { partitions: 1, replicas: 1 } }
    publish:
      tags: [{ name: 'grant-access:shop.payments' }]
      message: { payload: { type: object } }
`;

interface Entry {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** The subset of kafkajs Admin that lib/kafka uses, over plain maps. ANY = 1 in every kafkajs enum. */
function memoryAdmin() {
  const topics = new Map<string, { partitions: number; replicas: number; configs: Record<string, string> }>();
  let acls: Entry[] = [];
  const calls: string[] = [];
  const listeners = new Set<() => void>();
  let requests = 0;
  // Kafka's ResourcePatternFilter.matches: MATCH (2) on a name takes LITERAL on it, LITERAL `*` and
  // PREFIXED on any prefix of it (kafkajs codes: ANY 1, MATCH 2, LITERAL 3, PREFIXED 4).
  const byName = (f: Partial<Entry>, e: Entry) =>
    f.resourcePatternType !== 2
      ? f.resourceName == null || f.resourceName === e.resourceName
      : e.resourcePatternType === 4
        ? f.resourceName!.startsWith(e.resourceName)
        : e.resourceName === f.resourceName || e.resourceName === '*';
  const match = (f: Partial<Entry>, e: Entry) =>
    (f.resourceType === undefined || f.resourceType === 1 || f.resourceType === e.resourceType) &&
    (f.resourcePatternType === undefined ||
      f.resourcePatternType === 1 ||
      f.resourcePatternType === 2 ||
      f.resourcePatternType === e.resourcePatternType) &&
    (f.operation === undefined || f.operation === 1 || f.operation === e.operation) &&
    (f.permissionType === undefined || f.permissionType === 1 || f.permissionType === e.permissionType) &&
    byName(f, e) &&
    (f.principal == null || f.principal === e.principal) &&
    (f.host == null || f.host === e.host);
  const admin = {
    // kafkajs instrumentation: kafkajs emits REQUEST once per request on the wire; here every admin
    // call below stands for one request and emits it, so the handler's kafkaRequests is checked.
    events: { REQUEST: 'admin.network.request' },
    on: (_event: string, listener: () => void) => (listeners.add(listener), () => void listeners.delete(listener)),
    listTopics: async () => (calls.push('listTopics'), [...topics.keys()]),
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
      topics: names
        .filter((n) => topics.has(n))
        .map((name) => ({
          name,
          partitions: Array.from({ length: topics.get(name)!.partitions }, (_, i) => ({
            partitionId: i,
            leader: 1,
            replicas: Array(topics.get(name)!.replicas).fill(1),
            isr: [1],
          })),
        })),
    }),
    describeConfigs: async ({ resources }: { resources: { name: string }[] }) => ({
      resources: resources.map((r) => ({
        resourceName: r.name,
        errorCode: 0,
        configEntries: Object.entries(topics.get(r.name)?.configs ?? {}).map(([configName, configValue]) => ({
          configName,
          configValue,
          configSource: 1,
          isDefault: false,
        })),
      })),
    }),
    createTopics: async ({
      topics: ts,
    }: {
      topics: {
        topic: string;
        numPartitions: number;
        replicationFactor: number;
        configEntries: { name: string; value: string }[];
      }[];
    }) => {
      calls.push('createTopics');
      for (const t of ts)
        topics.set(t.topic, {
          partitions: t.numPartitions,
          replicas: t.replicationFactor,
          configs: Object.fromEntries(t.configEntries.map((c) => [c.name, c.value])),
        });
      return true;
    },
    createPartitions: async () => (calls.push('createPartitions'), true),
    alterConfigs: async () => (calls.push('alterConfigs'), {}),
    describeAcls: async (f: Partial<Entry>) => {
      calls.push('describeAcls');
      const found = acls.filter((e) => match(f, e));
      return {
        resources: found.map((e) => ({
          resourceType: e.resourceType,
          resourceName: e.resourceName,
          resourcePatternType: e.resourcePatternType,
          acls: [{ principal: e.principal, host: e.host, operation: e.operation, permissionType: e.permissionType }],
        })),
      };
    },
    createAcls: async ({ acl }: { acl: Entry[] }) => (calls.push('createAcls'), acls.push(...acl), true),
    deleteAcls: async ({ filters }: { filters: Partial<Entry>[] }) => {
      calls.push('deleteAcls');
      acls = acls.filter((e) => !filters.some((f) => match(f, e)));
      return { filterResponses: [] };
    },
  };
  for (const [name, fn] of Object.entries(admin)) {
    if (typeof fn !== 'function' || name === 'on') continue;
    (admin as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      requests++;
      for (const l of listeners) l();
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return {
    admin: admin as unknown as Admin,
    requests: () => requests,
    calls,
    topics,
    acls: () => acls,
    removeAcls: (n: number) => (acls = acls.slice(n)),
  };
}

const input = {
  domain: 'shop.orders',
  bucket: 'spec-bucket',
  key: 'specs/shop.orders.yaml',
  versionId: 'v1',
  correlationId: 'exec-1',
};

beforeEach(() => {
  s3.reset();
  setEnv({ KAFKA_ADMIN_AUTH: 'IAM', KAFKA_BROKERS: 'b-1:9098' });
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: sdkStreamMixin(Readable.from([Buffer.from(SPEC)])),
    ContentLength: SPEC.length,
    VersionId: 'v1',
  }));
});

describe('ApplyTopicsAndAcls', () => {
  it('applies topics and ACLs from the validated version; a second run is a zero plan', async () => {
    const mem = memoryAdmin();
    let closed = 0;
    const deps = { connect: async () => counted(mem.admin, async () => void closed++) };
    const first = await applyTopicsAndAcls(input, deps);
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'spec-bucket',
      Key: 'specs/shop.orders.yaml',
      VersionId: 'v1',
    });
    expect(first).toMatchObject({ domain: 'shop.orders', changed: true, topicsCreated: 2 });
    expect(first.aclsCreated).toBeGreaterThan(0);
    expect([...mem.topics.keys()].sort()).toEqual([
      'shop.orders._protected.refunds',
      'shop.orders._public.order-placed',
    ]);
    expect(mem.calls.filter((c) => c === 'createAcls')).toHaveLength(1);
    expect(first.kafkaRequests).toBe(mem.requests());

    mem.calls.length = 0;
    const afterFirst = mem.requests();
    const second = await applyTopicsAndAcls(input, deps);
    // Reading the live state still costs requests; applying nothing costs none more.
    expect(mem.requests() - afterFirst).toBeGreaterThan(0);
    expect(second).toEqual({
      domain: 'shop.orders',
      changed: false,
      topicsCreated: 0,
      partitionsIncreased: 0,
      configsAltered: 0,
      aclsCreated: 0,
      aclsDeleted: 0,
      createdTopics: [],
      kafkaRequests: mem.requests() - afterFirst,
    });
    expect(mem.calls.filter((c) => /^create|^delete|^alter/.test(c))).toEqual([]);
    expect(closed).toBe(2);
  });

  it('heals ACLs deleted out of band (re-plans from live state)', async () => {
    const mem = memoryAdmin();
    const deps = { connect: async () => counted(mem.admin, async () => undefined) };
    const first = await applyTopicsAndAcls(input, deps);
    mem.removeAcls(3);
    const healed = await applyTopicsAndAcls(input, deps);
    expect(healed).toMatchObject({ changed: true, topicsCreated: 0, aclsCreated: 3, aclsDeleted: 0 });
    expect(mem.acls()).toHaveLength(first.aclsCreated);
  });

  it('classifies connection failures as KafkaTransient and authorization failures as KafkaRefused', async () => {
    const connErr = Object.assign(new Error('Connection error: connect ECONNREFUSED 10.0.0.1:9098'), {
      name: 'KafkaJSConnectionError',
    });
    expect(classifyKafkaError(connErr).name).toBe('KafkaTransient');
    const authErr = Object.assign(new Error('Not authorized to access topics'), {
      name: 'KafkaJSProtocolError',
      type: 'TOPIC_AUTHORIZATION_FAILED',
      retriable: false,
    });
    expect(classifyKafkaError(authErr).name).toBe('KafkaRefused');
    expect(
      classifyKafkaError(
        Object.assign(new Error('x'), { name: 'KafkaJSProtocolError', type: 'NOT_CONTROLLER', retriable: true }),
      ).name,
    ).toBe('KafkaTransient');
    // AWS errors met on the way (GetBootstrapBrokers): throttling passes, a refusal does not.
    expect(
      classifyKafkaError(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException', $fault: 'client' }))
        .name,
    ).toBe('KafkaTransient');
    const forbidden = classifyKafkaError(
      Object.assign(new Error('denied'), { name: 'ForbiddenException', $fault: 'client' }),
    );
    expect([forbidden.name, forbidden.message]).toEqual(['KafkaRefused', 'ForbiddenException: denied']);
  });

  it('refuses when the object no longer holds the validated domain', async () => {
    const mem = memoryAdmin();
    await expect(
      applyTopicsAndAcls(
        { ...input, domain: 'shop.payments' },
        { connect: async () => counted(mem.admin, async () => undefined) },
      ),
    ).rejects.toMatchObject({
      name: 'SpecRefused',
    });
    expect(mem.calls).toEqual([]);
  });
});
