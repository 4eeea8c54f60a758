// Values generated from the service models, for tests: a valid input for any operation (its
// required members, each within its constraints), and for each constraint a value just inside and
// one just outside it (constraintsOf in validate.ts). Strings for a `pattern` come from the pattern
// itself: it is read into a small tree (sequences, alternatives, repeats, character sets) and a
// string of the wanted length is built from it; membership of a character in a set is decided by
// the JavaScript regex of that set alone, and every result is checked against the whole pattern.
import type { ServiceModel, Shape } from './types.js';
import { javaPatternToJs, patternRegex, type Constraint } from './validate.js';

type Node =
  | { readonly t: 'set'; readonly chars: readonly string[] }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly alts: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

const EMPTY: Node = { t: 'seq', items: [] };
const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ...'0123456789',
  ...'-_./:@=+ ,;!#$%&*()[]{}<>?|~^\'"`\\',
  '\t',
  '\n',
  'é',
  'ü',
  '中',
];
const setCache = new Map<string, readonly string[]>();

function setOf(source: string): Node {
  let chars = setCache.get(source);
  if (!chars) {
    let re: RegExp;
    try {
      re = new RegExp(`^${source}$`, 'u');
    } catch {
      re = /^$/;
    }
    chars = ALPHABET.filter((c) => re.test(c));
    setCache.set(source, chars);
  }
  return { t: 'set', chars };
}

/** Reads a JavaScript-syntax pattern (javaPatternToJs) into a tree; lookarounds and anchors match the empty string. */
function parse(src: string): Node {
  let i = 0;
  const alt = (): Node => {
    const alts: Node[] = [seq()];
    while (src[i] === '|') {
      i++;
      alts.push(seq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  };
  const seq = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom = single();
      // quantifiers
      for (;;) {
        const c = src[i];
        let min: number | undefined;
        let max: number | undefined;
        if (c === '*') [min, max] = [0, Infinity];
        else if (c === '+') [min, max] = [1, Infinity];
        else if (c === '?') [min, max] = [0, 1];
        else if (c === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
          if (!m) break;
          min = Number(m[1]);
          max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
          i += m[0].length - 1;
        } else break;
        i++;
        if (src[i] === '?' || src[i] === '+') i++; // lazy / possessive
        atom = { t: 'rep', node: atom, min: min!, max: max! };
      }
      items.push(atom);
    }
    return { t: 'seq', items };
  };
  const single = (): Node => {
    const c = src[i]!;
    if (c === '(') {
      i++;
      let look = false;
      if (src[i] === '?') {
        if (src[i + 1] === ':') i += 2;
        else if (src[i + 1] === '=' || src[i + 1] === '!') {
          look = true;
          i += 2;
        } else if (src[i + 1] === '<' && (src[i + 2] === '=' || src[i + 2] === '!')) {
          look = true;
          i += 3;
        } else if (src[i + 1] === '<') i = src.indexOf('>', i) + 1;
      }
      const inner = alt();
      i++; // ')'
      return look ? EMPTY : inner;
    }
    if (c === '^' || c === '$') {
      i++;
      return EMPTY;
    }
    if (c === '[') {
      let j = i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') j++;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      const s = src.slice(i, j + 1);
      i = j + 1;
      return setOf(s);
    }
    if (c === '\\') {
      const m = /^\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[pP]\{[^}]+\}|c[A-Za-z]|.)/u.exec(src.slice(i));
      const s = m ? m[0] : '\\\\';
      i += s.length;
      if (/^\\[bB]$/.test(s)) return EMPTY;
      return setOf(s);
    }
    i++;
    return setOf(c === '.' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  };
  return alt();
}

function bounds(n: Node): [number, number] {
  switch (n.t) {
    case 'set':
      return n.chars.length > 0 ? [1, 1] : [Infinity, -Infinity];
    case 'seq':
      return n.items.reduce<[number, number]>(
        (acc, it) => {
          const [a, b] = bounds(it);
          return [acc[0] + a, acc[1] + b];
        },
        [0, 0],
      );
    case 'alt':
      return n.alts.reduce<[number, number]>(
        (acc, it) => {
          const [a, b] = bounds(it);
          return [Math.min(acc[0], a), Math.max(acc[1], b)];
        },
        [Infinity, -Infinity],
      );
    case 'rep': {
      const [a, b] = bounds(n.node);
      return [a * n.min, n.max === 0 ? 0 : b * n.max];
    }
  }
}

