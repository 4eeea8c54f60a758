// The access model (lib/access/authorizer.ts) against real Kafka. Generated sets of ACL bindings
// (topics, groups, transactional ids, the cluster; LITERAL, PREFIXED and the `*` wildcard name;
// named and `User:*` principals; ALLOW and DENY; `*` and specific hosts) are applied to the broker,
// then every (principal, operation, resource) is asked twice: once of the model, once of Kafka
// through one real request (test/support/kafka-requests.ts). They must agree, with
// allow.everyone.if.no.acl.found off (our default) and on (MSK's default).
import { randomBytes } from 'node:crypto';
import type { Connection } from '@platformatic/kafka';
import { Authorizer } from '../../../lib/access/authorizer.js';
import { bindingKey } from '../../../lib/access/bindings.js';
import type { AclBinding, Operation, ResourceType } from '../../../lib/access/types.js';
import { applyPlan, type ApplicablePlan } from '../../../lib/kafka/index.js';
import { Kafka, type Admin } from '../../../lib/kafka/kafkajs.js';
import { checkFor, runCheck, scramConnection, type KafkaCheck } from '../../support/kafka-requests.js';
import { KAFKA_START_TIMEOUT_MS, useKafka } from '../../support/kafka.js';

const USERS = ['mdl.a', 'mdl.ab', 'mdl.b'];
const PRINCIPALS = USERS.map((u) => `User:${u}`);
const PROBE_GROUP = 'zz.probe';

