// The operational commands (apply, upload, status, client-config) in-process: option handling and
// refusals that need no cluster, and the AWS-reading commands against SDK mocks. The same commands
// against the real local services: test/integration/cli/ops.test.ts.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { sdkStreamMixin } from '@smithy/util-stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { run } from '../../../cli/program.js';
import { mockAws, type LooseMock } from '../functions/_support.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SPEC = path.join(repoRoot, 'examples/specs/shop.order.yaml');
const BAD = path.join(repoRoot, 'examples/specs-invalid/wildcard.yaml');

const FAKE_PASSWORD = 'FakePasswordNotReal0123456789abc';
const FAKE_KEY = '-----BEGIN PRIVATE KEY-----\nFAKEKEYMATERIAL\n-----END PRIVATE KEY-----\n';
const FAKE_CERT = '-----BEGIN CERTIFICATE-----\nFAKECERT\n-----END CERTIFICATE-----\n';

const AWS_ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret' };

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { ...AWS_ENV, ...env },
  });
  return { code, out, err };
}

const body = (text: string) => ({
  Body: sdkStreamMixin(Readable.from([Buffer.from(text)])),
  LastModified: new Date('2026-11-20T10:00:00Z'),
});
const noSuchKey = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });

describe('help', () => {
  it('lists the new commands', async () => {
    const r = await cli(['--help']);
    for (const c of ['apply', 'upload', 'status', 'client-config']) expect(r.out).toContain(c);
  });
});

