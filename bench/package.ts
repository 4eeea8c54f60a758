// `serverless package` through local/package.ts: cold (no cache entry: serverless, esbuild, zips)
// and warm (the cached entry for the same inputs). The cold run packages a private stage
// (`bench-<pid>`) so it never takes or disturbs the entry tests and the local deployer use; its
// entry is removed afterwards. Prints progress to stderr and ONE JSON object as the last stdout line.
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { packageDeployment } from '../local/package.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const stage = `bench-${process.pid}`;
const WARM_SAMPLES = 5;
const log = (l: string) => process.stderr.write(`${l}\n`);

const cold = await packageDeployment({ root, stage, log });
if (cold.cached) throw new Error(`stage ${stage} was already cached; the cold figure would be wrong`);
log(`cold: ${cold.ms} ms (${Object.keys(cold.artifacts).length} functions)`);
const warm: number[] = [];
for (let i = 0; i < WARM_SAMPLES; i++) {
  const w = await packageDeployment({ root, stage });
  if (!w.cached) throw new Error('the second packaging was not a cache hit');
  warm.push(w.ms);
}
rmSync(cold.dir, { recursive: true, force: true });
warm.sort((a, b) => a - b);
log(`warm: ${warm.join(', ')} ms`);
console.log(
  JSON.stringify({
    benchmark: 'package',
    coldMs: cold.ms,
    warmMs: warm[Math.floor(warm.length / 2)],
    warmMaxMs: warm[warm.length - 1],
    functions: Object.keys(cold.artifacts).length,
    loadAverage: Math.round(loadavg()[0]! * 10) / 10,
  }),
);
