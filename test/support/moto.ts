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

// ---- comparing one call's outcome on two emulators ----

/** One call's outcome: its HTTP status and either the normalised body or the error's name. */
export interface Outcome {
  readonly status: number;
  readonly error?: string;
  readonly body?: unknown;
}

/** The outcome of an SDK call, its output passed through `normalise` (ids, dates, ARNs masked). */
export async function outcomeOf(p: Promise<unknown>, normalise: (v: unknown) => unknown): Promise<Outcome> {
  try {
    const out = (await p) as { $metadata?: { httpStatusCode?: number } };
    return { status: out?.$metadata?.httpStatusCode ?? 200, body: normalise(out) };
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { status: err.$metadata?.httpStatusCode ?? 0, error: err.name ?? String(e) };
  }
}

/** Differences between two values, as `path: a ≠ b` lines. */
export function diffValues(a: unknown, b: unknown, path = ''): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      diffValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
    );
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}.length: ${a.length} ≠ ${b.length}`];
    return a.flatMap((x, i) => diffValues(x, b[i], `${path}[${i}]`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

/** One call compared: its step name and both outcomes. */
export interface ComparedCall {
  readonly step: string;
  readonly local: Outcome;
  readonly moto: Outcome;
}

/** Every difference between the two sides, one line per path: status and error, then bodies when both succeeded. */
export function differences(results: readonly ComparedCall[]): { step: string; path: string; line: string }[] {
  const lines: { step: string; path: string; line: string }[] = [];
  for (const r of results) {
    const l = { status: r.local.status, error: r.local.error ?? null };
    const m = { status: r.moto.status, error: r.moto.error ?? null };
    const found = [
      ...diffValues(l, m),
      ...(!r.local.error && !r.moto.error ? diffValues(r.local.body, r.moto.body) : []),
    ];
    for (const d of found) lines.push({ step: r.step, path: d.split(':')[0]!, line: d });
  }
  return lines;
}
