// AsyncAPI 2.x (SpecMesh conventions) and 3.x → one DomainSpec, or every reason why not.
//
// 2.x: a channel key is the topic suffix (or the full name when it already starts with
//      `<domain>.`); `publish` means the domain owns it, `subscribe` alone means it reads another
//      domain's topic. Topic settings live in `bindings.kafka` on the channel or on the publish
//      operation, grants in the publish operation's tags.
// 3.x: the channel's `address` plays the key's part; an operation with `action: send` makes its
//      channel owned, `receive` alone makes it a subscription. Kafka settings come from the
//      channel's (or send operation's) `bindings.kafka` (`configs` or the binding's own
//      `topicConfiguration`); grants from the channel's or send operation's tags.
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec, OwnedTopic, SpecIssue, Subscription, Visibility } from './model.js';
import { isObject, loadDocument, type Json, type JsonObject } from './load.js';
import { jsonPath, kindOf, quote, type PathSegment } from './path.js';
import { collisionKey, domainFromUrn, domainIdProblem, topicNameProblem, URN_PREFIX, visibilityOf } from './names.js';

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
] as const;

type Path = PathSegment[];

class Collector {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];
  constructor(readonly file: string) {}
  error(path: Path | string, rule: string, message: string): void {
    this.errors.push({ file: this.file, path: typeof path === 'string' ? path : jsonPath(path), rule, message });
  }
  warn(path: Path | string, rule: string, message: string): void {
    this.warnings.push({ file: this.file, path: typeof path === 'string' ? path : jsonPath(path), rule, message });
  }
}

export function parseSpec(text: string, file: string, config: ProvisionConfig): ParseResult {
  const loaded = loadDocument(text, file, config);
  if (!loaded.ok) return { ok: false, issues: loaded.issues };
  const c = new Collector(file);
  const spec = buildSpec(loaded.value, file, config, c);
  if (c.errors.length > 0 || !spec) return { ok: false, issues: c.errors };
  return { ok: true, spec, warnings: [...loaded.warnings, ...c.warnings] };
}

// ---------------------------------------------------------------------------------------------

interface TopicSettings {
  partitions?: number;
  replicas?: number;
  configs: Record<string, string>;
  envs?: string[];
}

/** What a channel turned into, before duplicate checks and the stage filter. */
interface OwnedDraft extends OwnedTopic {
  readonly settingsPath: Path;
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
    ({ owned, subscriptions } = readV3(root, channels, operations ?? {}, domain, config, c));
  } else if (channels && major === 2) {
    ({ owned, subscriptions } = readV2(root, channels, domain, config, c));
  }
  if (channels && Object.keys(channels).length === 0)
    c.warn(['channels'], 'channels', 'the spec declares no channels: the domain gets credentials but no topics');

  checkDuplicates(owned, c);
  const kept = owned.filter((t) => !config.stage || !t.envs || t.envs.includes(config.stage));
  const ownedNames = new Set(owned.map((t) => t.name));
  const subs = dedupeSubscriptions(subscriptions, ownedNames, domain, c);

  if (domain === undefined || major === undefined || c.errors.length > 0) return undefined;
  return {
    domain,
    asyncapi: String(root['asyncapi']),
    ...(title !== undefined ? { title } : {}),
    ...(version !== undefined ? { version } : {}),
    owned: kept.map(({ settingsPath: _unused, ...topic }) => topic),
    subscriptions: subs,
    source: file,
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
      `the id ${quote(id)} gives the domain id ${quote(domain)}, which is refused: ${problem}; expected an id matching ^[a-z0-9][a-z0-9._-]*[a-z0-9]$, 2 to 200 characters`,
    );
    return undefined;
  }
  return domain;
}

function readCollection(
  root: JsonObject,
  key: string,
  rule: string,
  maxRule: string,
  max: number,
  c: Collector,
): JsonObject | undefined {
  const v = root[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    c.error(
      [key],
      rule,
      `expected \`${key}\` to be a mapping of names to ${key === 'channels' ? 'channel' : 'operation'} objects, got ${kindOf(v)}`,
    );
    return undefined;
  }
  const count = Object.keys(v).length;
  if (count > max) {
    c.error([key], maxRule, `the spec declares ${count} ${key}; at most ${max} are accepted`);
    return undefined;
  }
  return v;
}

