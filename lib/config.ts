// Settings that change what the pipeline derives from a spec. One object, passed explicitly:
// the core never reads the environment. Adapters build it from env/CLI flags with `resolveConfig`.

/**
 * How clients authenticate to the cluster: SCRAM (`User:D`, ACLs), MTLS (`User:CN=D`, ACLs), IAM
 * (no Kafka principal: MSK authorizes an IAM client by IAM policy alone, so the pipeline keeps a
 * managed policy per domain instead; docs/architecture.md#iam-access).
 */
export type AuthMode = 'SCRAM' | 'MTLS' | 'IAM';

export interface VisibilityKeywords {
  readonly public: string;
  readonly protected: string;
  readonly private: string;
}

export interface ProvisionConfig {
  /** Which principals each domain gets: `User:D` for SCRAM, `User:CN=D` for mTLS; IAM: managed policies, no principal. */
  readonly authModes: readonly AuthMode[];
  readonly visibilityKeywords: VisibilityKeywords;
  /** Stage for the `envs` filter; undefined provisions every channel. */
  readonly stage?: string;
  /** Owner DELETE on its own topics (docs/architecture.md#access-model: off by default). */
  readonly ownerDelete: boolean;
  /** Mass-deletion guard: refuse a plan deleting more than this share (0..1) of a domain's managed bindings. */
  readonly maxDeleteShare: number;
  readonly defaultPartitions: number;
  readonly defaultReplicas: number;
  /** Hostile-input limits (docs/architecture.md#errors-and-bad-input). */
  readonly limits: {
    readonly maxSpecBytes: number;
    readonly maxYamlAliases: number;
    readonly maxDepth: number;
    readonly maxChannels: number;
    /**
     * Partitions of one topic (default 1000). Why 1000: MSK's sizing guidance puts a kafka.m5.large
     * or m7g.large Standard broker at about 1000 partitions including replicas (Amazon MSK Developer
     * Guide, "Right-size your cluster: Number of partitions per Standard broker"); a single topic
     * past that is almost always a typo, and Kafka itself only stops at 2^31-1.
     */
    readonly maxPartitionsPerTopic: number;
    /** Partitions of all of one spec's topics together (default 4000, the guidance for the largest Standard brokers). */
    readonly maxPartitionsPerSpec: number;
  };
}

export const DEFAULT_CONFIG: ProvisionConfig = {
  authModes: ['SCRAM', 'MTLS'],
  visibilityKeywords: { public: '_public', protected: '_protected', private: '_private' },
  ownerDelete: false,
  maxDeleteShare: 0.5,
  defaultPartitions: 3,
  defaultReplicas: 3,
  limits: {
    maxSpecBytes: 1024 * 1024,
    maxYamlAliases: 100,
    maxDepth: 32,
    maxChannels: 1000,
    maxPartitionsPerTopic: 1000,
    maxPartitionsPerSpec: 4000,
  },
};

export type ConfigOverrides = Partial<Omit<ProvisionConfig, 'visibilityKeywords' | 'limits'>> & {
  readonly visibilityKeywords?: Partial<VisibilityKeywords>;
  readonly limits?: Partial<ProvisionConfig['limits']>;
};

export function resolveConfig(overrides: ConfigOverrides = {}): ProvisionConfig {
  return {
    ...DEFAULT_CONFIG,
    ...overrides,
    visibilityKeywords: { ...DEFAULT_CONFIG.visibilityKeywords, ...overrides.visibilityKeywords },
    limits: { ...DEFAULT_CONFIG.limits, ...overrides.limits },
  };
}

// ---- one schema for every source of settings -------------------------------------------------
// The CLI (cli/options.ts: flags) and the Lambdas (lib/aws/env-config.ts: environment variables)
// read the same settings through this table, with the same validation and the same defaults
// (DEFAULT_CONFIG), so `msk-spec plan` and the pipeline cannot disagree on one environment. Each
// source only says where a value comes from and how a refusal names it (the flag or the variable).

export type SettingKind = 'string' | 'modes' | 'keyword' | 'boolean' | 'share' | 'positiveInt';

export interface ConfigSetting {
  readonly env: string;
  /** commander flag (and its camel-cased attribute name). */
  readonly flag: string;
  readonly option: string;
  readonly kind: SettingKind;
  readonly description: string;
  readonly set: (draft: MutableOverrides, value: never) => void;
}

interface MutableOverrides {
  stage?: string;
  authModes?: AuthMode[];
  visibilityKeywords: { public?: string; protected?: string; private?: string };
  ownerDelete?: boolean;
  maxDeleteShare?: number;
  defaultPartitions?: number;
  defaultReplicas?: number;
  limits: { maxPartitionsPerTopic?: number; maxPartitionsPerSpec?: number };
}

