// One configuration, one parser: the CLI's flags (cli/options.ts) and the Lambdas' environment
// (lib/aws/env-config.ts) go through lib/config.ts's schema, so the same settings give the same
// ProvisionConfig and the same plan, and a bad value is refused on both sides.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { configFromOptions, CONFIG_OPTIONS, UsageError } from '../../cli/options.js';
import { authModes, provisionConfig } from '../../lib/aws/env-config.js';
import { CONFIG_SCHEMA, DEFAULT_CONFIG } from '../../lib/config.js';
import { ConfigurationError } from '../../lib/errors.js';
import { plan } from '../../lib/plan/plan.js';
import { parseSpec } from '../../lib/spec/parse.js';

const EXAMPLES = join(process.cwd(), 'examples', 'specs');

/** The same settings as the pipeline's environment and as the CLI's flags. */
const SAME = [
  { env: { AUTH_MODES: 'SCRAM' }, cli: { auth: 'scram' } },
  { env: { AUTH_MODES: 'mtls,SCRAM' }, cli: { auth: 'MTLS,scram' } },
  {
    env: { VISIBILITY_PUBLIC: 'pub', VISIBILITY_PROTECTED: 'prot', VISIBILITY_PRIVATE: 'priv', OWNER_DELETE: 'true' },
    cli: { publicKeyword: 'pub', protectedKeyword: 'prot', privateKeyword: 'priv', ownerDelete: true },
  },
  {
    env: { DEFAULT_PARTITIONS: '6', DEFAULT_REPLICAS: '2', MAX_DELETE_SHARE: '0.25', STAGE: 'prod' },
    cli: { defaultPartitions: '6', defaultReplicas: '2', maxDeleteShare: '0.25', stage: 'prod' },
  },
  {
    env: { MAX_PARTITIONS_PER_TOPIC: '50', MAX_PARTITIONS_PER_SPEC: '60' },
    cli: { maxPartitionsPerTopic: '50', maxPartitionsPerSpec: '60' },
  },
];

describe('CLI and pipeline read one schema', () => {
  it('every schema entry is a CLI flag and an environment variable', () => {
    expect(CONFIG_OPTIONS.map((o) => o.setting)).toEqual([...CONFIG_SCHEMA]);
    expect(new Set(CONFIG_SCHEMA.map((s) => s.env)).size).toBe(CONFIG_SCHEMA.length);
  });

  it('no setting: both are the defaults (no fallback of their own)', () => {
    expect(provisionConfig({})).toEqual(DEFAULT_CONFIG);
    expect(configFromOptions({})).toEqual(DEFAULT_CONFIG);
  });

  it.each(SAME.map((c) => [JSON.stringify(c.env), c] as const))(
    'the same settings (%s) give the same config and the same plan for the examples',
    (_n, c) => {
      const fromEnv = provisionConfig(c.env);
      const fromCli = configFromOptions(c.cli);
      expect(fromCli).toEqual(fromEnv);
      expect(fromEnv).not.toEqual(DEFAULT_CONFIG);
      const specs = (config: typeof fromEnv) =>
        readdirSync(EXAMPLES)
          .sort()
          .flatMap((f) => {
            const r = parseSpec(readFileSync(join(EXAMPLES, f), 'utf8'), f, config);
            return r.ok ? [r.spec] : [];
          });
      const empty = { topics: [], acls: [] };
      expect(plan(specs(fromCli), empty, fromCli)).toEqual(plan(specs(fromEnv), empty, fromEnv));
    },
  );

  it('AUTH_MODES is read in any case on both sides, and authModes() agrees', () => {
    expect(authModes({ AUTH_MODES: 'scram' })).toEqual(['SCRAM']);
    expect(configFromOptions({ auth: 'SCRAM' }).authModes).toEqual(['SCRAM']);
  });

  it('IAM is a third mode, alone or beside the others, from either side', () => {
    expect(authModes({ AUTH_MODES: 'SCRAM,MTLS,IAM' })).toEqual(['SCRAM', 'MTLS', 'IAM']);
    expect(authModes({ AUTH_MODES: 'iam' })).toEqual(['IAM']);
    expect(configFromOptions({ auth: 'iam,scram' }).authModes).toEqual(['IAM', 'SCRAM']);
  });

  it.each([
    [{ VISIBILITY_PUBLIC: 'has.dot' }, { publicKeyword: 'has.dot' }],
    [
      { VISIBILITY_PUBLIC: '_x', VISIBILITY_PRIVATE: '_x' },
      { publicKeyword: '_x', privateKeyword: '_x' },
    ],
    [{ AUTH_MODES: 'kerberos' }, { auth: 'kerberos' }],
    [{ DEFAULT_PARTITIONS: '0' }, { defaultPartitions: '0' }],
    [{ MAX_DELETE_SHARE: '2' }, { maxDeleteShare: '2' }],
    [{ OWNER_DELETE: 'yes' }, null],
    [{ MAX_PARTITIONS_PER_TOPIC: '1.5' }, { maxPartitionsPerTopic: '1.5' }],
  ])('refuses %j on both sides, naming the variable or the flag', (env, cli) => {
    const e = (() => {
      try {
        provisionConfig(env);
      } catch (x) {
        return x as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigurationError);
    expect(e!.message).toContain(Object.keys(env)[0]!);
    if (cli) {
      expect(() => configFromOptions(cli)).toThrow(UsageError);
      const flag = CONFIG_OPTIONS.find((o) => o.key === Object.keys(cli)[0])!.flags.split(' ')[0]!;
      expect(() => configFromOptions(cli)).toThrow(flag);
    }
  });
});
