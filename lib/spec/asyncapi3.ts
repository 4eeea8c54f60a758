// AsyncAPI 3.x: the channel's `address` plays the 2.x key's part; an operation with `action: send`
// makes its channel owned, `receive` alone makes it a subscription. Kafka settings come from the
// channel's (or send operation's) `bindings.kafka` (`configs` or the binding's own
// `topicConfiguration`); grants from the channel's or send operation's tags.
import type { ProvisionConfig } from '../config.js';
import { isObject, type JsonObject } from './load.js';
import { kindOf, quote } from './path.js';
import { deref, type Collector, type Path, type Source } from './reader.js';
import { ownedTopic, subscription, type ChannelTopics, type OwnedDraft } from './topics.js';
import type { Subscription } from './model.js';

export function readAsyncApi3(
  root: JsonObject,
  channels: JsonObject,
  operations: JsonObject,
  domain: string | undefined,
  config: ProvisionConfig,
  c: Collector,
): ChannelTopics {
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
      const sources: Source[] = [
        { value: channel['bindings'], path: [...path, 'bindings'] },
        ...sendOps.map((s) => ({ value: s.op['bindings'], path: [...s.path, 'bindings'] })),
      ];
      const tags: Source[] = [
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
