// The one place that reads the Lambda environment. Each getter asks only for what its caller needs,
// so a function deployed with a subset of the variables works, and a missing one fails loudly with
// a ConfigurationError naming the variable (never its value: none of these are secret, but the
// rule is simple to keep if nothing echoes values).
import {
  CONFIG_SCHEMA,
  configFromSource,
  ConfigValueError,
  S3_FORCE_PATH_STYLE_ENV,
  type AuthMode,
  type ProvisionConfig,
} from '../config.js';
import { parseKeyAlgorithm, type KeyAlgorithm } from '../cert/algorithms.js';
import { DEFAULT_VALIDITY_DAYS } from '../cert/policy.js';
import { ConfigurationError } from '../errors.js';
import { secretNamePrefixOf } from '../credentials/secret-name.js';

type Env = Readonly<Record<string, string | undefined>>;

export const ENV = {
  SPEC_BUCKET: 'SPEC_BUCKET',
  CERT_BUCKET: 'CERT_BUCKET',
  KMS_KEY_ARN: 'KMS_KEY_ARN',
  CLUSTER_ARN: 'CLUSTER_ARN',
  PCA_ARN: 'PCA_ARN',
  PCA_SIGNING_ALGORITHM: 'PCA_SIGNING_ALGORITHM',
  PCA_TEMPLATE_ARN: 'PCA_TEMPLATE_ARN',
  CERT_VALIDITY_DAYS: 'CERT_VALIDITY_DAYS',
  CERT_KEY_ALGORITHM: 'CERT_KEY_ALGORITHM',
  AUTH_MODES: 'AUTH_MODES',
  SECRET_PREFIX: 'SECRET_PREFIX',
  STAGE: 'STAGE',
  OWNER_DELETE: 'OWNER_DELETE',
  MAX_DELETE_SHARE: 'MAX_DELETE_SHARE',
  DEFAULT_PARTITIONS: 'DEFAULT_PARTITIONS',
  DEFAULT_REPLICAS: 'DEFAULT_REPLICAS',
  VISIBILITY_PUBLIC: 'VISIBILITY_PUBLIC',
  VISIBILITY_PROTECTED: 'VISIBILITY_PROTECTED',
  VISIBILITY_PRIVATE: 'VISIBILITY_PRIVATE',
  KAFKA_ADMIN_AUTH: 'KAFKA_ADMIN_AUTH',
  KAFKA_BROKERS: 'KAFKA_BROKERS',
  KAFKA_ADMIN_SECRET_ARN: 'KAFKA_ADMIN_SECRET_ARN',
  KAFKA_ADMIN_CERT_DOMAIN: 'KAFKA_ADMIN_CERT_DOMAIN',
  KAFKA_CA_PEM: 'KAFKA_CA_PEM',
  S3_FORCE_PATH_STYLE: S3_FORCE_PATH_STYLE_ENV,
  MAX_PARTITIONS_PER_TOPIC: 'MAX_PARTITIONS_PER_TOPIC',
  MAX_PARTITIONS_PER_SPEC: 'MAX_PARTITIONS_PER_SPEC',
  AWS_REGION: 'AWS_REGION',
  ACCOUNT_ID: 'ACCOUNT_ID',
  IAM_MAX_POLICIES_PER_ROLE: 'IAM_MAX_POLICIES_PER_ROLE',
} as const;

function required(env: Env, name: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new ConfigurationError(`environment variable ${name} is required`);
  return v.trim();
}

