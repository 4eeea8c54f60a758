// moto's server (PyPI `moto[server]`, an independent AWS emulator) as a second opinion on the
// embedded cloud: installed on first use into a virtualenv of its own under
// .cache/venv/moto-<version>/ (test/support/python-venv.ts), then started on a free loopback port by
// the test that needs it and stopped by it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureVenv, venvDir } from './python-venv.js';

export const MOTO_VERSION = '5.2.5';

export const motoVenv = (version = MOTO_VERSION): string => venvDir('moto', version);

/** The venv's python, with moto[server] installed (first use only, about a minute). */
export function ensureMoto(log: (l: string) => void = () => undefined): string {
  return join(
    ensureVenv({ name: 'moto', version: MOTO_VERSION, requirement: `moto[server]==${MOTO_VERSION}`, log }),
    'bin',
    'python',
  );
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
