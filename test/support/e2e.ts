// End-to-end test support: one whole pipeline per test file (a real Kafka broker, the emulated AWS
// endpoints, the state machines deployed from serverless.yml), driven the way users drive it
// (specs PUT into S3, EventBridge events, the Step Functions API) and observed the way operators
// would: the broker through a kafkajs admin, S3, Secrets Manager, execution histories, the events
// the pipeline emits (through an EventBridge rule of our own) and everything written to the
// process's stdout/stderr/console while it ran.
//
// Each file starts its own environment; each test sets up what it needs (a file's beforeAll may
// provision a baseline its tests only read) and never reads state another test left behind.
//
//   const e2e = useE2eEnvironment({ retryIntervalMs: 0 });
//   it('...', async () => { const { report } = await e2e.provision('specs/x.yaml', text); ... });
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ListSecretsCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { REPO_ROOT, startEnvironment, type Environment, type EnvironmentOptions } from '../../local/environment.js';
import {
  followExecutions,
  specUpload,
  uploadSpec,
  type FinishedExecution,
  type SpecUpload,
} from '../../local/driver.js';
import type { FaultSpec } from '../../local/aws/faults.js';
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
import { readRenewals, type RenewalOutcome } from '../../lib/aws/rotation.js';
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
import {
  blindNeedles,
  findNeedles,
  passwordNeedle,
  pemKeyNeedles,
  PEM_PRIVATE_KEY_NEEDLE,
  type Needle,
} from './secret-scan.js';

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

/** The state machines serverless.yml deploys, by their key in `env.resources.stateMachines`. */
export type StateMachine = 'provision' | 'reprovision' | 'rotateCertificates' | 'decommission';

/** A finished execution with its output (DescribeExecution's, parsed; null when it has none). */
export interface FinishedRun extends FinishedExecution {
  readonly output: unknown;
}

/** Everything a refused spec (or a refused removal) must leave alone, in one comparable value. */
export interface Snapshot {
  readonly acls: string[];
  readonly topics: string[];
  readonly secrets: string[];
  readonly certificateObjects: string[];
  readonly scramAssociations: string[];
}

/** What the secret-material scan read, and what it found. */
export interface SecretScan {
  readonly needles: Needle[];
  readonly surfaces: Record<string, string>;
  /** `<needle> in <place>` for every occurrence; empty when clean. */
  readonly hits: string[];
}

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
  /** PUTs several specs at once and waits for all their runs (in the order they finish). */
  provisionAll(uploads: readonly Pick<SpecUpload, 'key' | 'text'>[]): Promise<FinishedExecution[]>;
  /** Starts an execution of a deployed state machine (as an operator would) and waits for it. */
  run(machine: StateMachine, input: unknown): Promise<FinishedRun>;
  /**
   * Puts a "Reprovision Requested" event on the default bus and waits for the reprovision run it
   * starts; `since` is when it was put (the provision runs it starts began after it).
   */
  requestReprovision(detail?: object): Promise<{ run: FinishedRun; since: Date }>;
  /** Deletes specs/<domain>.yaml (a delete marker) and waits for the decommission run it starts. */
  removeSpec(domain: string): Promise<{ run: FinishedRun; markerId: string }>;
  /** reports/<domain>.json, as the workflow last wrote it. */
  report(domain: string): Promise<ProvisionReport | undefined>;
  /** Every ACL binding on the broker except the environment admin's own. */
  acls(): Promise<AclBinding[]>;
  /** Bindings of a domain's principals or on its topics. */
  aclsOf(domain: string): Promise<AclBinding[]>;
  /** The broker's topics, internal ones left out, sorted. */
  topics(): Promise<string[]>;
  /** The SCRAM secrets associated with the cluster, sorted. */
  associations(): Promise<string[]>;
  snapshot(): Promise<Snapshot>;
  /** A client with the domain's stored SCRAM credentials (see scramClient). */
  scram(domain: string): Promise<ProbeClient>;
  /** A client with the domain's current certificate, or the given one (see mtlsClient). */
  mtls(domain: string, creds?: Pick<MtlsCredentials, 'certPem' | 'keyPem'>): Promise<ProbeClient>;
  /** Runs `body` with the fault active, and removes it afterwards whatever happened. */
  withFault<T>(fault: FaultSpec, body: (faultId: string) => Promise<T>): Promise<T>;
  /**
   * Remembers a domain's SCRAM password for the scan: a secret scheduled for deletion (a
   * decommissioned domain's) cannot be read afterwards.
   */
  rememberPassword(domain: string): Promise<void>;
  /** Needles for known text that must not appear either (e.g. passwords the test wrote itself). */
  rememberNeedles(needles: readonly Needle[]): void;
  /** Scans everything readable (histories, reports, events, logs) for every secret there is or was. */
  scanForSecrets(): Promise<SecretScan>;
  /** Waits until every EventBridge delivery in flight (including to our capture rule) has finished. */
  settled(): Promise<void>;
}

