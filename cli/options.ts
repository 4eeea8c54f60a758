// The one place where command-line options become a ProvisionConfig. Every command that reads
// specs takes the same options, declared here as data.
import { Option, type Command } from 'commander';
import {
  CONFIG_SCHEMA,
  configFromSource,
  ConfigValueError,
  type ConfigSetting,
  type ProvisionConfig,
} from '../lib/config.js';
import type { CliFs } from './io.js';
import { clientSettings, s3ClientSettings } from '../lib/aws/client-settings.js';

export class UsageError extends Error {}

interface ConfigOption {
  readonly flags: string;
  readonly description: string;
  /** Commander's camel-cased attribute name for the option. */
  readonly key: string;
  readonly setting: ConfigSetting;
}

/** The config flags, one per lib/config.ts CONFIG_SCHEMA entry: the Lambdas read the same settings from env. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = CONFIG_SCHEMA.map((setting) => ({
  flags: setting.flag,
  description: `${setting.description} [env of the pipeline: ${setting.env}]`,
  key: setting.option,
  setting,
}));

export interface CommonOptionsVariant {
  /**
   * Commands that connect to Kafka (apply) take `--auth` for their own connection; there the
   * principals each domain gets are `--principals <modes>` (same values as plan's `--auth`).
   */
  readonly principalsFlag?: boolean;
}

const PRINCIPALS_OPTION = (auth: ConfigOption): ConfigOption => ({
  flags: '--principals <modes>',
  description: 'principals each domain gets ACLs for: scram (User:D), mtls (User:CN=D) or scram,mtls (default both)',
  key: 'principals',
  setting: auth.setting,
});

const configOptions = (variant: CommonOptionsVariant): readonly ConfigOption[] =>
  variant.principalsFlag ? CONFIG_OPTIONS.map((o) => (o.key === 'auth' ? PRINCIPALS_OPTION(o) : o)) : CONFIG_OPTIONS;

/** `--allow-everyone-if-no-acl-found`: answer as a broker with that setting (access, can). */
export const allowEveryoneOption = (): Option =>
  new Option(
    '--allow-everyone-if-no-acl-found',
    "answer as a broker with allow.everyone.if.no.acl.found=true (MSK's default)",
  );

/** Adds `--json` and the config options to a command. */
export function withCommonOptions(cmd: Command, variant: CommonOptionsVariant = {}): Command {
  cmd.option('--json', 'print machine-readable JSON on stdout');
  for (const o of configOptions(variant)) cmd.addOption(new Option(o.flags, o.description));
  return cmd;
}

/** Parsed command options → the ProvisionConfig the core takes, by the schema the Lambdas use. Throws UsageError on bad values. */
export function configFromOptions(opts: Record<string, unknown>, variant: CommonOptionsVariant = {}): ProvisionConfig {
  const options = configOptions(variant);
  const bySetting = new Map(options.map((o) => [o.setting, o] as const));
  try {
    return configFromSource(
      (setting) => {
        const o = bySetting.get(setting);
        const v = o ? opts[o.key] : undefined;
        return v === false ? undefined : v;
      },
      (setting) => (bySetting.get(setting)?.flags ?? setting.flag).replace(/ .*$/, ''),
    );
  } catch (e) {
    if (e instanceof ConfigValueError) throw new UsageError(e.message);
    throw e;
  }
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

export const nonEmpty = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

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
