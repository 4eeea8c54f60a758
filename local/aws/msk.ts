// Emulated Amazon MSK control API (REST-JSON, signing name `kafka`), backed by the real local Kafka broker.
//
// Paths and wire names follow the MSK API reference (https://docs.aws.amazon.com/msk/1.0/apireference/) and
// @aws-sdk/client-kafka's operation schemas:
//   POST  /api/v2/clusters                              CreateClusterV2
//   GET   /api/v2/clusters                              ListClustersV2
//   GET   /api/v2/clusters/{clusterArn}                 DescribeClusterV2
//   GET   /v1/clusters/{clusterArn}                     DescribeCluster
//   GET   /v1/clusters/{clusterArn}/bootstrap-brokers   GetBootstrapBrokers
//   PATCH /v1/clusters/{clusterArn}/security            UpdateSecurity
//   POST  /v1/clusters/{clusterArn}/scram-secrets       BatchAssociateScramSecret
//   PATCH /v1/clusters/{clusterArn}/scram-secrets       BatchDisassociateScramSecret
//   GET   /v1/clusters/{clusterArn}/scram-secrets       ListScramSecrets
//   GET   /v1/operations/{clusterOperationArn}          DescribeClusterOperation
// Errors (every operation's list in the reference): BadRequestException 400, UnauthorizedException 401,
// ForbiddenException 403, NotFoundException 404, ConflictException 409, TooManyRequestsException 429,
// InternalServerErrorException 500, ServiceUnavailableException 503. Fault injection is applied by the gateway
// per operation name (faults.ts), so every operation above can be made to fail.
//
// Cluster types (API reference, Cluster: ClusterType PROVISIONED | SERVERLESS). A provisioned cluster takes any
// mix of SASL/SCRAM, SASL/IAM, TLS and unauthenticated access; an MSK Serverless cluster (CreateClusterV2 with
// `serverless`: vpcConfigs, clientAuthentication.sasl.iam) has IAM access control only (developer guide,
// serverless: "MSK Serverless requires IAM access control"), its bootstrap string is
// bootstrapBrokerStringSaslIam only (`boot-<id>.c<n>.kafka-serverless.<region>.amazonaws.com:9098`), and the
// provisioned-only operations (DescribeCluster v1, UpdateSecurity, the SCRAM secret operations) answer
// BadRequestException "This operation cannot be performed on serverless clusters.", as MSK answers them. The local
// broker cannot run MSK's IAM authentication (AWS's own): a BrokerControl may name an `iam` listener; without one
// the IAM bootstrap string is MSK's host name shape (port 9098), which resolves nowhere.
//
// The emulator depends only on `BrokerControl` (the real broker in local/kafka/broker.ts satisfies it; tests can
// pass an in-memory fake) and on three lookups into the other emulators (Secrets Manager, KMS, ACM PCA).
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type RequestContext,
  type RestJsonService,
  type RestRequest,
  type RestResponse,
} from './core.js';
import { authorizeOnBehalf, onBehalfKmsRequest } from './iam/enforce.js';
import { PageTokens, pageSize } from './pagination.js';

/** What MSK needs from a Kafka broker. `KafkaBroker` from local/kafka/broker.ts fits structurally. */
export interface BrokerControl {
  readonly listeners: { readonly scram: string; readonly mtls: string; readonly iam?: string };
  upsertScramUser(name: string, password: string): Promise<void>;
  deleteScramUser(name: string): Promise<void>;
  setTrustedClientCas(pems: readonly string[]): Promise<void>;
}

/** A secret as MSK sees it: its AWSCURRENT value and its encryption key. Never logged. */
export interface ScramSecretInfo {
  readonly arn: string;
  readonly name: string;
  /** KmsKeyId as stored on the secret (id, ARN or alias); undefined means the default `aws/secretsmanager` key. */
  readonly kmsKeyId?: string;
  /** AWSCURRENT SecretString; undefined when the secret has no current string value. */
  readonly secretString?: string;
}

export interface MskLookups {
  /** Secret by ARN; undefined when it does not exist or is scheduled for deletion. */
  readonly secret: (arn: string) => ScramSecretInfo | undefined;
  /** 'AWS' for AWS-managed keys (e.g. alias/aws/secretsmanager), 'CUSTOMER' otherwise; undefined when not found. */
  readonly keyManager: (keyId: string, region: string, accountId: string) => 'AWS' | 'CUSTOMER' | undefined;
  /** PEM of an ACTIVE ACM PCA certificate authority; undefined when not found or not usable. */
  readonly caCertificatePem: (caArn: string) => string | undefined;
}

export interface MskOptions extends Partial<MskLookups> {
  readonly region?: string;
  readonly accountId?: string;
  /** Broker behind clusters created through CreateClusterV2 (and the default for registerCluster). */
  readonly broker?: BrokerControl;
  readonly now?: () => number;
  /**
   * Eventual consistency as observed on MSK (docs/facts.md): the first N association attempts of a newly seen secret
   * answer "Amazon MSK wasn't able to access the provided secret." (default 1, as MSK often does right after a
   * secret is created, so callers' retry paths always run; 0 turns it off). Only attempts that pass every other
   * check count, and a secret seen before is not refused again.
   */
  readonly accessFailuresPerNewSecret?: number;
  /** Re-read AWSCURRENT of associated secrets this often (MSK syncs periodically); off by default. */
  readonly syncIntervalMs?: number;
}