export function useE2eEnvironment(options: EnvironmentOptions = {}): E2eHandle {
  let env: Environment | undefined;
  let admin: Admin | undefined;
  const events: CapturedEvent[] = [];
  const output = new OutputCapture();
  const remembered: Needle[] = [];

  beforeAll(async () => {
    // Handlers log everything they would (DEBUG) here, so the scan looks through every log line.
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    output.start();
    env = await startEnvironment({ retryIntervalMs: 0, waitMs: 0, ...options });
    admin = new Kafka(env.kafka.adminKafkaJsConfig()).admin();
    await admin.connect();
    await captureProvisionerEvents(env, events);
  }, E2E_START_TIMEOUT_MS);

  // The file's postcondition, whatever its tests did and in whatever order: nothing anyone but a
  // credential's owner can read (histories, reports, events, logs) holds a password or a key.
  afterAll(async () => {
    try {
      if (env && admin)
        expect({ 'secret material found after the file ran': (await handle.scanForSecrets()).hits }).toEqual({
          'secret material found after the file ran': [],
        });
    } finally {
      await admin?.disconnect().catch(() => undefined);
      await env?.stop();
      output.stop();
    }
  }, 120_000);

  /** Waits for the one execution of `machine` started at or after `since`, then for its events. */
  async function oneRun(machine: StateMachine, since: Date, timeoutMs = 170_000): Promise<FinishedRun> {
    const e = handle.env;
    const [run] = await followExecutions(e, e.resources.stateMachines[machine]!, 1, undefined, { since, timeoutMs });
    await e.aws.events.settled();
    const d = await e.clients.sfn.send(new DescribeExecutionCommand({ executionArn: run!.executionArn }));
    return { ...run!, output: JSON.parse(d.output ?? 'null') as unknown };
  }

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
      const since = new Date();
      await uploadSpec(handle.env, { key, text });
      const execution = await oneRun('provision', since);
      const domain = reportDomain ?? /^specs\/(.+)\.(?:ya?ml|json)$/.exec(key)?.[1] ?? key;
      const report = await readReportAt(handle.env, `reports/${domain}.json`);
      return { execution, report };
    },
    async provisionAll(uploads) {
      const e = handle.env;
      const since = new Date();
      for (const u of uploads) await uploadSpec(e, u);
      const finished = await followExecutions(e, e.resources.stateMachines.provision!, uploads.length, undefined, {
        since,
        timeoutMs: 170_000,
      });
      await e.aws.events.settled();
      return finished;
    },
    async run(machine, input) {
      const e = handle.env;
      const since = new Date();
      const { executionArn } = await e.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: e.resources.stateMachines[machine]!,
          input: JSON.stringify(input),
        }),
      );
      const run = await oneRun(machine, since);
      if (run.executionArn !== executionArn)
        throw new Error(`run(${machine}): followed ${run.executionArn}, not the execution started (${executionArn})`);
      return run;
    },
    async requestReprovision(detail = {}) {
      const since = new Date();
      const put = await handle.env.clients.events.send(
        new PutEventsCommand({
          Entries: [
            { Source: PROVISIONER_SOURCE, DetailType: 'Reprovision Requested', Detail: JSON.stringify(detail) },
          ],
        }),
      );
      if (put.FailedEntryCount !== 0) throw new Error(`PutEvents refused the entry: ${JSON.stringify(put.Entries)}`);
      return { run: await oneRun('reprovision', since), since };
    },
    async removeSpec(domain) {
      const e = handle.env;
      const since = new Date();
      const del = await e.clients.s3.send(
        new DeleteObjectCommand({ Bucket: e.resources.specBucket, Key: `specs/${domain}.yaml` }),
      );
      return { run: await oneRun('decommission', since), markerId: del.VersionId! };
    },
    report: (domain) => readReport(handle.env.clients.s3, handle.env.resources.specBucket, domain),
    acls: () => brokerAcls(handle.env, handle.admin),
    async aclsOf(domain) {
      const principals = [`User:${domain}`, `User:CN=${domain}`];
      return (await handle.acls()).filter(
        (b) => principals.includes(b.principal) || b.resourceName.startsWith(`${domain}.`),
      );
    },
    topics: () => brokerTopics(handle.admin),
    async associations() {
      const e = handle.env;
      const r = await e.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: e.resources.clusterArn }));
      return [...(r.SecretArnList ?? [])].sort();
    },
    async snapshot() {
      const e = handle.env;
      const secrets = await e.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
      return {
        acls: sortedKeys(await handle.acls()),
        topics: await handle.topics(),
        secrets: (secrets.SecretList ?? []).map((s) => s.Name!).sort(),
        certificateObjects: await listBucket(e, e.resources.certBucket),
        scramAssociations: await handle.associations(),
      };
    },
    scram: (domain) => scramClient(handle.env, domain),
    mtls: (domain, creds) => mtlsClient(handle.env, domain, creds),
    async withFault(fault, body) {
      const faultId = handle.env.aws.faults.add(fault);
      try {
        return await body(faultId);
      } finally {
        handle.env.aws.faults.remove(faultId);
      }
    },
    async rememberPassword(domain) {
      const name = `AmazonMSK_${domain}`;
      const v = await handle.env.clients.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      const password = (JSON.parse(v.SecretString ?? '{}') as { password?: string }).password;
      if (password) handle.rememberNeedles([{ what: `the password of ${name}`, value: password }]);
    },
    rememberNeedles(needles) {
      for (const n of needles) if (!remembered.some((r) => r.what === n.what)) remembered.push(n);
    },
    async scanForSecrets() {
      await handle.settled();
      const needles = await secretNeedles(handle.env, remembered);
      const surfaces = await publicSurfaces(handle.env, events, output);
      return { needles, surfaces, hits: findNeedles(surfaces, needles) };
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

/** The example data products (examples/specs/<domain>.yaml). */
export const EXAMPLES = ['shop.catalog', 'shop.order', 'shop.orders', 'shop.payments'] as const;
export const EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'specs');
export const INVALID_EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'specs-invalid');
export const exampleText = (domain: string): string => readFileSync(join(EXAMPLE_DIR, `${domain}.yaml`), 'utf8');
export const exampleUploads = (): SpecUpload[] => EXAMPLES.map((d) => specUpload(join(EXAMPLE_DIR, `${d}.yaml`)));

