// `npm start`: the main job on the embedded default.
//
//  1. starts a real Apache Kafka broker (configured like MSK) and the emulated AWS endpoints, IAM enforced;
//  2. deploys the packaged CloudFormation template onto them (local/environment.ts);
//  3. uploads examples/specs/* (and any --spec files) to the spec bucket, which starts one
//     provision execution per spec through S3 → EventBridge → Step Functions, with progress;
//  4. prints the reports the workflow wrote (topics, ACLs, secret ARNs, certificate serials);
//  5. proves access with real kafkajs clients for each auth mode that has one (SCRAM, mTLS), using
//     the credentials the pipeline stored, and compares every broker decision with the access
//     model; IAM's decisions come from an IAM policy simulator (the local broker cannot run MSK's
//     IAM authentication) over the policies the emulated IAM holds after the runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { startEnvironment, ADMIN_ARN, LOCAL_STAGE, REPO_ROOT, type Environment } from './environment.js';
import { followExecutions, readReports, specUpload, uploadSpec, type SpecUpload } from './driver.js';
import { IAMClient, GetPolicyVersionCommand, paginateListPolicies } from '@aws-sdk/client-iam';
import {
  runProbes,
  mismatches,
  formatMatrix,
  simulatedIamDecisions,
  type AccessDecision,
  type ProbeCase,
  type ProbeClient,
} from './probe.js';
import { iamSimulator } from '../cli/iam-simulator.js';
import {
  parseClusterArn,
  type DomainIamPolicies,
  type IamPolicyDocument,
  type IamPolicySet,
} from '../lib/access/iam.js';
import { isPolicyOf, POLICY_PATH } from '../lib/aws/iam-policies.js';
import { readMtlsCredentials, readScramCredentials } from '../lib/aws/client-credentials.js';
import { scramSecretName, secretNamePrefixOf } from '../lib/credentials/secret-name.js';
import { kafkaJsConfig, type KafkaAuth } from '../lib/kafka/config.js';
import { Authorizer } from '../lib/access/authorizer.js';
import { desiredBindings, principalsOf, scramPrincipal } from '../lib/access/bindings.js';
import { parseSpec, type DomainSpec } from '../lib/spec/index.js';
import { DEFAULT_CONFIG, type AuthMode } from '../lib/config.js';
import type { ProvisionReport } from '../lib/aws/reports.js';

interface Options {
  auth: string;
  verbose?: boolean;
  spec: string[];
  examples: boolean;
  keepRunning: boolean;
  probe: boolean;
  json: boolean;
}

