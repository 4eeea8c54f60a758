// Emulated AWS KMS (control plane only: keys and aliases; no cryptography).
//
// API reference: https://docs.aws.amazon.com/kms/latest/APIReference/ (operation pages cited below).
// Keys live per account and region. Every region has the AWS-managed key behind
// `alias/aws/secretsmanager` (KeyManager AWS), the default key Secrets Manager encrypts with
// (Secrets Manager User Guide, "Secret encryption and decryption").
//
// Key policies: CreateKey's `Policy` and PutKeyPolicy store one, GetKeyPolicy returns it (policy
// name `default`, the only one KMS has). `keyPolicy` is what the IAM authority evaluates (a policy
// put on the authority itself with `putResourcePolicy` takes precedence): the stored policy, else
// `defaultKeyPolicy`, the policy a key has when none was given: the default key policy for a customer
// key (KMS Developer Guide, "Default key policy": the account root may do kms:*, which delegates to
// IAM policies) and, for an AWS managed key, the policy AWS gives it (any principal of the account,
// only through the owning service; KMS Developer Guide, "AWS managed keys").
import { AwsServiceError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type JsonService, type RequestContext } from './core.js';
import { buildArn, epochSeconds, parseArn, uuid } from './arn.js';
import { PageTokens, pageSize, type SizeBounds } from './pagination.js';
import { defaultKeyPolicy, policyProblems } from './iam/authority.js';
import type { PolicyDocument } from './iam/types.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** KeyMetadata as DescribeKey returns it (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html). */
export interface KeyMetadata {
  readonly AWSAccountId: string;
  readonly KeyId: string;
  readonly Arn: string;
  readonly CreationDate: Date;
  readonly Enabled: boolean;
  readonly Description: string;
  readonly KeyUsage: string;
  readonly KeyState: KeyState;
  readonly DeletionDate?: Date;
  readonly Origin: string;
  readonly KeyManager: 'CUSTOMER' | 'AWS';
  readonly CustomerMasterKeySpec: string;
  readonly KeySpec: string;
  readonly EncryptionAlgorithms?: readonly string[];
  readonly SigningAlgorithms?: readonly string[];
  readonly MultiRegion: boolean;
  /** Also returned, so callers need not look region up again. */
  readonly region: string;
}

interface Key {
  meta: Omit<KeyMetadata, 'region'> & { region: string };
  tags: { TagKey: string; TagValue: string }[];
}

interface Alias {
  AliasName: string;
  AliasArn: string;
  TargetKeyId: string;
  CreationDate: Date;
  LastUpdatedDate: Date;
}

interface Region {
  keys: Map<string, Key>;
  aliases: Map<string, Alias>;
}

// Key specs and the usages they allow (CreateKey, KeySpec / KeyUsage:
// https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html).
const KEY_SPECS: Readonly<Record<string, readonly string[]>> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_SECG_P256K1: ['SIGN_VERIFY'],
  HMAC_224: ['GENERATE_VERIFY_MAC'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
};

// alias/aws/s3 is the key S3 uses for SSE-KMS when no key id is given (S3 User Guide, "Using SSE-KMS").
const AWS_MANAGED_ALIASES = ['alias/aws/secretsmanager', 'alias/aws/s3'] as const;

function notFound(message: string): AwsServiceError {
  return new AwsServiceError('NotFoundException', message);
}

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}

/**
 * The list operations' Limit bounds (botocore's LimitType: 1-1000 for both), default and result
 * member. API_ListKeys: default 100. API_ListAliases: default 50, and the reference says "between 1
 * and 100"; the model accepts up to 1000, so a larger Limit is taken and the page holds at most 100
 * ("KMS does not return more than the specified number of items, but it might return fewer").
 */
const LISTINGS = {
  ListKeys: { field: 'Keys', bounds: { min: 1, max: 1000, default: 100 }, most: 1000 },
  ListAliases: { field: 'Aliases', bounds: { min: 1, max: 1000, default: 50 }, most: 100 },
} as const satisfies Record<string, { field: string; bounds: SizeBounds; most: number }>;

export class KmsEmulator {
  private readonly regions = new Map<string, Region>();
  private readonly tokens = new PageTokens();
  /** Key policies given by CreateKey or PutKeyPolicy, by key ARN. */
  private readonly policies = new Map<string, PolicyDocument>();
  /** AWS managed keys' policies, made once per key (the authority caches validation by document). */
  private readonly managedPolicies = new Map<string, PolicyDocument>();

