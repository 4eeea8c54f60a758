// Rotation at scale (issue 13): N domains (`--certificates N`, default 2,000) whose client certificates are past 2/3
// of their lifetime, renewed by one run of the real rotation workflow (state-machines/rotate-certificates.asl.yaml: a
// Distributed Map over the due list the scan writes) on the embedded default, with IAM enforced and the emulated
// PCA held to its request rate (`--pca-rate N`, default the Service Quotas value, 25 IssueCertificate per second).
//
// Seeding, not the figure: provisioning 2,000 domains through the whole workflow would take the Kafka side too, so
// each domain gets what provision leaves for rotation to find, made by the production code paths: its spec in the
// spec bucket (written in-process, so no provision run starts), a certificate issued by the emulated PCA (in-process,
// outside its rate) for a key made as IssueCertificate makes it, stored with lib/aws/cert-store.ts promoteCertificate
// (key, cert, chain, current.json, the expiry index entry) exactly as CollectCertificate stores it. The PCA's clock
// runs 21 days behind while seeding, so every 30-day certificate is due when the schedule fires.
// The measured run starts the way the daily schedule starts it (its EventBridge rule fires, its `time` is now).
//
// Prints `certificates`, `renewed`, `failed`, `scanRequests` (what FindExpiringCertificates' role asked S3 for, by IAM
// action: s3:ListBucket is ListObjectsV2, s3:GetObject would be a per-object GET or HEAD, s3:PutObject the due list),
// `scanPerObjectReads`, `maxIssueTps` (most IssueCertificate requests PCA accepted in any one second),
// `pcaRate`, `issueAttempts`, `throttled`, `issuesPerSecond` (renewals over the run's time), `totalMs`, `seedMs`,
// `parentHistoryEvents`, `maxParentStateBytes` and `peakRssMiB` (this process, with the Lambda sandboxes' worker
// threads, plus the Kafka broker).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

import { ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { startEnvironment } from '../local/environment.js';
import { promoteCertificate } from '../lib/aws/cert-store.js';
import { readRenewals } from '../lib/aws/rotation.js';
import { certificateFacts } from '../lib/cert/inspect.js';
import { createCsr, generateKeyPair, privateKeyToPem } from '../lib/cert/keys.js';
import { DEFAULT_VALIDITY_DAYS, idempotencyToken } from '../lib/cert/policy.js';
import { benchSpec, flag, rssMiB } from './_args.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY_MS = 86_400_000;

const CERTIFICATES = flag('certificates', 2_000);
const PCA_RATE = flag('pca-rate', 25);
const SEED_CONCURRENCY = flag('seed-concurrency', 16);

type Run = { itemCounts: { succeeded: number; total: number } };
const domainOf = (i: number) => `rot.d${String(i).padStart(5, '0')}`;

let pcaClockOffsetMs = -21 * DAY_MS;
const env = await startEnvironment({
  log: (l) => log(`  ${l}`),
  now: () => Date.now() + pcaClockOffsetMs,
  pcaRequestRates: { IssueCertificate: PCA_RATE },
  authModes: ['MTLS'],
});
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss / 2 ** 20 + rssMiB(env.kafka.pid));
}, 250);
try {
  const { specBucket, certBucket, kmsKeyArn, pcaArn } = env.resources;
  const domains = Array.from({ length: CERTIFICATES }, (_, i) => domainOf(i));
  const t0 = performance.now();
  await env.aws.s3.seedObjects(
    specBucket,
    domains.map((d) => ({ key: `specs/${d}.yaml`, body: benchSpec(d) })),
  );
  const seedOne = async (domain: string) => {
    const keys = await generateKeyPair();
    const csr = await createCsr(domain, keys);
    const { CertificateArn } = await env.pca.issueCertificate({
      CertificateAuthorityArn: pcaArn,
      Csr: Buffer.from(csr).toString('base64'),
      SigningAlgorithm: 'SHA256WITHECDSA',
      Validity: { Value: DEFAULT_VALIDITY_DAYS, Type: 'DAYS' },
      IdempotencyToken: idempotencyToken(domain, 1),
    });
    let issued: { Certificate: string; CertificateChain: string } | undefined;
    while (!issued) {
      try {
        issued = env.pca.getCertificate({ CertificateAuthorityArn: pcaArn, CertificateArn });
      } catch (e) {
        if ((e as Error).name !== 'RequestInProgressException') throw e;
      }
    }
    const facts = certificateFacts(issued.Certificate);
    await promoteCertificate(
      env.clients.s3,
      { bucket: certBucket, kmsKeyId: kmsKeyArn },
      {
        domain,
        generation: 1,
        serial: facts.serial,
        notBefore: facts.notBefore,
        notAfter: facts.notAfter,
        certificatePem: `${issued.Certificate}\n`,
        chainPem: issued.CertificateChain,
        privateKeyPem: await privateKeyToPem(keys.privateKey),
      },
    );
  };
  for (let i = 0; i < domains.length; i += SEED_CONCURRENCY) {
    await Promise.all(domains.slice(i, i + SEED_CONCURRENCY).map(seedOne));
    if ((i / SEED_CONCURRENCY) % 25 === 0)
      log(`  seeded ${Math.min(i + SEED_CONCURRENCY, domains.length)} of ${CERTIFICATES}`);
  }
  const seedMs = performance.now() - t0;
  log(`seed: ${CERTIFICATES} domains with a 21-day-old certificate in ${Math.round(seedMs)} ms; the schedule fires`);

  pcaClockOffsetMs = 0;
  const pcaBefore = env.pca.requestRateStats().IssueCertificate;
  const recordBefore = env.iam.record.length;
  const rules = await env.clients.events.send(new ListRulesCommand({}));
  const schedule = (rules.Rules ?? []).find((r) => r.ScheduleExpression)!;
  const rotateArn = env.resources.stateMachines.rotateCertificates!;
  const t1 = performance.now();
  env.aws.events.triggerSchedule(schedule.Name!);
  let executionArn: string | undefined;
  while (!executionArn) {
    const list = env.sfn.listExecutions({ stateMachineArn: rotateArn }) as { executions: { executionArn: string }[] };
    executionArn = list.executions[0]?.executionArn;
    if (!executionArn) await new Promise((r) => setTimeout(r, 50));
  }
  // Progress on stderr: the Map Run's counts and PCA's, every 15 s.
  const progress = setInterval(() => {
    const runs = env.sfn.listMapRuns({ executionArn }) as { mapRuns: { mapRunArn: string }[] };
    const run = runs.mapRuns[0] && (env.sfn.describeMapRun({ mapRunArn: runs.mapRuns[0].mapRunArn }) as Run);
    const p = env.pca.requestRateStats().IssueCertificate;
    log(
      `  ${Math.round((performance.now() - t1) / 1000)} s: ${run ? `${run.itemCounts.succeeded} of ${run.itemCounts.total} children done` : 'scanning'}; PCA issued ${p.accepted - pcaBefore.accepted}, throttled ${p.throttled - pcaBefore.throttled}`,
    );
  }, 15_000);
  const d = await env.sfn.waitForExecution(executionArn).finally(() => clearInterval(progress));
  const totalMs = performance.now() - t1;
  if (d['status'] !== 'SUCCEEDED')
    throw new Error(`rotation ${String(d['status'])}: ${String(d['error'])} ${String(d['cause'])}`);
  const output = JSON.parse(String(d['output'])) as {
    due: number;
    renewed: number;
    failed: number;
    results: { Bucket: string; Key: string };
  };

  // What the scan asked S3 for: the FindExpiringCertificates role's requests (IAM records every authorized one).
  const scanRole = env.stack.get('FindExpiringCertificatesRole').attributes.Arn!;
  const scanRequests: Record<string, number> = {};
  for (const r of env.iam.record.slice(recordBefore))
    if (r.principalArn === scanRole) scanRequests[r.action] = (scanRequests[r.action] ?? 0) + 1;

  const outcomes = await readRenewals(env.clients.s3, output.results);
  const pca = env.pca.requestRateStats().IssueCertificate;
  const history = env.sfn.getExecutionHistory({ executionArn, maxResults: 1000 }) as {
    events: Record<string, unknown>[];
  };
  let maxParentStateBytes = 0;
  for (const e of history.events) {
    const entered = e['stateEnteredEventDetails'] as { input?: string } | undefined;
    const exited = e['stateExitedEventDetails'] as { output?: string } | undefined;
    maxParentStateBytes = Math.max(
      maxParentStateBytes,
      Buffer.byteLength(entered?.input ?? ''),
      Buffer.byteLength(exited?.output ?? ''),
    );
  }
  const renewed = outcomes.filter((o) => o.status === 'RENEWED').length;
  console.log(
    JSON.stringify({
      name: 'rotation-scale',
      certificates: CERTIFICATES,
      due: output.due,
      renewed,
      failed: outcomes.filter((o) => o.status === 'FAILED').length,
      summaryRenewed: output.renewed,
      summaryFailed: output.failed,
      scanRequests,
      scanPerObjectReads: scanRequests['s3:GetObject'] ?? 0,
      pcaRate: pca.rate,
      maxIssueTps: pca.peakPerSecond,
      issueAttempts: pca.accepted + pca.throttled - (pcaBefore.accepted + pcaBefore.throttled),
      issued: pca.accepted - pcaBefore.accepted,
      throttled: pca.throttled - pcaBefore.throttled,
      issuesPerSecond: Math.round((renewed / (totalMs / 1000)) * 10) / 10,
      totalMs: Math.round(totalMs),
      seedMs: Math.round(seedMs),
      parentHistoryEvents: history.events.length,
      maxParentStateBytes,
      peakRssMiB: Math.round(peakRss),
    }),
  );
} finally {
  clearInterval(sampler);
  await env.stop();
}
