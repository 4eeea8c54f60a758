// `--auth iam` for `msk-spec can` and `msk-spec access`, and the options `msk-spec iam-policy`
// shares with them: the answers come from the IAM policies lib/access/iam.ts writes for each
// domain, decided by an IAM policy simulator (cli/iam-simulator.ts), as the other modes answer from
// the ACLs through the authorizer model. Loaded only when a command asks about IAM.
import type { CommandContext } from './command.js';
import { EXIT, type ExitCode } from './io.js';
import { configFromOptions, UsageError } from './options.js';
import { clusterFromOptions, maxPolicies, wantsIam } from './iam-options.js';
import { formatIssue, loadSpecs, refusals } from './specs.js';
import { iamSimulator, type IamSimulator } from './iam-simulator.js';
import { domainOfPrincipal, effectiveVisibility, inStage, isValidDomainId } from '../lib/access/bindings.js';
import {
  DEFAULT_IAM_LIMITS,
  IamPolicyError,
  iamPolicies,
  iamRequestsFor,
  MSK_REQUIRED_ACTIONS,
  type IamPolicySet,
} from '../lib/access/iam.js';
import type { AccessList, AccessReport, DanglingSubscription, TopicAccess } from '../lib/access/report.js';
import { formatAccessReport } from '../lib/access/report.js';
import type { AccessRequest } from '../lib/access/types.js';
import type { ProvisionConfig } from '../lib/config.js';
import type { DomainSpec } from '../lib/spec/model.js';

export interface LoadedIam {
  readonly config: ProvisionConfig;
  readonly specs: readonly DomainSpec[];
  readonly set: IamPolicySet;
}

/** Specs → every domain's policies, or the exit code after reporting refusals or a limit. */
export async function loadIamPolicies(
  files: string[],
  opts: Record<string, unknown>,
  ctx: CommandContext,
): Promise<LoadedIam | ExitCode> {
  wantsIam(opts); // refuses iam combined with scram or mtls
  const config = configFromOptions({ ...opts, auth: undefined });
  const cluster = clusterFromOptions(opts, ctx.env);
  const limits = { ...DEFAULT_IAM_LIMITS, maxPolicies: maxPolicies(opts) };
  const loaded = await loadSpecs(files, config, ctx.fs);
  const issues = refusals(loaded, config);
  if (issues.length > 0) {
    if (opts['json']) ctx.json({ ok: false, issues });
    else for (const i of issues) ctx.err(formatIssue(i));
    return EXIT.INVALID;
  }
  try {
    return { config, specs: loaded.specs, set: iamPolicies(loaded.specs, config, cluster, limits) };
  } catch (e) {
    if (!(e instanceof IamPolicyError)) throw e;
    if (opts['json']) ctx.json({ ok: false, error: e.message });
    else ctx.err(`msk-spec: ${e.message}`);
    return EXIT.INVALID;
  }
}

/** The domain whose role `--principal` stands for: `User:D`, `User:CN=D` or the bare id `D`. */
export function domainOfIamPrincipal(principal: string): string {
  const d = isValidDomainId(principal) ? principal : domainOfPrincipal(principal);
  if (d === undefined)
    throw new UsageError(
      `with --auth iam, --principal names a domain (its IAM role holds the domain's policies): D, User:D or User:CN=D, got ${JSON.stringify(principal)}`,
    );
  return d;
}

const SIMULATOR_WILDCARD =
  "a name with '*' cannot be asked: the simulator reads it as a wildcard query, while IAM matches a request's ARN literally";

const ARN_WORD: Readonly<Record<string, string>> = {
  TOPIC: 'Topic',
  GROUP: 'Group',
  TRANSACTIONAL_ID: 'TransactionalId',
  CLUSTER: 'Cluster',
};

