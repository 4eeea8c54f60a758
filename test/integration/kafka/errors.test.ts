// Broker errors that say what is wrong, and retries that match them: real failures from the real
// broker through lib/kafka (applyPlan, checkPlan, classifyKafkaError), never hand-built objects.
//   - an invalid config: KafkaRefused naming the topic, the setting and value, INVALID_CONFIG (40)
//     and Kafka's own message (kept by lib/kafka/broker-messages.ts);
//   - replicas above the broker count and an invalid config, found by checkPlan (validateOnly)
//     with nothing created;
//   - the admin's ACLs revoked: KafkaRefused with the authorization error;
//   - the broker stopped (SIGSTOP) for a few seconds during apply: KafkaTransient; started again
//     (SIGCONT), the retried apply succeeds.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { AclBinding } from '../../../lib/access/types.js';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { applyPlan, type ApplicablePlan } from '../../../lib/kafka/apply.js';
import { checkPlan } from '../../../lib/kafka/cluster-plan.js';
import { toKafkaJsAcl } from '../../../lib/kafka/acls.js';
import { Kafka, logLevel, type Admin } from '../../../lib/kafka/kafkajs.js';
import { plan as makePlan } from '../../../lib/plan/plan.js';
import { caught, uniqueName, useKafka } from '../../support/kafka.js';

const kafka = useKafka();

const empty: ApplicablePlan = {
  topicsToCreate: [],
  partitionIncreases: [],
  configChanges: [],
  aclsToCreate: [],
  aclsToDelete: [],
};