/** MSK developer guide, msk-password-limitations: at most 1000 SCRAM users per cluster, 10 secrets per call. */
export const MAX_SCRAM_SECRETS_PER_CLUSTER = 1000;
export const MAX_SECRETS_PER_CALL = 10;

const MSG_CANNOT_ACCESS = "Amazon MSK wasn't able to access the provided secret.";
const MSG_PREFIX =
  "The provided secret arn cannot be used with Amazon MSK. Secret names must have the prefix 'AmazonMSK_'";
const MSG_DEFAULT_KEY =
  'The provided secret is encrypted with the default AWS KMS key. A secret created with the default AWS KMS key cannot be used with an Amazon MSK cluster.';
const MSG_ALREADY =
  'The provided secret is already associated with this cluster. To update the association, first disassociate the secret.';
const MSG_NOT_ASSOCIATED = "The provided secret isn't associated with this cluster.";
const MSG_FORMAT = 'The provided secret value must be a JSON object with string fields "username" and "password".';
const MSG_SERVERLESS = 'This operation cannot be performed on serverless clusters.';

interface ClientAuthentication {
  sasl: { scram: { enabled: boolean }; iam: { enabled: boolean } };
  tls: { certificateAuthorityArnList: string[]; enabled: boolean };
  unauthenticated: { enabled: boolean };
}

interface Association {
  username: string;
}

interface Cluster {
  arn: string;
  name: string;
  type: 'PROVISIONED' | 'SERVERLESS';
  /** Serverless only: the VPC configurations as given (subnetIds, securityGroupIds). */
  vpcConfigs: Record<string, unknown>[];
  creationTime: number;
  currentVersion: string;
  tags: Record<string, string>;
  kafkaVersion: string;
  numberOfBrokerNodes: number;
  brokerNodeGroupInfo: Record<string, unknown>;
  clientAuthentication: ClientAuthentication;
  encryptionInfo: Record<string, unknown>;
  secrets: Map<string, Association>;
  broker: BrokerControl | undefined;
}

interface ClusterOperation {
  arn: string;
  clusterArn: string;
  type: string;
  creationTime: number;
  endTime: number;
  sourceVersion: string;
  targetVersion: string;
}

function bad(message: string, invalidParameter?: string): AwsServiceError {
  return new AwsServiceError('BadRequestException', message, 400, invalidParameter ? { invalidParameter } : {});
}

function notFound(arn: string): AwsServiceError {
  return new AwsServiceError('NotFoundException', `The cluster ${arn} could not be found.`, 404, {
    invalidParameter: 'clusterArn',
  });
}

