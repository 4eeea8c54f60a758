// The operational msk-spec commands against the embedded default, nothing mocked: a real Kafka
// broker, the emulated AWS endpoints and the deployed pipeline (local/environment.ts). The CLI runs
// in-process through run(argv, io) with the environment a user would export after
// `npm start -- --keep-running` (AWS_ENDPOINT_URL..., MSK_SPEC_SPEC_BUCKET, ...).
//
// The scenarios build on each other: upload --wait provisions a spec; status shows it; client-config
// writes settings that real clients (kafkajs over SCRAM and mTLS, kcat) connect with; apply against
// the live broker finds nothing to do, then heals an ACL deleted out of band.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { run } from '../../../cli/program.js';
import { startEnvironment, REPO_ROOT, type Environment } from '../../../local/environment.js';
import { kafkaLibsDir } from '../../../local/kafka/fetch.js';
import { kcatLibrdkafkaVersion, modernLibrdkafkaDir, scramCapable } from '../../../local/kafka/librdkafka.js';
import { readMtlsCredentials, readScramCredentials } from '../../../lib/aws/client-credentials.js';
import { Kafka, exactFilter, logLevel, type Admin, type KafkaConfig } from '../../../lib/kafka/index.js';

const SPEC = path.join(REPO_ROOT, 'examples/specs/shop.order.yaml');
const DOMAIN = 'shop.order';
const TOPIC = 'shop.order._public.created';
const __dirname_ = path.dirname(fileURLToPath(import.meta.url));

let env: Environment;
let dir: string;
let cliEnv: Record<string, string>;
let caFile: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

/**
 * The permissions README's "Deploying to AWS" gives each caller, as policies: a team uploader
 * (the template's TeamSpecUploadPolicy, tagged with its domain, plus the Step Functions reads
 * `upload --wait` needs) and an operator running `status` and `client-config` for one domain. The
 * commands below run as those principals, so a permission the docs forget fails here.
 */
function documentedPrincipals(e: Environment): { team: Record<string, string>; operator: Record<string, string> } {
  const { accountId, region } = e.aws;
  const provision = e.resources.stateMachines.provision!;
  const machineName = provision.split(':').pop()!;
  const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } };
  const team = `arn:aws:iam::${accountId}:role/team-${DOMAIN}`;
  e.iam.putRole(team, {
    tags: { 'msk-spec-domain': DOMAIN },
    policies: [
      e.stack.get('TeamSpecUploadPolicy').properties.PolicyDocument,
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'states:ListStateMachines', Resource: '*' },
          { Effect: 'Allow', Action: 'states:ListExecutions', Resource: provision },
          {
            Effect: 'Allow',
            Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
            Resource: `arn:aws:states:${region}:${accountId}:execution:${machineName}:*`,
          },
        ],
      },
    ],
  });
  const operator = `arn:aws:iam::${accountId}:role/operator-${DOMAIN}`;
  const specs = `arn:aws:s3:::${e.resources.specBucket}`;
  const certs = `arn:aws:s3:::${e.resources.certBucket}`;
  e.iam.putRole(operator, {
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: [
              // status: every report and current certificate; client-config: this domain's files.
              `${specs}/reports/*`,
              `${certs}/certificates/*/current.json`,
              `${certs}/certificates/${DOMAIN}/*`,
            ],
          },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: [specs, certs] },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: e.resources.kmsKeyArn, Condition: viaS3 },
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:AmazonMSK_${DOMAIN}-*`,
          },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: e.resources.kmsKeyArn,
            Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
          },
          { Effect: 'Allow', Action: 'kafka:GetBootstrapBrokers', Resource: '*' },
        ],
      },
    ],
  });
  const as = (arn: string) => {
    const c = e.iam.credentialsFor(arn);
    return {
      AWS_ACCESS_KEY_ID: c.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
      ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
    };
  };
  return { team: as(team), operator: as(operator) };
}
let asTeam: Record<string, string>;
let asOperator: Record<string, string>;

async function cli(argv: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { ...cliEnv, ...extraEnv },
  });
  return { code, out, err };
}

beforeAll(async () => {
  env = await startEnvironment({ retryIntervalMs: 0, waitMs: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'msk-spec-cli-ops-'));
  caFile = path.join(dir, 'broker-ca.pem');
  writeFileSync(caFile, env.kafka.serverCaPem);
  // What `npm start -- --keep-running` tells the user to export.
  cliEnv = {
    ...env.aws.env,
    MSK_SPEC_SPEC_BUCKET: env.resources.specBucket,
    MSK_SPEC_CERT_BUCKET: env.resources.certBucket,
    MSK_SPEC_CLUSTER_ARN: env.resources.clusterArn,
  };
  ({ team: asTeam, operator: asOperator } = documentedPrincipals(env));
}, 300_000);

afterAll(async () => {
  await env?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('upload', () => {
  it('refuses an invalid spec locally and uploads nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, "asyncapi: '2.6.0'\nid: 'urn:Shop Rogue'\nchannels: {}\n");
    const r = await cli(['upload', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}: $.id: [domain-id]`);
    expect(r.out).toContain('nothing uploaded');
    const listed = await env.clients.s3.send(
      new ListObjectsV2Command({ Bucket: env.resources.specBucket, Prefix: 'specs/' }),
    );
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('--wait, as the team: puts specs/<domain>.yaml, follows the execution state by state and prints the report', async () => {
    const r = await cli(['upload', SPEC, '--wait', '--timeout', '240'], asTeam);
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`uploaded ${SPEC} -> s3://${env.resources.specBucket}/specs/${DOMAIN}\\.yaml`));
    for (const state of [
      'ValidateSpec',
      'EnsureScramSecret',
      'IssueCertificate',
      'CollectCertificate',
      'ApplyTopicsAndAcls',
    ])
      expect(r.err).toContain(`${DOMAIN}: ✓ ${state}`);
    expect(r.out).toContain(`${DOMAIN}: PROVISIONED`);
    expect(r.out).toMatch(/changed: 3 topic\(s\) created/);
    expect(r.out).toContain(`+ ${TOPIC}`);
  }, 300_000);
});

