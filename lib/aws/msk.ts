// MSK control plane: the cluster's client authentication, cluster trust for mTLS, SCRAM secret association, bootstrap brokers.
import {
  BatchAssociateScramSecretCommand,
  DescribeClusterV2Command,
  GetBootstrapBrokersCommand,
  ListScramSecretsCommand,
  type KafkaClient,
} from '@aws-sdk/client-kafka';
import { modesToRun, type ClientAuthMode, type ClusterAuth } from '../plan/cluster-auth.js';
import { ClusterTrustMissing, ScramAssociationFailed, ScramAssociationPending, ScramUserLimit } from '../errors.js';

export const MAX_SCRAM_SECRETS_PER_CALL = 10;
export const MAX_SCRAM_USERS_PER_CLUSTER = 1000;

export type { ClusterAuth } from '../plan/cluster-auth.js';

/**
 * The cluster's client authentication from DescribeClusterV2 (MSK API Reference 2.0, "Cluster"):
 * `ClusterType` PROVISIONED reads `Provisioned.ClientAuthentication` (SASL/SCRAM, SASL/IAM, TLS);
 * SERVERLESS reads `Serverless.ClientAuthentication`, which has SASL/IAM only.
 */
export async function describeClusterAuth(client: KafkaClient, clusterArn: string): Promise<ClusterAuth> {
  const out = await client.send(new DescribeClusterV2Command({ ClusterArn: clusterArn }));
  const info = out.ClusterInfo;
  if (info?.ClusterType === 'SERVERLESS') {
    return {
      type: 'SERVERLESS',
      scram: false,
      iam: info.Serverless?.ClientAuthentication?.Sasl?.Iam?.Enabled === true,
      tls: false,
      certificateAuthorityArns: [],
    };
  }
  const ca = info?.Provisioned?.ClientAuthentication;
  return {
    type: 'PROVISIONED',
    scram: ca?.Sasl?.Scram?.Enabled === true,
    iam: ca?.Sasl?.Iam?.Enabled === true,
    tls: ca?.Tls?.Enabled !== false && (ca?.Tls?.CertificateAuthorityArnList?.length ?? 0) > 0,
    certificateAuthorityArns: ca?.Tls?.CertificateAuthorityArnList ?? [],
  };
}

/**
 * mTLS clients can connect only if the cluster trusts the PCA that signs their certificates
 * (`ClientAuthentication.Tls.CertificateAuthorityArnList`). Decided on what DescribeClusterV2 said
 * in this run: an operator can change the list at any time (UpdateSecurity), so no answer is kept
 * between runs.
 */
export function requireTrust(auth: ClusterAuth, clusterArn: string, pcaArn: string): void {
  if (!auth.certificateAuthorityArns.includes(pcaArn))
    throw new ClusterTrustMissing(clusterArn, pcaArn, auth.certificateAuthorityArns);
}

export async function assertClusterTrustsPca(client: KafkaClient, clusterArn: string, pcaArn: string): Promise<void> {
  requireTrust(await describeClusterAuth(client, clusterArn), clusterArn, pcaArn);
}

/**
 * The secret name in a Secrets Manager ARN: Secrets Manager appends a hyphen and six random
 * characters to the name (Secrets Manager User Guide, "ARN of a secret").
 */
export function secretNameOfArn(arn: string): string | undefined {
  return /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn)?.[1];
}

/**
 * Room for the domain's SCRAM user, decided before anything is created (PlanAgainstCluster): MSK
 * allows at most 1000 per cluster (docs/facts.md#scram-secrets). No new user is needed when a
 * secret of this name is associated already.
 *
 * A race remains: two runs that each see the last slot free both pass here. The one that
 * associates second meets the limit in associateScramSecrets (ListScramSecrets again, just before
 * BatchAssociateScramSecret), and AssociateScramSecrets then schedules the secret it holds for
 * deletion, so no unassociated secret is left; the next run restores it (EnsureScramSecret) and
 * tries again. (Two runs between that list and MSK's call would meet MSK's own refusal, whose
 * wording is not documented: that error fails the run like any other, and the unassociated secret
 * is what test/support/orphans.ts reports.)
 */
export async function requireScramRoom(client: KafkaClient, clusterArn: string, secretName: string): Promise<void> {
  const associated = await listScramSecrets(client, clusterArn);
  if (associated.some((arn) => secretNameOfArn(arn) === secretName)) return;
  if (associated.length + 1 > MAX_SCRAM_USERS_PER_CLUSTER)
    throw new ScramUserLimit(clusterArn, associated.length, 1, MAX_SCRAM_USERS_PER_CLUSTER);
}

/**
 * What PlanAgainstCluster asks of MSK before anything is created, all on this run's answers: the
 * configured modes are offered (one DescribeClusterV2); with mTLS, the cluster trusts the PCA (the
 * same answer); with SCRAM, the cluster has room for the domain's user (ListScramSecrets). Returns
 * the modes to run.
 */
