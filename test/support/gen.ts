// Builders and generators of DomainSpecs for tests and benchmarks. DomainSpecs are built directly
// (no YAML), shaped exactly like the parser's output: topic `<domain>.<keyword>.<channel>`,
// visibility from the keyword, `grant-access:_public` makes a channel public.
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import type { VisibilityKeywords } from '../../lib/config.js';
import type { DomainSpec, OwnedTopic, Subscription, Visibility } from '../../lib/spec/model.js';

export interface TopicInput {
  /** Channel under the visibility keyword, e.g. `user_signed_up` or `a/b` (slashes become dots). */
  readonly channel: string;
  readonly visibility?: Visibility;
  /** Leave the keyword out of the name: a private channel written without `_private` (visibility private). */
  readonly bare?: boolean;
  readonly grants?: readonly string[];
  readonly partitions?: number;
  readonly replicas?: number;
  readonly configs?: Record<string, string>;
  readonly envs?: readonly string[];
}

export function topicName(
  domain: string,
  t: TopicInput,
  kw: VisibilityKeywords = DEFAULT_CONFIG.visibilityKeywords,
): string {
  const ch = t.channel.replace(/\//g, '.');
  if (t.bare) return `${domain}.${ch}`;
  const visibility = t.visibility ?? 'private';
  return `${domain}.${kw[visibility]}.${ch}`;
}

export function ownedTopic(
  domain: string,
  t: TopicInput,
  kw: VisibilityKeywords = DEFAULT_CONFIG.visibilityKeywords,
): OwnedTopic {
  const visibility = t.bare ? 'private' : (t.visibility ?? 'private');
  const name = topicName(domain, t, kw);
  const channel = name.slice(domain.length + 1);
  return {
    name,
    channel,
    visibility: t.grants?.includes('_public') ? 'public' : visibility,
    grants: t.grants ?? [],
    ...(t.partitions !== undefined ? { partitions: t.partitions } : {}),
    ...(t.replicas !== undefined ? { replicas: t.replicas } : {}),
    configs: t.configs ?? {},
    ...(t.envs !== undefined ? { envs: t.envs } : {}),
    path: `$.channels["${channel}"]`,
  };
}

/** A DomainSpec as the parser would produce it. */
export function makeSpec(
  domain: string,
  topics: readonly TopicInput[] = [],
  subscriptions: readonly string[] = [],
  kw: VisibilityKeywords = DEFAULT_CONFIG.visibilityKeywords,
): DomainSpec {
  return {
    domain,
    asyncapi: '2.6.0',
    owned: topics.map((t) => ownedTopic(domain, t, kw)),
    subscriptions: subscriptions.map<Subscription>((topic) => ({
      topic,
      channel: topic,
      path: `$.channels["${topic}"]`,
    })),
    source: `specs/${domain}.yaml`,
  };
}

/** Whether `a` is a dot-prefix of `b` (`a` and `a.b`): nested ids, which the planner refuses. */
export const isDotPrefix = (a: string, b: string): boolean =>
  b.length > a.length && b.startsWith(a) && b[a.length] === '.';

// --- fast-check -------------------------------------------------------------------------------

/** Segments chosen so that ids share string prefixes: `shop.order`/`shop.orders`, `ab`/`abc`, `ab`/`ab-c`. */
const SEGMENTS = ['shop', 'order', 'orders', 'ab', 'abc', 'ab-c', 'x1', 'pub', 'x_1'];

export const arbDomainId: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 })
  .map((segs) => segs.join('.'));

const arbChannel = fc
  .array(fc.constantFrom('events', 'ev', 'orders', 'a', 'a.b', 'x-1'), { minLength: 1, maxLength: 2 })
  .map((segs) => segs.join('/'));

export interface SpecSetOptions {
  readonly minSpecs?: number;
  readonly maxSpecs?: number;
  readonly maxChannels?: number;
  /** Allow one id to be a dot-prefix of another (the planner refuses such sets). Default false. */
  readonly allowNested?: boolean;
}

