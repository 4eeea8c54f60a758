// The pipeline's Kafka admin connection: brokers from KAFKA_BROKERS or MSK (GetBootstrapBrokers for
// the admin's listener), credentials for the configured admin (IAM: a signed OAUTHBEARER token;
// SCRAM: the admin secret, read like any domain's with lib/aws/client-credentials.ts; mTLS: a
// domain's current certificate). Every failure on the way is classified (lib/kafka/errors.ts), so
// a missing secret or an unreachable broker reaches the state machine as KafkaRefused or
// KafkaTransient.
//
// IAM (KAFKA_ADMIN_AUTH=IAM, the template's default): SASL OAUTHBEARER on MSK's IAM listener (9098,
// GetBootstrapBrokers' BootstrapBrokerStringSaslIam), the token from aws-msk-iam-sasl-signer-js
// signed with the function's role credentials (Amazon MSK Developer Guide, "IAM access control").
// Deviation: the embedded default's broker cannot run MSK's IAM authentication (AWS's own, not open
// source), so locally the admin is SCRAM; test/unit/kafka/iam-admin.test.ts checks the token the
// provider yields, and test/integration/serverless/iam.test.ts the kafka-cluster:* policy it needs.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { kafkaClient, s3Client, secretsClient } from '../aws/clients.js';
import { readMtlsCredentials, readScramCredentials } from '../aws/client-credentials.js';
import { certBucket, clusterArn, kafkaAdminSettings, type KafkaAdminSettings } from '../aws/env-config.js';
import { bootstrapBrokers } from '../aws/msk.js';
import { ConfigurationError } from '../errors.js';
import { kafkaLogCreator } from '../observability.js';
import { kafkaJsConfig, type KafkaAuth } from './config.js';
import { classifyKafkaError } from './errors.js';
import { Kafka, type Admin } from './kafkajs.js';

export interface AdminConnection {
  readonly admin: Admin;
  /** Kafka requests sent since connecting. */
  readonly requests: () => number;
  readonly close: () => Promise<void>;
}

export interface AdminDeps {
  readonly s3?: S3Client;
  readonly kafka?: KafkaClient;
  readonly secrets?: SecretsManagerClient;
  readonly settings?: KafkaAdminSettings;
}

export async function adminAuth(s: KafkaAdminSettings, deps: AdminDeps = {}): Promise<KafkaAuth> {
  switch (s.auth) {
    case 'IAM':
      if (!s.region) throw new ConfigurationError('KAFKA_ADMIN_AUTH=IAM needs AWS_REGION');
      return { mechanism: 'iam', region: s.region };
    case 'SCRAM': {
      const c = await readScramCredentials(deps.secrets ?? secretsClient(), s.adminSecretArn!).catch((e: unknown) => {
        // The AWS error (AccessDenied, throttling) is classified by the caller; a malformed body is configuration.
        if (e && typeof e === 'object' && '$fault' in e) throw e;
        throw new ConfigurationError(`admin secret: ${(e as Error).message}`);
      });
      return { mechanism: 'scram', username: c.username, password: c.password };
    }
    case 'MTLS': {
      const c = await readMtlsCredentials(deps.s3 ?? s3Client(), certBucket(), s.adminCertDomain!);
      if (!c) throw new ConfigurationError(`no current certificate for admin domain ${s.adminCertDomain}`);
      return { mechanism: 'mtls', certPem: c.certPem + c.chainPem, keyPem: c.keyPem };
    }
  }
}

/** Connects the admin; a failure is already KafkaTransient, KafkaRefused or ConfigurationError. */
export async function connectAdmin(deps: AdminDeps = {}): Promise<AdminConnection> {
  try {
    const s = deps.settings ?? kafkaAdminSettings();
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
        logCreator: kafkaLogCreator,
        ...(s.caPem ? { serverCaPems: [s.caPem] } : {}),
      }),
    );
    const admin = kafka.admin();
    await admin.connect();
    return counted(admin, () => admin.disconnect());
  } catch (e) {
    throw classifyKafkaError(e, { operation: 'connecting the Kafka admin' });
  }
}

/** Wraps a connected admin so the requests it sends are counted. */
export function counted(admin: Admin, close: () => Promise<void>): AdminConnection {
  let n = 0;
  const stop = admin.on(admin.events.REQUEST, () => void n++);
  return {
    admin,
    requests: () => n,
    close: async () => {
      stop();
      await close().catch(() => undefined);
    },
  };
}

/**
 * Runs `work` on an admin from `connect` and always closes it. A failure of the work is classified
 * (lib/kafka/errors.ts) with `operation` in its message, so the state machine sees KafkaTransient or
 * KafkaRefused and never a raw kafkajs error.
 */
export async function withAdmin<T>(
  connect: () => Promise<AdminConnection>,
  operation: string,
  work: (conn: AdminConnection) => Promise<T>,
): Promise<T> {
  const conn = await connect();
  try {
    return await work(conn);
  } catch (e) {
    throw classifyKafkaError(e, { operation });
  } finally {
    await conn.close();
  }
}
