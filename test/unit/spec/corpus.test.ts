// Spec corpora: every file either yields a model or a precise refusal, and a table says which, file
// by file. A file missing from its table, or a table row without a file, fails the test.
//
// - `test/fixtures/corpus/`: specs written for this repository (SpecMesh-style AsyncAPI 2.x and
//   AsyncAPI 3.x, see its README). Always run.
// - `../shared/corpus/` beside the checkout: an optional outside corpus (specs from SpecMesh's and
//   AsyncAPI's own repositories, which nobody on this project wrote). Run when that folder exists;
//   otherwise a skipped test says it was not found.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accessReport } from '../../../lib/access/report.js';
import { DEFAULT_CONFIG, resolveConfig, type ProvisionConfig } from '../../../lib/config.js';
import type { DomainSpec } from '../../../lib/spec/model.js';
import { parseSpec } from '../../../lib/spec/parse.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ownCorpus = path.join(repoRoot, 'test/fixtures/corpus');
const outsideCorpus = path.resolve(repoRoot, '../shared/corpus');

type Visibility = 'public' | 'protected' | 'private';
type Issue = [path: string, rule: string];
type Verdict =
  | {
      model: {
        domain: string;
        /** topic name (without the domain) → visibility[:grants] */
        topics: Record<string, string>;
        subscriptions: string[];
      };
      config?: ProvisionConfig;
      /** Warnings the spec must produce; none when absent. */
      warnings?: Issue[];
    }
  | { refused: Issue[] };

const vis = (v: Visibility, grants: string[] = []) => (grants.length ? `${v}:${grants.join(',')}` : v);

// --- the repository's own corpus -------------------------------------------------------------

/** Marketing's cluster names its visibilities external / partner / internal. */
const MARKETING = resolveConfig({
  visibilityKeywords: { public: 'external', protected: 'partner', private: 'internal' },
});

