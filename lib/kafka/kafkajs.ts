// kafkajs is CommonJS: under Node's ESM loader only its default export is reliable (named exports
// are not detected), so every value is taken from the default import here, in one place.
import kafkajs from 'kafkajs';
import { keepBrokerMessages } from './broker-messages.js';
import { refreshBrokersOnly } from './metadata-refresh.js';

keepBrokerMessages();
refreshBrokersOnly();

export const {
  Kafka,
  logLevel,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
  ConfigResourceTypes,
} = kafkajs;
export type {
  Admin,
  Consumer,
  KafkaConfig,
  Producer,
  SASLOptions,
  ITopicConfig,
  AclEntry,
  AclFilter,
  Acl,
} from 'kafkajs';
