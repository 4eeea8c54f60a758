// AssociateScramSecrets' use case: the domain's secret becomes one of the cluster's SCRAM users, and
// a secret that cannot (the cluster is at its 1000-user limit) is not left behind unassociated.
//
// PlanAgainstCluster already refused a run when the cluster had no room (requireScramRoom), so the
// limit is met here only by a run that lost a race for the last slot. Its secret is then scheduled
// for deletion with the configured recovery window: not an orphan (the orphan scan skips secrets
// scheduled for deletion, as decommissioned domains' are), and the next run restores the same
// password (EnsureScramSecret's RestoreSecret) and associates it once there is room.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ScramUserLimit } from '../errors.js';
import { scheduleSecretDeletion } from './decommission.js';
import { associateScramSecrets, secretNameOfArn } from './msk.js';

export interface AssociationDeps {
  readonly kafka: KafkaClient;
  readonly secrets: SecretsManagerClient;
  readonly clusterArn: string;
  readonly recoveryDays: number;
}

/** NEW: associated by this call; EXISTING: it already was. */
export async function associateDomainSecret(deps: AssociationDeps, secretArn: string): Promise<'NEW' | 'EXISTING'> {
  try {
    const r = await associateScramSecrets(deps.kafka, deps.clusterArn, [secretArn]);
    return r.associated.includes(secretArn) ? 'NEW' : 'EXISTING';
  } catch (e) {
    if (!(e instanceof ScramUserLimit)) throw e;
    const name = secretNameOfArn(secretArn) ?? secretArn;
    const { deletionDate } = await scheduleSecretDeletion(deps.secrets, { arn: secretArn, name }, deps.recoveryDays);
    throw new ScramUserLimit(
      e.clusterArn,
      e.existing,
      e.adding,
      e.limit,
      `Another run took the last slot after this run's plan; its secret ${name} is not associated and is ` +
        `scheduled for deletion on ${deletionDate}: the next run restores it`,
    );
  }
}
