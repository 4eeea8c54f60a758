import { describe, expect, it } from '@jest/globals';
import { resolveConfig, DEFAULT_CONFIG } from '../../../lib/config.js';
import { parseSpec, type ParseResult } from '../../../lib/spec/parse.js';
import { formatOf } from '../../../lib/spec/load.js';
import type { DomainSpec, SpecIssue } from '../../../lib/spec/model.js';

const FILE = 'specs/test.yaml';

function ok(text: string, config = DEFAULT_CONFIG, file = FILE): { spec: DomainSpec; warnings: SpecIssue[] } {
  const r = parseSpec(text, file, config);
  if (!r.ok)
    throw new Error(`expected a model, got:\n${r.issues.map((i) => `${i.path} [${i.rule}] ${i.message}`).join('\n')}`);
  return r;
}

function refused(text: string, config = DEFAULT_CONFIG, file = FILE): SpecIssue[] {
  const r: ParseResult = parseSpec(text, file, config);
  if (r.ok)
    throw new Error(`expected a refusal, got a model with topics ${r.spec.owned.map((t) => t.name).join(', ')}`);
  return r.issues;
}

const rulesAt = (issues: SpecIssue[]) => issues.map((i) => [i.path, i.rule]);

const v2 = (id: string, channels: string) => `asyncapi: '2.6.0'\nid: '${id}'\nchannels:\n${channels}`;

describe('AsyncAPI 2.x (SpecMesh conventions)', () => {
  it('names owned topics <domain>.<channel>, keeps names already under the domain, turns / into .', () => {
    const { spec } = ok(
      v2(
        'urn:acme:shop',
        `  _public.orders:
    publish: {}
  acme.shop._private.audit:
    publish: {}
  _protected/invoices:
    publish: {}
  /legacy/absolute:
    publish: {}
  plain:
    publish: {}
`,
      ),
    );
    expect(spec.domain).toBe('acme.shop');
    expect(spec.asyncapi).toBe('2.6.0');
    expect(spec.source).toBe(FILE);
    expect(spec.owned.map((t) => [t.name, t.visibility, t.channel])).toEqual([
      ['acme.shop._public.orders', 'public', '_public.orders'],
      ['acme.shop._private.audit', 'private', 'acme.shop._private.audit'],
      ['acme.shop._protected.invoices', 'protected', '_protected/invoices'],
      ['acme.shop.legacy.absolute', 'private', '/legacy/absolute'],
      ['acme.shop.plain', 'private', 'plain'],
    ]);
    expect(spec.owned[0]?.path).toBe('$.channels["_public.orders"]');
  });

  it('reads partitions, replicas, configs and envs from the channel and the publish operation bindings', () => {
    const { spec } = ok(
      v2(
        'urn:acme.shop',
        `  _public.orders:
    bindings:
      kafka:
        partitions: 6
        configs:
          retention.ms: 3600000
          cleanup.policy: compact, delete
          unclean.leader.election.enable: false
          min.cleanable.dirty.ratio: 0.5
        envs: [staging, prod]
    publish:
      bindings:
        kafka:
          replicas: 3
          groupId: ignored
          key: { type: long }
`,
      ),
    );
    expect(spec.owned[0]).toMatchObject({
      partitions: 6,
      replicas: 3,
      envs: ['staging', 'prod'],
      configs: {
        'retention.ms': '3600000',
        'cleanup.policy': 'compact,delete',
        'unclean.leader.election.enable': 'false',
        'min.cleanable.dirty.ratio': '0.5',
      },
    });
  });

  it('leaves partitions and replicas undefined when no binding sets them (the planner applies defaults)', () => {
    const { spec } = ok(v2('urn:acme.shop', '  _public.orders:\n    publish: {}\n'));
    const [topic] = spec.owned;
    expect(topic?.partitions).toBeUndefined();
    expect(topic?.replicas).toBeUndefined();
    expect(topic?.envs).toBeUndefined();
    expect(topic?.configs).toEqual({});
  });

  it('refuses the same setting given two different values', () => {
    const issues = refused(
      v2(
        'urn:acme.shop',
        `  _public.orders:
    bindings: { kafka: { partitions: 3 } }
    publish:
      bindings: { kafka: { partitions: 4 } }
`,
      ),
    );
    expect(rulesAt(issues)).toEqual([
      ['$.channels["_public.orders"].publish.bindings.kafka.partitions', 'binding-conflict'],
    ]);
  });

  it('turns subscribe-only channels into subscriptions, normalising / and the legacy leading /', () => {
    const { spec } = ok(
      v2(
        'urn:acme.shop',
        `  other.domain._public.tube:
    subscribe: {}
  /london/transport/_public/tube:
    subscribe: {}
  other.domain._public.tube2:
    subscribe: {}
    publish: {}
`,
      ),
    );
    expect(spec.subscriptions.map((s) => s.topic)).toEqual([
      'other.domain._public.tube',
      'london.transport._public.tube',
    ]);
    // publish wins: the channel is owned (and prefixed), not a subscription
    expect(spec.owned.map((t) => t.name)).toEqual(['acme.shop.other.domain._public.tube2']);
  });

  it('refuses a subscription that no domain can own (leading dot) and names the fix', () => {
    const issues = refused(v2('urn:acme.shop', '  .london.transport._public.tube:\n    subscribe: {}\n'));
    expect(rulesAt(issues)).toEqual([['$.channels[".london.transport._public.tube"]', 'subscription-topic']]);
    expect(issues[0]?.message).toContain('"london.transport._public.tube"');
  });

  it("warns about and drops a subscription to the domain's own topic", () => {
    const { spec, warnings } = ok(v2('urn:acme.shop', '  acme.shop._public.x:\n    subscribe: {}\n'));
    expect(spec.subscriptions).toEqual([]);
    expect(warnings.map((w) => w.rule)).toEqual(['subscription-topic']);
  });

  it('refuses a channel with neither publish nor subscribe', () => {
    const issues = refused(v2('urn:acme.shop', '  _public.orders:\n    bindings: { kafka: { partitions: 1 } }\n'));
    expect(rulesAt(issues)).toEqual([['$.channels["_public.orders"]', 'channel-operation']]);
  });
});

