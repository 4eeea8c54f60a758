// The one place where command-line options become a ProvisionConfig. Every command that reads
// specs takes the same options, declared here as data.
import { Option, type Command } from 'commander';
import { resolveConfig, type AuthMode, type ConfigOverrides, type ProvisionConfig } from '../lib/config.js';
import type { CliFs } from './io.js';
import { clientSettings, s3ClientSettings } from '../lib/aws/client-settings.js';

export class UsageError extends Error {}

interface Draft {
  stage?: string;
  authModes?: AuthMode[];
  visibilityKeywords: { public?: string; protected?: string; private?: string };
  ownerDelete?: boolean;
  maxDeleteShare?: number;
  defaultPartitions?: number;
  defaultReplicas?: number;
}

interface ConfigOption {
  readonly flags: string;
  readonly description: string;
  /** Commander's camel-cased attribute name for the option. */
  readonly key: string;
  readonly apply: (draft: Draft, value: unknown) => void;
}

const AUTH_MODES: Record<string, AuthMode> = { scram: 'SCRAM', mtls: 'MTLS' };

function positiveInt(name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} expects a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

function keyword(name: string, value: unknown): string {
  const s = String(value);
  if (!/^[A-Za-z0-9_-]+$/.test(s))
    throw new UsageError(`${name} expects one topic-name segment ([A-Za-z0-9_-]), got ${JSON.stringify(s)}`);
  return s;
}

function authModes(name: string, value: unknown): AuthMode[] {
  const modes = String(value)
    .split(',')
    .map((m) => m.trim().toLowerCase())
    .filter((m) => m !== '');
  const bad = modes.filter((m) => !(m in AUTH_MODES));
  if (modes.length === 0 || bad.length > 0)
    throw new UsageError(`${name} expects scram, mtls or scram,mtls, got ${JSON.stringify(String(value))}`);
  return [...new Set(modes.map((m) => AUTH_MODES[m]!))];
}

export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  {
    flags: '--stage <stage>',
    description: 'provision only channels whose bindings.kafka.envs include this stage (default: every channel)',
    key: 'stage',
    apply: (d, v) => (d.stage = String(v)),
  },
  {
    flags: '--auth <modes>',
    description: 'principals each domain gets: scram (User:D), mtls (User:CN=D) or scram,mtls',
    key: 'auth',
    apply: (d, v) => (d.authModes = authModes('--auth', v)),
  },
  {
    flags: '--public-keyword <kw>',
    description: 'visibility keyword for public channels (default _public)',
    key: 'publicKeyword',
    apply: (d, v) => (d.visibilityKeywords.public = keyword('--public-keyword', v)),
  },
  {
    flags: '--protected-keyword <kw>',
    description: 'visibility keyword for protected channels (default _protected)',
    key: 'protectedKeyword',
    apply: (d, v) => (d.visibilityKeywords.protected = keyword('--protected-keyword', v)),
  },
  {
    flags: '--private-keyword <kw>',
    description: 'visibility keyword for private channels (default _private)',
    key: 'privateKeyword',
    apply: (d, v) => (d.visibilityKeywords.private = keyword('--private-keyword', v)),
  },
  {
    flags: '--owner-delete',
    description: 'give owners DELETE on their own topics (off by default)',
    key: 'ownerDelete',
    apply: (d, v) => (d.ownerDelete = v === true),
  },
  {
    flags: '--max-delete-share <share>',
    description:
      "mass-deletion guard: refuse plans deleting more than this share (0..1) of a domain's managed bindings",
    key: 'maxDeleteShare',
    apply: (d, v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1)
        throw new UsageError(`--max-delete-share expects a number from 0 to 1, got ${JSON.stringify(v)}`);
      d.maxDeleteShare = n;
    },
  },
  {
    flags: '--default-partitions <n>',
    description: 'partitions of a new topic whose spec states none',
    key: 'defaultPartitions',
    apply: (d, v) => (d.defaultPartitions = positiveInt('--default-partitions', v)),
  },
  {
    flags: '--default-replicas <n>',
    description: 'replication factor of a new topic whose spec states none',
    key: 'defaultReplicas',
    apply: (d, v) => (d.defaultReplicas = positiveInt('--default-replicas', v)),
  },
];

export interface CommonOptionsVariant {
  /**
   * Commands that connect to Kafka (apply) take `--auth` for their own connection; there the
   * principals each domain gets are `--principals <modes>` (same values as plan's `--auth`).
   */
  readonly principalsFlag?: boolean;
}

