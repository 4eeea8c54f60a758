// End-to-end latency of the pipeline on the embedded default: from the S3 PutObject of a spec to
// its report, for one spec at a time and for 50 specs uploaded together; and the Kafka requests
// ApplyTopicsAndAcls sends per spec for 1..50 channels (which should not grow with the channels).
//
// Everything is real (broker, SDK clients, state machines from serverless.yml); the emulated PCA
// answers GetCertificate at the first poll, so the figure is the pipeline's own cost, not a wait.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

import { startEnvironment } from '../local/environment.js';
import { followExecutions, readReports, uploadSpec } from '../local/driver.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

function spec(domain: string, channels: number): string {
  const [a, b] = domain.split('.');
  const lines = [
    `asyncapi: '2.6.0'`,
    `id: 'urn:${a}:${b}'`,
    `info: { title: ${domain}, version: '1.0.0' }`,
    'channels:',
  ];
  for (let i = 0; i < channels; i++) {
    const visibility = ['_public', '_protected', '_private'][i % 3];
    lines.push(
      `  ${visibility}.c${i}:`,
      `    bindings: { kafka: { partitions: 1, replicas: 1 } }`,
      ...(visibility === '_protected'
        ? [`    publish: { tags: [{ name: 'grant-access:bench.reader' }], message: { payload: { type: object } } }`]
        : [`    publish: { message: { payload: { type: object } } }`]),
    );
  }
  return `${lines.join('\n')}\n`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function provision(
  env: Awaited<ReturnType<typeof startEnvironment>>,
  specs: { domain: string; channels: number }[],
) {
  const since = new Date();
  const t = performance.now();
  await Promise.all(
    specs.map((s) => uploadSpec(env, { key: `specs/${s.domain}.yaml`, text: spec(s.domain, s.channels) })),
  );
  const finished = await followExecutions(env, env.resources.stateMachines.provision!, specs.length, undefined, {
    since,
    pollMs: 20,
    timeoutMs: 600_000,
  });
  const ms = performance.now() - t;
  const reports = await readReports(
    env,
    specs.map((s) => `specs/${s.domain}.yaml`),
  );
  const failed = reports.filter((r) => r?.status !== 'PROVISIONED').length;
  if (failed > 0 || finished.some((f) => f.status !== 'SUCCEEDED'))
    throw new Error(`${failed} spec(s) not provisioned`);
  return { ms, reports };
}

const env = await startEnvironment({ log: (l) => log(`  ${l}`), pcaReadyAfterPolls: 0 });
try {
  log('warm-up (first invocations import the handlers)');
  const cold = await provision(env, [{ domain: 'bench.warmup', channels: 3 }]);

  log('one spec at a time, 5 channels, 5 runs');
  const single: number[] = [];
  for (let i = 0; i < 5; i++) single.push((await provision(env, [{ domain: `bench.one${i}`, channels: 5 }])).ms);

  log('50 specs uploaded together, 5 channels each');
  const fifty = await provision(
    env,
    Array.from({ length: 50 }, (_, i) => ({ domain: `bench.many${String(i).padStart(2, '0')}`, channels: 5 })),
  );

  log('Kafka admin requests per spec by channel count');
  const requests: Record<string, number> = {};
  for (const channels of [1, 5, 20, 50]) {
    const { reports } = await provision(env, [{ domain: `bench.ch${channels}`, channels }]);
    requests[channels] = (reports[0]?.applied as { kafkaRequests?: number } | undefined)?.kafkaRequests ?? -1;
  }

  console.log(
    JSON.stringify({
      name: 'pipeline',
      coldFirstSpecMs: Math.round(cold.ms),
      oneSpecMedianMs: Math.round(median(single)),
      oneSpecRunsMs: single.map(Math.round),
      targetOneSpecMs: 2000,
      fiftySpecsMs: Math.round(fifty.ms),
      fiftySpecsPerSecond: Math.round((50 / fifty.ms) * 1000 * 10) / 10,
      kafkaRequestsByChannelCount: requests,
      keyAlgorithm: 'EC_P256',
    }),
  );
} finally {
  await env.stop();
}