describe('grants and visibility', () => {
  it('collects grant-access tags on protected channels and validates each granted id', () => {
    const { spec } = ok(
      v2(
        'urn:acme.shop',
        `  _protected.invoices:
    publish:
      tags: [ name: "grant-access:acme.billing", name: "grant-access:acme.audit", name: "grant-access:acme.billing", name: "unrelated" ]
`,
      ),
    );
    expect(spec.owned[0]).toMatchObject({ visibility: 'protected', grants: ['acme.billing', 'acme.audit'] });
  });

  it.each([
    ['User:*', 'uppercase'],
    ['*', '"*"'],
    ['acme.billing,User:bob', '","'],
    ['CN=x', 'uppercase'],
    ['.acme', 'start and end'],
    ['acme billing', 'space'],
    ['', 'empty'],
  ])('refuses grant-access:%s (%s)', (grantee, words) => {
    const issues = refused(
      v2(
        'urn:acme.shop',
        `  _protected.invoices:\n    publish:\n      tags:\n        - name: ${JSON.stringify(`grant-access:${grantee}`)}\n`,
      ),
    );
    expect(rulesAt(issues)).toEqual([['$.channels["_protected.invoices"].publish.tags[0].name', 'grant-access']]);
    expect(issues[0]?.message).toContain(words);
  });

  it('grant-access:_public makes any channel public (with a warning when the name says otherwise)', () => {
    const { spec, warnings } = ok(
      v2(
        'urn:acme.shop',
        `  attendee:
    publish:
      tags: [ name: "grant-access:_public" ]
  _public.already:
    publish:
      tags: [ name: "grant-access:_public" ]
`,
      ),
    );
    expect(spec.owned.map((t) => t.visibility)).toEqual(['public', 'public']);
    expect(warnings.map((w) => w.path)).toEqual(['$.channels.attendee']);
  });

  it('refuses grants on private channels, whether marked private or unmarked (grants need a protected channel)', () => {
    for (const channel of ['retail.purchase', '_private.secrets']) {
      const issues = refused(
        v2('urn:acme.shop', `  ${channel}:\n    publish:\n      tags: [ name: "grant-access:acme.billing" ]\n`),
      );
      expect(rulesAt(issues)).toEqual([[`$.channels["${channel}"]`, 'grant-on-private']]);
      expect(issues[0]?.message).toContain('_protected');
    }
  });

  it('uses configurable visibility keywords (the corpus has zzpublic)', () => {
    const text = v2(
      'urn:acme.shop',
      '  zzpublic.a:\n    publish: {}\n  zzprotected.b:\n    publish: {}\n  _public.c:\n    publish: {}\n',
    );
    const custom = resolveConfig({
      visibilityKeywords: { public: 'zzpublic', protected: 'zzprotected', private: 'zzprivate' },
    });
    expect(ok(text, custom).spec.owned.map((t) => t.visibility)).toEqual(['public', 'protected', 'private']);
    expect(ok(text).spec.owned.map((t) => t.visibility)).toEqual(['private', 'private', 'public']);
  });

  it('refuses a channel that is only a visibility keyword', () => {
    const issues = refused(v2('urn:acme.shop', '  _public:\n    publish: {}\n'));
    expect(rulesAt(issues)).toEqual([['$.channels._public', 'topic-name']]);
  });
});

