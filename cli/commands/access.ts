// `msk-spec access <files...> [--principal P] [--topic T]`: who can read and write each topic, and
// the dangling subscriptions (a spec subscribes to a topic its owner has not granted it).
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { configFromOptions, UsageError, withCommonOptions } from '../options.js';
import { formatIssue, loadSpecs } from '../specs.js';
import { accessView, describePrincipals, EVERYONE, type TopicAccess } from '../access-view.js';
import { checkSpecSet } from '../../lib/plan/plan.js';
import { specSetIssues } from './validate.js';

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
        .option('--topic <topic>', 'only this topic (any name, declared or not)'),
    ),
  async run([files], opts, ctx) {
    const config = configFromOptions(opts);
    const principal = typeof opts['principal'] === 'string' ? opts['principal'] : undefined;
    const topicFilter = typeof opts['topic'] === 'string' ? opts['topic'] : undefined;
    if (principal !== undefined && !/^User:./.test(principal))
      throw new UsageError(
        `--principal expects a Kafka principal such as User:shop.order, got ${JSON.stringify(principal)}`,
      );

    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const issues =
      loaded.issues.length > 0
        ? loaded.issues
        : specSetIssues(loaded.specs, checkSpecSet(loaded.specs, { topics: [], acls: [] }, config));
    if (issues.length > 0) {
      if (opts['json']) ctx.json({ ok: false, issues });
      else for (const i of issues) ctx.err(formatIssue(i));
      return EXIT.INVALID;
    }

    const view = accessView(loaded.specs, config, topicFilter ? [topicFilter] : []);
    const holds = (list: readonly string[]) =>
      principal !== undefined && (list.includes(principal) || list.includes(EVERYONE));
    let topics: TopicAccess[] = view.topics.filter((t) => topicFilter === undefined || t.topic === topicFilter);
    if (principal !== undefined)
      topics = topics.filter((t) => topicFilter !== undefined || holds(t.readers) || holds(t.writers));
    const principalDomain = principal?.replace(/^User:(CN=)?/, '');
    const dangling = view.dangling.filter(
      (d) =>
        (topicFilter === undefined || d.topic === topicFilter) &&
        (principalDomain === undefined || d.domain === principalDomain),
    );

    if (opts['json']) {
      ctx.json({
        ...(principal !== undefined
          ? {
              principal,
              topics: topics.map((t) => ({
                topic: t.topic,
                owner: t.owner ?? null,
                read: holds(t.readers),
                write: holds(t.writers),
              })),
            }
          : { topics }),
        dangling,
      });
      return EXIT.OK;
    }
    if (topics.length === 0)
      ctx.out(principal !== undefined ? `${principal} can read or write no topic.` : 'No topics.');
    for (const t of topics) {
      const about = t.owner !== undefined ? `${t.visibility}, owner ${t.owner}` : 'declared by no loaded spec';
      ctx.out(`topic ${t.topic} (${about})`);
      if (principal !== undefined) {
        ctx.out(
          `  ${principal}: ${[holds(t.readers) ? 'read' : '', holds(t.writers) ? 'write' : ''].filter(Boolean).join(', ') || 'no access'}`,
        );
      } else {
        ctx.out(`  read:  ${describePrincipals(t.readers)}`);
        ctx.out(`  write: ${describePrincipals(t.writers)}`);
      }
    }
    if (dangling.length > 0) {
      ctx.out('');
      ctx.out('Dangling subscriptions:');
      for (const d of dangling) ctx.out(`  ${d.source}: ${d.path}: ${d.domain} subscribes to ${d.topic}: ${d.message}`);
    }
    return EXIT.OK;
  },
};