// --- $ref ------------------------------------------------------------------------------------

/** Follows local `$ref`s (`#/components/...`) a few hops; anything else is returned as is. */
function deref(root: JsonObject, value: Json | undefined, path: Path, c: Collector): Json | undefined {
  let current = value;
  for (let hop = 0; hop < 8; hop++) {
    if (!isObject(current) || typeof current['$ref'] !== 'string') return current;
    const target = resolvePointer(root, current['$ref']);
    if (target === undefined) {
      c.error(
        [...path, '$ref'],
        'ref',
        `cannot resolve ${quote(current['$ref'])}; expected a local reference such as '#/components/...' to an existing object`,
      );
      return undefined;
    }
    current = target;
  }
  c.error([...path, '$ref'], 'ref', 'the reference chain is too long or circular; expected at most 8 hops');
  return undefined;
}

function resolvePointer(root: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json = root;
  for (const raw of ref.slice(2).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(part)) return undefined;
      const next: Json | undefined = node[Number(part)];
      if (next === undefined) return undefined;
      node = next;
    } else if (isObject(node)) {
      if (!Object.hasOwn(node, part)) return undefined;
      node = node[part] as Json;
    } else return undefined;
  }
  return node;
}

// --- AsyncAPI 2.x ----------------------------------------------------------------------------

function readV2(
  root: JsonObject,
  channels: JsonObject,
  domain: string | undefined,
  config: ProvisionConfig,
  c: Collector,
) {
  const owned: OwnedDraft[] = [];
  const subscriptions: Subscription[] = [];
  for (const [key, rawChannel] of Object.entries(channels)) {
    const path: Path = ['channels', key];
    const channel = deref(root, rawChannel, path, c);
    if (channel === undefined) continue;
    if (!isObject(channel)) {
      c.error(path, 'channel', `expected a channel object with \`publish\` or \`subscribe\`, got ${kindOf(channel)}`);
      continue;
    }
    const publish = channel['publish'];
    const subscribe = channel['subscribe'];
    if (publish !== undefined && !isObject(publish)) {
      c.error(
        [...path, 'publish'],
        'channel-operation',
        `expected \`publish\` to be an operation object, got ${kindOf(publish)}`,
      );
      continue;
    }
    if (subscribe !== undefined && !isObject(subscribe)) {
      c.error(
        [...path, 'subscribe'],
        'channel-operation',
        `expected \`subscribe\` to be an operation object, got ${kindOf(subscribe)}`,
      );
      continue;
    }
    if (publish) {
      const sources: BindingSource[] = [
        { value: channel['bindings'], path: [...path, 'bindings'] },
        { value: publish['bindings'], path: [...path, 'publish', 'bindings'] },
      ];
      const tags: TagSource[] = [{ value: publish['tags'], path: [...path, 'publish', 'tags'] }];
      const topic = ownedTopic(root, key, path, domain, sources, tags, config, c);
      if (topic) owned.push(topic);
    } else if (subscribe) {
      const sub = subscription(key, path, c);
      if (sub) subscriptions.push(sub);
    } else {
      c.error(
        path,
        'channel-operation',
        'the channel has neither `publish` (a topic this domain owns) nor `subscribe` (a topic it reads); expected one of them',
      );
    }
  }
  return { owned, subscriptions };
}

// --- AsyncAPI 3.x ----------------------------------------------------------------------------

