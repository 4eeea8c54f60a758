// 1,000,000 authorizer checks against 100,000 bindings (issue 2: target >= 1,000,000 checks/s).
// Bindings come from synthetic specs (both principals, protected grants, public prefixes); requests
// mix owners, grantees, strangers and unknown resources over topics, groups, transactional ids and
// the cluster. Progress goes to stderr; the last stdout line is one JSON object.
import { loadavg } from 'node:os';
import { Authorizer } from '../lib/access/authorizer.js';
import { desiredBindings } from '../lib/access/bindings.js';
import type { AccessRequest, AclBinding, Operation } from '../lib/access/types.js';
import { resolveConfig } from '../lib/config.js';
import { syntheticSpecs } from '../test/support/gen.js';

const BINDINGS = 100_000;
const CHECKS = 1_000_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const config = resolveConfig({ authModes: ['SCRAM', 'MTLS'] });

const specs = syntheticSpecs(1_600, 20, 7);
const all = desiredBindings(specs, config);
if (all.length < BINDINGS) throw new Error(`only ${all.length} bindings generated`);
const bindings: AclBinding[] = all.slice(0, BINDINGS);
const covered = specs.slice(0, 1_300);

// Requests are built inside the timed loop (a broker authorizes a request it has just decoded, so
// the request itself is hot in cache), from flat strings (as a decoder would produce) drawn from
// the whole index: 26,000 topics, 2,600 domains' principals, their groups and transactional ids.
// Building the request is counted in the time, so the figure is conservative.
const flat = (x: string): string => Buffer.from(x, 'utf8').toString('utf8');
const topicNames = covered.flatMap((s) => s.owned.map((t) => flat(t.name)));
const unknownTopics = Array.from({ length: 997 }, (_, i) => flat(`unknown-${i}.channel-${i % 20}`));
const groups = covered.flatMap((s) => Array.from({ length: 7 }, (_, i) => flat(`${s.domain}.consumer-${i}`)));
const txns = covered.flatMap((s) => Array.from({ length: 5 }, (_, i) => flat(`${s.domain}.tx-${i}`)));
const principals = covered
  .flatMap((s) => [flat(`User:${s.domain}`), flat(`User:CN=${s.domain}`)])
  .concat([flat('User:stranger')]);
const topicOps: Operation[] = ['READ', 'WRITE', 'DESCRIBE', 'READ'];
// The owner's principal for a topic, so that a good share of checks are allowed.
const ownerOf = covered.flatMap((s) => s.owned.map(() => flat(`User:${s.domain}`)));

const SEED = 0x9e3779b9;
let seed = SEED;
function request(): AccessRequest {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  const r = seed >>> 0;
  const kind = r % 20;
  const p = principals[(r >>> 5) % principals.length]!;
  if (kind < 12) {
    const t = (r >>> 7) % topicNames.length;
    return {
      principal: kind < 5 ? ownerOf[t]! : p,
      operation: topicOps[kind & 3]!,
      resourceType: 'TOPIC',
      resourceName: topicNames[t]!,
      host: '10.0.0.1',
    };
  }
  if (kind < 15)
    return {
      principal: p,
      operation: 'READ',
      resourceType: 'GROUP',
      resourceName: groups[(r >>> 7) % groups.length]!,
      host: '10.0.0.1',
    };
  if (kind < 17)
    return {
      principal: p,
      operation: 'WRITE',
      resourceType: 'TRANSACTIONAL_ID',
      resourceName: txns[(r >>> 7) % txns.length]!,
      host: '10.0.0.1',
    };
  if (kind < 18)
    return {
      principal: p,
      operation: 'IDEMPOTENT_WRITE',
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      host: '10.0.0.1',
    };
  return {
    principal: p,
    operation: 'READ',
    resourceType: 'TOPIC',
    resourceName: unknownTopics[(r >>> 7) % unknownTopics.length]!,
    host: '10.0.0.1',
  };
}

const t0 = performance.now();
const authz = new Authorizer(bindings);
const buildMs = performance.now() - t0;
console.error(`indexed ${authz.size} bindings in ${buildMs.toFixed(0)} ms`);

// Two paths: `isAllowed` is the broker's question (Kafka's Authorizer answers ALLOWED or DENIED)
// and the headline figure; `authorize` also collects the deciding bindings (for `msk-spec can`).
type Path = (r: AccessRequest) => boolean;
const paths: Record<string, Path> = {
  isAllowed: (r) => authz.isAllowed(r),
  authorize: (r) => authz.authorize(r).allowed,
};

function measure(
  name: string,
  check: Path,
): { median: number; min: number; max: number; cpuMedian: number; allowed: number } {
  for (let i = 0; i < 200_000; i++) check(request()); // warm-up (JIT), not counted
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let allowed = 0;
  for (let run = 0; run < RUNS; run++) {
    allowed = 0;
    seed = SEED; // every run and both paths see the same request stream
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < CHECKS; i++) if (check(request())) allowed++;
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    rates.push(CHECKS / (ms / 1000));
    cpuRates.push(CHECKS / (cpuMs / 1000));
    console.error(
      `${name} run ${run + 1}: ${CHECKS} checks in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU, ${allowed} allowed`,
    );
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    cpuMedian: [...cpuRates].sort((a, b) => a - b)[Math.floor(cpuRates.length / 2)]!,
    allowed,
  };
}

const decision = measure('isAllowed', paths.isAllowed!);
const full = measure('authorize', paths.authorize!);
if (decision.allowed !== full.allowed) throw new Error('isAllowed and authorize disagree on the same request stream');
console.log(
  JSON.stringify({
    name: 'authorizer',
    bindings: authz.size,
    checks: CHECKS,
    runs: RUNS,
    buildMs: Math.round(buildMs),
    allowedShare: Number((decision.allowed / CHECKS).toFixed(3)),
    checksPerSecond: Math.round(decision.median),
    minChecksPerSecond: Math.round(decision.min),
    maxChecksPerSecond: Math.round(decision.max),
    checksPerCpuSecond: Math.round(decision.cpuMedian),
    withDecidingBindingsPerSecond: Math.round(full.median),
    loadAverage1m: Number(loadavg()[0]!.toFixed(1)),
    targetChecksPerSecond: 1_000_000,
    ok: decision.median >= 1_000_000,
  }),
);
