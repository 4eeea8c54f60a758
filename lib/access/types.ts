// Kafka ACL vocabulary, named as Kafka names it (org.apache.kafka.common.acl / resource), so bindings
// read the same here, in kafka-acls.sh output and in the broker's StandardAuthorizer.

export const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const OPERATIONS = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export type Permission = 'ALLOW' | 'DENY';

export interface AclBinding {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly patternType: PatternType;
  /** `User:<name>`; `User:*` is the wildcard principal. */
  readonly principal: string;
  /** `*` for any host. */
  readonly host: string;
  readonly operation: Operation;
  readonly permission: Permission;
}

/** A question for the authorizer: may `principal` from `host` do `operation` on this resource? */
export interface AccessRequest {
  readonly principal: string;
  readonly host?: string;
  readonly operation: Operation;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
}

/** The cluster's name for the CLUSTER resource, always LITERAL. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