/** Distinct domain ids, by default never dot-nested (some are still plain string prefixes of others). */
export function arbDomainIds(opts: SpecSetOptions = {}): fc.Arbitrary<string[]> {
  const { minSpecs = 1, maxSpecs = 5, allowNested = false } = opts;
  return fc
    .uniqueArray(arbDomainId, { minLength: minSpecs, maxLength: maxSpecs })
    .map((ids) => (allowNested ? ids : ids.filter((id) => !ids.some((o) => isDotPrefix(id, o) || isDotPrefix(o, id)))))
    .filter((ids) => ids.length >= Math.min(minSpecs, 1));
}

/**
 * One spec per id: 0..maxChannels channels each, random visibilities, grants to domains in `ids`
 * (and `others`), to an unknown domain and to `_public`, subscriptions to owned, unowned and
 * unknown topics. No partitions/replicas/configs are stated.
 */
export function arbSpecsFor(
  ids: readonly string[],
  opts: { maxChannels?: number; others?: readonly string[] } = {},
): fc.Arbitrary<DomainSpec[]> {
  const { maxChannels = 5, others = ids } = opts;
  const grantable = [...new Set([...ids, ...others]), 'unknown.dom', 'shop', '_public'];
  const subscribable = [
    ...others.map((o) => `${o}._protected.events`),
    ...others.map((o) => `${o}._public.events`),
    'nobody.x',
  ];
  return fc.tuple(
    ...ids.map((domain) =>
      fc
        .record({
          topics: fc.uniqueArray(
            fc.record({
              channel: arbChannel,
              visibility: fc.constantFrom<Visibility>('public', 'protected', 'private'),
              bare: fc.boolean(),
              grants: fc.subarray(grantable, { maxLength: 3 }),
            }),
            { maxLength: maxChannels, selector: (t) => `${t.bare ? '' : t.visibility}/${t.channel}` },
          ),
          subs: fc.subarray(subscribable, { maxLength: 3 }),
        })
        .map(({ topics, subs }) =>
          makeSpec(
            domain,
            topics.map((t) => ({
              ...t,
              grants: t.visibility === 'protected' || t.grants.includes('_public') ? t.grants : [],
            })),
            subs,
          ),
        ),
    ),
  );
}

/** A random set of specs with distinct domain ids (by default never dot-nested); see arbSpecsFor. */
export function arbSpecSet(opts: SpecSetOptions = {}): fc.Arbitrary<DomainSpec[]> {
  return arbDomainIds(opts).chain((ids) =>
    arbSpecsFor(ids, opts.maxChannels !== undefined ? { maxChannels: opts.maxChannels } : {}),
  );
}

// --- deterministic synthetic sets for benchmarks ------------------------------------------------

/** A small seeded PRNG (mulberry32), so benchmarks see the same data every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` specs of `channels` channels each: a third public, a third protected (two grants each),
 * a third private; ids `team-<i>.svc` so that some ids are string prefixes of others
 * (`team-1.svc`, `team-10.svc`) without being dot-nested.
 */
export function syntheticSpecs(count: number, channels: number, seed = 1): DomainSpec[] {
  const next = rng(seed);
  const ids = Array.from({ length: count }, (_, i) => `team-${i}.svc`);
  return ids.map((domain) => {
    const topics: TopicInput[] = [];
    for (let c = 0; c < channels; c++) {
      const visibility: Visibility = c % 3 === 0 ? 'public' : c % 3 === 1 ? 'protected' : 'private';
      const grants =
        visibility === 'protected'
          ? [ids[Math.floor(next() * count)]!, ids[Math.floor(next() * count)]!].filter((g) => g !== domain)
          : [];
      topics.push({
        channel: `channel-${c}`,
        visibility,
        grants: [...new Set(grants)],
        partitions: 3 + (c % 4),
        replicas: 3,
        configs: c % 2 === 0 ? { 'retention.ms': String(86_400_000 * (1 + (c % 7))), 'cleanup.policy': 'delete' } : {},
      });
    }
    return makeSpec(domain, topics);
  });
}
