// The embedded default, in one call: a real Apache Kafka broker, the emulated AWS endpoints with
// IAM enforced, and the pipeline deployed onto them from the packaged CloudFormation template
// (`serverless package`, cached by its inputs: local/package.ts), as a CloudFormation stack create
// would deploy it (local/cloudformation/deploy.ts). `npm start` and the end-to-end tests both stand
// on this, so what the tests prove is what users run, and what passes here passes on AWS.
//
// Every caller has an identity (docs/architecture.md, "Embedded AWS"):
// - the account's own setup below (KMS key, private CA, MSK cluster, the Kafka admin's secret) and
//   the stack create run as the local administrator, like a platform engineer with admin rights;
// - each Lambda runs its packaged bundle in a sandbox of its own with its role's session
//   credentials (local/lambda/runtime.ts);
// - each state machine's integrations run as its role, each rule's targets as the rule's role.
// Every request is authorized by the emulated IAM against identity and resource policies.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMSClient, CreateKeyCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import { ACMPCAClient, CreateCertificateAuthorityCommand } from '@aws-sdk/client-acm-pca';
import { KafkaClient, CreateClusterV2Command, BatchAssociateScramSecretCommand } from '@aws-sdk/client-kafka';
import { SecretsManagerClient, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startKafka, type KafkaBroker } from './kafka/broker.js';
import { localAdminArn, startLocalAws, type LocalAws } from './aws/env.js';
import { IamAuthority } from './aws/iam/authority.js';
import type { Credentials } from './aws/iam/types.js';
import { createAcmPca, type AcmPcaEmulator, type RateLimitedOperation } from './aws/acm-pca.js';
import {
  createMsk,
  caLookupFrom,
  kmsKeyManagerFrom,
  secretLookupFrom,
  type ClusterAuth,
  type MskEmulator,
} from './aws/msk.js';
import { createStepFunctions, type StepFunctionsEmulator } from './aws/stepfunctions.js';
import type { SqsEmulator } from './aws/sqs/service.js';
import { LambdaRuntime } from './lambda/runtime.js';
import { deployStack, type DeployedStack } from './cloudformation/deploy.js';
import { packageDeployment, PACKAGE_REGION } from './package.js';
import { ENV } from '../lib/aws/env-config.js';
import type { AuthMode } from '../lib/config.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The stack's name, as serverless names it: `<service>-<stage>`. */
export const STACK_NAME = 'msk-spec-provisioner-local';
/** The stage the embedded default deploys (the serverless stage; IAM policy names carry it). */
export const LOCAL_STAGE = 'local';
const STAGE = LOCAL_STAGE;
const CLUSTER_NAME = 'data-products-local';
const ADMIN_SECRET_NAME = 'AmazonMSK_LocalAdmin';
/** The subnet the local cluster and the Kafka-facing function stand in (shaped like a real id). */
const LOCAL_SUBNET = 'subnet-0000000000000000a';
/** The local administrator (startLocalAws creates it): the account's setup, the stack create, and the CLI by default. */
export const ADMIN_ARN = localAdminArn();

export interface EnvironmentOptions {
  /** Progress lines; silent when omitted. */
  readonly log?: (line: string) => void;
  /** MSK's default is true; locally false, so a missing ACL shows. */
  readonly allowEveryoneIfNoAclFound?: boolean;
  readonly authModes?: readonly AuthMode[];
  /**
   * The MSK cluster's client authentication: a provisioned cluster with any mix of SASL/SCRAM,
   * SASL/IAM and TLS, or `{serverless: true}` (IAM only). Default: SCRAM and TLS, plus IAM when
   * `authModes` names it. The admin's SCRAM secret is associated only with a cluster that has SCRAM.
   */
  readonly clusterAuth?: ClusterAuth;
  /** Emulated PCA: GetCertificate answers RequestInProgressException for this many polls (default 1). */
  readonly pcaReadyAfterPolls?: number;
  /** Emulated PCA clock, for rotation tests. */
  readonly now?: () => number;
  /**
   * Emulated PCA request rates per second, instead of the Service Quotas defaults (IssueCertificate 25,
   * GetCertificate 75, ...: local/aws/acm-pca.ts DEFAULT_REQUEST_RATES); past them, ThrottlingException.
   */
  readonly pcaRequestRates?: Partial<Record<RateLimitedOperation, number>>;
  /** Step Functions Retry intervals and Waits in ms instead of the ASL's seconds (tests: 0). */
  readonly retryIntervalMs?: number;
  readonly waitMs?: number;
  /** IAM enforcement (default on). Off is a debugging switch only: requests are still recorded. */
  readonly enforceIam?: boolean;
  /**
   * How many times emulated MSK refuses a brand-new secret's association with InvalidSecretArn
   * before it accepts it (default 1, as MSK often does right after creation, so the pipeline's retry
   * always runs; 0 turns it off). See MskOptions.accessFailuresPerNewSecret.
   */
  readonly mskAccessFailuresPerNewSecret?: number;
  /** The template's KafkaAdminConcurrency: reserved concurrency of each Kafka admin function (default 10). */
  readonly kafkaAdminConcurrency?: number;
  /** The template's MaxConcurrentProvisions: the admission queue's bound on provision executions (default 20). */
  readonly maxConcurrentProvisions?: number;
  /**
   * Decommissioning parameters. Locally the grace period defaults to a few seconds (the template's
   * default is an hour), so `msk-spec remove --wait` returns promptly; tests make it instant with `waitMs`.
   */
  readonly decommission?: {
    readonly graceSeconds?: number;
    readonly maxRemovals?: number;
    readonly deleteTopics?: boolean;
    /** Reprovision's ORPHAN_MODE: REPORT (default) or DECOMMISSION. */
    readonly orphanMode?: 'REPORT' | 'DECOMMISSION';
  };
}

