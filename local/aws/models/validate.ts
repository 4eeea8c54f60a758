// One interpreter of the official service models (botocore's service-2.json, local/aws/models/fetch.ts):
// checks an operation's input, already in member-name form (see wire.ts for the REST bindings),
// against the operation's input shape, recursively: `required` members, JSON types, string length
// (UTF-16 code units, as the Java front ends count), blob length (bytes), list and map sizes,
// numeric ranges, `enum` and `pattern`. No constraint is written down here: each comes from the model.
//
// Messages are the ones AWS's request validation writes (as answered by e.g. KMS, Secrets Manager,
// EventBridge and Step Functions for a constraint violation):
//   "1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: Member must have
//    length less than or equal to 80"
// several joined with "; " after "N validation errors detected: ". Paths are member names with the
// first letter in lower case, list items as `<list>.<n>.member` (1-based), map values as
// `<map>.<key>.member`. The values of `sensitive` members are never echoed.
//
// Patterns: the models' patterns are Java regular expressions, matched against the whole value
// (AWS's validation matches the entire string: an EventBridge rule name `a b` is refused by
// `[\.\-_A-Za-z0-9]+`). They are translated to JavaScript with the `u` flag, so a surrogate pair
// in a class is one code point as in Java.
import type { MemberRef, OperationModel, ServiceModel, Shape } from './types.js';

export type ConstraintKind = 'required' | 'type' | 'min' | 'max' | 'pattern' | 'enum';

export interface Violation {
  /** AWS's path of the value, e.g. `tags.1.member.value`. */
  readonly path: string;
  /** The top-level member (model name) the value lies under. */
  readonly member: string;
  readonly kind: ConstraintKind;
  /** `Value 'x' at 'path' failed to satisfy constraint: Member must ...` */
  readonly message: string;
}

export interface ValidateOptions {
  /** The name a member has in the path (default: the model name with a lower-case first letter). */
  readonly pathName?: (memberName: string, ref: MemberRef) => string;
}

const lcFirst = (s: string): string => (s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s);

const regexCache = new Map<string, RegExp | null>();

/** Java pattern → JavaScript: identity escapes the `u` flag refuses are dropped (`\_`, `\-` outside a class, `\=`). */
export function javaPatternToJs(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const d = p[++i];
      if (d === undefined) {
        out += '\\\\';
        break;
      }
      if (/[A-Za-z0-9]/.test(d) || '^$\\.*+?()[]{}|/'.includes(d) || (d === '-' && inClass)) out += `\\${d}`;
      else out += d;
      continue;
    }
    if (c === '[' && !inClass) {
      inClass = true;
      out += c;
      if (p[i + 1] === '^') out += p[++i];
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/** The whole-value matcher for a model pattern; null when it cannot be compiled (then it is not checked). */
export function patternRegex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${javaPatternToJs(pattern)})$`, 'u');
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

function show(value: unknown, sensitive: boolean): string {
  if (sensitive || value === undefined) return 'Value';
  if (value === null) return 'Value null';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return `Value '${String(value)}'`;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
    return `Value '[${value.join(', ')}]'`;
  return 'Value';
}

/** Bytes of a blob as sent: base64 text in JSON bodies, raw bytes in REST payloads. */
function blobLength(value: unknown): number | undefined {
  if (typeof value === 'string') return Buffer.from(value, 'base64').length;
  if (value instanceof Uint8Array) return value.length;
  return undefined;
}

function typeOk(shape: Shape, v: unknown): boolean {
  switch (shape.type) {
    case 'structure':
    case 'map':
      return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
    case 'list':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
    case 'long':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float':
    case 'double':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'blob':
      return typeof v === 'string' || v instanceof Uint8Array;
    case 'timestamp':
      return typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
    default:
      return true;
  }
}

/** Checks `input` (member names as keys) against the input shape of `operation`. */
export function validateInput(
  model: ServiceModel,
  operation: string,
  input: unknown,
  opts: ValidateOptions = {},
): Violation[] {
  const op: OperationModel | undefined = model.operations[operation];
  if (!op?.input) return [];
  const out: Violation[] = [];
  const pathName = opts.pathName ?? ((n: string) => lcFirst(n));
  const add = (path: string, member: string, kind: ConstraintKind, value: unknown, sensitive: boolean, rule: string) =>
    out.push({
      path,
      member,
      kind,
      message: `${show(value, sensitive)} at '${path}' failed to satisfy constraint: Member must ${rule}`,
    });

  const walk = (shapeName: string, v: unknown, path: string, top: string, sensitiveAbove: boolean): void => {
    const shape = model.shapes[shapeName];
    if (!shape) return;
    const sensitive = sensitiveAbove || shape.sensitive === true;
    if (!typeOk(shape, v)) {
      add(path, top, 'type', v, sensitive, `be of type ${shape.type}`);
      return;
    }
    const lengthWord =
      shape.type === 'integer' || shape.type === 'long' || shape.type === 'float' || shape.type === 'double'
        ? 'value'
        : 'length';
    let size: number | undefined;
    if (shape.type === 'string') size = (v as string).length;
    else if (shape.type === 'blob') size = blobLength(v);
    else if (shape.type === 'list') size = (v as unknown[]).length;
    else if (shape.type === 'map') size = Object.keys(v as object).length;
    else if (lengthWord === 'value') size = v as number;
    if (size !== undefined && shape.min !== undefined && size < shape.min)
      add(path, top, 'min', v, sensitive, `have ${lengthWord} greater than or equal to ${shape.min}`);
    if (size !== undefined && shape.max !== undefined && size > shape.max)
      add(path, top, 'max', v, sensitive, `have ${lengthWord} less than or equal to ${shape.max}`);
    if (shape.type === 'string') {
      if (shape.enum && !shape.enum.includes(v as string))
        add(path, top, 'enum', v, sensitive, `satisfy enum value set: [${shape.enum.join(', ')}]`);
      if (shape.pattern !== undefined) {
        const re = patternRegex(shape.pattern);
        if (re && !re.test(v as string))
          add(path, top, 'pattern', v, sensitive, `satisfy regular expression pattern: ${shape.pattern}`);
      }
    }
    if (shape.type === 'structure') walkStructure(shape, v as Record<string, unknown>, path, top, sensitive);
    else if (shape.type === 'list' && shape.member)
      (v as unknown[]).forEach((item, i) => walk(shape.member!.shape, item, `${path}.${i + 1}.member`, top, sensitive));
    else if (shape.type === 'map' && shape.key && shape.value)
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        walk(shape.key.shape, k, `${path}.${k}.key`, top, sensitive);
        walk(shape.value.shape, item, `${path}.${k}.member`, top, sensitive);
      }
  };

  const walkStructure = (
    shape: Shape,
    obj: Record<string, unknown>,
    path: string,
    top: string | undefined,
    sensitive: boolean,
  ): void => {
    const required = new Set(shape.required ?? []);
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const p = path === '' ? pathName(name, ref) : `${path}.${pathName(name, ref)}`;
      const v = obj[name];
      if (v === undefined || v === null) {
        if (required.has(name)) add(p, top ?? name, 'required', null, false, 'not be null');
        continue;
      }
      walk(ref.shape, v, p, top ?? name, sensitive);
    }
  };

  const root = model.shapes[op.input.shape];
  if (!root) return out;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    out.push({ path: '', member: '', kind: 'type', message: 'The request must be a JSON object' });
    return out;
  }
  walkStructure(root, input as Record<string, unknown>, '', undefined, false);
  return out;
}

/** AWS's message for a list of violations: `N validation error(s) detected: a; b`. */
export function violationMessage(violations: readonly Violation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map((v) => v.message).join('; ')}`;
}

