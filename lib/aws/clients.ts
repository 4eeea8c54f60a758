// SDK v3 clients, one per container (reused across warm invocations), made with the settings of
// lib/aws/client-settings.ts. Endpoints come from the SDK's own AWS_ENDPOINT_URL[_<SERVICE>]
// handling, which is how the embedded default reaches emulated AWS.
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { IAMClient } from '@aws-sdk/client-iam';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientSettings, s3ClientSettings } from './client-settings.js';

const cache = new Map<string, unknown>();
function once<T>(name: string, make: () => T): T {
  if (!cache.has(name)) cache.set(name, make());
  return cache.get(name) as T;
}

export const s3Client = (): S3Client => once('s3', () => new S3Client(s3ClientSettings()));
export const secretsClient = (): SecretsManagerClient =>
  once('sm', () => new SecretsManagerClient(clientSettings('SECRETS_MANAGER')));
export const kafkaClient = (): KafkaClient => once('kafka', () => new KafkaClient(clientSettings('KAFKA')));
export const iamClient = (): IAMClient => once('iam', () => new IAMClient(clientSettings('IAM')));
export const sfnClient = (): SFNClient => once('sfn', () => new SFNClient(clientSettings('SFN')));
export const sqsClient = (): SQSClient => once('sqs', () => new SQSClient(clientSettings('SQS')));
export const pcaClient = (): ACMPCAClient => once('pca', () => new ACMPCAClient(clientSettings('ACM_PCA')));

/** Tests reset the cache between cases that change the environment. */
export function resetClients(): void {
  cache.clear();
}
