// A CloudFormation template evaluated as CloudFormation evaluates it on deploy: parameters (with
// their defaults, AllowedValues and AllowedPattern), pseudo parameters, Conditions, Rules, and the intrinsic functions the
// packaged template uses. The result is every resource whose condition holds, with its properties
// fully resolved and its physical id and attributes (what `Ref` and `Fn::GetAtt` return).
//
// Sources: AWS CloudFormation User Guide, "Intrinsic function reference" (Ref, Fn::GetAtt, Fn::Sub,
// Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or), "Pseudo
// parameters reference", and each resource type's "Return values" section (the `refAndAttributes`
// table below). Physical names follow CloudFormation's generated-name rule
// (`<stack>-<logicalId>-<random>`, buckets lowercased), with a deterministic suffix so a local
// deployment is reproducible.
import { createHash } from 'node:crypto';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Parameters?: Record<
    string,
    {
      Type: string;
      Default?: unknown;
      AllowedValues?: unknown[];
      AllowedPattern?: string;
      MinValue?: number;
      MaxValue?: number;
      ConstraintDescription?: string;
    }
  >;
  readonly Rules?: Record<string, { RuleCondition?: Json; Assertions: { Assert: Json; AssertDescription?: string }[] }>;
  readonly Conditions?: Record<string, Json>;
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { Value: Json; Condition?: string }>;
}