describe('topic names', () => {
  it('refuses illegal characters, empty segments and over-long names, each at its channel', () => {
    const long = 'x'.repeat(250);
    const issues = refused(
      v2(
        'urn:acme.shop',
        `  'orders?':
    publish: {}
  _public..double:
    publish: {}
  trailing.:
    publish: {}
  ${long}:
    publish: {}
  'ünïcode':
    publish: {}
`,
      ),
    );
    expect(rulesAt(issues)).toEqual([
      ['$.channels["orders?"]', 'topic-name'],
      ['$.channels["_public..double"]', 'topic-name'],
      ['$.channels["trailing."]', 'topic-name'],
      [`$.channels.${long}`, 'topic-name'],
      ['$.channels["ünïcode"]', 'topic-name'],
    ]);
    expect(issues[3]?.message).toContain('at most 249');
  });

  it('refuses duplicate topics after normalisation and names colliding in Kafka metrics', () => {
    const issues = refused(
      v2(
        'urn:acme.shop',
        `  _public.orders:
    publish: {}
  _public/orders:
    publish: {}
  acme.shop._public.orders:
    publish: {}
  _public.order_lines:
    publish: {}
  _public.order.lines:
    publish: {}
`,
      ),
    );
    expect(rulesAt(issues)).toEqual([
      ['$.channels["_public/orders"]', 'topic-duplicate'],
      ['$.channels["acme.shop._public.orders"]', 'topic-duplicate'],
      ['$.channels["_public.order.lines"]', 'topic-collision'],
    ]);
  });
});

describe('domain ids', () => {
  it.each([
    ['urn:acme.shop', 'acme.shop'],
    ['urn:acme:shop:orders', 'acme.shop.orders'],
    ['urn:a1', 'a1'],
    ['urn:shop_2-b.c', 'shop_2-b.c'],
    [`urn:${'a'.repeat(200)}`, 'a'.repeat(200)],
  ])('accepts %s as %s', (id, domain) => {
    expect(ok(`asyncapi: 2.6.0\nid: '${id}'\nchannels: {}\n`).spec.domain).toBe(domain);
  });

  it.each([
    ['urn:*', '"*"'],
    ['urn:User:*', 'uppercase'],
    ['urn:acme,User:bob', '","'],
    ['urn:cn=acme', '"="'],
    ['urn:acme shop', 'space'],
    ['urn:Acme', 'uppercase'],
    ['urn:.acme', 'start and end'],
    ['urn:acme.', 'start and end'],
    ['urn:', 'empty'],
    ['urn:a', 'at least 2'],
    [`urn:${'a'.repeat(201)}`, 'at most 200'],
    ['acme.shop', 'does not start with "urn:"'],
    ['URN:acme', 'does not start with "urn:"'],
  ])('refuses %s (%s)', (id, words) => {
    const issues = refused(`asyncapi: 2.6.0\nid: '${id}'\nchannels: {}\n`);
    expect(rulesAt(issues)).toEqual([['$.id', 'domain-id']]);
    expect(issues[0]?.message).toContain(words);
  });

  it('refuses a missing or non-string id', () => {
    expect(rulesAt(refused('asyncapi: 2.6.0\nchannels: {}\n'))).toEqual([['$.id', 'domain-id']]);
    expect(rulesAt(refused('asyncapi: 2.6.0\nid: 42\nchannels: {}\n'))).toEqual([['$.id', 'domain-id']]);
  });
});

