// IssueCertificate: a new key pair and a PCA request for the domain when its certificate is due
// (or missing, or `force`); otherwise CURRENT. The use case, its key handling and its idempotency
// are in lib/aws/certificates.ts.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { issueIfDue, type IssueOutcome } from '../../lib/aws/certificates.js';
import { kafkaClient, pcaClient, s3Client } from '../../lib/aws/clients.js';
import { certBucket, certificateSettings, clusterArn, kmsKeyArn } from '../../lib/aws/env-config.js';
import { instrument } from '../../lib/observability.js';
import { Correlated, DomainId, optionalDate, parseInput } from '../_shared/input.js';

const Input = Correlated.extend({
  domain: DomainId,
  /** Issue even when the current certificate is not due. */
  force: z.boolean().optional(),
  /** The clock for the renewal decision (the schedule's event time); defaults to now. */
  now: z.string().nullish(),
});
export type IssueCertificateInput = z.input<typeof Input>;
export type IssueCertificateOutput = IssueOutcome;

export async function issue(
  event: IssueCertificateInput,
  deps: { s3?: S3Client; pca?: ACMPCAClient; kafka?: KafkaClient } = {},
): Promise<IssueCertificateOutput> {
  const { domain, force, now } = parseInput(Input, event);
  const ctx = {
    s3: deps.s3 ?? s3Client(),
    pca: deps.pca ?? pcaClient(),
    kafka: deps.kafka ?? kafkaClient(),
    bucket: certBucket(),
    kmsKeyId: kmsKeyArn(),
    clusterArn: clusterArn(),
    settings: certificateSettings(),
  };
  return issueIfDue(ctx, { domain, now: optionalDate(now), ...(force === undefined ? {} : { force }) });
}

export const handler = instrument('IssueCertificate', (event: IssueCertificateInput) => issue(event));
