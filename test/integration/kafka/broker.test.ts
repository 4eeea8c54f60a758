// The local broker against real kafkajs clients: admin work over SCRAM through the lib/kafka
// adapter, producers and consumer groups over SCRAM and mTLS, and the ways authentication fails.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type KafkaConfig } from '../../../lib/kafka/kafkajs.js';
import { applyPlan, kafkaJsConfig, readClusterState, type ApplicablePlan } from '../../../lib/kafka/index.js';
import { checkPlan } from '../../../lib/kafka/cluster-plan.js';
import type { AclBinding } from '../../../lib/access/types.js';
import { createCa, issueCertificate } from '../../../local/kafka/pki.js';
import { caught, errorText, kafkaErrorTypes, useKafka } from '../../support/kafka.js';

const kafka = useKafka();
let admin: Admin;

beforeAll(async () => {
  admin = new Kafka(kafka.broker.adminKafkaJsConfig()).admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
});

const emptyPlan: ApplicablePlan = {
  topicsToCreate: [],
  partitionIncreases: [],
  configChanges: [],
  aclsToCreate: [],
  aclsToDelete: [],
};

const allow = (
  principal: string,
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  patternType: AclBinding['patternType'],
  operation: AclBinding['operation'],
): AclBinding => ({ principal, resourceType, resourceName, patternType, operation, host: '*', permission: 'ALLOW' });

/** The ACLs a domain needs to produce and consume its own topics with a group. */
function ownerAcls(principal: string, domain: string): AclBinding[] {
  return [
    allow(principal, 'TOPIC', `${domain}.`, 'PREFIXED', 'READ'),
    allow(principal, 'TOPIC', `${domain}.`, 'PREFIXED', 'WRITE'),
    allow(principal, 'TOPIC', `${domain}.`, 'PREFIXED', 'DESCRIBE'),
    allow(principal, 'GROUP', `${domain}.`, 'PREFIXED', 'READ'),
    allow(principal, 'CLUSTER', 'kafka-cluster', 'LITERAL', 'IDEMPOTENT_WRITE'),
  ];
}

const pw = () => randomBytes(18).toString('base64url');

function config(over: Partial<KafkaConfig>): KafkaConfig {
  return {
    ...over,
    brokers: over.brokers ?? [],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 100 },
  };
}

/** Produces one record and reads it back in a consumer group; resolves with the value read. */
async function roundTrip(cfg: KafkaConfig, topic: string, group: string): Promise<string> {
  const client = new Kafka(cfg);
  const producer = client.producer({ allowAutoTopicCreation: false });
  const consumer = client.consumer({ groupId: group });
  const value = `hello ${randomBytes(4).toString('hex')}`;
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ value }] });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got = new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === value) resolve(value);
        },
      });
    });
    return await got;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