  readonly service: JsonService = {
    signingName: 'kms',
    targetPrefix: 'TrentService',
    operations: {
      CreateKey: (i, c) => this.createKey(i, c),
      DescribeKey: (i, c) => this.describeKey(i, c),
      ListKeys: (i, c) => this.listKeys(i, c),
      CreateAlias: (i, c) => this.createAlias(i, c),
      UpdateAlias: (i, c) => this.updateAlias(i, c),
      DeleteAlias: (i, c) => this.deleteAlias(i, c),
      ListAliases: (i, c) => this.listAliases(i, c),
      EnableKey: (i, c) => this.setEnabled(i, c, true),
      DisableKey: (i, c) => this.setEnabled(i, c, false),
      ScheduleKeyDeletion: (i, c) => this.scheduleKeyDeletion(i, c),
      CancelKeyDeletion: (i, c) => this.cancelKeyDeletion(i, c),
      GetKeyPolicy: (i, c) => this.getKeyPolicy(i, c),
      PutKeyPolicy: (i, c) => this.putKeyPolicy(i, c),
    },
  };

  /**
   * Finds a key by key id, key ARN, alias name (`alias/x`) or alias ARN, in `region`/`accountId`
   * unless an ARN names them. Throws NotFoundException like DescribeKey.
   */
  resolveKey(idOrArnOrAlias: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): KeyMetadata {
    return { ...this.find(idOrArnOrAlias, region, accountId).meta };
  }

  /**
   * What a cryptographic operation (Encrypt, Decrypt, GenerateDataKey) checks of the key's state,
   * for the services that call KMS on a caller's behalf (S3's SSE-KMS): a disabled key answers
   * DisabledException, one pending deletion KMSInvalidStateException, both HTTP 400 (KMS API
   * Reference, API_GenerateDataKey and API_Decrypt, "Errors"; KMS Developer Guide, "Key states of
   * AWS KMS keys"). NotFoundException when there is no such key.
   */
  requireUsable(idOrArnOrAlias: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): void {
    const { meta } = this.find(idOrArnOrAlias, region, accountId);
    if (meta.KeyState === 'Disabled') throw new AwsServiceError('DisabledException', `${meta.Arn} is disabled.`);
    if (meta.KeyState === 'PendingDeletion')
      throw new AwsServiceError('KMSInvalidStateException', `${meta.Arn} is pending deletion.`);
  }

  /** The key ARN behind a key id, key ARN, alias name or alias ARN; undefined when there is none. */
  keyArnOf(idOrArnOrAlias: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): string | undefined {
    try {
      return this.find(idOrArnOrAlias, region, accountId).meta.Arn;
    } catch {
      return undefined;
    }
  }

  /** The key policy IAM evaluates for a key: the one given, else the default; undefined for an ARN that is no key here. */
  keyPolicy(keyArn: string): PolicyDocument | undefined {
    return this.policies.get(keyArn) ?? this.defaultKeyPolicy(keyArn);
  }