export interface StackContext {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** Parameter values by name; parameters without one take their Default. */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Service endpoints that appear in Ref values: SQS queue URLs are `<sqs>/<account>/<name>`
   * (default AWS's `https://sqs.<region>.amazonaws.com`; the embedded cloud gives its gateway, since
   * the SDK sends to a queue URL's host).
   */
  readonly endpoints?: { readonly sqs?: string };
}

export interface ResolvedResource {
  readonly logicalId: string;
  readonly type: string;
  /** Properties with every intrinsic resolved and AWS::NoValue removed. */
  readonly properties: Json;
  /** What `Ref` returns. */
  readonly ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolvedStack {
  readonly context: StackContext;
  readonly parameters: Readonly<Record<string, string>>;
  /** In dependency order: a resource comes after everything it references. */
  readonly resources: readonly ResolvedResource[];
  readonly outputs: Readonly<Record<string, string>>;
  get(logicalId: string): ResolvedResource;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const NO_VALUE = Symbol('AWS::NoValue');

function suffix(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, '').slice(0, length);
}

/** CloudFormation's generated physical name: `<stack>-<logicalId>-<suffix>`, trimmed to `max`. */
function generatedName(ctx: StackContext, logicalId: string, max: number, lower = false): string {
  const tail = suffix(`${ctx.stackName}/${logicalId}`, 12);
  const name = `${ctx.stackName}-${logicalId}`.slice(0, max - tail.length - 1) + `-${tail}`;
  return lower ? name.toLowerCase() : name;
}

type Naming = (
  ctx: StackContext,
  logicalId: string,
  props: Json,
) => { ref: string; attributes: Record<string, string> };

/** Each resource type's Ref and GetAtt values (the "Return values" section of its reference page). */
const refAndAttributes: Readonly<Record<string, Naming>> = {
  'AWS::S3::Bucket': (ctx, id, p) => {
    const name = p.BucketName ?? generatedName(ctx, id, 63, true);
    return {
      ref: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
      },
    };
  },
  'AWS::IAM::Role': (ctx, id, p) => {
    const name = p.RoleName ?? generatedName(ctx, id, 64);
    const path = p.Path ?? '/';
    return {
      ref: name,
      attributes: {
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
        RoleId: `AROA${suffix(name, 17).toUpperCase()}`,
      },
    };
  },
  'AWS::IAM::ManagedPolicy': (ctx, id, p) => {
    const name = p.ManagedPolicyName ?? generatedName(ctx, id, 128);
    const arn = `arn:aws:iam::${ctx.accountId}:policy${p.Path ?? '/'}${name}`;
    return { ref: arn, attributes: { PolicyArn: arn } };
  },
  'AWS::Lambda::Function': (ctx, id, p) => {
    const name = p.FunctionName ?? generatedName(ctx, id, 64);
    return { ref: name, attributes: { Arn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}` } };
  },
  // Lambda::Version: Ref is the version's ARN (`<function ARN>:<version>`); a new stack's first is 1.
  'AWS::Lambda::Version': (ctx, _id, p) => {
    const arn = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${p.FunctionName}:1`;
    return { ref: arn, attributes: { Version: '1' } };
  },
  'AWS::StepFunctions::StateMachine': (ctx, id, p) => {
    const name = p.StateMachineName ?? generatedName(ctx, id, 80);
    const arn = `arn:aws:states:${ctx.region}:${ctx.accountId}:stateMachine:${name}`;
    return { ref: arn, attributes: { Arn: arn, Name: name } };
  },
  'AWS::Events::Rule': (ctx, id, p) => {
    const name = p.Name ?? generatedName(ctx, id, 64);
    return { ref: name, attributes: { Arn: `arn:aws:events:${ctx.region}:${ctx.accountId}:rule/${name}` } };
  },
  // AWS::SQS::Queue, "Return values": Ref is the queue URL; Arn, QueueName and QueueUrl attributes.
  // Without QueueName, CloudFormation generates one (at most 80 characters).
  'AWS::SQS::Queue': (ctx, id, p) => {
    const name = p.QueueName ?? generatedName(ctx, id, 80);
    const endpoint = ctx.endpoints?.sqs ?? `https://sqs.${ctx.region}.amazonaws.com`;
    const url = `${endpoint.replace(/\/+$/, '')}/${ctx.accountId}/${name}`;
    return {
      ref: url,
      attributes: { Arn: `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`, QueueName: name, QueueUrl: url },
    };
  },
  // AWS::Lambda::EventSourceMapping: Ref is the mapping's id (a UUID); Id and EventSourceMappingArn.
  'AWS::Lambda::EventSourceMapping': (ctx, id) => {
    const h = createHash('sha256').update(`${ctx.stackName}/${id}`).digest('hex');
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    return {
      ref: uuid,
      attributes: {
        Id: uuid,
        EventSourceMappingArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${uuid}`,
      },
    };
  },
  'AWS::Logs::LogGroup': (ctx, id, p) => {
    const name = p.LogGroupName ?? generatedName(ctx, id, 512);
    return { ref: name, attributes: { Arn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${name}:*` } };
  },
};

/** Types with no local counterpart still get an id, so references to them resolve. */
function defaultNaming(ctx: StackContext, id: string): { ref: string; attributes: Record<string, string> } {
  return { ref: generatedName(ctx, id, 64), attributes: {} };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function resolveTemplate(template: Template, context: StackContext): ResolvedStack {
  const params: Record<string, string> = {};
  for (const [name, decl] of Object.entries(template.Parameters ?? {})) {
    const given = context.parameters?.[name];
    const value = given ?? (decl.Default === undefined ? undefined : String(decl.Default));
    if (value === undefined) throw new TemplateError(`Parameters: ${name} must have a value`);
    if (decl.AllowedValues && !decl.AllowedValues.map(String).includes(value))
      throw new TemplateError(
        `Parameters: ${name}=${JSON.stringify(value)} is not one of ${decl.AllowedValues.join(', ')}`,
      );
    // AllowedPattern applies to String parameters and must match the whole value (CloudFormation
    // User Guide, "Parameters": AllowedPattern).
    if (decl.AllowedPattern !== undefined && !new RegExp(`^(?:${decl.AllowedPattern})$`).test(value))
      throw new TemplateError(
        `Parameters: ${name} ${decl.ConstraintDescription ?? `must match pattern ${decl.AllowedPattern}`}`,
      );
    // A Number parameter must be a number within MinValue and MaxValue; Ref still gives the
    // string (CloudFormation User Guide, "Parameters": Number, MinValue, MaxValue).
    if (decl.Type === 'Number') {
      const n = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n)) throw new TemplateError(`Parameters: ${name}=${JSON.stringify(value)} must be a number`);
      if ((decl.MinValue !== undefined && n < decl.MinValue) || (decl.MaxValue !== undefined && n > decl.MaxValue))
        throw new TemplateError(
          `Parameters: ${name} ${decl.ConstraintDescription ?? `must be between ${decl.MinValue ?? '-∞'} and ${decl.MaxValue ?? '∞'}`}`,
        );
    }
    params[name] = value;
  }
  for (const name of Object.keys(context.parameters ?? {}))
    if (!(name in params)) throw new TemplateError(`Parameters: ${name} is not declared by the template`);

