// The spec layer's public surface: parse and validate a spec, and bind it to its S3 key.
export type { DomainSpec, OwnedTopic, SpecIssue, Subscription, Visibility } from './model.js';
export { parseSpec, SPEC_RULES, type ParseResult } from './parse.js';
export { checkKeyBinding, domainFromKey } from './key.js';
export {
  domainFromUrn,
  domainIdProblem,
  isValidDomainId,
  topicNameProblem,
  visibilityOf,
  DOMAIN_ID_PATTERN,
  MAX_DOMAIN_ID_LENGTH,
  MAX_TOPIC_NAME_LENGTH,
} from './names.js';
