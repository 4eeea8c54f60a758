// The embedded default, in one call: a real Apache Kafka broker, the emulated AWS endpoints, and
// the pipeline deployed onto them from serverless.yml and state-machines/ (local/deploy.ts).
// `npm start` and the end-to-end tests both stand on this, so what the tests prove is what users run.
//
// Everything goes through the real SDK v3 clients: the KMS key, the PCA, the MSK cluster (which
// trusts the PCA, so its CA reaches the broker's mTLS trust store), the admin's SCRAM secret, the
// state machines and their rules. The Lambdas run in-process, registered by function key.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMSClient, CreateKeyCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import { ACMPCAClient, CreateCertificateAuthorityCommand } from '@aws-sdk/client-acm-pca';
import { KafkaClient, CreateClusterV2Command, BatchAssociateScramSecretCommand } from '@aws-sdk/client-kafka';
import { SecretsManagerClient, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { startKafka, type KafkaBroker } from './kafka/broker.js';
import { startLocalAws, type LocalAws } from './aws/env.js';
import { createAcmPca, type AcmPcaEmulator } from './aws/acm-pca.js';
import { createMsk, caLookupFrom, kmsKeyManagerFrom, secretLookupFrom, type MskEmulator } from './aws/msk.js';
import { createStepFunctions, type StepFunctionsEmulator } from './aws/stepfunctions.js';
import { deployStateMachines } from './deploy.js';
import { FUNCTION_KEYS, localLambda } from '../functions/registry.js';
import { ENV } from '../lib/aws/env-config.js';
import type { AuthMode } from '../lib/config.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const SPEC_BUCKET = 'msk-spec-local-specs';
export const CERT_BUCKET = 'msk-spec-local-certificates';
const CLUSTER_NAME = 'data-products-local';
const ADMIN_SECRET_NAME = 'AmazonMSK_LocalAdmin';

export interface EnvironmentOptions {
  /** Progress lines; silent when omitted. */
  readonly log?: (line: string) => void;
  /** MSK's default is true; locally false, so a missing ACL shows. */
  readonly allowEveryoneIfNoAclFound?: boolean;
  readonly authModes?: readonly AuthMode[];
  /** Emulated PCA: GetCertificate answers RequestInProgressException for this many polls (default 1). */
  readonly pcaReadyAfterPolls?: number;
  /** Emulated PCA clock, for rotation tests. */
  readonly now?: () => number;
  /** Step Functions Retry intervals and Waits in ms instead of the ASL's seconds (tests: 0). */
  readonly retryIntervalMs?: number;
  readonly waitMs?: number;
}

export interface Clients {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly secrets: SecretsManagerClient;
  readonly kafka: KafkaClient;
  readonly pca: ACMPCAClient;
  readonly events: EventBridgeClient;
  readonly kms: KMSClient;
}

export interface Environment {
  readonly kafka: KafkaBroker;
  readonly aws: LocalAws;
  readonly pca: AcmPcaEmulator;
  readonly msk: MskEmulator;
  readonly sfn: StepFunctionsEmulator;
  readonly clients: Clients;
  readonly resources: {
    readonly specBucket: string;
    readonly certBucket: string;
    readonly kmsKeyArn: string;
    readonly pcaArn: string;
    readonly clusterArn: string;
    readonly adminSecretArn: string;
    /** serverless.yml state machine key (provision, rotateCertificates, reprovision) → ARN. */
    readonly stateMachines: Readonly<Record<string, string>>;
  };
  /** The Lambda environment the in-process handlers run with (no secret values: ARNs and names). */
  readonly lambdaEnv: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

function clientsFor(aws: LocalAws): Clients {
  const common = {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
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
  };
}

export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment> {
  const log = options.log ?? (() => undefined);
  const started: { stop(): Promise<void> }[] = [];
  try {
    log(
      'starting the Kafka broker (Apache Kafka, KRaft, SASL_SSL/SCRAM and mTLS listeners) and the emulated AWS endpoints',
    );
    const [kafka, aws] = await Promise.all([
      startKafka({ allowEveryoneIfNoAclFound: options.allowEveryoneIfNoAclFound ?? false, log }).then((k) => {
        started.push(k);
        return k;
      }),
      startLocalAws({
        buckets: [
          { name: SPEC_BUCKET, versioning: true, eventBridge: true },
          { name: CERT_BUCKET, versioning: true },
        ],
      }).then((a) => {
        started.push(a);
        return a;
      }),
    ]);

    const pca = createAcmPca({
      readyAfterPolls: options.pcaReadyAfterPolls ?? 1,
      ...(options.now ? { now: options.now } : {}),
    });
    const msk = createMsk({
      broker: kafka,
      secret: secretLookupFrom(aws.secrets),
      keyManager: kmsKeyManagerFrom(aws.kms),
      caCertificatePem: caLookupFrom(pca),
    });
    const sfn = createStepFunctions({
      // Lambda faults ({service: 'lambda', operation: <function key>}) surface as Lambda.<Code>.
      faults: aws.faults,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
      ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
    });
    aws.gateway.registerService(pca);
    aws.gateway.registerService(msk);
    aws.gateway.registerService(sfn);
    sfn.attachToEventBridge(aws.events);
    for (const key of FUNCTION_KEYS) sfn.registerLambda(key, localLambda(key));
    started.push({ stop: async () => (await sfn.close(), msk.close()) });

    const clients = clientsFor(aws);
    log('creating the KMS key, the private CA, the MSK cluster and the state machines');
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
    const { ClusterArn: clusterArn } = await clients.kafka.send(
      new CreateClusterV2Command({
        ClusterName: CLUSTER_NAME,
        Provisioned: {
          KafkaVersion: '4.1.x',
          NumberOfBrokerNodes: 1,
          BrokerNodeGroupInfo: { ClientSubnets: ['subnet-local'], InstanceType: 'kafka.m7g.large' },
          ClientAuthentication: {
            Sasl: { Scram: { Enabled: true } },
            Tls: { CertificateAuthorityArnList: [pcaArn!], Enabled: true },
          },
        },
      }),
    );

    // The admin used by ApplyTopicsAndAcls is a SCRAM user with explicit ACLs (MSK has no
    // super.users). Its password lives only in Secrets Manager, like every other credential.
    const adminSecret = await clients.secrets.send(
      new CreateSecretCommand({
        Name: ADMIN_SECRET_NAME,
        KmsKeyId: kmsKeyArn,
        SecretString: JSON.stringify({ username: kafka.admin.username, password: kafka.admin.password }),
      }),
    );
    await clients.kafka.send(
      new BatchAssociateScramSecretCommand({ ClusterArn: clusterArn, SecretArnList: [adminSecret.ARN!] }),
    );

    const deployed = await deployStateMachines({
      root: REPO_ROOT,
      region: aws.region,
      accountId: aws.accountId,
      resources: { SpecBucket: SPEC_BUCKET, CertificateBucket: CERT_BUCKET },
      sfn: clients.sfn,
      events: clients.events,
    });

    const lambdaEnv: Record<string, string> = {
      ...aws.env,
      [ENV.SPEC_BUCKET]: SPEC_BUCKET,
      [ENV.CERT_BUCKET]: CERT_BUCKET,
      [ENV.KMS_KEY_ARN]: kmsKeyArn,
      [ENV.CLUSTER_ARN]: clusterArn!,
      [ENV.PCA_ARN]: pcaArn!,
      [ENV.AUTH_MODES]: (options.authModes ?? ['SCRAM', 'MTLS']).join(','),
      [ENV.KAFKA_ADMIN_AUTH]: 'SCRAM',
      [ENV.KAFKA_ADMIN_SECRET_ARN]: adminSecret.ARN!,
      // The local broker's server certificate comes from its own CA, not a public one (on MSK it is Amazon's).
      [ENV.KAFKA_CA_PEM]: kafka.serverCaPem,
      // A single broker: one replica; small topics.
      [ENV.DEFAULT_PARTITIONS]: '1',
      [ENV.DEFAULT_REPLICAS]: '1',
      [ENV.S3_FORCE_PATH_STYLE]: 'true',
      POWERTOOLS_SERVICE_NAME: 'msk-spec-provisioner',
      POWERTOOLS_METRICS_NAMESPACE: 'MskSpecProvisioner',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    };
    // The handlers run in this process: they read the Lambda environment from process.env.
    const previousEnv = Object.fromEntries(Object.keys(lambdaEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, lambdaEnv);
    started.push({
      stop: async () => {
        for (const [k, v] of Object.entries(previousEnv)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      },
    });

    return {
      kafka,
      aws,
      pca,
      msk,
      sfn,
      clients,
      resources: {
        specBucket: SPEC_BUCKET,
        certBucket: CERT_BUCKET,
        kmsKeyArn,
        pcaArn: pcaArn!,
        clusterArn: clusterArn!,
        adminSecretArn: adminSecret.ARN!,
        stateMachines: deployed.arns,
      },
      lambdaEnv,
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
