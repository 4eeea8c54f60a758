// Jest helper: emulated AWS per test file, with SDK v3 clients pointed at it.
//
//   const aws = useLocalAws({ buckets: ['specs'] });
//   test('...', async () => { await aws.clients.secrets.send(...); aws.local.faults.add(...) });
//
// Clients are configured explicitly (endpoint, region, fake credentials, S3 path style and
// WHEN_REQUIRED checksums), so test files do not depend on process.env.
import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { startLocalAws, type LocalAws, type LocalAwsOptions } from '../../local/aws/env.js';

export interface ClientOptions {
  /** SDK maxAttempts (default 1: tests see errors at once; raise it to observe retries). */
  readonly maxAttempts?: number;
  readonly region?: string;
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly secrets: SecretsManagerClient;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly kafka: KafkaClient;
  readonly pca: ACMPCAClient;
}

export interface LocalAwsHandle {
  /** The running emulators (valid inside tests and hooks after beforeAll). */
  readonly local: LocalAws;
  /** Clients with maxAttempts 1, created on first use. */
  readonly clients: AwsClients;
  /** Fresh clients with other options. */
  makeClients(opts?: ClientOptions): AwsClients;
  /**
   * Puts `local.env` (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_REGION, fake credentials) into
   * process.env, for code under test that builds its own SDK clients; returns a function that
   * restores the previous values.
   */
  applyEnv(): () => void;
}

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export function clientsFor(local: LocalAws, opts: ClientOptions = {}): AwsClients {
  const base = {
    region: opts.region ?? local.region,
    credentials: TEST_CREDENTIALS,
    maxAttempts: opts.maxAttempts ?? 1,
  };
  const gw = { ...base, endpoint: local.endpoint };
  return {
    s3: new S3Client({
      ...base,
      endpoint: local.s3Endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    kms: new KMSClient(gw),
    secrets: new SecretsManagerClient(gw),
    events: new EventBridgeClient(gw),
    sfn: new SFNClient(gw),
    kafka: new KafkaClient(gw),
    pca: new ACMPCAClient(gw),
  };
}

/**
 * Starts the emulators in beforeAll and stops them in afterAll; clears injected faults after each
 * test. `setup` runs after start (register extra services there).
 */
export function useLocalAws(
  opts: LocalAwsOptions & { setup?: (local: LocalAws) => void | Promise<void> } = {},
): LocalAwsHandle {
  let local: LocalAws | undefined;
  let clients: AwsClients | undefined;
  const made: AwsClients[] = [];
  const { setup, ...startOpts } = opts;
  beforeAll(async () => {
    local = await startLocalAws(startOpts);
    if (setup) await setup(local);
  });
  afterEach(() => local?.faults.clear());
  afterAll(async () => {
    for (const c of made) for (const client of Object.values(c)) (client as { destroy(): void }).destroy();
    await local?.stop();
  });
  const need = (): LocalAws => {
    if (!local) throw new Error('useLocalAws: emulators are not started yet (use them inside tests or hooks)');
    return local;
  };
  const handle: LocalAwsHandle = {
    get local() {
      return need();
    },
    get clients() {
      if (!clients) {
        clients = clientsFor(need());
        made.push(clients);
      }
      return clients;
    },
    makeClients(o?: ClientOptions) {
      const c = clientsFor(need(), o);
      made.push(c);
      return c;
    },
    applyEnv() {
      const env = need().env;
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      return () => {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      };
    },
  };
  return handle;
}
