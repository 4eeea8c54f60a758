// End-to-end test support: one whole pipeline per test file (a real Kafka broker, the emulated AWS
// endpoints, the state machines deployed from serverless.yml), driven the way users drive it
// (specs PUT into S3, EventBridge events, the Step Functions API) and observed the way operators
// would: the broker through a kafkajs admin, S3, Secrets Manager, execution histories, the events
// the pipeline emits (through an EventBridge rule of our own) and everything written to the
// process's stdout/stderr/console while it ran.
//
//   const e2e = useE2eEnvironment({ retryIntervalMs: 0 });
//   it('...', async () => { const { report } = await e2e.provision('specs/x.yaml', text); ... });
import { inspect } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ListSecretsCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, ListExecutionsCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startEnvironment, type Environment, type EnvironmentOptions } from '../../local/environment.js';
import { followExecutions, uploadSpec, type FinishedExecution } from '../../local/driver.js';
import {
  runProbes,
  type ProbeCase,
  type ProbeClient,
  type ProbeOperation,
  type ProbeOutcome,
} from '../../local/probe.js';
import { readMtlsCredentials, readScramCredentials, type MtlsCredentials } from '../../lib/aws/client-credentials.js';
import { getText } from '../../lib/aws/cert-store.js';
import { readReport, type ProvisionReport } from '../../lib/aws/reports.js';
import { bindingKey } from '../../lib/access/bindings.js';
import type { AclBinding } from '../../lib/access/types.js';
import { Kafka, fromKafkaJsResources, kafkaJsConfig, type Admin } from '../../lib/kafka/index.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from '../../lib/kafka/kafkajs.js';
import { parseSpec, type DomainSpec } from '../../lib/spec/index.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import { fullHistory } from './sfn.js';

/** Broker start (first run fetches the jars) + AWS + deploy. */
export const E2E_START_TIMEOUT_MS = 300_000;
/** One workflow run, generous: 2 shared cores, a real broker. */
export const E2E_TEST_TIMEOUT_MS = 180_000;

export const PROVISIONER_SOURCE = 'msk-spec-provisioner';

/** An event the pipeline put on the default bus, as our capture rule received it. */
export interface CapturedEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
  readonly time: string;
}

// ---- captured output ------------------------------------------------------------------------

/**
 * Records everything written to process.stdout, process.stderr and the global console while
 * active: the Lambdas' Powertools logs (which write to process.stdout), kafkajs loggers (console),
 * anything else. Not forwarded unless E2E_SHOW_LOGS=1, to keep test output readable.
 */
export class OutputCapture {
  readonly chunks: string[] = [];
  private restore: (() => void)[] = [];

  start(): void {
    const forward = process.env.E2E_SHOW_LOGS === '1';
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      const record = (chunk: unknown, ...rest: unknown[]): boolean => {
        this.chunks.push(
          typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
        );
        if (forward) return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        cb?.();
        return true;
      };
      stream.write = record as typeof stream.write;
      this.restore.push(() => {
        stream.write = original;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        this.chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
        if (forward) original.apply(console, args);
      };
      this.restore.push(() => {
        console[method] = original;
      });
    }
  }

  stop(): void {
    for (const r of this.restore.splice(0).reverse()) r();
  }

  text(): string {
    return this.chunks.join('');
  }
}

// ---- the environment -----------------------------------------------------------------------

export interface E2eHandle {
  readonly env: Environment;
  /** A kafkajs admin over the broker's SCRAM listener (the environment's admin user). */
  readonly admin: Admin;
  /** Events with source msk-spec-provisioner, in delivery order. */
  readonly events: CapturedEvent[];
  readonly output: OutputCapture;
  /**
   * PUTs a spec (S3 → EventBridge → provision workflow), waits for that one execution and
   * returns it with the report the workflow wrote for `reportDomain` (default: from the key).
   */
  provision(
    key: string,
    text: string,
    reportDomain?: string,
  ): Promise<{ execution: FinishedExecution; report: ProvisionReport | undefined }>;
  /** Waits until every EventBridge delivery in flight (including to our capture rule) has finished. */
  settled(): Promise<void>;
}