describe('AsyncAPI 3.x', () => {
  const v3 = `asyncapi: 3.0.0
id: urn:acme.shop
channels:
  orders:
    address: _public.orders
    bindings:
      kafka:
        partitions: 2
        replicas: 1
        topicConfiguration:
          cleanup.policy: [compact, delete]
          retention.ms: 1000
    tags:
      - name: grant-access:acme.billing
  invoices:
    address: acme.shop._protected.invoices
    tags:
      - name: grant-access:acme.billing
  theirs:
    address: other.domain._public.news
  unused:
    address: acme.shop.nothing
operations:
  sendOrders:
    action: send
    channel: { $ref: '#/channels/orders' }
  sendInvoices:
    action: send
    channel: { $ref: '#/channels/invoices' }
    tags:
      - name: grant-access:acme.audit
  readNews:
    action: receive
    channel: { $ref: '#/channels/theirs' }
  readOwnOrders:
    action: receive
    channel: { $ref: '#/channels/orders' }
`;

  it('makes send channels owned topics and receive-only channels subscriptions', () => {
    const { spec, warnings } = ok(v3);
    expect(spec.asyncapi).toBe('3.0.0');
    expect(spec.owned).toEqual([
      {
        name: 'acme.shop._public.orders',
        channel: '_public.orders',
        visibility: 'public',
        grants: ['acme.billing'],
        partitions: 2,
        replicas: 1,
        configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': '1000' },
        path: '$.channels.orders',
      },
      {
        name: 'acme.shop._protected.invoices',
        channel: 'acme.shop._protected.invoices',
        visibility: 'protected',
        grants: ['acme.billing', 'acme.audit'],
        configs: {},
        path: '$.channels.invoices',
      },
    ]);
    expect(spec.subscriptions).toEqual([
      { topic: 'other.domain._public.news', channel: 'other.domain._public.news', path: '$.channels.theirs' },
    ]);
    expect(warnings.map((w) => [w.path, w.rule])).toEqual([
      ['$.channels.orders', 'grant-access'],
      ['$.channels.unused', 'channel-operation'],
    ]);
  });

  it('refuses unknown actions, dangling channel refs, null and parameterised addresses, all at once', () => {
    const issues = refused(`asyncapi: 3.1.0
id: urn:acme.shop
channels:
  dynamic:
    address: null
  params:
    address: 'acme.{env}.orders'
  fine:
    address: _public.fine
operations:
  a:
    action: publish
    channel: { $ref: '#/channels/fine' }
  b:
    action: send
    channel: { $ref: '#/channels/missing' }
  c:
    action: send
    channel: { $ref: '#/channels/dynamic' }
  d:
    action: receive
    channel: { $ref: '#/channels/params' }
`);
    expect(rulesAt(issues)).toEqual([
      ['$.operations.a.action', 'operation-action'],
      ['$.operations.b.channel', 'operation-channel'],
      ['$.channels.dynamic.address', 'channel-address'],
      ['$.channels.params.address', 'channel-address'],
    ]);
  });

  it('follows local $refs to components', () => {
    const { spec } = ok(`asyncapi: 3.0.0
id: urn:acme.shop
channels:
  orders:
    $ref: '#/components/channels/orders'
operations:
  send:
    action: send
    channel: { $ref: '#/channels/orders' }
components:
  channels:
    orders:
      address: _public.orders
      bindings:
        $ref: '#/components/channelBindings/small'
  channelBindings:
    small:
      kafka: { partitions: 1 }
`);
    expect(spec.owned.map((t) => [t.name, t.partitions])).toEqual([['acme.shop._public.orders', 1]]);
  });
});