// Resources that exist (topics) or are asked about, and the names bindings may use for them.
const TOPICS = ['mt.a', 'mt.ab', 'mt.a.x', 'mt.b'];
const NEW_TOPICS = ['mt.a.new', 'mt.c']; // asked about for CREATE, never created
const GROUPS = ['mg.a', 'mg.ab', 'mg.b'];
const TXNS = ['mx.a', 'mx.ab'];
const NAMES: Record<ResourceType, { literal: string[]; prefixed: string[] }> = {
  TOPIC: { literal: [...TOPICS, 'mt.a.new', '*'], prefixed: ['mt.a', 'mt.a.', 'mt.', 'm', 'mt.b', 'mt.ab'] },
  GROUP: { literal: [...GROUPS, '*'], prefixed: ['mg.a', 'mg.', 'mg.b'] },
  TRANSACTIONAL_ID: { literal: [...TXNS, '*'], prefixed: ['mx.a', 'mx.'] },
  CLUSTER: { literal: ['kafka-cluster'], prefixed: [] },
};
const OPS: Record<ResourceType, Operation[]> = {
  TOPIC: ['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'ALL'],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'ALL'],
  TRANSACTIONAL_ID: ['WRITE', 'DESCRIBE', 'ALL'],
  CLUSTER: ['CREATE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'ALL'],
};
// The operations each resource is asked about (one real request each).
const ASKED: [ResourceType, string[], Operation[]][] = [
  ['TOPIC', TOPICS, ['DESCRIBE', 'WRITE', 'READ', 'DELETE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']],
  ['TOPIC', NEW_TOPICS, ['CREATE']],
  ['GROUP', GROUPS, ['READ', 'DESCRIBE', 'DELETE']],
  ['TRANSACTIONAL_ID', TXNS, ['WRITE', 'DESCRIBE']],
  ['CLUSTER', ['kafka-cluster'], ['DESCRIBE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS']],
];

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(rand: () => number): AclBinding[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const n = 4 + Math.floor(rand() * 10);
  const out: AclBinding[] = [];
  while (out.length < n) {
    const r = rand();
    const resourceType: ResourceType =
      r < 0.5 ? 'TOPIC' : r < 0.7 ? 'GROUP' : r < 0.85 ? 'TRANSACTIONAL_ID' : 'CLUSTER';
    const names = NAMES[resourceType];
    const prefixed = names.prefixed.length > 0 && rand() < 0.45;
    const permission = rand() < 0.25 ? 'DENY' : 'ALLOW';
    const principal = rand() < 0.2 ? 'User:*' : pick(PRINCIPALS);
    // The admin manages ACLs through CLUSTER ALTER; a `User:*` DENY there would lock it out.
    if (permission === 'DENY' && principal === 'User:*' && resourceType === 'CLUSTER') continue;
    const h = rand();
    out.push({
      resourceType,
      resourceName: pick(prefixed ? names.prefixed : names.literal),
      patternType: prefixed ? 'PREFIXED' : 'LITERAL',
      principal,
      host: h < 0.85 ? '*' : h < 0.95 ? '127.0.0.1' : '10.9.8.7',
      operation: pick(OPS[resourceType]),
      permission,
    });
  }
  return out;
}

const show = (b: AclBinding) =>
  `${b.permission} ${b.principal}@${b.host} ${b.operation} ${b.resourceType}:${b.patternType}:${b.resourceName}`;
const emptyPlan: ApplicablePlan = {
  topicsToCreate: [],
  partitionIncreases: [],
  configChanges: [],
  aclsToCreate: [],
  aclsToDelete: [],
};

function dedupe(bs: AclBinding[]): AclBinding[] {
  const m = new Map(bs.map((b) => [bindingKey(b), b]));
  return [...m.values()];
}

const SCENARIOS = Number(process.env.MODEL_SCENARIOS ?? 40);

describe.each([false, true])('model == Kafka with allow.everyone.if.no.acl.found=%s', (allowEveryone) => {
  const kafka = useKafka({ allowEveryoneIfNoAclFound: allowEveryone });
  let admin: Admin;
  let adminBindings: AclBinding[];
  const conns = new Map<string, Connection>();

  beforeAll(async () => {
    admin = new Kafka(kafka.broker.adminKafkaJsConfig()).admin();
    await admin.connect();
    await applyPlan(admin, {
      ...emptyPlan,
      topicsToCreate: TOPICS.map((name) => ({ name, partitions: 1, replicas: 1, configs: {} })),
    });
    // Keep only the admin's CLUSTER ACL: its `*` topic/group/transactional-id ACLs would count as
    // "an ACL found" for every resource and hide allow.everyone.if.no.acl.found.
    const adminP = `User:${kafka.broker.admin.username}`;
    const wide = (resourceType: ResourceType, resourceName: string): AclBinding => ({
      resourceType,
      resourceName,
      patternType: 'LITERAL',
      principal: adminP,
      host: '*',
      operation: 'ALL',
      permission: 'ALLOW',
    });
    await applyPlan(admin, {
      ...emptyPlan,
      aclsToDelete: [wide('TOPIC', '*'), wide('GROUP', '*'), wide('TRANSACTIONAL_ID', '*')],
    });
    adminBindings = [wide('CLUSTER', 'kafka-cluster')];
    for (const u of USERS) {
      const pw = randomBytes(18).toString('base64url');
      await kafka.broker.upsertScramUser(u, pw);
      conns.set(`User:${u}`, await scramConnection(kafka.broker, u, pw));
    }
  }, KAFKA_START_TIMEOUT_MS);

  afterAll(async () => {
    for (const c of conns.values()) await c.close().catch(() => undefined);
    await admin?.disconnect();
  });

  test(`${SCENARIOS} generated binding sets: the model decides every checked request as Kafka does`, async () => {
    const seed = Number(process.env.MODEL_SEED ?? (allowEveryone ? 4242 : 1717));
    const rand = prng(seed);
    // Lets every principal commit offsets as a simple consumer, so TOPIC READ is what is asked.
    const probeGroupRead: AclBinding = {
      resourceType: 'GROUP',
      resourceName: PROBE_GROUP,
      patternType: 'LITERAL',
      principal: 'User:*',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    };
    let applied: AclBinding[] = [];
    const mismatches: string[] = [];
    let checked = 0;
    let allowedCount = 0;
    for (let s = 0; s < SCENARIOS; s++) {
      const next = dedupe([probeGroupRead, ...generate(rand)]);
      const has = (bs: AclBinding[]) => new Set(bs.map(bindingKey));
      const nextKeys = has(next);
      const appliedKeys = has(applied);
      await applyPlan(admin, {
        ...emptyPlan,
        aclsToCreate: next.filter((b) => !appliedKeys.has(bindingKey(b))),
        aclsToDelete: applied.filter((b) => !nextKeys.has(bindingKey(b))),
      });
      applied = next;
      const model = new Authorizer([...adminBindings, ...next], { allowEveryoneIfNoAclFound: allowEveryone });
      const decide = (r: Parameters<Authorizer['authorize']>[0]) => model.authorize(r).allowed;

      const checks: [string, KafkaCheck][] = [];
      for (const p of PRINCIPALS) {
        for (const [type, names, ops] of ASKED) {
          for (const name of names)
            for (const op of ops) checks.push([p, checkFor(p, type, name, op, { probeGroup: PROBE_GROUP })!]);
        }
      }
      const t0 = Date.now();
      for (const [p, check] of checks) {
        const want = check.expected(decide);
        let got = await runCheck(conns.get(p)!, check);
        // Forwarded requests are authorized by the controller's copy of the ACLs, which may
        // trail the broker's by a moment: ask again before calling it a difference.
        for (let retry = 0; got.allowed !== want && retry < 5; retry++) {
          await new Promise((r) => setTimeout(r, 200));
          got = await runCheck(conns.get(p)!, check);
        }
        checked++;
        if (got.allowed) allowedCount++;
        if (got.allowed !== want) {
          const q = check.request;
          mismatches.push(
            `seed ${seed} scenario ${s}: ${q.principal} ${q.operation} ${q.resourceType}:${q.resourceName} via ${check.api}: ` +
              `model ${want ? 'ALLOW' : 'DENY'}, Kafka ${got.allowed ? 'ALLOW' : 'DENY'} (codes ${got.codes.join(',') || 'none'})\n  bindings: ${next.map(show).join('\n            ')}`,
          );
        }
      }
      if (process.env.MODEL_DEBUG)
        process.stderr.write(
          `scenario ${s}: ${checks.length} checks in ${Date.now() - t0} ms, ${mismatches.length} mismatches so far\n`,
        );
    }
    // Clean up for the next test in this broker.
    await applyPlan(admin, { ...emptyPlan, aclsToDelete: applied });
    expect(mismatches).toEqual([]);
    // The generated sets must exercise both answers, or the comparison proves little.
    expect(allowedCount).toBeGreaterThan(checked * 0.05);
    expect(checked - allowedCount).toBeGreaterThan(checked * 0.05);
  }, 600_000);

  (allowEveryone ? test.skip : test)(
    'KIP-679: InitProducerId for an idempotent producer is allowed by WRITE on any topic, without CLUSTER IDEMPOTENT_WRITE',
    async () => {
      const p = 'User:mdl.a';
      const check = checkFor(p, 'CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE', { probeGroup: PROBE_GROUP })!;
      const write: AclBinding = {
        resourceType: 'TOPIC',
        resourceName: 'mt.b',
        patternType: 'LITERAL',
        principal: p,
        host: '*',
        operation: 'WRITE',
        permission: 'ALLOW',
      };
      const iw: AclBinding = {
        resourceType: 'CLUSTER',
        resourceName: 'kafka-cluster',
        patternType: 'LITERAL',
        principal: p,
        host: '*',
        operation: 'IDEMPOTENT_WRITE',
        permission: 'ALLOW',
      };
      // No ACL: refused.
      expect(await runCheck(conns.get(p)!, check)).toEqual({ allowed: false, codes: [31] });
      // WRITE on one topic only: Kafka allows it; the single-request model says CLUSTER IDEMPOTENT_WRITE is denied.
      await applyPlan(admin, { ...emptyPlan, aclsToCreate: [write] });
      expect((await runCheck(conns.get(p)!, check)).allowed).toBe(true);
      expect(new Authorizer([...adminBindings, write]).authorize(check.request).allowed).toBe(false);
      // IDEMPOTENT_WRITE alone: allowed, and the model agrees.
      await applyPlan(admin, { ...emptyPlan, aclsToCreate: [iw], aclsToDelete: [write] });
      expect((await runCheck(conns.get(p)!, check)).allowed).toBe(true);
      expect(new Authorizer([...adminBindings, iw]).authorize(check.request).allowed).toBe(true);
      await applyPlan(admin, { ...emptyPlan, aclsToDelete: [iw] });
    },
    120_000,
  );
});