const PRINCIPALS_OPTION: ConfigOption = {
  flags: '--principals <modes>',
  description: 'principals each domain gets ACLs for: scram (User:D), mtls (User:CN=D) or scram,mtls (default both)',
  key: 'principals',
  apply: (d, v) => (d.authModes = authModes('--principals', v)),
};

const configOptions = (variant: CommonOptionsVariant): readonly ConfigOption[] =>
  variant.principalsFlag ? CONFIG_OPTIONS.map((o) => (o.key === 'auth' ? PRINCIPALS_OPTION : o)) : CONFIG_OPTIONS;

/** Adds `--json` and the config options to a command. */
/** `--allow-everyone-if-no-acl-found`: answer as a broker with that setting (access, can). */
export const allowEveryoneOption = (): Option =>
  new Option(
    '--allow-everyone-if-no-acl-found',
    "answer as a broker with allow.everyone.if.no.acl.found=true (MSK's default)",
  );

export function withCommonOptions(cmd: Command, variant: CommonOptionsVariant = {}): Command {
  cmd.option('--json', 'print machine-readable JSON on stdout');
  for (const o of configOptions(variant)) cmd.addOption(new Option(o.flags, o.description));
  return cmd;
}

/** Parsed command options → the ProvisionConfig the core takes. Throws UsageError on bad values. */
export function configFromOptions(opts: Record<string, unknown>, variant: CommonOptionsVariant = {}): ProvisionConfig {
  const draft: Draft = { visibilityKeywords: {} };
  for (const o of configOptions(variant)) {
    const v = opts[o.key];
    if (v !== undefined && v !== false) o.apply(draft, v);
  }
  const config = resolveConfig(draft satisfies ConfigOverrides);
  const kw = config.visibilityKeywords;
  if (new Set([kw.public, kw.protected, kw.private]).size !== 3)
    throw new UsageError('the public, protected and private keywords must differ');
  return config;
}

// ---- AWS and Kafka connections (upload, status, client-config, apply) ------------------------

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables that stand in for options (`npm start -- --keep-running` prints them). */
export const ENV_DEFAULTS = {
  specBucket: 'MSK_SPEC_SPEC_BUCKET',
  certBucket: 'MSK_SPEC_CERT_BUCKET',
  clusterArn: 'MSK_SPEC_CLUSTER_ARN',
  secretPrefix: 'MSK_SPEC_SECRET_PREFIX',
  stateMachineArn: 'MSK_SPEC_STATE_MACHINE_ARN',
} as const;

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** An option's value, else its environment variable, else undefined (or a UsageError naming both). */
export function optionOrEnv(
  opts: Record<string, unknown>,
  key: string,
  env: Env,
  envName: string,
  required?: { flag: string },
): string | undefined {
  const v = nonEmpty(opts[key]) ?? nonEmpty(env[envName]);
  if (v === undefined && required) throw new UsageError(`${required.flag} is required (or set ${envName})`);
  return v;
}

/** `--region`, for commands that call AWS (default: AWS_REGION, as the SDK does). */
export function withAwsOptions(cmd: Command): Command {
  return cmd.option('--region <region>', 'AWS Region (default: AWS_REGION / AWS_DEFAULT_REGION / the SDK profile)');
}

/** The SDK v3 clients a command needs, created on first use (a command that needs no AWS loads no SDK). */
export interface AwsClients {
  s3(): Promise<import('@aws-sdk/client-s3').S3Client>;
  sfn(): Promise<import('@aws-sdk/client-sfn').SFNClient>;
  secrets(): Promise<import('@aws-sdk/client-secrets-manager').SecretsManagerClient>;
  kafka(): Promise<import('@aws-sdk/client-kafka').KafkaClient>;
}

/**
 * The clients, made with the project's one set of client settings (lib/aws/client-settings.ts)
 * from the command's environment and --region; each SDK package is loaded on first use.
 */
export function awsClients(env: Env, opts: Record<string, unknown> = {}): AwsClients {
  const region = nonEmpty(opts['region']);
  const common = (service: string) => clientSettings(service, env, region);
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(name: string, make: () => Promise<T>): Promise<T> => {
    if (!cache.has(name)) cache.set(name, make());
    return cache.get(name) as Promise<T>;
  };
  return {
    s3: () =>
      once('s3', async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return new S3Client(s3ClientSettings(env, region, { validateResponses: false }));
      }),
    sfn: () => once('sfn', async () => new (await import('@aws-sdk/client-sfn')).SFNClient(common('SFN'))),
    secrets: () =>
      once(
        'secrets',
        async () =>
          new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient(common('SECRETS_MANAGER')),
      ),
    kafka: () => once('kafka', async () => new (await import('@aws-sdk/client-kafka')).KafkaClient(common('KAFKA'))),
  };
}

