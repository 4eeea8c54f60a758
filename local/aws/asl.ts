// The ASL resource convention, in code, for everyone who runs state-machines/*.asl.yaml outside
// CloudFormation (the local runner, the validator in tests).
//
// A Lambda task names its function by the serverless.yml function key:
//     Resource: { Fn::GetAtt: [validateSpec, Arn] }
// serverless-step-functions turns that into the deployed function's ARN (Fn::Sub). The direct
// function-ARN form (not `arn:aws:states:::lambda:invoke`) is deliberate: the task's result is the
// handler's return value, exactly what a local handler override returns, so the same ResultPath
// and ResultSelector work in AWS and locally. Nested workflows use `StateMachineArn: { Ref: <id> }`
// with the `id:` of serverless.yml's stateMachines; reprovision's Distributed Map names the spec bucket
// as `{ Ref: SpecBucket }` (its ItemReader and ResultWriter). Nothing else in the files is a variable.
import { parse } from 'yaml';

export type Definition = Record<string, unknown> & { States: Record<string, State>; StartAt: string };
export type State = Record<string, unknown> & { Type: string };

export function parseDefinition(text: string): Definition {
  return parse(text) as Definition;
}

function* walk(states: Record<string, State>): Generator<[string, State]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    if (state.Type === 'Parallel')
      for (const b of state.Branches as { States: Record<string, State> }[]) yield* walk(b.States);
    if (state.Type === 'Map') {
      const proc = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, State> };
      yield* walk(proc.States);
    }
  }
}

/** Every state of the machine, nested ones included, by name (ASL names are unique per machine). */
export function allStates(def: Definition): Map<string, State> {
  return new Map(walk(def.States));
}

/** State name → serverless.yml function key, for every Lambda task. */
export function lambdaTasks(def: Definition): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, state] of walk(def.States)) {
    const r = state.Resource as { 'Fn::GetAtt'?: [string, string] } | undefined;
    if (state.Type === 'Task' && r && typeof r === 'object' && Array.isArray(r['Fn::GetAtt']))
      out.set(name, r['Fn::GetAtt'][0]);
  }
  return out;
}

/** State name → service integration resource (`arn:aws:states:::aws-sdk:s3:putObject`, ...), for the other tasks. */
export function integrationTasks(def: Definition): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, state] of walk(def.States))
    if (state.Type === 'Task' && typeof state.Resource === 'string') out.set(name, state.Resource);
  return out;
}

export interface Resolvers {
  /** serverless.yml function key → a Lambda ARN (real or made up for local use). */
  readonly lambdaArn: (functionKey: string) => string;
  /** CloudFormation logical id (e.g. ProvisionStateMachine → its ARN, SpecBucket → the bucket name). */
  readonly ref: (logicalId: string) => string;
}

/** A copy with every `Fn::GetAtt`/`Ref` replaced by a string, as CloudFormation would do. */
export function resolveDefinition(def: Definition, r: Resolvers): Definition {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === 'Fn::GetAtt') return r.lambdaArn((o['Fn::GetAtt'] as string[])[0]!);
      if (keys.length === 1 && keys[0] === 'Ref') return r.ref(o.Ref as string);
      return Object.fromEntries(keys.map((k) => [k, visit(o[k])]));
    }
    return v;
  };
  return visit(def) as Definition;
}

export const localLambdaArn = (functionKey: string, region = 'us-east-1', account = '000000000000'): string =>
  `arn:aws:lambda:${region}:${account}:function:${functionKey}`;
export const localStateMachineArn = (logicalId: string, region = 'us-east-1', account = '000000000000'): string =>
  `arn:aws:states:${region}:${account}:stateMachine:${logicalId}`;