describe('apply: options, refused before any connection', () => {
  const conn = ['--bootstrap', '127.0.0.1:1', '--auth', 'scram', '--username', 'admin'];

  it('has no --password option: a password given as an argument is refused and not echoed', async () => {
    const r = await cli(['apply', SPEC, ...conn, '--password', FAKE_PASSWORD]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown option '--password'/);
    expect(r.out + r.err).not.toContain(FAKE_PASSWORD);
  });

  it('needs exactly one of --password-env and --password-file; an unset variable is named', async () => {
    expect((await cli(['apply', SPEC, ...conn])).err).toMatch(
      /exactly one of --password-env VAR or --password-file FILE/,
    );
    const r = await cli(['apply', SPEC, ...conn, '--password-env', 'NOT_SET_HERE']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('environment variable NOT_SET_HERE is not set');
  });

  it('mtls needs --cert and --key; --auth takes scram, mtls or iam; --bootstrap must be host:port', async () => {
    expect((await cli(['apply', SPEC, '--bootstrap', '127.0.0.1:1', '--auth', 'mtls'])).err).toMatch(
      /needs --cert FILE and --key FILE/,
    );
    expect((await cli(['apply', SPEC, '--bootstrap', '127.0.0.1:1', '--auth', 'plain'])).code).toBe(1);
    expect((await cli(['apply', SPEC, '--bootstrap', 'nohost', '--auth', 'iam'])).err).toMatch(
      /--bootstrap expects host:port/,
    );
  });

  it('an invalid spec is refused with validate lines, before connecting', async () => {
    const r = await cli(['apply', BAD, ...conn, '--password-env', 'PW'], { PW: FAKE_PASSWORD });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${BAD}: $.id: [domain-id]`);
    expect(r.out).toContain('nothing planned or applied');
    expect(r.out + r.err).not.toContain(FAKE_PASSWORD);
  });

  it('the principal modes are --principals here (--auth is the connection)', async () => {
    const r = await cli(['apply', '--help']);
    expect(r.out).toContain('--principals <modes>');
    expect(r.out).toContain('--password-env <VAR>');
    expect(r.out).not.toMatch(/--password </);
  });
});

describe('upload', () => {
  let s3: LooseMock;
  beforeEach(() => {
    s3 = mockAws(S3Client);
  });
  afterEach(() => s3.reset());

  it('needs a bucket: --bucket or MSK_SPEC_SPEC_BUCKET', async () => {
    const r = await cli(['upload', SPEC]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--bucket is required (or set MSK_SPEC_SPEC_BUCKET)');
  });

  it('refuses invalid specs locally and puts nothing', async () => {
    const r = await cli(['upload', SPEC, BAD, '--bucket', 'b']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('1 of 2 spec(s) refused');
    expect(r.out).toContain('nothing uploaded');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('puts each spec at specs/<domain>.<ext>, the key that binds the owner', async () => {
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1' });
    const r = await cli(['upload', SPEC], { MSK_SPEC_SPEC_BUCKET: 'spec-bucket' });
    expect(r.code).toBe(0);
    const [call] = s3.commandCalls(PutObjectCommand);
    expect(call!.args[0].input).toMatchObject({
      Bucket: 'spec-bucket',
      Key: 'specs/shop.order.yaml',
      ContentType: 'application/yaml',
    });
    expect(call!.args[0].input.Body).toBe(readFileSync(SPEC, 'utf8'));
    expect(r.out).toContain(`uploaded ${SPEC} -> s3://spec-bucket/specs/shop.order.yaml (version v1)`);
  });
});

describe('status', () => {
  let s3: LooseMock;
  beforeEach(() => {
    s3 = mockAws(S3Client);
  });
  afterEach(() => s3.reset());

  const provisioned = {
    status: 'PROVISIONED',
    domain: 'shop.order',
    executionId: 'arn:aws:states:eu-west-1:111122223333:execution:provision:1',
    applied: {
      changed: true,
      topicsCreated: 2,
      partitionsIncreased: 0,
      configsAltered: 0,
      aclsCreated: 14,
      aclsDeleted: 0,
      createdTopics: ['shop.order._public.created', 'shop.order._private.audit'],
    },
  };
  const failed = {
    status: 'FAILED',
    domain: 'shop.rogue',
    error: {
      name: 'SpecRefused',
      issues: [
        {
          path: '$.channels["_public.clicks"].bindings.kafka.partitions',
          rule: 'binding-partitions',
          message: 'expected a positive integer',
        },
      ],
    },
  };

  it('every report under reports/, with what changed or why it failed, and the certificate', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'reports/shop.order.json' }, { Key: 'reports/shop.rogue.json' }],
    });
    s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      if (input.Key === 'reports/shop.order.json') return body(JSON.stringify(provisioned));
      if (input.Key === 'reports/shop.rogue.json') return body(JSON.stringify(failed));
      if (input.Key === 'certificates/shop.order/current.json')
        return body(
          JSON.stringify({
            domain: 'shop.order',
            serial: 'ab12',
            notBefore: '2026-11-01T00:00:00.000Z',
            notAfter: '2026-12-01T00:00:00.000Z',
            generation: 1,
            keys: {},
          }),
        );
      throw noSuchKey();
    });
    const r = await cli(['status', '--bucket', 'specs', '--cert-bucket', 'certs']);
    expect(r.code).toBe(1); // one FAILED
    expect(r.out).toContain('shop.order: PROVISIONED at 2026-11-20T10:00:00.000Z');
    expect(r.out).toContain(
      '  changed: 2 topic(s) created, 0 partition increase(s), 0 config change(s), 14 ACL(s) created, 0 deleted',
    );
    expect(r.out).toContain('    + shop.order._public.created');
    expect(r.out).toMatch(
      /certificate: serial ab12, expires 2026-12-01T00:00:00.000Z \(-?\d+\.\d days left\), renewal (DUE|not due)/,
    );
    expect(r.out).toContain('shop.rogue: FAILED');
    expect(r.out).toContain('  failed: SpecRefused');
    expect(r.out).toContain(
      '$.channels["_public.clicks"].bindings.kafka.partitions: [binding-partitions] expected a positive integer',
    );
    expect(r.out).toContain('  certificate: none stored');
  });

  it('refuses a domain argument that is not a domain id (it becomes an S3 key)', async () => {
    const r = await cli(['status', '../x', '--bucket', 'b']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('"../x" is not a domain id');
  });
});