/** `host:port[,host:port...]` → the list, or a UsageError. */
export function brokerList(flag: string, value: unknown): string[] {
  const brokers = String(value)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const bad = brokers.filter((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length > 0)
    throw new UsageError(`${flag} expects host:port[,host:port...], got ${JSON.stringify(String(value))}`);
  return brokers;
}

export type ConnectionAuth = 'scram' | 'mtls' | 'iam';

/**
 * How apply connects to Kafka. There is deliberately no `--password`: a password on the command
 * line lands in shell history and `ps`. It comes from an environment variable or a file.
 */
export function withKafkaConnectionOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--bootstrap <brokers>',
      'bootstrap brokers host:port[,host:port...] (MSK: 9096 SCRAM, 9094 mTLS, 9098 IAM)',
    )
    .addOption(
      new Option('--auth <method>', 'how this client authenticates')
        .choices(['scram', 'mtls', 'iam'])
        .makeOptionMandatory(),
    )
    .option('--username <user>', 'SCRAM username')
    .option('--password-env <VAR>', 'SCRAM: read the password from this environment variable')
    .option('--password-file <file>', 'SCRAM: read the password from this file (first line)')
    .option('--cert <file>', 'mTLS: client certificate (PEM, with its chain)')
    .option('--key <file>', 'mTLS: private key (PEM, unencrypted PKCS#8)')
    .option(
      '--ca <file>',
      'CA bundle (PEM) that signed the BROKER certificates; only for brokers outside the default trust store (the local broker). Not for MSK: its brokers present Amazon-issued certificates',
    )
    .option('--region <region>', 'IAM: AWS Region of the cluster (default AWS_REGION)');
}

export interface KafkaConnection {
  readonly brokers: string[];
  readonly auth: import('../lib/kafka/config.js').KafkaAuth;
  readonly serverCaPems?: string[];
  /** `User:...` this connection acts as (undefined for IAM: authorized by IAM policy, not ACLs). */
  readonly principal?: string;
}

async function readOptionFile(fs: CliFs, flag: string, file: string): Promise<string> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function kafkaConnectionFromOptions(
  opts: Record<string, unknown>,
  fs: CliFs,
  env: Env,
): Promise<KafkaConnection> {
  const brokers = brokerList('--bootstrap', opts['bootstrap']);
  const ca = nonEmpty(opts['ca']);
  const serverCaPems = ca ? { serverCaPems: [await readOptionFile(fs, '--ca', ca)] } : {};
  const method = String(opts['auth']) as ConnectionAuth;
  if (method === 'scram') {
    const username = nonEmpty(opts['username']);
    if (!username) throw new UsageError('--auth scram needs --username');
    const varName = nonEmpty(opts['passwordEnv']);
    const file = nonEmpty(opts['passwordFile']);
    if ((varName === undefined) === (file === undefined))
      throw new UsageError(
        '--auth scram needs exactly one of --password-env VAR or --password-file FILE (never the password itself)',
      );
    let password: string | undefined;
    if (varName !== undefined) {
      password = env[varName];
      if (password === undefined || password === '')
        throw new UsageError(`--password-env: environment variable ${varName} is not set`);
    } else {
      password = (await readOptionFile(fs, '--password-file', file!)).split(/\r?\n/)[0] ?? '';
      if (password === '') throw new UsageError(`--password-file: ${file} is empty`);
    }
    return {
      brokers,
      auth: { mechanism: 'scram', username, password },
      ...serverCaPems,
      principal: `User:${username}`,
    };
  }
  if (method === 'mtls') {
    const cert = nonEmpty(opts['cert']);
    const key = nonEmpty(opts['key']);
    if (!cert || !key) throw new UsageError('--auth mtls needs --cert FILE and --key FILE');
    return {
      brokers,
      auth: {
        mechanism: 'mtls',
        certPem: await readOptionFile(fs, '--cert', cert),
        keyPem: await readOptionFile(fs, '--key', key),
      },
      ...serverCaPems,
    };
  }
  const region = nonEmpty(opts['region']) ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']);
  if (!region) throw new UsageError('--auth iam needs --region (or AWS_REGION)');
  return { brokers, auth: { mechanism: 'iam', region }, ...serverCaPems };
}
