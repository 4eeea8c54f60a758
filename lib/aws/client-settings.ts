// The settings every SDK v3 client of this project is made with, in one place: the Lambdas'
// clients (lib/aws/clients.ts) and the CLI's (cli/options.ts, which loads each SDK package only
// when a command first calls that service). No SDK import here, so the CLI can read it at start.
//
// With the process's own environment the SDK finds region, endpoint (AWS_ENDPOINT_URL[_<SERVICE>])
// and credentials by itself, so nothing is passed. An injected environment (the CLI run in-process
// by tests, with its own AWS_* variables) has to be passed explicitly.

import { S3_FORCE_PATH_STYLE_ENV } from '../config.js';

type Env = Readonly<Record<string, string | undefined>>;

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

export interface ClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** `service` as in AWS_ENDPOINT_URL_<service>: S3, SFN, SQS, SECRETS_MANAGER, KAFKA, ACM_PCA, IAM. */
export function clientSettings(service: string, env: Env = process.env, region?: string): ClientSettings {
  const r =
    region ?? (env === process.env ? undefined : (nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION'])));
  if (env === process.env) return r ? { region: r } : {};
  const endpoint = nonEmpty(env[`AWS_ENDPOINT_URL_${service}`]) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  const accessKeyId = nonEmpty(env['AWS_ACCESS_KEY_ID']);
  const secretAccessKey = nonEmpty(env['AWS_SECRET_ACCESS_KEY']);
  const sessionToken = nonEmpty(env['AWS_SESSION_TOKEN']);
  return {
    ...(r ? { region: r } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  };
}

/**
 * S3 on top: path-style addressing when AWS_S3_FORCE_PATH_STYLE (lib/config.ts, the one name for
 * the Lambdas and the CLI) is `true`, as the embedded default's loopback S3 needs; and
 * checksums only where an operation requires one. The CLI also validates response checksums only
 * where required (`validateResponses: false`).
 */
export function s3ClientSettings(env: Env = process.env, region?: string, { validateResponses = true } = {}) {
  return {
    ...clientSettings('S3', env, region),
    forcePathStyle: env[S3_FORCE_PATH_STYLE_ENV] === 'true',
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    ...(validateResponses ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' as const }),
  };
}
