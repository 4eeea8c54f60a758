// moto's server (PyPI `moto[server]`, an independent AWS emulator) as a second opinion on the
// embedded cloud: installed on first use into a virtualenv of its own under
// .cache/venv/moto-<version>/ (as test/support/cfn-lint.ts installs cfn-lint, python3-venv with
// apt-get when root and missing), then started on a free loopback port by the test that needs it
// and stopped by it. The install is built under a private name and renamed into place, so parallel
// workers may race here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MOTO_VERSION = '5.2.5';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = '.complete';

export const motoVenv = (version = MOTO_VERSION): string => join(ROOT, '.cache', 'venv', `moto-${version}`);

function run(cmd: string, args: string[], timeout = 900_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  return { ok: r.status === 0, out: `${r.error?.message ?? ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function ensureVenvModule(): void {
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
    "moto needs Python 3 with the venv module: install it (Debian/Ubuntu: 'apt-get install python3-venv')",
  );
}

/** The venv's python, with moto[server] installed (first use only, about a minute). */
export function ensureMoto(log: (l: string) => void = () => undefined): string {
  const venv = motoVenv();
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, MARKER))) return python;
  if (!run('python3', ['--version']).ok) throw new Error('moto needs python3 on PATH');
  ensureVenvModule();
  mkdirSync(dirname(venv), { recursive: true });
  const partial = `${venv}.partial-${process.pid}-${Date.now()}`;
  log(`[moto] installing moto[server] ${MOTO_VERSION} into ${venv} (first use only)...`);
  try {
    let r = run('python3', ['-m', 'venv', partial]);
    if (!r.ok) throw new Error(`python3 -m venv failed:\n${r.out.slice(-2000)}`);
    r = run(join(partial, 'bin', 'python'), ['-m', 'pip', 'install', '-q', `moto[server]==${MOTO_VERSION}`]);
    if (!r.ok) throw new Error(`pip install moto[server]==${MOTO_VERSION} failed:\n${r.out.slice(-2000)}`);
    writeFileSync(join(partial, MARKER), `${MOTO_VERSION}\n`);
    // Scripts in a venv name its interpreter by absolute path: moto is run as `<venv>/bin/python -m moto.server`.
    if (!existsSync(join(venv, MARKER))) {
      rmSync(venv, { recursive: true, force: true });
      renameSync(partial, venv);
    }
  } catch (e) {
    if (!existsSync(join(venv, MARKER))) throw e;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return python;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts `python -m moto.server` on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const python = ensureMoto((l) => process.stderr.write(`${l}\n`));
  const port = await freePort();
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto.server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto.server did not answer on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