/** The `applied` part of a provision report. */
export interface Applied {
  domain: string;
  changed: boolean;
  topicsCreated: number;
  partitionsIncreased: number;
  configsAltered: number;
  aclsCreated: number;
  aclsDeleted: number;
  createdTopics: string[];
}
/** The `credentials` part of a provision report. */
export interface Credentials {
  scram: { enabled: boolean; secretArn?: string; secret?: string; association?: string };
  mtls: { enabled: boolean; status?: string; serial?: string; notAfter?: string; generation?: number };
}
export const appliedOf = (r: ProvisionReport | undefined): Applied => r?.applied as Applied;
export const credentialsOf = (r: ProvisionReport | undefined): Credentials => r?.credentials as Credentials;
/** A certificate serial as PCA, node:crypto and the report write it, compared in one form. */
export const normSerial = (s: string): string => s.replace(/:/g, '').toLowerCase().replace(/^0+/, '');

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

/**
 * Every execution of every deployed state machine, each followed by the child executions of its
 * Distributed Map runs: those are listed by Map Run, not by state machine (ListExecutions takes a
 * stateMachineArn or a mapRunArn), and have histories of their own.
 */
export async function allExecutionArns(env: Environment): Promise<string[]> {
  const arns: string[] = [];
  for (const stateMachineArn of Object.values(env.resources.stateMachines))
    for (const arn of await listExecutionArns(env, { stateMachineArn }))
      arns.push(...(await withMapRunChildren(env, arn)));
  return arns;
}