function newVersion(): string {
  // Cluster versions look like `K3AEGXETSR30VB`: 14 upper-case letters and digits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(14)].map((b) => alphabet[b % alphabet.length]).join('');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function asObject(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export class MskEmulator implements RestJsonService {
  readonly signingName = 'kafka';
  readonly pathPrefixes = ['/v1/clusters', '/api/v2/clusters', '/v1/operations'] as const;

  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;
  private readonly defaultBroker: BrokerControl | undefined;
  private readonly lookups: MskLookups;
  private readonly accessFailures: number;
  private readonly accessAttempts = new Map<string, number>();
  private readonly clusters = new Map<string, Cluster>();
  private readonly operations = new Map<string, ClusterOperation>();
  private readonly tokens = new PageTokens();
  private syncTimer: NodeJS.Timeout | undefined;
  private scramRoute: string | undefined;

  constructor(options: MskOptions = {}) {
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.now = options.now ?? Date.now;
    this.defaultBroker = options.broker;
    this.accessFailures = options.accessFailuresPerNewSecret ?? 1;
    this.lookups = {
      secret: options.secret ?? (() => undefined),
      keyManager: options.keyManager ?? (() => undefined),
      caCertificatePem: options.caCertificatePem ?? (() => undefined),
    };
    if (options.syncIntervalMs) {
      this.syncTimer = setInterval(() => void this.syncScramSecrets().catch(() => undefined), options.syncIntervalMs);
      this.syncTimer.unref();
    }
  }

  /** Stops the periodic secret sync, if any. */
  close(): void {
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = undefined;
  }

  // ---- in-process API (local runner, tests) ----

  /**
   * Registers a provisioned cluster at startup (what CreateClusterV2 would make), SCRAM and TLS enabled.
   * Returns its ARN. The CA list is pushed to the broker's trusted client CAs.
   */
  async registerCluster(opts: {
    name: string;
    broker?: BrokerControl;
    certificateAuthorityArns?: readonly string[];
    kafkaVersion?: string;
    /** Client authentication of a provisioned cluster (default SCRAM and TLS), or an MSK Serverless cluster. */
    auth?: ClusterAuth;
  }): Promise<string> {
    const out = await this.createClusterV2(
      clusterRequest(opts.name, opts.auth ?? { scram: true, tls: true }, {
        ...(opts.certificateAuthorityArns ? { certificateAuthorityArns: opts.certificateAuthorityArns } : {}),
        ...(opts.kafkaVersion ? { kafkaVersion: opts.kafkaVersion } : {}),
      }),
      opts.broker,
    );
    return out.clusterArn;
  }

  /** ARNs of associated SCRAM secrets (for tests). */
  associatedSecrets(clusterArn: string): string[] {
    return [...this.get(clusterArn).secrets.keys()];
  }

  /**
   * Records associations of other teams' users without a secret or a broker user behind them (tests of the
   * 1000-user limit: a cluster filled by others, cheaply). Returns the undo.
   */
  fillScramUsers(clusterArn: string, secretArns: readonly string[]): () => void {
    const c = this.get(clusterArn);
    const added = secretArns.filter((a) => !c.secrets.has(a));
    for (const a of added) c.secrets.set(a, { username: a.slice(a.lastIndexOf(':') + 1) });
    return () => added.forEach((a) => c.secrets.delete(a));
  }

  /**
   * Re-reads AWSCURRENT of every associated secret and pushes the credentials to the broker — MSK "syncs the
   * credential data periodically" (developer guide, msk-password). Returns how many users were refreshed.
   */
  async syncScramSecrets(clusterArn?: string): Promise<number> {
    let n = 0;
    const clusters = clusterArn ? [this.get(clusterArn)] : [...this.clusters.values()];
    for (const c of clusters) {
      if (!c.broker) continue;
      for (const [arn, assoc] of c.secrets) {
        const creds = parseCredentials(this.lookups.secret(arn)?.secretString);
        if (!creds || creds.username !== assoc.username) continue;
        await c.broker.upsertScramUser(creds.username, creds.password);
        n++;
      }
    }
    return n;
  }

  // ---- REST routing ----

  route(
    req: RestRequest,
    ctx: Omit<RequestContext, 'operation'>,
  ): { operation: string; input: Record<string, unknown>; run: () => Promise<RestResponse> } | undefined {
    const segs = req.path
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => safeDecode(s));
    const body = asObject(req.body);
    const ok = (b: unknown): RestResponse => ({ status: 200, body: b });
    // `input` is what IAM sees (local/aws/iam/actions.ts): the path's clusterArn beside the body.
    const clusterArn =
      segs[0] === 'v1' && segs[1] === 'clusters'
        ? segs[2]
        : segs[0] === 'api' && segs[1] === 'v2' && segs[2] === 'clusters'
          ? segs[3]
          : undefined;
    const input = { ...body, ...(clusterArn !== undefined ? { clusterArn } : {}) };
    const op = (operation: string, fn: () => unknown | Promise<unknown>) => ({
      operation,
      input,
      run: async () => ok(await fn()),
    });
    if (segs[0] === 'api' && segs[1] === 'v2' && segs[2] === 'clusters') {
      if (segs.length === 3 && req.method === 'POST') return op('CreateClusterV2', () => this.createClusterV2(body));
      if (segs.length === 3 && req.method === 'GET') return op('ListClustersV2', () => this.listClustersV2(req.query));
      if (segs.length === 4 && req.method === 'GET')
        return op('DescribeClusterV2', () => this.describeClusterV2(segs[3]!));
      return undefined;
    }
    if (segs[0] === 'v1' && segs[1] === 'operations' && segs.length === 3 && req.method === 'GET') {
      return op('DescribeClusterOperation', () => this.describeClusterOperation(segs[2]!));
    }
    if (segs[0] === 'v1' && segs[1] === 'clusters' && segs.length >= 3) {
      const arn = segs[2]!;
      const sub = segs.slice(3).join('/');
      if (sub === '' && req.method === 'GET')
        return op('DescribeCluster', () => (this.provisioned(arn), this.describeCluster(arn)));
      if (sub === 'bootstrap-brokers' && req.method === 'GET')
        return op('GetBootstrapBrokers', () => this.getBootstrapBrokers(arn));
      if (sub === 'security' && req.method === 'PATCH')
        return op('UpdateSecurity', () => (this.provisioned(arn), this.updateSecurity(arn, body)));
      if (sub === 'scram-secrets') {
        if (req.method === 'POST')
          return op(
            'BatchAssociateScramSecret',
            () => (this.provisioned(arn), this.batchAssociateScramSecret(arn, body, ctx)),
          );
        if (req.method === 'PATCH')
          return op(
            'BatchDisassociateScramSecret',
            () => (this.provisioned(arn), this.batchDisassociateScramSecret(arn, body)),
          );
        if (req.method === 'GET')
          return op('ListScramSecrets', () => (this.provisioned(arn), this.listScramSecrets(arn, req.query)));
      }
    }
    return undefined;
  }

  // ---- operations ----

  /**
   * CreateClusterV2 (API reference, /api/v2/clusters POST): clusterName (required), provisioned | serverless, tags.
   * Only provisioned clusters are emulated; the cluster is ACTIVE at once (real MSK: CREATING for ~20 minutes).
   * Errors: BadRequestException, ConflictException (name in use), ...
   */
  async createClusterV2(
    body: Record<string, unknown>,
    broker?: BrokerControl,
  ): Promise<{ clusterArn: string; clusterName: string; state: string; clusterType: string }> {
    const name = body['clusterName'];
    if (typeof name !== 'string' || !/^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/.test(name))
      throw bad('clusterName must match ^[0-9A-Za-z][0-9A-Za-z-]{0,63}$.', 'clusterName');
    if (body['serverless'] && body['provisioned'])
      throw bad('Specify either provisioned or serverless, not both.', 'serverless');
    if (body['serverless']) return this.createServerless(name, body, broker);
    const p = asObject(body['provisioned']);
    if (!body['provisioned']) throw bad('Either provisioned or serverless must be specified.', 'provisioned');
    const kafkaVersion = p['kafkaVersion'];
    if (typeof kafkaVersion !== 'string' || kafkaVersion === '') throw bad('kafkaVersion is required.', 'kafkaVersion');
    const n = p['numberOfBrokerNodes'];
    // The MSK model (botocore kafka/2018-11-14/service-2.json) types ProvisionedRequest's
    // NumberOfBrokerNodes as __integerMin1Max15.
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 15)
      throw bad('numberOfBrokerNodes must be an integer from 1 to 15.', 'numberOfBrokerNodes');
    const bngi = asObject(p['brokerNodeGroupInfo']);
    if (!Array.isArray(bngi['clientSubnets']) || typeof bngi['instanceType'] !== 'string')
      throw bad('brokerNodeGroupInfo.clientSubnets and instanceType are required.', 'brokerNodeGroupInfo');
    this.checkNameFree(name);
    const auth = normalizeAuth(asObject(p['clientAuthentication']));
    const pems = this.caPems(auth.tls.certificateAuthorityArnList);
    const arn = `arn:aws:kafka:${this.region}:${this.accountId}:cluster/${name}/${randomUUID()}-${1 + (randomBytes(1)[0]! % 25)}`;
    const cluster: Cluster = {
      arn,
      name,
      type: 'PROVISIONED',
      vpcConfigs: [],
      creationTime: this.now(),
      currentVersion: newVersion(),
      tags: (asObject(body['tags']) as Record<string, string>) ?? {},
      kafkaVersion,
      numberOfBrokerNodes: n,
      brokerNodeGroupInfo: bngi,
      clientAuthentication: auth,
      encryptionInfo: Object.keys(asObject(p['encryptionInfo'])).length
        ? asObject(p['encryptionInfo'])
        : {
            encryptionAtRest: {
              dataVolumeKMSKeyId: `arn:aws:kms:${this.region}:${this.accountId}:key/${randomUUID()}`,
            },
            encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
          },
      secrets: new Map(),
      broker: broker ?? this.defaultBroker,
    };
    if (cluster.broker && auth.tls.enabled && pems.length > 0) await this.pushCas(cluster, pems);
    this.clusters.set(arn, cluster);
    return { clusterArn: arn, clusterName: name, state: 'CREATING', clusterType: 'PROVISIONED' };
  }

  /**
   * CreateClusterV2 with `serverless` (API reference, ServerlessRequest): vpcConfigs (required; each with
   * subnetIds), clientAuthentication.sasl.iam. IAM is the only access control (developer guide, serverless), so
   * it is on when not given and refused when turned off.
   */
  private createServerless(
    name: string,
    body: Record<string, unknown>,
    broker: BrokerControl | undefined,
  ): { clusterArn: string; clusterName: string; state: string; clusterType: string } {
    const s = asObject(body['serverless']);
    const vpcConfigs = s['vpcConfigs'];
    if (
      !Array.isArray(vpcConfigs) ||
      vpcConfigs.length === 0 ||
      vpcConfigs.some(
        (v) => !Array.isArray(asObject(v)['subnetIds']) || (asObject(v)['subnetIds'] as unknown[]).length === 0,
      )
    )
      throw bad('vpcConfigs is required, and each VPC configuration needs subnetIds.', 'vpcConfigs');
    const iam = asObject(asObject(asObject(s['clientAuthentication'])['sasl'])['iam'])['enabled'];
    if (iam === false) throw bad('MSK Serverless clusters support IAM access control only.', 'clientAuthentication');
    this.checkNameFree(name);
    const arn = `arn:aws:kafka:${this.region}:${this.accountId}:cluster/${name}/${randomUUID()}-s${1 + (randomBytes(1)[0]! % 3)}`;
    this.clusters.set(arn, {
      arn,
      name,
      type: 'SERVERLESS',
      vpcConfigs: vpcConfigs.map((v) => ({ ...asObject(v) })),
      creationTime: this.now(),
      currentVersion: newVersion(),
      tags: asObject(body['tags']) as Record<string, string>,
      kafkaVersion: '',
      numberOfBrokerNodes: 0,
      brokerNodeGroupInfo: {},
      clientAuthentication: {
        sasl: { scram: { enabled: false }, iam: { enabled: true } },
        tls: { certificateAuthorityArnList: [], enabled: false },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {},
      secrets: new Map(),
      broker: broker ?? this.defaultBroker,
    });
    return { clusterArn: arn, clusterName: name, state: 'CREATING', clusterType: 'SERVERLESS' };
  }

  private checkNameFree(name: string): void {
    for (const c of this.clusters.values())
      if (c.name === name)
        throw new AwsServiceError('ConflictException', `A cluster with the name ${name} already exists.`, 409, {
          invalidParameter: 'clusterName',
        });
  }

  /** The provisioned-only operations on a serverless cluster: BadRequestException, as MSK answers them. */
  private provisioned(arn: string): void {
    if (this.get(arn).type === 'SERVERLESS') throw bad(MSG_SERVERLESS, 'clusterArn');
  }

  /** ListClustersV2 (API reference): clusterNameFilter, clusterTypeFilter (PROVISIONED | SERVERLESS), maxResults, nextToken. */
  listClustersV2(query: URLSearchParams): { clusterInfoList: unknown[]; nextToken?: string } {
    const filter = query.get('clusterNameFilter');
    const type = query.get('clusterTypeFilter');
    const all = [...this.clusters.values()].filter(
      (c) => (!filter || c.name.startsWith(filter)) && (!type || c.type === type),
    );
    const { page, nextToken } = this.paginate(all, query, `clusters/${filter ?? ''}/${type ?? ''}`);
    return { clusterInfoList: page.map((c) => this.clusterV2(c)), ...(nextToken ? { nextToken } : {}) };
  }

  /** DescribeClusterV2 (API reference): {clusterInfo: Cluster}. Errors: NotFoundException, ... */
  describeClusterV2(arn: string): { clusterInfo: unknown } {
    return { clusterInfo: this.clusterV2(this.get(arn)) };
  }

  /** DescribeCluster (API reference): {clusterInfo: ClusterInfo}. Errors: NotFoundException, ... */
  describeCluster(arn: string): { clusterInfo: unknown } {
    const c = this.get(arn);
    return {
      clusterInfo: {
        clusterArn: c.arn,
        clusterName: c.name,
        creationTime: iso(c.creationTime),
        currentVersion: c.currentVersion,
        state: 'ACTIVE',
        tags: c.tags,
        numberOfBrokerNodes: c.numberOfBrokerNodes,
        brokerNodeGroupInfo: c.brokerNodeGroupInfo,
        clientAuthentication: c.clientAuthentication,
        encryptionInfo: c.encryptionInfo,
        currentBrokerSoftwareInfo: { kafkaVersion: c.kafkaVersion },
        enhancedMonitoring: 'DEFAULT',
      },
    };
  }

  /**
   * Local only, for fault tests: GetBootstrapBrokers answers `address` (host:port) as the SCRAM
   * bootstrap string instead of the broker's own listener, so that the pipeline's admin reaches the
   * broker through a fault proxy (local/kafka/proxy.ts); undefined restores it. MSK has no such call.
   */
  routeScramBootstrap(address: string | undefined): void {
    this.scramRoute = address;
  }

  /**
   * GetBootstrapBrokers (API reference): only the strings of enabled auth methods are present.
   * bootstrapBrokerStringSaslScram → the broker's SASL_SSL/SCRAM listener (MSK 9096), bootstrapBrokerStringTls →
   * its mTLS listener (MSK 9094). Errors: BadRequestException, ConflictException, NotFoundException, ...
   */
  getBootstrapBrokers(arn: string): Record<string, string> {
    const c = this.get(arn);
    const host =
      c.type === 'SERVERLESS'
        ? `boot-${c.arn.split('/').pop()!.slice(0, 8)}.c1.kafka-serverless.${this.region}.amazonaws.com`
        : `b-1.${c.name}.local.kafka.${this.region}.amazonaws.com`;
    const scram = c.broker ? (this.scramRoute ?? c.broker.listeners.scram) : `${host}:9096`;
    const tls = c.broker?.listeners.mtls ?? `${host}:9094`;
    // SASL/IAM is port 9098 on MSK (developer guide, "Port information").
    const iam = c.broker?.listeners.iam ?? `${host}:9098`;
    const a = c.clientAuthentication;
    return {
      ...(a.sasl.scram.enabled ? { bootstrapBrokerStringSaslScram: scram } : {}),
      ...(a.sasl.iam.enabled ? { bootstrapBrokerStringSaslIam: iam } : {}),
      ...(a.tls.enabled ? { bootstrapBrokerStringTls: tls } : {}),
    };
  }

  /**
   * UpdateSecurity (API reference, PATCH /v1/clusters/{clusterArn}/security): currentVersion (required),
   * clientAuthentication, encryptionInfo → {clusterArn, clusterOperationArn}. A stale currentVersion or a request
   * with no change is a BadRequestException. The new TLS CA list becomes the broker's trusted client CAs.
   * Real MSK runs this as an UPDATE_SECURITY operation for minutes; here it completes before the answer.
   */
  async updateSecurity(
    arn: string,
    body: Record<string, unknown>,
  ): Promise<{ clusterArn: string; clusterOperationArn: string }> {
    const c = this.get(arn);
    const version = body['currentVersion'];
    if (typeof version !== 'string' || version === '') throw bad('currentVersion is required.', 'currentVersion');
    if (version !== c.currentVersion)
      throw bad(`The cluster's current version is ${c.currentVersion}, not ${version}.`, 'currentVersion');
    const reqAuth = body['clientAuthentication'] === undefined ? undefined : asObject(body['clientAuthentication']);
    const reqEnc = body['encryptionInfo'] === undefined ? undefined : asObject(body['encryptionInfo']);
    if (!reqAuth && !reqEnc)
      throw bad(
        'The request does not include any updates to the security setting of the cluster.',
        'clientAuthentication',
      );
    const next: ClientAuthentication = JSON.parse(JSON.stringify(c.clientAuthentication)) as ClientAuthentication;
    if (reqAuth) {
      const sasl = asObject(reqAuth['sasl']);
      if (sasl['scram'] !== undefined) next.sasl.scram.enabled = asObject(sasl['scram'])['enabled'] === true;
      if (sasl['iam'] !== undefined) next.sasl.iam.enabled = asObject(sasl['iam'])['enabled'] === true;
      if (reqAuth['tls'] !== undefined) {
        const tls = asObject(reqAuth['tls']);
        const list = tls['certificateAuthorityArnList'];
        if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string')))
          throw bad('certificateAuthorityArnList must be a list of ARNs.', 'certificateAuthorityArnList');
        next.tls.certificateAuthorityArnList =
          list === undefined ? next.tls.certificateAuthorityArnList : [...new Set(list as string[])];
        next.tls.enabled =
          tls['enabled'] === undefined ? next.tls.certificateAuthorityArnList.length > 0 : tls['enabled'] === true;
      }
      if (reqAuth['unauthenticated'] !== undefined)
        next.unauthenticated.enabled = asObject(reqAuth['unauthenticated'])['enabled'] === true;
    }
    if (JSON.stringify(next) === JSON.stringify(c.clientAuthentication) && !reqEnc) {
      throw bad(
        'The request does not include any updates to the security setting of the cluster.',
        'clientAuthentication',
      );
    }
    if (!next.sasl.scram.enabled && !next.sasl.iam.enabled && !next.tls.enabled && !next.unauthenticated.enabled) {
      throw bad('At least one client authentication method must be enabled.', 'clientAuthentication');
    }
    const pems = this.caPems(next.tls.certificateAuthorityArnList);
    if (c.broker && JSON.stringify(next.tls) !== JSON.stringify(c.clientAuthentication.tls))
      await this.pushCas(c, next.tls.enabled ? pems : []);
    const source = c.currentVersion;
    c.clientAuthentication = next;
    if (reqEnc) c.encryptionInfo = { ...c.encryptionInfo, ...reqEnc };
    c.currentVersion = newVersion();
    const opArn = `arn:aws:kafka:${this.region}:${this.accountId}:cluster-operation/${c.name}/${c.arn.split('/').pop()}/${randomUUID()}`;
    const t = this.now();
    this.operations.set(opArn, {
      arn: opArn,
      clusterArn: c.arn,
      type: 'UPDATE_SECURITY',
      creationTime: t,
      endTime: t,
      sourceVersion: source,
      targetVersion: c.currentVersion,
    });
    return { clusterArn: c.arn, clusterOperationArn: opArn };
  }

  /** DescribeClusterOperation (API reference): {clusterOperationInfo}. Errors: NotFoundException, ... */
  describeClusterOperation(opArn: string): { clusterOperationInfo: unknown } {
    const o = this.operations.get(opArn);
    if (!o)
      throw new AwsServiceError('NotFoundException', `The cluster operation ${opArn} could not be found.`, 404, {
        invalidParameter: 'clusterOperationArn',
      });
    return {
      clusterOperationInfo: {
        clusterArn: o.clusterArn,
        operationArn: o.arn,
        operationType: o.type,
        operationState: 'UPDATE_COMPLETE',
        creationTime: iso(o.creationTime),
        endTime: iso(o.endTime),
        sourceClusterInfo: {},
        targetClusterInfo: {},
      },
    };
  }

  /**
   * BatchAssociateScramSecret (API reference, POST /v1/clusters/{clusterArn}/scram-secrets): secretArnList
   * (required) → {clusterArn, unprocessedScramSecrets: [{errorCode, errorMessage, secretArn}]} with HTTP 200 even
   * when some fail. Validations (developer guide, msk-password and msk-password-limitations; docs/facts.md): name prefix
   * `AmazonMSK_`, a customer-managed KMS key, same account and Region, not already associated, readable.
   * At most 10 ARNs per call and 1000 secrets per cluster (BadRequestException).
   * With IAM on (`ctx` carries the caller), MSK creates a grant on the secret's key for the caller
   * (developer guide, msk-password: the caller needs kms:CreateGrant on the key, through MSK, for an AWS
   * resource); when KMS refuses, the secret comes back unprocessed with InvalidSecretArn, as MSK reports a
   * secret it cannot access.
   */
  async batchAssociateScramSecret(
    arn: string,
    body: Record<string, unknown>,
    ctx?: Omit<RequestContext, 'operation'>,
  ): Promise<{ clusterArn: string; unprocessedScramSecrets: unknown[] }> {
    const c = this.get(arn);
    const list = secretArnList(body);
    if (!c.clientAuthentication.sasl.scram.enabled)
      throw bad('SASL/SCRAM authentication is not enabled for this cluster.', 'clusterArn');
    const newOnes = new Set(list.filter((a) => !c.secrets.has(a)));
    if (c.secrets.size + newOnes.size > MAX_SCRAM_SECRETS_PER_CLUSTER) {
      throw bad(
        `A cluster can have at most ${MAX_SCRAM_SECRETS_PER_CLUSTER} associated SCRAM secrets; it has ${c.secrets.size}.`,
        'secretArnList',
      );
    }
    const unprocessed: { errorCode: string; errorMessage: string; secretArn: string }[] = [];
    const fail = (secretArn: string, errorMessage: string, errorCode = 'InvalidSecretArn') =>
      unprocessed.push({ errorCode, errorMessage, secretArn });
    for (const secretArn of list) {
      const m = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/.exec(secretArn);
      if (!m) {
        fail(secretArn, MSG_CANNOT_ACCESS);
        continue;
      }
      if (!m[3]!.startsWith('AmazonMSK_')) {
        fail(secretArn, MSG_PREFIX);
        continue;
      }
      if (c.secrets.has(secretArn)) {
        fail(secretArn, MSG_ALREADY);
        continue;
      }
      // Cross-account or cross-Region secrets cannot be read by the cluster.
      const info = m[1] === this.region && m[2] === this.accountId ? this.lookups.secret(secretArn) : undefined;
      if (!info) {
        fail(secretArn, MSG_CANNOT_ACCESS);
        continue;
      }
      const keyId = info.kmsKeyId ?? 'alias/aws/secretsmanager';
      const manager = this.lookups.keyManager(keyId, this.region, this.accountId);
      if (manager === 'AWS' || keyId === 'alias/aws/secretsmanager') {
        fail(secretArn, MSG_DEFAULT_KEY);
        continue;
      }
      if (manager === undefined) {
        fail(secretArn, MSG_CANNOT_ACCESS); // the key is gone or MSK cannot create a grant on it
        continue;
      }
      if (ctx?.authorizer && ctx.principalArn) {
        const keyArn = ctx.lookups?.keyArn?.(keyId, this.region, this.accountId) ?? keyId;
        const decision = await authorizeOnBehalf(
          ctx.authorizer,
          onBehalfKmsRequest({
            principalArn: ctx.principalArn,
            action: 'kms:CreateGrant',
            keyArn,
            service: 'kafka',
            region: this.region,
            extra: { 'kms:GrantIsForAWSResource': 'true' },
          }),
        );
        if (!decision.allowed) {
          fail(secretArn, MSG_CANNOT_ACCESS);
          continue;
        }
      }
      const attempts = this.accessAttempts.get(secretArn) ?? 0;
      if (attempts < this.accessFailures) {
        this.accessAttempts.set(secretArn, attempts + 1);
        fail(secretArn, MSG_CANNOT_ACCESS);
        continue;
      }
      const creds = parseCredentials(info.secretString);
      if (!creds) {
        fail(secretArn, MSG_FORMAT);
        continue;
      }
      if (c.broker) {
        try {
          await c.broker.upsertScramUser(creds.username, creds.password);
        } catch {
          // Real MSK records the association and syncs brokers later; locally a broker that cannot take the user
          // answers 500 (the SDK and the state machine retry it). Secrets processed before stay associated, and
          // a retried call reports them "already associated", which callers count as success.
          throw new AwsServiceError(
            'InternalServerErrorException',
            'Amazon MSK could not register the credentials with the brokers. Retry the request.',
            500,
          );
        }
      }
      c.secrets.set(secretArn, { username: creds.username });
    }
    return { clusterArn: c.arn, unprocessedScramSecrets: unprocessed };
  }

  /**
   * BatchDisassociateScramSecret (API reference, PATCH /v1/clusters/{clusterArn}/scram-secrets): same shapes as
   * associate. The SCRAM user is removed from the broker unless another associated secret carries the same
   * username. Open connections stay open (docs/facts.md).
   */
  async batchDisassociateScramSecret(
    arn: string,
    body: Record<string, unknown>,
  ): Promise<{ clusterArn: string; unprocessedScramSecrets: unknown[] }> {
    const c = this.get(arn);
    const list = secretArnList(body);
    const unprocessed: { errorCode: string; errorMessage: string; secretArn: string }[] = [];
    for (const secretArn of list) {
      const assoc = c.secrets.get(secretArn);
      if (!assoc) {
        unprocessed.push({ errorCode: 'InvalidSecretArn', errorMessage: MSG_NOT_ASSOCIATED, secretArn });
        continue;
      }
      c.secrets.delete(secretArn);
      const stillUsed = [...c.secrets.values()].some((a) => a.username === assoc.username);
      if (c.broker && !stillUsed) {
        try {
          await c.broker.deleteScramUser(assoc.username);
        } catch {
          c.secrets.set(secretArn, assoc);
          unprocessed.push({
            errorCode: 'InternalServerError',
            errorMessage: 'Amazon MSK could not remove the credentials from the brokers. Retry the request.',
            secretArn,
          });
        }
      }
    }
    return { clusterArn: c.arn, unprocessedScramSecrets: unprocessed };
  }

  /** ListScramSecrets (API reference): maxResults (default and maximum 100), nextToken → {secretArnList, nextToken}. */
  listScramSecrets(arn: string, query: URLSearchParams): { secretArnList: string[]; nextToken?: string } {
    const c = this.get(arn);
    const { page, nextToken } = this.paginate([...c.secrets.keys()], query, `scram-secrets/${c.arn}`);
    return { secretArnList: page, ...(nextToken ? { nextToken } : {}) };
  }

  // ---- helpers ----

  /** maxResults (1 to 100, default 100: ListClustersV2, ListScramSecrets) and nextToken (local/aws/pagination.ts). */
  private paginate<T>(all: T[], query: URLSearchParams, listing: string): { page: T[]; nextToken?: string } {
    const raw = query.get('maxResults');
    const size = pageSize(
      raw === null ? undefined : /^-?\d+$/.test(raw) ? Number(raw) : raw,
      { min: 1, max: 100, default: 100 },
      () => bad('maxResults must be between 1 and 100.', 'maxResults'),
    );
    const { items, next } = this.tokens.page(all, {
      listing,
      size,
      token: query.get('nextToken'),
      invalid: () => bad('The nextToken is not valid.', 'nextToken'),
    });
    return { page: items, ...(next ? { nextToken: next } : {}) };
  }

  private get(arn: string): Cluster {
    const c = this.clusters.get(arn);
    if (!c) throw notFound(arn);
    return c;
  }

  private clusterV2(c: Cluster): Record<string, unknown> {
    const common = {
      clusterArn: c.arn,
      clusterName: c.name,
      clusterType: c.type,
      creationTime: iso(c.creationTime),
      currentVersion: c.currentVersion,
      state: 'ACTIVE',
      tags: c.tags,
    };
    if (c.type === 'SERVERLESS')
      return {
        ...common,
        serverless: { vpcConfigs: c.vpcConfigs, clientAuthentication: { sasl: { iam: { enabled: true } } } },
      };
    return {
      ...common,
      provisioned: {
        brokerNodeGroupInfo: c.brokerNodeGroupInfo,
        numberOfBrokerNodes: c.numberOfBrokerNodes,
        currentBrokerSoftwareInfo: { kafkaVersion: c.kafkaVersion },
        clientAuthentication: c.clientAuthentication,
        encryptionInfo: c.encryptionInfo,
        enhancedMonitoring: 'DEFAULT',
      },
    };
  }

  private caPems(arns: readonly string[]): string[] {
    return arns.map((a) => {
      const pem = this.lookups.caCertificatePem(a);
      if (!pem)
        throw bad(`The certificate authority ${a} does not exist or is not ACTIVE.`, 'certificateAuthorityArnList');
      return pem;
    });
  }

  private async pushCas(c: Cluster, pems: string[]): Promise<void> {
    try {
      await c.broker!.setTrustedClientCas(pems);
    } catch (e) {
      throw new AwsServiceError(
        'InternalServerErrorException',
        `The brokers could not load the trusted certificate authorities: ${(e as Error).message}`,
        500,
      );
    }
  }
}

