// The Kafka admin connection of the decommission and orphan Lambdas, configured like
// ApplyTopicsAndAcls' (KAFKA_ADMIN_AUTH: IAM, SCRAM with KAFKA_ADMIN_SECRET_ARN, or mTLS with
// KAFKA_ADMIN_CERT_DOMAIN's current certificate; KAFKA_BROKERS or GetBootstrapBrokers). The
// password and key go from Secrets Manager or S3 into the client and nowhere else.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError, KafkaRefused, KafkaTransient, ProvisioningError } from '../errors.js';
import { Kafka, kafkaJsConfig, type Admin, type KafkaAuth } from '../kafka/index.js';
import type { KafkaConfig } from '../kafka/kafkajs.js';
import { readCurrent } from './cert-store.js';
import { kafkaClient, s3Client, secretsClient } from './clients.js';
import { certBucket, clusterArn, kafkaAdminSettings, type KafkaAdminSettings } from './env-config.js';
import { bootstrapBrokers } from './msk.js';

export interface AdminDeps {
  readonly s3?: S3Client;
  readonly kafka?: KafkaClient;
  readonly secrets?: SecretsManagerClient;
  readonly logCreator?: KafkaConfig['logCreator'];
}

export interface AdminConnection {
  readonly admin: Admin;
  close(): Promise<void>;
}

async function adminAuth(s: KafkaAdminSettings, deps: AdminDeps): Promise<KafkaAuth> {
  if (s.auth === 'IAM') {
    if (!s.region) throw new ConfigurationError('KAFKA_ADMIN_AUTH=IAM needs AWS_REGION');
    return { mechanism: 'iam', region: s.region };
  }
  if (s.auth === 'SCRAM') {
    const out = await (deps.secrets ?? secretsClient()).send(
      new GetSecretValueCommand({ SecretId: s.adminSecretArn! }),
    );
    let body: { username?: unknown; password?: unknown } = {};
    try {
      body = JSON.parse(out.SecretString ?? '{}') as typeof body;
    } catch {
      // no value echoed
    }
    if (typeof body.username !== 'string' || typeof body.password !== 'string')
      throw new ConfigurationError(`admin secret ${s.adminSecretArn} is not a JSON {username, password}`);
    return { mechanism: 'scram', username: body.username, password: body.password };
  }
  const s3 = deps.s3 ?? s3Client();
  const bucket = certBucket();
  const current = await readCurrent(s3, bucket, s.adminCertDomain!);
  if (!current) throw new ConfigurationError(`no current certificate for admin domain ${s.adminCertDomain}`);
  const text = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8');
  return {
    mechanism: 'mtls',
    certPem: (await text(current.keys.cert)) + (await text(current.keys.chain)),
    keyPem: await text(current.keys.key),
  };
}

export async function connectAdmin(deps: AdminDeps = {}): Promise<AdminConnection> {
  try {
    const s = kafkaAdminSettings();
    const brokers =
      s.brokers ??
      (await bootstrapBrokers(
        deps.kafka ?? kafkaClient(),
        s.clusterArn ?? clusterArn(),
        s.auth === 'MTLS' ? 'TLS' : s.auth,
      ));
    const kafka = new Kafka(
      kafkaJsConfig({
        brokers,
        auth: await adminAuth(s, deps),
        clientId: 'msk-spec-provisioner-admin',
        ...(deps.logCreator ? { logCreator: deps.logCreator } : {}),
        ...(s.caPem ? { serverCaPems: [s.caPem] } : {}),
      }),
    );
    const admin = kafka.admin();
    await admin.connect();
    return { admin, close: () => admin.disconnect() };
  } catch (e) {
    throw kafkaFailure(e);
  }
}

/** kafkajs and SDK errors → KafkaTransient (the state machine retries) or KafkaRefused (terminal). */
export function kafkaFailure(err: unknown): Error {
  if (err instanceof ProvisioningError) return err;
  const e = err as { name?: string; message?: string; retriable?: boolean; type?: string; $fault?: string };
  const what = `${e.name ?? 'Error'}${e.type ? ` ${e.type}` : ''}: ${e.message ?? String(err)}`;
  if (e.$fault !== undefined)
    return e.$fault === 'server' || /Throttl|TooManyRequests|ServiceUnavailable/.test(e.name ?? '')
      ? new KafkaTransient(what)
      : new KafkaRefused(what);
  if (/AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED|INVALID_/.test(e.type ?? '')) return new KafkaRefused(what);
  if (
    e.retriable === true ||
    /KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded|BrokerNotFound|ConnectionClosed|LockTimeout)Error/.test(
      e.name ?? '',
    ) ||
    /ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN/.test(e.message ?? '')
  )
    return new KafkaTransient(what);
  return new KafkaRefused(what);
}
