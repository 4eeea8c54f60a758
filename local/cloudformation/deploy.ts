// The local stand-in for a CloudFormation stack create: takes the template `serverless package`
// produced, evaluates it (template.ts) with the stack's parameter values, and creates every resource
// on the embedded cloud through the same APIs CloudFormation would call, in dependency order. So the
// roles, their policies, the bucket policies, the functions' environment, the state machine
// definitions and the rules that run locally are exactly those AWS would get.
//
// One handler per resource type (the table below). A type with no local counterpart is either listed
// in NOT_EMULATED with the reason, or the deploy fails naming it: nothing is skipped silently.
import { basename, join } from 'node:path';
import {
  S3Client,
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  type ServerSideEncryptionByDefault,
} from '@aws-sdk/client-s3';
import { SFNClient, CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient, CreateQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  resolveTemplate,
  type ResolvedResource,
  type ResolvedStack,
  type StackContext,
  type Template,
} from './template.js';
import type { PolicyDocument } from '../aws/iam/types.js';
import type { LambdaRuntime } from '../lambda/runtime.js';

/** What the deployer needs to manage identities: the emulated IAM. */
export interface IdentityStore {
  putRole(
    roleArn: string,
    role: { policies: readonly PolicyDocument[]; tags?: Readonly<Record<string, string>> },
  ): void;
  /**
   * Creates a customer-managed policy attached to `roleArns` (the IAM API, local/aws/iam/service.ts).
   * Without it a stack's managed policies are folded into the roles that use them.
   */
  putManagedPolicy?(policyArn: string, document: PolicyDocument, roleArns: readonly string[]): void;
}

export interface StackTargets {
  /** Clients acting as the deploying principal (CloudFormation acts with the caller's permissions). */
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly events: EventBridgeClient;
  /** For AWS::SQS::Queue and AWS::SQS::QueuePolicy (a template without queues needs none). */
  readonly sqs?: SQSClient;
  readonly iam: IdentityStore;
  readonly lambda: LambdaRuntime;
  /** Makes a Step Functions Lambda task reach the runtime's function of that name. */
  readonly registerLambda: (functionName: string, invoke: (event: unknown) => Promise<unknown>) => void;
  /** The package directory: each function's `Code.S3Key` names its zip in it. */
  readonly packageDir: string;
}

export interface DeployedStack extends ResolvedStack {
  /** Logical ids that exist in the template but have no local counterpart (with the reason). */
  readonly notEmulated: Readonly<Record<string, string>>;
}

/** Resource types the embedded cloud does not create, and why that changes nothing the tests can see. */
export const NOT_EMULATED: Readonly<Record<string, string>> = {
  'AWS::Logs::LogGroup': 'function logs go to the process output; retention is an AWS-side setting',
  'AWS::Lambda::Version': 'state machines invoke $LATEST; versions only pin code for rollbacks',
  'AWS::EC2::VPCEndpoint': 'loopback endpoints need no VPC; created only when VPC parameters are given',
  'AWS::EC2::SecurityGroup': 'loopback endpoints need no VPC; created only when VPC parameters are given',
};

interface CfnEncryptionRule {
  ServerSideEncryptionByDefault: ServerSideEncryptionByDefault;
  BucketKeyEnabled?: boolean;
}

type Create = (r: ResolvedResource, t: StackTargets, stack: ResolvedStack) => Promise<void>;

const managedPolicyDocuments = (stack: ResolvedStack): Map<string, { document: PolicyDocument; roles: string[] }> => {
  const out = new Map<string, { document: PolicyDocument; roles: string[] }>();
  for (const r of stack.resources)
    if (r.type === 'AWS::IAM::ManagedPolicy')
      out.set(r.ref, { document: r.properties.PolicyDocument, roles: (r.properties.Roles ?? []) as string[] });
  return out;
};

/** The policies in force for a role: inline, managed by ARN, and managed policies naming it in `Roles`. */
export function rolePolicies(role: ResolvedResource, stack: ResolvedStack): PolicyDocument[] {
  const managed = managedPolicyDocuments(stack);
  const inline = ((role.properties.Policies ?? []) as { PolicyDocument: PolicyDocument }[]).map(
    (p) => p.PolicyDocument,
  );
  const byArn = ((role.properties.ManagedPolicyArns ?? []) as string[]).map((arn) => {
    const doc = managed.get(arn)?.document;
    if (!doc)
      throw new Error(
        `${role.logicalId}: managed policy ${arn} is not in this stack (the embedded IAM holds only the stack's policies)`,
      );
    return doc;
  });
  const naming = [...managed.values()].filter((m) => m.roles.includes(role.ref)).map((m) => m.document);
  return [...inline, ...byArn, ...naming];
}

const inlinePolicies = (role: ResolvedResource): PolicyDocument[] =>
  ((role.properties.Policies ?? []) as { PolicyDocument: PolicyDocument }[]).map((p) => p.PolicyDocument);

