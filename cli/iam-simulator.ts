// IAM decisions over the policies lib/access/iam.ts writes, by @cloud-copilot/iam-simulate (an
// implementation of the IAM User Guide's "Policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), for
// `msk-spec can --auth iam` and `msk-spec access --auth iam`. The simulator is loaded only when a
// command asks about IAM. Each policy is validated once with iam-policy (the simulator's own
// validator, as IAM's MalformedPolicyDocument check); requests then go through the simulator's
// unvalidated path, which is the same evaluation without re-parsing the input on every call.
import type { IamPolicyDocument, IamPolicySet, IamRequest } from '../lib/access/iam.js';

export interface IamRequestResult extends IamRequest {
  readonly allowed: boolean;
  /** Which of the domain's policies (0-based) allow it on their own. */
  readonly allowedBy: readonly number[];
}

export interface IamDecision {
  readonly allowed: boolean;
  readonly requests: readonly IamRequestResult[];
}

export interface IamSimulator {
  /** Whether the role holding `domain`'s policies may make every one of `requests` (none: denied). */
  decide(domain: string, requests: readonly IamRequest[], explain?: boolean): IamDecision;
}

/** The role a domain's policies are attached to, as the simulator's principal (any role would do). */
const roleArn = (set: IamPolicySet) => `arn:${set.cluster.partition}:iam::${set.cluster.account}:role/msk-spec-domain`;

export async function iamSimulator(set: IamPolicySet): Promise<IamSimulator> {
  let sim: typeof import('@cloud-copilot/iam-simulate');
  let policy: typeof import('@cloud-copilot/iam-policy');
  try {
    [sim, policy] = await Promise.all([import('@cloud-copilot/iam-simulate'), import('@cloud-copilot/iam-policy')]);
  } catch (e) {
    throw new Error(
      `--auth iam needs the IAM policy simulator @cloud-copilot/iam-simulate, a development dependency of this project (npm install without --omit=dev): ${(e as Error).message}`,
    );
  }
  const { runUnsafeSimulation } = sim;
  const { validateIdentityPolicy } = policy;
  const principal = roleArn(set);
  const byDomain = new Map<string, { policy: IamPolicyDocument; name: string }[]>();
  for (const [d, p] of set.domains) {
    byDomain.set(
      d,
      p.policies.map((policy, i) => {
        const problems = validateIdentityPolicy(policy);
        if (problems.length > 0)
          throw new Error(`policy ${i + 1} of ${d} is malformed: ${problems.map((e) => e.message).join('; ')}`);
        return { policy, name: `${d}-${i + 1}` };
      }),
    );
  }
  const memo = new Map<string, boolean>();
  const run = (policies: { policy: IamPolicyDocument; name: string }[], r: IamRequest): boolean =>
    runUnsafeSimulation(
      {
        request: {
          principal,
          action: r.action,
          resource: { resource: r.resource, accountId: set.cluster.account },
          contextVariables: {},
        },
        identityPolicies: policies as never,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    ) === 'Allowed';
  return {
    decide(domain, requests, explain = false) {
      const policies = byDomain.get(domain) ?? [];
      const results: IamRequestResult[] = requests.map((r) => {
        const key = `${domain}\u0000${r.action}\u0000${r.resource}`;
        let allowed = memo.get(key);
        if (allowed === undefined) memo.set(key, (allowed = policies.length > 0 && run(policies, r)));
        const allowedBy = explain && allowed ? policies.flatMap((p, i) => (run([p], r) ? [i] : [])) : [];
        return { ...r, allowed, allowedBy };
      });
      return { allowed: results.length > 0 && results.every((r) => r.allowed), requests: results };
    },
  };
}