describe('client-config', () => {
  let s3: LooseMock;
  let sm: LooseMock;
  let msk: LooseMock;
  let dir: string;
  beforeEach(() => {
    s3 = mockAws(S3Client);
    sm = mockAws(SecretsManagerClient);
    msk = mockAws(KafkaClient);
    dir = mkdtempSync(path.join(tmpdir(), 'client-config-unit-'));
  });
  afterEach(() => {
    s3.reset();
    sm.reset();
    msk.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad options before reading anything', async () => {
    expect((await cli(['client-config', '../etc'])).err).toContain('is not a domain id');
    expect((await cli(['client-config', 'shop.order', '--bootstrap', 'h:1'])).err).toContain(
      'with --auth both use --scram-bootstrap and --mtls-bootstrap',
    );
    expect((await cli(['client-config', 'shop.order', '--auth', 'scram'])).err).toContain(
      '--bootstrap host:port or --cluster-arn ARN',
    );
    expect((await cli(['client-config', 'shop.order', '--auth', 'mtls', '--bootstrap', 'h:1'])).err).toContain(
      '--cert-bucket (for mTLS) is required',
    );
    expect(sm.calls()).toHaveLength(0);
  });

  it('reads the secret and certificate, asks MSK for brokers, writes 0600 files and prints no secret', async () => {
    sm.on(GetSecretValueCommand).resolves({
      ARN: 'arn:secret',
      SecretString: JSON.stringify({ username: 'shop.order', password: FAKE_PASSWORD }),
    });
    msk.on(GetBootstrapBrokersCommand).resolves({
      BootstrapBrokerStringSaslScram: 'b-1.fake:9096,b-2.fake:9096',
      BootstrapBrokerStringTls: 'b-1.fake:9094',
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key === 'certificates/shop.order/current.json')
        return body(
          JSON.stringify({
            domain: 'shop.order',
            serial: 'ab12',
            notBefore: '2026-11-01T00:00:00.000Z',
            notAfter: '2026-12-01T00:00:00.000Z',
            generation: 1,
            keys: { key: 'k', cert: 'c', chain: 'ch' },
          }),
        );
      return body(input.Key === 'k' ? FAKE_KEY : FAKE_CERT);
    });
    const r = await cli(['client-config', 'shop.order', '--out', dir, '--secret-prefix', 'team/'], {
      MSK_SPEC_CLUSTER_ARN: 'arn:aws:kafka:eu-west-1:111122223333:cluster/data/x',
      MSK_SPEC_CERT_BUCKET: 'certs',
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toMatchObject({
      SecretId: 'AmazonMSK_team/shop.order',
      VersionStage: 'AWSCURRENT',
    });
    for (const s of [FAKE_PASSWORD, 'FAKEKEYMATERIAL']) expect(r.out).not.toContain(s);
    expect(r.out).toContain('User:shop.order');
    expect(r.out).toContain('User:CN=shop.order (certificate serial ab12, expires 2026-12-01T00:00:00.000Z)');
    const conf = readFileSync(path.join(dir, 'scram/librdkafka.conf'), 'utf8');
    expect(conf).toContain('bootstrap.servers=b-1.fake:9096,b-2.fake:9096');
    expect(conf).not.toContain('ssl.ca.location='); // MSK: default trust store
    expect(JSON.parse(readFileSync(path.join(dir, 'mtls/kafkajs.json'), 'utf8')).ssl).toEqual({
      cert: `${FAKE_CERT.trim()}\n${FAKE_CERT.trim()}\n`,
      key: FAKE_KEY,
    });
    expect(statSync(path.join(dir, 'scram/client.properties')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'mtls/client.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'mtls/client.pem')).mode & 0o777).toBe(0o644);
  });

  it('rewrites existing files through a rename: a symlink at the path is replaced, not followed; modes are the new ones', async () => {
    sm.on(GetSecretValueCommand).resolves({
      ARN: 'arn:secret',
      SecretString: JSON.stringify({ username: 'shop.order', password: FAKE_PASSWORD }),
    });
    const elsewhere = path.join(dir, 'elsewhere.txt');
    writeFileSync(elsewhere, 'untouched\n', { mode: 0o644 });
    mkdirSync(path.join(dir, 'out/scram'), { recursive: true });
    symlinkSync(elsewhere, path.join(dir, 'out/scram/librdkafka.conf'));
    writeFileSync(path.join(dir, 'out/scram/client.properties'), 'old\n', { mode: 0o644 });
    const r = await cli([
      'client-config',
      'shop.order',
      '--auth',
      'scram',
      '--bootstrap',
      'h:9096',
      '--out',
      path.join(dir, 'out'),
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched\n');
    expect(lstatSync(path.join(dir, 'out/scram/librdkafka.conf')).isSymbolicLink()).toBe(false);
    expect(statSync(path.join(dir, 'out/scram/client.properties')).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.join(dir, 'out/scram')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('without --auth, a method the domain has no credentials for is skipped with a warning', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key === 'certificates/shop.order/current.json')
        return body(
          JSON.stringify({
            domain: 'shop.order',
            serial: 'ab12',
            notBefore: '2026-11-01T00:00:00.000Z',
            notAfter: '2026-12-01T00:00:00.000Z',
            generation: 1,
            keys: { key: 'k', cert: 'c', chain: 'ch' },
          }),
        );
      return body(input.Key === 'k' ? FAKE_KEY : FAKE_CERT);
    });
    const args = [
      'client-config',
      'shop.order',
      '--scram-bootstrap',
      'h:9096',
      '--mtls-bootstrap',
      'h:9094',
      '--cert-bucket',
      'c',
      '--out',
      dir,
    ];
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.err).toContain('msk-spec: warning: skipped: no SCRAM secret AmazonMSK_shop.order');
    expect(r.out).toContain('User:CN=shop.order');
    expect(readdirSync(dir).sort()).toEqual(['mtls']);
    expect((await cli([...args, '--auth', 'scram'])).code).toBe(1);
  });

  it('--auth iam reads no credential: IAM brokers from MSK, the Region from the cluster ARN, three 0644 files', async () => {
    msk.on(GetBootstrapBrokersCommand).resolves({
      BootstrapBrokerStringSaslScram: 'b-1.fake:9096',
      BootstrapBrokerStringSaslIam: 'b-1.fake:9098,b-2.fake:9098',
    });
    const r = await cli(
      [
        'client-config',
        'shop.order',
        '--auth',
        'iam',
        '--cluster-arn',
        'arn:aws:kafka:eu-central-1:111122223333:cluster/data/x',
        '--out',
        dir,
        '--json',
      ],
      { AWS_REGION: 'us-east-1' },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(sm.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    const out = JSON.parse(r.out) as { principals: string[]; files: { path: string; mode: string }[] };
    expect(out.principals).toEqual([
      "IAM: the AWS identity that runs the client (a role holding the domain's msk-spec policies)",
    ]);
    expect(out.files).toEqual(
      ['client.properties', 'librdkafka.conf', 'kafkajs.mjs'].map((f) => ({
        path: path.join(dir, 'iam', f),
        mode: '0644',
      })),
    );
    for (const f of out.files) expect(statSync(f.path).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(dir, 'iam/client.properties'), 'utf8')).toContain(
      'bootstrap.servers=b-1.fake:9098,b-2.fake:9098\n',
    );
    // The token is signed for the cluster's Region, not the shell's.
    expect(readFileSync(path.join(dir, 'iam/kafkajs.mjs'), 'utf8')).toContain('region: "eu-central-1"');
  });

  it('--public takes the public-access brokers (9198 for IAM), and says so when the cluster has none', async () => {
    msk.on(GetBootstrapBrokersCommand).resolves({
      BootstrapBrokerStringSaslIam: 'b-1.fake:9098',
      BootstrapBrokerStringPublicSaslIam: 'b-1.public.fake:9198',
    });
    const arn = 'arn:aws:kafka:eu-west-1:111122223333:cluster/data/x';
    const args = ['client-config', 'shop.order', '--cluster-arn', arn, '--out', dir, '--public'];
    expect((await cli([...args, '--auth', 'iam', '--format', 'java'])).code).toBe(0);
    expect(readFileSync(path.join(dir, 'iam/client.properties'), 'utf8')).toContain(
      'bootstrap.servers=b-1.public.fake:9198\n',
    );
    sm.on(GetSecretValueCommand).resolves({
      ARN: 'arn:secret',
      SecretString: JSON.stringify({ username: 'shop.order', password: FAKE_PASSWORD }),
    });
    const r = await cli([...args, '--auth', 'scram']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cluster ${arn} has no public SCRAM bootstrap brokers`);
  });

  it('--help describes --auth iam and its files', async () => {
    const { out } = await cli(['client-config', '--help']);
    expect(out).toContain('or iam');
    expect(out).toContain('IAM (--auth iam, MSK port 9098; all files 0644');
    expect(out).toContain('msk-spec client-config shop.order --auth iam --cluster-arn');
  });

  it('--auth iam with --bootstrap needs a Region; --region wins', async () => {
    const args = ['client-config', 'shop.order', '--auth', 'iam', '--bootstrap', 'h:9098', '--out', dir];
    const { code, err } = await cli(args, { AWS_REGION: '' });
    expect(code).toBe(1);
    expect(err).toContain("--auth iam signs for the cluster's Region: give --region, --cluster-arn or AWS_REGION");
    expect((await cli([...args, '--region', 'ap-south-1', '--format', 'kafkajs'])).code).toBe(0);
    expect(readdirSync(path.join(dir, 'iam'))).toEqual(['kafkajs.mjs']);
    expect(readFileSync(path.join(dir, 'iam/kafkajs.mjs'), 'utf8')).toContain('region: "ap-south-1"');
    expect(msk.calls()).toHaveLength(0);
  });

  it('a missing secret is a clear error naming it, not a stack', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );
    const r = await cli(['client-config', 'shop.order', '--auth', 'scram', '--bootstrap', 'h:9096', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no SCRAM secret AmazonMSK_shop.order');
  });
});
