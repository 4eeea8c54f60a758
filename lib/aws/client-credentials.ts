// A domain's client credentials, read from where the pipeline stored them: the SCRAM password from
// its AmazonMSK_ secret (AWSCURRENT, the only stage MSK reads), the certificate and private key
// from the certificate bucket through current.json. For tools that connect AS a domain (the
// `client-config` command, the embedded default's access probes); never for logs or payloads.
import type { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getText, readCurrent } from './cert-store.js';
import type { CurrentCertificate } from '../cert/policy.js';

export interface ScramCredentials {
  readonly username: string;
  readonly password: string;
  readonly secretArn: string;
}

export interface MtlsCredentials {
  readonly certPem: string;
  readonly chainPem: string;
  readonly keyPem: string;
  readonly current: CurrentCertificate;
}

export async function readScramCredentials(client: SecretsManagerClient, secretId: string): Promise<ScramCredentials> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  let body: { username?: unknown; password?: unknown };
  try {
    body = JSON.parse(out.SecretString ?? '') as typeof body;
  } catch {
    // Never echo the value: it is the password.
    throw new Error(`secret ${out.ARN ?? secretId} does not hold the JSON {"username","password"} MSK expects`);
  }
  if (typeof body.username !== 'string' || typeof body.password !== 'string') {
    throw new Error(`secret ${out.ARN ?? secretId} lacks a string username or password`);
  }
  return { username: body.username, password: body.password, secretArn: out.ARN ?? secretId };
}

/** The domain's current certificate with its key; undefined before the first one was collected. */
export async function readMtlsCredentials(
  s3: S3Client,
  bucket: string,
  domain: string,
): Promise<MtlsCredentials | undefined> {
  const current = await readCurrent(s3, bucket, domain);
  if (!current) return undefined;
  const [certPem, chainPem, keyPem] = await Promise.all(
    [current.keys.cert, current.keys.chain, current.keys.key].map((key) => getText(s3, bucket, key)),
  );
  if (certPem === undefined || keyPem === undefined) {
    throw new Error(
      `certificates for ${domain}: current.json names serial ${current.serial}, but its files are missing`,
    );
  }
  return { certPem, chainPem: chainPem ?? '', keyPem, current };
}
