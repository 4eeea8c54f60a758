// Every file of the shared corpus (specs nobody on this project wrote) either yields a model or a
// precise refusal; this table says which, file by file. A file missing from the table, or a table
// row without a file, fails the test.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, resolveConfig, type ProvisionConfig } from '../../../lib/config.js';
import { parseSpec } from '../../../lib/spec/parse.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = path.resolve(repoRoot, '../shared/corpus');

type Visibility = 'public' | 'protected' | 'private';
type Verdict =
  | {
      model: {
        domain: string;
        /** topic name (without the domain) → visibility[:grants] */
        topics: Record<string, string>;
        subscriptions: string[];
      };
      config?: ProvisionConfig;
    }
  | { refused: Array<[path: string, rule: string]> };

const ZZ = resolveConfig({
  visibilityKeywords: { public: 'zzpublic', protected: 'zzprotected', private: 'zzprivate' },
});
const vis = (v: Visibility, grants: string[] = []) => (grants.length ? `${v}:${grants.join(',')}` : v);

const TABLE: Record<string, Verdict> = {
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

function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'LICENSE' && name !== 'README.md')
        out.push(path.relative(corpus, full).split(path.sep).join('/'));
    }
  };
  walk(corpus);
  return out;
}

describe('the shared corpus', () => {
  const files = corpusFiles();

  it('is listed completely in the table, and the table names only files that exist', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files).toEqual(Object.keys(TABLE).sort());
  });

  it.each(Object.entries(TABLE))('%s', (file, verdict) => {
    const text = readFileSync(path.join(corpus, file), 'utf8');
    const config = 'model' in verdict ? (verdict.config ?? DEFAULT_CONFIG) : DEFAULT_CONFIG;
    const result = parseSpec(text, file, config);
    if ('refused' in verdict) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.issues.map((i) => [i.path, i.rule])).toEqual(verdict.refused);
      for (const issue of result.issues) {
        expect(issue.file).toBe(file);
        expect(issue.message).toMatch(/expected/);
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
    expect(warnings).toEqual([]);
  });

  it('refuses customacl-bigdatalondon with the default keywords: zzprotected is then no keyword, so its grant lands on a private channel', () => {
    const file = 'specmesh/customacl-bigdatalondon-api.yaml';
    const result = parseSpec(readFileSync(path.join(corpus, file), 'utf8'), file, DEFAULT_CONFIG);
    expect(!result.ok && result.issues.map((i) => [i.path, i.rule])).toEqual([
      ['$.channels["zzprotected.retail.subway.food.purchase"]', 'grant-on-private'],
    ]);
  });

  it('applies the envs stage filter to corpus specs (channels limited to staging/prod disappear in dev)', () => {
    const file = 'specmesh/simple_spec_demo-api.yaml';
    const result = parseSpec(readFileSync(path.join(corpus, file), 'utf8'), file, resolveConfig({ stage: 'dev' }));
    expect(result.ok && result.spec.owned.map((t) => t.name)).toEqual(['simple.spec_demo._protected.purchased']);
  });
});