const OWN: Record<string, Verdict> = {
  // `urn:a:b:c`, every visibility, two grants on one channel, an unmarked (so private) channel,
  // `envs` (no stage configured: every channel), `/` paths and the legacy absolute subscription form
  'asyncapi2/logistics.shipping-api.yaml': {
    model: {
      domain: 'acme.logistics.shipping',
      topics: {
        '_public.shipment_dispatched': vis('public'),
        '_public.shipment_delivered': vis('public'),
        '_protected.delivery_address': vis('protected', ['acme.billing', 'acme.customer.support']),
        '_private.route_planner-store-changelog': vis('private'),
        carrier_callbacks: vis('private'),
        '_public.tracking_preview': vis('public'),
      },
      subscriptions: ['acme.warehouse._public.parcel_packed', 'acme.billing._public.invoice_issued'],
    },
  },
  // custom keywords: with external/partner/internal configured (checked with the default keywords below)
  'asyncapi2/marketing-custom-keywords-api.yaml': {
    config: MARKETING,
    model: {
      domain: 'acme.marketing',
      topics: {
        'external.campaign_started': vis('public'),
        'partner.newsletter_audience': vis('protected', ['acme.customer.support']),
        'internal.attribution-joiner-repartition': vis('private'),
      },
      subscriptions: ['acme.logistics.shipping._public.shipment_delivered'],
    },
  },
  'asyncapi2/refused-bad-grantee.yaml': {
    refused: [
      ['$.channels["_protected/points_balance"].publish.tags[0].name', 'grant-access'],
      ['$.channels["_protected/points_balance"].publish.tags[2].name', 'grant-access'],
    ],
  },
  // '.' and '_' collide in Kafka topic names; partitions 0 and replicas 2.5 are out of range
  'asyncapi2/refused-colliding-topics.yaml': {
    refused: [
      ['$.channels["_private/index_updates"].bindings.kafka.partitions', 'binding-partitions'],
      ['$.channels["_private/index_updates"].bindings.kafka.replicas', 'binding-replicas'],
      ['$.channels["_public/query.logged"]', 'topic-collision'],
    ],
  },
  'asyncapi2/refused-exporter-output.yaml': { refused: [['$.asyncapi', 'asyncapi-version']] },
  // a grant needs a protected channel: an unmarked one is private
  'asyncapi2/refused-grant-on-unmarked.yaml': {
    refused: [['$.channels.refund_requested', 'grant-on-private']],
  },
  'asyncapi2/refused-leading-dot-id.yaml': { refused: [['$.id', 'domain-id']] },
  'asyncapi2/refused-unownable-subscription.yaml': {
    refused: [['$.channels[".acme.warehouse._public.stock_level"]', 'subscription-topic']],
  },
  // keys already under the domain, `$ref` bindings and tags, list-valued cleanup.policy, and
  // grant-access:_public opening a protected channel (which it warns about)
  'asyncapi2/warehouse-api.yml': {
    model: {
      domain: 'acme.warehouse',
      topics: {
        '_public.parcel_packed': vis('public'),
        '_public.stock_level': vis('public'),
        '_protected.opening_hours': vis('public'),
        '_private.picking_queue': vis('private'),
      },
      subscriptions: [],
    },
    warnings: [['$.channels["_protected/opening_hours"]', 'grant-access']],
  },
  // 3.0: send owns, receive subscribes (a channel both sent and received is owned), grants from the
  // channel's and the send operation's tags, and a channel no operation uses
  'asyncapi3/billing-api.yaml': {
    model: {
      domain: 'acme.billing',
      topics: {
        '_public.invoice_issued': vis('public'),
        '_protected.payment_failed': vis('protected', ['acme.customer.support', 'acme.logistics.shipping']),
        '_private.ledger-entries': vis('private'),
      },
      subscriptions: [
        'acme.logistics.shipping._protected.delivery_address',
        'acme.logistics.shipping._public.shipment_dispatched',
      ],
    },
    warnings: [['$.channels.draftInvoices', 'channel-operation']],
  },
  'asyncapi3/customer.support-api.yaml': {
    model: {
      domain: 'acme.customer.support',
      topics: { '_private.ticket_events': vis('private'), '_public.satisfaction_score': vis('public') },
      subscriptions: [
        'acme.logistics.shipping._protected.delivery_address',
        'acme.billing._protected.payment_failed',
        'acme.marketing.partner.newsletter_audience',
      ],
    },
  },
  'asyncapi3/refused-broken-operations.yaml': {
    refused: [
      ['$.operations.publishPrice.action', 'operation-action'],
      ['$.operations.publishDiscount.channel', 'operation-channel'],
    ],
  },
  // the AsyncAPI examples' shape: no `id: urn:...`, a parameterised address and a null one
  'asyncapi3/refused-parameterised-address.yaml': {
    refused: [
      ['$.id', 'domain-id'],
      ['$.channels.lockerOpened.address', 'channel-address'],
      ['$.channels.lockerReply.address', 'channel-address'],
    ],
  },
};

// --- the optional outside corpus -------------------------------------------------------------

const ZZ = resolveConfig({
  visibilityKeywords: { public: 'zzpublic', protected: 'zzprotected', private: 'zzprivate' },
});