/** The embedded default's decommission grace period, in seconds. */
export const LOCAL_DECOMMISSION_GRACE_SECONDS = 5;

export interface Clients {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly secrets: SecretsManagerClient;
  readonly kafka: KafkaClient;
  readonly pca: ACMPCAClient;
  readonly events: EventBridgeClient;
  readonly kms: KMSClient;
  readonly sqs: SQSClient;
}

export interface Environment {
  readonly kafka: KafkaBroker;
  readonly aws: LocalAws;
  readonly iam: IamAuthority;
  readonly pca: AcmPcaEmulator;
  readonly msk: MskEmulator;
  readonly sfn: StepFunctionsEmulator;
  readonly lambda: LambdaRuntime;
  /**
   * Amazon SQS (the same as `aws.sqs`): `stats(queueUrlOrArn)` gives a queue's counts; the
   * template's event source mappings are `lambda.eventSourceMappings()` (each with `stats()` and
   * `drained()`).
   */
  readonly sqs: SqsEmulator;
  /** The deployed stack: every resource of the packaged template with its physical id. */
  readonly stack: DeployedStack;
  /** Clients acting as the local administrator. */
  readonly clients: Clients;
  readonly resources: {
    readonly specBucket: string;
    readonly certBucket: string;
    readonly kmsKeyArn: string;
    readonly pcaArn: string;
    readonly clusterArn: string;
    readonly adminSecretArn: string;
    /** serverless.yml state machine key (provision, rotateCertificates, reprovision, decommission) → ARN. */
    readonly stateMachines: Readonly<Record<string, string>>;
  };
  /** SDK clients acting as another principal (a team's role, an operator). */
  clientsAs(principalArn: string): Clients;
  stop(): Promise<void>;
}