function gen(n: Node, len: number, seed: number): string | undefined {
  const [lo, hi] = bounds(n);
  if (len < lo || len > hi) return undefined;
  switch (n.t) {
    case 'set':
      return n.chars[seed % n.chars.length];
    case 'alt': {
      for (let k = 0; k < n.alts.length; k++) {
        const s = gen(n.alts[(k + seed) % n.alts.length]!, len, seed);
        if (s !== undefined) return s;
      }
      return undefined;
    }
    case 'seq': {
      const b = n.items.map(bounds);
      for (const order of ['ltr', 'rtl'] as const) {
        const sizes = b.map(([a]) => a);
        let extra = len - sizes.reduce((x, y) => x + y, 0);
        const idx = n.items.map((_, k) => k);
        if (order === 'rtl') idx.reverse();
        for (const k of idx) {
          const room = Math.min(extra, b[k]![1] - sizes[k]!);
          sizes[k] = sizes[k]! + room;
          extra -= room;
        }
        if (extra !== 0) return undefined;
        const parts = n.items.map((it, k) => gen(it, sizes[k]!, seed + k));
        if (parts.every((p) => p !== undefined)) return parts.join('');
      }
      return undefined;
    }
    case 'rep': {
      const [a, b] = bounds(n.node);
      if (len === 0) return n.min === 0 ? '' : a === 0 ? gen(n.node, 0, seed)?.repeat(n.min) : undefined;
      for (let k = Math.max(n.min, 1); k <= Math.min(n.max, len === 0 ? 0 : len / Math.max(a, 1)); k++) {
        if (k * a > len || k * b < len) continue;
        const sizes = new Array<number>(k).fill(a);
        let extra = len - k * a;
        for (let j = 0; j < k && extra > 0; j++) {
          const room = Math.min(extra, b - a);
          sizes[j] = a + room;
          extra -= room;
        }
        const parts = sizes.map((s, j) => gen(n.node, s, seed + j));
        if (parts.every((p) => p !== undefined)) return parts.join('');
        if (k > 64) break;
      }
      return undefined;
    }
  }
}

const treeCache = new Map<string, Node>();

/** A string of exactly `len` characters that matches `pattern` (whole value), or undefined if none is found. */
export function stringMatching(pattern: string, len: number, seed = 0): string | undefined {
  let tree = treeCache.get(pattern);
  if (!tree) {
    tree = parse(javaPatternToJs(pattern));
    treeCache.set(pattern, tree);
  }
  const re = patternRegex(pattern);
  for (let s = seed; s < seed + 12; s++) {
    const out = gen(tree, len, s);
    if (out !== undefined && (!re || re.test(out))) return out;
  }
  return undefined;
}

/** The length range `pattern` allows (Infinity for unbounded). */
export function patternLengths(pattern: string): [number, number] {
  return bounds(parse(javaPatternToJs(pattern)));
}

/** A valid string for a string shape, of length `len` when given (else the shortest allowed, at least 1). */
export function sampleString(shape: Shape, len?: number, seed = 0): string | undefined {
  if (shape.enum) return len === undefined || shape.enum[0]!.length === len ? shape.enum[0] : undefined;
  const min = shape.min ?? 0;
  const max = shape.max ?? 4096;
  if (shape.pattern === undefined) {
    const n = len ?? Math.max(min, 1);
    return Array.from({ length: n }, (_, k) => 'abcdefghijklmnopqrstuvwxyz'[(k + seed) % 26]).join('');
  }
  if (len !== undefined) return stringMatching(shape.pattern, len, seed);
  const [plo, phi] = patternLengths(shape.pattern);
  for (let n = Math.max(min, plo, 1); n <= Math.min(max, phi, Math.max(min, plo, 1) + 40); n++) {
    const s = stringMatching(shape.pattern, n, seed);
    if (s !== undefined) return s;
  }
  return min === 0 && patternRegex(shape.pattern)?.test('') ? '' : undefined;
}

