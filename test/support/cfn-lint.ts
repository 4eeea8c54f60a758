// cfn-lint (the CloudFormation linter, PyPI `cfn-lint`) in a virtualenv of its own under
// .cache/venv/cfn-lint-<version>/, installed on first use (test/support/python-venv.ts).
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVenv, venvDir } from './python-venv.js';

export const CFN_LINT_VERSION = '1.58.0';

export const cfnLintVenv = (version = CFN_LINT_VERSION): string => venvDir('cfn-lint', version);

/** Path of the `cfn-lint` executable, installing it on first use. */
export function ensureCfnLint(version = CFN_LINT_VERSION, log: (l: string) => void = () => undefined): string {
  return join(ensureVenv({ name: 'cfn-lint', version, requirement: `cfn-lint==${version}`, log }), 'bin', 'cfn-lint');
}

export interface CfnLintFinding {
  readonly Rule: { readonly Id: string; readonly Description?: string };
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Location: { readonly Path?: readonly (string | number)[]; readonly Start?: { readonly LineNumber: number } };
  readonly Filename?: string;
}

/** Runs cfn-lint on a template file (JSON output); returns every finding. */
export function cfnLint(templatePath: string, args: readonly string[] = []): CfnLintFinding[] {
  ensureCfnLint();
  const python = join(cfnLintVenv(), 'bin', 'python');
  const main = 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())';
  const r = spawnSync(python, ['-c', main, '--format', 'json', ...args, '--', templatePath], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 info); 1 is a crash.
  if (r.status === 1 || r.error || !r.stdout.trim().startsWith('['))
    throw new Error(`cfn-lint failed (exit ${r.status}): ${r.error?.message ?? ''}${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as CfnLintFinding[];
}

// `tsx test/support/cfn-lint.ts [template.json]`: install ahead, or lint one file.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = ensureCfnLint(CFN_LINT_VERSION, (l) => process.stderr.write(`${l}\n`));
  if (process.argv[2]) console.log(JSON.stringify(cfnLint(process.argv[2]), null, 2));
  else console.log(bin);
}
