// The AWS calls of decommissioning (docs/architecture.md#decommission): the spec's versions, SCRAM
// disassociation and the secret's scheduled deletion, certificate revocation. Each call is safe to
// repeat: what is already done is reported as such, never as an error.
import { BatchDisassociateScramSecretCommand, type KafkaClient } from '@aws-sdk/client-kafka';
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RevokeCertificateCommand, type ACMPCAClient, type RevocationReason } from '@aws-sdk/client-acm-pca';
import { REVOCATION_REASON, type SpecVersion } from '../decommission/index.js';
import { ScramDisassociationPending, awsErrorName } from '../errors.js';
import { MAX_SCRAM_SECRETS_PER_CALL } from './msk.js';
import { SPEC_PREFIX } from './specs.js';

/**
 * Every version and delete marker under `specs/` (ListObjectVersions, Amazon S3 API Reference:
 * pages of at most 1000 entries, continued with NextKeyMarker and NextVersionIdMarker).
 */
export async function listSpecVersions(s3: S3Client, bucket: string): Promise<SpecVersion[]> {
  const out: SpecVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: SPEC_PREFIX,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
      }),
    );
    for (const v of page.Versions ?? [])
      out.push({ key: v.Key!, isLatest: v.IsLatest === true, deleteMarker: false, lastModified: iso(v.LastModified) });
    for (const m of page.DeleteMarkers ?? [])
      out.push({ key: m.Key!, isLatest: m.IsLatest === true, deleteMarker: true, lastModified: iso(m.LastModified) });
    if (!page.IsTruncated) return out;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}

const iso = (d: Date | undefined): string => (d ?? new Date(0)).toISOString();

const NOT_ASSOCIATED = /not associated|isn't associated|is not associated/i;

/**
 * BatchDisassociateScramSecret in calls of at most 10 (Amazon MSK API Reference, "Cluster SCRAM
 * Secrets", PATCH): UnprocessedScramSecrets is read even on HTTP 200; a secret MSK reports as not
 * associated is already done. Anything else unprocessed fails the call, so the state retries it.
 */
export async function disassociateScramSecrets(
  client: KafkaClient,
  clusterArn: string,
  secretArns: readonly string[],
): Promise<{ disassociated: string[]; notAssociated: string[] }> {
  const disassociated: string[] = [];
  const notAssociated: string[] = [];
  const failed: string[] = [];
  const todo = [...new Set(secretArns)];
  for (let i = 0; i < todo.length; i += MAX_SCRAM_SECRETS_PER_CALL) {
    const chunk = todo.slice(i, i + MAX_SCRAM_SECRETS_PER_CALL);
    const out = await client.send(
      new BatchDisassociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: chunk }),
    );
    const unprocessed = new Map((out.UnprocessedScramSecrets ?? []).map((u) => [u.SecretArn ?? '', u]));
    for (const arn of chunk) {
      const u = unprocessed.get(arn);
      if (!u) disassociated.push(arn);
      else if (NOT_ASSOCIATED.test(u.ErrorMessage ?? '')) notAssociated.push(arn);
      else failed.push(`${arn}: ${u.ErrorCode ?? 'error'} ${u.ErrorMessage ?? ''}`.trim());
    }
  }
  if (failed.length > 0)
    throw new ScramDisassociationPending(`MSK did not disassociate SCRAM secret(s): ${failed.join('; ')}`);
  return { disassociated, notAssociated };
}

export interface SecretState {
  readonly arn: string;
  readonly name: string;
  /** Set when the secret is scheduled for deletion: when that was asked (DescribeSecret DeletedDate). */
  readonly deletedAt?: string;
}

export async function describeSecret(client: SecretsManagerClient, name: string): Promise<SecretState | undefined> {
  try {
    const d = await client.send(new DescribeSecretCommand({ SecretId: name }));
    return {
      arn: d.ARN!,
      name: d.Name ?? name,
      ...(d.DeletedDate ? { deletedAt: d.DeletedDate.toISOString() } : {}),
    };
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/**
 * Schedules the secret for deletion with a recovery window (DeleteSecret RecoveryWindowInDays,
 * 7-30; Secrets Manager API Reference), so EnsureScramSecret's RestoreSecret brings the same
 * password back if the spec returns within it. A secret already scheduled keeps its date.
 */
export async function scheduleSecretDeletion(
  client: SecretsManagerClient,
  secret: SecretState,
  recoveryDays: number,
): Promise<{ deletionDate: string; scheduled: boolean }> {
  // Already scheduled (an earlier run): DescribeSecret tells when, not the window it was given;
  // the configured window is the one our runs use.
  if (secret.deletedAt)
    return {
      deletionDate: new Date(Date.parse(secret.deletedAt) + recoveryDays * 86_400_000).toISOString(),
      scheduled: false,
    };
  const out = await client.send(new DeleteSecretCommand({ SecretId: secret.arn, RecoveryWindowInDays: recoveryDays }));
  return {
    deletionDate: (out.DeletionDate ?? new Date(Date.now() + recoveryDays * 86_400_000)).toISOString(),
    scheduled: true,
  };
}

/**
 * RevokeCertificate with reason CESSATION_OF_OPERATION (AWS Private CA API Reference). An already
 * revoked serial answers RequestAlreadyProcessedException: done. MSK checks no CRL (Amazon MSK
 * Developer Guide, "Mutual TLS client authentication"), so this is for the audit trail and for
 * clients that do check; access itself ends with the ACLs.
 */
export async function revokeCertificate(
  client: ACMPCAClient,
  caArn: string,
  serial: string,
): Promise<'REVOKED' | 'ALREADY_REVOKED'> {
  try {
    await client.send(
      new RevokeCertificateCommand({
        CertificateAuthorityArn: caArn,
        CertificateSerial: serial,
        RevocationReason: REVOCATION_REASON as RevocationReason,
      }),
    );
    return 'REVOKED';
  } catch (e) {
    if (awsErrorName(e) === 'RequestAlreadyProcessedException') return 'ALREADY_REVOKED';
    throw e;
  }
}
