// RevokeScramSecret: the domain's SCRAM user leaves the cluster (BatchDisassociateScramSecret: MSK
// removes the user from the brokers), then its secret is scheduled for deletion with a recovery
// window, so a spec restored within it gets the same password back (EnsureScramSecret restores a
// secret scheduled for deletion). Repeatable: a secret already gone, disassociated or scheduled is
// reported as such. The secret's value is never read.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { kafkaClient, secretsClient } from '../../lib/aws/clients.js';
import { describeSecret, disassociateScramSecrets, scheduleSecretDeletion } from '../../lib/aws/decommission.js';
import { clusterArn, decommissionSettings, secretNamePrefix } from '../../lib/aws/env-config.js';
import { scramSecretName } from '../../lib/aws/secrets.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { requireDomain } from '../_shared/input.js';

export interface RevokeScramInput extends Correlated {
  readonly domain: string;
}

export async function revokeScram(
  event: RevokeScramInput,
  deps: { kafka?: KafkaClient; secrets?: SecretsManagerClient } = {},
): Promise<object> {
  const domain = requireDomain(event.domain);
  const sm = deps.secrets ?? secretsClient();
  const name = scramSecretName(secretNamePrefix(), domain);
  const secret = await describeSecret(sm, name);
  if (!secret) {
    logger.info('no scram secret', { secretName: name });
    return { domain, secretName: name, secret: 'NONE' };
  }
  const r = await disassociateScramSecrets(deps.kafka ?? kafkaClient(), clusterArn(), [secret.arn]);
  const association = r.disassociated.length > 0 ? 'DISASSOCIATED' : 'NOT_ASSOCIATED';
  const deletion = await scheduleSecretDeletion(sm, secret, decommissionSettings().secretRecoveryDays);
  if (association === 'DISASSOCIATED') metrics.addMetric('ScramSecretsDisassociated', MetricUnit.Count, 1);
  logger.info('scram secret revoked', { secretArn: secret.arn, association, deletionDate: deletion.deletionDate });
  return {
    domain,
    secretName: name,
    secretArn: secret.arn,
    secret: deletion.scheduled ? 'DELETION_SCHEDULED' : 'ALREADY_SCHEDULED',
    association,
    deletionDate: deletion.deletionDate,
  };
}

export const handler = instrument('RevokeScramSecret', (event: RevokeScramInput) => revokeScram(event));
