// `msk-spec plan <files...> [--current state.json] [--force]`: what would change on the cluster,
// terraform-style. Exit 0 when nothing changes, 2 when changes are planned, 1 on invalid input or
// a plan with errors (incompatible changes, mass deletion without --force).
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT, type ExitCode } from '../io.js';
import { configFromOptions, withCommonOptions } from '../options.js';
import { formatBinding, formatIssue, formatWarning, loadSpecs } from '../specs.js';
import { EMPTY_STATE, readState } from '../state.js';
import { isEmptyPlan, plan, type Plan } from '../../lib/plan/plan.js';

const configText = (configs: Readonly<Record<string, string>>) =>
  Object.entries(configs)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** The plan as terraform-like lines (`+` create, `~` change, `-` destroy, `!` error). */
export function renderPlan(p: Plan): string[] {
  const lines: string[] = [];
  for (const t of p.topicsToCreate) {
    const cfg = configText(t.configs);
    lines.push(`+ topic ${t.name} (partitions ${t.partitions}, replicas ${t.replicas}${cfg ? `, ${cfg}` : ''})`);
  }
  for (const inc of p.partitionIncreases) lines.push(`~ topic ${inc.topic} partitions ${inc.from} -> ${inc.to}`);
  for (const c of p.configChanges) {
    const parts = [...Object.entries(c.set).map(([k, v]) => `set ${k}=${v}`), ...c.remove.map((k) => `remove ${k}`)];
    lines.push(`~ config ${c.topic}: ${parts.join(', ')}`);
  }
  for (const b of p.aclsToCreate) lines.push(`+ acl ${formatBinding(b)}`);
  for (const b of p.aclsToDelete) lines.push(`- acl ${formatBinding(b)}`);
  for (const t of p.orphanTopics)
    lines.push(`# topic ${t} is in a planned domain's namespace but in no spec (topics are never deleted)`);
  return lines;
}

export function planCounts(p: Plan): { add: number; change: number; destroy: number } {
  return {
    add: p.topicsToCreate.length + p.aclsToCreate.length,
    change: p.partitionIncreases.length + p.configChanges.length,
    destroy: p.aclsToDelete.length,
  };
}

function report(p: Plan, ctx: CommandContext): ExitCode {
  for (const line of renderPlan(p)) ctx.out(line);
  for (const e of p.errors) ctx.err(`! ${e.domain}: [${e.rule}] ${e.message}`);
  const { add, change, destroy } = planCounts(p);
  if (p.errors.length > 0) {
    ctx.out(
      `Plan refused: ${p.errors.length} error(s). It would have been ${add} to add, ${change} to change, ${destroy} to destroy.`,
    );
    return EXIT.INVALID;
  }
  if (isEmptyPlan(p)) {
    ctx.out('No changes. The cluster matches the specs.');
    return EXIT.OK;
  }
  ctx.out(`Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`);
  return EXIT.CHANGES;
}

export const planCommand: CliCommand = {
  name: 'plan',
  define: (program) =>
    withCommonOptions(
      program
        .command('plan')
        .description(
          'show the topics, partition and config changes, and ACLs to create or delete so that the cluster matches the specs',
        )
        .argument('<files...>', 'spec files or directories')
        .option(
          '--current <state.json>',
          'current cluster state {"topics": [...], "acls": [...]} (default: an empty cluster)',
        )
        .option('--force', 'plan even when the mass-deletion guard would refuse'),
    ),
  async run([files], opts, ctx) {
    const config = configFromOptions(opts);
    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const warnings = loaded.files.flatMap((f) => f.warnings);
    let current = EMPTY_STATE;
    const issues = [...loaded.issues];
    if (typeof opts['current'] === 'string') {
      const state = await readState(opts['current'], ctx.fs);
      if (state.ok) current = state.state;
      else issues.push(...state.issues);
    }
    if (issues.length > 0) {
      if (opts['json']) ctx.json({ ok: false, issues, warnings });
      else {
        for (const w of warnings) ctx.err(formatWarning(w));
        for (const i of issues) ctx.err(formatIssue(i));
        ctx.out(`Invalid input: ${issues.length} issue(s); nothing planned.`);
      }
      return EXIT.INVALID;
    }
    const p = plan(loaded.specs, current, config, { force: opts['force'] === true });
    if (opts['json']) {
      ctx.json({ ok: p.errors.length === 0, empty: isEmptyPlan(p), counts: planCounts(p), plan: p, warnings });
      return p.errors.length > 0 ? EXIT.INVALID : isEmptyPlan(p) ? EXIT.OK : EXIT.CHANGES;
    }
    for (const w of warnings) ctx.err(formatWarning(w));
    return report(p, ctx);
  },
};