describe('upload again', () => {
  it('--wait on an unchanged spec follows the NEW execution (matched by object version) and reports no changes', async () => {
    const r = await cli(['upload', SPEC, '--wait', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      ok: boolean;
      uploaded: { key: string; versionId: string; report: { status: string; applied: { changed: boolean } } }[];
    };
    expect(doc.ok).toBe(true);
    expect(doc.uploaded[0]!.report).toMatchObject({ status: 'PROVISIONED', applied: { changed: false } });
    const text = await cli(['status', DOMAIN]);
    expect(text.out).toContain('no changes: the cluster already matched the spec');
  }, 300_000);
});

describe('status', () => {
  it('shows the last report and the current certificate of every domain', async () => {
    const r = await cli(['status']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^${DOMAIN}: PROVISIONED at \\d{4}-\\d\\d-\\d\\dT`, 'm'));
    expect(r.out).toMatch(/certificate: serial [0-9a-f:]+, expires \S+ \(\d+\.\d days left\), renewal not due/i);
  });

  it('--json for one domain; a domain with no report exits 1', async () => {
    const r = await cli(['status', DOMAIN, '--json'], asOperator);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      domains: { name: string; status: string; certificate: { daysLeft: number; renewalDue: boolean } }[];
    };
    expect(doc.domains).toHaveLength(1);
    expect(doc.domains[0]).toMatchObject({ name: DOMAIN, status: 'PROVISIONED', certificate: { renewalDue: false } });
    expect(doc.domains[0]!.certificate.daysLeft).toBeGreaterThan(29);
    const missing = await cli(['status', 'shop.nothing'], asOperator);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('shop.nothing: NO REPORT');
  });
});

describe('client-config', () => {
  let out: string;
  let password: string;

  beforeAll(async () => {
    out = path.join(dir, 'client-config', DOMAIN);
    password = (await readScramCredentials(env.clients.secrets, `AmazonMSK_${DOMAIN}`)).password;
  });

  it('writes Java, librdkafka and kafkajs settings for SCRAM and mTLS; secrets 0600, never printed', async () => {
    const r = await cli(['client-config', DOMAIN, '--out', out, '--ca', caFile], asOperator);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const key = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, DOMAIN))!.keyPem;
    for (const secret of [password, key.trim(), key.split('\n')[1]!]) {
      expect(r.out).not.toContain(secret);
      expect(r.err).not.toContain(secret);
    }
    expect(r.out).toContain(`User:${DOMAIN}`);
    expect(r.out).toContain(`User:CN=${DOMAIN}`);
    const mode = (f: string) => statSync(path.join(out, f)).mode & 0o777;
    for (const f of [
      'scram/client.properties',
      'scram/librdkafka.conf',
      'scram/kafkajs.json',
      'mtls/client.key',
      'mtls/keystore.pem',
      'mtls/kafkajs.json',
    ])
      expect([f, mode(f)]).toEqual([f, 0o600]);
    for (const f of ['mtls/client.pem', 'mtls/client.properties', 'mtls/librdkafka.conf', 'ca.pem'])
      expect([f, mode(f)]).toEqual([f, 0o644]);
    const props = readFileSync(path.join(out, 'scram/client.properties'), 'utf8');
    expect(props).toContain(`bootstrap.servers=${env.kafka.listeners.scram}`);
    expect(props).toContain('security.protocol=SASL_SSL');
    expect(props).toContain('sasl.mechanism=SCRAM-SHA-512');
    expect(readFileSync(path.join(out, 'mtls/client.properties'), 'utf8')).toContain(
      `ssl.keystore.location=${path.join(out, 'mtls/keystore.pem')}`,
    );
    expect(readFileSync(path.join(out, 'mtls/librdkafka.conf'), 'utf8')).toContain(
      `bootstrap.servers=${env.kafka.listeners.mtls}`,
    );
  });

  it.each(['scram', 'mtls'])(
    'a kafkajs client built from %s/kafkajs.json produces to the domain topic',
    async (auth) => {
      const config = JSON.parse(readFileSync(path.join(out, auth, 'kafkajs.json'), 'utf8')) as KafkaConfig;
      const producer = new Kafka({ ...config, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      try {
        const [res] = await producer.send({ topic: TOPIC, messages: [{ value: `hello over ${auth}` }] });
        expect(res?.errorCode).toBe(0);
      } finally {
        await producer.disconnect();
      }
    },
    60_000,
  );

  it('as `npm start -- --keep-running` suggests: `npx msk-spec client-config <domain> --ca <file>` with its exports', async () => {
    const cwd = mkdtempSync(path.join(dir, 'cwd-'));
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(REPO_ROOT, 'bin/msk-spec.js'), 'client-config', DOMAIN, '--ca', caFile],
        { cwd, env: { ...process.env, ...cliEnv }, timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Client settings for ${DOMAIN} in ${path.join(cwd, 'client-config', DOMAIN)}:`);
    expect(r.stdout).not.toContain(password);
    expect(readFileSync(path.join(cwd, 'client-config', DOMAIN, 'mtls/librdkafka.conf'), 'utf8')).toContain(
      `bootstrap.servers=${env.kafka.listeners.mtls}`,
    );
  }, 90_000);

  // Java's source launcher needs the JDK's compiler module; a JRE-only machine skips this.
  const hasJdk = spawnSync('java', ['--list-modules'], { encoding: 'utf8' }).stdout?.includes('jdk.compiler') ?? false;
  (hasJdk ? it.each(['scram', 'mtls']) : it.skip.each(['scram', 'mtls']))(
    'a Java producer configured only by %s/client.properties writes to the domain topic',
    async (auth) => {
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'java',
          [
            '-cp',
            `${path.join(kafkaLibsDir(), '*')}`,
            path.join(__dirname_, 'fixtures/JavaProduce.java'),
            path.join(out, auth, 'client.properties'),
            TOPIC,
          ],
          { timeout: 90_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(r.stdout).toMatch(new RegExp(`^OK ${TOPIC.replaceAll('.', '\\.')}-0@\\d+$`, 'm'));
      expect(r.code).toBe(0);
    },
    120_000,
  );

  describe('kcat with the librdkafka .conf', () => {
    // librdkafka < 2.6.1 sends a SCRAM client-final-message Kafka 3.8.1+/4.x refuses (librdkafka#4895);
    // Debian 12's kcat links 2.0.2, so there kcat runs with a newer librdkafka on LD_LIBRARY_PATH
    // (local/kafka/librdkafka.ts, as test/integration/kafka/kcat.test.ts does).
    const modernDir = scramCapable(kcatLibrdkafkaVersion()) ? undefined : modernLibrdkafkaDir();
    const kcatEnv: NodeJS.ProcessEnv = modernDir
      ? { ...process.env, LD_LIBRARY_PATH: [modernDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }
      : process.env;
    const kcat = (conf: string, args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'kcat',
          ['-F', conf, '-m', '10', ...args],
          { timeout: 60_000, env: kcatEnv },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });

    it('reads metadata over SCRAM', async () => {
      expect(scramCapable(kcatLibrdkafkaVersion(kcatEnv))).toBe(true);
      const r = await kcat(path.join(out, 'scram/librdkafka.conf'), ['-L']);
      expect(r.stderr).not.toMatch(/ERROR|FAIL/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(TOPIC);
    }, 60_000);

    it('reads metadata over mTLS', async () => {
      const r = await kcat(path.join(out, 'mtls/librdkafka.conf'), ['-L']);
      expect(r.stderr).not.toMatch(/ERROR|FAIL/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(TOPIC);
    }, 60_000);
  });
});

describe('apply against the live broker', () => {
  const adminArgs = () => [
    '--bootstrap',
    env.kafka.listeners.scram,
    '--auth',
    'scram',
    '--username',
    env.kafka.admin.username,
    '--password-env',
    'KAFKA_ADMIN_PASSWORD',
    '--ca',
    caFile,
  ];
  const adminEnv = () => ({ KAFKA_ADMIN_PASSWORD: env.kafka.admin.password });
  let admin: Admin;

  beforeAll(async () => {
    admin = new Kafka(env.kafka.adminKafkaJsConfig()).admin();
    await admin.connect();
  });
  afterAll(async () => admin?.disconnect());

  it('the cluster checks the plan first, as PlanAgainstCluster does: replicas above the broker count change nothing', async () => {
    const spec = path.join(dir, 'cli.toomany.yaml');
    writeFileSync(
      spec,
      "asyncapi: '2.6.0'\nid: 'urn:cli:toomany'\nchannels:\n  _public.a:\n    bindings: { kafka: { replicas: 3 } }\n    publish: {}\n",
    );
    for (const extra of [['--dry-run'], []]) {
      const r = await cli(['apply', spec, ...adminArgs(), ...extra], adminEnv());
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        'PlanRefused: replicas: topic cli.toomany._public.a asks for 3 replicas but the cluster has 1 broker',
      );
    }
    expect((await admin.listTopics()).filter((t) => t.startsWith('cli.toomany.'))).toEqual([]);
  }, 60_000);

  it('--dry-run finds nothing to do for the spec the pipeline applied', async () => {
    const r = await cli(['apply', SPEC, ...adminArgs(), '--dry-run'], adminEnv());
    expect(r.err).toBe('');
    expect(r.out).toContain('No changes. The cluster matches the specs.');
    expect(r.code).toBe(0);
    expect(r.out + r.err).not.toContain(env.kafka.admin.password);
  }, 60_000);

  it('heals an ACL deleted out of band: dry run shows it (exit 2), apply creates it, then nothing to do', async () => {
    const binding = {
      principal: `User:${DOMAIN}`,
      host: '*',
      resourceType: 'GROUP' as const,
      resourceName: `${DOMAIN}.`,
      patternType: 'PREFIXED' as const,
      operation: 'READ' as const,
      permission: 'ALLOW' as const,
    };
    await admin.deleteAcls({ filters: [exactFilter(binding)] });
    const dry = await cli(['apply', SPEC, ...adminArgs(), '--dry-run'], adminEnv());
    expect(dry.code).toBe(2);
    expect(dry.out).toContain(`+ acl ALLOW User:${DOMAIN} READ on GROUP PREFIXED ${DOMAIN}.`);
    expect(dry.out).toContain('Plan: 1 to add, 0 to change, 0 to destroy. Dry run: nothing applied.');
    const applied = await cli(['apply', SPEC, ...adminArgs()], adminEnv());
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('1 ACL(s) created, 0 deleted');
    const again = await cli(['apply', SPEC, ...adminArgs(), '--dry-run'], adminEnv());
    expect(again.code).toBe(0);
    expect(again.out).toContain('No changes.');
  }, 90_000);

  it('a wrong password is an error (exit 1) that does not echo it', async () => {
    const r = await cli(['apply', SPEC, ...adminArgs(), '--dry-run'], { KAFKA_ADMIN_PASSWORD: 'fake-wrong-password' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^msk-spec: error: Kafka at /);
    expect(r.err).not.toContain('fake-wrong-password');
  }, 90_000);
});
