// AclBinding (lib/access/types.ts, Kafka's own names) <-> kafkajs ACL enums, in one table each way.
// Kafka numbers these in org.apache.kafka.common.acl.AclOperation, AclPermissionType,
// resource.ResourceType and resource.PatternType; kafkajs exports the same numbers.
import type { AclBinding, Operation, PatternType, Permission, ResourceType } from '../access/types.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from './kafkajs.js';
import type { Acl, AclEntry, AclFilter } from './kafkajs.js';

const RESOURCE: Record<ResourceType, number> = {
  TOPIC: AclResourceTypes.TOPIC,
  GROUP: AclResourceTypes.GROUP,
  CLUSTER: AclResourceTypes.CLUSTER,
  TRANSACTIONAL_ID: AclResourceTypes.TRANSACTIONAL_ID,
};
const PATTERN: Record<PatternType, number> = {
  LITERAL: ResourcePatternTypes.LITERAL,
  PREFIXED: ResourcePatternTypes.PREFIXED,
};
const OPERATION: Record<Operation, number> = {
  ALL: AclOperationTypes.ALL,
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  CREATE: AclOperationTypes.CREATE,
  DELETE: AclOperationTypes.DELETE,
  ALTER: AclOperationTypes.ALTER,
  DESCRIBE: AclOperationTypes.DESCRIBE,
  CLUSTER_ACTION: AclOperationTypes.CLUSTER_ACTION,
  DESCRIBE_CONFIGS: AclOperationTypes.DESCRIBE_CONFIGS,
  ALTER_CONFIGS: AclOperationTypes.ALTER_CONFIGS,
  IDEMPOTENT_WRITE: AclOperationTypes.IDEMPOTENT_WRITE,
};
const PERMISSION: Record<Permission, number> = {
  ALLOW: AclPermissionTypes.ALLOW,
  DENY: AclPermissionTypes.DENY,
};

function invert<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}
const RESOURCE_BY_CODE = invert(RESOURCE);
const PATTERN_BY_CODE = invert(PATTERN);
const OPERATION_BY_CODE = invert(OPERATION);
const PERMISSION_BY_CODE = invert(PERMISSION);

export const resourceTypeCode = (t: ResourceType): number => RESOURCE[t];
export const operationCode = (o: Operation): number => OPERATION[o];
export const patternTypeCode = (p: PatternType): number => PATTERN[p];

/** A binding as a kafkajs CreateAcls entry. */
export function toKafkaJsAcl(b: AclBinding): AclEntry {
  return {
    resourceType: RESOURCE[b.resourceType],
    resourceName: b.resourceName,
    resourcePatternType: PATTERN[b.patternType],
    principal: b.principal,
    host: b.host,
    operation: OPERATION[b.operation],
    permissionType: PERMISSION[b.permission],
  } as AclEntry;
}

/** A filter that matches exactly this binding (for DeleteAcls). */
export function exactFilter(b: AclBinding): AclFilter {
  return toKafkaJsAcl(b) as unknown as AclFilter;
}

/**
 * kafkajs DescribeAcls resources flattened to bindings. Entries with a resource type, operation or
 * pattern outside our vocabulary (DELEGATION_TOKEN, USER, UNKNOWN) are returned in `foreign`, so
 * callers can see them without the planner ever managing them.
 */
export function fromKafkaJsResources(
  resources: readonly {
    resourceType: number;
    resourceName: string;
    resourcePatternType: number;
    acls: readonly Acl[];
  }[],
): {
  bindings: AclBinding[];
  foreign: number;
} {
  const bindings: AclBinding[] = [];
  let foreign = 0;
  for (const r of resources) {
    const resourceType = RESOURCE_BY_CODE.get(r.resourceType);
    const patternType = PATTERN_BY_CODE.get(r.resourcePatternType);
    for (const a of r.acls) {
      const operation = OPERATION_BY_CODE.get(a.operation);
      const permission = PERMISSION_BY_CODE.get(a.permissionType);
      if (!resourceType || !patternType || !operation || !permission) {
        foreign++;
        continue;
      }
      bindings.push({
        resourceType,
        resourceName: r.resourceName,
        patternType,
        principal: a.principal,
        host: a.host,
        operation,
        permission,
      });
    }
  }
  return { bindings, foreign };
}
