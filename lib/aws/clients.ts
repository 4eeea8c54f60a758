// SDK v3 clients, one per container (reused across warm invocations). Endpoints come from the SDK's
// own AWS_ENDPOINT_URL[_<SERVICE>] handling, which is how the embedded default reaches emulated AWS.
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { s3ForcePathStyle } from './env-config.js';

const cache = new Map<string, unknown>();
function once<T>(name: string, make: () => T): T {
  if (!cache.has(name)) cache.set(name, make());
  return cache.get(name) as T;
}

export const s3Client = (): S3Client =>
  once('s3', () => new S3Client({ forcePathStyle: s3ForcePathStyle(), requestChecksumCalculation: 'WHEN_REQUIRED' }));
export const secretsClient = (): SecretsManagerClient => once('sm', () => new SecretsManagerClient({}));
export const kafkaClient = (): KafkaClient => once('kafka', () => new KafkaClient({}));
export const pcaClient = (): ACMPCAClient => once('pca', () => new ACMPCAClient({}));

/** Tests reset the cache between cases that change the environment. */
export function resetClients(): void {
  cache.clear();
}
