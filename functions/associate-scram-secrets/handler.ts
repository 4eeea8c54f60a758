// AssociateScramSecrets: the domain's secret is associated with the MSK cluster, so the brokers
// learn the SCRAM user (it can take MSK up to 10 minutes to propagate). ScramAssociationPending
// (InvalidSecretArn right after creation) is retried with backoff by the state machine.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { kafkaClient } from '../../lib/aws/clients.js';
import { clusterArn } from '../../lib/aws/env-config.js';
import { associateScramSecrets } from '../../lib/aws/msk.js';
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
  deps: { kafka?: KafkaClient } = {},
): Promise<AssociateScramSecretsOutput> {
  const domain = requireDomain(event.domain);
  const secretArn = requireString(event as unknown as Record<string, unknown>, 'secretArn');
  const r = await associateScramSecrets(deps.kafka ?? kafkaClient(), clusterArn(), [secretArn]);
  const association = r.associated.includes(secretArn) ? 'NEW' : 'EXISTING';
  if (association === 'NEW') metrics.addMetric('ScramSecretsAssociated', MetricUnit.Count, 1);
  logger.info('scram secret associated', { secretArn, association });
  return { domain, secretArn, association };
}

export const handler = instrument('AssociateScramSecrets', (event: AssociateScramSecretsInput) => associate(event));