const program = new Command('npm start --')
  .description(
    'Run the provisioning pipeline end to end on a local Apache Kafka broker and emulated AWS, then prove who can read and write what with real client connections.',
  )
  .option('--spec <file>', 'also provision this spec file (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
  .option('--no-examples', 'do not provision examples/specs/')
  .option('--keep-running', 'keep the environment up afterwards and print client connection settings')
  .option(
    '--auth <modes>',
    'authentication modes the pipeline provisions and the proof covers, comma-separated: scram, mtls (proven with real clients), iam (decided by an IAM policy simulator over the policies the emulated IAM holds after the runs: the local broker cannot authenticate IAM)',
    'scram,mtls',
  )
  .option('--no-probe', 'skip the access proof with real clients')
  .option('--json', 'print one JSON summary on stdout (progress stays on stderr)')
  .option('--verbose', "also show the Lambda handlers' structured logs (Powertools, INFO level)")
  .addHelpText(
    'after',
    `
Prerequisites: Node.js 20.19+ and Java 17+ (the broker's jars are fetched from Maven Central on first use).
Exit codes: 0 every spec provisioned and the broker agreed with the access model; 1 otherwise
(a refused spec is reported with its file, JSON path and rule, and changes nothing).`,
  );

/** Folders this process made itself (the broker CA for clients); removed on shutdown. */
const temporaryDirs: string[] = [];
const cleanUp = () => {
  for (const d of temporaryDirs.splice(0)) rmSync(d, { recursive: true, force: true });
};

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const progress = (line: string) => process.stderr.write(`[${elapsed()}] ${line}\n`);

async function main(): Promise<number> {
  program.parse();
  const opts = program.opts<Options>();
  // The handlers log like Lambdas do (structured JSON); only errors unless asked for.
  process.env.POWERTOOLS_LOG_LEVEL ??= opts.verbose ? 'INFO' : 'ERROR';
  const out = opts.json ? (_: string) => undefined : (line: string) => process.stdout.write(`${line}\n`);
  const modes = authModesOf(opts.auth);
  const config = { ...DEFAULT_CONFIG, authModes: modes };

  const exampleDir = join(REPO_ROOT, 'examples', 'specs');
  const files = [
    ...(opts.examples
      ? readdirSync(exampleDir)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .sort()
          .map((f) => join(exampleDir, f))
      : []),
    ...opts.spec.map((f) => resolve(f)),
  ];
  // An empty environment is what --keep-running users may want: they upload by hand.
  if (files.length === 0 && !opts.keepRunning) {
    process.stderr.write(
      'nothing to provision: no examples and no --spec (add --keep-running for an empty environment)\n',
    );
    return 1;
  }
  const uploads = files.map((f) => specUpload(f));

  // Shutdown runs once, however many signals arrive: Ctrl-C reaches this process twice under tsx
  // (once from the terminal, once relayed by tsx), and a second, unhandled SIGINT used to end it
  // before the broker's and the emulators' temporary folders were removed. A signal during start
  // waits for the environment, then stops it.
  const starting = startEnvironment({ log: progress, authModes: modes });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      const started = await starting.catch(() => undefined);
      await started?.stop();
      cleanUp();
    })());
  const onSignal = (code: number) => () => void stop().finally(() => process.exit(code));
  process.on('SIGINT', onSignal(130));
  process.on('SIGTERM', onSignal(143));
  const env = await starting;

  try {
    const since = new Date(Date.now() - 1000);
    progress(`uploading ${uploads.length} spec(s) to s3://${env.resources.specBucket}/specs/`);
    for (const u of uploads) {
      await uploadSpec(env, u);
      progress(`  put ${u.key}${u.domain ? '' : '  (does not parse: the pipeline will refuse it)'}`);
    }

    const label = (key?: string) => (key ?? '?').replace(/^specs\//, '').padEnd(24);
    const finished =
      uploads.length === 0
        ? []
        : await followExecutions(
            env,
            env.resources.stateMachines.provision!,
            uploads.length,
            (p) => progress(`  ${label(p.key)} ${p.event === 'succeeded' ? '✓' : '↻'} ${p.state}`),
            { since, timeoutMs: 300_000 },
          );
    for (const f of finished) progress(`  ${label(f.key)} ${f.status}${f.error ? ` (${f.error})` : ''}`);

    const reports = await readReports(
      env,
      uploads.map((u) => u.key),
    );
    if (uploads.length > 0) {
      out('');
      out(formatReports(uploads, reports));
    }

    const provisioned = uploads.flatMap((u, i) => (reports[i]?.status === 'PROVISIONED' && u.domain ? [u] : []));
    const specs = provisioned.map((u) => {
      const r = parseSpec(u.text, u.file, config);
      if (!r.ok) throw new Error(`${u.file} parsed before upload but not now`);
      return r.spec;
    });

    let agreed = true;
    let probeSummary: Record<string, unknown> | undefined;
    if (opts.probe && specs.length > 0) {
      out('');
      out('Access, proven with real client connections (the broker decides; the access model predicts):');
      const cases = await probeCases(env, specs, modes);
      progress(`running ${cases.length} probes: every identity writes, then reads, every topic`);
      const outcomes: AccessDecision[] = await runProbes(cases, { concurrency: 8 });
      const simulated = modes.includes('IAM') ? await iamDecisions(env, specs) : [];
      const decisions = [...outcomes, ...simulated];
      const wrong = mismatches(decisions);
      agreed = wrong.length === 0;
      out(formatMatrix(decisions));
      out('');
      out('R = read, W = write, - = refused by the broker, ! = the broker and the model disagree');
      if (simulated.length > 0)
        out(
          'Rows marked "IAM, simulated" are decided by an IAM policy simulator (@cloud-copilot/iam-simulate) over the policies the emulated IAM holds under /msk-spec/ after the runs: the local broker cannot run MSK\'s IAM authentication.',
        );
      const by = (d: AccessDecision) => (d.decidedBy === 'simulator' ? 'simulator' : 'broker');
      out(
        agreed
          ? `${outcomes.length} probes${simulated.length > 0 ? ` and ${simulated.length} simulated IAM decisions` : ''}: the ${simulated.length > 0 ? 'broker, the simulator' : 'broker'} and the access model agree on every one (${decisions.filter((o) => o.allowed).length} allowed, ${decisions.filter((o) => !o.allowed).length} refused).`
          : `${wrong.length} of ${decisions.length} decisions disagree with the access model:\n${wrong.map((w) => `  ${w.client.domain} (${w.client.auth}) ${w.operation} ${w.topic}: ${by(w)} ${w.allowed ? 'allowed' : `refused (${w.detail})`}, model ${w.expected ? 'allows' : 'refuses'}`).join('\n')}`,
      );
      probeSummary = {
        probes: outcomes.length,
        simulated: simulated.length,
        allowed: decisions.filter((o) => o.allowed).length,
        refused: decisions.filter((o) => !o.allowed).length,
        disagreements: wrong.map((w) => ({
          domain: w.client.domain,
          auth: w.client.auth,
          decidedBy: by(w),
          operation: w.operation,
          topic: w.topic,
          decision: w.allowed,
          model: w.expected,
        })),
      };
    }

    // A refused spec is reported above (file, JSON path, rule) and fails the run, so scripts notice.
    const ok = agreed && reports.every((r) => r?.status === 'PROVISIONED');
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ ok, elapsedMs: Date.now() - t0, reports: uploads.map((u, i) => ({ file: u.file, key: u.key, report: reports[i] ?? null })), access: probeSummary ?? null })}\n`,
      );
    }

    if (opts.keepRunning) {
      out('');
      out(connectionSettings(env));
      out('The environment keeps running; press Ctrl-C to stop it.');
      await new Promise<never>(() => undefined);
    }
    progress(ok ? 'done' : 'done, with problems (see above)');
    return ok ? 0 : 1;
  } finally {
    if (!opts.keepRunning) await stop();
  }
}

/** The modes `--auth` names, in the order given; an unknown one is refused naming the known ones. */
function authModesOf(list: string): AuthMode[] {
  const known = new Map([...Object.keys(REAL_CLIENTS), 'IAM'].map((m) => [m.toLowerCase(), m as AuthMode]));
  const modes = list.split(',').map((m) => m.trim().toLowerCase());
  const unknown = modes.filter((m) => !known.has(m));
  if (unknown.length > 0 || modes.length === 0)
    throw new Error(
      `--auth expects a comma-separated list of ${[...known.keys()].join(', ')}; got ${JSON.stringify(list)}`,
    );
  return [...new Set(modes.map((m) => known.get(m)!))];
}

/**
 * How each mode's identity connects, from the credentials the pipeline stored: the listener and the
 * kafkajs authentication. Every mode with a real client is proven by the broker.
 */
/** The modes a real Kafka client proves against the local broker (IAM has none: MSK's IAM is AWS's own). */
type RealMode = Exclude<AuthMode, 'IAM'>;
const REAL_CLIENTS: Readonly<
  Record<RealMode, (env: Environment, domain: string) => Promise<{ listener: string; auth: KafkaAuth }>>
> = {
  SCRAM: async (env, domain) => {
    const c = await readScramCredentials(env.clients.secrets, scramSecretName(secretNamePrefixOf(), domain));
    return {
      listener: env.kafka.listeners.scram,
      auth: { mechanism: 'scram', username: c.username, password: c.password },
    };
  },
  MTLS: async (env, domain) => {
    const c = await readMtlsCredentials(env.clients.s3, env.resources.certBucket, domain);
    if (!c) throw new Error(`no certificate stored for ${domain}`);
    return { listener: env.kafka.listeners.mtls, auth: { mechanism: 'mtls', certPem: c.certPem, keyPem: c.keyPem } };
  },
};

/** A real client identity for one domain and auth mode. */
async function probeClient(env: Environment, domain: string, auth: RealMode): Promise<ProbeClient> {
  const { listener, auth: kafkaAuth } = await REAL_CLIENTS[auth](env, domain);
  return {
    domain,
    auth,
    config: kafkaJsConfig({ brokers: [listener], auth: kafkaAuth, serverCaPems: [env.kafka.serverCaPem] }),
  };
}

/** Every provisioned identity × every owned topic × WRITE and READ, with the model's expectation. */
async function probeCases(
  env: Environment,
  specs: readonly DomainSpec[],
  modes: readonly AuthMode[],
): Promise<ProbeCase[]> {
  const authorizer = new Authorizer(desiredBindings(specs, { ...DEFAULT_CONFIG, authModes: modes }));
  const real = modes.filter((m): m is RealMode => m in REAL_CLIENTS);
  const clients = await Promise.all(specs.flatMap((spec) => real.map((auth) => probeClient(env, spec.domain, auth))));
  const topics = specs.flatMap((s) => s.owned.map((t) => t.name)).sort();
  return clients.flatMap((client) => {
    const principal = principalsOf(client.domain, { authModes: [client.auth] })[0]!;
    return topics.flatMap((topic) =>
      (['WRITE', 'READ'] as const).map((operation) => ({
        client,
        topic,
        operation,
        expected: authorizer.authorize({ principal, operation, resourceType: 'TOPIC', resourceName: topic }).allowed,
      })),
    );
  });
}

/**
 * The policies the emulated IAM holds for each domain after the runs, read back with the real
 * client: every customer-managed policy under /msk-spec/ (ListPolicies), each domain's by its name
 * (lib/aws/iam-policies.ts), at its default version (GetPolicyVersion, URL-encoded per the IAM API).
 */
async function storedIamPolicies(env: Environment, domains: readonly string[]): Promise<IamPolicySet> {
  const iam = new IAMClient({
    region: env.aws.region,
    endpoint: env.aws.endpoint,
    credentials: env.iam.credentialsFor(ADMIN_ARN),
  });
  const found = new Map<string, { name: string; document: IamPolicyDocument }[]>(domains.map((d) => [d, []]));
  for await (const page of paginateListPolicies({ client: iam }, { Scope: 'Local', PathPrefix: POLICY_PATH })) {
    for (const p of page.Policies ?? []) {
      const domain = domains.find((d) => isPolicyOf(p.PolicyName!, LOCAL_STAGE, d));
      if (!domain) continue;
      const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: p.DefaultVersionId }));
      found.get(domain)!.push({
        name: p.PolicyName!,
        document: JSON.parse(decodeURIComponent(v.PolicyVersion!.Document!)) as IamPolicyDocument,
      });
    }
  }
  const byDomain = new Map<string, DomainIamPolicies>(
    [...found].map(([d, ps]) => [
      d,
      {
        domain: d,
        policies: ps.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })).map((p) => p.document),
        chars: [],
      },
    ]),
  );
  return { cluster: parseClusterArn(env.resources.clusterArn), domains: byDomain, pendingGrantees: [] };
}

/** IAM's matrix rows: the simulator over the stored policies, beside the ACL model's decision for `User:D`. */
async function iamDecisions(env: Environment, specs: readonly DomainSpec[]): Promise<AccessDecision[]> {
  const domains = specs.map((s) => s.domain);
  const set = await storedIamPolicies(env, domains);
  const authorizer = new Authorizer(desiredBindings(specs, { ...DEFAULT_CONFIG, authModes: ['SCRAM'] }));
  const topics = specs.flatMap((s) => s.owned.map((t) => t.name)).sort();
  return simulatedIamDecisions(
    set.cluster,
    await iamSimulator(set),
    domains,
    topics,
    (domain, operation, topic) =>
      authorizer.authorize({ principal: scramPrincipal(domain), operation, resourceType: 'TOPIC', resourceName: topic })
        .allowed,
  );
}

interface ReportCredentials {
  scram?: { enabled?: boolean; secretArn?: string };
  mtls?: { enabled?: boolean; serial?: string; notAfter?: string };
}

function formatReports(uploads: readonly SpecUpload[], reports: readonly (ProvisionReport | undefined)[]): string {
  const lines = ['Reports (reports/<domain>.json, written by the workflow):'];
  uploads.forEach((u, i) => {
    const r = reports[i];
    const name = u.domain ?? u.key;
    if (!r) {
      lines.push(`  ${name}: no report`);
      return;
    }
    if (r.status === 'FAILED') {
      lines.push(`  ${name}: FAILED (${r.error?.name ?? 'error'})`);
      const issues = (r.error?.issues ?? []) as { file?: string; path?: string; rule?: string; message?: string }[];
      for (const issue of issues) lines.push(`      ${issue.path ?? ''} [${issue.rule ?? ''}] ${issue.message ?? ''}`);
      if (issues.length === 0 && r.error?.cause) lines.push(`      ${r.error.cause.slice(0, 300)}`);
      return;
    }
    const applied = (r.applied ?? {}) as {
      topicsCreated?: number;
      aclsCreated?: number;
      aclsDeleted?: number;
      createdTopics?: string[];
    };
    const creds = (r.credentials ?? {}) as ReportCredentials;
    lines.push(`  ${name}: PROVISIONED`);
    lines.push(
      `      topics created ${applied.topicsCreated ?? 0}, ACLs created ${applied.aclsCreated ?? 0}, deleted ${applied.aclsDeleted ?? 0}`,
    );
    for (const t of applied.createdTopics ?? []) lines.push(`        + ${t}`);
    if (creds.scram?.enabled) lines.push(`      SCRAM secret  ${creds.scram.secretArn}`);
    if (creds.mtls?.enabled)
      lines.push(`      certificate   serial ${creds.mtls.serial}, expires ${creds.mtls.notAfter}`);
  });
  return lines.join('\n');
}

function connectionSettings(env: Environment): string {
  const dir = mkdtempSync(join(tmpdir(), 'msk-spec-client-'));
  temporaryDirs.push(dir);
  const caFile = join(dir, 'broker-ca.pem');
  writeFileSync(caFile, env.kafka.serverCaPem);
  const exports = Object.entries(env.aws.env)
    .filter(([k]) => k.startsWith('AWS_'))
    .map(([k, v]) => `  export ${k}=${v}`);
  return [
    'Connection settings:',
    `  SCRAM (SASL_SSL, SCRAM-SHA-512): ${env.kafka.listeners.scram}`,
    `  mTLS  (SSL, client certificate): ${env.kafka.listeners.mtls}`,
    `  broker CA certificate:           ${caFile}`,
    '',
    'Emulated AWS (for `npx msk-spec` and the AWS CLI in another shell):',
    ...exports,
    `  export MSK_SPEC_SPEC_BUCKET=${env.resources.specBucket} MSK_SPEC_CERT_BUCKET=${env.resources.certBucket}`,
    `  export MSK_SPEC_CLUSTER_ARN=${env.resources.clusterArn}`,
    '',
    'Client settings for a domain (kafkajs, Java client.properties, librdkafka):',
    '  npx msk-spec client-config <domain> --ca ' + caFile,
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
