// The local stand-in for `serverless deploy`: reads serverless.yml and creates, through the real
// SDK clients against the emulated endpoints, the same state machines (from the same ASL files) and
// the same EventBridge rules that CloudFormation would. Nothing here is a second copy of the
// deployment: change serverless.yml or state-machines/ and the local run follows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SFNClient, CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { parseDefinition, resolveDefinition, localLambdaArn, localStateMachineArn } from '../lib/aws/asl.js';

interface ServerlessEvent {
  eventBridge?: { event?: Record<string, unknown>; pattern?: Record<string, unknown> };
  schedule?: string | { rate?: string | string[] };
}

export interface StateMachineDeployment {
  /** serverless.yml key, e.g. `provision`. */
  readonly key: string;
  /** CloudFormation logical id (`id:`), e.g. `ProvisionStateMachine`; the local state machine's name. */
  readonly id: string;
  readonly definitionFile: string;
  readonly events: readonly ServerlessEvent[];
}

export interface Deployment {
  readonly stateMachines: readonly StateMachineDeployment[];
  /** Function key → the environment variable names serverless.yml gives it. */
  readonly functionEnv: Readonly<Record<string, readonly string[]>>;
}

const FILE_VARIABLE = /^\$\{file\(\.\/(.+)\)\}$/;

export function readDeployment(root: string): Deployment {
  const doc = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { environment?: Record<string, unknown> }>;
    stepFunctions: { stateMachines: Record<string, { id: string; definition: string; events?: ServerlessEvent[] }> };
  };
  const stateMachines = Object.entries(doc.stepFunctions.stateMachines).map(([key, sm]) => {
    const file = FILE_VARIABLE.exec(sm.definition)?.[1];
    if (!file) throw new Error(`serverless.yml: stepFunctions.stateMachines.${key}.definition must be \${file(./...)}`);
    return { key, id: sm.id, definitionFile: join(root, file), events: sm.events ?? [] };
  });
  const functionEnv = Object.fromEntries(
    Object.entries(doc.functions).map(([key, fn]) => [key, Object.keys(fn.environment ?? {})]),
  );
  return { stateMachines, functionEnv };
}

/** Replaces CloudFormation `{Ref: X}` in an event pattern, as CloudFormation does on deploy. */
function resolveRefs(value: unknown, ref: (logicalId: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, ref));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.Ref === 'string') return ref(o.Ref);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveRefs(v, ref)]));
  }
  return value;
}

export interface DeployOptions {
  readonly root: string;
  readonly region: string;
  readonly accountId: string;
  /** CloudFormation logical ids of non-state-machine resources, e.g. SpecBucket → bucket name. */
  readonly resources: Readonly<Record<string, string>>;
  readonly sfn: SFNClient;
  readonly events: EventBridgeClient;
}

export interface DeployedStateMachines {
  /** serverless.yml key → state machine ARN. */
  readonly arns: Readonly<Record<string, string>>;
}

export async function deployStateMachines(options: DeployOptions): Promise<DeployedStateMachines> {
  const { root, region, accountId, resources } = options;
  const deployment = readDeployment(root);
  const ids = new Set(deployment.stateMachines.map((sm) => sm.id));
  const ref = (logicalId: string): string => {
    if (ids.has(logicalId)) return localStateMachineArn(logicalId, region, accountId);
    const value = resources[logicalId];
    if (value === undefined) throw new Error(`no local value for CloudFormation resource ${logicalId}`);
    return value;
  };

  const arns: Record<string, string> = {};
  for (const sm of deployment.stateMachines) {
    const definition = resolveDefinition(parseDefinition(readFileSync(sm.definitionFile, 'utf8')), {
      lambdaArn: (key) => localLambdaArn(key, region, accountId),
      ref,
    });
    const created = await options.sfn.send(
      new CreateStateMachineCommand({
        name: sm.id,
        definition: JSON.stringify(definition),
        roleArn: `arn:aws:iam::${accountId}:role/${sm.id}Role`,
      }),
    );
    arns[sm.key] = created.stateMachineArn!;

    for (const [index, event] of sm.events.entries()) {
      const rule = `${sm.id}-rule-${index}`;
      const eventPattern = event.eventBridge?.event ?? event.eventBridge?.pattern;
      const rate = typeof event.schedule === 'string' ? event.schedule : [event.schedule?.rate ?? []].flat()[0];
      if (eventPattern) {
        await options.events.send(
          new PutRuleCommand({
            Name: rule,
            EventPattern: JSON.stringify(resolveRefs(eventPattern, ref)),
            State: 'ENABLED',
          }),
        );
      } else if (rate) {
        await options.events.send(new PutRuleCommand({ Name: rule, ScheduleExpression: rate, State: 'ENABLED' }));
      } else continue;
      await options.events.send(
        // EventBridge needs a role to start executions (PutTargets: RoleArn is required for Step
        // Functions targets); serverless-step-functions creates one per rule.
        new PutTargetsCommand({
          Rule: rule,
          Targets: [{ Id: sm.id, Arn: created.stateMachineArn!, RoleArn: `arn:aws:iam::${accountId}:role/${rule}` }],
        }),
      );
    }
  }
  return { arns };
}