/** The execution, then the child executions of each of its Map Runs (and theirs), depth first. */
export async function withMapRunChildren(env: Environment, executionArn: string): Promise<string[]> {
  const arns = [executionArn];
  let nextToken: string | undefined;
  do {
    const page = await env.clients.sfn.send(new ListMapRunsCommand({ executionArn, maxResults: 1000, nextToken }));
    for (const run of page.mapRuns ?? [])
      for (const child of await listExecutionArns(env, { mapRunArn: run.mapRunArn! }))
        arns.push(...(await withMapRunChildren(env, child)));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

async function listExecutionArns(
  env: Environment,
  of: { stateMachineArn: string } | { mapRunArn: string },
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await env.clients.sfn.send(new ListExecutionsCommand({ ...of, maxResults: 1000, nextToken }));
    arns.push(...(page.executions ?? []).map((e) => e.executionArn!));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/** The rotation workflow's output: the scan's counts, the renewal counts, and where the due list and results are. */
export interface RotationOutput {
  now: string;
  scanned: number;
  due: number;
  renewed: number;
  current: number;
  failed: number;
  failures: { domain: string; error: string }[];
  dueList: { bucket: string; key: string };
  results: { Bucket: string; Key: string };
}

/** Each domain's outcome of a rotation run, from its renewal Map's result files (lib/aws/rotation.ts). */
export const renewalsOf = (env: Environment, output: RotationOutput): Promise<RenewalOutcome[]> =>
  readRenewals(env.clients.s3, output.results);

/** Error names of the Lambda/task failures recorded in a history (retried or not), in order. */
export function taskErrors(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((h) => {
    const d = (h.lambdaFunctionFailedEventDetails ?? h.taskFailedEventDetails) as { error?: string } | undefined;
    return (h.type === 'LambdaFunctionFailed' || h.type === 'TaskFailed') && d?.error ? [d.error] : [];
  });
}

// ---- the secret-material scan (matching: ./secret-scan.ts, unit-tested) ----------------------

export { findNeedles, type Needle } from './secret-scan.js';

/**
 * Text that must never appear outside Secrets Manager and the certificate bucket, each with the
 * text it legitimately lives in (`homes`, for the scan's self-check). A secret scheduled for
 * deletion (a decommissioned domain's) cannot be read: pass its password, read before, in `known`.
 */
async function gatherNeedles(
  env: Environment,
  known: readonly Needle[],
): Promise<{ needles: Needle[]; homes: Map<Needle, string> }> {
  const needles: Needle[] = [PEM_PRIVATE_KEY_NEEDLE, ...known];
  const homes = new Map<Needle, string>();
  const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  for (const s of secrets.SecretList ?? []) {
    if (known.some((k) => k.what === `the password of ${s.Name}`)) continue;
    const v = await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: s.ARN! }));
    const body = JSON.parse(v.SecretString ?? '{}') as { password?: string };
    if (!body.password) continue;
    const n = passwordNeedle(s.Name!, body.password);
    needles.push(n);
    homes.set(n, JSON.stringify(v.SecretString));
  }
  for (const key of await listBucket(env, env.resources.certBucket, 'certificates/')) {
    if (!key.endsWith('key.pem')) continue;
    const pem = (await getText(env.clients.s3, env.resources.certBucket, key)) ?? '';
    for (const n of pemKeyNeedles(key, pem)) {
      needles.push(n);
      homes.set(n, JSON.stringify({ pem }));
    }
    homes.set(PEM_PRIVATE_KEY_NEEDLE, pem);
  }
  return { needles, homes };
}

export async function secretNeedles(env: Environment, known: readonly Needle[] = []): Promise<Needle[]> {
  const { needles, homes } = await gatherNeedles(env, known);
  // The scan checks itself: each needle is found where it legitimately is, or a clean scan could be vacuous.
  const blind = blindNeedles(needles, (n) => homes.get(n));
  if (blind.length > 0) throw new Error(`the secret scan cannot see: ${blind.join('; ')}`);
  return needles;
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
  // The rotation's due lists (FindExpiringCertificates writes them for the renewal Map).
  for (const key of await listBucket(env, env.resources.certBucket, 'rotation/')) {
    places[`s3://${env.resources.certBucket}/${key}`] =
      (await getText(env.clients.s3, env.resources.certBucket, key)) ?? '';
  }
  places['events the pipeline emitted'] = JSON.stringify(events);
  places['EventBridge deliveries'] = JSON.stringify(
    env.aws.events.deliveries.map((d) => ({ event: d.event, input: d.input, error: d.error })),
  );
  places['captured stdout/stderr/console'] = output.text();
  return places;
}
