// A real, single-node Apache Kafka broker (KRaft, broker+controller in one JVM) set up like an MSK
// cluster with SCRAM and mTLS client authentication:
//
//   SCRAM      SASL_SSL, SCRAM-SHA-512 only                  (MSK port 9096)
//   MTLS       SSL, ssl.client.auth=required, principal = the client certificate's RFC 2253 DN
//              (`User:CN=<domain>`), trust store changeable at run time (KIP-226)   (MSK port 9094)
//   INTERNAL   SSL with client auth, inter-broker listener; only the broker's own certificate passes
//   CONTROLLER SSL with client auth, KRaft controller listener
//
// Authorization is Kafka's StandardAuthorizer. The only super user is the broker's internal
// principal (its certificate's DN, which no domain id can produce: ids have no `:`). MSK has no
// super users, so the admin is an ordinary SCRAM user that holds explicit ACLs, created at start
// through the internal principal. `allow.everyone.if.no.acl.found` is false unless asked for (MSK's
// default is true: see docs/facts.md#authorization).
//
// The broker's TLS material is made at start: a throwaway CA (its key never leaves this process)
// signs the broker certificate; both go to Kafka as inline PEM (KIP-651), no keytool, no JKS.
// Passwords and keys are never logged; the admin SCRAM credential is given to the storage tool as a
// salted hash, so it does not show up in `ps` either.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
  type KafkaConfig,
} from '../../lib/kafka/kafkajs.js';
import {
  alterUserScramCredentialsV0,
  Connection,
  describeUserScramCredentialsV0,
  incrementalAlterConfigsV1,
} from '@platformatic/kafka';
import { ensureKafkaJars, findJava } from './fetch.js';
import { createCa, issueCertificate } from './pki.js';
import { retry } from '../../lib/retry.js';

export interface StartKafkaOptions {
  /** MSK's default is true; the local default is false so that missing ACLs show up. */
  readonly allowEveryoneIfNoAclFound?: boolean;
  /** CA certificates (PEM) whose client certificates the mTLS listener accepts. Changeable later. */
  readonly trustedClientCaPems?: readonly string[];
  /** Storage and config directory; a fresh temporary one (removed on stop) when omitted. */
  readonly dataDir?: string;
  /** Broker log (JVM stdout+stderr); `<dataDir>/broker.log` when omitted. */
  readonly logFile?: string;
  /** Progress lines (fetching jars, starting); stderr when omitted. */
  readonly log?: (line: string) => void;
  /** How long to wait for the broker to become ready. */
  readonly startTimeoutMs?: number;
  /** Picks the four listener ports (SCRAM, mTLS, internal, controller); free ones when omitted. For tests. */
  readonly pickPorts?: () => Promise<readonly number[]>;
}

