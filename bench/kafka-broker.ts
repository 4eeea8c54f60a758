// Broker cold start: from startKafka() to ready (storage formatted, JVM up, admin ACLs in force,
// SCRAM login works), and the JVM's resident memory then and after some client work.
// Targets on the 2-core machine: < 15 s and < 600 MiB. Jars are fetched first and not timed.
import { readFileSync } from 'node:fs';
import { JVM_FLAGS, startKafka } from '../local/kafka/broker.js';
import { ensureKafkaJars, kafkaVersion } from '../local/kafka/fetch.js';
import { Kafka } from '../lib/kafka/kafkajs.js';

const log = (l: string) => process.stderr.write(`${l}\n`);
const rssMiB = (pid: number) => {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
};

await ensureKafkaJars(log);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const startMs: number[] = [];
const rssReady: number[] = [];
const rssLoaded: number[] = [];
const phases: Record<string, number>[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const broker = await startKafka({ log: () => undefined });
  const ms = Math.round(performance.now() - t0);
  startMs.push(ms);
  phases.push({ ...broker.startupMs });
  rssReady.push(rssMiB(broker.pid));
  // Some work: a topic, 2,000 records produced and consumed in a group.
  const kafka = new Kafka(broker.adminKafkaJsConfig());
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench.t', numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  for (let b = 0; b < 20; b++)
    await producer.send({
      topic: 'bench.t',
      messages: Array.from({ length: 100 }, (_, k) => ({ value: `m${b}-${k}` })),
    });
  const consumer = kafka.consumer({ groupId: 'bench.g' });
  await consumer.connect();
  await consumer.subscribe({ topics: ['bench.t'], fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async () => {
        if (++seen === 2000) resolve();
      },
    });
  });
  await consumer.disconnect();
  await producer.disconnect();
  await admin.disconnect();
  rssLoaded.push(rssMiB(broker.pid));
  log(`run ${i + 1}/${runs}: phases ${JSON.stringify(broker.startupMs)}`);
  log(
    `run ${i + 1}/${runs}: ready in ${ms} ms, RSS ${rssReady.at(-1)} MiB at ready, ${rssLoaded.at(-1)} MiB after 2,000 records`,
  );
  await broker.stop();
}
// For comparison: one start without the class-data-sharing archive (what the very first start of a
// machine, which writes the archive, costs).
process.env.MSK_LOCAL_KAFKA_CDS = '0';
const t1 = performance.now();
const plain = await startKafka({ log: () => undefined });
const withoutCdsMs = Math.round(performance.now() - t1);
const withoutCdsRss = rssMiB(plain.pid);
await plain.stop();
delete process.env.MSK_LOCAL_KAFKA_CDS;
log(`without the CDS archive: ready in ${withoutCdsMs} ms, RSS ${withoutCdsRss} MiB`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    kafkaVersion: kafkaVersion(),
    runs,
    coldStartMs: { median: median(startMs), max: Math.max(...startMs), all: startMs },
    withoutCdsArchive: { coldStartMs: withoutCdsMs, jvmRssMiB: withoutCdsRss },
    phasesMs: Object.fromEntries(Object.keys(phases[0] ?? {}).map((k) => [k, median(phases.map((p) => p[k]!))])),
    loadAverage1m: Number((await import('node:os')).loadavg()[0]!.toFixed(2)),
    jvmRssMiB: { ready: median(rssReady), afterWork: median(rssLoaded), max: Math.max(...rssLoaded, ...rssReady) },
    targets: { coldStartMs: 15_000, jvmRssMiB: 600 },
    jvmFlags: JVM_FLAGS,
  }),
);
