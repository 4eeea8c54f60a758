// A removed domain's access leaves the cluster (lib/decommission aclRevocation decides what): the
// seal first (one ALLOW for a principal nobody holds on TOPIC PREFIXED `D.`, so that no client,
// even with allow.everyone.if.no.acl.found=true, reaches D's topics at any moment), then every
// ALLOW binding of D's principals and on D's topics. Topics are listed, and deleted only when
// asked. Computed from the live ACLs each time, so a retry converges.
import { allPrincipalsOf, keywordPrefixes } from '../access/bindings.js';
import type { ProvisionConfig } from '../config.js';
import { aclRevocation } from '../decommission/index.js';
import { applyPlan } from './apply.js';
import type { Admin } from './kafkajs.js';
import { listTopicsUnder, readAcls } from './read.js';

export interface AccessRevocation {
  readonly domain: string;
  readonly aclsDeleted: number;
  readonly sealCreated: boolean;
  readonly topicCount: number;
  /** The first topics of the domain (the state payload stays small). */
  readonly topics: readonly string[];
  readonly topicsDeleted: number;
}

const NO_TOPIC_CHANGES = { topicsToCreate: [], partitionIncreases: [], configChanges: [] };

export async function revokeDomainAccess(
  admin: Admin,
  domain: string,
  opts: { readonly deleteTopics: boolean; readonly config: Pick<ProvisionConfig, 'visibilityKeywords'> },
): Promise<AccessRevocation> {
  const prefix = `${domain}.`;
  // Listed once (Metadata for every topic): the ACL read MATCHes these, and they are the ones deleted.
  const topics = await listTopicsUnder(admin, [prefix]);
  const current = await readAcls(
    admin,
    {
      topicPrefixes: [prefix],
      principals: allPrincipalsOf(domain),
      accessPrefixes: keywordPrefixes(domain, opts.config),
    },
    topics,
  );
  const r = aclRevocation(current, domain);
  await applyPlan(admin, { ...NO_TOPIC_CHANGES, aclsToCreate: r.toCreate, aclsToDelete: [] });
  await applyPlan(admin, { ...NO_TOPIC_CHANGES, aclsToCreate: [], aclsToDelete: r.toDelete });
  if (opts.deleteTopics && topics.length > 0) await admin.deleteTopics({ topics });
  return {
    domain,
    aclsDeleted: r.toDelete.length,
    sealCreated: r.toCreate.length > 0,
    topicCount: topics.length,
    topics: topics.slice(0, 50),
    topicsDeleted: opts.deleteTopics ? topics.length : 0,
  };
}