export interface KafkaBroker {
  readonly listeners: {
    /** host:port, SASL_SSL + SCRAM-SHA-512 (MSK 9096). */
    readonly scram: string;
    /** host:port, SSL with required client certificates (MSK 9094). */
    readonly mtls: string;
  };
  /** CA that signed the broker's server certificate; clients trust it (`ssl.ca`, kcat `ssl.ca.location`). */
  readonly serverCaPem: string;
  /** SCRAM admin that works through explicit ACLs (ALL on the cluster, and on `*` topics, groups, transactional ids). */
  readonly admin: { readonly username: string; readonly password: string };
  /** The broker's internal principal, the only super user. */
  readonly internalPrincipal: string;
  readonly allowEveryoneIfNoAclFound: boolean;
  /** kafkajs config for the admin over the SCRAM listener. */
  adminKafkaJsConfig(overrides?: Partial<KafkaConfig>): KafkaConfig;
  /** Creates or replaces a SCRAM-SHA-512 user (AlterUserScramCredentials, KIP-554). */
  upsertScramUser(name: string, password: string): Promise<void>;
  /** Removes a SCRAM-SHA-512 user; unknown users are ignored. Open connections stay open (as on MSK). */
  deleteScramUser(name: string): Promise<void>;
  /** Replaces the CAs the mTLS listener trusts (dynamic listener config, KIP-226); applies to new connections. */
  setTrustedClientCas(pems: readonly string[]): Promise<void>;
  /**
   * A server-only certificate (serverAuth, `localhost` and 127.0.0.1) from the CA clients already
   * trust, for something that stands in for the broker (local/kafka/proxy.ts): clients keep
   * verifying host names. Its subject has a `:`, so no domain's principal can match it, and it cannot
   * authenticate as a client (no clientAuth usage). The CA's key stays in this module.
   */
  issueServerCertificate(subject: string): Promise<{ readonly certPem: string; readonly keyPem: string }>;
  readonly logFile: string;
  readonly dataDir: string;
  /** Where start-up time went (ms): jar check, storage format, JVM to first answer, admin ACLs, SCRAM ready. */
  readonly startupMs: {
    readonly jars: number;
    readonly format: number;
    readonly jvm: number;
    readonly acls: number;
    readonly scram: number;
    readonly total: number;
  };
  /** The JVM's process id (a new one after `restart`). */
  readonly pid: number;
  /**
   * Stops the JVM (SIGTERM: a controlled shutdown, as a rolling restart does) and starts it again on
   * the same ports, data and log; topics, ACLs, SCRAM users and dynamic configs live in the metadata
   * log and persist. `downMs`: how long the broker stays down in between. Resolves when it is ready.
   */
  restart(options?: {
    readonly downMs?: number;
    /** Called once the broker process has stopped (a test can hold a request back until then). */
    readonly onStopped?: () => void;
  }): Promise<void>;
  stop(): Promise<void>;
}

export const ADMIN_USERNAME = 'LocalAdmin'; // upper case: no domain id can collide with it
const INTERNAL_SUBJECT = 'CN=internal:broker'; // `:` cannot occur in a domain id
const INTERNAL_PRINCIPAL = `User:${INTERNAL_SUBJECT}`;
const SCRAM_ITERATIONS = 4096;
const HOST = '127.0.0.1';
const NETWORK_THREADS = 2;

/**
 * JVM flags for a small footprint: a 320 MiB heap ceiling with the serial collector (one broker,
 * little garbage, no GC threads), C1 only (faster start, less code cache), no perf-data file.
 */
export const JVM_FLAGS: readonly string[] = [
  '-Xms64m',
  '-Xmx320m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:ReservedCodeCacheSize=64m',
  '-XX:MaxDirectMemorySize=128m',
  '-Xss512k',
  '-XX:-UsePerfData',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
  '-Dfile.encoding=UTF-8',
];

const LOG_FLAGS: readonly string[] = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
  '-Dorg.slf4j.simpleLogger.showThreadName=false',
  // Broker chatter that says nothing about auth or readiness.
  '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config=warn',
  '-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaConfig=warn',
];

/** Letters and digits from a CSPRNG without modulo bias (randomInt is uniform). */
function password(length = 32): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = chars[randomInt(52)]!;
  while (s.length < length) s += chars[randomInt(chars.length)]!;
  return s;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, HOST, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Java .properties escaping for values (PEM text becomes one line with `\n` escapes). */
function prop(key: string, value: string): string {
  const v = value.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/^ /, '\\ ');
  return `${key}=${v}`;
}

function tail(file: string, lines = 60): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

function scramSalted(pw: string, salt: Buffer): Buffer {
  return pbkdf2Sync(pw, salt, SCRAM_ITERATIONS, 64, 'sha512');
}