function readV3(
  root: JsonObject,
  channels: JsonObject,
  operations: JsonObject,
  domain: string | undefined,
  config: ProvisionConfig,
  c: Collector,
) {
  const sends = new Map<string, Array<{ op: JsonObject; path: Path }>>();
  const receives = new Map<string, Path>();
  for (const [key, rawOp] of Object.entries(operations)) {
    const path: Path = ['operations', key];
    const op = deref(root, rawOp, path, c);
    if (op === undefined) continue;
    if (!isObject(op)) {
      c.error(path, 'operation', `expected an operation object with \`action\` and \`channel\`, got ${kindOf(op)}`);
      continue;
    }
    const action = op['action'];
    if (action !== 'send' && action !== 'receive') {
      c.error(
        [...path, 'action'],
        'operation-action',
        `expected \`action: send\` (this domain owns the channel) or \`action: receive\` (it reads it), got ${kindOf(action)}`,
      );
      continue;
    }
    const ref = op['channel'];
    const target = isObject(ref) && typeof ref['$ref'] === 'string' ? /^#\/channels\/([^/]+)$/.exec(ref['$ref']) : null;
    let name: string | undefined;
    if (target?.[1] !== undefined) {
      try {
        name = decodeURIComponent(target[1]).replaceAll('~1', '/').replaceAll('~0', '~');
      } catch {
        name = undefined;
      }
    }
    if (name === undefined || !Object.hasOwn(channels, name)) {
      c.error(
        [...path, 'channel'],
        'operation-channel',
        `expected \`channel: {$ref: '#/channels/<name>'}\` naming a channel of this spec, got ${isObject(ref) && typeof ref['$ref'] === 'string' ? quote(ref['$ref']) : kindOf(ref)}`,
      );
      continue;
    }
    if (action === 'send') sends.set(name, [...(sends.get(name) ?? []), { op, path }]);
    else if (!receives.has(name)) receives.set(name, path);
  }

  const owned: OwnedDraft[] = [];
  const subscriptions: Subscription[] = [];
  for (const [key, rawChannel] of Object.entries(channels)) {
    const path: Path = ['channels', key];
    const sendOps = sends.get(key);
    const receivePath = receives.get(key);
    const channel = deref(root, rawChannel, path, c);
    if (channel === undefined) continue;
    if (!isObject(channel)) {
      c.error(path, 'channel', `expected a channel object with an \`address\`, got ${kindOf(channel)}`);
      continue;
    }
    if (!sendOps && !receivePath) {
      c.warn(path, 'channel-operation', 'no operation sends to or receives from this channel; it is ignored');
      continue;
    }
    const address = channel['address'];
    if (typeof address !== 'string') {
      c.error(
        [...path, 'address'],
        'channel-address',
        address === null || address === undefined
          ? 'the channel has no address (AsyncAPI reads that as "unknown, decided at run time"), so no topic can be provisioned for it; expected `address: <topic>`'
          : `expected \`address\` to be the topic name as a string, got ${kindOf(address)}`,
      );
      continue;
    }
    if (/[{}]/.test(address)) {
      c.error(
        [...path, 'address'],
        'channel-address',
        `the address ${quote(address)} has parameters, so it names many topics and none can be provisioned; expected one concrete topic name per channel`,
      );
      continue;
    }
    if (sendOps) {
      const sources: BindingSource[] = [
        { value: channel['bindings'], path: [...path, 'bindings'] },
        ...sendOps.map((s) => ({ value: s.op['bindings'], path: [...s.path, 'bindings'] })),
      ];
      const tags: TagSource[] = [
        { value: channel['tags'], path: [...path, 'tags'] },
        ...sendOps.map((s) => ({ value: s.op['tags'], path: [...s.path, 'tags'] })),
      ];
      const topic = ownedTopic(root, address, [...path, 'address'], domain, sources, tags, config, c, path);
      if (topic) owned.push(topic);
    } else {
      const sub = subscription(address, [...path, 'address'], c, path);
      if (sub) subscriptions.push(sub);
    }
  }
  return { owned, subscriptions };
}

// --- channels → topics -----------------------------------------------------------------------

interface BindingSource {
  value: Json | undefined;
  path: Path;
}
interface TagSource {
  value: Json | undefined;
  path: Path;
}

/** `/a/b` (SpecMesh's legacy absolute form) and `a/b` both become `a.b`. */
function normaliseChannel(channel: string): string {
  return (channel.startsWith('/') ? channel.slice(1) : channel).replaceAll('/', '.');
}

