// The access matrix for examples/specs/: the planner's bindings (desiredBindings) are applied to the
// real broker, then every domain's principal, over SCRAM and over mTLS, is checked against every
// topic, group, transactional id and the cluster with one real request each. The expectation is
// written here from the access model (docs/architecture.md#access-model) and the parsed specs,
// independently of lib/access, and Kafka must agree exactly: what the table allows is allowed,
// everything else is refused.
// The examples hold shop.order and shop.orders: one id is a prefix of the other (SpecMesh issue 564).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { Connection } from '@platformatic/kafka';
import { desiredBindings } from '../../../lib/access/bindings.js';
import type { Operation, ResourceType } from '../../../lib/access/types.js';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { applyPlan } from '../../../lib/kafka/index.js';
import { Kafka, type Admin } from '../../../lib/kafka/kafkajs.js';
import { parseSpec, type DomainSpec } from '../../../lib/spec/index.js';
import { createCa, issueCertificate } from '../../../local/kafka/pki.js';
import { checkFor, mtlsConnection, runCheck, scramConnection } from '../../support/kafka-requests.js';
import { KAFKA_START_TIMEOUT_MS, useKafka } from '../../support/kafka.js';

const here = dirname(fileURLToPath(import.meta.url));
const SPEC_DIR = join(here, '..', '..', '..', 'examples', 'specs');
const config = DEFAULT_CONFIG;

function loadSpecs(): DomainSpec[] {
  return readdirSync(SPEC_DIR)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => {
      const file = join(SPEC_DIR, f);
      const r = parseSpec(readFileSync(file, 'utf8'), file, config);
      if (!r.ok) throw new Error(`${f}: ${r.issues.map((i) => `${i.path} ${i.rule}: ${i.message}`).join('; ')}`);
      return r.spec;
    });
}

const specs = loadSpecs();
const domains = specs.map((s) => s.domain);
const kafka = useKafka();
let admin: Admin;
const conns = new Map<string, Connection>(); // `${auth} ${domain}`

const isPublic = (t: DomainSpec['owned'][number]) => t.visibility === 'public' || t.grants.includes('_public');

/** docs/architecture.md#access-model, from the spec alone: may domain `x` do `op` on this topic of `owner`? */
function topicAllowed(x: string, owner: DomainSpec, topic: DomainSpec['owned'][number], op: Operation): boolean {
  const own = x === owner.domain;
  switch (op) {
    case 'WRITE':
      return own;
    case 'READ':
    case 'DESCRIBE':
      return own || isPublic(topic) || (topic.visibility === 'protected' && topic.grants.includes(x));
    default:
      return false; // DELETE is off by default; ALTER, configs: never
  }
}

beforeAll(async () => {
  admin = new Kafka(kafka.broker.adminKafkaJsConfig()).admin();
  await admin.connect();
  const bindings = desiredBindings(specs, config);
  await applyPlan(admin, {
    // One broker: replicas 1 whatever the spec says; the matrix is about ACLs.
    topicsToCreate: specs.flatMap((s) =>
      s.owned.map((t) => ({ name: t.name, partitions: 1, replicas: 1, configs: {} })),
    ),
    partitionIncreases: [],
    configChanges: [],
    aclsToCreate: bindings,
    aclsToDelete: [],
  });
  const ca = await createCa('CN=access matrix test PCA');
  await kafka.broker.setTrustedClientCas([ca.certPem]);
  for (const d of domains) {
    const pw = randomBytes(18).toString('base64url');
    await kafka.broker.upsertScramUser(d, pw);
    conns.set(`SCRAM ${d}`, await scramConnection(kafka.broker, d, pw));
    const cert = await issueCertificate(ca, { subject: `CN=${d}`, usage: 'client' });
    conns.set(`mTLS ${d}`, await mtlsConnection(kafka.broker, cert.certPem, cert.keyPem));
  }
}, KAFKA_START_TIMEOUT_MS);

afterAll(async () => {
  for (const c of conns.values()) await c.close().catch(() => undefined);
  await admin?.disconnect();
});

test('the examples include a pair of domains where one id is a prefix of the other', () => {
  expect(domains.some((a) => domains.some((b) => a !== b && b.startsWith(a)))).toBe(true);
});

