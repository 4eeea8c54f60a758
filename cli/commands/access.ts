// `msk-spec access <files...> [--principal P] [--topic T]`: who can read and write each topic, and
// the dangling subscriptions (a spec subscribes to a topic its owner has not granted it). The
// answers come from lib/access/report.ts, which asks the authorizer model.
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { allowEveryoneOption, configFromOptions, UsageError, withCommonOptions } from '../options.js';
import { formatIssue, loadSpecs, refusals } from '../specs.js';
import { clusterArnOption, maxPoliciesOption, namesIam } from '../iam-options.js';
import { accessReport, formatAccessReport, type AccessList, type AccessReport } from '../../lib/access/report.js';

const holds = (list: AccessList, principal: string) => list.everyone || list.principals.includes(principal);

export const accessCommand: CliCommand = {
  name: 'access',
  define: (program) =>
    withCommonOptions(
      program
        .command('access')
        .description(
          'who can read and write each topic under the ACLs these specs produce, and which subscriptions are dangling',
        )
        .argument('<files...>', 'spec files or directories')
        .option('--principal <principal>', 'only what this principal can do (e.g. User:shop.order, User:CN=shop.order)')
        .option('--topic <topic>', 'only this topic')
        .addOption(allowEveryoneOption())
        .addOption(clusterArnOption())
        .addOption(maxPoliciesOption()),
    ),
  async run([files], opts, ctx) {
    if (namesIam(opts)) return (await import('../iam-auth.js')).accessIam(files as string[], opts, ctx);
    const config = configFromOptions(opts);
    const principal = typeof opts['principal'] === 'string' ? opts['principal'] : undefined;
    const topic = typeof opts['topic'] === 'string' ? opts['topic'] : undefined;
    if (principal !== undefined && !/^User:./.test(principal)) {
      throw new UsageError(
        `--principal expects a Kafka principal such as User:shop.order, got ${JSON.stringify(principal)}`,
      );
    }

    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const issues = refusals(loaded, config);
    if (issues.length > 0) {
      if (opts['json']) ctx.json({ ok: false, issues });
      else for (const i of issues) ctx.err(formatIssue(i));
      return EXIT.INVALID;
    }

    const full = accessReport(loaded.specs, config, {
      allowEveryoneIfNoAclFound: opts['allowEveryoneIfNoAclFound'] === true,
    });
    const subscriber = principal?.replace(/^User:(CN=)?/, '');
    const report: AccessReport = {
      ...full,
      topics: full.topics.filter(
        (t) =>
          (topic === undefined || t.topic === topic) &&
          (principal === undefined || holds(t.read, principal) || holds(t.write, principal)),
      ),
      danglingSubscriptions: full.danglingSubscriptions.filter(
        (d) => (topic === undefined || d.topic === topic) && (subscriber === undefined || d.domain === subscriber),
      ),
    };

    if (opts['json']) {
      ctx.json(
        principal === undefined
          ? report
          : {
              principal,
              topics: report.topics.map((t) => ({
                topic: t.topic,
                owner: t.owner,
                visibility: t.visibility,
                read: holds(t.read, principal),
                write: holds(t.write, principal),
              })),
              danglingSubscriptions: report.danglingSubscriptions,
            },
      );
      return EXIT.OK;
    }
    if (topic !== undefined && !full.topics.some((t) => t.topic === topic)) {
      ctx.out(`No loaded spec declares topic ${topic}; ask about any resource with msk-spec can.`);
    }
    if (principal === undefined) {
      ctx.out(formatAccessReport(report));
      return EXIT.OK;
    }
    if (report.topics.length === 0) ctx.out(`${principal} can read or write no topic of these specs.`);
    for (const t of report.topics) {
      const ops = [holds(t.read, principal) ? 'read' : '', holds(t.write, principal) ? 'write' : ''].filter(Boolean);
      ctx.out(`${principal} may ${ops.join(' and ')} ${t.topic} (${t.visibility}, owner ${t.owner})`);
    }
    if (report.danglingSubscriptions.length > 0) {
      ctx.out('');
      ctx.out('Dangling subscriptions:');
      for (const d of report.danglingSubscriptions) ctx.out(`  ${d.message}`);
    }
    return EXIT.OK;
  },
};