describe('admin over SCRAM through lib/kafka', () => {
  test('applyPlan creates topics, partitions, configs and ACLs; readClusterState reads exactly the scope back', async () => {
    const d = 'it.adm';
    const owner = `User:${d}`;
    const other = allow('User:it.other', 'GROUP', 'it.other.', 'PREFIXED', 'READ');
    const publicRead = allow('User:*', 'TOPIC', `${d}._public.`, 'PREFIXED', 'READ');
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: [
        {
          name: `${d}._public.events`,
          partitions: 2,
          replicas: 1,
          configs: { 'retention.ms': '3600000', 'max.message.bytes': '200000' },
        },
        { name: `${d}._private.state`, partitions: 1, replicas: 1, configs: {} },
        { name: 'it.unrelated', partitions: 1, replicas: 1, configs: {} },
      ],
      aclsToCreate: [...ownerAcls(owner, d), publicRead, other],
    });

    const state = await readClusterState(admin, { topicPrefixes: [`${d}.`], principals: [owner] });
    expect(state.topics).toEqual([
      { name: `${d}._private.state`, partitions: 1, replicationFactor: 1, configs: {} },
      {
        name: `${d}._public.events`,
        partitions: 2,
        replicationFactor: 1,
        configs: { 'retention.ms': '3600000', 'max.message.bytes': '200000' },
      },
    ]);
    // Own ACLs plus the User:* grant on its topics; not the admin's, not another domain's.
    expect(new Set(state.acls)).toEqual(new Set([...ownerAcls(owner, d), publicRead]));
    expect(state.acls).toHaveLength(6);

    // Partitions up, one config changed, one removed: AlterConfigs is non-incremental, so the
    // untouched override must survive.
    await applyPlan(admin, {
      ...emptyPlan,
      partitionIncreases: [{ topic: `${d}._public.events`, from: 2, to: 4 }],
      configChanges: [
        { topic: `${d}._public.events`, set: { 'retention.ms': '7200000' }, remove: [] },
        { topic: `${d}._private.state`, set: { 'cleanup.policy': 'compact' }, remove: [] },
      ],
      aclsToDelete: [publicRead],
    });
    let after = await readClusterState(admin, { topicPrefixes: [`${d}.`], principals: [owner] });
    expect(after.topics).toEqual([
      { name: `${d}._private.state`, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
      {
        name: `${d}._public.events`,
        partitions: 4,
        replicationFactor: 1,
        configs: { 'retention.ms': '7200000', 'max.message.bytes': '200000' },
      },
    ]);
    expect(new Set(after.acls)).toEqual(new Set(ownerAcls(owner, d)));

    await applyPlan(admin, {
      ...emptyPlan,
      configChanges: [{ topic: `${d}._public.events`, set: {}, remove: ['retention.ms'] }],
    });
    after = await readClusterState(admin, { topicPrefixes: [`${d}.`], principals: [] });
    expect(after.topics.find((t) => t.name === `${d}._public.events`)?.configs).toEqual({
      'max.message.bytes': '200000',
    });
    // Principals only (no prefixes): one DescribeAcls per principal, all resource types.
    const byPrincipal = await readClusterState(admin, { topicPrefixes: [], principals: ['User:it.other'] });
    expect(byPrincipal).toEqual({ topics: [], acls: [other] });
  });

  test('readClusterState reads only the scope: every DescribeAcls is filtered, and still every ACL that applies to one of its topics is found', async () => {
    const d = 'it.scoped';
    const owner = `User:${d}`;
    // Another domain's whole footprint, which a read of `it.scoped` must not fetch.
    const elsewhere = [
      ...ownerAcls('User:it.far', 'it.far'),
      allow('User:*', 'TOPIC', 'it.far._public.', 'PREFIXED', 'READ'),
    ];
    // ACLs no principal filter of the domain finds: held by others, on the domain's topics.
    const foreign = [
      // A grant on a topic whose channel the spec no longer has (the topic is still there).
      allow('User:it.grantee', 'TOPIC', `${d}._protected.gone`, 'LITERAL', 'READ'),
      // Out of band, a prefix that reaches an existing topic without naming it.
      allow('User:it.sneaky', 'TOPIC', `${d}._protected.go`, 'PREFIXED', 'READ'),
      // Pre-placed on a topic the spec is about to create.
      allow('User:it.early', 'TOPIC', `${d}._private.next`, 'LITERAL', 'READ'),
      // On a prefix the domain's access model uses, with no topic under it yet.
      allow('User:*', 'TOPIC', `${d}._public.`, 'PREFIXED', 'DESCRIBE'),
    ];
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: [
        { name: `${d}._protected.gone`, partitions: 1, replicas: 1, configs: {} },
        { name: 'it.far._public.x', partitions: 1, replicas: 1, configs: {} },
      ],
      aclsToCreate: [...ownerAcls(owner, d), ...foreign, ...elsewhere],
    });

    const filters: Record<string, unknown>[] = [];
    const spied = new Proxy(admin, {
      get(target, prop, receiver) {
        if (prop !== 'describeAcls') return Reflect.get(target, prop, receiver);
        return (filter: Record<string, unknown>) => {
          filters.push(filter);
          return target.describeAcls(filter as never);
        };
      },
    });
    const state = await readClusterState(spied, {
      topicPrefixes: [`${d}.`],
      principals: [owner],
      names: [`${d}._private.next`],
      accessPrefixes: [`${d}._public.`],
    });
    expect(new Set(state.acls)).toEqual(new Set([...ownerAcls(owner, d), ...foreign]));
    expect(state.topics.map((t) => t.name)).toEqual([`${d}._protected.gone`]);
    // Scoped on the broker: each call names a principal or a resource, none asks for every ACL.
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) expect(f['principal'] ?? f['resourceName']).toEqual(expect.any(String));
    // The broker scans its ACL cache once per call: `${d}.` is not asked for, the topics under it cover it.
    expect(filters.map((f) => f['principal'] ?? f['resourceName']).sort()).toEqual(
      [owner, `${d}._private.next`, `${d}._protected.gone`, `${d}._public.`].sort(),
    );
  });

  test("a domain's read and apply fetch the cluster's topic list once per read: the admin's own metadata refreshes name no topics", async () => {
    const d = 'it.lean';
    // A crowd of other domains' topics, so that a Metadata answer listing every topic stands out by its size.
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: Array.from({ length: 40 }, (_, i) => ({
        name: `it.crowd${i}._public.events`,
        partitions: 1,
        replicas: 1,
        configs: {},
      })),
    });
    const fresh = new Kafka(kafka.broker.adminKafkaJsConfig()).admin();
    const answers: number[] = [];
    fresh.on(fresh.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Metadata') answers.push(e.payload.size);
    });
    await fresh.connect();
    try {
      const full = Math.max(0, ...(await fresh.listTopics(), answers.splice(0)));
      const scope = { topicPrefixes: [`${d}.`], principals: [`User:${d}`], names: [`${d}._public.events`] };
      await readClusterState(fresh, scope);
      await applyPlan(fresh, {
        ...emptyPlan,
        topicsToCreate: [{ name: `${d}._public.events`, partitions: 1, replicas: 1, configs: {} }],
        aclsToCreate: ownerAcls(`User:${d}`, d),
      });
      await readClusterState(fresh, scope);
      // A plan that creates no topic has nothing for the broker to check (the replicas need the broker count).
      await expect(checkPlan(fresh, { ...emptyPlan, topicsToCreate: [] } as never)).resolves.toEqual({});
      expect(answers.length).toBeGreaterThan(2);
      // Each read lists the topics once (Kafka has no other way to find those under a prefix); CreateTopics,
      // CreateAcls and DescribeAcls refresh only the brokers and the controller.
      expect(answers.filter((size) => size >= full / 2)).toHaveLength(2);
    } finally {
      await fresh.disconnect();
    }
  });

  test('creating an existing topic through applyPlan is not an error (the plan is idempotent)', async () => {
    const plan = { ...emptyPlan, topicsToCreate: [{ name: 'it.idem.t', partitions: 1, replicas: 1, configs: {} }] };
    await applyPlan(admin, plan);
    await expect(applyPlan(admin, plan)).resolves.toMatchObject({ topicsCreated: 1 });
  });
});

