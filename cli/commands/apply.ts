// `msk-spec apply <files...> --bootstrap host:port --auth scram|mtls|iam [...] [--dry-run] [--force]`:
// the pipeline's ApplyTopicsAndAcls without AWS, for clusters outside the pipeline or CI. Reads the
// live state in the specs' managed scope, plans exactly as `plan` does, prints the plan the same
// way, then applies it unless --dry-run. Exit 0 nothing to do (or applied), 2 changes planned in a
// dry run, 1 invalid input, a refused plan or a Kafka error.
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import {
  configFromOptions,
  kafkaConnectionFromOptions,
  withCommonOptions,
  withKafkaConnectionOptions,
} from '../options.js';
import { formatIssue, formatWarning, loadSpecs, refusals } from '../specs.js';
import { planCounts, renderPlan } from './plan.js';
import { isEmptyPlan, plan } from '../../lib/plan/plan.js';

/** A Kafka error as one line: kafkajs' name, type and message (they never carry credentials). */
function kafkaErrorText(e: unknown): string {
  const err = e as { name?: string; type?: string; message?: string };
  return `${err.name ?? 'Error'}${err.type ? ` ${err.type}` : ''}: ${err.message ?? String(e)}`;
}

export const applyCommand: CliCommand = {
  name: 'apply',
  define: (program) =>
    withKafkaConnectionOptions(
      withCommonOptions(
        program
          .command('apply')
          .description(
            "make a cluster's topics and ACLs match the specs, as the pipeline's ApplyTopicsAndAcls does, without AWS: read the live state, plan, print the plan, apply it (for clusters outside the pipeline, or CI)",
          )
          .argument('<files...>', 'spec files or directories')
          .option('--dry-run', 'print the plan and change nothing (exit 2 when there are changes)')
          .option('--force', 'apply even when the mass-deletion guard would refuse'),
        { principalsFlag: true },
      ),
    ).addHelpText(
      'after',
      `
The connecting principal needs ACLs to describe, create and alter topics and to describe, create
and delete ACLs (MSK has no super users; IAM auth is authorized by IAM policy instead). There is no
--password option: a password given as an argument would land in shell history and ps.

Examples:
  MSK_ADMIN_PASSWORD=... msk-spec apply specs/ --bootstrap b-1.example:9096 --auth scram \\
      --username admin --password-env MSK_ADMIN_PASSWORD --dry-run
  msk-spec apply specs/shop.order.yaml --bootstrap b-1.example:9098 --auth iam --region eu-west-1`,
    ),
  async run([files], opts, ctx) {
    const config = configFromOptions(opts, { principalsFlag: true });
    const connection = await kafkaConnectionFromOptions(opts, ctx.fs, ctx.env);
    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const warnings = loaded.files.flatMap((f) => f.warnings);
    const issues = refusals(loaded, config);
    if (issues.length > 0) {
      if (opts['json']) ctx.json({ ok: false, issues, warnings });
      else {
        for (const w of warnings) ctx.err(formatWarning(w));
        for (const i of issues) ctx.err(formatIssue(i));
        ctx.out(`Invalid input: ${issues.length} issue(s); nothing planned or applied.`);
      }
      return EXIT.INVALID;
    }
    for (const w of opts['json'] ? [] : warnings) ctx.err(formatWarning(w));

    // Loaded here, not at start-up: every msk-spec command would otherwise pay for kafkajs.
    const { Kafka, applyPlan, kafkaJsConfig, logLevel, readClusterState } = await import('../../lib/kafka/index.js');
    const { checkPlan, scopeOf } = await import('../../lib/kafka/cluster-plan.js');
    const kafka = new Kafka({
      ...kafkaJsConfig({
        brokers: connection.brokers,
        auth: connection.auth,
        clientId: 'msk-spec-apply',
        logLevel: logLevel.NOTHING,
        ...(connection.serverCaPems ? { serverCaPems: connection.serverCaPems } : {}),
      }),
      retry: { retries: 3 },
      connectionTimeout: 10_000,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const current = await readClusterState(admin, scopeOf(loaded.specs, config));
      const p = plan(loaded.specs, current, config, { force: opts['force'] === true });
      const counts = planCounts(p);
      const empty = isEmptyPlan(p);
      const dryRun = opts['dryRun'] === true;
      const refused = p.errors.length > 0;
      // As the pipeline's PlanAgainstCluster: the cluster checks the plan (replicas <= brokers,
      // validateOnly creates) before anything changes, dry runs included.
      if (!refused && !empty) await checkPlan(admin, p);
      const applied = !refused && !empty && !dryRun ? await applyPlan(admin, p) : undefined;
      if (opts['json']) {
        ctx.json({ ok: !refused, empty, dryRun, counts, plan: p, applied: applied ?? null, warnings });
      } else {
        for (const line of renderPlan(p)) ctx.out(line);
        for (const e of p.errors) ctx.err(`! ${e.domain}: [${e.rule}] ${e.message}`);
        const summary = `${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`;
        if (refused)
          ctx.out(`Plan refused: ${p.errors.length} error(s); nothing applied. It would have been ${summary}.`);
        else if (empty) ctx.out('No changes. The cluster matches the specs.');
        else if (dryRun) ctx.out(`Plan: ${summary}. Dry run: nothing applied.`);
        else
          ctx.out(
            `Applied: ${applied!.topicsCreated} topic(s) created, ${applied!.partitionsIncreased} partition increase(s), ${applied!.configsAltered} config change(s), ${applied!.aclsCreated} ACL(s) created, ${applied!.aclsDeleted} deleted.`,
          );
      }
      if (refused) return EXIT.INVALID;
      return !empty && dryRun ? EXIT.CHANGES : EXIT.OK;
    } catch (e) {
      ctx.err(`msk-spec: error: Kafka at ${connection.brokers.join(',')}: ${kafkaErrorText(e)}`);
      return EXIT.INVALID;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};
