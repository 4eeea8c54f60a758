// FindOrphans: the reprovision workflow's second half. What belongs to no spec in the bucket
// (lib/decommission findOrphans): pipeline-tagged AmazonMSK_ secrets, associated SCRAM users, cert
// index entries, ACLs of our principals in their managed scope. It writes the reprovision report
// (reports/_reprovision/orphans.json, by kind) and returns the domains and ORPHAN_MODE: REPORT
// (default) stops there, DECOMMISSION has the workflow start one decommission run per domain.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { listKeys } from '../../lib/aws/cert-store.js';
import { kafkaClient, s3Client, secretsClient } from '../../lib/aws/clients.js';
import {
  certBucket,
  clusterArn,
  decommissionSettings,
  kafkaAdminSettings,
  provisionConfig,
  secretNamePrefix,
  specBucket,
} from '../../lib/aws/env-config.js';
import { listScramSecrets } from '../../lib/aws/msk.js';
import { listSpecKeys } from '../../lib/aws/specs.js';
import { INDEX_PREFIX } from '../../lib/cert/policy.js';
import { findOrphans } from '../../lib/decommission/index.js';
import { connectAdmin, type AdminConnection } from '../../lib/kafka/connect.js';
import { classifyKafkaError } from '../../lib/kafka/errors.js';
import { fromKafkaJsResources } from '../../lib/kafka/index.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from '../../lib/kafka/kafkajs.js';
import { domainFromKey } from '../../lib/spec/key.js';
import { instrument, logger, type Correlated } from '../../lib/observability.js';

export const ORPHAN_REPORT_KEY = 'reports/_reprovision/orphans.json';

export async function findOrphanDomains(
  event: Correlated & { executionId?: string },
  deps: {
    s3?: S3Client;
    kafka?: KafkaClient;
    secrets?: SecretsManagerClient;
    admin?: () => Promise<AdminConnection>;
  } = {},
): Promise<object> {
  const s3 = deps.s3 ?? s3Client();
  const prefix = secretNamePrefix();
  const specDomains = (await listSpecKeys(s3, specBucket())).map(domainFromKey).filter((d): d is string => !!d);
  const secrets: { name: string; arn: string; domainTag?: string }[] = [];
  let token: string | undefined;
  do {
    const page = await (deps.secrets ?? secretsClient()).send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 100, NextToken: token }),
    );
    for (const s of page.SecretList ?? []) {
      const tag = s.Tags?.find((t) => t.Key === 'msk-spec:domain')?.Value;
      secrets.push({ name: s.Name!, arn: s.ARN!, ...(tag ? { domainTag: tag } : {}) });
    }
    token = page.NextToken;
  } while (token);
  const associatedSecretArns = await listScramSecrets(deps.kafka ?? kafkaClient(), clusterArn());
  const indexDomains = (await listKeys(s3, certBucket(), INDEX_PREFIX)).map(
    (k) => k.slice(INDEX_PREFIX.length).split('/')[0]!,
  );
  const conn = await (deps.admin ?? (() => connectAdmin()))();
  let acls;
  try {
    const r = await conn.admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    acls = fromKafkaJsResources(r.resources).bindings;
  } catch (e) {
    throw classifyKafkaError(e, { operation: 'reading the ACLs for orphans' });
  } finally {
    await conn.close();
  }
  const admin = kafkaAdminSettings().adminSecretArn;
  const o = findOrphans({
    specDomains,
    secretNamePrefix: prefix,
    secrets,
    associatedSecretArns,
    excludedSecretArns: admin ? [admin] : [],
    indexDomains,
    acls,
    config: provisionConfig(),
  });
  const mode = decommissionSettings().orphanMode;
  const report = {
    status: 'ORPHANS',
    mode,
    executionId: event.executionId ?? null,
    domains: o.domains,
    orphans: { secrets: o.secrets, scramUsers: o.scramUsers, certificateIndex: o.certificateIndex, acls: o.acls },
  };
  // No SSE header: the bucket's default key encrypts it, as the workflows' reports.
  await s3.send(
    new PutObjectCommand({
      Bucket: specBucket(),
      Key: ORPHAN_REPORT_KEY,
      Body: JSON.stringify(report, null, 2),
      ContentType: 'application/json',
    }),
  );
  const counts = {
    secrets: o.secrets.length,
    scramUsers: o.scramUsers.length,
    certificateIndex: o.certificateIndex.length,
    acls: o.acls.length,
  };
  logger.info('orphans found', { mode, domains: o.domains.length, ...counts });
  return { mode, reportKey: ORPHAN_REPORT_KEY, counts, domains: o.domains.slice(0, 200) };
}

export const handler = instrument('FindOrphans', (event: Correlated & { executionId?: string }) =>
  findOrphanDomains(event),
);
