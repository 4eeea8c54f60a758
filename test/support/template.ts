// The packaged CloudFormation template (local/package.ts, warm from the global setup), resolved the
// way CloudFormation resolves it on deploy: Parameters get values (production-like by default),
// conditions are evaluated, resources whose condition is false are dropped, and every intrinsic
// (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If, AWS::NoValue, pseudo
// parameters) becomes a plain value. Then `simulate()` evaluates one request with
// @cloud-copilot/iam-simulate against a role's policies and a bucket policy, as IAM does.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { fileURLToPath } from 'node:url';
import { packageDeployment, type CloudFormationTemplate, type PackagedDeployment } from '../../local/package.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const STAGE = 'local';
export const CLUSTER_ARN = `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/data-products/5a1b2c3d-1111-2222-3333-444455556666-7`;
export const PCA_ARN = `arn:aws:acm-pca:${REGION}:${ACCOUNT}:certificate-authority/0f1e2d3c-aaaa-bbbb-cccc-ddddeeeeffff`;
export const KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const OTHER_KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/9999abcd-12ab-34cd-56ef-1234567890ff`;
export const ADMIN_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_admin-Ab12Cd`;

/** What an operator would pass for a production stack (IAM admin, in a VPC, endpoints created). */
export const PRODUCTION_PARAMETERS: Readonly<Record<string, string>> = {
  ClusterArn: CLUSTER_ARN,
  PcaArn: PCA_ARN,
  KmsKeyArn: KMS_KEY_ARN,
  AuthModes: 'SCRAM,MTLS',
  KafkaAdminAuth: 'IAM',
  KafkaSubnetIds: 'subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002',
  KafkaSecurityGroupIds: 'sg-0a1b2c3d4e5f60003',
  KafkaVpcId: 'vpc-0a1b2c3d4e5f60004',
  KafkaVpcEndpoints: 'true',
  KafkaRouteTableIds: 'rtb-0a1b2c3d4e5f60005',
};

export const NO_VALUE = Symbol('AWS::NoValue');

export interface ResolvedResource {
  readonly Type: string;
  readonly Properties: any;
}

export interface ResolvedTemplate {
  readonly parameters: Readonly<Record<string, string>>;
  readonly conditions: Readonly<Record<string, boolean>>;
  /** Only the resources CloudFormation would create. */
  readonly resources: Readonly<Record<string, ResolvedResource>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The template's Rules whose assertions fail for these values, with their descriptions (CloudFormation refuses the stack). */
  readonly failedRules: readonly string[];
}

let packaged: Promise<PackagedDeployment> | undefined;
/** The packaged deployment (a cache hit after the global setup). */
export function packaged_(): Promise<PackagedDeployment> {
  packaged ??= packageDeployment({ root: ROOT, stage: STAGE });
  return packaged;
}