export function useE2eEnvironment(options: EnvironmentOptions = {}): E2eHandle {
  let env: Environment | undefined;
  let admin: Admin | undefined;
  const events: CapturedEvent[] = [];
  const output = new OutputCapture();

  beforeAll(async () => {
    // Handlers log everything they would (DEBUG) here, so the scan looks through every log line.
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    output.start();
    env = await startEnvironment({ retryIntervalMs: 0, waitMs: 0, ...options });
    admin = new Kafka(env.kafka.adminKafkaJsConfig()).admin();
    await admin.connect();
    await captureProvisionerEvents(env, events);
  }, E2E_START_TIMEOUT_MS);

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await env?.stop();
    output.stop();
  }, 60_000);

  const handle: E2eHandle = {
    get env(): Environment {
      if (!env) throw new Error('useE2eEnvironment(): not started (use it inside a test or hook)');
      return env;
    },
    get admin(): Admin {
      if (!admin) throw new Error('useE2eEnvironment(): not started');
      return admin;
    },
    events,
    output,
    async provision(key, text, reportDomain) {
      const e = handle.env;
      const since = new Date();
      await uploadSpec(e, { key, text });
      const [execution] = await followExecutions(e, e.resources.stateMachines.provision!, 1, undefined, {
        since,
        timeoutMs: 150_000,
      });
      await e.aws.events.settled();
      const domain = reportDomain ?? /^specs\/(.+)\.(?:ya?ml|json)$/.exec(key)?.[1] ?? key;
      const report = await readReportAt(e, `reports/${domain}.json`);
      return { execution: execution!, report };
    },
    settled: () => handle.env.aws.events.settled(),
  };
  return handle;
}

/** A rule of our own on the default bus: every event the pipeline emits lands in `sink`. */
async function captureProvisionerEvents(env: Environment, sink: CapturedEvent[]): Promise<void> {
  const targetArn = `arn:aws:sqs:${env.aws.region}:${env.aws.accountId}:e2e-provisioner-events`;
  env.aws.events.registerTarget(targetArn, (input) => {
    sink.push(input as CapturedEvent);
  });
  await env.clients.events.send(
    new PutRuleCommand({
      Name: 'e2e-provisioner-events',
      EventPattern: JSON.stringify({ source: [PROVISIONER_SOURCE] }),
      State: 'ENABLED',
    }),
  );
  await env.clients.events.send(
    new PutTargetsCommand({ Rule: 'e2e-provisioner-events', Targets: [{ Id: 'capture', Arn: targetArn }] }),
  );
}

async function readReportAt(env: Environment, key: string): Promise<ProvisionReport | undefined> {
  const text = await getText(env.clients.s3, env.resources.specBucket, key);
  return text === undefined ? undefined : (JSON.parse(text) as ProvisionReport);
}

export { readReport };

// ---- specs ----------------------------------------------------------------------------------

export function mustParse(text: string, file = 'spec.yaml'): DomainSpec {
  const r = parseSpec(text, file, DEFAULT_CONFIG);
  if (!r.ok) throw new Error(`${file} does not parse: ${JSON.stringify(r.issues.slice(0, 5))}`);
  return r.spec;
}