async function withAdmin<T>(
  fn: (admin: Admin) => Promise<T>,
  over: Parameters<typeof kafka.broker.adminKafkaJsConfig>[0] = {},
): Promise<T> {
  const admin = new Kafka(kafka.broker.adminKafkaJsConfig({ logLevel: logLevel.NOTHING, ...over })).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const topicNames = () => withAdmin((a) => a.listTopics());

describe('broker refusals name the topic, setting, value, code and Kafka message, and are terminal', () => {
  it('an invalid config at CreateTopics', async () => {
    const topic = `${uniqueName('err')}.t`;
    const e = await caught(() =>
      withAdmin((admin) =>
        applyPlan(admin, {
          ...empty,
          topicsToCreate: [{ name: topic, partitions: 1, replicas: 1, configs: { 'cleanup.policy': 'shred' } }],
        }),
      ),
    );
    expect(e.name).toBe('KafkaRefused');
    expect(e.message).toContain(`topic ${topic}: INVALID_CONFIG (40) on cleanup.policy=shred`);
    // Kafka's own words, not kafkajs's generic "Configuration is invalid".
    expect(e.message).toMatch(/Invalid value shred for configuration cleanup\.policy/);
    expect(await topicNames()).not.toContain(topic);
  });

  it('checkPlan refuses replicas above the broker count and invalid settings, creating nothing', async () => {
    const domain = uniqueName('chk');
    const spec = (replicas: number, configs: Record<string, string>) => ({
      domain,
      asyncapi: '2.6.0',
      source: 'test',
      subscriptions: [],
      owned: [
        {
          name: `${domain}._public.a`,
          channel: '_public.a',
          visibility: 'public' as const,
          grants: [],
          replicas,
          partitions: 2,
          configs,
          path: '$',
        },
      ],
    });
    const p3 = makePlan([spec(3, {})], { topics: [], acls: [] }, DEFAULT_CONFIG);
    const tooMany = await caught(() => withAdmin((admin) => checkPlan(admin, p3)));
    expect([tooMany.name, tooMany.message]).toEqual([
      'PlanRefused',
      `replicas: topic ${domain}._public.a asks for 3 replicas but the cluster has 1 broker; expected at most 1`,
    ]);
    // A value the broker refuses although a spec would never carry it (the static table stops it first).
    const bad = makePlan([spec(1, { 'segment.bytes': '10' })], { topics: [], acls: [] }, DEFAULT_CONFIG);
    const refused = await caught(() => withAdmin((admin) => checkPlan(admin, bad)));
    expect(refused.name).toBe('KafkaRefused');
    expect(refused.message).toMatch(
      /^CreateTopics \(validateOnly\): topic .*: INVALID_CONFIG \(40\) on segment\.bytes=10: /,
    );
    const ok = makePlan([spec(1, { 'retention.ms': '60000' })], { topics: [], acls: [] }, DEFAULT_CONFIG);
    expect(await withAdmin((admin) => checkPlan(admin, ok))).toEqual({ brokers: 1 });
    expect((await topicNames()).filter((t) => t.startsWith(domain))).toEqual([]);
  });

  it('an admin whose ACLs were revoked gets an authorization error, classified terminal', async () => {
    const user = uniqueName('Revoked');
    const password = randomBytes(18).toString('base64url');
    await kafka.broker.upsertScramUser(user, password);
    const grants: AclBinding[] = (['CLUSTER', 'TOPIC'] as const).map((resourceType) => ({
      principal: `User:${user}`,
      resourceType,
      resourceName: resourceType === 'CLUSTER' ? 'kafka-cluster' : '*',
      patternType: 'LITERAL',
      operation: 'ALL',
      host: '*',
      permission: 'ALLOW',
    }));
    await withAdmin((admin) => applyPlan(admin, { ...empty, aclsToCreate: grants }));
    const asUser = { sasl: { mechanism: 'scram-sha-512' as const, username: user, password } };
    const topic = `${uniqueName('rev')}.t`;
    const one = { ...empty, topicsToCreate: [{ name: topic, partitions: 1, replicas: 1, configs: {} }] };
    await withAdmin((admin) => applyPlan(admin, one), asUser); // allowed while granted
    await withAdmin((admin) => applyPlan(admin, { ...empty, aclsToDelete: grants }));
    const e = await caught(() =>
      withAdmin(
        (admin) => applyPlan(admin, { ...one, topicsToCreate: [{ ...one.topicsToCreate[0]!, name: `${topic}2` }] }),
        asUser,
      ),
    );
    expect(e.name).toBe('KafkaRefused');
    expect(e.message).toMatch(/(TOPIC|CLUSTER)_AUTHORIZATION_FAILED \((29|31)\)/);
  });
});

describe('a broker that stops for a few seconds during apply is transient, and the retry succeeds', () => {
  it('SIGSTOP mid-apply: KafkaTransient; SIGCONT: the retried apply completes', async () => {
    const topic = `${uniqueName('pause')}.t`;
    const grant: AclBinding = {
      principal: 'User:paused',
      resourceType: 'TOPIC',
      resourceName: topic,
      patternType: 'LITERAL',
      operation: 'READ',
      host: '*',
      permission: 'ALLOW',
    };
    const p: ApplicablePlan = {
      ...empty,
      topicsToCreate: [{ name: topic, partitions: 1, replicas: 1, configs: {} }],
      aclsToCreate: [grant],
    };
    const fast = { requestTimeout: 1500, retry: { retries: 0 } };
    const e = await withAdmin(async (admin) => {
      await admin.fetchTopicMetadata({ topics: [] }); // connected before the pause
      process.kill(kafka.broker.pid, 'SIGSTOP');
      try {
        return await caught(() => applyPlan(admin, p));
      } finally {
        // The apply has given up by now: the broker resumes at once (no timer to wait out).
        process.kill(kafka.broker.pid, 'SIGCONT');
      }
    }, fast).finally(() => undefined);
    expect(e.name).toBe('KafkaTransient');
    // The state machine retries KafkaTransient; the retry re-plans, so only what is missing is sent.
    const r = await withAdmin(async (admin) => {
      const topics = await admin.listTopics();
      return applyPlan(admin, topics.includes(topic) ? { ...p, topicsToCreate: [] } : p);
    });
    expect(r.aclsCreated).toBe(1);
    expect(await topicNames()).toContain(topic);
    await withAdmin((admin) => admin.deleteAcls({ filters: [toKafkaJsAcl(grant)] }));
  }, 60_000);
});
