// Settings that change what the pipeline derives from a spec. One object, passed explicitly:
// the core never reads the environment. Adapters build it from env/CLI flags with `resolveConfig`.

export type AuthMode = 'SCRAM' | 'MTLS';

export interface VisibilityKeywords {
  readonly public: string;
  readonly protected: string;
  readonly private: string;
}

export interface ProvisionConfig {
  /** Which principals each domain gets: `User:D` for SCRAM, `User:CN=D` for mTLS. */
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