export interface ChannelDef {
  /** e.g. `_protected.shared` */
  readonly name: string;
  readonly grants?: readonly string[];
  /** Default 1 (one broker). */
  readonly partitions?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/** A small AsyncAPI 2.6 spec owning these channels (1 partition, 1 replica: one broker). */
export function specText(domainUrn: string, channels: readonly ChannelDef[], version = '1.0.0'): string {
  const lines = [
    `asyncapi: '2.6.0'`,
    `id: '${domainUrn}'`,
    'info:',
    `  title: e2e ${domainUrn}`,
    `  version: '${version}'`,
    'channels:',
  ];
  for (const c of channels) {
    lines.push(
      `  ${c.name}:`,
      '    bindings:',
      '      kafka:',
      `        partitions: ${c.partitions ?? 1}`,
      '        replicas: 1',
    );
    if (c.configs && Object.keys(c.configs).length > 0) {
      lines.push('        configs:');
      for (const [k, v] of Object.entries(c.configs)) lines.push(`          ${k}: '${v}'`);
    }
    lines.push('    publish:');
    if (c.grants && c.grants.length > 0) {
      lines.push('      tags:');
      for (const g of c.grants) lines.push(`        - name: 'grant-access:${g}'`);
    }
    lines.push('      message:', '        payload: { type: object }');
  }
  return `${lines.join('\n')}\n`;
}

// ---- the broker -----------------------------------------------------------------------------

/** Every ACL binding on the broker except the environment admin's own. */
export async function brokerAcls(env: Environment, admin: Admin): Promise<AclBinding[]> {
  const r = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const adminPrincipal = `User:${env.kafka.admin.username}`;
  return fromKafkaJsResources(r.resources).bindings.filter((b) => b.principal !== adminPrincipal);
}

export async function brokerTopics(admin: Admin): Promise<string[]> {
  return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
}

export const keysOf = (bindings: readonly AclBinding[]): Set<string> => new Set(bindings.map(bindingKey));

/** Sorted keys of `a` not in `b`. */
export function minus(a: readonly AclBinding[], b: readonly AclBinding[]): string[] {
  const kb = keysOf(b);
  return [...keysOf(a)].filter((k) => !kb.has(k)).sort();
}

export const sortedKeys = (bindings: readonly AclBinding[]): string[] => [...keysOf(bindings)].sort();

// ---- real clients ---------------------------------------------------------------------------

export async function scramClient(env: Environment, domain: string): Promise<ProbeClient> {
  const c = await readScramCredentials(env.clients.secrets, `AmazonMSK_${domain}`);
  return {
    domain,
    auth: 'SCRAM',
    config: kafkaJsConfig({
      brokers: [env.kafka.listeners.scram],
      auth: { mechanism: 'scram', username: c.username, password: c.password },
      serverCaPems: [env.kafka.serverCaPem],
    }),
  };
}

/** An mTLS identity from the stored current certificate, or from given credentials (an older certificate). */
export async function mtlsClient(
  env: Environment,
  domain: string,
  creds?: Pick<MtlsCredentials, 'certPem' | 'keyPem'>,
): Promise<ProbeClient> {
  const c = creds ?? (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, domain));
  if (!c) throw new Error(`no certificate stored for ${domain}`);
  return {
    domain,
    auth: 'MTLS',
    config: kafkaJsConfig({
      brokers: [env.kafka.listeners.mtls],
      auth: { mechanism: 'mtls', certPem: c.certPem, keyPem: c.keyPem },
      serverCaPems: [env.kafka.serverCaPem],
    }),
  };
}

