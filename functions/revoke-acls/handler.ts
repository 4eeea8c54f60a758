// RevokeAcls: the domain's managed scope leaves the cluster, sealed first, then every ALLOW binding
// of its principals and on its topics (lib/kafka/revoke.ts). Topics are deleted only with
// DECOMMISSION_DELETE_TOPICS=true. Computed from the live ACLs each time: a retry converges.
import { decommissionSettings, provisionConfig } from '../../lib/aws/env-config.js';
import { connectAdmin, withAdmin, type AdminConnection } from '../../lib/kafka/connect.js';
import { revokeDomainAccess, type AccessRevocation } from '../../lib/kafka/revoke.js';
import { instrument, logger } from '../../lib/observability.js';
import { Correlated, DomainId, parseInput } from '../_shared/input.js';
import type { z } from 'zod';

const Input = Correlated.extend({ domain: DomainId });
export type RevokeAclsInput = z.input<typeof Input>;

export async function revokeAcls(
  event: RevokeAclsInput,
  deps: { admin?: () => Promise<AdminConnection> } = {},
): Promise<AccessRevocation> {
  const { domain } = parseInput(Input, event);
  const { deleteTopics } = decommissionSettings();
  const r = await withAdmin(deps.admin ?? (() => connectAdmin()), 'revoking the ACLs of a removed spec', (conn) =>
    revokeDomainAccess(conn.admin, domain, { deleteTopics, config: provisionConfig() }),
  );
  logger.info('acls revoked', { aclsDeleted: r.aclsDeleted, sealed: r.sealCreated, topics: r.topicCount });
  return r;
}

export const handler = instrument('RevokeAcls', (event: RevokeAclsInput) => revokeAcls(event));