/** A valid value of a shape in member-name form (structures carry their required members only). */
export function sampleValue(model: ServiceModel, shapeName: string, seed = 0, depth = 0): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) return undefined;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      if (depth > 12) return out;
      for (const name of shape.required ?? []) {
        const ref = shape.members?.[name];
        if (ref) out[name] = sampleValue(model, ref.shape, seed, depth + 1);
      }
      return out;
    }
    case 'list':
      // A flattened XML list has no element of its own: an empty one cannot be sent, so one item.
      return Array.from({ length: Math.max(shape.min ?? 0, shape.flattened ? 1 : 0) }, (_, k) =>
        sampleValue(model, shape.member!.shape, seed + k, depth + 1),
      );
    case 'map': {
      const out: Record<string, unknown> = {};
      for (let k = 0; Object.keys(out).length < (shape.min ?? 0) && k < 1000; k++)
        out[String(sampleValue(model, shape.key!.shape, seed + k, depth + 1))] = sampleValue(
          model,
          shape.value!.shape,
          seed + k,
          depth + 1,
        );
      return out;
    }
    case 'string':
      return sampleString(shape, undefined, seed);
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return shape.min ?? (shape.max !== undefined ? Math.min(shape.max, 1) : 1);
    case 'boolean':
      return true;
    case 'blob':
      return Buffer.alloc(Math.max(shape.min ?? 1, 1), 'a').toString('base64');
    case 'timestamp':
      return Math.floor(Date.now() / 1000);
    default:
      return undefined;
  }
}

/** A valid input for an operation: its required members. */
export function sampleInput(model: ServiceModel, operation: string): Record<string, unknown> {
  const op = model.operations[operation];
  return op?.input ? (sampleValue(model, op.input.shape) as Record<string, unknown>) : {};
}

/** Values of `shapeName` of the given size (string length, list or map entries, blob bytes, number). */
export function sizedValue(model: ServiceModel, shapeName: string, size: number): unknown {
  const shape = model.shapes[shapeName]!;
  switch (shape.type) {
    case 'string':
      return sampleString({ ...shape, enum: undefined } as Shape, size);
    case 'list':
      return Array.from({ length: size }, (_, k) => sampleValue(model, shape.member!.shape, k));
    case 'map': {
      const out: Record<string, unknown> = {};
      const keyShape = model.shapes[shape.key!.shape]!;
      for (let k = 0; Object.keys(out).length < size && k < size * 20 + 20; k++) {
        // Distinct keys: longer ones as the short ones run out.
        const key =
          keyShape.type === 'string' && !keyShape.enum
            ? sampleString(keyShape, Math.max(keyShape.min ?? 1, 1) + Math.floor(k / 40), k)
            : sampleValue(model, shape.key!.shape, k);
        if (typeof key === 'string') out[key] = sampleValue(model, shape.value!.shape, k);
      }
      return Object.keys(out).length === size ? out : undefined;
    }
    case 'blob':
      return Buffer.alloc(size, 'a').toString('base64');
    default:
      return size;
  }
}

export interface ConstraintCase {
  readonly constraint: Constraint;
  /** The input with the value just inside the constraint. */
  readonly inside: Record<string, unknown>;
  /** The input with the value just outside it; undefined when no such value exists (a min of 0). */
  readonly outside?: Record<string, unknown>;
}

