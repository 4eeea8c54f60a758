// `msk-spec validate <files...>`: every refusal of every spec, plus the rules that need the whole
// set (the same domain in two files, ids nested in one another).
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { configFromOptions, withCommonOptions } from '../options.js';
import { formatIssue, formatWarning, loadSpecs, refusals } from '../specs.js';

export const validateCommand: CliCommand = {
  name: 'validate',
  define: (program) =>
    withCommonOptions(
      program
        .command('validate')
        .description(
          'check specs (files or directories of *.yaml, *.yml, *.json) and report every refusal with its file, JSON path and rule',
        )
        .argument('<files...>', 'spec files or directories'),
    ),
  async run([files], opts, ctx) {
    const config = configFromOptions(opts);
    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const issues = refusals(loaded, config);
    const setIssues = loaded.issues.length === 0 ? issues : [];
    const valid = issues.length === 0;
    if (opts['json']) {
      ctx.json({
        valid,
        files: loaded.files.map((f) => ({
          file: f.file,
          valid: f.issues.length === 0 && !setIssues.some((i) => i.file === f.file),
          ...(f.spec
            ? {
                domain: f.spec.domain,
                topics: f.spec.owned.map((t) => t.name),
                subscriptions: f.spec.subscriptions.map((s) => s.topic),
              }
            : {}),
          issues: [...f.issues, ...setIssues.filter((i) => i.file === f.file)],
          warnings: f.warnings,
        })),
      });
      return valid ? EXIT.OK : EXIT.INVALID;
    }
    for (const f of loaded.files) {
      for (const w of f.warnings) ctx.err(formatWarning(w));
      if (f.spec && !setIssues.some((i) => i.file === f.file)) {
        ctx.out(
          `${f.file}: ok: domain ${f.spec.domain}, ${f.spec.owned.length} topic(s), ${f.spec.subscriptions.length} subscription(s)`,
        );
      }
    }
    for (const i of issues) ctx.err(formatIssue(i));
    const bad = new Set(issues.map((i) => i.file)).size;
    ctx.out(
      valid
        ? `${loaded.files.length} spec(s) valid.`
        : `${bad} of ${loaded.files.length} spec(s) refused, ${issues.length} issue(s).`,
    );
    return valid ? EXIT.OK : EXIT.INVALID;
  },
};
