// cfn-lint (the CloudFormation linter, PyPI `cfn-lint`) in a virtualenv of its own under
// .cache/venv/cfn-lint-<version>/, installed on first use with `python3 -m venv` + pip. Works on a
// clean machine with Python 3.11+: when the interpreter lacks the venv module (Debian/Ubuntu ship
// it as `python3-venv`), it is installed with apt-get if we are root, else the error says what to
// install. The install is built in a private directory and renamed into place, so two jest workers
// (or processes) may race here and none ever runs a half-installed linter.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CFN_LINT_VERSION = '1.58.0';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = '.complete';

export const cfnLintVenv = (version = CFN_LINT_VERSION): string => join(ROOT, '.cache', 'venv', `cfn-lint-${version}`);

function run(cmd: string, args: string[], timeout = 600_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  return { ok: r.status === 0, out: `${r.error?.message ?? ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function ensureVenvModule(): void {
  // `ensurepip` is what python3-venv adds on Debian; without it `python3 -m venv` fails half-way.
  if (run('python3', ['-c', 'import venv, ensurepip']).ok) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && run('sh', ['-c', 'command -v apt-get']).ok) {
    run('apt-get', ['update', '-qq']);
    const minor = run('python3', [
      '-c',
      'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")',
    ]).out.trim();
    const r = run('apt-get', ['install', '-y', '-qq', 'python3-venv', ...(minor ? [`python${minor}-venv`] : [])]);
    if (!r.ok) run('apt-get', ['install', '-y', '-qq', 'python3-venv']);
    if (run('python3', ['-c', 'import venv, ensurepip']).ok) return;
  }
  throw new Error(
    "cfn-lint needs Python 3 with the venv module: install it (Debian/Ubuntu: 'apt-get install python3-venv') and retry",
  );
}

/** Path of the `cfn-lint` executable, installing it on first use. */
export function ensureCfnLint(version = CFN_LINT_VERSION, log: (l: string) => void = () => undefined): string {
  const venv = cfnLintVenv(version);
  const bin = join(venv, 'bin', 'cfn-lint');
  if (existsSync(join(venv, MARKER))) return bin;
  if (!run('python3', ['--version']).ok) throw new Error('cfn-lint needs python3 (3.9+) on PATH');
  ensureVenvModule();
  mkdirSync(dirname(venv), { recursive: true });
  const partial = `${venv}.partial-${process.pid}-${Date.now()}`;
  log(`[cfn-lint] installing cfn-lint ${version} into ${venv} (first use only)...`);
  try {
    let r = run('python3', ['-m', 'venv', partial]);
    if (!r.ok) throw new Error(`python3 -m venv failed:\n${r.out.slice(-2000)}`);
    r = run(join(partial, 'bin', 'python'), ['-m', 'pip', 'install', '-q', `cfn-lint==${version}`]);
    if (!r.ok) throw new Error(`pip install cfn-lint==${version} failed:\n${r.out.slice(-2000)}`);
    writeFileSync(join(partial, MARKER), `${version}\n`);
    // A venv's scripts name its interpreter by absolute path (the partial one): cfnLint() runs
    // cfnlint.runner through the venv's python instead, which keeps working after the rename.
    if (!existsSync(join(venv, MARKER))) {
      rmSync(venv, { recursive: true, force: true });
      renameSync(partial, venv);
    }
  } catch (e) {
    if (!existsSync(join(venv, MARKER))) throw e;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return bin;
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
