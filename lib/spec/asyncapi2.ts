// AsyncAPI 2.x (SpecMesh conventions): a channel key is the topic suffix (or the full name when it
// already starts with `<domain>.`); `publish` means the domain owns it, `subscribe` alone means it
// reads another domain's topic. Topic settings live in `bindings.kafka` on the channel or on the
// publish operation, grants in the publish operation's tags.
import type { ProvisionConfig } from '../config.js';
import { isObject, type JsonObject } from './load.js';
import { kindOf } from './path.js';
import { deref, type Collector, type Path, type Source } from './reader.js';
import { ownedTopic, subscription, type ChannelTopics, type OwnedDraft } from './topics.js';
import type { Subscription } from './model.js';

export function readAsyncApi2(
  root: JsonObject,
  channels: JsonObject,
  domain: string | undefined,
  config: ProvisionConfig,
  c: Collector,
): ChannelTopics {
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
      const sources: Source[] = [
        { value: channel['bindings'], path: [...path, 'bindings'] },
        { value: publish['bindings'], path: [...path, 'publish', 'bindings'] },
      ];
      const tags: Source[] = [{ value: publish['tags'], path: [...path, 'publish', 'tags'] }];
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
