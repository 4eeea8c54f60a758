// The msk-spec CLI, run in-process through run(argv, io) with captured output; one test spawns the
// real binary.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { run } from '../../../cli/program.js';
import { nodeFs, type CliFs } from '../../../cli/io.js';
import { resolveConfig } from '../../../lib/config.js';
import { applyPlanToState, plan } from '../../../lib/plan/plan.js';
import { parseSpec } from '../../../lib/spec/parse.js';
import { readFileSync, readdirSync } from 'node:fs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = path.join(repoRoot, 'examples/specs');
const INVALID = path.join(repoRoot, 'examples/specs-invalid');

interface Run {
  code: number;
  out: string;
  err: string;
  lines: string[];
}

/** In-memory files layered over the real file system (so examples/ stays readable). */
function memFs(files: Record<string, string>): CliFs {
  const isDir = (p: string) => Object.keys(files).some((f) => f.startsWith(`${p}/`));
  return {
    readFile: async (p) => (p in files ? files[p]! : nodeFs.readFile(p)),
    stat: async (p) =>
      p in files
        ? { size: Buffer.byteLength(files[p]!), isDirectory: false }
        : isDir(p)
          ? { size: 0, isDirectory: true }
          : nodeFs.stat(p),
    readdir: async (p) =>
      isDir(p)
        ? Object.keys(files)
            .filter((f) => path.dirname(f) === p)
            .map((f) => path.basename(f))
        : nodeFs.readdir(p),
  };
}

async function cli(argv: string[], files: Record<string, string> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    fs: memFs(files),
  });
  return { code, out, err, lines: out.split('\n').filter((l) => l !== '') };
}

const spec2 = (domain: string, channels: string) => `asyncapi: '2.6.0'\nid: 'urn:${domain}'\nchannels:\n${channels}`;

describe('help and usage', () => {
  it('lists the commands and the exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['validate', 'plan', 'access', 'can']) expect(r.out).toContain(c);
    expect(r.out).toMatch(
      /Exit codes:[\s\S]*0 {2}ok[\s\S]*1 {2}invalid input[\s\S]*2 {2}changes planned[\s\S]*3 {2}access denied/,
    );
  });

  it("shows the exit codes in every command's help too", async () => {
    const r = await cli(['can', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--transactional-id');
    expect(r.out).toContain('Exit codes:');
  });

  it('returns 1 for an unknown command, a missing argument or no arguments', async () => {
    expect((await cli(['destroy-everything'])).code).toBe(1);
    expect((await cli(['validate'])).code).toBe(1);
    expect((await cli([])).code).toBe(1);
  });

  it('runs for real as `node bin/msk-spec.js --help`', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/msk-spec.js'), '--help'], {
      cwd: repoRoot,
    });
    expect(stdout).toContain('Usage: msk-spec');
    expect(stdout).toContain('Exit codes:');
  });
});

