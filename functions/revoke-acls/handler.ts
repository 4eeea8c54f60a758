// RevokeAcls: the domain's managed scope leaves the cluster (lib/decommission aclRevocation): the
// seal first (one ALLOW for a principal nobody holds on TOPIC PREFIXED `D.`, so that no client,
// even with allow.everyone.if.no.acl.found=true, reaches D's topics at any moment), then every
// ALLOW binding of D's principals and on D's topics. Topics are listed, and deleted only with
// DECOMMISSION_DELETE_TOPICS=true. Computed from the live ACLs each time: a retry converges.
import { allPrincipalsOf } from '../../lib/access/bindings.js';
import { decommissionSettings } from '../../lib/aws/env-config.js';
import { aclRevocation } from '../../lib/decommission/index.js';
import { applyPlan, readAcls } from '../../lib/kafka/index.js';
import { connectAdmin, type AdminConnection } from '../../lib/kafka/connect.js';
import { classifyKafkaError } from '../../lib/kafka/errors.js';
import { instrument, logger, type Correlated } from '../../lib/observability.js';
import { requireDomain } from '../_shared/input.js';

export interface RevokeAclsInput extends Correlated {
  readonly domain: string;
}

const NONE = { topicsToCreate: [], partitionIncreases: [], configChanges: [] };

export async function revokeAcls(
  event: RevokeAclsInput,
  deps: { admin?: () => Promise<AdminConnection> } = {},
): Promise<object> {
  const domain = requireDomain(event.domain);
  const settings = decommissionSettings();
  const conn = await (deps.admin ?? (() => connectAdmin()))();
  try {
    const current = await readAcls(conn.admin, { topicPrefixes: [`${domain}.`], principals: allPrincipalsOf(domain) });
    const r = aclRevocation(current, domain);
    await applyPlan(conn.admin, { ...NONE, aclsToCreate: r.toCreate, aclsToDelete: [] });
    await applyPlan(conn.admin, { ...NONE, aclsToCreate: [], aclsToDelete: r.toDelete });
    const topics = (await conn.admin.listTopics()).filter((t) => t.startsWith(`${domain}.`)).sort();
    if (settings.deleteTopics && topics.length > 0) await conn.admin.deleteTopics({ topics });
    logger.info('acls revoked', { aclsDeleted: r.toDelete.length, sealed: r.toCreate.length, topics: topics.length });
    return {
      domain,
      aclsDeleted: r.toDelete.length,
      sealCreated: r.toCreate.length > 0,
      topicCount: topics.length,
      topics: topics.slice(0, 50),
      topicsDeleted: settings.deleteTopics ? topics.length : 0,
    };
  } catch (e) {
    throw classifyKafkaError(e, { operation: 'revoking the ACLs of a removed spec' });
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export const handler = instrument('RevokeAcls', (event: RevokeAclsInput) => revokeAcls(event));