/** `msk-spec can --auth iam`: one decision of the simulator over the domain's policies. */
export async function canIam(
  files: string[],
  opts: Record<string, unknown>,
  ctx: CommandContext,
  request: AccessRequest,
): Promise<ExitCode> {
  const domain = domainOfIamPrincipal(String(opts['principal'] ?? ''));
  if (request.resourceName.includes('*')) throw new UsageError(SIMULATOR_WILDCARD);
  const loaded = await loadIamPolicies(files, opts, ctx);
  if (typeof loaded === 'number') return loaded;
  const requests = iamRequestsFor(loaded.set.cluster, request.resourceType, request.operation, request.resourceName);
  const has = loaded.set.domains.has(domain);
  const decision =
    requests && has
      ? (await iamSimulator(loaded.set)).decide(domain, requests, true)
      : { allowed: false, requests: [] };
  const why = !has
    ? `${domain} has no spec among these files, so its role holds no policy of this pipeline`
    : !requests
      ? `MSK has no IAM action for ${request.operation} on ${request.resourceType}: IAM clients are always refused it`
      : undefined;
  if (opts['json']) {
    ctx.json({
      allowed: decision.allowed,
      auth: 'iam',
      domain,
      request,
      iamRequests: decision.requests.map((r) => ({ ...r, allowedBy: r.allowedBy.map((i) => i + 1) })),
      ...(why ? { reason: why } : {}),
    });
  } else {
    ctx.out(
      `${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${domain}'s IAM role ${request.operation} on ${request.resourceType} ${request.resourceName}`,
    );
    if (why) ctx.out(`  ${why}`);
    for (const r of decision.requests) {
      const by = r.allowed
        ? ` (allowed by policy ${r.allowedBy.map((i) => i + 1).join(', ')})`
        : ' (no statement allows it)';
      ctx.out(`  ${r.allowed ? 'allowed' : 'denied '} ${r.action} on ${r.resource}${by}`);
    }
    const action = requests?.[1];
    const needs = action && has ? (MSK_REQUIRED_ACTIONS[action.action] ?? []) : [];
    if (needs.length > 0) {
      // The guide's "Required actions": on the same resource when the types agree, else on the
      // resources the client uses besides (its group, the topics it writes).
      const sim = await iamSimulator(loaded.set);
      ctx.out(`  MSK also requires, for ${action!.action}:`);
      for (const a of needs) {
        if (a.endsWith(ARN_WORD[request.resourceType] ?? '\u0000')) {
          const ok = sim.decide(domain, [{ action: a, resource: action!.resource }]).allowed;
          ctx.out(`    ${ok ? 'allowed' : 'denied '} ${a} on the same resource`);
        } else {
          const on = a.endsWith('Group') ? 'the consumer group it joins (--group)' : 'the topics it writes (--topic)';
          ctx.out(`    ${a} on ${on}`);
        }
      }
    }
  }
  return decision.allowed ? EXIT.OK : EXIT.DENIED;
}