function ownedTopic(
  root: JsonObject,
  channel: string,
  namePath: Path,
  domain: string | undefined,
  bindings: BindingSource[],
  tags: TagSource[],
  config: ProvisionConfig,
  c: Collector,
  channelPath: Path = namePath,
): OwnedDraft | undefined {
  const errorsBefore = c.errors.length;
  const suffix = normaliseChannel(channel);
  let name: string | undefined;
  if (domain !== undefined) {
    name = suffix.startsWith(`${domain}.`) ? suffix : `${domain}.${suffix}`;
    const problem = topicNameProblem(name);
    if (problem)
      c.error(namePath, 'topic-name', `the channel ${quote(channel)} becomes topic ${quote(name)}: ${problem}`);
    else {
      const rest = name.slice(domain.length + 1);
      const segments = rest.split('.');
      const kw = config.visibilityKeywords;
      if (segments.some((s) => s === '')) {
        c.error(
          namePath,
          'topic-name',
          `the channel ${quote(channel)} becomes topic ${quote(name)}, which has an empty segment (a leading, trailing or doubled '.' or '/'); expected <domain>.<segment>.<segment>…`,
        );
      } else if (segments.length === 1 && [kw.public, kw.protected, kw.private].includes(segments[0] ?? '')) {
        c.error(
          namePath,
          'topic-name',
          `the channel ${quote(channel)} is only a visibility keyword; expected a name after it, e.g. ${quote(`${segments[0]}.orders`)}`,
        );
      }
    }
  } else {
    const problem = topicNameProblem(suffix);
    if (problem) c.error(namePath, 'topic-name', `the channel ${quote(channel)} cannot name a topic: ${problem}`);
  }

  const settings = readBindings(root, bindings, c);
  const { grants, makesPublic } = readGrants(root, tags, domain, c);
  if (c.errors.length > errorsBefore || name === undefined || domain === undefined || !settings) return undefined;

  const byName = visibilityOf(name, domain, config.visibilityKeywords);
  let visibility: Visibility = byName;
  const explicitPrivate = name.slice(domain.length + 1).split('.')[0] === config.visibilityKeywords.private;
  if (makesPublic) {
    if (byName !== 'public')
      c.warn(
        channelPath,
        'grant-access',
        `the tag grant-access:_public makes ${quote(name)} public although its name marks it ${byName}`,
      );
    visibility = 'public';
  } else if (grants.length > 0) {
    if (byName === 'public') {
      c.warn(channelPath, 'grant-access', `${quote(name)} is public, so its grant-access tags change nothing`);
    } else if (byName === 'private') {
      // Grants are honoured on protected channels only (docs/architecture.md#specs). Reading a grant as
      // "protected" on an unmarked channel would put a grant outside `<owner>.<protected>.`, where
      // the managed scope of the grantee, not the owner, would claim it.
      const kw = config.visibilityKeywords;
      c.error(
        channelPath,
        'grant-on-private',
        explicitPrivate
          ? `${quote(name)} is marked ${kw.private} but carries grant-access tags for ${grants.join(', ')}; expected either a ${kw.protected} channel with grants or a private channel without them`
          : `${quote(name)} has no visibility keyword, so it is private, but it carries grant-access tags for ${grants.join(', ')}; expected the channel under ${kw.protected} (e.g. ${quote(`${kw.protected}.${channel.replace(/^\//, '').replaceAll('/', '.')}`)}) or no grants`,
      );
      return undefined;
    }
  }

  return {
    name,
    channel,
    visibility,
    grants,
    ...(settings.partitions !== undefined ? { partitions: settings.partitions } : {}),
    ...(settings.replicas !== undefined ? { replicas: settings.replicas } : {}),
    configs: settings.configs,
    ...(settings.envs !== undefined ? { envs: settings.envs } : {}),
    path: jsonPath(channelPath),
    settingsPath: channelPath,
  };
}

function subscription(
  channel: string,
  namePath: Path,
  c: Collector,
  channelPath: Path = namePath,
): Subscription | undefined {
  const topic = normaliseChannel(channel);
  const problem = topicNameProblem(topic);
  if (problem) {
    c.error(namePath, 'subscription-topic', `the subscribed channel ${quote(channel)} is not a topic name: ${problem}`);
    return undefined;
  }
  const owner = topic.split('.')[0] ?? '';
  if (topic.startsWith('.') || !/^[a-z0-9]/.test(owner)) {
    c.error(
      namePath,
      'subscription-topic',
      `the subscribed topic ${quote(topic)} cannot belong to any domain (domain ids start with a lowercase letter or digit); expected <owner-domain>.<topic>, e.g. ${quote(topic.replace(/^[^a-z0-9]+/, ''))}`,
    );
    return undefined;
  }
  return { topic, channel, path: jsonPath(channelPath) };
}

function dedupeSubscriptions(
  subs: Subscription[],
  owned: Set<string>,
  domain: string | undefined,
  c: Collector,
): Subscription[] {
  const seen = new Set<string>();
  const out: Subscription[] = [];
  for (const s of subs) {
    if (owned.has(s.topic) || (domain !== undefined && s.topic.startsWith(`${domain}.`))) {
      c.warn(
        s.path,
        'subscription-topic',
        `the subscription to ${quote(s.topic)} names this domain's own topic, which it can read anyway; it is ignored`,
      );
      continue;
    }
    if (seen.has(s.topic)) continue;
    seen.add(s.topic);
    out.push(s);
  }
  return out;
}

function checkDuplicates(owned: OwnedDraft[], c: Collector): void {
  const byName = new Map<string, OwnedDraft>();
  const byKey = new Map<string, OwnedDraft>();
  for (const t of owned) {
    const first = byName.get(t.name);
    if (first) {
      c.error(
        t.settingsPath,
        'topic-duplicate',
        `this channel becomes topic ${quote(t.name)}, which ${first.path} already declares; expected each topic once`,
      );
      continue;
    }
    byName.set(t.name, t);
    const key = collisionKey(t.name);
    const clash = byKey.get(key);
    if (clash) {
      c.error(
        t.settingsPath,
        'topic-collision',
        `topic ${quote(t.name)} collides with ${quote(clash.name)} (${clash.path}): Kafka treats '.' and '_' alike in topic names and refuses the second; rename one`,
      );
      continue;
    }
    byKey.set(key, t);
  }
}

// --- bindings.kafka --------------------------------------------------------------------------

const MAX_PARTITIONS = 2 ** 31 - 1;
const MAX_REPLICAS = 2 ** 15 - 1;
const CONFIG_KEY = /^[a-z0-9][a-z0-9._-]*$/;

/** Topic settings merged from every binding that applies; conflicting values are refused. */
function readBindings(root: JsonObject, sources: BindingSource[], c: Collector): TopicSettings | undefined {
  const errorsBefore = c.errors.length;
  const merged: TopicSettings = { configs: {} };
  const origin: Record<string, string> = {};
  const put = (field: string, value: unknown, path: Path) => {
    const previous = origin[field];
    const current = field.startsWith('configs.')
      ? merged.configs[field.slice(8)]
      : (merged as unknown as Record<string, unknown>)[field];
    if (previous !== undefined && JSON.stringify(current) !== JSON.stringify(value)) {
      c.error(
        path,
        'binding-conflict',
        `${field} is set to ${quote(JSON.stringify(current))} at ${previous} and to ${quote(JSON.stringify(value))} here; expected one value`,
      );
      return;
    }
    origin[field] = jsonPath(path);
    if (field.startsWith('configs.')) merged.configs[field.slice(8)] = value as string;
    else (merged as unknown as Record<string, unknown>)[field] = value;
  };

  for (const source of sources) {
    const bindings = deref(root, source.value, source.path, c);
    if (bindings === undefined || bindings === null) continue;
    if (!isObject(bindings)) {
      c.error(source.path, 'binding-configs', `expected \`bindings\` to be a mapping, got ${kindOf(bindings)}`);
      continue;
    }
    const kPath = [...source.path, 'kafka'];
    const kafka = deref(root, bindings['kafka'], kPath, c);
    if (kafka === undefined || kafka === null) continue;
    if (!isObject(kafka)) {
      c.error(kPath, 'binding-configs', `expected \`bindings.kafka\` to be a mapping, got ${kindOf(kafka)}`);
      continue;
    }
    if (kafka['partitions'] !== undefined) {
      const v = kafka['partitions'];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PARTITIONS)
        put('partitions', v, [...kPath, 'partitions']);
      else
        c.error(
          [...kPath, 'partitions'],
          'binding-partitions',
          `expected a positive whole number of partitions (1 to ${MAX_PARTITIONS}), got ${kindOf(v)}`,
        );
    }
    if (kafka['replicas'] !== undefined) {
      const v = kafka['replicas'];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_REPLICAS)
        put('replicas', v, [...kPath, 'replicas']);
      else
        c.error(
          [...kPath, 'replicas'],
          'binding-replicas',
          `expected a positive whole number of replicas (1 to ${MAX_REPLICAS}), got ${kindOf(v)}`,
        );
    }
    for (const field of ['configs', 'topicConfiguration'] as const) {
      const v = kafka[field];
      if (v === undefined || v === null) continue;
      const cPath = [...kPath, field];
      if (!isObject(v)) {
        c.error(
          cPath,
          'binding-configs',
          `expected \`${field}\` to be a mapping of Kafka topic config names to values, got ${kindOf(v)}`,
        );
        continue;
      }
      for (const [name, value] of Object.entries(v)) {
        const vPath = [...cPath, name];
        if (!CONFIG_KEY.test(name)) {
          c.error(
            vPath,
            'binding-configs',
            `${quote(name)} is not a Kafka topic config name; expected lowercase words joined by '.', such as retention.ms`,
          );
          continue;
        }
        const text = configValue(name, value);
        if (typeof text === 'string') put(`configs.${name}`, text, vPath);
        else
          c.error(
            vPath,
            'binding-configs',
            `expected a string, number or boolean (or a list of them) for ${name}, ${text.problem}`,
          );
      }
    }
    if (kafka['envs'] !== undefined) {
      const v = kafka['envs'];
      const ePath = [...kPath, 'envs'];
      if (Array.isArray(v) && v.every((e) => typeof e === 'string' && e.trim() !== ''))
        put('envs', [...new Set(v as string[])], ePath);
      else
        c.error(
          ePath,
          'binding-envs',
          `expected \`envs\` to be a list of stage names, e.g. [staging, prod], got ${Array.isArray(v) ? 'a list with a non-string or empty entry' : kindOf(v)}`,
        );
    }
  }
  return c.errors.length > errorsBefore ? undefined : merged;
}