describe('validate', () => {
  it('accepts every example spec (a directory stands for its spec files)', async () => {
    const r = await cli(['validate', EXAMPLES]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const names = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const n of names) expect(r.out).toContain(`${path.join(EXAMPLES, n)}: ok: domain ${n.replace(/\.yaml$/, '')}`);
  });

  it('prints every refusal as `file: path: [rule] message` and exits 1', async () => {
    const r = await cli(['validate', path.join(INVALID, 'shop.rogue.yaml'), path.join(INVALID, 'wildcard.yaml')]);
    expect(r.code).toBe(1);
    const errLines = r.err.split('\n').filter((l) => l !== '');
    expect(errLines).toHaveLength(6);
    for (const l of errLines) expect(l).toMatch(/^\S+\.yaml: \$\S*: \[[a-z-]+\] .*expected/);
    expect(r.err).toContain(`${path.join(INVALID, 'wildcard.yaml')}: $.id: [domain-id]`);
    expect(r.err).toContain(
      `${path.join(INVALID, 'shop.rogue.yaml')}: $.channels["_public.clicks"].bindings.kafka.partitions: [binding-partitions]`,
    );
  });

  it('reports rules that need the whole set: one domain in two files, nested ids', async () => {
    const r = await cli(['validate', 'a.yaml', 'b.yaml', 'c.yaml'], {
      'a.yaml': spec2('shop', '  _public.x:\n    publish: {}\n'),
      'b.yaml': spec2('shop', '  _public.y:\n    publish: {}\n'),
      'c.yaml': spec2('shop.order', '  _public.z:\n    publish: {}\n'),
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('a.yaml: $.id: [duplicate-domain]');
    expect(r.err).toMatch(/c\.yaml: \$\.id: \[nested-domain\]/);
  });

  it('reports unreadable files and files over the size cap', async () => {
    const big = `${spec2('shop', '  _public.x:\n    publish: {}\n')}# ${'x'.repeat(1024 * 1024)}\n`;
    const r = await cli(['validate', 'missing.yaml', 'big.yaml'], { 'big.yaml': big });
    expect(r.code).toBe(1);
    expect(r.err).toContain('missing.yaml: $: [file-read] no such file');
    expect(r.err).toContain('big.yaml: $: [max-size]');
  });

  it('prints JSON with --json', async () => {
    const r = await cli(['validate', '--json', 'a.yaml', path.join(INVALID, 'wildcard.yaml')], {
      'a.yaml': spec2('shop', '  _public.x:\n    publish: {}\n'),
    });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.valid).toBe(false);
    expect(doc.files[0]).toMatchObject({
      file: 'a.yaml',
      valid: true,
      domain: 'shop',
      topics: ['shop._public.x'],
      issues: [],
    });
    expect(doc.files[1]).toMatchObject({ valid: false, issues: [{ path: '$.id', rule: 'domain-id' }] });
  });

  it('maps --public-keyword (and friends) onto the visibility keywords', async () => {
    const text = spec2('shop', '  zzprotected.x:\n    publish:\n      tags: [ name: "grant-access:other" ]\n');
    expect((await cli(['validate', 'a.yaml'], { 'a.yaml': text })).code).toBe(1);
    const r = await cli(
      [
        'validate',
        '--json',
        '--public-keyword',
        'zzpublic',
        '--protected-keyword',
        'zzprotected',
        '--private-keyword',
        'zzprivate',
        'a.yaml',
      ],
      { 'a.yaml': text },
    );
    expect(r.code).toBe(0);
  });

  it('refuses bad option values with exit 1', async () => {
    for (const bad of [
      ['--auth', 'kerberos'],
      ['--max-delete-share', '2'],
      ['--default-partitions', '0'],
      ['--public-keyword', 'a.b'],
      ['--public-keyword', '_private'],
    ]) {
      const r = await cli(['validate', ...bad, EXAMPLES]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^msk-spec: error: /);
    }
  });
});

describe('plan', () => {
  const examplesState = () => {
    const config = resolveConfig();
    const specs = readdirSync(EXAMPLES).map((f) => {
      const r = parseSpec(readFileSync(path.join(EXAMPLES, f), 'utf8'), f, config);
      if (!r.ok) throw new Error(f);
      return r.spec;
    });
    return applyPlanToState({ topics: [], acls: [] }, plan(specs, { topics: [], acls: [] }, config));
  };

  it('plans the examples on an empty cluster: + topic and + acl lines, a summary that adds them up, exit 2', async () => {
    const r = await cli(['plan', EXAMPLES]);
    expect(r.code).toBe(2);
    expect(r.lines).toContain(
      '+ topic shop.order._public.created (partitions 1, replicas 1, cleanup.policy=delete, retention.ms=604800000)',
    );
    expect(r.lines).toContain(
      '+ acl ALLOW User:shop.payments READ on TOPIC LITERAL shop.order._protected.payment-requested',
    );
    expect(r.lines).toContain('+ acl ALLOW User:CN=shop.order READ on TOPIC PREFIXED shop.order.');
    expect(
      r.lines.some((l) => l.includes('User:shop.orders') && l.includes('TOPIC LITERAL shop.order._protected')),
    ).toBe(false);
    const adds = r.lines.filter((l) => l.startsWith('+ ')).length;
    expect(adds).toBeGreaterThan(9);
    expect(r.lines.at(-1)).toBe(`Plan: ${adds} to add, 0 to change, 0 to destroy.`);
  });

  it('says "No changes." and exits 0 once the cluster matches', async () => {
    const r = await cli(['plan', EXAMPLES, '--current', 'state.json'], {
      'state.json': JSON.stringify(examplesState()),
    });
    expect(r.lines).toEqual(['No changes. The cluster matches the specs.']);
    expect(r.code).toBe(0);
  });

  it('shows partition increases, config changes and ACL deletions with ~ and -', async () => {
    const state = examplesState();
    const drifted = {
      topics: state.topics.map((t) =>
        t.name === 'shop.order._public.created'
          ? { ...t, configs: { 'cleanup.policy': 'delete', 'retention.ms': '1', 'segment.ms': '5' } }
          : t,
      ),
      acls: [
        ...state.acls,
        {
          resourceType: 'TOPIC',
          resourceName: 'shop',
          patternType: 'PREFIXED',
          principal: 'User:shop.order',
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        },
      ],
    };
    const files = { 'state.json': JSON.stringify(drifted) };
    const r = await cli(['plan', EXAMPLES, '--current', 'state.json'], files);
    expect(r.code).toBe(2);
    expect(r.lines).toContain('~ config shop.order._public.created: set retention.ms=604800000, remove segment.ms');
    expect(r.lines).toContain('- acl ALLOW User:shop.order READ on TOPIC PREFIXED shop');
    expect(r.lines.at(-1)).toBe('Plan: 0 to add, 1 to change, 1 to destroy.');

    const bigger = {
      'more/shop.order.yaml': readFileSync(path.join(EXAMPLES, 'shop.order.yaml'), 'utf8').replace(
        'partitions: 1',
        'partitions: 4',
      ),
      ...files,
    };
    const p = await cli(['plan', 'more/shop.order.yaml', '--current', 'state.json'], bigger);
    expect(p.lines).toContain('~ topic shop.order._public.created partitions 1 -> 4');
  });

  it('refuses a plan with incompatible changes (exit 1) and lists the errors', async () => {
    const state = examplesState();
    const shrunk = {
      ...state,
      topics: state.topics.map((t) => (t.name === 'shop.order._public.created' ? { ...t, partitions: 8 } : t)),
    };
    const r = await cli(['plan', EXAMPLES, '--current', 'state.json'], { 'state.json': JSON.stringify(shrunk) });
    expect(r.code).toBe(1);
    expect(r.err).toContain('[partition-decrease]');
    expect(r.out).toMatch(/^Plan refused: 1 error\(s\)/m);
  });

  it('refuses invalid specs or a malformed state file before planning', async () => {
    expect((await cli(['plan', INVALID])).code).toBe(1);
    const r = await cli(['plan', EXAMPLES, '--current', 'state.json'], {
      'state.json': '{"topics": [{"name": 1}], "acls": "x"}',
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('state.json: $.topics[0]: [state]');
    expect(r.err).toContain('state.json: $.acls: [state]');
  });

  it('uses --auth and --stage', async () => {
    const scram = await cli(['plan', EXAMPLES, '--auth', 'scram']);
    expect(scram.out).not.toContain('User:CN=');
    const mtls = await cli(['plan', EXAMPLES, '--auth', 'mtls']);
    expect(mtls.out).not.toMatch(/User:shop/);
    const text = spec2(
      'shop',
      '  _public.prod-only:\n    bindings: { kafka: { envs: [prod], partitions: 1, replicas: 1 } }\n    publish: {}\n',
    );
    expect((await cli(['plan', '--stage', 'dev', 'a.yaml'], { 'a.yaml': text })).out).not.toContain('+ topic');
    expect((await cli(['plan', '--stage', 'prod', 'a.yaml'], { 'a.yaml': text })).out).toContain(
      '+ topic shop._public.prod-only',
    );
  });

  it('prints the plan as JSON with --json, keeping the exit codes', async () => {
    const r = await cli(['plan', '--json', EXAMPLES]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ ok: true, empty: false });
    expect(doc.counts.add).toBe(doc.plan.topicsToCreate.length + doc.plan.aclsToCreate.length);
    expect(doc.plan.topicsToCreate.map((t: { name: string }) => t.name)).toContain('shop.orders._public.summary');
  });
});

describe('access', () => {
  it('tabulates readers and writers per topic and lists the dangling subscription of the examples', async () => {
    const r = await cli(['access', EXAMPLES]);
    expect(r.code).toBe(0);
    const row = (topic: string) => r.lines.find((l) => l.startsWith(`${topic} `))?.split(/\s{2,}/);
    expect(row('shop.order._public.created')).toEqual([
      'shop.order._public.created',
      'shop.order',
      'public',
      'everyone',
      'shop.order',
    ]);
    expect(row('shop.order._protected.payment-requested')).toEqual([
      'shop.order._protected.payment-requested',
      'shop.order',
      'protected',
      'shop.order, shop.payments',
      'shop.order',
    ]);
    expect(row('shop.order._private.audit')).toEqual([
      'shop.order._private.audit',
      'shop.order',
      'private',
      'shop.order',
      'shop.order',
    ]);
    expect(r.out).toMatch(
      /Dangling subscriptions:\n {2}shop\.orders subscribes to shop\.order\._protected\.payment-requested .*but shop\.order does not grant it/,
    );
    // shop.order's own subscription to shop.payments' protected topic is granted: not dangling
    expect(r.out).not.toMatch(/shop\.order subscribes to shop\.payments/);
  });

  it('filters by principal: the prefix neighbour shop.orders sees nothing private or protected of shop.order', async () => {
    const r = await cli(['access', EXAMPLES, '--principal', 'User:shop.orders', '--json']);
    const doc = JSON.parse(r.out);
    const topics = doc.topics.map((t: { topic: string }) => t.topic);
    expect(topics).toEqual([
      'shop.catalog._public.products',
      'shop.order._public.created',
      'shop.orders._private.daily-totals',
      'shop.orders._public.summary',
    ]);
    expect(doc.topics.find((t: { topic: string }) => t.topic === 'shop.order._public.created')).toMatchObject({
      read: true,
      write: false,
    });
    expect(doc.danglingSubscriptions.map((d: { topic: string }) => d.topic)).toEqual([
      'shop.order._protected.payment-requested',
    ]);
    const text = await cli(['access', EXAMPLES, '--principal', 'User:CN=shop.orders']);
    expect(text.lines).toContain(
      'User:CN=shop.orders may read and write shop.orders._private.daily-totals (private, owner shop.orders)',
    );
  });

  it('filters by topic', async () => {
    const r = await cli(['access', EXAMPLES, '--topic', 'shop.order._private.audit', '--json']);
    expect(JSON.parse(r.out).topics).toEqual([
      {
        topic: 'shop.order._private.audit',
        owner: 'shop.order',
        visibility: 'private',
        read: { everyone: false, principals: ['User:CN=shop.order', 'User:shop.order'], domains: ['shop.order'] },
        write: { everyone: false, principals: ['User:CN=shop.order', 'User:shop.order'], domains: ['shop.order'] },
      },
    ]);
    const unknown = await cli(['access', EXAMPLES, '--topic', 'shop.order.undeclared']);
    expect(unknown.lines[0]).toBe(
      'No loaded spec declares topic shop.order.undeclared; ask about any resource with msk-spec can.',
    );
  });

  it('reports a subscription to a topic no loaded spec declares', async () => {
    const r = await cli(['access', '--json', 'a.yaml'], {
      'a.yaml': spec2('shop', '  other.team._public.news:\n    subscribe: {}\n'),
    });
    expect(JSON.parse(r.out).danglingSubscriptions).toEqual([
      expect.objectContaining({ domain: 'shop', topic: 'other.team._public.news', reason: 'unknown-topic' }),
    ]);
  });

  it('refuses invalid specs with exit 1', async () => {
    expect((await cli(['access', INVALID])).code).toBe(1);
  });
});

describe('can', () => {
  const can = (...args: string[]) => cli(['can', EXAMPLES, ...args]);

  it('exits 0 when allowed and names the deciding bindings', async () => {
    const r = await can(
      '--principal',
      'User:shop.payments',
      '--operation',
      'READ',
      '--topic',
      'shop.order._protected.payment-requested',
    );
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'ALLOWED: User:shop.payments READ on TOPIC shop.order._protected.payment-requested',
      '  allowed by',
      '    ALLOW User:shop.payments READ on TOPIC LITERAL shop.order._protected.payment-requested',
    ]);
  });

  it('exits 3 when denied', async () => {
    const r = await can(
      '--principal',
      'User:shop.orders',
      '--operation',
      'READ',
      '--topic',
      'shop.order._protected.payment-requested',
    );
    expect(r.code).toBe(3);
    expect(r.lines[0]).toBe('DENIED: User:shop.orders READ on TOPIC shop.order._protected.payment-requested');
  });

  it.each([
    ['User:shop.orders', 'READ', ['--topic', 'shop.order._private.audit']],
    ['User:CN=shop.orders', 'WRITE', ['--topic', 'shop.order._public.created']],
    ['User:shop.orders', 'READ', ['--group', 'shop.order.billing']],
    ['User:shop.orders', 'WRITE', ['--transactional-id', 'shop.order.tx-1']],
    ['User:shop.order', 'READ', ['--topic', 'shop.orders._private.daily-totals']],
    ['User:shop.order', 'READ', ['--group', 'shop.orders.analytics']],
  ])('no prefix leak: %s may not %s %j', async (principal, operation, resource) => {
    expect((await can('--principal', principal, '--operation', operation, ...resource)).code).toBe(3);
  });

  it.each([
    ['User:shop.order', 'READ', ['--group', 'shop.order.billing']],
    ['User:CN=shop.order', 'WRITE', ['--transactional-id', 'shop.order.tx-1']],
    ['User:shop.order', 'IDEMPOTENT_WRITE', ['--cluster']],
    ['User:shop.order', 'describe', ['--topic', 'shop.order._private.audit']],
    ['User:anyone.at.all', 'READ', ['--topic', 'shop.catalog._public.products']],
  ])('owner and public access: %s may %s %j', async (principal, operation, resource) => {
    expect((await can('--principal', principal, '--operation', operation, ...resource)).code).toBe(0);
  });

  it('prints {"allowed", "decidedBy"} with --json', async () => {
    const r = await can(
      '--json',
      '--principal',
      'User:shop.orders',
      '--operation',
      'WRITE',
      '--topic',
      'shop.order._public.created',
    );
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ allowed: false, decidedBy: [] });
    const ok = await can(
      '--json',
      '--principal',
      'User:x',
      '--operation',
      'READ',
      '--topic',
      'shop.order._public.created',
    );
    expect(JSON.parse(ok.out)).toMatchObject({
      allowed: true,
      decidedBy: [
        { principal: 'User:*', operation: 'READ', patternType: 'PREFIXED', resourceName: 'shop.order._public.' },
      ],
    });
  });

  it("answers like MSK's default broker with --allow-everyone-if-no-acl-found", async () => {
    const args = ['--principal', 'User:x', '--operation', 'WRITE', '--topic', 'legacy.topic'];
    expect((await can(...args)).code).toBe(3);
    expect((await can(...args, '--allow-everyone-if-no-acl-found')).code).toBe(0);
  });

  it.each([
    [['--principal', 'User:x', '--operation', 'READ']],
    [['--principal', 'User:x', '--operation', 'READ', '--topic', 't', '--group', 'g']],
    [['--principal', 'User:x', '--operation', 'FLY', '--topic', 't']],
    [['--principal', 'shop.order', '--operation', 'READ', '--topic', 't']],
    [['--operation', 'READ', '--topic', 't']],
  ])('exits 1 on bad usage %j', async (args) => {
    expect((await can(...args)).code).toBe(1);
  });
});
