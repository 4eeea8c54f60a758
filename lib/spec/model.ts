// The domain model every part of the pipeline works on. A spec file (AsyncAPI 2.x with SpecMesh
// conventions, or AsyncAPI 3.x) parses to one DomainSpec; nothing downstream looks at raw YAML.

import type { IamRoleRef } from './iam-roles.js';

export type Visibility = 'public' | 'protected' | 'private';

/** A topic the domain owns (2.x `publish`, 3.x `send`). */
export interface OwnedTopic {
  /** Full Kafka topic name, always `<domain>.<...>`. */
  readonly name: string;
  /** The channel key (2.x) or address (3.x) as written in the spec. */
  readonly channel: string;
  readonly visibility: Visibility;
  /** Domain ids granted read access (`grant-access:<domain>` tags). Meaningful for protected topics. */
  readonly grants: readonly string[];
  /** From bindings.kafka; undefined means "use the configured default". */
  readonly partitions?: number;
  readonly replicas?: number;
  readonly configs: Readonly<Record<string, string>>;
  /** Stage filter from bindings.kafka.envs; undefined means every stage. */
  readonly envs?: readonly string[];
  /** JSON path of the channel in the source, for messages that point back at the spec. */
  readonly path: string;
}

/** A subscribe-only channel: another domain's topic this domain wants to read. */
export interface Subscription {
  readonly topic: string;
  readonly channel: string;
  readonly path: string;
}

export interface DomainSpec {
  /** Domain id: the part of `id: urn:<...>` after `urn:`, with `:` replaced by `.`. */
  readonly domain: string;
  readonly asyncapi: string;
  readonly title?: string;
  readonly version?: string;
  readonly owned: readonly OwnedTopic[];
  readonly subscriptions: readonly Subscription[];
  /** Where the spec came from (a file path or an S3 key). */
  readonly source: string;
  /** `x-msk-spec-iam-roles` (lib/spec/iam-roles.ts): the roles that receive the domain's IAM policies. */
  readonly iamRoles?: readonly IamRoleRef[];
}

/** One refusal: where, which rule, and what was expected. Specs collect all of them, not only the first. */
export interface SpecIssue {
  /** File path or S3 key. */
  readonly file: string;
  /** JSON path inside the document, e.g. `$.channels["_public.user_signed_up"].bindings.kafka.partitions`. */
  readonly path: string;
  /** Stable rule id, e.g. `domain-id`, `topic-name`, `max-size`, `yaml-aliases`. */
  readonly rule: string;
  /** A sentence a person can act on; never contains secret material. */
  readonly message: string;
}
