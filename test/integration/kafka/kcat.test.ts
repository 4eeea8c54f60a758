// kcat (librdkafka) as a second, independent client against the local broker: metadata, produce and
// consume over SCRAM and over mTLS, and refusals where the ACLs say no.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, type Admin } from '../../../lib/kafka/kafkajs.js';
import { applyPlan, type ApplicablePlan } from '../../../lib/kafka/index.js';
import type { AclBinding } from '../../../lib/access/types.js';
import { kcatLibrdkafkaVersion, modernLibrdkafkaDir, scramCapable } from '../../../local/kafka/librdkafka.js';
import { createCa, issueCertificate } from '../../../local/kafka/pki.js';
import { useKafka } from '../../support/kafka.js';

// librdkafka before 2.6.1 appends the client nonce twice in the SCRAM client-final-message; Kafka
// 3.8.1+ and 4.x compare nonces strictly and refuse it as invalid credentials (librdkafka#4895).
// Debian 12's kcat links librdkafka 2.0.2; Amazon MSK on 4.x refuses such clients the same way.
// Where the system library is that old, kcat runs with a newer librdkafka on LD_LIBRARY_PATH
// (local/kafka/librdkafka.ts), and the old one is checked to be refused.
const SYSTEM_RDKAFKA = kcatLibrdkafkaVersion();
const modernDir = scramCapable(SYSTEM_RDKAFKA) ? undefined : modernLibrdkafkaDir((l) => process.stderr.write(`${l}\n`));
const KCAT_ENV: NodeJS.ProcessEnv = modernDir
  ? { ...process.env, LD_LIBRARY_PATH: [modernDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }
  : process.env;
const RDKAFKA = kcatLibrdkafkaVersion(KCAT_ENV);
const SCRAM_WORKS = scramCapable(RDKAFKA);

const kafka = useKafka();
let admin: Admin;
let dir: string;

interface KcatResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kcat with a librdkafka config file (credentials stay out of the command line). */
function kcat(conf: string, args: string[], input?: string, env: NodeJS.ProcessEnv = KCAT_ENV): Promise<KcatResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'kcat',
      ['-F', conf, '-m', '10', ...args],
      { timeout: 60_000, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

const allow = (
  principal: string,
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  operation: AclBinding['operation'],
): AclBinding => ({
  principal,
  resourceType,
  resourceName,
  patternType: 'PREFIXED',
  operation,
  host: '*',
  permission: 'ALLOW',
});
const plan = (p: Partial<ApplicablePlan>): ApplicablePlan => ({
  topicsToCreate: [],
  partitionIncreases: [],
  configChanges: [],
  aclsToCreate: [],
  aclsToDelete: [],
  ...p,
});

let scramConf: string;
let mtlsConf: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kcat-test-'));
  admin = new Kafka(kafka.broker.adminKafkaJsConfig()).admin();
  await admin.connect();
  const caFile = join(dir, 'server-ca.pem');
  writeFileSync(caFile, kafka.broker.serverCaPem);

  // kc.scram: SCRAM user that may write and read kc.scram.* and read (not write) kc.shared.*
  const password = randomBytes(18).toString('base64url');
  await kafka.broker.upsertScramUser('kc.scram', password);
  scramConf = join(dir, 'scram.conf');
  writeFileSync(
    scramConf,
    [
      `bootstrap.servers=${kafka.broker.listeners.scram}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanisms=SCRAM-SHA-512',
      'sasl.username=kc.scram',
      `sasl.password=${password}`,
      `ssl.ca.location=${caFile}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // kc.mtls: certificate CN=kc.mtls from a CA the broker is told to trust at run time.
  const ca = await createCa('CN=kcat test CA');
  await kafka.broker.setTrustedClientCas([ca.certPem]);
  const cert = await issueCertificate(ca, { subject: 'CN=kc.mtls', usage: 'client' });
  writeFileSync(join(dir, 'client.pem'), cert.certPem);
  writeFileSync(join(dir, 'client.key'), cert.keyPem, { mode: 0o600 });
  mtlsConf = join(dir, 'mtls.conf');
  writeFileSync(
    mtlsConf,
    [
      `bootstrap.servers=${kafka.broker.listeners.mtls}`,
      'security.protocol=SSL',
      `ssl.ca.location=${caFile}`,
      `ssl.certificate.location=${join(dir, 'client.pem')}`,
      `ssl.key.location=${join(dir, 'client.key')}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  await applyPlan(
    admin,
    plan({
      topicsToCreate: ['kc.scram.orders', 'kc.mtls.events', 'kc.shared.news', 'kc.secret.stuff'].map((name) => ({
        name,
        partitions: 1,
        replicas: 1,
        configs: {},
      })),
      aclsToCreate: [
        ...(['READ', 'WRITE', 'DESCRIBE'] as const).map((op) => allow('User:kc.scram', 'TOPIC', 'kc.scram.', op)),
        ...(['READ', 'WRITE', 'DESCRIBE'] as const).map((op) => allow('User:CN=kc.mtls', 'TOPIC', 'kc.mtls.', op)),
        allow('User:kc.scram', 'TOPIC', 'kc.shared.', 'READ'),
        allow('User:CN=kc.mtls', 'TOPIC', 'kc.shared.', 'READ'),
        allow('User:kc.scram', 'GROUP', 'kc.scram.', 'READ'),
        allow('User:CN=kc.mtls', 'GROUP', 'kc.mtls.', 'READ'),
      ],
    }),
  );
  // Something to read in the shared topic, written by the admin.
  const producer = new Kafka(kafka.broker.adminKafkaJsConfig()).producer();
  await producer.connect();
  await producer.send({ topic: 'kc.shared.news', messages: [{ value: 'shared-1' }] });
  await producer.disconnect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

(scramCapable(SYSTEM_RDKAFKA) ? test.skip : test)(
  `kcat with the system librdkafka ${SYSTEM_RDKAFKA?.join('.')} (< 2.6.1) cannot authenticate with SCRAM against Kafka 4.x: refused as invalid credentials`,
  async () => {
    const r = await kcat(scramConf, ['-L'], undefined, process.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-512/);
  },
);

test(`kcat runs with a SCRAM-capable librdkafka (${RDKAFKA?.join('.')})`, () => {
  // Fails where neither the system library nor the fetched one can do SCRAM with Kafka 4.x.
  expect(SCRAM_WORKS).toBe(true);
});

const clients: [string, () => string, string, string, string][] = [
  ['mTLS', () => mtlsConf, 'kc.mtls', 'kc.mtls.events', 'kc.scram.orders'],
];
// Over SCRAM only with a librdkafka that can do SCRAM with Kafka 4.x (see above).
if (SCRAM_WORKS) clients.push(['SCRAM', () => scramConf, 'kc.scram', 'kc.scram.orders', 'kc.mtls.events']);

describe.each(clients)('kcat over %s', (_name, conf, domain, own, foreign) => {
  test('metadata lists exactly the topics the principal may describe', async () => {
    const r = await kcat(conf(), ['-L', '-J']);
    expect(r.code).toBe(0);
    const topics = (JSON.parse(r.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic).sort();
    expect(topics).toEqual([own, 'kc.shared.news'].sort());
  });

  test('produces to and consumes from its own topic, also in a consumer group', async () => {
    const value = `v-${randomBytes(4).toString('hex')}`;
    const p = await kcat(conf(), ['-P', '-t', own, '-p', '0'], `${value}\n`);
    expect(p.code).toBe(0);
    const c = await kcat(conf(), ['-C', '-t', own, '-o', 'beginning', '-e', '-q']);
    expect(c.code).toBe(0);
    expect(c.stdout.split('\n')).toContain(value);
    const g = await kcat(conf(), ['-G', `${domain}.g1`, '-o', 'beginning', '-e', '-q', own]);
    expect(g.stdout.split('\n')).toContain(value);
  });

  test('reads a topic it was granted, but may not write to it', async () => {
    const c = await kcat(conf(), ['-C', '-t', 'kc.shared.news', '-o', 'beginning', '-e', '-q']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('shared-1');
    const p = await kcat(conf(), ['-P', '-t', 'kc.shared.news', '-p', '0', '-X', 'message.timeout.ms=10000'], 'nope\n');
    expect(p.code).not.toBe(0);
    expect(p.stderr).toMatch(/Topic authorization failed/i);
  });

  test("is refused on another domain's topic and on an ungranted topic, for reads and writes", async () => {
    for (const topic of [foreign, 'kc.secret.stuff']) {
      const c = await kcat(conf(), ['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      expect(c.code).not.toBe(0);
      expect(c.stderr).toMatch(/Topic authorization failed/i);
      const p = await kcat(conf(), ['-P', '-t', topic, '-p', '0', '-X', 'message.timeout.ms=10000'], 'nope\n');
      expect(p.code).not.toBe(0);
      expect(p.stderr).toMatch(/Topic authorization failed/i);
    }
  });

  test('is refused a consumer group outside its prefix', async () => {
    const g = await kcat(conf(), ['-G', 'kc.other.g1', '-o', 'beginning', '-e', '-q', own]);
    expect(g.code).not.toBe(0);
    expect(g.stderr).toMatch(/Group authorization failed/i);
  });
});
