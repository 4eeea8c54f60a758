// Emulated AWS Secrets Manager.
//
// API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/ (operation pages
// cited per operation). Common rules implemented here:
// - ARNs are `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random chars>`; a secret
//   is found by name, full ARN or partial ARN (without the suffix) (API_GetSecretValue, SecretId).
// - Staging labels: AWSCURRENT on the first version; moving AWSCURRENT moves AWSPREVIOUS to the
//   version it left (API_PutSecretValue, API_UpdateSecretVersionStage). Versions without labels
//   are deprecated: hidden from DescribeSecret's VersionIdsToStages.
// - Secrets scheduled for deletion refuse reads and writes with InvalidRequestException "You can't
//   perform this operation on the secret because it was marked for deletion." (API_GetSecretValue,
//   Errors), are hidden from ListSecrets unless IncludePlannedDeletion, and are purged when their
//   recovery window ends.
// - Encryption is nominal: the KMS key must exist and be enabled (EncryptionFailure /
//   DecryptionFailure otherwise); with no KmsKeyId the AWS-managed `alias/aws/secretsmanager` key is used.
// - With IAM on (the gateway passes the caller in the RequestContext), writing a value needs the
//   caller's kms:GenerateDataKey and reading one its kms:Decrypt on the secret's key, through Secrets
//   Manager (kms:ViaService secretsmanager.<region>.amazonaws.com, encryption context SecretARN and
//   SecretVersionId; Secrets Manager User Guide, "Secret encryption and decryption"); naming a
//   customer key on CreateSecret or UpdateSecret also validates the caller's kms:Decrypt on it
//   (SecretVersionId RequestToValidateKeyAccess). A KMS denial
//   is AccessDeniedException "Access to KMS is not allowed" (AWS Knowledge Center,
//   "secrets-manager-cross-account-key"). The AWS managed key's policy lets every principal of the
//   account use it through Secrets Manager, so only customer keys can refuse.
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { AwsServiceError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type JsonService, type RequestContext } from './core.js';
import { buildArn, epochSeconds, parseArn, secretSuffix, uuid } from './arn.js';
import { PageTokens, pageSize } from './pagination.js';
import type { KeyMetadata, KmsEmulator } from './kms.js';
import { onBehalfKmsRequest } from './iam/enforce.js';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

interface Version {
  readonly id: string;
  readonly secretString?: string;
  /** base64, as on the wire. */
  readonly secretBinary?: string;
  readonly created: Date;
  readonly stages: Set<string>;
  lastAccessed?: Date;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  readonly versions: Map<string, Version>;
  readonly created: Date;
  lastChanged: Date;
  lastAccessed?: Date;
  deletedDate?: Date;
  deletionDate?: Date;
}

/** What another emulator (MSK) may read about a secret, bypassing IAM. */
export interface SecretSnapshot {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  /** As given to CreateSecret/UpdateSecret; undefined means the AWS-managed default key. */
  readonly kmsKeyId?: string;
  /** The key actually protecting the secret; undefined if it no longer exists. */
  readonly kmsKey?: KeyMetadata;
  readonly deleted: boolean;
  readonly currentVersionId?: string;
  readonly currentValue?: string;
  readonly tags: readonly Tag[];
}

export type SecretChange = {
  readonly arn: string;
  readonly kind: 'created' | 'value' | 'stages' | 'deleted' | 'restored' | 'purged';
};

const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";
const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const NAME_RE = /^[a-zA-Z0-9/_+=.@-]{1,512}$/;
const FILTER_KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'];

function err(code: string, message: string): AwsServiceError {
  return new AwsServiceError(code, message);
}

/** The JSON protocol's ValidationException for one member outside its shape. */
function invalid(member: string, value: unknown, rule: string): AwsServiceError {
  const shown = typeof value === 'string' ? `'${value.length > 64 ? `${value.slice(0, 64)}...` : value}' ` : '';
  return err(
    'ValidationException',
    `1 validation error detected: Value ${shown}at '${member}' failed to satisfy constraint: ${rule}`,
  );
}

/**
 * Request members this emulator checks against the Secrets Manager model (botocore
 * secretsmanager/2017-10-17/service-2.json) before the operation runs, as AWS validates the shape
 * before it looks anything up: DescriptionType (max 2048), SecretStringType (1..65536),
 * SecretVersionIdType (32..64: VersionId, MoveToVersionId, RemoveFromVersionId), TagValueType
 * (max 256), FiltersListType (max 10), SortOrderType (asc | desc). The tag count (at most 50 per
 * secret) is the quota of the Secrets Manager User Guide ("Secrets Manager quotas"), not a model
 * bound; AWS documents no error code for it, and ValidationException is what its tag limits answer.
 */
