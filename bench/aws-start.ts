// Cold start of the emulated AWS endpoints (gateway with KMS, Secrets Manager, EventBridge; S3 on
// s3rver): time from process start until both endpoints answer (readiness over plain HTTP, so the
// SDK's own load time does not count), and resident memory then. A real SDK call to each follows
// as a check (not in readyMs). Each sample is a fresh Node process (run through tsx, as `npm start` is), so module loading
// and transpiling count. Targets (issue 4): under 1.5 s and under 200 MiB RSS.
//
// Progress goes to stderr; the last stdout line is one JSON object.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5);
const TARGET_MS = 1500;
const TARGET_MIB = 200;

interface Sample {
  readyMs: number;
  importMs: number;
  startMs: number;
  readyCheckMs: number;
  /** CPU time (user + system) spent until ready: unlike wall time, barely affected by other load on the machine. */
  cpuMs: number;
  rssMiB: number;
}

async function child(): Promise<void> {
  const t0 = performance.now(); // ms since this process started
  const { startLocalAws } = await import('../local/aws/env.js');
  const t1 = performance.now();
  const aws = await startLocalAws({ buckets: ['specs'] });
  const t2 = performance.now();
  const [health, bucket] = await Promise.all([
    fetch(`${aws.endpoint}/_local/health`),
    fetch(`${aws.s3Endpoint}/specs`, { method: 'HEAD' }),
  ]);
  if (!health.ok || !bucket.ok) throw new Error(`not ready: gateway ${health.status}, s3 ${bucket.status}`);
  const t3 = performance.now();
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const { S3Client, ListBucketsCommand } = await import('@aws-sdk/client-s3');
  const { SecretsManagerClient, ListSecretsCommand } = await import('@aws-sdk/client-secrets-manager');
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const s3 = new S3Client({ endpoint: aws.s3Endpoint, region: aws.region, credentials, forcePathStyle: true });
  const sm = new SecretsManagerClient({ endpoint: aws.endpoint, region: aws.region, credentials });
  await Promise.all([s3.send(new ListBucketsCommand({})), sm.send(new ListSecretsCommand({}))]);
  const sample: Sample = {
    readyMs: Math.round(t3),
    importMs: Math.round(t1 - t0),
    startMs: Math.round(t2 - t1),
    readyCheckMs: Math.round(t3 - t2),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    rssMiB: Math.round((rss / 1024 / 1024) * 10) / 10,
  };
  s3.destroy();
  sm.destroy();
  await aws.stop();
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function parent(): void {
  const samples: Sample[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    if (run.status !== 0) {
      console.log(JSON.stringify({ error: `sample ${i} exited ${run.status}` }));
      process.exit(1);
    }
    const s = JSON.parse(run.stdout.trim().split('\n').pop()!) as Sample;
    console.error(
      `sample ${i + 1}/${SAMPLES}: ready ${s.readyMs} ms (import ${s.importMs}, start ${s.startMs}, ready check ${s.readyCheckMs}), CPU ${s.cpuMs} ms, RSS ${s.rssMiB} MiB`,
    );
    samples.push(s);
  }
  const readyMs = median(samples.map((s) => s.readyMs));
  const rssMiB = median(samples.map((s) => s.rssMiB));
  console.log(
    JSON.stringify({
      name: 'aws-start',
      samples: samples.length,
      readyMsMedian: readyMs,
      readyMsMax: Math.max(...samples.map((s) => s.readyMs)),
      importMsMedian: median(samples.map((s) => s.importMs)),
      startMsMedian: median(samples.map((s) => s.startMs)),
      readyCheckMsMedian: median(samples.map((s) => s.readyCheckMs)),
      cpuMsMedian: median(samples.map((s) => s.cpuMs)),
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      rssMiBMedian: rssMiB,
      rssMiBMax: Math.max(...samples.map((s) => s.rssMiB)),
      targetMs: TARGET_MS,
      targetMiB: TARGET_MIB,
      withinTarget: readyMs < TARGET_MS && rssMiB < TARGET_MIB,
    }),
  );
}

if (process.argv.includes('--child')) await child();
else parent();
