// `npm run bench -- <name> [--flags]` runs bench/<name>.ts; `npm run bench` runs every benchmark in turn.
// Each benchmark is a standalone script that prints progress to stderr and ONE JSON object as the
// last line of stdout. This runner forwards that line, so scripts can parse `tail -1`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

// Names come first; from the first `--flag` on, the arguments go to each benchmark unchanged
// (`npm run bench -- burst --specs 50`).
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const requested = firstFlag < 0 ? args : args.slice(0, firstFlag);
const passed = firstFlag < 0 ? [] : args.slice(firstFlag);
const unknown = requested.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}\navailable: ${available.join(', ')}`);
  process.exit(1);
}

// A young generation of 64 MiB semi-spaces instead of V8's 16: the embedded cloud allocates for
// every request it serves, and with the default it scavenges every few dozen of them.
const NODE_FLAGS = ['--max-semi-space-size=64'];

const results: Record<string, unknown> = {};
let failed = false;
for (const name of requested.length > 0 ? requested : available) {
  console.error(`== bench ${name}`);
  const run = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', join(here, `${name}.ts`), ...passed], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    results[name] = JSON.parse(last);
  } catch {
    failed = true;
    results[name] = { error: `exit ${run.status}; last line was not JSON: ${last.slice(0, 200)}` };
  }
  if (run.status !== 0) failed = true;
}
console.log(JSON.stringify(requested.length === 1 ? results[requested[0]!] : results));
process.exit(failed ? 1 : 0);
