// Plan + diff 1,000 specs x 20 channels (SCRAM and mTLS principals) against a current state of the
// same size with 5% drift (issue 2: target under 2 s). The drift: 5% of the managed bindings
// missing, as many stale managed bindings added, 5% of the topics with changed configs or fewer
// partitions, 5% of the topics missing, plus foreign bindings the plan must leave alone.
// Progress goes to stderr; the last stdout line is one JSON object.
import { loadavg } from 'node:os';
import { applyPlanToState, plan } from '../lib/plan/plan.js';
import type { AclBinding } from '../lib/access/types.js';
import { resolveConfig } from '../lib/config.js';
import type { ClusterState, TopicState } from '../lib/kafka/state.js';
import { rng, syntheticSpecs } from '../test/support/gen.js';

const SPECS = 1_000;
const CHANNELS = 20;
const DRIFT = 0.05;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const config = resolveConfig({ authModes: ['SCRAM', 'MTLS'], maxDeleteShare: 1 });

const specs = syntheticSpecs(SPECS, CHANNELS, 11);
const exact = applyPlanToState({ topics: [], acls: [] }, plan(specs, { topics: [], acls: [] }, config));
const next = rng(5);

const acls: AclBinding[] = [];
let removed = 0;
for (const b of exact.acls) {
  if (next() < DRIFT) removed++;
  else acls.push(b);
}
const stale = Math.round(exact.acls.length * DRIFT);
for (let i = 0; i < stale; i++) {
  const d = specs[Math.floor(next() * SPECS)]!.domain;
  acls.push({
    resourceType: 'TOPIC',
    patternType: 'LITERAL',
    resourceName: `${d}._private.old-${i}`,
    principal: `User:legacy-${i % 50}`,
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  });
}
for (let i = 0; i < stale; i++) {
  acls.push({
    resourceType: 'TOPIC',
    patternType: 'PREFIXED',
    resourceName: `foreign-${i}.`,
    principal: `User:foreign-${i}`,
    host: '*',
    operation: 'WRITE',
    permission: 'ALLOW',
  });
}
const topics: TopicState[] = [];
for (const t of exact.topics) {
  const r = next();
  if (r < DRIFT / 2) continue; // missing topic
  if (r < DRIFT) topics.push({ ...t, configs: { ...t.configs, 'retention.ms': '1', 'segment.bytes': '1048576' } });
  else topics.push(t);
}
const current: ClusterState = { topics, acls };
console.error(
  `desired ${exact.acls.length} bindings and ${exact.topics.length} topics; current ${acls.length} bindings (${removed} missing, ${stale} stale, ${stale} foreign), ${topics.length} topics`,
);

// Warm-up run (JIT), not counted.
plan(specs, current, config);
const times: number[] = [];
const cpuTimes: number[] = [];
let last = plan(specs, current, config);
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  last = plan(specs, current, config);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  times.push(ms);
  cpuTimes.push((cpu.user + cpu.system) / 1000);
  console.error(
    `run ${run + 1}: ${ms.toFixed(0)} ms wall, ${cpuTimes[run]!.toFixed(0)} ms CPU: ${JSON.stringify(last.summary)}`,
  );
}
const cpuMedian = [...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)]!;
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(
  JSON.stringify({
    name: 'plan',
    specs: SPECS,
    channels: CHANNELS,
    bindings: acls.length,
    desiredBindings: exact.acls.length,
    topics: topics.length,
    drift: DRIFT,
    runs: RUNS,
    ms: Math.round(median),
    minMs: Math.round(sorted[0]!),
    maxMs: Math.round(sorted[sorted.length - 1]!),
    cpuMs: Math.round(cpuMedian),
    loadAverage1m: Number(loadavg()[0]!.toFixed(1)),
    aclsToCreate: last.summary.aclsToCreate,
    aclsToDelete: last.summary.aclsToDelete,
    topicsToCreate: last.summary.topicsToCreate,
    configChanges: last.summary.configChanges,
    targetMs: 2000,
    ok: median < 2000,
  }),
);
