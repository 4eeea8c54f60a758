// kafkajs client settings for the three ways a client reaches MSK: SCRAM (9096), mTLS (9094) and
// IAM (9098). No secret is logged; the returned object holds the credentials, so never print it.
import type { KafkaConfig } from './kafkajs.js';
import { logLevel } from './kafkajs.js';

export type KafkaAuth =
  | { readonly mechanism: 'scram'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'mtls'; readonly certPem: string; readonly keyPem: string }
  | {
      readonly mechanism: 'iam';
      readonly region: string;
      readonly awsProfileName?: string;
      readonly awsRoleArn?: string;
    };

export interface KafkaJsConfigOptions {
  readonly brokers: readonly string[];
  readonly auth: KafkaAuth;
  readonly clientId?: string;
  /**
   * CAs that signed the BROKER certificates. Leave unset for MSK: its brokers present
   * Amazon-issued certificates, and `ca` replaces Node's default trust store (docs/facts.md#kafkajs). Set it
   * for the local broker (`broker.serverCaPem`).
   */
  readonly serverCaPems?: readonly string[];
  readonly logLevel?: number;
  /** Where kafkajs logs go (kafkajs `logCreator`); its console logger when omitted. */
  readonly logCreator?: KafkaConfig['logCreator'];
}

export function kafkaJsConfig(opts: KafkaJsConfigOptions): KafkaConfig {
  const ca = opts.serverCaPems && opts.serverCaPems.length > 0 ? { ca: [...opts.serverCaPems] } : {};
  const base = {
    clientId: opts.clientId ?? 'msk-spec-provisioner',
    brokers: [...opts.brokers],
    logLevel: opts.logLevel ?? logLevel.WARN,
    ...(opts.logCreator ? { logCreator: opts.logCreator } : {}),
  };
  const auth = opts.auth;
  switch (auth.mechanism) {
    case 'scram':
      return {
        ...base,
        ssl: { ...ca },
        sasl: { mechanism: 'scram-sha-512', username: auth.username, password: auth.password },
      };
    case 'mtls':
      return { ...base, ssl: { ...ca, cert: auth.certPem, key: auth.keyPem } };
    case 'iam':
      return {
        ...base,
        ssl: { ...ca },
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            // Loaded on first use: the signer pulls in the AWS SDK's credential chain.
            const signer =
              (await import('aws-msk-iam-sasl-signer-js')) as unknown as typeof import('aws-msk-iam-sasl-signer-js') & {
                default?: typeof import('aws-msk-iam-sasl-signer-js');
              };
            const gen = signer.generateAuthToken ?? signer.default?.generateAuthToken;
            const { token } = await gen({
              region: auth.region,
              ...(auth.awsProfileName ? { awsProfileName: auth.awsProfileName } : {}),
              ...(auth.awsRoleArn ? { awsRoleArn: auth.awsRoleArn } : {}),
            });
            return { value: token };
          },
        },
      };
  }
}