/** Sets `value` at `path` under a copy of `base`, creating parents from their shapes' samples. */
function withValue(
  model: ServiceModel,
  inputShape: string,
  base: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
  remove = false,
): Record<string, unknown> {
  const root = structuredClone(base);
  let node: Record<string, unknown> = root;
  let shape = model.shapes[inputShape]!;
  for (let k = 0; k < path.length; k++) {
    const seg = path[k]!;
    const last = k === path.length - 1;
    if (seg === '[]') {
      const arr = node as unknown as unknown[];
      if (last) {
        arr[0] = value;
        break;
      }
      if (arr.length === 0) arr.push(sampleValue(model, shape.member!.shape));
      shape = model.shapes[shape.member!.shape]!;
      node = arr[0] as Record<string, unknown>;
    } else if (seg === '{}' || seg === '{key}') {
      const map = node as Record<string, unknown>;
      if (Object.keys(map).length === 0)
        map[String(sampleValue(model, shape.key!.shape))] = sampleValue(model, shape.value!.shape);
      const first = Object.keys(map)[0]!;
      if (seg === '{key}') {
        const v = map[first];
        delete map[first];
        map[String(value)] = v;
        break;
      }
      if (last) {
        map[first] = value;
        break;
      }
      shape = model.shapes[shape.value!.shape]!;
      node = map[first] as Record<string, unknown>;
    } else {
      const obj = node as Record<string, unknown>;
      const ref = shape.members![seg]!;
      if (last) {
        if (remove) delete obj[seg];
        else obj[seg] = value;
        break;
      }
      if (obj[seg] === undefined) obj[seg] = sampleValue(model, ref.shape);
      shape = model.shapes[ref.shape]!;
      node = obj[seg] as Record<string, unknown>;
    }
  }
  return root;
}

/** For one constraint of `operation`: the sample input with a value just inside and one just outside it. */
export function constraintCase(model: ServiceModel, operation: string, c: Constraint): ConstraintCase | undefined {
  const op = model.operations[operation]!;
  const inputShape = op.input!.shape;
  const base = sampleInput(model, operation);
  const shape = model.shapes[c.shape]!;
  const at = (v: unknown) => withValue(model, inputShape, base, c.path, v);
  switch (c.kind) {
    case 'required':
      return {
        constraint: c,
        inside: at(sampleValue(model, c.shape)),
        outside: withValue(model, inputShape, base, c.path, undefined, true),
      };
    case 'enum': {
      const values = c.bound as readonly string[];
      let bad = `${values[0]}X`;
      while (values.includes(bad)) bad += 'X';
      return { constraint: c, inside: at(values[0]), outside: at(bad) };
    }
    case 'pattern': {
      const good = sampleValue(model, c.shape);
      if (typeof good !== 'string') return undefined;
      const re = patternRegex(c.bound as string);
      const min = shape.min ?? 0;
      const max = shape.max ?? Infinity;
      // Replace, insert or append one character, keeping the length within bounds.
      const tries: string[] = [];
      for (const ch of [' ', '!', '#', '~', '\u0000', '\u0100', '中', '\u2028', 'é', 'A', 'a', '0', '-', '/', ':']) {
        if (good.length > 0) tries.push(ch + good.slice(1), good.slice(0, -1) + ch);
        tries.push(good + ch, ch + good);
      }
      if (min === 0) tries.push('');
      const bad = tries.find((t) => t.length >= min && t.length <= max && re && !re.test(t));
      return bad === undefined ? undefined : { constraint: c, inside: at(good), outside: at(bad) };
    }
    case 'min':
    case 'max': {
      const bound = c.bound as number;
      const numeric = ['integer', 'long', 'float', 'double'].includes(shape.type);
      const outsideSize = c.kind === 'min' ? bound - 1 : bound + 1;
      if (!numeric && outsideSize < 0) return undefined;
      const inside = sizedValue(model, c.shape, bound);
      if (inside === undefined) {
        // The pattern allows no value of exactly this length (an ARN pattern longer than its min):
        // a valid sample inside, and a string of the outside length (which fails the pattern too).
        if (shape.type !== 'string') return undefined;
        return { constraint: c, inside: at(sampleValue(model, c.shape)), outside: at('a'.repeat(outsideSize)) };
      }
      // Outside: a value of the same form, one too short or too long (for a string, still matching
      // its pattern where the pattern allows that length, so only this constraint fails).
      const outside = sizedValue(model, c.shape, outsideSize) ?? sizedValue(model, c.shape, outsideSize);
      const fallback =
        outside === undefined && shape.type === 'string'
          ? c.kind === 'max'
            ? `${inside as string}a`
            : (inside as string).slice(0, -1)
          : outside;
      return fallback === undefined ? undefined : { constraint: c, inside: at(inside), outside: at(fallback) };
    }
  }
}
