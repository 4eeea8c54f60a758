// `msk-spec iam-policy <files...> --cluster-arn <arn> [--domain D] [--json]`: the IAM policy
// documents each domain's role gets for MSK IAM access control (lib/access/iam.ts), the same
// access the ACLs give its SCRAM and mTLS principals. `--json` prints `{"<domain>": [<policy>, ...]}`.
// Exit 0, or 1 on invalid specs or a domain needing more policies than a role may hold.
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { UsageError, withCommonOptions } from '../options.js';
import { clusterArnOption, maxPoliciesOption } from '../iam-options.js';
import { DEFAULT_IAM_LIMITS } from '../../lib/access/iam.js';

export const iamPolicyCommand: CliCommand = {
  name: 'iam-policy',
  define: (program) =>
    withCommonOptions(
      program
        .command('iam-policy')
        .description(
          "the IAM policies each domain's role gets for MSK IAM access control: the same access as its ACLs, as kafka-cluster:* actions",
        )
        .argument('<files...>', 'spec files or directories')
        .option('--domain <domain>', 'only this domain')
        .addOption(clusterArnOption(true))
        .addOption(maxPoliciesOption()),
    ),
  async run([files], opts, ctx) {
    const { loadIamPolicies } = await import('../iam-auth.js');
    const loaded = await loadIamPolicies(files as string[], opts, ctx);
    if (typeof loaded === 'number') return loaded;
    const only = typeof opts['domain'] === 'string' ? opts['domain'] : undefined;
    if (only !== undefined && !loaded.set.domains.has(only))
      throw new UsageError(`no spec among these files declares domain ${only}`);
    const domains = [...loaded.set.domains.values()].filter((d) => only === undefined || d.domain === only);
    if (opts['json']) {
      ctx.json(Object.fromEntries(domains.map((d) => [d.domain, d.policies])));
      return EXIT.OK;
    }
    for (const d of domains) {
      ctx.out(
        `# ${d.domain}: ${d.policies.length} ${d.policies.length === 1 ? 'policy' : 'policies'} (${d.chars.join(', ')} of ${DEFAULT_IAM_LIMITS.maxPolicyChars} characters)`,
      );
      d.policies.forEach((p, i) => {
        ctx.out(`## ${d.domain} policy ${i + 1} of ${d.policies.length}`);
        ctx.out(JSON.stringify(p, null, 2));
      });
    }
    const pending = loaded.set.pendingGrantees;
    if (pending.length > 0 && only === undefined)
      ctx.out(`# granted access but without a spec here (their policies come with their spec): ${pending.join(', ')}`);
    return EXIT.OK;
  },
};
