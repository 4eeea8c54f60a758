// A Python tool from PyPI in a virtualenv of its own under .cache/venv/<name>-<version>/, installed
// on first use with `python3 -m venv` + pip (cfn-lint, moto). Works on a clean machine with Python
// 3.11+: when the interpreter lacks the venv module (Debian/Ubuntu ship it as `python3-venv`), it is
// installed with apt-get if we are root, else the error says what to install. The install is built
// in a private directory and renamed into place, so jest workers (or processes) may race here and
// none ever runs a half-installed tool.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = '.complete';

export const venvDir = (name: string, version: string): string => join(ROOT, '.cache', 'venv', `${name}-${version}`);

export function run(cmd: string, args: string[], timeout = 900_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  return { ok: r.status === 0, out: `${r.error?.message ?? ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function ensureVenvModule(name: string): void {
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
    `${name} needs Python 3 with the venv module: install it (Debian/Ubuntu: 'apt-get install python3-venv') and retry`,
  );
}

export interface VenvTool {
  /** The venv's name stem and the pinned version, e.g. `cfn-lint`, `1.58.0`. */
  readonly name: string;
  readonly version: string;
  /** The pip requirement, e.g. `cfn-lint==1.58.0` or `moto[server]==5.2.5`. */
  readonly requirement: string;
  readonly log?: (line: string) => void;
}

/**
 * The venv's directory, with the tool installed (first use only). Run its modules through
 * `<venv>/bin/python -m ...`: a venv's scripts name the interpreter by absolute path, which was the
 * private build directory's before the rename.
 */
export function ensureVenv(tool: VenvTool): string {
  const venv = venvDir(tool.name, tool.version);
  if (existsSync(join(venv, MARKER))) return venv;
  if (!run('python3', ['--version']).ok) throw new Error(`${tool.name} needs python3 on PATH`);
  ensureVenvModule(tool.name);
  mkdirSync(dirname(venv), { recursive: true });
  const partial = `${venv}.partial-${process.pid}-${Date.now()}`;
  tool.log?.(`[${tool.name}] installing ${tool.requirement} into ${venv} (first use only)...`);
  try {
    let r = run('python3', ['-m', 'venv', partial]);
    if (!r.ok) throw new Error(`python3 -m venv failed:\n${r.out.slice(-2000)}`);
    r = run(join(partial, 'bin', 'python'), ['-m', 'pip', 'install', '-q', tool.requirement]);
    if (!r.ok) throw new Error(`pip install ${tool.requirement} failed:\n${r.out.slice(-2000)}`);
    writeFileSync(join(partial, MARKER), `${tool.version}\n`);
    if (!existsSync(join(venv, MARKER))) {
      rmSync(venv, { recursive: true, force: true });
      renameSync(partial, venv);
    }
  } catch (e) {
    if (!existsSync(join(venv, MARKER))) throw e;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return venv;
}
