// The Kafka adapter: everything the pipeline does to a cluster goes through here (kafkajs today;
// @confluentinc/kafka-javascript's KafkaJS-compatible API could replace it behind these functions).
export { readClusterState, readAcls, readAllAcls, readTopics, type ReadOptions } from './read.js';
export { applyPlan, type ApplicablePlan, type ApplyResult } from './apply.js';
export { kafkaJsConfig, type KafkaAuth, type KafkaJsConfigOptions } from './config.js';
export { toKafkaJsAcl, exactFilter, fromKafkaJsResources } from './acls.js';
export { Kafka, logLevel, type Admin, type KafkaConfig } from './kafkajs.js';
export type { ClusterState, TopicState } from './state.js';