describe('SCRAM clients', () => {
  test('a SCRAM user with its ACLs produces and consumes in a group', async () => {
    const d = 'it.scram';
    const password = pw();
    await kafka.broker.upsertScramUser(d, password);
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: [{ name: `${d}.orders`, partitions: 1, replicas: 1, configs: {} }],
      aclsToCreate: ownerAcls(`User:${d}`, d),
    });
    const cfg = kafkaJsConfig({
      brokers: [kafka.broker.listeners.scram],
      serverCaPems: [kafka.broker.serverCaPem],
      auth: { mechanism: 'scram', username: d, password },
    });
    await expect(roundTrip(config(cfg), `${d}.orders`, `${d}.g1`)).resolves.toMatch(/^hello /);
  });

  test('an authenticated user without ACLs is denied (allow.everyone.if.no.acl.found=false)', async () => {
    const password = pw();
    await kafka.broker.upsertScramUser('it.noacl', password);
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: [{ name: 'it.noacl-target', partitions: 1, replicas: 1, configs: {} }],
    });
    const client = new Kafka(
      config(
        kafkaJsConfig({
          brokers: [kafka.broker.listeners.scram],
          serverCaPems: [kafka.broker.serverCaPem],
          auth: { mechanism: 'scram', username: 'it.noacl', password },
        }),
      ),
    );
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const e = await caught(() => producer.send({ topic: 'it.noacl-target', messages: [{ value: 'x' }] }));
      expect(kafkaErrorTypes(e)).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await producer.disconnect();
    }
  });

  test('a wrong password fails with a SASL authentication error that does not echo the password', async () => {
    const password = pw();
    await kafka.broker.upsertScramUser('it.wrongpw', password);
    const wrong = `${password}x`;
    const client = new Kafka(
      config(
        kafkaJsConfig({
          brokers: [kafka.broker.listeners.scram],
          serverCaPems: [kafka.broker.serverCaPem],
          auth: { mechanism: 'scram', username: 'it.wrongpw', password: wrong },
        }),
      ),
    );
    const a = client.admin();
    const e = await caught(() => a.connect());
    expect(e.name).toBe('KafkaJSSASLAuthenticationError');
    expect(e.message).toMatch(/SCRAM/i);
    expect(e.message).not.toContain(wrong);
    expect(e.message).not.toContain(password);
  });

  test('an unknown user fails the same way as a wrong password', async () => {
    const client = new Kafka(
      config(
        kafkaJsConfig({
          brokers: [kafka.broker.listeners.scram],
          serverCaPems: [kafka.broker.serverCaPem],
          auth: { mechanism: 'scram', username: 'it.nobody', password: pw() },
        }),
      ),
    );
    const e = await caught(() => client.admin().connect());
    expect(e.name).toBe('KafkaJSSASLAuthenticationError');
  });

  test('a deleted SCRAM user can no longer authenticate; deleting an unknown user is a no-op', async () => {
    const password = pw();
    await kafka.broker.upsertScramUser('it.gone', password);
    const cfg = config(
      kafkaJsConfig({
        brokers: [kafka.broker.listeners.scram],
        serverCaPems: [kafka.broker.serverCaPem],
        auth: { mechanism: 'scram', username: 'it.gone', password },
      }),
    );
    const ok = new Kafka(cfg).admin();
    await ok.connect();
    await ok.disconnect();
    await kafka.broker.deleteScramUser('it.gone');
    await kafka.broker.deleteScramUser('it.gone');
    const e = await caught(() => new Kafka(cfg).admin().connect());
    expect(e.name).toBe('KafkaJSSASLAuthenticationError');
  });

  test('a changed password replaces the old one', async () => {
    const first = pw();
    const second = pw();
    await kafka.broker.upsertScramUser('it.rotate', first);
    await kafka.broker.upsertScramUser('it.rotate', second);
    const cfg = (password: string) =>
      config(
        kafkaJsConfig({
          brokers: [kafka.broker.listeners.scram],
          serverCaPems: [kafka.broker.serverCaPem],
          auth: { mechanism: 'scram', username: 'it.rotate', password },
        }),
      );
    const e = await caught(() => new Kafka(cfg(first)).admin().connect());
    expect(e.name).toBe('KafkaJSSASLAuthenticationError');
    const ok = new Kafka(cfg(second)).admin();
    await ok.connect();
    await ok.disconnect();
  });
});

