// `npm start -- --auth iam --json`: the examples provision with IAM as the auth mode on the embedded
// default, and the access matrix the run prints is decided by the IAM policy simulator over the
// policies the emulated IAM holds afterwards; every decision must equal the ACL model's. It runs as
// the npm script does (`node --import tsx local/start.ts`).
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../local/environment.js';

const TIMEOUT_MS = 600_000;

interface Summary {
  ok: boolean;
  reports: { file: string; report: { status: string } | null }[];
  access: { probes: number; simulated: number; allowed: number; refused: number; disagreements: unknown[] } | null;
}

it(
  'the examples provision under AuthModes IAM, and the simulator over the stored policies agrees with the access model on every domain, topic and operation',
  async () => {
    const script = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
      .scripts.start;
    const [, ...args] = script.split(' ');
    const { stdout } = await promisify(execFile)(process.execPath, [...args, '--auth', 'iam', '--json'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: TIMEOUT_MS - 10_000,
    });
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as Summary;
    const examples = readdirSync(join(REPO_ROOT, 'examples', 'specs')).filter((f) => f.endsWith('.yaml'));
    expect(summary.reports.map((r) => r.report?.status)).toEqual(examples.map(() => 'PROVISIONED'));
    // No real client runs under IAM alone; every cell is the simulator's.
    expect(summary.access).toMatchObject({ probes: 0, disagreements: [] });
    expect(summary.access!.simulated).toBeGreaterThan(0);
    expect(summary.access!.allowed).toBeGreaterThan(0);
    expect(summary.access!.refused).toBeGreaterThan(0);
    expect(summary.ok).toBe(true);
  },
  TIMEOUT_MS,
);
