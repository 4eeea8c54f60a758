// What every AsyncAPI reader shares: the collector that gathers every refusal of a spec (not the
// first one only), local `$ref` resolution, and the top-level collections.
import type { SpecIssue } from './model.js';
import { isObject, type Json, type JsonObject } from './load.js';
import { jsonPath, kindOf, quote, type PathSegment } from './path.js';

export type Path = PathSegment[];

export class Collector {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];
  constructor(readonly file: string) {}
  error(path: Path | string, rule: string, message: string): void {
    this.errors.push({ file: this.file, path: typeof path === 'string' ? path : jsonPath(path), rule, message });
  }
  warn(path: Path | string, rule: string, message: string): void {
    this.warnings.push({ file: this.file, path: typeof path === 'string' ? path : jsonPath(path), rule, message });
  }
}

/** A value in the document and where it is, for readers that merge several places (bindings, tags). */
export interface Source {
  value: Json | undefined;
  path: Path;
}

export function readCollection(
  root: JsonObject,
  key: string,
  rule: string,
  maxRule: string,
  max: number,
  c: Collector,
): JsonObject | undefined {
  const v = root[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    c.error(
      [key],
      rule,
      `expected \`${key}\` to be a mapping of names to ${key === 'channels' ? 'channel' : 'operation'} objects, got ${kindOf(v)}`,
    );
    return undefined;
  }
  const count = Object.keys(v).length;
  if (count > max) {
    c.error([key], maxRule, `the spec declares ${count} ${key}; at most ${max} are accepted`);
    return undefined;
  }
  return v;
}

// --- $ref ------------------------------------------------------------------------------------

/** Follows local `$ref`s (`#/components/...`) a few hops; anything else is returned as is. */
export function deref(root: JsonObject, value: Json | undefined, path: Path, c: Collector): Json | undefined {
  let current = value;
  for (let hop = 0; hop < 8; hop++) {
    if (!isObject(current) || typeof current['$ref'] !== 'string') return current;
    const target = resolvePointer(root, current['$ref']);
    if (target === undefined) {
      c.error(
        [...path, '$ref'],
        'ref',
        `cannot resolve ${quote(current['$ref'])}; expected a local reference such as '#/components/...' to an existing object`,
      );
      return undefined;
    }
    current = target;
  }
  c.error([...path, '$ref'], 'ref', 'the reference chain is too long or circular; expected at most 8 hops');
  return undefined;
}

function resolvePointer(root: JsonObject, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json = root;
  for (const raw of ref.slice(2).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(part)) return undefined;
      const next: Json | undefined = node[Number(part)];
      if (next === undefined) return undefined;
      node = next;
    } else if (isObject(node)) {
      if (!Object.hasOwn(node, part)) return undefined;
      node = node[part] as Json;
    } else return undefined;
  }
  return node;
}
