// Typed errors whose `name`s are a contract with the state machines: Step Functions matches a
// Lambda's failure by `errorType`, which the Node runtime takes from `error.name`. Retry and Catch
// clauses in state-machines/*.asl.yaml name these strings, so renaming one is a breaking change.
//
// Messages never carry secret material (passwords, private keys, secret values): they are copied
// into execution history, reports and logs, which many people can read.

/** Names the state machines retry on (transient) or catch (terminal). */
export const ERROR_NAMES = {
  /** The spec was refused (parse/validation/key binding). Terminal. Message is JSON, see SpecRefusedPayload. */
  SpecRefused: 'SpecRefused',
  /** The planner refused (mass-deletion guard, topic deletion, conflicting settings). Terminal. */
  PlanRefused: 'PlanRefused',
  /** The MSK cluster does not trust the configured PCA. Terminal until an operator fixes the cluster. */
  ClusterTrustMissing: 'ClusterTrustMissing',
  /** The cluster would exceed MSK's 1000 SCRAM users. Terminal. */
  ScramUserLimit: 'ScramUserLimit',
  /** MSK did not (yet) accept a SCRAM secret, e.g. InvalidSecretArn right after creation. Retryable. */
  ScramAssociationPending: 'ScramAssociationPending',
  /** MSK refused a SCRAM secret for a reason retrying will not fix. Terminal. */
  ScramAssociationFailed: 'ScramAssociationFailed',
  /** MSK left a SCRAM secret associated (UnprocessedScramSecrets on disassociation). Retryable. */
  ScramDisassociationPending: 'ScramDisassociationPending',
  /** The SCRAM secret exists but is not encrypted with the configured customer-managed key. Terminal. */
  SecretKeyMismatch: 'SecretKeyMismatch',
  /** The issued certificate does not match the key we generated, or is otherwise unusable. Terminal. */
  CertificateMismatch: 'CertificateMismatch',
  /** A Kafka call failed in a way that can succeed later (connection, leader election, timeout). Retryable. */
  KafkaTransient: 'KafkaTransient',
  /** A Kafka call was refused for good (authorization, invalid config). Terminal. */
  KafkaRefused: 'KafkaRefused',
  /** The function's environment is incomplete or contradictory. Terminal (a deployment bug). */
  ConfigurationError: 'ConfigurationError',
  /** An IAM grants index object kept changing under concurrent runs (lib/aws/iam-index-store.ts). Retryable. */
  IamIndexContention: 'IamIndexContention',
} as const;

export type ErrorName = (typeof ERROR_NAMES)[keyof typeof ERROR_NAMES];

/** Base class: a stable `name` and an optional `retryable` hint for callers outside Step Functions. */
export class ProvisioningError extends Error {
  constructor(
    override readonly name: ErrorName,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** What a refused spec reports: everything the FAILED report needs, as JSON in the error message. */
export interface SpecRefusedPayload {
  /** The domain the report is about (from the spec id, else from the key), or null when neither is usable. */
  readonly domain: string | null;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  /** Where the FAILED report goes (reports/<D>.json, or reports/_unknown/<sanitized key>.json). */
  readonly reportKey: string;
  readonly issues: readonly { file: string; path: string; rule: string; message: string }[];
}

/**
 * The message is the JSON payload, so the provision state machine can recover it without code:
 * Lambda puts `{"errorType","errorMessage",...}` in the Catch's `Cause`, the ASL parses it with
 * `States.StringToJson` twice and writes the issues into the report.
 */
export class SpecRefused extends ProvisioningError {
  readonly payload: SpecRefusedPayload;
  constructor(payload: SpecRefusedPayload) {
    const bounded = boundRefusal(payload);
    super(ERROR_NAMES.SpecRefused, JSON.stringify(bounded));
    this.payload = bounded;
  }
}

/**
 * Step Functions keeps at most 32,768 characters of an error's Cause, and Lambda's Cause wraps the
 * message in JSON (escaping it once more). A truncated payload would not parse, and the refusal
 * would lose its report, so the message is kept well under the limit: messages are cut to 500
 * characters and issues dropped from the end, with a last issue saying how many were left out.
 */
export const MAX_REFUSAL_CHARS = 12_000;

function boundRefusal(p: SpecRefusedPayload): SpecRefusedPayload {
  const cut = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);
  const issues = p.issues.map((i) => ({
    file: cut(i.file, 300),
    path: cut(i.path, 300),
    rule: cut(i.rule, 60),
    message: cut(i.message, 500),
  }));
  const size = (xs: typeof issues) => JSON.stringify(JSON.stringify({ ...p, issues: xs })).length;
  let kept = issues;
  while (kept.length > 1 && size(kept) > MAX_REFUSAL_CHARS)
    kept = kept.slice(0, Math.max(1, Math.floor(kept.length * 0.8)));
  if (kept.length < issues.length) {
    kept = [
      ...kept,
      {
        file: kept[0]?.file ?? p.key,
        path: '$',
        rule: 'more-issues',
        message: `${issues.length - kept.length} more issue(s) not shown`,
      },
    ];
  }
  return { ...p, key: cut(p.key, 1024), issues: kept };
}

export class PlanRefused extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.PlanRefused, message);
  }
}

export class ClusterTrustMissing extends ProvisioningError {
  constructor(clusterArn: string, pcaArn: string, trusted: readonly string[]) {
    super(
      ERROR_NAMES.ClusterTrustMissing,
      `cluster ${clusterArn} does not trust ${pcaArn}: ClientAuthentication.Tls.CertificateAuthorityArnList is ` +
        `[${trusted.join(', ')}]; add the PCA to the cluster's TLS client authentication before provisioning mTLS`,
    );
  }
}

export class ScramUserLimit extends ProvisioningError {
  constructor(
    readonly clusterArn: string,
    readonly existing: number,
    readonly adding: number,
    readonly limit: number,
    after?: string,
  ) {
    super(
      ERROR_NAMES.ScramUserLimit,
      `cluster ${clusterArn} has ${existing} SCRAM secrets associated, MSK's limit of ${limit} per cluster: ` +
        `associating ${adding} more would exceed it; disassociate unused SCRAM users (BatchDisassociateScramSecret) ` +
        `and run again` +
        (after ? `. ${after}` : ''),
    );
  }
}

export class ScramAssociationPending extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.ScramAssociationPending, message, true);
  }
}

export class ScramDisassociationPending extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.ScramDisassociationPending, message, true);
  }
}

export class ScramAssociationFailed extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.ScramAssociationFailed, message);
  }
}

export class SecretKeyMismatch extends ProvisioningError {
  constructor(secretName: string, actual: string | undefined, expected: string) {
    super(
      ERROR_NAMES.SecretKeyMismatch,
      `secret ${secretName} is encrypted with ${actual ?? 'the default aws/secretsmanager key'}, not the configured ` +
        `customer-managed key ${expected}; MSK cannot read secrets under the default key`,
    );
  }
}

export class CertificateMismatch extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.CertificateMismatch, message);
  }
}

export class KafkaTransient extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.KafkaTransient, message, true);
  }
}

export class KafkaRefused extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.KafkaRefused, message);
  }
}

export class ConfigurationError extends ProvisioningError {
  constructor(message: string) {
    super(ERROR_NAMES.ConfigurationError, message);
  }
}

/** The AWS SDK's error name (`ThrottlingException`, `ResourceNotFoundException`, ...), if any. */
export function awsErrorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string'
    ? err.name
    : undefined;
}