function runJava(args: string[], logFile: string): Promise<number> {
  const fd = openSync(logFile, 'a');
  return new Promise<number>((resolve, reject) => {
    const child = spawn(findJava().bin, args, { stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  }).finally(() => closeSync(fd));
}

/**
 * The watchdog is a `sh` reading a pipe from this Node process. When this process goes away for any
 * reason (including SIGKILL), the kernel closes the pipe, `read` returns, and the watchdog stops the
 * JVM: SIGTERM (Kafka's clean shutdown), then SIGKILL after 20 s.
 */
const WATCHDOG = [
  'while read -r _; do :; done',
  'kill -TERM "$1" 2>/dev/null || exit 0',
  'i=0',
  'while kill -0 "$1" 2>/dev/null && [ "$i" -lt 40 ]; do sleep 0.5; i=$((i+1)); done',
  'kill -KILL "$1" 2>/dev/null',
  'exit 0',
].join('\n');

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The JVM exited while something waited for it: no point in trying again. */
class BrokerExited extends Error {}

/** Retries `probe` until it resolves (its result is ignored), the JVM dies or `deadline` passes. */
async function waitFor(
  what: string,
  deadline: number,
  alive: () => string | undefined,
  probe: () => Promise<unknown>,
): Promise<void> {
  await retry(
    async () => {
      const dead = alive();
      if (dead) throw new BrokerExited(dead);
      await probe();
      return true;
    },
    {
      deadline,
      retryIf: (e) => !(e instanceof BrokerExited),
      giveUp: (last) =>
        new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`),
    },
  );
}

/**
 * Class data sharing (AppCDS): the first broker of a Kafka version and Java release writes the
 * classes it loaded to an archive when its JVM exits; later brokers map that archive instead of
 * parsing and verifying the same ~4,000 classes again. The JVM checks that the archive matches the
 * class path and ignores it otherwise. Written under a per-process name and renamed when complete,
 * so brokers starting side by side never read a half-written archive. MSK_LOCAL_KAFKA_CDS=0 turns it off.
 */
function classDataSharing(libs: string, javaMajor: number): { flags: string[]; afterExit: () => void } {
  const off = { flags: [], afterExit: () => undefined };
  if (process.env.MSK_LOCAL_KAFKA_CDS === '0') return off;
  const archive = join(libs, '..', `broker-cds-java${javaMajor}.jsa`);
  if (existsSync(archive)) {
    // Archives left half-way by brokers killed with their parent are no longer needed.
    for (const f of readdirSync(dirname(archive)))
      if (f.startsWith(basename(archive)) && f.endsWith('.tmp')) rmSync(join(dirname(archive), f), { force: true });
    return {
      flags: [`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'],
      afterExit: () => undefined,
    };
  }
  const partial = `${archive}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  return {
    flags: [`-XX:ArchiveClassesAtExit=${partial}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'],
    afterExit: () => {
      try {
        if (existsSync(partial) && !existsSync(archive)) renameSync(partial, archive);
      } catch {
        // another broker won the race; its archive is as good
      }
      rmSync(partial, { force: true });
    },
  };
}

/**
 * KRaft brokers apply metadata (SCRAM users, dynamic configs) asynchronously after the controller
 * commits it, so each change below is followed by a check that the broker shows it.
 */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await retry(async () => ((await check()) ? true : undefined), {
    timeoutMs,
    delayMs: (n) => Math.min(20 * n, 250),
    giveUp: (last) =>
      new Error(`the broker did not show ${what} in time${last instanceof Error ? `: ${last.message}` : ''}`),
  });
}