  const pseudo: Record<string, string> = {
    'AWS::Region': context.region,
    'AWS::AccountId': context.accountId,
    'AWS::Partition': 'aws',
    'AWS::StackName': context.stackName,
    'AWS::StackId': `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/${suffix(context.stackName, 8)}`,
    'AWS::URLSuffix': 'amazonaws.com',
  };

  const conditions = new Map<string, boolean>();
  const evaluatingConditions = new Set<string>();
  const condition = (name: string): boolean => {
    const known = conditions.get(name);
    if (known !== undefined) return known;
    const expr = template.Conditions?.[name];
    if (expr === undefined) throw new TemplateError(`Conditions: ${name} is not declared`);
    if (evaluatingConditions.has(name)) throw new TemplateError(`Conditions: ${name} refers to itself`);
    evaluatingConditions.add(name);
    const value = resolve(expr, `Conditions.${name}`);
    if (typeof value !== 'boolean') throw new TemplateError(`Conditions: ${name} is not a condition function`);
    conditions.set(name, value);
    return value;
  };

  const resolved = new Map<string, ResolvedResource>();
  const order: ResolvedResource[] = [];
  const resolving = new Set<string>();
  const active = (id: string): boolean => {
    const r = template.Resources[id];
    return r !== undefined && (r.Condition === undefined || condition(r.Condition));
  };
  const resource = (id: string, at: string): ResolvedResource => {
    const done = resolved.get(id);
    if (done) return done;
    const decl = template.Resources[id];
    if (!decl) throw new TemplateError(`${at}: no resource ${id}`);
    if (!active(id)) throw new TemplateError(`${at}: ${id} is not created (condition ${decl.Condition} is false)`);
    if (resolving.has(id)) throw new TemplateError(`${at}: circular reference through ${id}`);
    resolving.add(id);
    for (const dep of [decl.DependsOn ?? []].flat()) if (active(dep)) resource(dep, `Resources.${id}.DependsOn`);
    const properties = stripNoValue(resolve(decl.Properties ?? {}, `Resources.${id}.Properties`)) ?? {};
    const naming = (refAndAttributes[decl.Type] ?? ((c, i) => defaultNaming(c, i)))(context, id, properties);
    const r: ResolvedResource = { logicalId: id, type: decl.Type, properties, ...naming };
    resolving.delete(id);
    resolved.set(id, r);
    order.push(r);
    return r;
  };

  const ref = (name: string, at: string): string => {
    if (name in params) return params[name]!;
    if (name in pseudo) return pseudo[name]!;
    return resource(name, at).ref;
  };
  const getAtt = (id: string, attribute: string, at: string): string => {
    const value = resource(id, at).attributes[attribute];
    if (value === undefined)
      throw new TemplateError(`${at}: ${template.Resources[id]!.Type} ${id} has no attribute ${attribute} here`);
    return value;
  };
  const sub = (text: string, vars: Record<string, unknown>, at: string): string =>
    text.replace(/\$\{(!?)([^}]+)\}/g, (whole, bang: string, name: string) => {
      if (bang) return `\${${name}}`; // ${!Literal} stays as ${Literal}
      if (name in vars) return String(vars[name]);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return getAtt(name.slice(0, dot), name.slice(dot + 1), at);
      return ref(name, at);
    });

