// The options of `--auth iam` (msk-spec can, access) and of `msk-spec iam-policy`, kept apart from
// cli/iam-auth.ts so that defining a command loads nothing of the IAM translation or the simulator.
import { Option } from 'commander';
import type { CommandContext } from './command.js';
import { ENV_DEFAULTS, optionOrEnv, UsageError } from './options.js';
import { DEFAULT_IAM_LIMITS, parseClusterArn, type MskCluster } from '../lib/access/iam.js';

/** Whether `--auth` names iam (cheap: decides whether the IAM modules load at all). */
export const namesIam = (opts: Record<string, unknown>): boolean =>
  /(^|,)\s*iam\s*(,|$)/i.test(String(opts['auth'] ?? ''));

/** Whether `--auth` asks for IAM; `iam` cannot be combined with the ACL modes here. */
export function wantsIam(opts: Record<string, unknown>): boolean {
  const modes = String(opts['auth'] ?? '')
    .split(',')
    .map((m) => m.trim().toLowerCase());
  if (!modes.includes('iam')) return false;
  if (modes.length > 1)
    throw new UsageError(
      '--auth iam answers from the IAM policies alone; ask about scram or mtls (the ACLs) in a separate run',
    );
  return true;
}

/** `--cluster-arn`: the IAM policies name the cluster's resources. */
export const clusterArnOption = (required = false): Option =>
  new Option(
    '--cluster-arn <arn>',
    `the MSK cluster the IAM policies are for (default $${ENV_DEFAULTS.clusterArn})${required ? '' : '; with --auth iam, which answers from the IAM policies each domain gets (msk-spec iam-policy) instead of the ACLs'}`,
  );

/** `--max-policies`: the managed policies a role may hold. */
export const maxPoliciesOption = (): Option =>
  new Option(
    '--max-policies <n>',
    `IAM: managed policies a role may hold (IAM's default quota ${DEFAULT_IAM_LIMITS.maxPolicies}, up to 20 on request)`,
  );

export function clusterFromOptions(opts: Record<string, unknown>, env: CommandContext['env']): MskCluster {
  const arn = optionOrEnv(opts, 'clusterArn', env, ENV_DEFAULTS.clusterArn, { flag: '--cluster-arn' })!;
  try {
    return parseClusterArn(arn);
  } catch (e) {
    throw new UsageError(`--cluster-arn: ${(e as Error).message}`);
  }
}

export function maxPolicies(opts: Record<string, unknown>): number {
  if (opts['maxPolicies'] === undefined) return DEFAULT_IAM_LIMITS.maxPolicies;
  const n = Number(opts['maxPolicies']);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--max-policies expects a positive whole number, got ${JSON.stringify(opts['maxPolicies'])}`);
  return n;
}
