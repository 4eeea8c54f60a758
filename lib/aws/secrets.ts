// SCRAM secrets in Secrets Manager (docs/architecture.md#scram). The password is generated here and goes
// straight into CreateSecret; it is never returned, logged or put into an error. Existing secrets
// are reused without reading their value (this adapter needs no GetSecretValue permission).
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  RestoreSecretCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parse as parseArn, validate as validateArn } from '@aws-sdk/util-arn-parser';
import { generatePassword } from '../credentials/password.js';
import { SecretKeyMismatch, awsErrorName } from '../errors.js';

export { scramSecretName } from '../credentials/secret-name.js';

/** The tag on every secret the pipeline creates: the domain it belongs to (the orphan scan reads it). */
export const SECRET_DOMAIN_TAG = 'msk-spec:domain';

export interface EnsureSecretInput {
  /** Full secret name, `AmazonMSK_<prefix><D>`. */
  readonly name: string;
  /** The SCRAM username, i.e. the domain id. */
  readonly username: string;
  /** Customer-managed KMS key (ARN, key id or alias) the secret must be encrypted with. */
  readonly kmsKeyId: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Injected for tests; production uses the CSPRNG generator. */
  readonly generate?: () => string;
}

export interface EnsureSecretResult {
  readonly arn: string;
  readonly name: string;
  /** CREATED: new secret; RESTORED: was scheduled for deletion; EXISTING: reused as is. */
  readonly action: 'CREATED' | 'RESTORED' | 'EXISTING';
}

/** True when `actual` (as DescribeSecret reports it) is the configured key, in any of its spellings. */
export function sameKmsKey(actual: string | undefined, configured: string): boolean {
  if (!actual || /alias\/aws\/secretsmanager$/.test(actual)) return false;
  if (actual === configured) return true;
  // A KMS ARN's resource (`key/<id>`, `alias/<name>`) is what the bare spellings are.
  const tail = (s: string) => (validateArn(s) ? parseArn(s).resource : s);
  return tail(actual) === tail(configured);
}

async function describe(client: SecretsManagerClient, name: string): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    return await client.send(new DescribeSecretCommand({ SecretId: name }));
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

export async function ensureScramSecret(
  client: SecretsManagerClient,
  input: EnsureSecretInput,
): Promise<EnsureSecretResult> {
  let found = await describe(client, input.name);
  let action: EnsureSecretResult['action'] = 'EXISTING';
  if (!found) {
    try {
      const created = await client.send(
        new CreateSecretCommand({
          Name: input.name,
          KmsKeyId: input.kmsKeyId,
          Description: `MSK SASL/SCRAM credentials of data product ${input.username} (msk-spec-provisioner)`,
          SecretString: JSON.stringify({ username: input.username, password: (input.generate ?? generatePassword)() }),
          Tags: Object.entries({ [SECRET_DOMAIN_TAG]: input.username, ...input.tags }).map(([Key, Value]) => ({
            Key,
            Value,
          })),
        }),
      );
      return { arn: created.ARN!, name: input.name, action: 'CREATED' };
    } catch (e) {
      // Another execution created it between our Describe and Create: reuse theirs.
      if (awsErrorName(e) !== 'ResourceExistsException') throw e;
      found = await describe(client, input.name);
      if (!found) throw e;
    }
  }
  if (!sameKmsKey(found.KmsKeyId, input.kmsKeyId))
    throw new SecretKeyMismatch(input.name, found.KmsKeyId, input.kmsKeyId);
  if (found.DeletedDate) {
    await client.send(new RestoreSecretCommand({ SecretId: found.ARN ?? input.name }));
    action = 'RESTORED';
  }
  return { arn: found.ARN!, name: input.name, action };
}