const tagsOf = (r: ResolvedResource): Record<string, string> =>
  Object.fromEntries(((r.properties.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));

/**
 * AWS::SQS::Queue properties → CreateQueue attributes (AWS::SQS::Queue reference: each property is
 * the queue attribute of the same name; RedrivePolicy is given as an object and sent as JSON).
 * FIFO properties are refused by the emulator (standard queues only); any other property is not
 * known here and refused, so nothing is dropped silently.
 */
const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'MaximumMessageSize',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
] as const;

function needSqs(t: StackTargets): SQSClient {
  if (!t.sqs) throw new Error('no SQS client was given to the deployer (StackTargets.sqs)');
  return t.sqs;
}

const handlers: Readonly<Record<string, Create>> = {
  // With an IAM API the role gets its inline policies, and the stack's managed policies are attached
  // to it as AWS attaches them (below); otherwise they are folded in. rolePolicies also refuses a
  // managed policy ARN from outside the stack either way.
  'AWS::IAM::Role': async (r, t, stack) => {
    const all = rolePolicies(r, stack);
    t.iam.putRole(r.attributes.Arn!, { policies: t.iam.putManagedPolicy ? inlinePolicies(r) : all, tags: tagsOf(r) });
  },
  // A managed policy, attached to the roles it names in `Roles` and those naming it in
  // ManagedPolicyArns (created after the roles, see deployStack). A policy for principals outside the
  // stack (the team upload policy) is attached by whoever creates those principals.
  'AWS::IAM::ManagedPolicy': async (r, t, stack) => {
    if (!t.iam.putManagedPolicy) return;
    const names = (r.properties.Roles ?? []) as string[];
    const roles = stack.resources.filter(
      (x) =>
        x.type === 'AWS::IAM::Role' &&
        (names.includes(x.ref) || ((x.properties.ManagedPolicyArns ?? []) as string[]).includes(r.ref)),
    );
    t.iam.putManagedPolicy(
      r.ref,
      r.properties.PolicyDocument,
      roles.map((x) => x.attributes.Arn!),
    );
  },

  'AWS::S3::Bucket': async (r, t) => {
    const Bucket = r.ref;
    await t.s3.send(new CreateBucketCommand({ Bucket }));
    const p = r.properties;
    if (p.VersioningConfiguration?.Status)
      await t.s3.send(
        new PutBucketVersioningCommand({
          Bucket,
          VersioningConfiguration: { Status: p.VersioningConfiguration.Status },
        }),
      );
    if (p.BucketEncryption)
      await t.s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          // CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault
          // (AWS::S3::Bucket ServerSideEncryptionRule; S3 API reference, PutBucketEncryption).
          ServerSideEncryptionConfiguration: {
            Rules: (p.BucketEncryption.ServerSideEncryptionConfiguration as CfnEncryptionRule[]).map((rule) => ({
              ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault,
              ...(rule.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: rule.BucketKeyEnabled } : {}),
            })),
          },
        }),
      );
    if (p.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled)
      await t.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: { EventBridgeConfiguration: {} },
        }),
      );
  },
  'AWS::S3::BucketPolicy': async (r, t) => {
    await t.s3.send(
      new PutBucketPolicyCommand({ Bucket: r.properties.Bucket, Policy: JSON.stringify(r.properties.PolicyDocument) }),
    );
  },

  // VpcConfig is not modelled: the sandboxes reach the loopback broker and endpoints directly, and
  // the ENI permissions it needs are the Lambda service's (listed in test/e2e/deployment.test.ts).
  'AWS::Lambda::Function': async (r, t) => {
    const p = r.properties;
    const name = r.ref;
    t.lambda.createFunction({
      functionName: name,
      functionArn: r.attributes.Arn!,
      handler: p.Handler,
      zipPath: join(t.packageDir, basename(String(p.Code?.S3Key ?? `${name}.zip`))),
      roleArn: p.Role,
      environment: Object.fromEntries(Object.entries(p.Environment?.Variables ?? {}).map(([k, v]) => [k, String(v)])),
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMiB: Number(p.MemorySize ?? 128),
      runtime: p.Runtime,
      ...(p.ReservedConcurrentExecutions !== undefined
        ? { reservedConcurrency: Number(p.ReservedConcurrentExecutions) }
        : {}),
    });
    t.registerLambda(name, (event) => t.lambda.invoke(name, event));
  },

  'AWS::StepFunctions::StateMachine': async (r, t) => {
    const p = r.properties;
    await t.sfn.send(
      new CreateStateMachineCommand({
        name: r.attributes.Name,
        definition: typeof p.DefinitionString === 'string' ? p.DefinitionString : JSON.stringify(p.Definition),
        roleArn: p.RoleArn,
        ...(p.StateMachineType ? { type: p.StateMachineType } : {}),
      }),
    );
  },

  'AWS::SQS::Queue': async (r, t) => {
    const p = r.properties as Record<string, unknown>;
    const unknown = Object.keys(p).filter(
      (k) => k !== 'QueueName' && k !== 'Tags' && !(QUEUE_ATTRIBUTES as readonly string[]).includes(k),
    );
    if (unknown.length) throw new Error(`properties the local deployer does not know: ${unknown.join(', ')}`);
    const Attributes: Record<string, string> = {};
    for (const k of QUEUE_ATTRIBUTES)
      if (p[k] !== undefined) Attributes[k] = typeof p[k] === 'object' ? JSON.stringify(p[k]) : String(p[k]);
    const tags = tagsOf(r);
    await needSqs(t).send(
      new CreateQueueCommand({
        QueueName: r.attributes.QueueName!,
        Attributes,
        ...(Object.keys(tags).length ? { tags } : {}),
      }),
    );
  },
  // AWS::SQS::QueuePolicy: the policy document becomes each queue's Policy attribute.
  'AWS::SQS::QueuePolicy': async (r, t) => {
    const queues = (r.properties.Queues ?? []) as string[];
    for (const QueueUrl of queues)
      await needSqs(t).send(
        new SetQueueAttributesCommand({
          QueueUrl,
          Attributes: { Policy: JSON.stringify(r.properties.PolicyDocument) },
        }),
      );
  },
  // AWS::Lambda::EventSourceMapping (SQS sources): created, validated and polled by the Lambda
  // runtime (local/lambda/event-source.ts).
  'AWS::Lambda::EventSourceMapping': async (r, t) => {
    const p = r.properties;
    const known = [
      'EventSourceArn',
      'FunctionName',
      'BatchSize',
      'MaximumBatchingWindowInSeconds',
      'Enabled',
      'FunctionResponseTypes',
      'ScalingConfig',
    ];
    const unknown = Object.keys(p).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`properties the local deployer does not know: ${unknown.join(', ')}`);
    await t.lambda.createEventSourceMapping({
      eventSourceArn: p.EventSourceArn,
      functionName: p.FunctionName,
      ...(p.BatchSize !== undefined ? { batchSize: Number(p.BatchSize) } : {}),
      ...(p.MaximumBatchingWindowInSeconds !== undefined
        ? { maximumBatchingWindowInSeconds: Number(p.MaximumBatchingWindowInSeconds) }
        : {}),
      ...(p.Enabled !== undefined ? { enabled: p.Enabled === true || p.Enabled === 'true' } : {}),
      ...(p.FunctionResponseTypes ? { functionResponseTypes: p.FunctionResponseTypes } : {}),
      ...(p.ScalingConfig?.MaximumConcurrency !== undefined
        ? { maximumConcurrency: Number(p.ScalingConfig.MaximumConcurrency) }
        : {}),
    });
  },

  'AWS::Events::Rule': async (r, t) => {
    const p = r.properties;
    await t.events.send(
      new PutRuleCommand({
        Name: r.ref,
        ...(p.EventPattern
          ? { EventPattern: typeof p.EventPattern === 'string' ? p.EventPattern : JSON.stringify(p.EventPattern) }
          : {}),
        ...(p.ScheduleExpression ? { ScheduleExpression: p.ScheduleExpression } : {}),
        State: p.State ?? 'ENABLED',
      }),
    );
    if (p.Targets?.length) await t.events.send(new PutTargetsCommand({ Rule: r.ref, Targets: p.Targets }));
  },
};