/** Tries one connection (ApiVersions + Metadata); resolves false on any failure. */
async function canConnect(config: KafkaConfig): Promise<boolean> {
  const a = new Kafka({
    ...config,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
  try {
    await a.connect();
    return true;
  } catch {
    return false;
  } finally {
    await a.disconnect().catch(() => undefined);
  }
}

/** A start that failed because a listener port was taken (Kafka: "Socket server failed to bind … in use"). */
class PortTaken extends Error {}

/**
 * Starts a broker. Its ports are found free just before the JVM binds them, so another process
 * (a parallel test worker) can take one in between; a start that fails on a port in use is tried
 * again on fresh ports, up to three times (with a temporary data directory).
 */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const pick = opts.pickPorts ?? (() => freePorts(4));
  return retry(async () => startKafkaOn(opts, await pick()), {
    attempts: 3,
    delayMs: 0,
    // Only a temporary data directory can be formatted again; a caller's is left as it is.
    retryIf: (e) => !opts.dataDir && e instanceof PortTaken,
  });
}

async function startKafkaOn(opts: StartKafkaOptions, ports: readonly number[]): Promise<KafkaBroker> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const t0 = performance.now();
  let mark = t0;
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };
  const libs = await ensureKafkaJars(log);
  const jarsMs = lap();
  const java = findJava();
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'msk-local-kafka-'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = opts.logFile ?? join(dataDir, 'broker.log');
  const allowEveryone = opts.allowEveryoneIfNoAclFound ?? false;
  const [scramPort, mtlsPort, internalPort, controllerPort] = ports as [number, number, number, number];

  // TLS: a throwaway CA signs the broker certificate (server and client use: the broker is also
  // the client of its own INTERNAL and CONTROLLER listeners).
  const ca = await createCa(`CN=msk-spec-provisioner local broker CA ${randomBytes(4).toString('hex')}`, 30);
  const brokerCert = await issueCertificate(ca, {
    subject: INTERNAL_SUBJECT,
    dnsNames: ['localhost'],
    ipAddresses: [HOST],
    usage: 'both',
  });
  // The broker CA stays in the mTLS trust store: only the broker holds a key it signed, and Kafka
  // refuses an empty PEM trust store.
  const mtlsTrust = (pems: readonly string[]) => [ca.certPem, ...pems].map((p) => p.trim() + '\n').join('');

  const adminPassword = password();
  const salt = randomBytes(32);
  // Like Kafka's own Uuid.randomUuid(), never an id starting with '-': the storage tool's argument
  // parser takes `-t -xyz` for an option, so about one start in 64 failed to format storage.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');

  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${controllerPort}`,
    `listeners=SCRAM://${HOST}:${scramPort},MTLS://${HOST}:${mtlsPort},INTERNAL://${HOST}:${internalPort},CONTROLLER://${HOST}:${controllerPort}`,
    `advertised.listeners=SCRAM://${HOST}:${scramPort},MTLS://${HOST}:${mtlsPort},INTERNAL://${HOST}:${internalPort}`,
    'listener.security.protocol.map=SCRAM:SASL_SSL,MTLS:SSL,INTERNAL:SSL,CONTROLLER:SSL',
    'inter.broker.listener.name=INTERNAL',
    'controller.listener.names=CONTROLLER',
    `log.dirs=${join(dataDir, 'data')}`,
    // TLS, shared defaults: the broker's own certificate and CA (used by INTERNAL and CONTROLLER).
    'ssl.keystore.type=PEM',
    prop('ssl.keystore.certificate.chain', brokerCert.certPem),
    prop('ssl.keystore.key', brokerCert.keyPem),
    'ssl.truststore.type=PEM',
    prop('ssl.truststore.certificates', ca.certPem),
    'ssl.endpoint.identification.algorithm=https',
    'listener.name.internal.ssl.client.auth=required',
    'listener.name.controller.ssl.client.auth=required',
    // SCRAM listener: server-side TLS only, SCRAM-SHA-512 only (MSK supports no other mechanism).
    'listener.name.scram.ssl.client.auth=none',
    'listener.name.scram.sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'listener.name.scram.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    // mTLS listener: client certificate required; principal = full RFC 2253 DN (default mapping rules).
    'listener.name.mtls.ssl.client.auth=required',
    'listener.name.mtls.ssl.truststore.type=PEM',
    prop('listener.name.mtls.ssl.truststore.certificates', mtlsTrust(opts.trustedClientCaPems ?? [])),
    'ssl.principal.mapping.rules=DEFAULT',
    // Authorization like MSK, minus super users for anyone but the broker itself.
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=${INTERNAL_PRINCIPAL}`,
    `allow.everyone.if.no.acl.found=${allowEveryone}`,
    // MSK defaults that matter to clients.
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    // One node: replication factor 1 everywhere, few partitions for internal topics.
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Small footprint: few threads, a small log-cleaner buffer (default 128 MiB of heap).
    `num.network.threads=${NETWORK_THREADS}`,
    'num.io.threads=2',
    'background.threads=2',
    'num.recovery.threads.per.data.dir=1',
    'num.replica.fetchers=1',
    'log.cleaner.threads=1',
    'log.cleaner.dedupe.buffer.size=8388608',
    'log.segment.bytes=16777216',
    'log.retention.check.interval.ms=60000',
  ];
  const propsFile = join(dataDir, 'server.properties');
  writeFileSync(propsFile, props.join('\n') + '\n', { mode: 0o600 });

  const cp = `${libs}/*`;
  const cds = classDataSharing(libs, java.major);
  const fail = (msg: string) => new Error(`${msg}\n--- last lines of ${logFile} ---\n${tail(logFile)}`);

  // Format storage with a fresh cluster id and the admin SCRAM credential (KIP-900), as a salted
  // hash: the password itself is not on the command line.
  if (!existsSync(join(dataDir, 'data', 'meta.properties'))) {
    log(`[kafka] formatting storage in ${dataDir}`);
    const scram =
      `SCRAM-SHA-512=[name=${ADMIN_USERNAME},iterations=${SCRAM_ITERATIONS},` +
      `salt="${salt.toString('base64')}",saltedpassword="${scramSalted(adminPassword, salt).toString('base64')}"]`;
    const code = await runJava(
      [
        '-Xmx128m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-XX:-UsePerfData',
        // The broker's class archive serves the storage tool too (same class path); never dumped here.
        ...cds.flags.filter((f) => !f.startsWith('-XX:ArchiveClassesAtExit')),
        ...LOG_FLAGS,
        '-cp',
        cp,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propsFile,
        '--add-scram',
        scram,
      ],
      logFile,
    );
    if (code !== 0) throw fail(`formatting Kafka storage failed (exit ${code})`);
  } else {
    throw new Error(
      `${dataDir} already holds a formatted Kafka log; startKafka needs a fresh dataDir (the admin credential is made per start)`,
    );
  }

  const formatMs = lap();
  log(`[kafka] starting broker (SCRAM ${HOST}:${scramPort}, mTLS ${HOST}:${mtlsPort}); log: ${logFile}`);
  const launch = (): { jvm: ChildProcess; watchdog: ChildProcess } => {
    const fd = openSync(logFile, 'a');
    const jvm = spawn(java.bin, [...JVM_FLAGS, ...cds.flags, ...LOG_FLAGS, '-cp', cp, 'kafka.Kafka', propsFile], {
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    if (jvm.pid === undefined) throw fail('could not start java');
    const watchdog = spawn('sh', ['-c', WATCHDOG, 'kafka-watchdog', String(jvm.pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // Neither child keeps this process alive; if it exits without stop(), the watchdog ends the JVM.
    jvm.unref();
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    jvm.once('exit', () => {
      watchdog.stdin?.destroy();
      watchdog.kill('SIGKILL');
    });
    return { jvm, watchdog };
  };
  let { jvm, watchdog } = launch();
  const deadMessage = () =>
    jvm.exitCode !== null || jvm.signalCode !== null
      ? `the Kafka JVM exited during start (${jvm.exitCode ?? jvm.signalCode})`
      : undefined;

  const internalTls = { ca: [ca.certPem], cert: brokerCert.certPem, key: brokerCert.keyPem };
  const internal = new Kafka({
    clientId: 'msk-local-internal',
    brokers: [`${HOST}:${internalPort}`],
    ssl: internalTls,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
  }).admin();

  const adminConfig = (overrides: Partial<KafkaConfig> = {}): KafkaConfig => ({
    clientId: 'msk-local-admin',
    brokers: [`${HOST}:${scramPort}`],
    ssl: { ca: [ca.certPem] },
    sasl: { mechanism: 'scram-sha-512', username: ADMIN_USERNAME, password: adminPassword },
    logLevel: logLevel.NOTHING,
    ...overrides,
  });

  let lastTrustMarker: { certPem: string; keyPem: string } | undefined;
  let stopped = false;
  const stopJvm = async (): Promise<void> => {
    watchdog.stdin?.destroy();
    watchdog.kill('SIGKILL');
    if (jvm.exitCode === null && jvm.signalCode === null) {
      jvm.kill('SIGTERM');
      const timer = setTimeout(() => jvm.kill('SIGKILL'), 20_000);
      await exited(jvm);
      clearTimeout(timer);
    }
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await internal.disconnect().catch(() => undefined);
    await stopJvm();
    cds.afterExit();
    if (ownDataDir && !opts.logFile) rmSync(dataDir, { recursive: true, force: true });
    else if (ownDataDir) rmSync(join(dataDir, 'data'), { recursive: true, force: true });
  };

  // Ready when the admin can authenticate over SCRAM and its ACLs are in force.
  const scramReady = async (): Promise<void> => {
    const admin: Admin = new Kafka(adminConfig({ retry: { retries: 0 }, connectionTimeout: 3000 })).admin();
    try {
      await admin.connect();
      await admin.describeAcls({
        resourceType: AclResourceTypes.CLUSTER,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  let jvmMs = 0;
  let aclsMs = 0;
  let scramMs = 0;
  try {
    await waitFor('the internal listener', deadline, deadMessage, async () => {
      await internal.connect();
      await internal.describeCluster();
    });
    jvmMs = lap();
    // The admin's explicit ACLs (MSK has no super.users), created by the broker's own principal.
    const adminAcl = (resourceType: number, resourceName: string) => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${ADMIN_USERNAME}`,
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await waitFor('the admin ACLs', deadline, deadMessage, () =>
      internal.createAcls({
        acl: [
          adminAcl(AclResourceTypes.CLUSTER, 'kafka-cluster'),
          adminAcl(AclResourceTypes.TOPIC, '*'),
          adminAcl(AclResourceTypes.GROUP, '*'),
          adminAcl(AclResourceTypes.TRANSACTIONAL_ID, '*'),
        ],
      }),
    );
    aclsMs = lap();
    await waitFor('the SCRAM listener', deadline, deadMessage, scramReady);
    scramMs = lap();
  } catch (e) {
    // The log first: stop() removes a temporary data directory, log included.
    const error = fail(`Kafka did not become ready: ${e instanceof Error ? e.message : String(e)}`);
    const portTaken = /Address already in use|java\.net\.BindException/.test(tail(logFile, Infinity));
    await stop();
    throw portTaken ? new PortTaken(error.message) : error;
  }

  // Raw KIP-554 / KIP-339 requests through @platformatic/kafka (kafkajs has neither API), sent as
  // the internal principal, like MSK's control plane acts outside the ACLs.
  const internalRequest = async <T>(send: (c: Connection) => Promise<T>): Promise<T> => {
    const conn = new Connection('msk-local-internal', {
      tls: internalTls,
      connectTimeout: 5000,
      requestTimeout: 30_000,
    });
    try {
      await conn.connect(HOST, internalPort);
      return await send(conn);
    } finally {
      await conn.close().catch(() => undefined);
    }
  };

  const scramError = (what: string, name: string, e: unknown): Error => {
    // The platformatic error may carry the request; report only the code and message.
    const resp = (e as { response?: { results?: { errorCode: number; errorMessage: string | null }[] } }).response;
    const r = resp?.results?.[0];
    return new Error(
      `${what} SCRAM user '${name}' failed: ${r ? `error ${r.errorCode} ${r.errorMessage ?? ''}` : (e as Error).message}`,
    );
  };

  const broker: KafkaBroker = {
    listeners: { scram: `${HOST}:${scramPort}`, mtls: `${HOST}:${mtlsPort}` },
    serverCaPem: ca.certPem,
    admin: { username: ADMIN_USERNAME, password: adminPassword },
    internalPrincipal: INTERNAL_PRINCIPAL,
    allowEveryoneIfNoAclFound: allowEveryone,
    adminKafkaJsConfig: adminConfig,
    async upsertScramUser(name, pw) {
      const s = randomBytes(32);
      await internalRequest((c) =>
        alterUserScramCredentialsV0.api.async(
          c,
          [],
          [{ name, mechanism: 2, iterations: SCRAM_ITERATIONS, salt: s, saltedPassword: scramSalted(pw, s) }],
        ),
      ).catch((e: unknown) => {
        throw scramError('creating', name, e);
      });
      // In force when this very password logs in over the SCRAM listener.
      const login = { ...adminConfig(), sasl: { mechanism: 'scram-sha-512' as const, username: name, password: pw } };
      await until(`SCRAM user '${name}'`, () => canConnect(login));
    },
    async deleteScramUser(name) {
      await internalRequest((c) => alterUserScramCredentialsV0.api.async(c, [{ name, mechanism: 2 }], [])).catch(
        (e: unknown) => {
          const code = (e as { response?: { results?: { errorCode: number }[] } }).response?.results?.[0]?.errorCode;
          if (code === 91) return; // RESOURCE_NOT_FOUND: no such user
          throw scramError('deleting', name, e);
        },
      );
      await until(`SCRAM user '${name}' deleted`, () =>
        internalRequest((c) => describeUserScramCredentialsV0.api.async(c, [{ name }])).then(
          (r) => r.results.every((x) => x.credentialInfos.length === 0),
          (e: unknown) =>
            (e as { response?: { results?: { errorCode: number }[] } }).response?.results?.[0]?.errorCode === 91,
        ),
      );
    },
    async setTrustedClientCas(pems) {
      // A fresh marker CA rides along in each new trust store; a client certificate it signed
      // connects only once the broker uses this version. Its key is dropped afterwards.
      const marker = await createCa(`CN=msk-local trust marker ${randomBytes(4).toString('hex')}`, 1);
      const markerCert = await issueCertificate(marker, { subject: 'CN=internal:trust-marker', usage: 'client' });
      const config = {
        name: 'listener.name.mtls.ssl.truststore.certificates',
        configOperation: 0 as const, // SET
        value: mtlsTrust([...pems, marker.certPem]),
      };
      await internalRequest((c) =>
        incrementalAlterConfigsV1.api.async(
          c,
          [{ resourceType: 4 /* BROKER */, resourceName: '1', configs: [config] }],
          false,
        ),
      ).catch((e: unknown) => {
        const r = (e as { response?: { responses?: { errorCode: number; errorMessage: string | null }[] } }).response
          ?.responses?.[0];
        throw new Error(
          `updating the mTLS trust store failed: ${r ? `error ${r.errorCode} ${r.errorMessage ?? ''}` : (e as Error).message}`,
        );
      });
      const probe = (cert: { certPem: string; keyPem: string }): KafkaConfig => ({
        clientId: 'msk-local-trust-probe',
        brokers: [`${HOST}:${mtlsPort}`],
        ssl: { ca: [ca.certPem], cert: cert.certPem, key: cert.keyPem },
      });
      // Each network thread (processor) holds its own copy of the listener's SSL factory, and the
      // copies are reconfigured one after another; new connections go to the processors in turn.
      // So: the new marker must pass, and the previous one fail, on several connections in a row.
      const rounds = 2 * NETWORK_THREADS;
      const previous = lastTrustMarker;
      await until('the new mTLS trust store on every network thread', async () => {
        for (let i = 0; i < rounds; i++) {
          if (!(await canConnect(probe(markerCert)))) return false;
          if (previous && (await canConnect(probe(previous)))) return false;
        }
        return true;
      });
      lastTrustMarker = markerCert;
    },
    async issueServerCertificate(subject) {
      if (!subject.includes(':'))
        throw new Error(`a stand-in's subject needs a ':' (no domain id has one): ${subject}`);
      const c = await issueCertificate(ca, { subject, dnsNames: ['localhost'], ipAddresses: [HOST], usage: 'server' });
      return { certPem: c.certPem, keyPem: c.keyPem };
    },
    logFile,
    dataDir,
    startupMs: {
      jars: jarsMs,
      format: formatMs,
      jvm: jvmMs,
      acls: aclsMs,
      scram: scramMs,
      total: Math.round(performance.now() - t0),
    },
    get pid() {
      return jvm.pid!;
    },
    async restart(options = {}) {
      if (stopped) throw new Error('the broker was stopped');
      log(`[kafka] restarting the broker (down for ${options.downMs ?? 0} ms)`);
      await stopJvm();
      options.onStopped?.();
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      ({ jvm, watchdog } = launch());
      await waitFor(
        'the SCRAM listener after a restart',
        Date.now() + (opts.startTimeoutMs ?? 90_000),
        deadMessage,
        scramReady,
      );
      log(`[kafka] ready again (pid ${jvm.pid})`);
    },
    stop,
  };
  log(`[kafka] ready: SCRAM ${broker.listeners.scram}, mTLS ${broker.listeners.mtls} (pid ${broker.pid})`);
  return broker;
}

/** Stable fingerprint of a CA PEM, for logs (never the key). */
export function pemFingerprint(pem: string): string {
  return createHash('sha256').update(pem.trim()).digest('hex').slice(0, 16);
}
