// A spec → one DomainSpec, or every reason why not. The document is loaded under the limits
// (load.ts), the version picks the reader (asyncapi2.ts, asyncapi3.ts), and both readers share the
// channel, bindings and grants code (topics.ts, bindings.ts, grants.ts).
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec, SpecIssue, Subscription } from './model.js';
import { isObject, loadDocument, type Json, type JsonObject } from './load.js';
import { kindOf, quote } from './path.js';
import { DOMAIN_ID_RULE, domainFromUrn, domainIdProblem, URN_PREFIX } from './names.js';
import { Collector, readCollection } from './reader.js';
import { checkDuplicates, dedupeSubscriptions, type OwnedDraft } from './topics.js';
import { readAsyncApi2 } from './asyncapi2.js';
import { readAsyncApi3 } from './asyncapi3.js';
import { specPartitionsProblem, TOPIC_CONFIG_RULES } from './topic-configs.js';
import { readIamRoles } from './iam-roles.js';

export type ParseResult = { ok: true; spec: DomainSpec; warnings: SpecIssue[] } | { ok: false; issues: SpecIssue[] };

/** Stable rule ids, for tests and for anyone matching on refusals. */
export const SPEC_RULES = [
  'spec-type',
  'spec-empty',
  'max-size',
  'max-depth',
  'yaml-syntax',
  'json-syntax',
  'yaml-multi-document',
  'yaml-aliases',
  'yaml-key',
  'yaml-value',
  'spec-root',
  'asyncapi-version',
  'domain-id',
  'channels',
  'max-channels',
  'max-operations',
  'channel',
  'channel-operation',
  'channel-address',
  'operation',
  'operation-action',
  'operation-channel',
  'topic-name',
  'topic-duplicate',
  'topic-collision',
  'subscription-topic',
  'binding-partitions',
  'binding-replicas',
  'binding-configs',
  'binding-envs',
  'binding-conflict',
  'tags',
  'grant-access',
  'grant-on-private',
  'ref',
  'yaml-warning',
  'key-binding',
  'iam-roles',
  'iam-role-account',
  ...TOPIC_CONFIG_RULES,
] as const;

export function parseSpec(text: string, file: string, config: ProvisionConfig): ParseResult {
  const loaded = loadDocument(text, file, config);
  if (!loaded.ok) return { ok: false, issues: loaded.issues };
  const c = new Collector(file);
  const spec = buildSpec(loaded.value, file, config, c);
  if (c.errors.length > 0 || !spec) return { ok: false, issues: c.errors };
  return { ok: true, spec, warnings: [...loaded.warnings, ...c.warnings] };
}

function buildSpec(root: Json, file: string, config: ProvisionConfig, c: Collector): DomainSpec | undefined {
  if (!isObject(root)) {
    c.error(
      [],
      'spec-root',
      `expected a mapping with asyncapi, id and channels at the top of the spec, got ${kindOf(root)}`,
    );
    return undefined;
  }
  const major = readVersion(root, c);
  const domain = readDomain(root, c);

  const info = root['info'];
  const title = isObject(info) && typeof info['title'] === 'string' ? info['title'] : undefined;
  const version =
    isObject(info) && (typeof info['version'] === 'string' || typeof info['version'] === 'number')
      ? String(info['version'])
      : undefined;

  const channels = readCollection(root, 'channels', 'channels', 'max-channels', config.limits.maxChannels, c);
  let owned: OwnedDraft[] = [];
  let subscriptions: Subscription[] = [];
  if (channels && major === 3) {
    const operations = readCollection(root, 'operations', 'operation', 'max-operations', config.limits.maxChannels, c);
    ({ owned, subscriptions } = readAsyncApi3(root, channels, operations ?? {}, domain, config, c));
  } else if (channels && major === 2) {
    ({ owned, subscriptions } = readAsyncApi2(root, channels, domain, config, c));
  }
  if (channels && Object.keys(channels).length === 0)
    c.warn(['channels'], 'channels', 'the spec declares no channels: the domain gets credentials but no topics');

  checkDuplicates(owned, c);
  const kept = owned.filter((t) => !config.stage || !t.envs || t.envs.includes(config.stage));
  const specPartitions = specPartitionsProblem(kept, config);
  if (specPartitions) c.error(['channels'], specPartitions.rule, specPartitions.message);
  const ownedNames = new Set(owned.map((t) => t.name));
  const subs = dedupeSubscriptions(subscriptions, ownedNames, domain, c);
  const iamRoles = readIamRoles(root, c);

  if (domain === undefined || major === undefined || c.errors.length > 0) return undefined;
  return {
    domain,
    asyncapi: String(root['asyncapi']),
    ...(title !== undefined ? { title } : {}),
    ...(version !== undefined ? { version } : {}),
    owned: kept.map(({ settingsPath: _unused, ...topic }) => topic),
    subscriptions: subs,
    source: file,
    ...(iamRoles !== undefined ? { iamRoles } : {}),
  };
}

function readVersion(root: JsonObject, c: Collector): 2 | 3 | undefined {
  const v = root['asyncapi'];
  if (v === undefined) {
    c.error(
      ['asyncapi'],
      'asyncapi-version',
      'the spec has no `asyncapi` field; expected `asyncapi: 2.x.y` or `asyncapi: 3.x.y`',
    );
    return undefined;
  }
  if (typeof v !== 'string') {
    c.error(
      ['asyncapi'],
      'asyncapi-version',
      `expected the AsyncAPI version as a quoted string such as '2.6.0' or '3.0.0', got ${kindOf(v)}`,
    );
    return undefined;
  }
  const m = /^([23])\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) {
    c.error(
      ['asyncapi'],
      'asyncapi-version',
      `AsyncAPI version ${quote(v)} is not supported; expected 2.x.y (SpecMesh conventions) or 3.x.y`,
    );
    return undefined;
  }
  return m[1] === '2' ? 2 : 3;
}

function readDomain(root: JsonObject, c: Collector): string | undefined {
  const id = root['id'];
  if (typeof id !== 'string') {
    c.error(
      ['id'],
      'domain-id',
      id === undefined
        ? 'the spec has no `id`; expected `id: urn:<domain>`, e.g. `id: urn:acme.shop`'
        : `expected \`id\` as a string \`urn:<domain>\`, got ${kindOf(id)}`,
    );
    return undefined;
  }
  const domain = domainFromUrn(id);
  if (domain === undefined) {
    c.error(
      ['id'],
      'domain-id',
      `the id ${quote(id)} does not start with ${quote(URN_PREFIX)}; expected \`urn:<domain>\`, e.g. \`urn:acme.shop\``,
    );
    return undefined;
  }
  const problem = domainIdProblem(domain);
  if (problem) {
    c.error(
      ['id'],
      'domain-id',
      `the id ${quote(id)} gives the domain id ${quote(domain)}, which is refused: ${problem}; expected an id matching ${DOMAIN_ID_RULE}`,
    );
    return undefined;
  }
  return domain;
}