/** Who may read and write each owned topic, and the dangling subscriptions, by the simulator. */
export function iamAccessReport(
  specs: readonly DomainSpec[],
  config: ProvisionConfig,
  set: IamPolicySet,
  sim: IamSimulator,
): AccessReport {
  const domains = [...set.domains.keys()];
  const may = (d: string, op: 'READ' | 'WRITE' | 'DESCRIBE', topic: string) =>
    sim.decide(d, iamRequestsFor(set.cluster, 'TOPIC', op, topic)!).allowed;
  // A client reads or writes only the topics it may describe (ReadData and WriteData need DescribeTopic).
  const list = (topic: string, op: 'READ' | 'WRITE'): AccessList => {
    const allowed = domains.filter((d) => may(d, op, topic) && may(d, 'DESCRIBE', topic));
    return { everyone: false, principals: [], domains: allowed };
  };
  const owners = new Map<string, string>();
  const topics: TopicAccess[] = [];
  for (const s of [...specs].sort((a, b) => (a.domain < b.domain ? -1 : 1))) {
    for (const t of [...s.owned].filter((x) => inStage(x, config)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      owners.set(t.name, s.domain);
      topics.push({
        topic: t.name,
        owner: s.domain,
        visibility: effectiveVisibility(t),
        read: list(t.name, 'READ'),
        write: list(t.name, 'WRITE'),
      });
    }
  }
  const danglingSubscriptions: DanglingSubscription[] = [];
  for (const s of specs) {
    for (const sub of s.subscriptions) {
      const owner = owners.get(sub.topic);
      if (owner === s.domain) continue;
      const base = { domain: s.domain, topic: sub.topic, channel: sub.channel, path: sub.path };
      const denied =
        may(s.domain, 'READ', sub.topic) && may(s.domain, 'DESCRIBE', sub.topic) ? [] : [`role of ${s.domain}`];
      if (owner === undefined) {
        danglingSubscriptions.push({
          ...base,
          reason: 'unknown-topic',
          deniedPrincipals: denied,
          message: `${s.domain} subscribes to ${sub.topic} (${sub.path}), which no spec in the set owns`,
        });
      } else if (denied.length > 0) {
        danglingSubscriptions.push({
          ...base,
          reason: 'not-granted',
          owner,
          deniedPrincipals: denied,
          message: `${s.domain} subscribes to ${sub.topic} (${sub.path}), but ${owner} does not grant it read access (its IAM policies do not allow kafka-cluster:ReadData there): ${owner} must add a grant-access:${s.domain} tag on a protected channel, or make it public`,
        });
      }
    }
  }
  return { topics, danglingSubscriptions, refused: [], bindings: 0 };
}

/** `msk-spec access --auth iam`. */
export async function accessIam(
  files: string[],
  opts: Record<string, unknown>,
  ctx: CommandContext,
): Promise<ExitCode> {
  const principal = typeof opts['principal'] === 'string' ? opts['principal'] : undefined;
  const domain = principal === undefined ? undefined : domainOfIamPrincipal(principal);
  const topic = typeof opts['topic'] === 'string' ? opts['topic'] : undefined;
  const loaded = await loadIamPolicies(files, opts, ctx);
  if (typeof loaded === 'number') return loaded;
  const full = iamAccessReport(loaded.specs, loaded.config, loaded.set, await iamSimulator(loaded.set));
  const holds = (l: AccessList) => domain !== undefined && l.domains.includes(domain);
  const report: AccessReport = {
    ...full,
    topics: full.topics.filter(
      (t) => (topic === undefined || t.topic === topic) && (domain === undefined || holds(t.read) || holds(t.write)),
    ),
    danglingSubscriptions: full.danglingSubscriptions.filter(
      (d) => (topic === undefined || d.topic === topic) && (domain === undefined || d.domain === domain),
    ),
  };
  if (opts['json']) {
    ctx.json(
      domain === undefined
        ? { auth: 'iam', ...report }
        : {
            auth: 'iam',
            domain,
            topics: report.topics.map((t) => ({
              topic: t.topic,
              owner: t.owner,
              visibility: t.visibility,
              read: holds(t.read),
              write: holds(t.write),
            })),
            danglingSubscriptions: report.danglingSubscriptions,
          },
    );
    return EXIT.OK;
  }
  if (domain === undefined) {
    ctx.out(formatAccessReport(report));
    ctx.out('');
    ctx.out(
      'Decided by an IAM policy simulator over each domain\'s policies (msk-spec iam-policy); "everyone" does not exist under IAM: public topics reach every domain of these specs.',
    );
    return EXIT.OK;
  }
  if (report.topics.length === 0) ctx.out(`${domain}'s IAM role can read or write no topic of these specs.`);
  for (const t of report.topics) {
    const ops = [holds(t.read) ? 'read' : '', holds(t.write) ? 'write' : ''].filter(Boolean);
    ctx.out(`${domain}'s IAM role may ${ops.join(' and ')} ${t.topic} (${t.visibility}, owner ${t.owner})`);
  }
  if (report.danglingSubscriptions.length > 0) {
    ctx.out('');
    ctx.out('Dangling subscriptions:');
    for (const d of report.danglingSubscriptions) ctx.out(`  ${d.message}`);
  }
  return EXIT.OK;
}