/** Evaluates the template and creates its resources, in dependency order. */
export async function deployStack(
  template: Template,
  context: StackContext,
  targets: StackTargets,
): Promise<DeployedStack> {
  const stack = resolveTemplate(template, context);
  const notEmulated: Record<string, string> = {};
  const unknown = stack.resources.filter((r) => !handlers[r.type] && !NOT_EMULATED[r.type]);
  if (unknown.length)
    throw new Error(
      `the local deployer cannot create ${unknown.map((r) => `${r.logicalId} (${r.type})`).join(', ')}: add a handler in local/cloudformation/deploy.ts`,
    );
  // Identities first: CloudFormation creates a resource only after what it references, and every
  // other resource here is used by a principal that must exist before its first request. Roles
  // before managed policies, which are attached to them.
  const rank = (r: ResolvedResource) =>
    r.type === 'AWS::IAM::Role'
      ? 0
      : r.type === 'AWS::IAM::ManagedPolicy'
        ? 1
        : r.type.startsWith('AWS::IAM::')
          ? 2
          : 3;
  const iamFirst = [...stack.resources].sort((a, b) => rank(a) - rank(b));
  for (const r of iamFirst) {
    const create = handlers[r.type];
    if (create) {
      try {
        await create(r, targets, stack);
      } catch (e) {
        // CloudFormation's CREATE_FAILED names the resource and the service's reason.
        const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        throw new Error(`${r.logicalId} (${r.type}) CREATE_FAILED: ${reason}`, { cause: e });
      }
    } else notEmulated[r.logicalId] = NOT_EMULATED[r.type]!;
  }
  return { ...stack, notEmulated };
}