export async function checkClusterFor<M extends ClientAuthMode>(
  client: KafkaClient,
  clusterArn: string,
  configured: readonly M[],
  need: { readonly pcaArn: () => string; readonly scramSecretName: () => string },
): Promise<readonly M[]> {
  const auth = await describeClusterAuth(client, clusterArn);
  const modes = modesToRun(clusterArn, auth, configured);
  if (modes.includes('MTLS' as M)) requireTrust(auth, clusterArn, need.pcaArn());
  if (modes.includes('SCRAM' as M)) await requireScramRoom(client, clusterArn, need.scramSecretName());
  return modes;
}

export async function listScramSecrets(client: KafkaClient, clusterArn: string): Promise<string[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListScramSecretsCommand({ ClusterArn: clusterArn, MaxResults: 100, NextToken: token }),
    );
    arns.push(...(page.SecretArnList ?? []));
    token = page.NextToken;
  } while (token);
  return arns;
}

export interface AssociationResult {
  /** Newly associated by this call. */
  readonly associated: readonly string[];
  /** Listed before, or reported "already associated" by MSK. */
  readonly alreadyAssociated: readonly string[];
}

const ALREADY = /already associated/i;
/** InvalidSecretArn messages that retrying cannot fix. */
const PERMANENT = /must have the prefix|AmazonMSK_|different account|different region|default (AWS )?KMS key/i;

/**
 * Associates every ARN not yet associated, in calls of at most 10. Reads UnprocessedScramSecrets
 * even on HTTP 200: "already associated" counts as success, InvalidSecretArn (right after creation,
 * or KMS grant propagation) raises the retryable ScramAssociationPending, anything else fails.
 * The 1000-user limit is checked before any call.
 */
export async function associateScramSecrets(
  client: KafkaClient,
  clusterArn: string,
  secretArns: readonly string[],
): Promise<AssociationResult> {
  const existing = new Set(await listScramSecrets(client, clusterArn));
  const wanted = [...new Set(secretArns)];
  const todo = wanted.filter((a) => !existing.has(a));
  const already = wanted.filter((a) => existing.has(a));
  if (existing.size + todo.length > MAX_SCRAM_USERS_PER_CLUSTER)
    throw new ScramUserLimit(clusterArn, existing.size, todo.length, MAX_SCRAM_USERS_PER_CLUSTER);

  const associated: string[] = [];
  const pending: string[] = [];
  const failed: string[] = [];
  for (let i = 0; i < todo.length; i += MAX_SCRAM_SECRETS_PER_CALL) {
    const chunk = todo.slice(i, i + MAX_SCRAM_SECRETS_PER_CALL);
    const out = await client.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: chunk }),
    );
    const unprocessed = new Map((out.UnprocessedScramSecrets ?? []).map((u) => [u.SecretArn ?? '', u]));
    for (const arn of chunk) {
      const u = unprocessed.get(arn);
      if (!u) associated.push(arn);
      else if (ALREADY.test(u.ErrorMessage ?? '')) already.push(arn);
      else if (u.ErrorCode === 'InvalidSecretArn' && !PERMANENT.test(u.ErrorMessage ?? ''))
        pending.push(`${arn}: ${u.ErrorMessage ?? u.ErrorCode}`);
      else failed.push(`${arn}: ${u.ErrorCode ?? 'error'} ${u.ErrorMessage ?? ''}`.trim());
    }
  }
  if (failed.length > 0) throw new ScramAssociationFailed(`MSK refused SCRAM secret(s): ${failed.join('; ')}`);
  if (pending.length > 0)
    throw new ScramAssociationPending(`MSK did not accept SCRAM secret(s) yet: ${pending.join('; ')}`);
  return { associated, alreadyAssociated: already };
}

export type BrokerListener = 'IAM' | 'SCRAM' | 'TLS';

/**
 * GetBootstrapBrokers' string per listener (MSK API Reference, "Bootstrap Brokers"; ports 9098 IAM,
 * 9096 SCRAM, 9094 TLS, and 9198, 9196, 9194 for public access: Amazon MSK Developer Guide, "Port
 * information").
 */
const BOOTSTRAP_STRING = {
  IAM: { private: 'BootstrapBrokerStringSaslIam', public: 'BootstrapBrokerStringPublicSaslIam' },
  SCRAM: { private: 'BootstrapBrokerStringSaslScram', public: 'BootstrapBrokerStringPublicSaslScram' },
  TLS: { private: 'BootstrapBrokerStringTls', public: 'BootstrapBrokerStringPublicTls' },
} as const;

export async function bootstrapBrokers(
  client: KafkaClient,
  clusterArn: string,
  listener: BrokerListener,
  { publicAccess = false }: { readonly publicAccess?: boolean } = {},
): Promise<string[]> {
  const out = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  const s = out[BOOTSTRAP_STRING[listener][publicAccess ? 'public' : 'private']];
  if (!s)
    throw new Error(
      publicAccess
        ? `cluster ${clusterArn} has no public ${listener} bootstrap brokers; turn on public access for that authentication on the cluster`
        : `cluster ${clusterArn} has no ${listener} bootstrap brokers; enable that authentication on the cluster`,
    );
  return s.split(',');
}
