// Channels → topics, shared by both readers: the topic name and visibility of an owned channel
// with its settings and grants, a subscription's topic, and the checks across a spec's channels
// (duplicates, names Kafka would refuse as colliding, subscriptions to the domain's own topics).
import type { ProvisionConfig } from '../config.js';
import type { OwnedTopic, Subscription, Visibility } from './model.js';
import type { JsonObject } from './load.js';
import { jsonPath, quote } from './path.js';
import { collisionKey, topicNameProblem, visibilityOf } from './names.js';
import { readBindings } from './bindings.js';
import { readGrants } from './grants.js';
import type { Collector, Path, Source } from './reader.js';

/** What a channel turned into, before duplicate checks and the stage filter. */
export interface OwnedDraft extends OwnedTopic {
  readonly settingsPath: Path;
}

/** What a reader found in a spec's channels. */
export interface ChannelTopics {
  owned: OwnedDraft[];
  subscriptions: Subscription[];
}

/** `/a/b` (SpecMesh's legacy absolute form) and `a/b` both become `a.b`. */
function normaliseChannel(channel: string): string {
  return (channel.startsWith('/') ? channel.slice(1) : channel).replaceAll('/', '.');
}

export function ownedTopic(
  root: JsonObject,
  channel: string,
  namePath: Path,
  domain: string | undefined,
  bindings: Source[],
  tags: Source[],
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

  const settings = readBindings(root, bindings, c, config);
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

export function subscription(
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

export function dedupeSubscriptions(
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

export function checkDuplicates(owned: OwnedDraft[], c: Collector): void {
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