function optional(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const v = optional(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigurationError(`${name} must be a positive integer`);
  return n;
}

/** The core's configuration (what a spec becomes), from the environment, by lib/config.ts's schema (as the CLI reads its flags). */
export function provisionConfig(env: Env = process.env): ProvisionConfig {
  try {
    return configFromSource(
      (setting) => env[setting.env],
      (setting) => setting.env,
    );
  } catch (e) {
    if (e instanceof ConfigValueError) throw new ConfigurationError(e.message);
    throw e;
  }
}

/** The enabled authentication modes (which credential branches run); default both. */
export function authModes(env: Env = process.env): AuthMode[] {
  const only = CONFIG_SCHEMA.filter((x) => x.env === ENV.AUTH_MODES);
  try {
    return [
      ...configFromSource(
        (setting) => env[setting.env],
        (setting) => setting.env,
        only,
      ).authModes,
    ];
  } catch (e) {
    if (e instanceof ConfigValueError) throw new ConfigurationError(e.message);
    throw e;
  }
}

/** The pipeline's own account (the template passes AWS::AccountId): its policies' ARNs, the roles a spec may name. */
export function accountId(env: Env = process.env): string {
  const v = required(env, ENV.ACCOUNT_ID);
  if (!/^\d{12}$/.test(v)) throw new ConfigurationError(`${ENV.ACCOUNT_ID} must be a 12-digit AWS account id`);
  return v;
}

export interface IamPolicySettings {
  readonly naming: { readonly partition: string; readonly account: string; readonly stage: string };
  readonly limits: { readonly maxPolicyChars: number; readonly maxPolicies: number };
}

/**
 * Where the per-domain managed policies live and how many a role may hold: policy names carry the
 * stage (STAGE, the serverless stage; `default` without one), ARNs the partition of the cluster and
 * the pipeline's account; IAM_MAX_POLICIES_PER_ROLE is the "Managed policies per role" quota
 * (default 10, up to 20 with an increase; IAM User Guide, "IAM and AWS STS quotas").
 */
export function iamPolicySettings(env: Env = process.env): IamPolicySettings {
  const stage = optional(env, ENV.STAGE) ?? 'default';
  if (!/^[A-Za-z0-9_+=,.@-]{1,40}$/.test(stage))
    throw new ConfigurationError(`${ENV.STAGE} must be 1-40 characters IAM allows in a policy name`);
  const partition = /^arn:(aws[a-z-]*):/.exec(clusterArn(env))?.[1];
  if (!partition) throw new ConfigurationError(`${ENV.CLUSTER_ARN} is not an ARN`);
  return { naming: { partition, account: accountId(env), stage }, limits: iamLimits(env) };
}

/** IAM's limits the policies are packed to: 6,144 characters per policy, IAM_MAX_POLICIES_PER_ROLE policies (default 10, at most 20). */
export function iamLimits(env: Env = process.env): IamPolicySettings['limits'] {
  const maxPolicies = positiveInt(env, ENV.IAM_MAX_POLICIES_PER_ROLE, 10);
  if (maxPolicies > 20)
    throw new ConfigurationError(`${ENV.IAM_MAX_POLICIES_PER_ROLE} must be at most 20 (IAM's quota)`);
  return { maxPolicyChars: 6144, maxPolicies };
}

export const specBucket = (env: Env = process.env): string => required(env, ENV.SPEC_BUCKET);
export const certBucket = (env: Env = process.env): string => required(env, ENV.CERT_BUCKET);
export const clusterArn = (env: Env = process.env): string => required(env, ENV.CLUSTER_ARN);
export const pcaArn = (env: Env = process.env): string => required(env, ENV.PCA_ARN);

/** The customer-managed key for SCRAM secrets and certificate objects. The AWS-managed keys are refused. */
export function kmsKeyArn(env: Env = process.env): string {
  const key = required(env, ENV.KMS_KEY_ARN);
  if (/alias\/aws\//.test(key)) {
    throw new ConfigurationError(
      `${ENV.KMS_KEY_ARN} names an AWS-managed key; MSK SCRAM secrets need a customer-managed KMS key`,
    );
  }
  return key;
}

/** `AmazonMSK_<prefix>`: MSK accepts only secrets whose names start with AmazonMSK_. */
export function secretNamePrefix(env: Env = process.env): string {
  const p = optional(env, ENV.SECRET_PREFIX) ?? '';
  if (!/^[A-Za-z0-9/_+=.@-]*$/.test(p))
    throw new ConfigurationError(`${ENV.SECRET_PREFIX} holds characters Secrets Manager does not allow`);
  return secretNamePrefixOf(p);
}

export interface CertificateSettings {
  readonly pcaArn: string;
  /** Undefined: ask PCA (DescribeCertificateAuthority) once per cold start. */
  readonly signingAlgorithm?: string;
  readonly templateArn?: string;
  readonly validityDays: number;
  readonly keyAlgorithm: KeyAlgorithm;
}

export function certificateSettings(env: Env = process.env): CertificateSettings {
  let keyAlgorithm: KeyAlgorithm;
  try {
    keyAlgorithm = parseKeyAlgorithm(optional(env, ENV.CERT_KEY_ALGORITHM));
  } catch (e) {
    throw new ConfigurationError(`${ENV.CERT_KEY_ALGORITHM}: ${(e as Error).message}`);
  }
  const signingAlgorithm = optional(env, ENV.PCA_SIGNING_ALGORITHM);
  const templateArn = optional(env, ENV.PCA_TEMPLATE_ARN);
  return {
    pcaArn: pcaArn(env),
    ...(signingAlgorithm ? { signingAlgorithm } : {}),
    ...(templateArn ? { templateArn } : {}),
    validityDays: positiveInt(env, ENV.CERT_VALIDITY_DAYS, DEFAULT_VALIDITY_DAYS),
    keyAlgorithm,
  };
}

export type AdminAuth = 'IAM' | 'SCRAM' | 'MTLS';

export interface KafkaAdminSettings {
  readonly auth: AdminAuth;
  /** Comma-separated bootstrap brokers; undefined: ask MSK (GetBootstrapBrokers) for the auth's listener. */
  readonly brokers?: readonly string[];
  readonly clusterArn?: string;
  readonly region?: string;
  /** SCRAM admin: the AmazonMSK_ secret holding the admin's username/password. */
  readonly adminSecretArn?: string;
  /** mTLS admin: the domain whose current certificate (in CERT_BUCKET) the admin uses. */
  readonly adminCertDomain?: string;
  /** Extra CA bundle (PEM) for a broker whose certificate is not publicly trusted (local broker). */
  readonly caPem?: string;
}

export function kafkaAdminSettings(env: Env = process.env): KafkaAdminSettings {
  const auth = (optional(env, ENV.KAFKA_ADMIN_AUTH) ?? 'IAM').toUpperCase();
  if (auth !== 'IAM' && auth !== 'SCRAM' && auth !== 'MTLS')
    throw new ConfigurationError(`${ENV.KAFKA_ADMIN_AUTH} must be IAM, SCRAM or MTLS`);
  const brokers = optional(env, ENV.KAFKA_BROKERS)
    ?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const s: KafkaAdminSettings = {
    auth,
    ...(brokers && brokers.length > 0 ? { brokers } : {}),
    ...(optional(env, ENV.CLUSTER_ARN) ? { clusterArn: optional(env, ENV.CLUSTER_ARN)! } : {}),
    ...(optional(env, ENV.AWS_REGION) ? { region: optional(env, ENV.AWS_REGION)! } : {}),
    ...(optional(env, ENV.KAFKA_ADMIN_SECRET_ARN)
      ? { adminSecretArn: optional(env, ENV.KAFKA_ADMIN_SECRET_ARN)! }
      : {}),
    ...(optional(env, ENV.KAFKA_ADMIN_CERT_DOMAIN)
      ? { adminCertDomain: optional(env, ENV.KAFKA_ADMIN_CERT_DOMAIN)! }
      : {}),
    ...(optional(env, ENV.KAFKA_CA_PEM) ? { caPem: optional(env, ENV.KAFKA_CA_PEM)! } : {}),
  };
  if (!s.brokers && !s.clusterArn) throw new ConfigurationError(`set ${ENV.KAFKA_BROKERS} or ${ENV.CLUSTER_ARN}`);
  if (auth === 'SCRAM' && !s.adminSecretArn)
    throw new ConfigurationError(`${ENV.KAFKA_ADMIN_AUTH}=SCRAM needs ${ENV.KAFKA_ADMIN_SECRET_ARN}`);
  if (auth === 'MTLS' && !s.adminCertDomain)
    throw new ConfigurationError(`${ENV.KAFKA_ADMIN_AUTH}=MTLS needs ${ENV.KAFKA_ADMIN_CERT_DOMAIN}`);
  return s;
}

export const s3ForcePathStyle = (env: Env = process.env): boolean => optional(env, ENV.S3_FORCE_PATH_STYLE) === 'true';

// ---- decommissioning (issue 10; docs/architecture.md#decommission) --------------------------------

export const DECOMMISSION_ENV = {
  GRACE_SECONDS: 'DECOMMISSION_GRACE_SECONDS',
  MAX_REMOVALS: 'DECOMMISSION_MAX_REMOVALS',
  SECRET_RECOVERY_DAYS: 'SECRET_RECOVERY_DAYS',
  DELETE_TOPICS: 'DECOMMISSION_DELETE_TOPICS',
  ORPHAN_MODE: 'ORPHAN_MODE',
} as const;

export interface DecommissionSettings {
  /** How long a removed spec may come back before anything is revoked (default 3600). */
  readonly graceSeconds: number;
  /** More removals than this within the grace period are refused unless forced (default 3). */
  readonly maxRemovals: number;
  /** DeleteSecret's RecoveryWindowInDays, 7-30 (default 30). */
  readonly secretRecoveryDays: number;
  /** Delete the domain's topics once the grace period is over (default false: topics and data stay). */
  readonly deleteTopics: boolean;
  /** What reprovision does with orphans: REPORT (default) or DECOMMISSION. */
  readonly orphanMode: 'REPORT' | 'DECOMMISSION';
}

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const v = optional(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`${name} must be a non-negative integer`);
  return n;
}