/** One constraint of an operation's input, for tests that try values on both sides of it. */
export interface Constraint {
  /** Member names from the input shape down (`[]` marks a list item, `{}` a map value, `{key}` a map key). */
  readonly path: readonly string[];
  readonly shape: string;
  readonly kind: Exclude<ConstraintKind, 'type'>;
  /** The bound: min/max number, the pattern, the enum values. */
  readonly bound?: number | string | readonly string[];
}

/**
 * Every constraint reachable from an operation's input shape. A recursive shape is followed once
 * per path (a shape already on the path is not entered again).
 */
export function constraintsOf(model: ServiceModel, operation: string): Constraint[] {
  const op = model.operations[operation];
  const out: Constraint[] = [];
  if (!op?.input) return out;
  const visit = (shapeName: string, path: readonly string[], onPath: ReadonlySet<string>): void => {
    const shape = model.shapes[shapeName];
    if (!shape || onPath.has(shapeName)) return;
    const next = new Set(onPath).add(shapeName);
    if (path.length > 0) {
      if (shape.min !== undefined) out.push({ path, shape: shapeName, kind: 'min', bound: shape.min });
      if (shape.max !== undefined) out.push({ path, shape: shapeName, kind: 'max', bound: shape.max });
      if (shape.type === 'string' && shape.enum) out.push({ path, shape: shapeName, kind: 'enum', bound: shape.enum });
      if (shape.type === 'string' && shape.pattern !== undefined)
        out.push({ path, shape: shapeName, kind: 'pattern', bound: shape.pattern });
    }
    if (shape.type === 'structure')
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        if ((shape.required ?? []).includes(name))
          out.push({ path: [...path, name], shape: ref.shape, kind: 'required' });
        visit(ref.shape, [...path, name], next);
      }
    else if (shape.type === 'list' && shape.member) visit(shape.member.shape, [...path, '[]'], next);
    else if (shape.type === 'map' && shape.value && shape.key) {
      visit(shape.key.shape, [...path, '{key}'], next);
      visit(shape.value.shape, [...path, '{}'], next);
    }
  };
  visit(op.input.shape, [], new Set());
  return out;
}
