// The one place where command-line options become a ProvisionConfig. Every command that reads
// specs takes the same options, declared here as data.
import { Option, type Command } from 'commander';
import { resolveConfig, type AuthMode, type ConfigOverrides, type ProvisionConfig } from '../lib/config.js';

export class UsageError extends Error {}

interface Draft {
  stage?: string;
  authModes?: AuthMode[];
  visibilityKeywords: { public?: string; protected?: string; private?: string };
  ownerDelete?: boolean;
  maxDeleteShare?: number;
  defaultPartitions?: number;
  defaultReplicas?: number;
}

interface ConfigOption {
  readonly flags: string;
  readonly description: string;
  /** Commander's camel-cased attribute name for the option. */
  readonly key: string;
  readonly apply: (draft: Draft, value: unknown) => void;
}

const AUTH_MODES: Record<string, AuthMode> = { scram: 'SCRAM', mtls: 'MTLS' };

function positiveInt(name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} expects a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

function keyword(name: string, value: unknown): string {
  const s = String(value);
  if (!/^[A-Za-z0-9_-]+$/.test(s))
    throw new UsageError(`${name} expects one topic-name segment ([A-Za-z0-9_-]), got ${JSON.stringify(s)}`);
  return s;
}

export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  {
    flags: '--stage <stage>',
    description: 'provision only channels whose bindings.kafka.envs include this stage (default: every channel)',
    key: 'stage',
    apply: (d, v) => (d.stage = String(v)),
  },
  {
    flags: '--auth <modes>',
    description: 'principals each domain gets: scram (User:D), mtls (User:CN=D) or scram,mtls',
    key: 'auth',
    apply: (d, v) => {
      const modes = String(v)
        .split(',')
        .map((m) => m.trim().toLowerCase())
        .filter((m) => m !== '');
      const bad = modes.filter((m) => !(m in AUTH_MODES));
      if (modes.length === 0 || bad.length > 0)
        throw new UsageError(`--auth expects scram, mtls or scram,mtls, got ${JSON.stringify(String(v))}`);
      d.authModes = [...new Set(modes.map((m) => AUTH_MODES[m]!))];
    },
  },
  {
    flags: '--public-keyword <kw>',
    description: 'visibility keyword for public channels (default _public)',
    key: 'publicKeyword',
    apply: (d, v) => (d.visibilityKeywords.public = keyword('--public-keyword', v)),
  },
  {
    flags: '--protected-keyword <kw>',
    description: 'visibility keyword for protected channels (default _protected)',
    key: 'protectedKeyword',
    apply: (d, v) => (d.visibilityKeywords.protected = keyword('--protected-keyword', v)),
  },
  {
    flags: '--private-keyword <kw>',
    description: 'visibility keyword for private channels (default _private)',
    key: 'privateKeyword',
    apply: (d, v) => (d.visibilityKeywords.private = keyword('--private-keyword', v)),
  },
  {
    flags: '--owner-delete',
    description: 'give owners DELETE on their own topics (off by default)',
    key: 'ownerDelete',
    apply: (d, v) => (d.ownerDelete = v === true),
  },
  {
    flags: '--max-delete-share <share>',
    description:
      "mass-deletion guard: refuse plans deleting more than this share (0..1) of a domain's managed bindings",
    key: 'maxDeleteShare',
    apply: (d, v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || n > 1)
        throw new UsageError(`--max-delete-share expects a number from 0 to 1, got ${JSON.stringify(v)}`);
      d.maxDeleteShare = n;
    },
  },
  {
    flags: '--default-partitions <n>',
    description: 'partitions of a new topic whose spec states none',
    key: 'defaultPartitions',
    apply: (d, v) => (d.defaultPartitions = positiveInt('--default-partitions', v)),
  },
  {
    flags: '--default-replicas <n>',
    description: 'replication factor of a new topic whose spec states none',
    key: 'defaultReplicas',
    apply: (d, v) => (d.defaultReplicas = positiveInt('--default-replicas', v)),
  },
];

/** Adds `--json` and the config options to a command. */
export function withCommonOptions(cmd: Command): Command {
  cmd.option('--json', 'print machine-readable JSON on stdout');
  for (const o of CONFIG_OPTIONS) cmd.addOption(new Option(o.flags, o.description));
  return cmd;
}

/** Parsed command options → the ProvisionConfig the core takes. Throws UsageError on bad values. */
export function configFromOptions(opts: Record<string, unknown>): ProvisionConfig {
  const draft: Draft = { visibilityKeywords: {} };
  for (const o of CONFIG_OPTIONS) {
    const v = opts[o.key];
    if (v !== undefined && v !== false) o.apply(draft, v);
  }
  const config = resolveConfig(draft satisfies ConfigOverrides);
  const kw = config.visibilityKeywords;
  if (new Set([kw.public, kw.protected, kw.private]).size !== 3)
    throw new UsageError('the public, protected and private keywords must differ');
  return config;
}
