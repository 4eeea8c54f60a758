// 1,000,000 authorizer checks against 100,000 bindings (issue 2: target >= 1,000,000 checks/s).
// Bindings come from synthetic specs (both principals, protected grants, public prefixes); requests
// mix owners, grantees, strangers and unknown resources over topics, groups, transactional ids and
// the cluster. Progress goes to stderr; the last stdout line is one JSON object.
import { loadavg } from 'node:os';
import { Authorizer } from '../lib/access/authorizer.js';
import { desiredBindings } from '../lib/access/bindings.js';
import type { AccessRequest, AclBinding, Operation } from '../lib/access/types.js';
import { resolveConfig } from '../lib/config.js';
import { rng, syntheticSpecs } from '../test/support/gen.js';

const BINDINGS = 100_000;
const CHECKS = 1_000_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const config = resolveConfig({ authModes: ['SCRAM', 'MTLS'] });

const specs = syntheticSpecs(1_600, 20, 7);
const all = desiredBindings(specs, config);
if (all.length < BINDINGS) throw new Error(`only ${all.length} bindings generated`);
const bindings: AclBinding[] = all.slice(0, BINDINGS);
const covered = specs.slice(0, 1_300);

const next = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
const POOL = Number(process.env.BENCH_POOL ?? 100_000);
const requests: AccessRequest[] = [];
for (let i = 0; i < POOL; i++) {
  const owner = pick(covered);
  const other = pick(covered);
  const topic = pick(owner.owned);
  const who = pick([`User:${owner.domain}`, `User:CN=${other.domain}`, `User:${other.domain}`, 'User:stranger']);
  const kind = next();
  if (kind < 0.6) {
    const op: Operation = pick(['READ', 'WRITE', 'DESCRIBE', 'READ']);
    requests.push({ principal: who, operation: op, resourceType: 'TOPIC', resourceName: topic.name, host: '10.0.0.1' });
  } else if (kind < 0.75) {
    requests.push({ principal: who, operation: 'READ', resourceType: 'GROUP', resourceName: `${owner.domain}.consumer-${i % 7}` });
  } else if (kind < 0.85) {
    requests.push({ principal: who, operation: 'WRITE', resourceType: 'TRANSACTIONAL_ID', resourceName: `${owner.domain}.tx-${i % 5}` });
  } else if (kind < 0.9) {
    requests.push({ principal: who, operation: 'IDEMPOTENT_WRITE', resourceType: 'CLUSTER', resourceName: 'kafka-cluster' });
  } else {
    requests.push({ principal: who, operation: 'READ', resourceType: 'TOPIC', resourceName: `unknown-${i % 97}.${topic.channel}` });
  }
}

// Requests arrive decoded from the wire: make every string a flat (sequential) string, as a
// decoder would, instead of the cons strings that template literals build.
const flat = (x: string): string => Buffer.from(x, 'utf8').toString('utf8');
for (let i = 0; i < requests.length; i++) {
  const r = requests[i]!;
  requests[i] = { ...r, principal: flat(r.principal), resourceName: flat(r.resourceName), ...(r.host !== undefined ? { host: flat(r.host) } : {}) };
}

const t0 = performance.now();
const authz = new Authorizer(bindings);
const buildMs = performance.now() - t0;
console.error(`indexed ${authz.size} bindings in ${buildMs.toFixed(0)} ms`);

// Warm-up (JIT), not counted.
for (let i = 0; i < 200_000; i++) authz.authorize(requests[i % POOL]!);

const rates: number[] = [];
const cpuRates: number[] = [];
let allowed = 0;
for (let run = 0; run < RUNS; run++) {
  allowed = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < CHECKS; i++) {
    if (authz.authorize(requests[i % POOL]!).allowed) allowed++;
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  rates.push(CHECKS / (ms / 1000));
  cpuRates.push(CHECKS / (cpuMs / 1000));
  console.error(
    `run ${run + 1}: ${CHECKS} checks in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (${Math.round(CHECKS / (ms / 1000)).toLocaleString()} checks/s wall), ${allowed} allowed`,
  );
}
const sorted = [...rates].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
const cpuMedian = [...cpuRates].sort((a, b) => a - b)[Math.floor(cpuRates.length / 2)]!;
console.log(
  JSON.stringify({
    name: 'authorizer',
    bindings: authz.size,
    checks: CHECKS,
    runs: RUNS,
    buildMs: Math.round(buildMs),
    allowedShare: Number((allowed / CHECKS).toFixed(3)),
    checksPerSecond: Math.round(median),
    minChecksPerSecond: Math.round(sorted[0]!),
    maxChecksPerSecond: Math.round(sorted[sorted.length - 1]!),
    checksPerCpuSecond: Math.round(cpuMedian),
    loadAverage1m: Number(loadavg()[0]!.toFixed(1)),
    targetChecksPerSecond: 1_000_000,
    ok: median >= 1_000_000,
  }),
);