function normalizeAuth(a: Record<string, unknown>): ClientAuthentication {
  const sasl = asObject(a['sasl']);
  const tls = asObject(a['tls']);
  const list = Array.isArray(tls['certificateAuthorityArnList'])
    ? (tls['certificateAuthorityArnList'] as unknown[]).filter((x): x is string => typeof x === 'string')
    : [];
  return {
    sasl: {
      scram: { enabled: asObject(sasl['scram'])['enabled'] === true },
      iam: { enabled: asObject(sasl['iam'])['enabled'] === true },
    },
    tls: {
      certificateAuthorityArnList: list,
      enabled: tls['enabled'] === undefined ? list.length > 0 : tls['enabled'] === true,
    },
    unauthenticated: { enabled: asObject(a['unauthenticated'])['enabled'] === true },
  };
}

function secretArnList(body: Record<string, unknown>): string[] {
  const list = body['secretArnList'];
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string'))
    throw bad('secretArnList is required and must be a non-empty list of secret ARNs.', 'secretArnList');
  if (list.length > MAX_SECRETS_PER_CALL)
    throw bad(
      `The request can include at most ${MAX_SECRETS_PER_CALL} secrets. It includes ${list.length}.`,
      'secretArnList',
    );
  return [...new Set(list as string[])];
}

