// FindOrphans: the reprovision workflow's second half. What belongs to no spec in the bucket
// (lib/aws/orphans.ts): it writes reports/_reprovision/orphans.json and returns the domains and
// ORPHAN_MODE: REPORT (default) stops there, DECOMMISSION has the workflow decommission each domain.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { kafkaClient, s3Client, secretsClient } from '../../lib/aws/clients.js';
import * as env from '../../lib/aws/env-config.js';
import { ORPHAN_REPORT_KEY, scanOrphans, writeOrphanReport } from '../../lib/aws/orphans.js';
import { connectAdmin, withAdmin, type AdminConnection } from '../../lib/kafka/connect.js';
import { readAllAcls } from '../../lib/kafka/read.js';
import { instrument, logger } from '../../lib/observability.js';
import { Correlated, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({ executionId: z.string().optional() });
export type FindOrphansInput = z.input<typeof Input>;
type Deps = {
  s3?: S3Client;
  kafka?: KafkaClient;
  secrets?: SecretsManagerClient;
  admin?: () => Promise<AdminConnection>;
};

export async function findOrphanDomains(event: FindOrphansInput, deps: Deps = {}) {
  const { executionId } = parseInput(Input, event);
  const [s3, connect] = [deps.s3 ?? s3Client(), deps.admin ?? (() => connectAdmin())];
  const adminSecretArn = env.kafkaAdminSettings().adminSecretArn;
  const scan = await scanOrphans({
    s3,
    secrets: deps.secrets ?? secretsClient(),
    kafka: deps.kafka ?? kafkaClient(),
    specBucket: env.specBucket(),
    certBucket: env.certBucket(),
    clusterArn: env.clusterArn(),
    secretNamePrefix: env.secretNamePrefix(),
    config: env.provisionConfig(),
    ...(adminSecretArn ? { adminSecretArn } : {}),
    readAcls: () => withAdmin(connect, 'reading the ACLs for orphans', (c) => readAllAcls(c.admin)),
  });
  const mode = env.decommissionSettings().orphanMode;
  await writeOrphanReport(s3, env.specBucket(), scan, { mode, executionId: executionId ?? null });
  logger.info('orphans found', { mode, domains: scan.orphans.domains.length, ...scan.counts });
  return { mode, reportKey: ORPHAN_REPORT_KEY, counts: scan.counts, domains: scan.orphans.domains.slice(0, 200) };
}

export const handler = instrument('FindOrphans', (event: FindOrphansInput) => findOrphanDomains(event));
