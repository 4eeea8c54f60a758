// AssociateScramSecrets: the domain's secret is associated with the MSK cluster, so the brokers
// learn the SCRAM user (it can take MSK up to 10 minutes to propagate). ScramAssociationPending
// (InvalidSecretArn right after creation) is retried with backoff by the state machine. A run that
// lost the race for the cluster's last SCRAM slot schedules its secret for deletion and fails
// (ScramUserLimit; lib/aws/scram-association.ts).
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { kafkaClient, secretsClient } from '../../lib/aws/clients.js';
import { clusterArn, secretRecoveryDays } from '../../lib/aws/env-config.js';
import { associateDomainSecret } from '../../lib/aws/scram-association.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { requireDomain, requireString } from '../_shared/input.js';

export interface AssociateScramSecretsInput extends Correlated {
  readonly domain: string;
  readonly secretArn: string;
}

export interface AssociateScramSecretsOutput {
  readonly domain: string;
  readonly secretArn: string;
  /** NEW: associated by this run; EXISTING: it already was. */
  readonly association: 'NEW' | 'EXISTING';
}

export async function associate(
  event: AssociateScramSecretsInput,
  deps: { kafka?: KafkaClient; secrets?: SecretsManagerClient } = {},
): Promise<AssociateScramSecretsOutput> {
  const domain = requireDomain(event.domain);
  const secretArn = requireString(event as unknown as Record<string, unknown>, 'secretArn');
  const association = await associateDomainSecret(
    {
      kafka: deps.kafka ?? kafkaClient(),
      secrets: deps.secrets ?? secretsClient(),
      clusterArn: clusterArn(),
      recoveryDays: secretRecoveryDays(),
    },
    secretArn,
  );
  if (association === 'NEW') metrics.addMetric('ScramSecretsAssociated', MetricUnit.Count, 1);
  logger.info('scram secret associated', { secretArn, association });
  return { domain, secretArn, association };
}

export const handler = instrument('AssociateScramSecrets', (event: AssociateScramSecretsInput) => associate(event));