describe.each(['SCRAM', 'mTLS'])('over %s', (auth) => {
  test.each(domains)('%s can do exactly what the access model allows, and nothing more', async (x) => {
    const conn = conns.get(`${auth} ${x}`)!;
    const principal = auth === 'SCRAM' ? `User:${x}` : `User:CN=${x}`;
    const ctx = { probeGroup: `${x}.probe` };
    const diffs: string[] = [];
    let checked = 0;
    const check = async (type: ResourceType, name: string, op: Operation, want: boolean) => {
      const c = checkFor(principal, type, name, op, ctx)!;
      const got = await runCheck(conn, c);
      checked++;
      if (got.allowed !== want)
        diffs.push(
          `${op} ${type}:${name} via ${c.api}: expected ${want ? 'ALLOW' : 'DENY'}, Kafka ${got.allowed ? 'ALLOW' : 'DENY'} (${got.codes.join(',') || 'ok'})`,
        );
    };
    for (const owner of specs) {
      for (const t of owner.owned) {
        for (const op of [
          'DESCRIBE',
          'READ',
          'WRITE',
          'DELETE',
          'ALTER',
          'DESCRIBE_CONFIGS',
          'ALTER_CONFIGS',
        ] as const) {
          await check('TOPIC', t.name, op, topicAllowed(x, owner, t, op));
        }
      }
      const o = owner.domain;
      const own = o === x;
      // CREATE only under the owner's private prefix (streams internals).
      await check('TOPIC', `${o}.${config.visibilityKeywords.private}.new-internal`, 'CREATE', own);
      await check('TOPIC', `${o}.${config.visibilityKeywords.public}.new-topic`, 'CREATE', false);
      await check('TOPIC', `${o}.new-topic`, 'CREATE', false);
      // GROUP READ, and the DESCRIBE that READ implies (Kafka's rule); never DELETE.
      for (const op of ['READ', 'DESCRIBE', 'DELETE'] as const)
        await check('GROUP', `${o}.app`, op, own && op !== 'DELETE');
      for (const op of ['WRITE', 'DESCRIBE'] as const) await check('TRANSACTIONAL_ID', `${o}.tx`, op, own);
    }
    // Resources outside every domain.
    await check('GROUP', 'unrelated', 'READ', false);
    await check('TRANSACTIONAL_ID', 'unrelated', 'WRITE', false);
    await check('CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE', true);
    for (const op of ['DESCRIBE', 'ALTER', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'] as const)
      await check('CLUSTER', 'kafka-cluster', op, false);
    expect(diffs).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});

test('prefix pair: shop.order cannot read, write or join anything of shop.orders, and vice versa, beyond public topics', async () => {
  const a = specs.find((s) => s.domain === 'shop.order');
  const b = specs.find((s) => s.domain === 'shop.orders');
  if (!a || !b) throw new Error('examples/specs must hold shop.order and shop.orders');
  for (const [x, owner] of [
    [a.domain, b],
    [b.domain, a],
  ] as const) {
    for (const auth of ['SCRAM', 'mTLS']) {
      const principal = auth === 'SCRAM' ? `User:${x}` : `User:CN=${x}`;
      const conn = conns.get(`${auth} ${x}`)!;
      for (const t of owner.owned.filter((t) => !isPublic(t) && !t.grants.includes(x))) {
        for (const op of ['READ', 'WRITE', 'DESCRIBE'] as const) {
          expect([
            x,
            op,
            t.name,
            (await runCheck(conn, checkFor(principal, 'TOPIC', t.name, op, { probeGroup: `${x}.probe` })!)).allowed,
          ]).toEqual([x, op, t.name, false]);
        }
      }
      for (const t of owner.owned.filter((t) => isPublic(t))) {
        expect(
          (await runCheck(conn, checkFor(principal, 'TOPIC', t.name, 'WRITE', { probeGroup: `${x}.probe` })!)).allowed,
        ).toBe(false);
      }
      expect(
        (await runCheck(conn, checkFor(principal, 'GROUP', `${owner.domain}.app`, 'READ', { probeGroup: '' })!))
          .allowed,
      ).toBe(false);
    }
  }
});