// Specs of SpecMesh (specmesh/) and of the AsyncAPI specification's examples (asyncapi/), unchanged.
const OUTSIDE: Record<string, Verdict> = {
  // AsyncAPI 3.1 examples: no `id: urn:...`, and addresses with {parameters} or null name no single topic.
  'asyncapi/adeo-kafka-request-reply-asyncapi.yml': {
    refused: [
      ['$.id', 'domain-id'],
      ['$.channels.costingRequestChannel.address', 'channel-address'],
    ],
  },
  'asyncapi/streetlights-kafka-asyncapi.yml': {
    refused: [
      ['$.id', 'domain-id'],
      ['$.channels.lightingMeasured.address', 'channel-address'],
      ['$.channels.lightTurnOn.address', 'channel-address'],
      ['$.channels.lightTurnOff.address', 'channel-address'],
      ['$.channels.lightsDim.address', 'channel-address'],
    ],
  },
  'asyncapi/streetlights-operation-security-asyncapi.yml': {
    refused: [
      ['$.id', 'domain-id'],
      ['$.channels.lightingMeasured.address', 'channel-address'],
      ['$.channels.lightTurnOn.address', 'channel-address'],
      ['$.channels.lightTurnOff.address', 'channel-address'],
      ['$.channels.lightsDim.address', 'channel-address'],
    ],
  },
  // leading-dot id `urn:.london...`
  'specmesh/apispec-functional-test-app.yaml': { refused: [['$.id', 'domain-id']] },
  // grants by tag only: `grant-access:_public` would make attendee public, but a grant on the unmarked
  // (so private) channel retail.subway.food.purchase is refused: grants need a _protected channel
  'specmesh/bigdatalondon-api-with-grant-access-acls.yaml': {
    refused: [['$.channels["retail.subway.food.purchase"]', 'grant-on-private']],
  },
  'specmesh/bigdatalondon-api.yaml': {
    model: {
      domain: 'london.hammersmith.olympia.bigdatalondon',
      topics: {
        '_public.attendee': vis('public'),
        '_protected.retail.subway.food.purchase': vis('protected', ['some.other.domain.root']),
        '_private.retail.subway.customers': vis('private'),
      },
      subscriptions: ['london.hammersmith.transport._public.tube'],
    },
  },
  // grant to `some.other.domain.acme-A`: uppercase is not a domain id
  'specmesh/clientapi-functional-test-api.yaml': {
    refused: [['$.channels["_protected.user_info"].publish.tags[0].name', 'grant-access']],
  },
  'specmesh/com.example.shared-api.yml': {
    model: { domain: 'com.example.shared', topics: { '_public.currency': vis('public') }, subscriptions: [] },
  },
  'specmesh/com.example.trading-api.yml': {
    model: {
      domain: 'com.example.trading',
      topics: { '_public.trade': vis('public') },
      subscriptions: ['com.example.shared._public.currency'],
    },
  },
  // custom keywords: with zz* configured the channels are public/protected/private (checked again below with the default keywords)
  'specmesh/customacl-bigdatalondon-api.yaml': {
    config: ZZ,
    model: {
      domain: 'london.hammersmith.olympia.bigdatalondon',
      topics: {
        'zzpublic.attendee': vis('public'),
        'zzprotected.retail.subway.food.purchase': vis('protected', ['some.other.domain.root']),
        'zzprivate.retail.subway.customers': vis('private'),
      },
      subscriptions: ['london.hammersmith.transport._public.tube'],
    },
  },
  // an exporter's output: no `asyncapi` version, and a channel with no operation
  'specmesh/exporter-expected-spec.yaml': {
    refused: [['$.asyncapi', 'asyncapi-version']],
  },
  'specmesh/kafka_test-simple_schema_demo-api.yaml': {
    model: {
      domain: 'simple.schema_demo',
      topics: {
        '_public.user_signed_up': vis('public'),
        '_public.user_signed_up_pojo': vis('public'),
        '_public.user_signed_up_2': vis('public'),
        '_public.user_info': vis('public'),
        '_public.user_info_enriched': vis('public'),
        '_private.client-func-demo-rekey.by-age-repartition': vis('private'),
        '_private.client-func-demo-store.age-changelog': vis('private'),
      },
      subscriptions: ['london.hammersmith.transport._public.tube'],
    },
  },
  'specmesh/provisioner-functional-test-api.yaml': {
    refused: [['$.channels["_protected.user_info"].publish.tags[0].name', 'grant-access']],
  },
  'specmesh/provisioner-incompatible-functional-test-api.yaml': {
    refused: [
      ['$.channels["_protected.user_info"].publish.tags[0].name', 'grant-access'],
      ['$.channels["_protected.user_info"].publish.tags[1].name', 'grant-access'],
    ],
  },
  'specmesh/provisioner-update-functional-test-api.yaml': {
    refused: [
      ['$.channels["_protected.user_info"].publish.tags[0].name', 'grant-access'],
      ['$.channels["_protected.user_info"].publish.tags[1].name', 'grant-access'],
    ],
  },
  'specmesh/shared_schema_demo-api.yaml': {
    model: { domain: 'simple.schema_demo', topics: { '_public.some.topic': vis('public') }, subscriptions: [] },
  },
  // subscribes to `.london...`: a topic no valid domain can own
  'specmesh/simple_schema_demo-api.yaml': {
    refused: [['$.channels[".london.hammersmith.transport._public.tube"]', 'subscription-topic']],
  },
  'specmesh/simple_spec_demo-api.yaml': {
    model: {
      domain: 'simple.spec_demo',
      topics: {
        '_public.user_signed_up': vis('public'),
        '_private.user_checkout': vis('private'),
        '_protected.purchased': vis('protected', ['some.other.domain.root']),
      },
      subscriptions: ['london.hammersmith.transport._public.tube'],
    },
  },
  // leading-dot id `urn:.simple.streetlights`
  'specmesh/streetlights-simple-api.yaml': { refused: [['$.id', 'domain-id']] },
};