function checkMembers(input: Record<string, unknown>): void {
  const maxLen = (member: string, name: string, max: number) => {
    const v = input[name];
    if (typeof v === 'string' && v.length > max)
      throw invalid(member, v, `Member must have length less than or equal to ${max}`);
  };
  maxLen('description', 'Description', 2048);
  if (input.SecretString === '')
    throw invalid('secretString', undefined, 'Member must have length greater than or equal to 1');
  for (const [member, name] of [
    ['versionId', 'VersionId'],
    ['moveToVersionId', 'MoveToVersionId'],
    ['removeFromVersionId', 'RemoveFromVersionId'],
  ] as const) {
    const v = input[name];
    if (typeof v !== 'string') continue;
    if (v.length < 32) throw invalid(member, v, 'Member must have length greater than or equal to 32');
    if (v.length > 64) throw invalid(member, v, 'Member must have length less than or equal to 64');
  }
  if (Array.isArray(input.Tags)) {
    (input.Tags as { Value?: unknown }[]).forEach((t, i) => {
      if (typeof t?.Value === 'string' && t.Value.length > 256)
        throw invalid(`tags.${i + 1}.member.value`, t.Value, 'Member must have length less than or equal to 256');
    });
  }
  if (Array.isArray(input.Filters) && input.Filters.length > 10)
    throw invalid('filters', undefined, 'Member must have length less than or equal to 10');
  if (input.SortOrder !== undefined && input.SortOrder !== 'asc' && input.SortOrder !== 'desc')
    throw invalid('sortOrder', input.SortOrder, 'Member must satisfy enum value set: [asc, desc]');
}

/** Secrets Manager quotas: at most 50 tags per secret. */
const MAX_TAGS = 50;

function tooManyTags(): AwsServiceError {
  return err('ValidationException', `A secret can have at most ${MAX_TAGS} tags.`);
}

