// `npm start -- --keep-running --no-examples`: an empty environment that stays up until Ctrl-C, and
// shutdown that removes everything it made, on SIGINT and SIGTERM alike. It runs as the npm script
// does (`node --import tsx local/start.ts`), in a process group of its own that gets the signal as
// a terminal's Ctrl-C sends it, twice: npm and tsx's CLI each relayed it once more, and the second
// signal used to end start.ts before its cleanup ran. With a TMPDIR of its own, what it leaves
// behind is visible.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../local/environment.js';

const OURS = /^(msk-local-kafka-|msk-spec-s3-|msk-spec-client-)/;
const TIMEOUT_MS = 400_000;

async function startThenSignal(signal: NodeJS.Signals) {
  const tmp = mkdtempSync(join(tmpdir(), 'msk-start-signals-'));
  const script = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
    .scripts.start;
  const [command, ...args] = script.split(' ');
  expect(command).toBe('node');
  const child = spawn(process.execPath, [...args, '--keep-running', '--no-examples'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, sig) => resolve({ code, signal: sig })),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('The environment keeps running')) resolve();
      });
      void exited.then(({ code }) => reject(new Error(`npm start exited (${code}) before it was up: ${err}`)));
    });
    const during = readdirSync(tmp).filter((f) => OURS.test(f));
    process.kill(-child.pid!, signal);
    await new Promise((r) => setTimeout(r, 50));
    if (child.exitCode === null) process.kill(-child.pid!, signal); // the relayed copy
    const result = await exited;
    return { during, after: readdirSync(tmp).filter((f) => OURS.test(f)), result, out };
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('npm start -- --keep-running --no-examples', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'comes up empty, and %s stops it and removes its temporary folders',
    async (signal, code) => {
      const r = await startThenSignal(signal);
      expect(r.out).toContain('export MSK_SPEC_SPEC_BUCKET=');
      // The broker's data and the client CA folder existed (the S3 emulator keeps its objects in
      // memory, local/aws/s3/memory-store.ts, and has no folder any more)…
      expect(r.during.map((f) => f.replace(/-[^-]+$/, '-')).sort()).toEqual(['msk-local-kafka-', 'msk-spec-client-']);
      // …and are gone after a shutdown that ran to its end.
      expect(r.after).toEqual([]);
      expect(r.result.code).toBe(code);
    },
    TIMEOUT_MS,
  );
});
