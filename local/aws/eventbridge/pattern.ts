// EventBridge event patterns: parsing (PutRule, TestEventPattern: InvalidEventPatternException) and
// matching an event against a pattern.
//
// EventBridge User Guide, "Event pattern syntax" (eb-create-pattern.html) and "Content filtering in
// Amazon EventBridge event patterns" (eb-event-patterns-content-based-filtering.html): every field
// of the pattern must be in the event, with the same nesting; a leaf is a non-empty array whose
// entries are ORed; an entry is a literal (string, number, true, false, null) or one filter:
// prefix, suffix (each also as `{"equals-ignore-case": ...}`), equals-ignore-case, anything-but
// (a value, a list of values, or a prefix / suffix / equals-ignore-case / wildcard filter),
// numeric (comparisons, ANDed), cidr (IPv4 or IPv6), exists (leaf fields only), wildcard (`*`
// for any run of characters, `\*` and `\\` for the characters themselves, `**` refused). An array
// in the event matches when any of its elements does; `$or` takes at least two sub-patterns, any
// of which may match. The messages for wildcards follow AWS's open-source matcher, Event Ruler.
import { BlockList, isIP } from 'node:net';
import { AwsServiceError } from '../core.js';

export type Pattern = { [k: string]: unknown };

export function invalidPattern(reason: string): AwsServiceError {
  return new AwsServiceError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);
}