/** DeleteSecret's RecoveryWindowInDays for the pipeline's secrets, 7-30 (default 30). */
export function secretRecoveryDays(env: Env = process.env): number {
  const days = nonNegativeInt(env, DECOMMISSION_ENV.SECRET_RECOVERY_DAYS, 30);
  if (days < 7 || days > 30) throw new ConfigurationError(`${DECOMMISSION_ENV.SECRET_RECOVERY_DAYS} must be 7..30`);
  return days;
}

export function decommissionSettings(env: Env = process.env): DecommissionSettings {
  const days = secretRecoveryDays(env);
  const mode = (optional(env, DECOMMISSION_ENV.ORPHAN_MODE) ?? 'REPORT').toUpperCase();
  if (mode !== 'REPORT' && mode !== 'DECOMMISSION')
    throw new ConfigurationError(`${DECOMMISSION_ENV.ORPHAN_MODE} must be REPORT or DECOMMISSION`);
  return {
    graceSeconds: nonNegativeInt(env, DECOMMISSION_ENV.GRACE_SECONDS, 3600),
    maxRemovals: nonNegativeInt(env, DECOMMISSION_ENV.MAX_REMOVALS, 3),
    secretRecoveryDays: days,
    deleteTopics: optional(env, DECOMMISSION_ENV.DELETE_TOPICS) === 'true',
    orphanMode: mode,
  };
}

/** AdmitSpecs' settings (functions/admit-specs; serverless.yml sets them from the template). */
export const ADMISSION_ENV = {
  STATE_MACHINE_ARN: 'PROVISION_STATE_MACHINE_ARN',
  QUEUE_URL: 'ADMISSION_QUEUE_URL',
  MAX_CONCURRENT: 'MAX_CONCURRENT_PROVISIONS',
} as const;

export interface AdmissionSettings {
  readonly stateMachineArn: string;
  readonly queueUrl: string;
  /** At most this many provision executions run at once (the template's MaxConcurrentProvisions). */
  readonly bound: number;
}

export function admissionSettings(env: Env = process.env): AdmissionSettings {
  return {
    stateMachineArn: required(env, ADMISSION_ENV.STATE_MACHINE_ARN),
    queueUrl: required(env, ADMISSION_ENV.QUEUE_URL),
    bound: positiveInt(env, ADMISSION_ENV.MAX_CONCURRENT, 20),
  };
}