/** Whether the broker accepts this identity's login (SASL or TLS handshake), nothing more. */
export async function canLogIn(client: ProbeClient): Promise<boolean> {
  const admin = new Kafka({ ...client.config, logLevel: 0, connectionTimeout: 5_000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'KafkaJSSASLAuthenticationError' || /SASL|SSL|authenticat/i.test(`${name} ${(e as Error).message}`))
      return false;
    throw e;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const probe = (
  client: ProbeClient,
  topic: string,
  operation: ProbeOperation,
  expected?: boolean,
): ProbeCase => ({
  client,
  topic,
  operation,
  ...(expected !== undefined ? { expected } : {}),
});

/** Runs the probes; a readable list of those whose broker decision differs from `expected`. */
export async function probeMismatches(
  cases: readonly ProbeCase[],
): Promise<{ outcomes: ProbeOutcome[]; wrong: string[] }> {
  const outcomes = await runProbes(cases, { concurrency: 4, readTimeoutMs: 15_000 });
  const wrong = outcomes
    .filter((o) => o.expected !== undefined && o.expected !== o.allowed)
    .map(
      (o) =>
        `${o.client.domain}/${o.client.auth} ${o.operation} ${o.topic}: broker ${o.allowed ? 'allowed' : `refused (${o.detail})`}, expected ${o.expected ? 'allowed' : 'refused'}`,
    );
  return { outcomes, wrong };
}

export function certificateOf(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

// ---- S3 -------------------------------------------------------------------------------------

export async function listBucket(env: Environment, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await env.clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

// ---- Step Functions -------------------------------------------------------------------------

export const executionHistory = (env: Environment, executionArn: string): Promise<HistoryEvent[]> =>
  fullHistory(env.clients.sfn, executionArn);

export async function allExecutionArns(env: Environment): Promise<string[]> {
  const arns: string[] = [];
  for (const stateMachineArn of Object.values(env.resources.stateMachines)) {
    let nextToken: string | undefined;
    do {
      const page = await env.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }),
      );
      arns.push(...(page.executions ?? []).map((e) => e.executionArn!));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return arns;
}

/** Error names of the Lambda/task failures recorded in a history (retried or not), in order. */
export function taskErrors(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((h) => {
    const d = (h.lambdaFunctionFailedEventDetails ?? h.taskFailedEventDetails) as { error?: string } | undefined;
    return (h.type === 'LambdaFunctionFailed' || h.type === 'TaskFailed') && d?.error ? [d.error] : [];
  });
}

// ---- the secret-material scan ---------------------------------------------------------------

export interface Needle {
  /** What it is, for the failure message (never the value). */
  readonly what: string;
  readonly value: string;
}

/**
 * Text that must never appear outside Secrets Manager and the certificate bucket. A secret
 * scheduled for deletion (a decommissioned domain's) cannot be read: pass its password, read
 * before, in `known`.
 */
export async function secretNeedles(env: Environment, known: readonly Needle[] = []): Promise<Needle[]> {
  const needles: Needle[] = [{ what: 'a PEM "PRIVATE KEY" block', value: 'PRIVATE KEY' }, ...known];
  const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  for (const s of secrets.SecretList ?? []) {
    if (known.some((k) => k.what === `the password of ${s.Name}`)) continue;
    const v = await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: s.ARN! }));
    const body = JSON.parse(v.SecretString ?? '{}') as { password?: string };
    if (body.password) needles.push({ what: `the password of ${s.Name}`, value: body.password });
  }
  for (const key of await listBucket(env, env.resources.certBucket, 'certificates/')) {
    if (!key.endsWith('key.pem')) continue;
    const pem = (await getText(env.clients.s3, env.resources.certBucket, key)) ?? '';
    const body = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    // Each base64 line on its own (a JSON-escaped PEM keeps them intact) and the whole body joined.
    body.forEach((line, i) => {
      if (line.length >= 24) needles.push({ what: `line ${i + 1} of the private key ${key}`, value: line });
    });
    needles.push({ what: `the private key ${key} (body)`, value: body.join('') });
  }
  return needles;
}

/** Where each needle occurs: `<needle> in <place>`; empty when clean. */
export function findNeedles(haystacks: Readonly<Record<string, string>>, needles: readonly Needle[]): string[] {
  const hits: string[] = [];
  for (const [place, text] of Object.entries(haystacks)) {
    const flat = text.replace(/\\n|\\r|\s/g, '');
    for (const n of needles) if (text.includes(n.value) || flat.includes(n.value)) hits.push(`${n.what} in ${place}`);
  }
  return hits;
}

/** Everything readable by people who are not the credential's owner: histories, reports, events, logs. */
export async function publicSurfaces(
  env: Environment,
  events: readonly CapturedEvent[],
  output: OutputCapture,
): Promise<Record<string, string>> {
  const places: Record<string, string> = {};
  for (const arn of await allExecutionArns(env)) {
    const d = await env.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    places[`execution ${arn}`] = JSON.stringify({ input: d.input, output: d.output, error: d.error, cause: d.cause });
    places[`history of ${arn}`] = JSON.stringify(await executionHistory(env, arn));
  }
  for (const key of await listBucket(env, env.resources.specBucket, 'reports/')) {
    places[`s3://${env.resources.specBucket}/${key}`] =
      (await getText(env.clients.s3, env.resources.specBucket, key)) ?? '';
  }
  places['events the pipeline emitted'] = JSON.stringify(events);
  places['EventBridge deliveries'] = JSON.stringify(
    env.aws.events.deliveries.map((d) => ({ event: d.event, input: d.input, error: d.error })),
  );
  places['captured stdout/stderr/console'] = output.text();
  return places;
}