export function clientsFor(aws: LocalAws, credentials: Credentials): Clients {
  const common = { region: aws.region, endpoint: aws.endpoint, credentials };
  return {
    s3: new S3Client({
      ...common,
      endpoint: aws.s3Endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    sfn: new SFNClient(common),
    secrets: new SecretsManagerClient(common),
    kafka: new KafkaClient(common),
    pca: new ACMPCAClient(common),
    events: new EventBridgeClient(common),
    kms: new KMSClient(common),
    sqs: new SQSClient(common),
  };
}

/** `ProvisionStateMachine` → `provision`, `RotateCertificatesStateMachine` → `rotateCertificates` (serverless.yml keys). */
const stateMachineKey = (logicalId: string): string =>
  logicalId.replace(/StateMachine$/, '').replace(/^./, (c) => c.toLowerCase());

export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const log = options.log ?? (() => undefined);
  const started: { stop(): Promise<void> }[] = [];
  try {
    log(
      'starting the Kafka broker (Apache Kafka, KRaft, SASL_SSL/SCRAM and mTLS listeners), the emulated AWS endpoints (IAM enforced) and the package',
    );
    // Enforcement is always on; MSK_LOCAL_IAM=off is a debugging switch (requests are still recorded).
    const iam = new IamAuthority({ enforcing: options.enforceIam ?? process.env.MSK_LOCAL_IAM !== 'off' });
    const [kafka, aws, pkg] = await Promise.all([
      startKafka({ allowEveryoneIfNoAclFound: options.allowEveryoneIfNoAclFound ?? false, log }).then((k) => {
        started.push(k);
        return k;
      }),
      startLocalAws({ iam }).then((a) => {
        started.push(a);
        return a;
      }),
      packageDeployment({ root: REPO_ROOT, stage: STAGE }),
    ]);
    log(`package ${pkg.cached ? 'from the cache' : 'built'} in ${pkg.ms} ms`);

    const pca = createAcmPca({
      readyAfterPolls: options.pcaReadyAfterPolls ?? 1,
      ...(options.now ? { now: options.now } : {}),
      ...(options.pcaRequestRates ? { requestRates: options.pcaRequestRates } : {}),
      // The rates count on the fault injector's clock: a Retry wait a test skips (retryIntervalMs 0) still passes.
      rateClock: () => aws.faults.now(),
    });
    const msk = createMsk({
      broker: kafka,
      secret: secretLookupFrom(aws.secrets),
      keyManager: kmsKeyManagerFrom(aws.kms),
      caCertificatePem: caLookupFrom(pca),
      ...(options.mskAccessFailuresPerNewSecret !== undefined
        ? { accessFailuresPerNewSecret: options.mskAccessFailuresPerNewSecret }
        : {}),
    });
    const sfn = createStepFunctions({
      // Lambda faults ({service: 'lambda', operation: <function name>}) surface as Lambda.<Code>.
      faults: aws.faults,
      authorizer: iam,
      // The integrations reach the emulated services; which service answers is the gateway's business.
      endpointFor: (service) => (service === 's3' ? aws.s3Endpoint : aws.endpoint),
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
    });
    aws.gateway.registerService(pca);
    aws.gateway.registerService(msk);
    aws.gateway.registerService(sfn);
    sfn.attachToEventBridge(aws.events);
    started.push({ stop: async () => (await sfn.close(), msk.close()) });

    const clientsAs = (principalArn: string) => clientsFor(aws, iam.credentialsFor(principalArn));
    const clients = clientsAs(ADMIN_ARN);
    log('creating the KMS key, the private CA and the MSK cluster (the account the stack deploys into)');
    const key = await clients.kms.send(
      new CreateKeyCommand({ Description: 'msk-spec-provisioner: SCRAM secrets and certificate objects' }),
    );
    const kmsKeyArn = key.KeyMetadata!.Arn!;
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/msk-spec-provisioner', TargetKeyId: kmsKeyArn }));
    const { CertificateAuthorityArn: pcaArn } = await clients.pca.send(
      new CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'EC_prime256v1',
          SigningAlgorithm: 'SHA256WITHECDSA',
          Subject: { CommonName: 'msk-spec-provisioner local client CA', Organization: 'msk-spec-provisioner' },
        },
      }),
    );
    // The cluster trusts the PCA (ClientAuthentication.Tls.CertificateAuthorityArnList): the MSK
    // emulator hands its CA certificate to the broker's mTLS listener.
    const auth: ClusterAuth = options.clusterAuth ?? {
      scram: true,
      tls: true,
      ...((options.authModes as readonly string[] | undefined)?.includes('IAM') ? { iam: true } : {}),
    };
    const { ClusterArn: clusterArn } = await clients.kafka.send(
      new CreateClusterV2Command({
        ClusterName: CLUSTER_NAME,
        ...('serverless' in auth
          ? {
              Serverless: {
                VpcConfigs: [{ SubnetIds: [LOCAL_SUBNET] }],
                ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
              },
            }
          : {
              Provisioned: {
                KafkaVersion: '4.1.x',
                NumberOfBrokerNodes: 1,
                BrokerNodeGroupInfo: { ClientSubnets: [LOCAL_SUBNET], InstanceType: 'kafka.m7g.large' },
                ClientAuthentication: {
                  Sasl: { Scram: { Enabled: auth.scram === true }, Iam: { Enabled: auth.iam === true } },
                  Tls: auth.tls
                    ? { CertificateAuthorityArnList: [pcaArn!], Enabled: true }
                    : { CertificateAuthorityArnList: [], Enabled: false },
                },
              },
            }),
      }),
    );
    const scramCluster = !('serverless' in auth) && auth.scram === true;

    // The admin used by ApplyTopicsAndAcls is a SCRAM user with explicit ACLs (MSK has no
    // super.users). Its password lives only in Secrets Manager, like every other credential.
    const adminSecret = await clients.secrets.send(
      new CreateSecretCommand({
        Name: ADMIN_SECRET_NAME,
        KmsKeyId: kmsKeyArn,
        SecretString: JSON.stringify({ username: kafka.admin.username, password: kafka.admin.password }),
      }),
    );
    // A new secret's association can be refused with InvalidSecretArn at first (docs/facts.md,
    // "BatchAssociateScramSecret"; the emulator does it once by default): retry until it is in.
    for (let attempt = 1; scramCluster; attempt++) {
      const out = await clients.kafka.send(
        new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [adminSecret.ARN!] }),
      );
      const refused = out.UnprocessedScramSecrets ?? [];
      if (refused.length === 0) break;
      if (attempt >= 10) throw new Error(`MSK refused the admin secret: ${refused[0]?.ErrorMessage ?? 'unknown'}`);
    }

    // What Lambda adds on a loopback deployment, beside what the template gives each function: the
    // endpoints, and the local broker's CA (on MSK brokers present Amazon-issued certificates that
    // the default trust store accepts). No credentials: each function gets its role's.
    const endpoints = Object.fromEntries(
      Object.entries(aws.env).filter(([k]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(k)),
    );
    const lambda = new LambdaRuntime({
      region: aws.region,
      credentialsFor: (roleArn) => iam.credentialsFor(roleArn),
      // `lambda-crash` faults: a function dies after its handler ran, before it answers.
      faults: aws.faults,
      // SQS event source mappings poll the emulated queues as the function's role.
      sqs: aws.sqs,
      log,
      localEnvironment: {
        ...endpoints,
        [ENV.KAFKA_CA_PEM]: kafka.serverCaPem,
        // A single broker: one replica; small topics.
        [ENV.DEFAULT_PARTITIONS]: '1',
        [ENV.DEFAULT_REPLICAS]: '1',
        [ENV.S3_FORCE_PATH_STYLE]: 'true',
        // The sandboxes run on this machine's Node, which may be older than the function's runtime.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
        POWERTOOLS_METRICS_DISABLED: 'true',
        // No X-Ray daemon here; Active tracing would look for one.
        POWERTOOLS_TRACE_ENABLED: 'false',
      },
    });
    started.push({ stop: () => lambda.close() });

    log('deploying the packaged template (roles, buckets and their policies, functions, state machines, rules)');
    const stack = await deployStack(
      pkg.template,
      {
        stackName: STACK_NAME,
        region: PACKAGE_REGION,
        accountId: aws.accountId,
        // Queue URLs (Ref of a queue) point at the gateway: the SDK sends to a queue URL's host.
        endpoints: { sqs: aws.endpoint },
        parameters: {
          ClusterArn: clusterArn!,
          PcaArn: pcaArn!,
          KmsKeyArn: kmsKeyArn,
          // In the order the template's AllowedValues list them (IAM last).
          AuthModes: (['SCRAM', 'MTLS', 'IAM'] as const)
            .filter((m) => (options.authModes ?? ['SCRAM', 'MTLS']).includes(m))
            .join(','),
          KafkaAdminAuth: 'SCRAM',
          KafkaAdminSecretArn: adminSecret.ARN!,
          // The production shape: ApplyTopicsAndAcls in the cluster's subnets (the template's Rules
          // refuse a deployment without them). The sandboxes reach the loopback broker directly.
          KafkaSubnetIds: LOCAL_SUBNET,
          KafkaSecurityGroupIds: 'sg-0000000000000000a',
          DecommissionGraceSeconds: String(options.decommission?.graceSeconds ?? LOCAL_DECOMMISSION_GRACE_SECONDS),
          ...(options.decommission?.maxRemovals !== undefined
            ? { DecommissionMaxRemovals: String(options.decommission.maxRemovals) }
            : {}),
          ...(options.decommission?.deleteTopics ? { DecommissionDeleteTopics: 'true' } : {}),
          ...(options.decommission?.orphanMode ? { OrphanMode: options.decommission.orphanMode } : {}),
          ...(options.kafkaAdminConcurrency !== undefined
            ? { KafkaAdminConcurrency: String(options.kafkaAdminConcurrency) }
            : {}),
          ...(options.maxConcurrentProvisions !== undefined
            ? { MaxConcurrentProvisions: String(options.maxConcurrentProvisions) }
            : {}),
        },
      },
      {
        s3: clients.s3,
        sfn: clients.sfn,
        events: clients.events,
        sqs: clients.sqs,
        // The IAM API's state: the stack's roles and managed policies are the entities it serves.
        iam: aws.iamService!,
        lambda,
        registerLambda: (name, invoke) => sfn.registerLambda(name, invoke),
        packageDir: pkg.dir,
      },
    );
    const stateMachines = Object.fromEntries(
      stack.resources
        .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
        .map((r) => [stateMachineKey(r.logicalId), r.ref]),
    );

    return {
      kafka,
      aws,
      iam,
      pca,
      msk,
      sfn,
      lambda,
      sqs: aws.sqs,
      stack,
      clients,
      clientsAs,
      resources: {
        specBucket: stack.get('SpecBucket').ref,
        certBucket: stack.get('CertificateBucket').ref,
        kmsKeyArn,
        pcaArn: pcaArn!,
        clusterArn: clusterArn!,
        adminSecretArn: adminSecret.ARN!,
        stateMachines,
      },
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

async function stopAll(started: { stop(): Promise<void> }[]): Promise<void> {
  for (const s of started.splice(0).reverse()) await s.stop().catch(() => undefined);
}