/** Kafka takes every topic config as a string; lists (cleanup.policy) are comma-joined without spaces. */
function configValue(name: string, value: Json): string | { problem: string } {
  const scalar = (v: Json): string | undefined => {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'number')
      return Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)) ? String(v) : undefined;
    return undefined;
  };
  if (Array.isArray(value)) {
    const parts = value.map(scalar);
    if (parts.some((p) => p === undefined)) return { problem: 'got a list with a nested or non-finite value' };
    return (parts as string[]).map((p) => p.trim()).join(',');
  }
  const s = scalar(value);
  if (s === undefined)
    return {
      problem:
        typeof value === 'number'
          ? `got ${value}, which is not a finite number JavaScript can hold exactly; quote it`
          : `got ${kindOf(value)}`,
    };
  return name === 'cleanup.policy'
    ? s
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .join(',')
    : s;
}

// --- tags → grants ---------------------------------------------------------------------------

const GRANT_PREFIX = 'grant-access:';
const PUBLIC_GRANT = '_public';

function readGrants(
  root: JsonObject,
  sources: TagSource[],
  domain: string | undefined,
  c: Collector,
): { grants: string[]; makesPublic: boolean } {
  const grants: string[] = [];
  let makesPublic = false;
  for (const source of sources) {
    const tags = deref(root, source.value, source.path, c);
    if (tags === undefined || tags === null) continue;
    if (!Array.isArray(tags)) {
      c.error(source.path, 'tags', `expected \`tags\` to be a list of {name: ...} objects, got ${kindOf(tags)}`);
      continue;
    }
    tags.forEach((rawTag, i) => {
      const tPath = [...source.path, i];
      const tag = deref(root, rawTag, tPath, c);
      const name = isObject(tag) ? tag['name'] : tag;
      if (typeof name !== 'string') {
        if (!isObject(tag) || tag['name'] !== undefined)
          c.error(
            isObject(tag) ? [...tPath, 'name'] : tPath,
            'tags',
            `expected a tag {name: <string>}, got ${kindOf(name)}`,
          );
        return;
      }
      if (!name.startsWith(GRANT_PREFIX)) return;
      const grantee = name.slice(GRANT_PREFIX.length);
      const gPath = isObject(tag) ? [...tPath, 'name'] : tPath;
      if (grantee === PUBLIC_GRANT) {
        makesPublic = true;
        return;
      }
      const problem = domainIdProblem(grantee);
      if (problem) {
        c.error(
          gPath,
          'grant-access',
          `the tag ${quote(name)} grants access to ${quote(grantee)}, which is not a domain id: ${problem}; expected grant-access:<domain> or grant-access:_public`,
        );
        return;
      }
      if (grantee === domain) {
        c.warn(
          gPath,
          'grant-access',
          `the tag ${quote(name)} grants the domain access to its own topic; it is ignored`,
        );
        return;
      }
      if (!grants.includes(grantee)) grants.push(grantee);
    });
  }
  return { grants, makesPublic };
}