  function resolve(value: unknown, at: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => resolve(v, `${at}[${i}]`));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn];
      const here = `${at}.${fn}`;
      switch (fn) {
        case 'Ref':
          return arg === 'AWS::NoValue' ? NO_VALUE : ref(String(arg), here);
        case 'Fn::GetAtt': {
          const [id, attribute] =
            typeof arg === 'string' ? (arg.split(/\.(.*)/s) as [string, string]) : (arg as [string, string]);
          return getAtt(id, attribute, here);
        }
        case 'Fn::Sub': {
          const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
          return sub(text, resolve(vars, here) as Record<string, unknown>, here);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (resolve(parts, here) as unknown[]).filter((p) => p !== NO_VALUE).join(sep);
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(resolve(text, here)).split(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const items = resolve(list, here) as unknown[];
          const i = Number(resolve(index, here));
          if (!Array.isArray(items) || !(i >= 0 && i < items.length))
            throw new TemplateError(`${here}: index ${i} out of range`);
          return items[i];
        }
        case 'Fn::If': {
          const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
          return condition(name) ? resolve(whenTrue, here) : resolve(whenFalse, here);
        }
        case 'Fn::Equals': {
          const [a, b] = resolve(arg, here) as [unknown, unknown];
          return JSON.stringify(a) === JSON.stringify(b);
        }
        case 'Fn::Not':
          return !(resolve((arg as unknown[])[0], here) as boolean);
        case 'Fn::And':
          return (resolve(arg, here) as boolean[]).every(Boolean);
        case 'Fn::Or':
          return (resolve(arg, here) as boolean[]).some(Boolean);
        case 'Condition':
          return condition(String(arg));
        // Rule-specific functions (CloudFormation User Guide, "Rule functions").
        case 'Fn::Contains': {
          const [list, item] = resolve(arg, here) as [unknown[], unknown];
          return list.map(String).includes(String(item));
        }
        case 'Fn::EachMemberEquals': {
          const [list, item] = resolve(arg, here) as [unknown[], unknown];
          return list.every((v) => String(v) === String(item));
        }
        case 'Fn::EachMemberIn': {
          const [list, allowed] = resolve(arg, here) as [unknown[], unknown[]];
          return list.every((v) => allowed.map(String).includes(String(v)));
        }
        default:
          if (fn.startsWith('Fn::')) throw new TemplateError(`${here}: ${fn} is not supported by the local deployer`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, resolve(value[k], `${at}.${k}`)]));
  }

  // Rules are checked before anything is created: a failed assertion refuses the whole stack
  // (CloudFormation User Guide, "Rules": RuleCondition, Assertions, AssertDescription).
  for (const [name, rule] of Object.entries(template.Rules ?? {})) {
    if (rule.RuleCondition !== undefined && resolve(rule.RuleCondition, `Rules.${name}.RuleCondition`) !== true)
      continue;
    for (const [i, a] of rule.Assertions.entries())
      if (resolve(a.Assert, `Rules.${name}.Assertions[${i}]`) !== true)
        throw new TemplateError(`Rules.${name}: ${a.AssertDescription ?? 'assertion failed'}`);
  }

  for (const id of Object.keys(template.Resources)) if (active(id)) resource(id, 'Resources');
  const outputs: Record<string, string> = {};
  for (const [name, out] of Object.entries(template.Outputs ?? {})) {
    if (out.Condition !== undefined && !condition(out.Condition)) continue;
    outputs[name] = String(resolve(out.Value, `Outputs.${name}`));
  }

  return {
    context,
    parameters: params,
    resources: order,
    outputs,
    get(logicalId) {
      const r = resolved.get(logicalId);
      if (!r) throw new TemplateError(`no deployed resource ${logicalId}`);
      return r;
    },
  };
}

/** Removes `{Ref: AWS::NoValue}` results: as a property value the property is dropped, in a list the item. */
function stripNoValue(value: unknown): Json {
  if (value === NO_VALUE) return undefined;
  if (Array.isArray(value)) return value.filter((v) => v !== NO_VALUE).map(stripNoValue);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== NO_VALUE) out[k] = stripNoValue(v);
    return out;
  }
  return value;
}
