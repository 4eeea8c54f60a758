// Naming rules (docs/architecture.md#specs). Domain ids end up inside Kafka principals (`User:D`,
// `User:CN=D`) and ACL prefixes (`D.`), so the rule is a whitelist: an id can never be `*`, carry a
// `,` or `=` (DN injection), a space, uppercase, or a leading dot.
import type { Visibility } from './model.js';
import type { VisibilityKeywords } from '../config.js';

export const DOMAIN_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
export const MAX_DOMAIN_ID_LENGTH = 200;
/** The rule in words, for messages: the pattern and the length. */
export const DOMAIN_ID_RULE = `${DOMAIN_ID_PATTERN.source}, 2 to ${MAX_DOMAIN_ID_LENGTH} characters`;
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;
export const URN_PREFIX = 'urn:';

/** Why `id` is not a valid domain id, or undefined when it is. `id` is the already-normalised form. */
export function domainIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'the domain id is empty';
  if (id.length > MAX_DOMAIN_ID_LENGTH)
    return `the domain id is ${id.length} characters long; at most ${MAX_DOMAIN_ID_LENGTH} are allowed`;
  // `urn:acme..shop` gives `acme..shop`: an empty segment would make `acme.` a prefix no other
  // id can be told apart from, and Kafka topic names under it would carry `..`.
  if (DOMAIN_ID_PATTERN.test(id))
    return id.split('.').includes('')
      ? "the domain id has an empty segment (two dots, or '::' in the urn); expected segments joined by single dots"
      : undefined;
  if (id.length === 1 && /^[a-z0-9]$/.test(id)) return 'the domain id must be at least 2 characters long';
  const bad = [...id].find((c) => !/[a-z0-9._-]/.test(c));
  if (bad !== undefined) {
    const what = /[A-Z]/.test(bad) ? 'uppercase letter' : bad === ' ' ? 'space' : 'character';
    return `the domain id contains the ${what} ${JSON.stringify(bad)}; only lowercase letters, digits, '.', '_' and '-' are allowed`;
  }
  return 'the domain id must start and end with a lowercase letter or digit (no leading or trailing dot, dash or underscore)';
}

export function isValidDomainId(id: string): boolean {
  return domainIdProblem(id) === undefined;
}

/** `urn:london:hammersmith` → `london.hammersmith`; undefined when there is no `urn:` prefix. */
export function domainFromUrn(urn: string): string | undefined {
  if (!urn.startsWith(URN_PREFIX)) return undefined;
  return urn.slice(URN_PREFIX.length).replaceAll(':', '.');
}

/** Why `name` is not a legal Kafka topic name, or undefined. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the topic name is empty; expected at least one character';
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    return `the topic name is ${name.length} characters long; expected at most ${MAX_TOPIC_NAME_LENGTH} (Kafka's limit)`;
  if (name === '.' || name === '..') return `Kafka does not allow the topic names '.' and '..'; expected a real name`;
  if (!TOPIC_NAME_PATTERN.test(name)) {
    const bad = [...name].find((c) => !/[a-zA-Z0-9._-]/.test(c)) ?? '';
    return `the topic name contains ${JSON.stringify(bad)}; expected only the characters Kafka allows, [a-zA-Z0-9._-]`;
  }
  return undefined;
}

/** Visibility of an owned topic from the first segment after `<domain>.`; none of the keywords → private. */
export function visibilityOf(topic: string, domain: string, keywords: VisibilityKeywords): Visibility {
  const rest = topic.startsWith(`${domain}.`) ? topic.slice(domain.length + 1) : topic;
  const first = rest.split('.')[0];
  if (first === keywords.public) return 'public';
  if (first === keywords.protected) return 'protected';
  return 'private';
}

/**
 * Kafka refuses a topic whose name equals another one's once '.' and '_' are treated alike (their
 * metric names collide). Two names with the same key cannot both exist.
 */
export function collisionKey(topic: string): string {
  return topic.replaceAll('.', '_');
}