// --- checks common to both corpora -----------------------------------------------------------

/** Rules whose refusal says what to do without the word "expected". */
const NOT_PHRASED_EXPECTED = new Set(['topic-collision']);

function corpusFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'LICENSE' && name !== 'README.md')
        out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out;
}

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');

function parseOk(root: string, file: string, config: ProvisionConfig): DomainSpec {
  const result = parseSpec(read(root, file), file, config);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path} [${i.rule}] ${i.message}`).join('\n'));
  return result.spec;
}

function checkTable(root: string, table: Record<string, Verdict>): void {
  it('is listed completely in the table, and the table names only files that exist', () => {
    const files = corpusFiles(root);
    expect(files.length).toBeGreaterThan(0);
    expect(files).toEqual(Object.keys(table).sort());
  });

  it.each(Object.entries(table))('%s', (file, verdict) => {
    const config = 'model' in verdict ? (verdict.config ?? DEFAULT_CONFIG) : DEFAULT_CONFIG;
    const result = parseSpec(read(root, file), file, config);
    if ('refused' in verdict) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.issues.map((i) => [i.path, i.rule])).toEqual(verdict.refused);
      for (const issue of result.issues) {
        expect(issue.file).toBe(file);
        if (!NOT_PHRASED_EXPECTED.has(issue.rule)) expect(issue.message).toMatch(/expected/);
      }
      return;
    }
    if (!result.ok) throw new Error(result.issues.map((i) => `${i.path} [${i.rule}] ${i.message}`).join('\n'));
    const { spec, warnings } = result;
    expect(spec.domain).toBe(verdict.model.domain);
    expect(spec.source).toBe(file);
    const topics = Object.fromEntries(
      spec.owned.map((t) => [t.name.slice(spec.domain.length + 1), vis(t.visibility, [...t.grants])]),
    );
    expect(topics).toEqual(verdict.model.topics);
    expect(spec.owned).toHaveLength(Object.keys(verdict.model.topics).length);
    expect(spec.subscriptions.map((s) => s.topic)).toEqual(verdict.model.subscriptions);
    expect(warnings.map((w) => [w.path, w.rule])).toEqual(verdict.warnings ?? []);
  });
}

// --- the tests -------------------------------------------------------------------------------

describe('the repository corpus (test/fixtures/corpus)', () => {
  checkTable(ownCorpus, OWN);

  it('refuses marketing with the default keywords: `partner` is then no keyword, so its grant lands on a private channel', () => {
    const file = 'asyncapi2/marketing-custom-keywords-api.yaml';
    const result = parseSpec(read(ownCorpus, file), file, DEFAULT_CONFIG);
    expect(!result.ok && result.issues.map((i) => [i.path, i.rule])).toEqual([
      ['$.channels["partner/newsletter_audience"]', 'grant-on-private'],
    ]);
  });

  it('applies the envs stage filter: staging/prod-only channels disappear in dev, dev-only ones in prod', () => {
    const file = 'asyncapi2/logistics.shipping-api.yaml';
    const names = (stage: string) => parseOk(ownCorpus, file, resolveConfig({ stage })).owned.map((t) => t.name);
    expect(names('dev')).not.toContain('acme.logistics.shipping.carrier_callbacks');
    expect(names('dev')).toContain('acme.logistics.shipping._public.tracking_preview');
    expect(names('prod')).toContain('acme.logistics.shipping.carrier_callbacks');
    expect(names('prod')).not.toContain('acme.logistics.shipping._public.tracking_preview');
    expect(names('prod')).toHaveLength(5);
  });

  it('reads topic settings from 2.x configs and 3.x topicConfiguration, shared $ref bindings included', () => {
    const shipping = parseOk(ownCorpus, 'asyncapi2/logistics.shipping-api.yaml', DEFAULT_CONFIG);
    expect(shipping.owned[0]).toMatchObject({
      partitions: 6,
      replicas: 3,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '1209600000', 'min.insync.replicas': '2' },
    });
    const warehouse = parseOk(ownCorpus, 'asyncapi2/warehouse-api.yml', DEFAULT_CONFIG);
    expect(warehouse.owned.map((t) => [t.partitions, t.replicas, t.configs])).toEqual([
      [3, 3, { 'retention.ms': '259200000' }],
      [12, 3, { 'cleanup.policy': 'compact,delete', 'retention.ms': '604800000' }],
      [3, 3, { 'retention.ms': '259200000' }],
      [3, 3, { 'retention.ms': '259200000' }],
    ]);
    const billing = parseOk(ownCorpus, 'asyncapi3/billing-api.yaml', DEFAULT_CONFIG);
    expect(billing.owned[0]).toMatchObject({
      partitions: 6,
      replicas: 3,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '2592000000' },
    });
  });

  it('forms one mesh: every subscription between the accepted specs is granted; only the custom-keyword domain is unknown', () => {
    const specs = [
      'asyncapi2/logistics.shipping-api.yaml',
      'asyncapi2/warehouse-api.yml',
      'asyncapi3/billing-api.yaml',
      'asyncapi3/customer.support-api.yaml',
    ].map((file) => parseOk(ownCorpus, file, DEFAULT_CONFIG));
    const report = accessReport(specs, DEFAULT_CONFIG);
    expect(report.refused).toEqual([]);
    expect(report.danglingSubscriptions.map((d) => [d.domain, d.topic, d.reason])).toEqual([
      ['acme.customer.support', 'acme.marketing.partner.newsletter_audience', 'unknown-topic'],
    ]);
    const address = report.topics.find((t) => t.topic === 'acme.logistics.shipping._protected.delivery_address');
    expect(address?.read.everyone).toBe(false);
    expect(address?.read.domains).toEqual(['acme.billing', 'acme.customer.support', 'acme.logistics.shipping']);
    expect(address?.write.domains).toEqual(['acme.logistics.shipping']);
  });
});

if (existsSync(outsideCorpus)) {
  describe('the outside corpus (../shared/corpus, optional)', () => {
    checkTable(outsideCorpus, OUTSIDE);

    it('refuses customacl-bigdatalondon with the default keywords: zzprotected is then no keyword, so its grant lands on a private channel', () => {
      const file = 'specmesh/customacl-bigdatalondon-api.yaml';
      const result = parseSpec(read(outsideCorpus, file), file, DEFAULT_CONFIG);
      expect(!result.ok && result.issues.map((i) => [i.path, i.rule])).toEqual([
        ['$.channels["zzprotected.retail.subway.food.purchase"]', 'grant-on-private'],
      ]);
    });

    it('applies the envs stage filter to corpus specs (channels limited to staging/prod disappear in dev)', () => {
      const file = 'specmesh/simple_spec_demo-api.yaml';
      expect(parseOk(outsideCorpus, file, resolveConfig({ stage: 'dev' })).owned.map((t) => t.name)).toEqual([
        'simple.spec_demo._protected.purchased',
      ]);
    });
  });
} else {
  describe('the outside corpus (../shared/corpus, optional)', () => {
    it.skip(`not run: no folder ${outsideCorpus} beside the checkout`, () => {});
  });
}
