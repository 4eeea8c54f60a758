// What the planner needs to know about a cluster. lib/kafka/ reads it with kafkajs; tests and the
// CLI's `--current state.json` build it directly.
import type { AclBinding } from '../access/types.js';

export interface TopicState {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Dynamic (non-default) topic configs only. */
  readonly configs: Readonly<Record<string, string>>;
}

export interface ClusterState {
  readonly topics: readonly TopicState[];
  readonly acls: readonly AclBinding[];
}