// TLS alert 46 from the broker: it does not trust the client certificate's issuer.
const UNTRUSTED_CERT = /alert certificate unknown/;

describe('mTLS clients', () => {
  test('a certificate from a CA trusted at run time authenticates as User:CN=<domain> and uses its ACLs', async () => {
    const d = 'it.mtls';
    const ca = await createCa('CN=it test client CA');
    const cert = await issueCertificate(ca, { subject: `CN=${d}`, usage: 'client' });
    const cfg = config(
      kafkaJsConfig({
        brokers: [kafka.broker.listeners.mtls],
        serverCaPems: [kafka.broker.serverCaPem],
        auth: { mechanism: 'mtls', certPem: cert.certPem, keyPem: cert.keyPem },
      }),
    );
    // Not trusted yet: the broker refuses the handshake.
    const before = await caught(() => new Kafka(cfg).admin().connect());
    expect(errorText(before)).toMatch(UNTRUSTED_CERT);

    await kafka.broker.setTrustedClientCas([ca.certPem]);
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: [{ name: `${d}.events`, partitions: 1, replicas: 1, configs: {} }],
      aclsToCreate: ownerAcls(`User:CN=${d}`, d),
    });
    await expect(roundTrip(cfg, `${d}.events`, `${d}.g1`)).resolves.toMatch(/^hello /);
  });

  test('the principal is the full DN: ACLs for User:CN=<domain> do not cover a certificate with more attributes', async () => {
    const d = 'it.dn';
    const ca = await createCa('CN=it dn CA');
    await kafka.broker.setTrustedClientCas([ca.certPem]);
    const cert = await issueCertificate(ca, { subject: `CN=${d}, O=Example`, usage: 'client' });
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: [{ name: `${d}.events`, partitions: 1, replicas: 1, configs: {} }],
      aclsToCreate: ownerAcls(`User:CN=${d}`, d),
    });
    const client = new Kafka(
      config(
        kafkaJsConfig({
          brokers: [kafka.broker.listeners.mtls],
          serverCaPems: [kafka.broker.serverCaPem],
          auth: { mechanism: 'mtls', certPem: cert.certPem, keyPem: cert.keyPem },
        }),
      ),
    );
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const e = await caught(() => producer.send({ topic: `${d}.events`, messages: [{ value: 'x' }] }));
      expect(kafkaErrorTypes(e)).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await producer.disconnect();
    }
  });

  test('a certificate from an untrusted CA is refused, and so is one from a CA no longer trusted', async () => {
    const trusted = await createCa('CN=it trusted CA');
    const rogue = await createCa('CN=it rogue CA');
    await kafka.broker.setTrustedClientCas([trusted.certPem]);
    const rogueCert = await issueCertificate(rogue, { subject: 'CN=it.rogue', usage: 'client' });
    const goodCert = await issueCertificate(trusted, { subject: 'CN=it.good', usage: 'client' });
    const cfg = (c: { certPem: string; keyPem: string }) =>
      config(
        kafkaJsConfig({
          brokers: [kafka.broker.listeners.mtls],
          serverCaPems: [kafka.broker.serverCaPem],
          auth: { mechanism: 'mtls', ...c },
        }),
      );
    const e = await caught(() => new Kafka(cfg(rogueCert)).admin().connect());
    expect(errorText(e)).toMatch(UNTRUSTED_CERT);
    const ok = new Kafka(cfg(goodCert)).admin();
    await ok.connect();
    await ok.disconnect();
    await kafka.broker.setTrustedClientCas([rogue.certPem]);
    const after = await caught(() => new Kafka(cfg(goodCert)).admin().connect());
    expect(errorText(after)).toMatch(UNTRUSTED_CERT);
  });

  test('a client without a certificate is refused on the mTLS listener', async () => {
    const client = new Kafka(
      config({ brokers: [kafka.broker.listeners.mtls], ssl: { ca: [kafka.broker.serverCaPem] } }),
    );
    const e = await caught(() => client.admin().connect());
    // TLS alert 42: the broker required a certificate and got none.
    expect(errorText(e)).toMatch(/alert bad certificate/);
  });
});