const setting = <K extends SettingKind>(
  env: string,
  flag: string,
  kind: K,
  description: string,
  set: (d: MutableOverrides, v: SettingValue<K>) => void,
): ConfigSetting => ({
  env,
  flag,
  option: flag
    .replace(/^--/, '')
    .replace(/ .*$/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
  kind,
  description,
  set: set as ConfigSetting['set'],
});

type SettingValue<K extends SettingKind> = K extends 'modes'
  ? AuthMode[]
  : K extends 'boolean'
    ? boolean
    : K extends 'share' | 'positiveInt'
      ? number
      : string;

export const CONFIG_SCHEMA: readonly ConfigSetting[] = [
  setting(
    'STAGE',
    '--stage <stage>',
    'string',
    'provision only channels whose bindings.kafka.envs include this stage (default: every channel)',
    (d, v) => (d.stage = v),
  ),
  setting(
    'AUTH_MODES',
    '--auth <modes>',
    'modes',
    'how clients authenticate, any of scram (User:D), mtls (User:CN=D) and iam (managed IAM policies), comma-separated',
    (d, v) => (d.authModes = v),
  ),
  setting(
    'VISIBILITY_PUBLIC',
    '--public-keyword <kw>',
    'keyword',
    'visibility keyword for public channels (default _public)',
    (d, v) => (d.visibilityKeywords.public = v),
  ),
  setting(
    'VISIBILITY_PROTECTED',
    '--protected-keyword <kw>',
    'keyword',
    'visibility keyword for protected channels (default _protected)',
    (d, v) => (d.visibilityKeywords.protected = v),
  ),
  setting(
    'VISIBILITY_PRIVATE',
    '--private-keyword <kw>',
    'keyword',
    'visibility keyword for private channels (default _private)',
    (d, v) => (d.visibilityKeywords.private = v),
  ),
  setting(
    'OWNER_DELETE',
    '--owner-delete',
    'boolean',
    'give owners DELETE on their own topics (off by default)',
    (d, v) => (d.ownerDelete = v),
  ),
  setting(
    'MAX_DELETE_SHARE',
    '--max-delete-share <share>',
    'share',
    "mass-deletion guard: refuse plans deleting more than this share (0..1) of a domain's managed bindings",
    (d, v) => (d.maxDeleteShare = v),
  ),
  setting(
    'DEFAULT_PARTITIONS',
    '--default-partitions <n>',
    'positiveInt',
    `partitions of a new topic whose spec states none (default ${DEFAULT_CONFIG.defaultPartitions})`,
    (d, v) => (d.defaultPartitions = v),
  ),
  setting(
    'DEFAULT_REPLICAS',
    '--default-replicas <n>',
    'positiveInt',
    `replication factor of a new topic whose spec states none (default ${DEFAULT_CONFIG.defaultReplicas})`,
    (d, v) => (d.defaultReplicas = v),
  ),
  setting(
    'MAX_PARTITIONS_PER_TOPIC',
    '--max-partitions-per-topic <n>',
    'positiveInt',
    `refuse a topic with more partitions (default ${DEFAULT_CONFIG.limits.maxPartitionsPerTopic})`,
    (d, v) => (d.limits.maxPartitionsPerTopic = v),
  ),
  setting(
    'MAX_PARTITIONS_PER_SPEC',
    '--max-partitions-per-spec <n>',
    'positiveInt',
    `refuse a spec whose topics have more partitions together (default ${DEFAULT_CONFIG.limits.maxPartitionsPerSpec})`,
    (d, v) => (d.limits.maxPartitionsPerSpec = v),
  ),
];

/** The one environment variable for path-style S3 addressing (the embedded default's loopback S3), CLI and Lambdas alike. */
export const S3_FORCE_PATH_STYLE_ENV = 'AWS_S3_FORCE_PATH_STYLE';

/** A value a source gave that the schema refuses; `name` is the flag or variable it came from. */
export class ConfigValueError extends Error {
  constructor(
    readonly name_: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigValueError';
  }
}

const KEYWORD = /^[A-Za-z0-9_-]+$/;
const MODES: Readonly<Record<string, AuthMode>> = { scram: 'SCRAM', mtls: 'MTLS', iam: 'IAM' };

function parseValue(s: ConfigSetting, name: string, raw: unknown): unknown {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  const bad = (expected: string) =>
    new ConfigValueError(
      name,
      `${name} expects ${expected}, got ${JSON.stringify(typeof raw === 'string' ? raw : String(raw))}`,
    );
  switch (s.kind) {
    case 'string':
      return String(text);
    case 'boolean':
      if (text === true || text === 'true') return true;
      if (text === false || text === 'false') return false;
      throw bad('true or false');
    case 'modes': {
      // Case does not matter on either side: SCRAM,MTLS (CloudFormation) and scram,mtls (CLI) alike.
      const modes = String(text)
        .split(',')
        .map((m) => m.trim().toLowerCase())
        .filter((m) => m !== '');
      if (modes.length === 0 || modes.some((m) => !(m in MODES)))
        throw bad('any of scram, mtls and iam, comma-separated (any case)');
      return [...new Set(modes.map((m) => MODES[m]!))];
    }
    case 'keyword':
      if (!KEYWORD.test(String(text))) throw bad('one topic-name segment ([A-Za-z0-9_-])');
      return String(text);
    case 'share': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) throw bad('a number from 0 to 1');
      return n;
    }
    case 'positiveInt': {
      const n = Number(text);
      if (text === '' || !Number.isInteger(n) || n < 1) throw bad('a positive whole number');
      return n;
    }
  }
}

/**
 * Resolves a ProvisionConfig from one source: `read(s)` gives the raw value of a setting (undefined:
 * not set), `nameOf(s)` how a refusal names it. Throws ConfigValueError.
 */
export function configFromSource(
  read: (s: ConfigSetting) => unknown,
  nameOf: (s: ConfigSetting) => string,
  schema: readonly ConfigSetting[] = CONFIG_SCHEMA,
): ProvisionConfig {
  const draft: MutableOverrides = { visibilityKeywords: {}, limits: {} };
  for (const s of schema) {
    const raw = read(s);
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) continue;
    s.set(draft, parseValue(s, nameOf(s), raw) as never);
  }
  const config = resolveConfig(draft);
  const kw = config.visibilityKeywords;
  if (new Set([kw.public, kw.protected, kw.private]).size !== 3) {
    const names = CONFIG_SCHEMA.filter((s) => s.kind === 'keyword')
      .map(nameOf)
      .join(', ');
    throw new ConfigValueError(
      names,
      `${names}: the public, protected and private keywords must differ (got ${kw.public}, ${kw.protected}, ${kw.private})`,
    );
  }
  return config;
}