/** A pattern from its JSON text; InvalidEventPatternException naming what is wrong and where. */
export function parsePattern(text: unknown): Pattern {
  if (typeof text !== 'string') throw invalidPattern('Pattern must be a JSON string.');
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw invalidPattern(`Filter is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(p)) throw invalidPattern('Filter is not an object');
  checkPattern(p, '');
  return p;
}

/** Whether `event` matches `pattern` (a pattern parsePattern accepted). */
export function matchPattern(pattern: Pattern, event: unknown): boolean {
  for (const [k, v] of Object.entries(pattern)) {
    if (k === '$or') {
      if (!(v as Pattern[]).some((sub) => matchPattern(sub, event))) return false;
      continue;
    }
    const value = isObject(event) ? event[k] : undefined;
    if (Array.isArray(v)) {
      if (!matchLeaf(v, value)) return false;
    } else if (!isObject(value) || !matchPattern(v as Pattern, value)) return false;
  }
  return true;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- checking a pattern ----

/** The filters and how each one's argument is checked. */
const FILTERS: Readonly<Record<string, (arg: unknown, at: string) => void>> = {
  prefix: (arg, at) => checkAffix('prefix', arg, at),
  suffix: (arg, at) => checkAffix('suffix', arg, at),
  'equals-ignore-case': (arg) => {
    if (typeof arg !== 'string') throw invalidPattern('equals-ignore-case match pattern must be a string.');
  },
  wildcard: (arg) => {
    if (typeof arg !== 'string') throw invalidPattern('wildcard match pattern must be a string.');
    checkWildcard(arg);
  },
  'anything-but': (arg, at) => checkAnythingBut(arg, at),
  numeric: (arg) => checkNumeric(arg),
  cidr: (arg) => {
    if (typeof arg !== 'string' || !cidrOf(arg)) throw invalidPattern(`Malformed CIDR, one '/' required`);
  },
  exists: (arg) => {
    if (typeof arg !== 'boolean') throw invalidPattern('exists match pattern must be either true or false.');
  },
};

function checkPattern(p: Pattern, at: string): void {
  if (Object.keys(p).length === 0 && at !== '') throw invalidPattern(`Empty objects are not allowed at ${at}`);
  for (const [k, v] of Object.entries(p)) {
    const here = at ? `${at}.${k}` : k;
    if (k === '$or') {
      if (!Array.isArray(v) || v.length < 2) throw invalidPattern('$or must be an array of at least two patterns');
      for (const sub of v) {
        if (!isObject(sub)) throw invalidPattern('$or members must be objects');
        checkPattern(sub, here);
      }
    } else if (Array.isArray(v)) {
      if (v.length === 0) throw invalidPattern(`Empty arrays are not allowed at ${here}`);
      for (const m of v) if (typeof m === 'object' && m !== null) checkFilter(m, here);
    } else if (isObject(v)) {
      checkPattern(v, here);
    } else {
      throw invalidPattern(`Match value must be String, number, true, false, or null at ${here}`);
    }
  }
}

function checkFilter(m: object, at: string): void {
  const entries = Object.entries(m);
  const [name, arg] = entries[0] ?? [];
  if (entries.length !== 1 || Array.isArray(m) || name === undefined || !Object.hasOwn(FILTERS, name))
    throw invalidPattern(`Unrecognized match type ${Object.keys(m).join(',')}`);
  FILTERS[name]!(arg, at);
}

/** prefix and suffix take a string, or `{"equals-ignore-case": <string>}`. */
function checkAffix(name: string, arg: unknown, at: string): void {
  if (typeof arg === 'string') return;
  if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') return;
  throw invalidPattern(`${name} match pattern must be a string at ${at}`);
}

/** anything-but takes a string or number, a non-empty list of them, or one string filter. */
function checkAnythingBut(arg: unknown, at: string): void {
  const literal = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  if (literal(arg)) return;
  if (Array.isArray(arg) && arg.length > 0 && arg.every(literal)) return;
  if (isObject(arg) && Object.keys(arg).length === 1) {
    const [op, value] = Object.entries(arg)[0]!;
    const values = op === 'equals-ignore-case' && Array.isArray(value) ? value : [value];
    if (
      ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op) &&
      values.every((x) => typeof x === 'string')
    ) {
      if (op === 'wildcard') values.forEach((x) => checkWildcard(x as string));
      return;
    }
  }
  throw invalidPattern(`Value of anything-but must be an array or single string/number value at ${at}`);
}

const COMPARISONS = ['<', '<=', '=', '>', '>='];

/** numeric: one or more pairs of a comparison and a number, e.g. `[">", 0, "<=", 5]`. */
function checkNumeric(arg: unknown): void {
  if (!Array.isArray(arg)) throw invalidPattern('Value of numeric must be an array.');
  if (arg.length === 0 || arg.length % 2 !== 0)
    throw invalidPattern('Value of numeric must be comparison/number pairs.');
  for (let i = 0; i < arg.length; i += 2) {
    if (!COMPARISONS.includes(String(arg[i])))
      throw invalidPattern(`Unrecognized numeric range operator: ${String(arg[i])}`);
    if (typeof arg[i + 1] !== 'number') throw invalidPattern(`Value of ${String(arg[i])} must be numeric`);
  }
}

/** `*` may not follow `*`; a backslash escapes only `*` or `\`. */
function checkWildcard(p: string): void {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      if (p[i + 1] !== '*' && p[i + 1] !== '\\') throw invalidPattern(`Invalid escape character at pos ${i}`);
      i++;
    } else if (p[i] === '*' && p[i + 1] === '*') throw invalidPattern(`Consecutive wildcard characters at pos ${i}`);
  }
}

// ---- matching ----

function matchLeaf(matchers: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const isLeafValue = value !== undefined && !isObject(value);
  return matchers.some((m) => {
    if (typeof m === 'object' && m !== null) {
      const [op, arg] = Object.entries(m)[0] as [string, unknown];
      if (op === 'exists') return arg === true ? isLeafValue && values.length > 0 : value === undefined;
      if (op === 'anything-but') return values.length > 0 && values.every((x) => !anythingButHit(arg, x));
      return values.some((x) => matchFilter(op, arg, x));
    }
    return values.some((x) => m === x);
  });
}

function matchFilter(op: string, arg: unknown, x: unknown): boolean {
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof x !== 'string') return false;
      const ignoreCase = isObject(arg);
      const affix = ignoreCase ? String(arg['equals-ignore-case']).toLowerCase() : String(arg);
      const s = ignoreCase ? x.toLowerCase() : x;
      return op === 'prefix' ? s.startsWith(affix) : s.endsWith(affix);
    }
    case 'equals-ignore-case':
      return typeof x === 'string' && x.toLowerCase() === String(arg).toLowerCase();
    case 'wildcard':
      return typeof x === 'string' && wildcardRegExp(String(arg)).test(x);
    case 'numeric': {
      if (typeof x !== 'number') return false;
      const conds = arg as unknown[];
      for (let i = 0; i + 1 < conds.length; i += 2) {
        const n = conds[i + 1] as number;
        const ok = { '<': x < n, '<=': x <= n, '=': x === n, '>': x > n, '>=': x >= n }[String(conds[i])];
        if (!ok) return false;
      }
      return true;
    }
    case 'cidr': {
      const block = cidrOf(String(arg));
      const family = typeof x === 'string' ? isIP(x) : 0;
      return block !== undefined && family === block.family && block.list.check(x as string, `ipv${family}`);
    }
    default:
      return false;
  }
}

function anythingButHit(arg: unknown, x: unknown): boolean {
  if (Array.isArray(arg)) return arg.some((a) => a === x);
  if (isObject(arg)) {
    const [op, a] = Object.entries(arg)[0] as [string, unknown];
    // `{"anything-but": {"equals-ignore-case": [...]}}` excludes each of the values.
    return Array.isArray(a) ? a.some((one) => matchFilter(op, one, x)) : matchFilter(op, a, x);
  }
  return arg === x;
}

/** A wildcard filter as a regular expression: `*` any run of characters, `\*` and `\\` themselves. */
function wildcardRegExp(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] === '\\' ? p[++i]! : p[i] === '*' ? undefined : p[i]!;
    re += c === undefined ? '[\\s\\S]*' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `address/bits` for IPv4 (bits 0-32) or IPv6 (0-128), as a one-subnet BlockList; undefined when malformed. */
function cidrOf(text: string): { family: 4 | 6; list: BlockList } | undefined {
  const parts = text.split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1]!)) return undefined;
  const family = isIP(parts[0]!);
  const bits = Number(parts[1]);
  if (family === 0 || bits > (family === 4 ? 32 : 128)) return undefined;
  const list = new BlockList();
  list.addSubnet(parts[0]!, bits, family === 4 ? 'ipv4' : 'ipv6');
  return { family: family as 4 | 6, list };
}
