// The reprovision workflow's orphan pass (docs/architecture.md#decommission): the inventory of what
// the pipeline made — pipeline-tagged AmazonMSK_ secrets, associated SCRAM users, certificate index
// entries, every ACL — held against the specs in the bucket (lib/decommission findOrphans), written
// to one report. All reads are List/Describe calls; nothing is changed here.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { paginateListSecrets, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProvisionConfig } from '../config.js';
import { INDEX_PREFIX } from '../cert/policy.js';
import { findOrphans, type Orphans } from '../decommission/index.js';
import type { AclBinding } from '../access/types.js';
import { domainFromKey } from '../spec/key.js';
import { listKeys } from './cert-store.js';
import { listScramSecrets } from './msk.js';
import { SECRET_DOMAIN_TAG } from './secrets.js';
import { listSpecKeys } from './specs.js';

export const ORPHAN_REPORT_KEY = 'reports/_reprovision/orphans.json';

export interface OrphanScanContext {
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  readonly kafka: KafkaClient;
  readonly specBucket: string;
  readonly certBucket: string;
  readonly clusterArn: string;
  readonly secretNamePrefix: string;
  /** Never an orphan: the Kafka admin's own secret. */
  readonly adminSecretArn?: string;
  readonly config: ProvisionConfig;
  /** Every ACL on the cluster (lib/kafka readAllAcls on an admin connection). */
  readonly readAcls: () => Promise<AclBinding[]>;
}

export interface OrphanScan {
  readonly orphans: Orphans;
  readonly counts: { secrets: number; scramUsers: number; certificateIndex: number; acls: number };
}

/** Secrets whose name starts with the prefix (ListSecrets, name filter), with the pipeline's domain tag. */
async function pipelineSecrets(client: SecretsManagerClient, prefix: string) {
  const out: { name: string; arn: string; domainTag?: string }[] = [];
  const pages = paginateListSecrets({ client }, { Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 100 });
  for await (const page of pages)
    for (const s of page.SecretList ?? []) {
      const tag = s.Tags?.find((t) => t.Key === SECRET_DOMAIN_TAG)?.Value;
      out.push({ name: s.Name!, arn: s.ARN!, ...(tag ? { domainTag: tag } : {}) });
    }
  return out;
}

export async function scanOrphans(ctx: OrphanScanContext): Promise<OrphanScan> {
  const specDomains = (await listSpecKeys(ctx.s3, ctx.specBucket)).map(domainFromKey).filter((d): d is string => !!d);
  const secrets = await pipelineSecrets(ctx.secrets, ctx.secretNamePrefix);
  const associatedSecretArns = await listScramSecrets(ctx.kafka, ctx.clusterArn);
  const indexDomains = (await listKeys(ctx.s3, ctx.certBucket, INDEX_PREFIX)).map(
    (k) => k.slice(INDEX_PREFIX.length).split('/')[0]!,
  );
  const orphans = findOrphans({
    specDomains,
    secretNamePrefix: ctx.secretNamePrefix,
    secrets,
    associatedSecretArns,
    excludedSecretArns: ctx.adminSecretArn ? [ctx.adminSecretArn] : [],
    indexDomains,
    acls: await ctx.readAcls(),
    config: ctx.config,
  });
  const { secrets: s, scramUsers, certificateIndex, acls } = orphans;
  const counts = {
    secrets: s.length,
    scramUsers: scramUsers.length,
    certificateIndex: certificateIndex.length,
    acls: acls.length,
  };
  return { orphans, counts };
}

/** The orphan report; no SSE header: the bucket's default key encrypts it, as the workflows' reports. */
export async function writeOrphanReport(
  s3: S3Client,
  bucket: string,
  scan: OrphanScan,
  meta: { readonly mode: string; readonly executionId: string | null },
): Promise<void> {
  const { domains, secrets, scramUsers, certificateIndex, acls } = scan.orphans;
  const report = { status: 'ORPHANS', ...meta, domains, orphans: { secrets, scramUsers, certificateIndex, acls } };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: ORPHAN_REPORT_KEY,
      Body: JSON.stringify(report, null, 2),
      ContentType: 'application/json',
    }),
  );
}