function dayOf(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export class SecretsManagerEmulator {
  private readonly secrets = new Map<string, Secret>();
  private readonly emitter = new EventEmitter();
  private readonly tokens = new PageTokens();

  constructor(private readonly kms: KmsEmulator) {}

  readonly service: JsonService = {
    signingName: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    operations: {
      CreateSecret: (i, c) => this.createSecret(i, c),
      GetSecretValue: (i, c) => this.getSecretValue(i, c),
      PutSecretValue: (i, c) => this.putSecretValue(i, c),
      UpdateSecret: (i, c) => this.updateSecret(i, c),
      DescribeSecret: (i, c) => this.describeSecret(i, c),
      ListSecrets: (i, c) => this.listSecrets(i, c),
      ListSecretVersionIds: (i, c) => this.listSecretVersionIds(i, c),
      TagResource: (i, c) => this.tagResource(i, c),
      UntagResource: (i, c) => this.untagResource(i, c),
      DeleteSecret: (i, c) => this.deleteSecret(i, c),
      RestoreSecret: (i, c) => this.restoreSecret(i, c),
      UpdateSecretVersionStage: (i, c) => this.updateSecretVersionStage(i, c),
      GetRandomPassword: (i) => getRandomPassword(i),
    },
  };

  // ---- privileged in-process access (for the MSK emulator and tests) ----

  /** Everything MSK needs to know about a secret; undefined when it does not exist (deleted-but-recoverable secrets are returned with deleted: true). */
  inspect(secretIdOrArn: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): SecretSnapshot | undefined {
    const s = this.lookup(secretIdOrArn, region, accountId);
    if (!s) return undefined;
    const current = [...s.versions.values()].find((v) => v.stages.has('AWSCURRENT'));
    let kmsKey: KeyMetadata | undefined;
    try {
      kmsKey = this.kms.resolveKey(s.kmsKeyId ?? 'alias/aws/secretsmanager', s.region, s.accountId);
    } catch {
      kmsKey = undefined;
    }
    return {
      arn: s.arn,
      name: s.name,
      region: s.region,
      accountId: s.accountId,
      ...(s.kmsKeyId !== undefined ? { kmsKeyId: s.kmsKeyId } : {}),
      ...(kmsKey ? { kmsKey } : {}),
      deleted: s.deletedDate !== undefined,
      ...(current ? { currentVersionId: current.id } : {}),
      ...(current?.secretString !== undefined ? { currentValue: current.secretString } : {}),
      tags: [...s.tags],
    };
  }

  /** ARN and tags of a secret by name or (partial) ARN, for IAM's resource names; undefined when it does not exist. */
  iamLookup(id: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): { arn: string; tags: Tag[] } | undefined {
    const s = this.lookup(id, region, accountId);
    return s ? { arn: s.arn, tags: [...s.tags] } : undefined;
  }

  /** The AWSCURRENT SecretString of a secret (by ARN or name), or undefined. */
  currentValue(secretIdOrArn: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): string | undefined {
    return this.inspect(secretIdOrArn, region, accountId)?.currentValue;
  }

  /** Notified after every change (value, staging labels, deletion, restore). */
  onChange(listener: (change: SecretChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  private changed(arn: string, kind: SecretChange['kind']): void {
    this.emitter.emit('change', { arn, kind } satisfies SecretChange);
  }

  // ---- lookup ----

  private purgeExpired(): void {
    const now = Date.now();
    for (const [arn, s] of this.secrets) {
      if (s.deletionDate && s.deletionDate.getTime() <= now) {
        this.secrets.delete(arn);
        this.changed(arn, 'purged');
      }
    }
  }

  private lookup(id: string, region: string, accountId: string): Secret | undefined {
    this.purgeExpired();
    const arn = parseArn(id);
    if (arn) {
      const exact = this.secrets.get(id);
      if (exact) return exact;
      // Partial ARN: without the six-character suffix.
      for (const s of this.secrets.values()) if (s.arn.slice(0, -7) === id) return s;
      return undefined;
    }
    for (const s of this.secrets.values())
      if (s.name === id && s.region === region && s.accountId === accountId) return s;
    return undefined;
  }

  private find(input: { SecretId?: unknown }, ctx: RequestContext, opts: { allowDeleted?: boolean } = {}): Secret {
    if (typeof input.SecretId !== 'string' || input.SecretId === '') {
      throw err(
        'ValidationException',
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
      );
    }
    const s = this.lookup(input.SecretId, ctx.region, ctx.accountId);
    if (!s) throw err('ResourceNotFoundException', NOT_FOUND);
    if (s.deletedDate && !opts.allowDeleted) throw err('InvalidRequestException', MARKED_FOR_DELETION);
    return s;
  }

  // ---- helpers ----

  private checkKey(
    kmsKeyId: string | undefined,
    region: string,
    accountId: string,
    op: 'encrypt' | 'decrypt',
    ctx?: RequestContext,
    secret?: { arn: string; versionId?: string },
  ): void {
    // CreateSecret/PutSecretValue Errors: EncryptionFailure — "Secrets Manager can't encrypt the
    // protected secret text using the provided KMS key. Check that the KMS key is available,
    // enabled, and not in an invalid state." GetSecretValue: DecryptionFailure.
    const failure = () =>
      op === 'encrypt'
        ? err(
            'EncryptionFailure',
            "Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state.",
          )
        : err(
            'DecryptionFailure',
            "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
          );
    let key: KeyMetadata;
    try {
      key = this.kms.resolveKey(kmsKeyId ?? 'alias/aws/secretsmanager', region, accountId);
    } catch {
      throw failure();
    }
    // KMS authorizes before it looks at the key's state.
    if (ctx?.authorizer && ctx.principalArn) {
      const decision = ctx.authorizer.authorize(
        onBehalfKmsRequest({
          principalArn: ctx.principalArn,
          action: op === 'encrypt' ? 'kms:GenerateDataKey' : 'kms:Decrypt',
          keyArn: key.Arn,
          service: 'secretsmanager',
          region,
          ...(secret
            ? {
                encryptionContext: {
                  SecretARN: secret.arn,
                  ...(secret.versionId !== undefined ? { SecretVersionId: secret.versionId } : {}),
                },
              }
            : {}),
        }),
      );
      if (!decision.allowed) throw err('AccessDeniedException', 'Access to KMS is not allowed');
    }
    if (key.KeyState !== 'Enabled' || (key.KeySpec !== 'SYMMETRIC_DEFAULT' && op === 'encrypt')) throw failure();
  }

  private static value(input: {
    SecretString?: unknown;
    SecretBinary?: unknown;
  }): { secretString?: string; secretBinary?: string } | undefined {
    if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
      throw err(
        'InvalidParameterException',
        "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    }
    if (typeof input.SecretString === 'string') {
      if (input.SecretString.length > 65536)
        throw err(
          'ValidationException',
          "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
        );
      return { secretString: input.SecretString };
    }
    if (typeof input.SecretBinary === 'string') return { secretBinary: input.SecretBinary };
    return undefined;
  }

  private static checkToken(token: unknown): string | undefined {
    if (token === undefined) return undefined;
    if (typeof token !== 'string' || token.length < 32 || token.length > 64) {
      throw err(
        'ValidationException',
        "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
      );
    }
    return token;
  }

  private static checkTags(tags: unknown): Tag[] {
    if (tags === undefined) return [];
    if (!Array.isArray(tags)) throw err('InvalidParameterException', 'Tags must be a list.');
    for (const t of tags as { Key?: unknown; Value?: unknown }[]) {
      if (
        typeof t.Key !== 'string' ||
        t.Key.length < 1 ||
        t.Key.length > 128 ||
        (t.Value !== undefined && typeof t.Value !== 'string')
      ) {
        throw err('InvalidParameterException', 'Tag keys must be 1-128 characters and tag values strings.');
      }
      if (t.Key.startsWith('aws:'))
        throw err('InvalidParameterException', 'Tag keys beginning with aws: are reserved.');
    }
    return (tags as Tag[]).map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
  }

  /** Attaches `label` to `version`, taking it off whichever version had it; AWSCURRENT drags AWSPREVIOUS along. */
  private static attach(s: Secret, version: Version, label: string): void {
    let previousHolder: Version | undefined;
    for (const v of s.versions.values()) {
      if (v !== version && v.stages.delete(label)) previousHolder = v;
    }
    version.stages.add(label);
    if (label === 'AWSCURRENT' && previousHolder) {
      for (const v of s.versions.values()) v.stages.delete('AWSPREVIOUS');
      previousHolder.stages.add('AWSPREVIOUS');
    }
  }

  private static sameValue(v: Version, value: { secretString?: string; secretBinary?: string } | undefined): boolean {
    return v.secretString === value?.secretString && v.secretBinary === value?.secretBinary;
  }

  private addVersion(
    s: Secret,
    id: string,
    value: { secretString?: string; secretBinary?: string },
    stages: readonly string[],
  ): Version {
    const v: Version = { id, ...value, created: new Date(), stages: new Set() };
    const first = s.versions.size === 0;
    s.versions.set(id, v);
    for (const label of stages) SecretsManagerEmulator.attach(s, v, label);
    if (first && !v.stages.has('AWSCURRENT')) SecretsManagerEmulator.attach(s, v, 'AWSCURRENT');
    s.lastChanged = new Date();
    return v;
  }

  // ---- operations ----

  // CreateSecret: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
  // Name: 1-512 of letters, digits and /_+=.@- . ClientRequestToken (32-64 chars, the SDK fills it)
  // is the first version's id; a repeat with the same token and value returns that version, a
  // different value is ResourceExistsException. Existing name: ResourceExistsException; a name
  // scheduled for deletion: InvalidRequestException.
  private createSecret(input: Record<string, unknown>, ctx: RequestContext): unknown {
    checkMembers(input);
    const name = input.Name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw err(
        'ValidationException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    const token = SecretsManagerEmulator.checkToken(input.ClientRequestToken);
    const value = SecretsManagerEmulator.value(input);
    const tags = SecretsManagerEmulator.checkTags(input.Tags);
    if (tags.length > MAX_TAGS) throw tooManyTags();
    if (input.KmsKeyId !== undefined && typeof input.KmsKeyId !== 'string')
      throw err('InvalidParameterException', 'KmsKeyId must be a string.');
    const existing = this.lookup(name, ctx.region, ctx.accountId);
    if (existing) {
      if (existing.deletedDate)
        throw err(
          'InvalidRequestException',
          `You can't create this secret because a secret with this name is already scheduled for deletion.`,
        );
      const same = token !== undefined ? existing.versions.get(token) : undefined;
      if (same && SecretsManagerEmulator.sameValue(same, value))
        return { ARN: existing.arn, Name: existing.name, VersionId: same.id };
      throw err('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    }
    if (value)
      this.checkKey(input.KmsKeyId as string | undefined, ctx.region, ctx.accountId, 'encrypt', ctx, {
        arn: buildArn('secretsmanager', ctx.region, ctx.accountId, `secret:${name}`),
      });
    // Establishing a secret's key validates the caller's access with GenerateDataKey AND Decrypt
    // (User Guide, "Secret encryption and decryption": "Validating access to the KMS key").
    if (typeof input.KmsKeyId === 'string')
      this.checkKey(input.KmsKeyId, ctx.region, ctx.accountId, 'decrypt', ctx, {
        arn: buildArn('secretsmanager', ctx.region, ctx.accountId, `secret:${name}`),
        versionId: 'RequestToValidateKeyAccess',
      });
    const now = new Date();
    const s: Secret = {
      arn: buildArn('secretsmanager', ctx.region, ctx.accountId, `secret:${name}-${secretSuffix()}`),
      name,
      region: ctx.region,
      accountId: ctx.accountId,
      ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
      ...(typeof input.KmsKeyId === 'string' ? { kmsKeyId: input.KmsKeyId } : {}),
      tags,
      versions: new Map(),
      created: now,
      lastChanged: now,
    };
    this.secrets.set(s.arn, s);
    let versionId: string | undefined;
    if (value) versionId = this.addVersion(s, token ?? uuid(), value, ['AWSCURRENT']).id;
    this.changed(s.arn, 'created');
    return { ARN: s.arn, Name: s.name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  // GetSecretValue: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
  // VersionId and/or VersionStage (default AWSCURRENT); both must name the same version.
  // Errors: ResourceNotFoundException, InvalidRequestException (marked for deletion), DecryptionFailure.
  private getSecretValue(
    input: { SecretId?: unknown; VersionId?: unknown; VersionStage?: unknown },
    ctx: RequestContext,
  ): unknown {
    checkMembers(input);
    const s = this.find(input, ctx);
    let v: Version | undefined;
    if (typeof input.VersionId === 'string') {
      v = s.versions.get(input.VersionId);
      if (!v)
        throw err(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${input.VersionId}`,
        );
      if (typeof input.VersionStage === 'string' && !v.stages.has(input.VersionStage)) {
        throw err(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${input.VersionId} and staging label: ${input.VersionStage}`,
        );
      }
    } else {
      const stage = typeof input.VersionStage === 'string' ? input.VersionStage : 'AWSCURRENT';
      v = [...s.versions.values()].find((x) => x.stages.has(stage));
      if (!v)
        throw err(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
        );
    }
    this.checkKey(s.kmsKeyId, s.region, s.accountId, 'decrypt', ctx, { arn: s.arn });
    const today = dayOf(new Date());
    s.lastAccessed = today;
    v.lastAccessed = today;
    return {
      ARN: s.arn,
      Name: s.name,
      VersionId: v.id,
      ...(v.secretString !== undefined ? { SecretString: v.secretString } : {}),
      ...(v.secretBinary !== undefined ? { SecretBinary: v.secretBinary } : {}),
      VersionStages: [...v.stages],
      CreatedDate: epochSeconds(v.created),
    };
  }

  // PutSecretValue: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
  // New version with VersionStages (default AWSCURRENT). Same token + same value: no-op; same token
  // + different value: ResourceExistsException ("You can't modify an existing version, you can only
  // create a new version."). The first version always gets AWSCURRENT.
  private putSecretValue(input: Record<string, unknown>, ctx: RequestContext): unknown {
    checkMembers(input);
    const s = this.find(input, ctx);
    const token = SecretsManagerEmulator.checkToken(input.ClientRequestToken) ?? uuid();
    const value = SecretsManagerEmulator.value(input);
    if (!value) throw err('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    const stages = SecretsManagerEmulator.checkStages(input.VersionStages) ?? ['AWSCURRENT'];
    const existing = s.versions.get(token);
    if (existing) {
      if (!SecretsManagerEmulator.sameValue(existing, value))
        throw err(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      return { ARN: s.arn, Name: s.name, VersionId: existing.id, VersionStages: [...existing.stages] };
    }
    this.checkKey(s.kmsKeyId, s.region, s.accountId, 'encrypt', ctx, { arn: s.arn, versionId: token });
    const v = this.addVersion(s, token, value, stages);
    this.changed(s.arn, 'value');
    return { ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: [...v.stages] };
  }

  private static checkStages(stages: unknown): string[] | undefined {
    if (stages === undefined) return undefined;
    if (
      !Array.isArray(stages) ||
      stages.length < 1 ||
      stages.length > 20 ||
      stages.some((x) => typeof x !== 'string' || x.length < 1 || x.length > 256)
    ) {
      throw err('InvalidParameterException', 'VersionStages must list 1-20 staging labels of 1-256 characters.');
    }
    return stages as string[];
  }

  // UpdateSecret: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html
  // Description and KmsKeyId change in place; a value creates a new AWSCURRENT version.
  private updateSecret(input: Record<string, unknown>, ctx: RequestContext): unknown {
    checkMembers(input);
    const s = this.find(input, ctx);
    const token = SecretsManagerEmulator.checkToken(input.ClientRequestToken) ?? uuid();
    const value = SecretsManagerEmulator.value(input);
    if (typeof input.KmsKeyId === 'string') {
      this.checkKey(input.KmsKeyId, s.region, s.accountId, 'encrypt', ctx, { arn: s.arn });
      this.checkKey(input.KmsKeyId, s.region, s.accountId, 'decrypt', ctx, {
        arn: s.arn,
        versionId: 'RequestToValidateKeyAccess',
      });
      s.kmsKeyId = input.KmsKeyId;
    }
    if (typeof input.Description === 'string') s.description = input.Description;
    s.lastChanged = new Date();
    if (!value) return { ARN: s.arn, Name: s.name };
    const existing = s.versions.get(token);
    if (existing) {
      if (!SecretsManagerEmulator.sameValue(existing, value))
        throw err(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version.",
        );
      return { ARN: s.arn, Name: s.name, VersionId: existing.id };
    }
    this.checkKey(s.kmsKeyId, s.region, s.accountId, 'encrypt', ctx, { arn: s.arn, versionId: token });
    const v = this.addVersion(s, token, value, ['AWSCURRENT']);
    this.changed(s.arn, 'value');
    return { ARN: s.arn, Name: s.name, VersionId: v.id };
  }

  private static versionIdsToStages(s: Secret): Record<string, string[]> | undefined {
    const out: Record<string, string[]> = {};
    for (const v of s.versions.values()) if (v.stages.size > 0) out[v.id] = [...v.stages];
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private static describe(
    s: Secret,
    versionsField: 'VersionIdsToStages' | 'SecretVersionsToStages',
  ): Record<string, unknown> {
    const stages = SecretsManagerEmulator.versionIdsToStages(s);
    return {
      ARN: s.arn,
      Name: s.name,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
      LastChangedDate: epochSeconds(s.lastChanged),
      ...(s.lastAccessed ? { LastAccessedDate: epochSeconds(s.lastAccessed) } : {}),
      ...(s.deletedDate ? { DeletedDate: epochSeconds(s.deletedDate) } : {}),
      ...(s.tags.length > 0 ? { Tags: s.tags } : {}),
      ...(stages ? { [versionsField]: stages } : {}),
      CreatedDate: epochSeconds(s.created),
    };
  }

  // DescribeSecret: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
  // Works on secrets scheduled for deletion (DeletedDate set). KmsKeyId is omitted for the default key.
  private describeSecret(input: { SecretId?: unknown }, ctx: RequestContext): unknown {
    return SecretsManagerEmulator.describe(this.find(input, ctx, { allowDeleted: true }), 'VersionIdsToStages');
  }

  // ListSecrets: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
  // Filters (API_Filter): name, tag-key, tag-value, primary-region, owning-service: prefix,
  // case-sensitive; description and all: not case-sensitive; a leading `!` negates. Values of one
  // filter are ORed, filters are ANDed. MaxResults 1-100, NextToken paging. Secrets scheduled for
  // deletion only with IncludePlannedDeletion.
  private listSecrets(
    input: {
      Filters?: { Key?: string; Values?: string[] }[];
      MaxResults?: number;
      NextToken?: string;
      IncludePlannedDeletion?: boolean;
      SortOrder?: string;
    },
    ctx: RequestContext,
  ): unknown {
    checkMembers(input);
    this.purgeExpired();
    const filters = input.Filters ?? [];
    for (const f of filters) {
      if (!f.Key || !FILTER_KEYS.includes(f.Key))
        throw err(
          'ValidationException',
          `1 validation error detected: Value '${String(f.Key)}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
        );
      if (
        !Array.isArray(f.Values) ||
        f.Values.length < 1 ||
        f.Values.length > 10 ||
        f.Values.some((v) => !/^!?[a-zA-Z0-9 :_@/+=.\-!]*$/.test(v) || v.length > 512)
      ) {
        throw err(
          'InvalidParameterException',
          'Invalid filter values. Filter values must be 1-10 strings matching ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$',
        );
      }
    }
    let all = [...this.secrets.values()]
      .filter((s) => s.region === ctx.region && s.accountId === ctx.accountId)
      .filter((s) => input.IncludePlannedDeletion === true || !s.deletedDate)
      .filter((s) => filters.every((f) => matchesFilter(s, f.Key!, f.Values!)))
      .sort((a, b) => a.created.getTime() - b.created.getTime() || a.name.localeCompare(b.name));
    if (input.SortOrder === 'desc') all = all.reverse();
    // A token continues the query it came from: the same filters, deletion and sort order.
    const query = JSON.stringify([filters, input.IncludePlannedDeletion === true, input.SortOrder ?? 'asc']);
    const { items, next } = this.page(all, input, `ListSecrets:${ctx.region}:${ctx.accountId}:${query}`);
    return {
      SecretList: items.map((s) => SecretsManagerEmulator.describe(s, 'SecretVersionsToStages')),
      ...(next ? { NextToken: next } : {}),
    };
  }

  /**
   * A page of a listing: MaxResults 1-100 (default 100; API_ListSecrets, API_ListSecretVersionIds),
   * NextToken from the same listing, else InvalidNextTokenException as both references list.
   */
  private page<T>(
    items: readonly T[],
    input: { MaxResults?: number; NextToken?: string },
    listing: string,
  ): { items: T[]; next?: string } {
    const size = pageSize(input.MaxResults, { min: 1, max: 100, default: 100 }, () =>
      err('InvalidParameterException', 'MaxResults must be between 1 and 100.'),
    );
    return this.tokens.page(items, {
      listing,
      size,
      token: input.NextToken,
      invalid: () => err('InvalidNextTokenException', 'The NextToken value is invalid.'),
    });
  }

  // ListSecretVersionIds: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html
  private listSecretVersionIds(
    input: { SecretId?: unknown; IncludeDeprecated?: boolean; MaxResults?: number; NextToken?: string },
    ctx: RequestContext,
  ): unknown {
    const s = this.find(input, ctx, { allowDeleted: true });
    const versions = [...s.versions.values()].filter((v) => input.IncludeDeprecated === true || v.stages.size > 0);
    const { items, next } = this.page(
      versions,
      input,
      `ListSecretVersionIds:${s.arn}:${input.IncludeDeprecated === true}`,
    );
    return {
      ARN: s.arn,
      Name: s.name,
      Versions: items.map((v) => ({
        VersionId: v.id,
        ...(v.stages.size > 0 ? { VersionStages: [...v.stages] } : {}),
        ...(v.lastAccessed ? { LastAccessedDate: epochSeconds(v.lastAccessed) } : {}),
        CreatedDate: epochSeconds(v.created),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  // TagResource: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_TagResource.html
  // A tag with an existing key replaces its value; at most 50 tags per secret.
  private tagResource(input: { SecretId?: unknown; Tags?: unknown }, ctx: RequestContext): unknown {
    checkMembers(input);
    const s = this.find(input, ctx);
    const tags = SecretsManagerEmulator.checkTags(input.Tags);
    const merged = new Map(s.tags.map((t) => [t.Key, t.Value]));
    for (const t of tags) merged.set(t.Key, t.Value);
    if (merged.size > MAX_TAGS) throw tooManyTags();
    s.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
    return {};
  }

  // UntagResource: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UntagResource.html
  private untagResource(input: { SecretId?: unknown; TagKeys?: unknown }, ctx: RequestContext): unknown {
    const s = this.find(input, ctx);
    const keys = Array.isArray(input.TagKeys) ? (input.TagKeys as string[]) : [];
    s.tags = s.tags.filter((t) => !keys.includes(t.Key));
    return {};
  }

  // DeleteSecret: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
  // RecoveryWindowInDays 7-30 (default 30) or ForceDeleteWithoutRecovery, not both
  // (InvalidParameterException). Deleting an already scheduled secret again without force is an
  // InvalidRequestException; with force it is deleted at once.
  private deleteSecret(
    input: { SecretId?: unknown; RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean },
    ctx: RequestContext,
  ): unknown {
    const s = this.find(input, ctx, { allowDeleted: true });
    const force = input.ForceDeleteWithoutRecovery === true;
    if (force && input.RecoveryWindowInDays !== undefined) {
      throw err(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    const days = input.RecoveryWindowInDays ?? 30;
    if (!force && (!Number.isInteger(days) || days < 7 || days > 30)) {
      throw err(
        'InvalidParameterException',
        'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      );
    }
    if (s.deletedDate && !force) throw err('InvalidRequestException', MARKED_FOR_DELETION);
    const now = new Date();
    if (force) {
      this.secrets.delete(s.arn);
      this.changed(s.arn, 'purged');
      return { ARN: s.arn, Name: s.name, DeletionDate: epochSeconds(now) };
    }
    s.deletedDate = now;
    s.deletionDate = new Date(now.getTime() + days * 86_400_000);
    this.changed(s.arn, 'deleted');
    return { ARN: s.arn, Name: s.name, DeletionDate: epochSeconds(s.deletionDate) };
  }

  // RestoreSecret: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RestoreSecret.html
  private restoreSecret(input: { SecretId?: unknown }, ctx: RequestContext): unknown {
    const s = this.find(input, ctx, { allowDeleted: true });
    if (s.deletedDate) {
      delete s.deletedDate;
      delete s.deletionDate;
      this.changed(s.arn, 'restored');
    }
    return { ARN: s.arn, Name: s.name };
  }

  // UpdateSecretVersionStage: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
  // Moving a label that another version holds requires RemoveFromVersionId naming that version;
  // moving AWSCURRENT moves AWSPREVIOUS to the version it left; removing without moving just detaches.
  private updateSecretVersionStage(
    input: { SecretId?: unknown; VersionStage?: unknown; MoveToVersionId?: unknown; RemoveFromVersionId?: unknown },
    ctx: RequestContext,
  ): unknown {
    checkMembers(input);
    const s = this.find(input, ctx);
    const label = input.VersionStage;
    if (typeof label !== 'string' || label.length < 1 || label.length > 256)
      throw err(
        'ValidationException',
        "1 validation error detected: Value null at 'versionStage' failed to satisfy constraint: Member must not be null",
      );
    const holder = [...s.versions.values()].find((v) => v.stages.has(label));
    const moveTo = typeof input.MoveToVersionId === 'string' ? input.MoveToVersionId : undefined;
    const removeFrom = typeof input.RemoveFromVersionId === 'string' ? input.RemoveFromVersionId : undefined;
    if (removeFrom !== undefined && !s.versions.has(removeFrom))
      throw err('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${removeFrom}`);
    if (moveTo !== undefined && !s.versions.has(moveTo))
      throw err('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${moveTo}`);
    if (removeFrom !== undefined && holder?.id !== removeFrom) {
      throw err(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't specify version ${removeFrom} because the staging label ${label} is not attached to it.`,
      );
    }
    if (moveTo !== undefined) {
      if (holder && holder.id !== moveTo && removeFrom !== holder.id) {
        throw err(
          'InvalidParameterException',
          `The staging label ${label} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      const target = s.versions.get(moveTo)!;
      if (!target.stages.has(label) && target.stages.size >= 20)
        throw err('LimitExceededException', 'A version can have at most 20 staging labels.');
      SecretsManagerEmulator.attach(s, target, label);
    } else if (removeFrom !== undefined) {
      if (label === 'AWSCURRENT')
        throw err(
          'InvalidParameterException',
          'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
        );
      s.versions.get(removeFrom)!.stages.delete(label);
    } else {
      throw err('InvalidParameterException', 'You must specify MoveToVersionId and/or RemoveFromVersionId.');
    }
    s.lastChanged = new Date();
    this.changed(s.arn, 'stages');
    return { ARN: s.arn, Name: s.name };
  }
}

function tokenize(text: string): string[] {
  return text
    .split(/[^a-zA-Z0-9]+|(?<=[a-z])(?=[A-Z])|(?<=[a-zA-Z])(?=[0-9])|(?<=[0-9])(?=[a-zA-Z])/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function matchesFilter(s: Secret, key: string, values: readonly string[]): boolean {
  const attributes = (): string[] => {
    switch (key) {
      case 'name':
        return [s.name];
      case 'description':
        return s.description !== undefined ? [s.description.toLowerCase(), ...tokenize(s.description)] : [];
      case 'tag-key':
        return s.tags.map((t) => t.Key);
      case 'tag-value':
        return s.tags.map((t) => t.Value);
      case 'primary-region':
        return [];
      case 'owning-service':
        return [];
      default: // all
        return [s.name, s.description ?? '', ...s.tags.flatMap((t) => [t.Key, t.Value])].flatMap(tokenize);
    }
  };
  const caseless = key === 'description' || key === 'all';
  const attrs = attributes();
  const prefixMatch = (needle: string): boolean => {
    if (key === 'all') {
      const words = tokenize(needle);
      return words.length > 0 && words.some((w) => attrs.some((a) => a.startsWith(w)));
    }
    const n = caseless ? needle.toLowerCase() : needle;
    return attrs.some((a) => a.startsWith(n));
  };
  return values.some((v) => (v.startsWith('!') ? !prefixMatch(v.slice(1)) : prefixMatch(v)));
}

// GetRandomPassword: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
// PasswordLength 1-4096 (default 32); punctuation is !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ ;
// RequireEachIncludedType defaults to true.
function getRandomPassword(input: {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
}): unknown {
  const length = input.PasswordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096)
    throw err('InvalidParameterException', 'PasswordLength must be between 1 and 4096.');
  const exclude = new Set(input.ExcludeCharacters ?? '');
  const keep = (chars: string) => [...chars].filter((c) => !exclude.has(c)).join('');
  const classes = [
    input.ExcludeLowercase ? '' : keep('abcdefghijklmnopqrstuvwxyz'),
    input.ExcludeUppercase ? '' : keep('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    input.ExcludeNumbers ? '' : keep('0123456789'),
    input.ExcludePunctuation ? '' : keep('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'),
    input.IncludeSpace ? keep(' ') : '',
  ].filter((c) => c.length > 0);
  if (classes.length === 0)
    throw err('InvalidParameterException', 'The password must be able to contain at least one character.');
  const require = input.RequireEachIncludedType !== false;
  if (require && classes.length > length)
    throw err('InvalidParameterException', 'PasswordLength is too short to include every required character type.');
  const alphabet = classes.join('');
  const chars: string[] = require ? classes.map((c) => c[randomInt(c.length)]!) : [];
  while (chars.length < length) chars.push(alphabet[randomInt(alphabet.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return { RandomPassword: chars.join('') };
}