function parseCredentials(secretString: string | undefined): { username: string; password: string } | undefined {
  if (typeof secretString !== 'string') return undefined;
  try {
    const v = JSON.parse(secretString) as { username?: unknown; password?: unknown };
    if (typeof v.username === 'string' && v.username !== '' && typeof v.password === 'string' && v.password !== '')
      return { username: v.username, password: v.password };
  } catch {
    /* not JSON */
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function createMsk(options: MskOptions = {}): MskEmulator {
  return new MskEmulator(options);
}

/** Lookups from the sibling emulators (structural, so this module imports none of them). */
export function kmsKeyManagerFrom(kms: {
  resolveKey(id: string, region?: string, accountId?: string): { KeyManager: 'AWS' | 'CUSTOMER' };
}): MskLookups['keyManager'] {
  return (keyId, region, accountId) => {
    try {
      return kms.resolveKey(keyId, region, accountId).KeyManager;
    } catch {
      return undefined;
    }
  };
}

export function caLookupFrom(pca: {
  caCertificatePem(arn: string): string | undefined;
}): MskLookups['caCertificatePem'] {
  return (arn) => pca.caCertificatePem(arn);
}

export function secretLookupFrom(sm: {
  inspect(
    idOrArn: string,
    region?: string,
    accountId?: string,
  ): { arn: string; name: string; kmsKeyId?: string; deleted: boolean; currentValue?: string } | undefined;
}): MskLookups['secret'] {
  return (arn) => {
    const s = sm.inspect(arn);
    if (!s || s.deleted) return undefined;
    return {
      arn: s.arn,
      name: s.name,
      ...(s.kmsKeyId !== undefined ? { kmsKeyId: s.kmsKeyId } : {}),
      ...(s.currentValue !== undefined ? { secretString: s.currentValue } : {}),
    };
  };
}

/** A cluster's client authentication, as the local environment asks for it. */
export type ClusterAuth =
  { readonly scram?: boolean; readonly iam?: boolean; readonly tls?: boolean } | { readonly serverless: true };

/** The CreateClusterV2 body for a cluster of `auth` (a serverless one in one local subnet). */
export function clusterRequest(
  name: string,
  auth: ClusterAuth,
  opts: { certificateAuthorityArns?: readonly string[]; kafkaVersion?: string; subnet?: string } = {},
): Record<string, unknown> {
  const subnet = opts.subnet ?? 'subnet-local';
  if ('serverless' in auth)
    return {
      clusterName: name,
      serverless: { vpcConfigs: [{ subnetIds: [subnet] }], clientAuthentication: { sasl: { iam: { enabled: true } } } },
    };
  return {
    clusterName: name,
    provisioned: {
      kafkaVersion: opts.kafkaVersion ?? '3.9.x',
      numberOfBrokerNodes: 1,
      brokerNodeGroupInfo: { clientSubnets: [subnet], instanceType: 'kafka.m7g.large' },
      clientAuthentication: {
        sasl: { scram: { enabled: auth.scram === true }, iam: { enabled: auth.iam === true } },
        tls: {
          enabled: auth.tls === true,
          certificateAuthorityArnList: auth.tls ? [...(opts.certificateAuthorityArns ?? [])] : [],
        },
      },
    },
  };
}