  /** The key policy of a key that has no other (see the header); undefined for an ARN that is no key here. */
  defaultKeyPolicy(keyArn: string): PolicyDocument | undefined {
    const arn = parseArn(keyArn);
    if (!arn || arn.service !== 'kms' || !arn.resource.startsWith('key/')) return undefined;
    const r = this.regions.get(`${arn.accountId}/${arn.region}`);
    const key = r?.keys.get(arn.resource.slice(4));
    if (!r || !key) return undefined;
    const root = buildArn('iam', '', arn.accountId, 'root', arn.partition);
    if (key.meta.KeyManager === 'CUSTOMER') return defaultKeyPolicy(arn.accountId);
    const made = this.managedPolicies.get(keyArn);
    if (made) return made;
    const alias = [...r.aliases.values()].find((a) => a.TargetKeyId === key.meta.KeyId)?.AliasName ?? '';
    const service = alias === 'alias/aws/s3' ? 's3' : 'secretsmanager';
    const via = { 'kms:CallerAccount': arn.accountId, 'kms:ViaService': `${service}.${arn.region}.amazonaws.com` };
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Id: `auto-${service}-2`,
      Statement: [
        {
          Sid: `Allow access through ${service} for all principals in the account that are authorized to use it`,
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:CreateGrant',
            'kms:DescribeKey',
          ],
          Resource: '*',
          Condition: { StringEquals: via },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: root },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
          Resource: '*',
        },
      ],
    };
    this.managedPolicies.set(keyArn, policy);
    return policy;
  }

  /** Creates a customer-managed symmetric key in-process (test set-up); returns its metadata. */
  createCustomerKey(opts: { description?: string; region?: string; accountId?: string } = {}): KeyMetadata {
    const ctx = { region: opts.region ?? LOCAL_REGION, accountId: opts.accountId ?? LOCAL_ACCOUNT_ID };
    return { ...this.newKey(ctx, { Description: opts.description ?? '' }, 'CUSTOMER').meta };
  }

  private state(region: string, accountId: string): Region {
    const k = `${accountId}/${region}`;
    let r = this.regions.get(k);
    if (!r) {
      r = { keys: new Map(), aliases: new Map() };
      this.regions.set(k, r);
      // AWS-managed keys exist in every region (created by AWS on first use; present from the start here).
      for (const aliasName of AWS_MANAGED_ALIASES) {
        const key = this.newKeyIn(
          r,
          region,
          accountId,
          {
            Description:
              aliasName === 'alias/aws/s3'
                ? 'Default key that protects my S3 objects when no other key is defined'
                : 'Default key that protects my Secrets Manager data when no other key is defined',
          },
          'AWS',
        );
        const now = new Date();
        r.aliases.set(aliasName, {
          AliasName: aliasName,
          AliasArn: buildArn('kms', region, accountId, aliasName),
          TargetKeyId: key.meta.KeyId,
          CreationDate: now,
          LastUpdatedDate: now,
        });
      }
    }
    return r;
  }

  private newKey(
    ctx: { region: string; accountId: string },
    input: Record<string, unknown>,
    manager: 'CUSTOMER' | 'AWS',
  ): Key {
    return this.newKeyIn(this.state(ctx.region, ctx.accountId), ctx.region, ctx.accountId, input, manager);
  }

  private newKeyIn(
    r: Region,
    region: string,
    accountId: string,
    input: Record<string, unknown>,
    manager: 'CUSTOMER' | 'AWS',
  ): Key {
    const keySpec = (input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') as string;
    const keyUsage = (input.KeyUsage ??
      (keySpec.startsWith('HMAC')
        ? 'GENERATE_VERIFY_MAC'
        : keySpec.startsWith('ECC')
          ? 'SIGN_VERIFY'
          : 'ENCRYPT_DECRYPT')) as string;
    const id = uuid();
    const meta: Key['meta'] = {
      AWSAccountId: accountId,
      KeyId: id,
      Arn: buildArn('kms', region, accountId, `key/${id}`),
      CreationDate: new Date(),
      Enabled: true,
      Description: (input.Description as string | undefined) ?? '',
      KeyUsage: keyUsage,
      KeyState: 'Enabled',
      Origin: (input.Origin as string | undefined) ?? 'AWS_KMS',
      KeyManager: manager,
      CustomerMasterKeySpec: keySpec,
      KeySpec: keySpec,
      ...(keyUsage === 'ENCRYPT_DECRYPT'
        ? {
            EncryptionAlgorithms:
              keySpec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
          }
        : {}),
      ...(keyUsage === 'SIGN_VERIFY'
        ? {
            SigningAlgorithms: keySpec.startsWith('RSA')
              ? ['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256']
              : ['ECDSA_SHA_256'],
          }
        : {}),
      MultiRegion: input.MultiRegion === true,
      region,
    };
    const key: Key = { meta, tags: (input.Tags as Key['tags'] | undefined) ?? [] };
    r.keys.set(id, key);
    return key;
  }

  private find(idOrArnOrAlias: unknown, region: string, accountId: string): Key {
    if (typeof idOrArnOrAlias !== 'string' || idOrArnOrAlias === '') {
      throw validation(
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    }
    let ref = idOrArnOrAlias;
    const arn = parseArn(ref);
    if (arn) {
      if (arn.service !== 'kms') throw notFound(`Invalid arn ${ref}`);
      region = arn.region;
      accountId = arn.accountId;
      ref = arn.resource;
      if (ref.startsWith('key/')) ref = ref.slice(4);
      else if (!ref.startsWith('alias/')) throw notFound(`Invalid arn ${idOrArnOrAlias}`);
    }
    const r = this.state(region, accountId);
    if (ref.startsWith('alias/')) {
      const alias = r.aliases.get(ref);
      const key = alias && r.keys.get(alias.TargetKeyId);
      if (!key) throw notFound(`Alias ${buildArn('kms', region, accountId, ref)} is not found.`);
      return key;
    }
    const key = r.keys.get(ref);
    if (!key) {
      // DescribeKey: "Key 'arn:...:key/<id>' does not exist" for a well-formed id, "Invalid keyId" otherwise.
      if (/^[0-9a-f-]{36}$/i.test(ref) || /^mrk-[0-9a-f]{32}$/.test(ref))
        throw notFound(`Key '${buildArn('kms', region, accountId, `key/${ref}`)}' does not exist`);
      throw notFound(`Invalid keyId '${idOrArnOrAlias}'`);
    }
    return key;
  }

  // CreateKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
  // Errors used: ValidationException (bad KeySpec/KeyUsage combination), TagException (bad tags).
  private createKey(input: Record<string, unknown>, ctx: RequestContext): unknown {
    const keySpec = (input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') as string;
    if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
      throw validation(
        'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec parameter instead.',
      );
    }
    const usages = KEY_SPECS[keySpec];
    if (!usages)
      throw validation(
        `1 validation error detected: Value '${keySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [${Object.keys(KEY_SPECS).join(', ')}]`,
      );
    if (input.KeyUsage !== undefined && !usages.includes(input.KeyUsage as string)) {
      throw validation(`KeyUsage ${String(input.KeyUsage)} is not compatible with KeySpec ${keySpec}`);
    }
    if (typeof input.Description === 'string' && input.Description.length > 8192) {
      throw validation(
        "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192",
      );
    }
    for (const t of (input.Tags as { TagKey?: unknown; TagValue?: unknown }[] | undefined) ?? []) {
      if (typeof t.TagKey !== 'string' || t.TagKey === '' || typeof t.TagValue !== 'string')
        throw new AwsServiceError('TagException', 'Tags must have a non-empty TagKey and a TagValue.');
    }
    const policy = input.Policy === undefined ? undefined : parseKeyPolicy(input.Policy);
    const key = this.newKey(ctx, input, 'CUSTOMER');
    if (policy) this.policies.set(key.meta.Arn, policy);
    return { KeyMetadata: serializeMeta(key.meta) };
  }

  // GetKeyPolicy: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html
  // PolicyName is optional and can only be `default`.
  private getKeyPolicy(input: { KeyId?: unknown; PolicyName?: unknown }, ctx: RequestContext): unknown {
    checkPolicyName(input.PolicyName);
    const key = this.find(input.KeyId, ctx.region, ctx.accountId);
    return { Policy: JSON.stringify(this.keyPolicy(key.meta.Arn)), PolicyName: 'default' };
  }

  // PutKeyPolicy: https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
  // Errors: MalformedPolicyDocumentException; not allowed on AWS managed keys.
  private putKeyPolicy(
    input: { KeyId?: unknown; Policy?: unknown; PolicyName?: unknown },
    ctx: RequestContext,
  ): unknown {
    checkPolicyName(input.PolicyName);
    const key = this.findCustomer(input.KeyId, ctx);
    this.policies.set(key.meta.Arn, parseKeyPolicy(input.Policy));
    return {};
  }

  // DescribeKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
  // KeyId may be a key id, key ARN, alias name or alias ARN. Errors: NotFoundException.
  private describeKey(input: { KeyId?: unknown }, ctx: RequestContext): unknown {
    return { KeyMetadata: serializeMeta(this.find(input.KeyId, ctx.region, ctx.accountId).meta) };
  }

  // ListKeys: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html
  private listKeys(input: { Limit?: number; Marker?: string }, ctx: RequestContext): unknown {
    const keys = [...this.state(ctx.region, ctx.accountId).keys.values()].map((k) => ({
      KeyId: k.meta.KeyId,
      KeyArn: k.meta.Arn,
    }));
    return this.page('ListKeys', keys, input, ctx);
  }

  // CreateAlias: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
  // AliasName must begin with `alias/` and must not begin with `alias/aws/` (reserved for AWS
  // managed keys); pattern ^[a-zA-Z0-9/_-]+$, 1-256 chars. TargetKeyId is a key id or key ARN (not
  // an alias). Errors: AlreadyExistsException, InvalidAliasNameException, NotFoundException.
  private createAlias(input: { AliasName?: unknown; TargetKeyId?: unknown }, ctx: RequestContext): unknown {
    const name = this.checkAliasName(input.AliasName);
    const r = this.state(ctx.region, ctx.accountId);
    const aliasArn = buildArn('kms', ctx.region, ctx.accountId, name);
    if (r.aliases.has(name))
      throw new AwsServiceError('AlreadyExistsException', `An alias with the name ${aliasArn} already exists`);
    const key = this.findTarget(input.TargetKeyId, ctx);
    const now = new Date();
    r.aliases.set(name, {
      AliasName: name,
      AliasArn: aliasArn,
      TargetKeyId: key.meta.KeyId,
      CreationDate: now,
      LastUpdatedDate: now,
    });
    return {};
  }

  // UpdateAlias: https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateAlias.html
  private updateAlias(input: { AliasName?: unknown; TargetKeyId?: unknown }, ctx: RequestContext): unknown {
    const name = this.checkAliasName(input.AliasName);
    const alias = this.state(ctx.region, ctx.accountId).aliases.get(name);
    if (!alias) throw notFound(`Alias ${buildArn('kms', ctx.region, ctx.accountId, name)} is not found.`);
    alias.TargetKeyId = this.findTarget(input.TargetKeyId, ctx).meta.KeyId;
    alias.LastUpdatedDate = new Date();
    return {};
  }

  // DeleteAlias: https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html
  private deleteAlias(input: { AliasName?: unknown }, ctx: RequestContext): unknown {
    const name = this.checkAliasName(input.AliasName);
    if (!this.state(ctx.region, ctx.accountId).aliases.delete(name))
      throw notFound(`Alias ${buildArn('kms', ctx.region, ctx.accountId, name)} is not found.`);
    return {};
  }

  // ListAliases: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html
  // KeyId filters to the aliases of one key (key id or ARN); Limit 1-100 (default 50), Marker paging.
  private listAliases(input: { KeyId?: string; Limit?: number; Marker?: string }, ctx: RequestContext): unknown {
    const r = this.state(ctx.region, ctx.accountId);
    let aliases = [...r.aliases.values()];
    let scope = '';
    if (input.KeyId !== undefined) {
      if (input.KeyId.includes('alias/'))
        throw new AwsServiceError('InvalidArnException', `Invalid keyId ${input.KeyId}`);
      const key = this.find(input.KeyId, ctx.region, ctx.accountId);
      aliases = aliases.filter((a) => a.TargetKeyId === key.meta.KeyId);
      scope = key.meta.KeyId;
    }
    aliases.sort((a, b) => a.AliasName.localeCompare(b.AliasName));
    const listed = aliases.map((a) => ({
      ...a,
      CreationDate: epochSeconds(a.CreationDate),
      LastUpdatedDate: epochSeconds(a.LastUpdatedDate),
    }));
    return this.page('ListAliases', listed, input, ctx, scope);
  }

  /**
   * A page of a listing, KMS-style: Limit within the operation's bounds (LISTINGS), Marker from the
   * NextMarker of the same listing (else 400 InvalidMarkerException, as the API references list),
   * Truncated, and NextMarker when truncated.
   */
  private page(
    operation: keyof typeof LISTINGS,
    items: readonly unknown[],
    input: { Limit?: number; Marker?: string },
    ctx: RequestContext,
    scope = '',
  ): Record<string, unknown> {
    const { field, bounds, most } = LISTINGS[operation];
    const limit = pageSize(input.Limit, bounds, (v) =>
      validation(
        `1 validation error detected: Value '${String(v)}' at 'limit' failed to satisfy constraint: Member must have value between ${bounds.min} and ${bounds.max}`,
      ),
    );
    const { items: page, next } = this.tokens.page(items, {
      listing: `${operation}:${ctx.region}:${ctx.accountId}:${scope}`,
      size: Math.min(limit, most),
      token: input.Marker,
      invalid: () => new AwsServiceError('InvalidMarkerException', 'Invalid marker'),
    });
    return { [field]: page, Truncated: next !== undefined, ...(next ? { NextMarker: next } : {}) };
  }

  // EnableKey / DisableKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html
  // Not allowed on AWS managed keys; KMSInvalidStateException while pending deletion.
  private setEnabled(input: { KeyId?: unknown }, ctx: RequestContext, enabled: boolean): unknown {
    const key = this.findCustomer(input.KeyId, ctx);
    if (key.meta.KeyState === 'PendingDeletion')
      throw new AwsServiceError('KMSInvalidStateException', `${key.meta.Arn} is pending deletion.`);
    key.meta = { ...key.meta, Enabled: enabled, KeyState: enabled ? 'Enabled' : 'Disabled' };
    return {};
  }

  // ScheduleKeyDeletion: https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
  // PendingWindowInDays 7-30, default 30.
  private scheduleKeyDeletion(input: { KeyId?: unknown; PendingWindowInDays?: number }, ctx: RequestContext): unknown {
    const key = this.findCustomer(input.KeyId, ctx);
    const days = input.PendingWindowInDays ?? 30;
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      throw validation(
        `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`,
      );
    }
    if (key.meta.KeyState === 'PendingDeletion')
      throw new AwsServiceError('KMSInvalidStateException', `${key.meta.Arn} is pending deletion.`);
    const deletionDate = new Date(Date.now() + days * 86_400_000);
    key.meta = { ...key.meta, Enabled: false, KeyState: 'PendingDeletion', DeletionDate: deletionDate };
    return {
      KeyId: key.meta.Arn,
      DeletionDate: epochSeconds(deletionDate),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: days,
    };
  }

  // CancelKeyDeletion: https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html
  // The key comes back Disabled.
  private cancelKeyDeletion(input: { KeyId?: unknown }, ctx: RequestContext): unknown {
    const key = this.findCustomer(input.KeyId, ctx);
    if (key.meta.KeyState !== 'PendingDeletion')
      throw new AwsServiceError('KMSInvalidStateException', `${key.meta.Arn} is not pending deletion.`);
    const { DeletionDate: _drop, ...rest } = key.meta;
    key.meta = { ...rest, KeyState: 'Disabled', Enabled: false };
    return { KeyId: key.meta.Arn };
  }

  private findCustomer(keyId: unknown, ctx: RequestContext): Key {
    const key = this.find(keyId, ctx.region, ctx.accountId);
    if (key.meta.KeyManager === 'AWS')
      throw new AwsServiceError('NotAuthorizedException', `You cannot change an AWS managed key: ${key.meta.Arn}`);
    return key;
  }

  private findTarget(target: unknown, ctx: RequestContext): Key {
    if (typeof target === 'string' && target.includes('alias/'))
      throw validation('TargetKeyId must be a key ID or key ARN, not an alias.');
    const key = this.find(target, ctx.region, ctx.accountId);
    if (key.meta.KeyManager === 'AWS')
      throw new AwsServiceError(
        'NotAuthorizedException',
        `You cannot create an alias for an AWS managed key: ${key.meta.Arn}`,
      );
    return key;
  }

  private checkAliasName(name: unknown): string {
    if (typeof name !== 'string' || name === '')
      throw validation(
        "1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null",
      );
    if (!name.startsWith('alias/') || name.length > 256 || !/^[a-zA-Z0-9/_-]+$/.test(name) || name === 'alias/') {
      throw new AwsServiceError(
        'InvalidAliasNameException',
        `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`,
      );
    }
    if (name.startsWith('alias/aws/'))
      throw new AwsServiceError(
        'InvalidAliasNameException',
        'Alias names cannot begin with "alias/aws/". That prefix is reserved for AWS managed keys.',
      );
    return name;
  }
}

function checkPolicyName(name: unknown): void {
  if (name !== undefined && name !== 'default')
    throw new AwsServiceError('NotFoundException', `Policy ${String(name)} does not exist`);
}

/** A key policy document from its JSON text; MalformedPolicyDocumentException as KMS answers it. */
function parseKeyPolicy(text: unknown): PolicyDocument {
  let doc: unknown;
  try {
    doc = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    doc = undefined;
  }
  const problems = doc && typeof doc === 'object' ? policyProblems(doc, 'resource') : ['not a JSON object'];
  if (problems.length > 0)
    throw new AwsServiceError(
      'MalformedPolicyDocumentException',
      `The new key policy will not allow you to update the key policy in the future. (${problems.join('; ')})`,
    );
  return doc as PolicyDocument;
}

function serializeMeta(meta: Key['meta']): Record<string, unknown> {
  const { region: _region, CreationDate, DeletionDate, ...rest } = meta;
  return {
    ...rest,
    CreationDate: epochSeconds(CreationDate),
    ...(DeletionDate ? { DeletionDate: epochSeconds(DeletionDate) } : {}),
  };
}
