// Start-to-exit time of the `msk-spec` command as a user runs it (`node bin/msk-spec.js`, what
// `npx msk-spec` ends up executing), beside `node -e 0` in the same run (issue 14: validate under
// 0.3 s median, within 6x of `node -e 0`). Also the same validate run through tsx on the
// TypeScript sources, which is how the command started before it was built (the "before" figure).
// The cases are sampled in turn, so machine load weighs on all of them alike, and each one's CPU
// time is reported too (Linux), which load hardly changes. The build is brought
// up to date first (scripts/build-cli.js), so the bin runs dist/cli/ and not its tsx fallback.
// Progress goes to stderr; the last stdout line is one JSON object.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain JavaScript build script without type declarations
import { buildCli } from '../scripts/build-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Math.max(10, Number(process.env.BENCH_RUNS ?? 15));
const bin = path.join(root, 'bin/msk-spec.js');

const cases: Record<string, { args: string[]; exit: number }> = {
  node: { args: ['-e', '0'], exit: 0 },
  validate: { args: [bin, 'validate', 'examples/specs'], exit: 0 },
  plan: { args: [bin, 'plan', 'examples/specs'], exit: 2 },
  help: { args: [bin, '--help'], exit: 0 },
  tsxValidate: { args: ['--import', 'tsx', path.join(root, 'cli/main.ts'), 'validate', 'examples/specs'], exit: 0 },
};

await buildCli();

/**
 * CPU time (user + system, ms) of the waited-for children so far, from /proc (Linux); undefined
 * elsewhere. Unlike the wall time, a busy machine hardly changes it.
 */
function childCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // Fields 16 and 17 of proc(5) (cutime, cstime), counted after the `(comm)` field.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

const cpu: Record<string, number[]> = {};

function once(name: string): number {
  const c = cases[name]!;
  const cpuBefore = childCpuMs();
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== c.exit) throw new Error(`${name}: exit ${r.status}, expected ${c.exit}: ${r.stderr}`);
  const cpuAfter = childCpuMs();
  if (cpuBefore !== undefined && cpuAfter !== undefined) (cpu[name] ??= []).push(cpuAfter - cpuBefore);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const names = Object.keys(cases);
for (const n of names) once(n); // warm the file cache (and tsx's compile cache) before sampling
for (const n of names) delete cpu[n];
const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < RUNS; i++) {
  // Rotated each round, so no case always runs right after a particular other one.
  for (let j = 0; j < names.length; j++) {
    const n = names[(i + j) % names.length]!;
    samples[n]!.push(once(n));
  }
  console.error(`run ${i + 1}/${RUNS}`);
}

const ms = (n: string) => Math.round(median(samples[n]!) * 10) / 10;
const result = {
  runs: RUNS,
  nodeMs: ms('node'),
  validateMs: ms('validate'),
  planMs: ms('plan'),
  helpMs: ms('help'),
  tsxValidateMs: ms('tsxValidate'),
  validateVsNode: Math.round((ms('validate') / ms('node')) * 100) / 100,
  // CPU time of each case (user + system, median, 10 ms ticks), where /proc has it.
  cpuMs: Object.fromEntries(Object.entries(cpu).map(([n, xs]) => [n, median(xs)])),
  target: { validateMs: 300, validateVsNode: 6 },
  met: ms('validate') < 300 && ms('validate') / ms('node') <= 6,
  loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
};
console.error(
  `median of ${RUNS}: node -e 0 ${result.nodeMs} ms; validate ${result.validateMs} ms (${result.validateVsNode}x), plan ${result.planMs} ms, --help ${result.helpMs} ms; validate through tsx ${result.tsxValidateMs} ms`,
);
console.log(JSON.stringify(result));