/** Physical names CloudFormation would give (stable fakes). */
function physicalId(id: string, r: { Type: string; Properties?: any } | undefined): string {
  switch (r?.Type) {
    case 'AWS::S3::Bucket':
      return `msk-spec-provisioner-${STAGE}-${id.toLowerCase()}-1a2b3c4d5e6f`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${r.Properties?.StateMachineName ?? id}`;
    case 'AWS::IAM::ManagedPolicy':
      return `arn:aws:iam::${ACCOUNT}:policy/${id}`;
    case 'AWS::Lambda::Function':
      return r.Properties?.FunctionName ?? id;
    default:
      return id;
  }
}

export function resolveTemplate(
  template: CloudFormationTemplate,
  values: Readonly<Record<string, string>> = PRODUCTION_PARAMETERS,
): ResolvedTemplate {
  const declared = template.Parameters ?? {};
  const parameters: Record<string, string> = {};
  for (const [k, p] of Object.entries(declared)) {
    const v = values[k] ?? p.Default;
    if (v === undefined) throw new Error(`parameter ${k} has no value and no default`);
    parameters[k] = String(v);
  }
  const raw = template.Resources;
  const pseudo: Record<string, string> = {
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': `msk-spec-provisioner-${STAGE}`,
    'AWS::StackId': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/msk-spec-provisioner-${STAGE}/0`,
  };
  const conditions: Record<string, boolean> = {};
  const ref = (name: string): unknown => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in pseudo) return pseudo[name];
    if (name in parameters) {
      const type = String(declared[name].Type);
      return type.startsWith('List<') || type === 'CommaDelimitedList'
        ? parameters[name]!.split(',')
        : parameters[name];
    }
    if (name in raw) return physicalId(name, raw[name]);
    throw new Error(`Ref to unknown ${name}`);
  };
  const getAtt = (id: string, attr: string): string => {
    const r = raw[id];
    if (!r) throw new Error(`GetAtt of unknown resource ${id}`);
    const name = physicalId(id, r);
    if (attr === 'Arn') {
      switch (r.Type) {
        case 'AWS::S3::Bucket':
          return `arn:aws:s3:::${name}`;
        case 'AWS::IAM::Role':
          return `arn:aws:iam::${ACCOUNT}:role/${name}`;
        case 'AWS::Lambda::Function':
          return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
        case 'AWS::StepFunctions::StateMachine':
          return name;
        case 'AWS::Logs::LogGroup':
          return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${r.Properties?.LogGroupName ?? id}:*`;
        case 'AWS::Events::EventBus':
          return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
        default:
          return `arn:aws:fake:${REGION}:${ACCOUNT}:${id}`;
      }
    }
    if (attr === 'GroupId') return `sg-${id.toLowerCase().slice(0, 17)}`;
    return `${name}.${attr}`;
  };
  const sub = (text: string, vars: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]+)\}/g, (_m, expr: string) => {
      if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
      if (expr in vars) return String(vars[expr]);
      if (expr.includes('.') && !expr.startsWith('AWS::')) {
        const [id, ...attr] = expr.split('.');
        return getAtt(id!, attr.join('.'));
      }
      const v = ref(expr);
      if (Array.isArray(v)) throw new Error(`Fn::Sub of list parameter ${expr}`);
      return String(v);
    });
  const condition = (name: string): boolean => {
    if (!(name in conditions)) {
      const c = template.Conditions?.[name];
      if (c === undefined) throw new Error(`unknown condition ${name}`);
      conditions[name] = Boolean(visit(c));
    }
    return conditions[name]!;
  };
  const visit = (v: any): any => {
    if (Array.isArray(v)) return v.map(visit).filter((x) => x !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const a = v[k];
      switch (k) {
        case 'Ref':
          return ref(a);
        case 'Fn::GetAtt':
          return typeof a === 'string' ? getAtt(a.split('.')[0]!, a.split('.').slice(1).join('.')) : getAtt(a[0], a[1]);
        case 'Fn::Sub':
          return typeof a === 'string' ? sub(a, {}) : sub(a[0], visit(a[1]));
        case 'Fn::Join':
          return (visit(a[1]) as unknown[]).join(a[0]);
        case 'Fn::Split':
          return String(visit(a[1])).split(a[0]);
        case 'Fn::Select':
          return (visit(a[1]) as unknown[])[Number(visit(a[0]))];
        case 'Fn::If':
          return condition(a[0]) ? visit(a[1]) : visit(a[2]);
        case 'Fn::Equals':
          return String(visit(a[0])) === String(visit(a[1]));
        case 'Fn::Not':
          return !visit(a[0]);
        case 'Fn::And':
          return (a as unknown[]).every((x) => visit(x));
        case 'Fn::Or':
          return (a as unknown[]).some((x) => visit(x));
        case 'Condition':
          return condition(a);
        case 'Fn::ToJsonString':
          return JSON.stringify(visit(a));
      }
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const x = visit(v[k]);
      if (x !== NO_VALUE) out[k] = x;
    }
    return out;
  };
  for (const name of Object.keys(template.Conditions ?? {})) condition(name);
  const resources: Record<string, ResolvedResource> = {};
  for (const [id, r] of Object.entries(raw)) {
    if (r.Condition && !condition(r.Condition)) continue;
    resources[id] = { Type: r.Type, Properties: visit(r.Properties ?? {}) };
  }
  const outputs: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(template.Outputs ?? {}))
    if (!o.Condition || condition(o.Condition)) outputs[k] = visit(o.Value);
  const failedRules: string[] = [];
  for (const [name, rule] of Object.entries(((template as any).Rules ?? {}) as Record<string, any>)) {
    if (rule.RuleCondition !== undefined && !visit(rule.RuleCondition)) continue;
    for (const a of rule.Assertions ?? []) if (!visit(a.Assert)) failedRules.push(`${name}: ${a.AssertDescription}`);
  }
  return { parameters, conditions, resources, outputs, failedRules };
}

export async function resolvedPackage(values?: Readonly<Record<string, string>>): Promise<ResolvedTemplate> {
  return resolveTemplate((await packaged_()).template, values);
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** The identity policies of a role (inline and managed ones of this template), as IAM holds them. */
export function rolePolicies(t: ResolvedTemplate, roleId: string): { name: string; policy: unknown }[] {
  const role = t.resources[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role of the template`);
  const inline = (role.Properties.Policies ?? []).map((p: any) => ({ name: p.PolicyName, policy: p.PolicyDocument }));
  const managed = Object.entries(t.resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && (r.Properties.Roles ?? []).includes(roleId))
    .map(([id, r]) => ({ name: id, policy: r.Properties.PolicyDocument }));
  return [...inline, ...managed];
}

/**
 * The customer key lives outside the stack; its key policy is taken to be KMS's default one, which
 * lets IAM policies of the account grant its use (KMS Developer Guide, "Default key policy").
 */
export const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

/** The resource policy IAM evaluates beside identity policies: a bucket policy of the template, or the key policy. */
export function bucketPolicyFor(t: ResolvedTemplate, s3Arn: string): unknown {
  if (/^arn:aws:kms:[^:]+:[0-9]{12}:key\//.test(s3Arn)) return DEFAULT_KEY_POLICY;
  if (!s3Arn.startsWith('arn:aws:s3:::')) return undefined;
  const bucket = s3Arn.slice('arn:aws:s3:::'.length).split('/')[0];
  return Object.values(t.resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket === bucket)
    ?.Properties.PolicyDocument;
}

export async function simulate(
  principal: string,
  identityPolicies: { name: string; policy: unknown }[],
  req: Request,
  resourcePolicy?: unknown,
): Promise<{ decision: Decision; detail: string }> {
  const simulation = {
    request: {
      principal,
      action: req.action,
      resource: { resource: req.resource, accountId: ACCOUNT },
      // Every SDK request goes over TLS.
      contextVariables: { 'aws:SecureTransport': 'true', ...req.context },
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
  };
  const r = await runSimulation(simulation, {});
  if (r.resultType === 'error')
    return { decision: 'ImplicitlyDenied', detail: `simulation error: ${JSON.stringify(r.errors)}` };
  return { decision: r.overallResult, detail: `${req.action} on ${req.resource}` };
}

/** A role's decision on one request, with the bucket policy of an S3 resource applied. */
export async function roleDecision(t: ResolvedTemplate, roleId: string, req: Request): Promise<Decision> {
  return (
    await simulate(
      `arn:aws:iam::${ACCOUNT}:role/${roleId}`,
      rolePolicies(t, roleId),
      req,
      bucketPolicyFor(t, req.resource),
    )
  ).decision;
}

export const bucketArn = (t: ResolvedTemplate, id: string): string =>
  `arn:aws:s3:::${t.resources[id] ? physicalId(id, t.resources[id]) : id}`;
/* eslint-enable @typescript-eslint/no-explicit-any */
