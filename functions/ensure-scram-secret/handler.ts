// EnsureScramSecret: the domain's SCRAM secret `AmazonMSK_<prefix><D>` exists, under the customer
// KMS key, not scheduled for deletion. The password is generated and stored inside ensureScramSecret;
// only the ARN leaves this function.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsClient } from '../../lib/aws/clients.js';
import { kmsKeyArn, secretNamePrefix } from '../../lib/aws/env-config.js';
import { ensureScramSecret, scramSecretName } from '../../lib/aws/secrets.js';
import { instrument, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { requireDomain } from '../_shared/input.js';

export interface EnsureScramSecretInput extends Correlated {
  readonly domain: string;
}

export interface EnsureScramSecretOutput {
  readonly domain: string;
  readonly secretArn: string;
  readonly secretName: string;
  readonly action: 'CREATED' | 'RESTORED' | 'EXISTING';
}

export async function ensureSecret(
  event: EnsureScramSecretInput,
  deps: { secrets?: SecretsManagerClient } = {},
): Promise<EnsureScramSecretOutput> {
  const domain = requireDomain(event.domain);
  const name = scramSecretName(secretNamePrefix(), domain);
  const r = await ensureScramSecret(deps.secrets ?? secretsClient(), { name, username: domain, kmsKeyId: kmsKeyArn() });
  if (r.action !== 'EXISTING')
    metrics.addMetric(r.action === 'CREATED' ? 'ScramSecretsCreated' : 'ScramSecretsRestored', MetricUnit.Count, 1);
  logger.info('scram secret ready', { secretArn: r.arn, action: r.action });
  return { domain, secretArn: r.arn, secretName: name, action: r.action };
}

export const handler = instrument('EnsureScramSecret', (event: EnsureScramSecretInput) => ensureSecret(event));