describe('every refusal at once', () => {
  it('collects all issues of a spec with their JSON paths and rules', () => {
    const issues = refused(`asyncapi: '2.6.0'
id: 'urn:acme.shop'
channels:
  _public.orders:
    bindings:
      kafka:
        partitions: 0
        replicas: 1.5
        configs:
          retention.ms: { nested: true }
          Bad-Key: x
        envs: prod
    publish: {}
  _protected.invoices:
    publish:
      tags: nope
`);
    expect(rulesAt(issues)).toEqual([
      ['$.channels["_public.orders"].bindings.kafka.partitions', 'binding-partitions'],
      ['$.channels["_public.orders"].bindings.kafka.replicas', 'binding-replicas'],
      ['$.channels["_public.orders"].bindings.kafka.configs["retention.ms"]', 'binding-configs'],
      ['$.channels["_public.orders"].bindings.kafka.configs["Bad-Key"]', 'binding-configs'],
      ['$.channels["_public.orders"].bindings.kafka.envs', 'binding-envs'],
      ['$.channels["_protected.invoices"].publish.tags', 'tags'],
    ]);
    for (const i of issues) {
      expect(i.file).toBe(FILE);
      expect(i.message).toMatch(/expected/);
    }
  });

  it('refuses missing or unsupported asyncapi versions and non-mapping documents', () => {
    expect(rulesAt(refused('id: urn:acme.shop\nchannels: {}\n'))).toEqual([['$.asyncapi', 'asyncapi-version']]);
    expect(rulesAt(refused('asyncapi: 1.2.0\nid: urn:acme.shop\n'))).toEqual([['$.asyncapi', 'asyncapi-version']]);
    expect(rulesAt(refused('asyncapi: 3.0\nid: urn:acme.shop\n'))).toEqual([['$.asyncapi', 'asyncapi-version']]);
    expect(rulesAt(refused('- just\n- a list\n'))).toEqual([['$', 'spec-root']]);
    expect(rulesAt(refused('asyncapi: 2.6.0\nid: urn:acme.shop\nchannels: [a]\n'))).toEqual([
      ['$.channels', 'channels'],
    ]);
  });
});

describe('stage filter', () => {
  const text = v2(
    'urn:acme.shop',
    `  _public.everywhere:
    publish: {}
  _public.prod-only:
    bindings: { kafka: { envs: [prod] } }
    publish: {}
`,
  );
  it('drops channels whose envs exclude the configured stage, keeps all without a stage', () => {
    expect(ok(text, resolveConfig({ stage: 'dev' })).spec.owned.map((t) => t.name)).toEqual([
      'acme.shop._public.everywhere',
    ]);
    expect(ok(text, resolveConfig({ stage: 'prod' })).spec.owned).toHaveLength(2);
    expect(ok(text).spec.owned).toHaveLength(2);
  });
});

describe('JSON specs', () => {
  it('parses a .json file (JSON is YAML, parsed with the JSON schema) with the same paths', () => {
    const doc = {
      asyncapi: '3.0.0',
      id: 'urn:acme.shop',
      channels: { c: { address: '_public.x', bindings: { kafka: { partitions: 1 } } } },
      operations: { s: { action: 'send', channel: { $ref: '#/channels/c' } } },
    };
    expect(ok(JSON.stringify(doc, null, '\t'), DEFAULT_CONFIG, 'specs/acme.shop.json').spec.owned[0]?.name).toBe(
      'acme.shop._public.x',
    );
    const bad = { ...doc, channels: { c: { address: '_public.x', bindings: { kafka: { partitions: -1 } } } } };
    expect(rulesAt(refused(JSON.stringify(bad), DEFAULT_CONFIG, 'specs/acme.shop.json'))).toEqual([
      ['$.channels.c.bindings.kafka.partitions', 'binding-partitions'],
    ]);
  });

  it('refuses duplicate keys in JSON instead of silently keeping the last one', () => {
    const issues = refused('{"asyncapi": "2.6.0", "id": "urn:acme.shop", "id": "urn:other"}', DEFAULT_CONFIG, 'x.json');
    expect(issues.map((i) => i.rule)).toEqual(['json-syntax']);
    expect(issues[0]?.message).toMatch(/unique/);
  });

  it('detects the format by extension, or by content when the name has no spec extension', () => {
    expect(formatOf('specs/a.json', 'asyncapi: 2.6.0')).toBe('json');
    expect(formatOf('specs/a.yaml', '{"asyncapi": "2.6.0"}')).toBe('yaml');
    expect(formatOf('upload-1234', '  {"asyncapi": "2.6.0"}')).toBe('json');
    expect(formatOf('upload-1234', 'asyncapi: 2.6.0')).toBe('yaml');
    // sniffed JSON is parsed as JSON: a YAML-only plain scalar is refused there, accepted in YAML
    const yamlish = '{"asyncapi": "2.6.0", "id": urn:acme.shop}';
    expect(refused(yamlish, DEFAULT_CONFIG, 'upload-1234').map((i) => i.rule)).toEqual(['json-syntax']);
    expect(ok(yamlish, DEFAULT_CONFIG, 'specs/acme.shop.yaml').spec.domain).toBe('acme.shop');
  });
});
