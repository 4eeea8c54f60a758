// Text → plain data, with the hostile-input limits (docs/architecture.md#errors-and-bad-input) applied in an order that
// keeps every step bounded: size before anything else, nesting depth on the token stream before the
// yaml library's (recursive) composer sees the document, aliases through the library's own
// `maxAliasCount`, and the depth again after alias expansion.
import {
  Composer,
  CST,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  type Document,
  type YAMLError,
} from 'yaml';
import type { ProvisionConfig } from '../config.js';
import type { SpecIssue } from './model.js';
import { jsonPath, type PathSegment } from './path.js';

export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export type LoadResult = { ok: true; value: Json; warnings: SpecIssue[] } | { ok: false; issues: SpecIssue[] };

export type SpecFormat = 'json' | 'yaml';

/** JSON when the file says so by its extension; YAML (a superset of JSON) otherwise. */
export function formatOf(file: string, text: string): SpecFormat {
  if (/\.json$/i.test(file)) return 'json';
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadDocument(text: string, file: string, config: ProvisionConfig): LoadResult {
  const limits = config.limits;
  const issue = (path: string, rule: string, message: string): SpecIssue => ({ file, path, rule, message });

  if (typeof text !== 'string') return { ok: false, issues: [issue('$', 'spec-type', 'expected the spec as text')] };
  // Buffer.byteLength counts UTF-8 bytes without copying the text.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxSpecBytes) {
    return {
      ok: false,
      issues: [issue('$', 'max-size', `the spec is ${bytes} bytes; at most ${limits.maxSpecBytes} bytes are accepted`)],
    };
  }
  if (text.trim() === '')
    return { ok: false, issues: [issue('$', 'spec-empty', 'the spec is empty; expected an AsyncAPI document')] };

  const depthIssue = (depth: string) =>
    issue('$', 'max-depth', `the document nests ${depth} levels deep; at most ${limits.maxDepth} are accepted`);
  if (lexicalDepthExceeds(text, limits.maxDepth))
    return { ok: false, issues: [depthIssue(`more than ${limits.maxDepth}`)] };

  const format = formatOf(file, text);
  const syntaxRule = format === 'json' ? 'json-syntax' : 'yaml-syntax';
  // A .json spec must be JSON, not merely YAML that reads like it (single quotes, trailing commas,
  // comments): other tools that read the file as JSON (ECMA-404) would refuse it. The nesting is
  // already bounded above (JSON nests only with brackets), so JSON.parse cannot go deep.
  if (format === 'json') {
    try {
      JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { ok: false, issues: [issue('$', 'json-syntax', `not valid JSON: ${message.slice(0, 200)}`)] };
    }
  }

  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const cstDepth = tokenDepth(tokens);
  if (cstDepth > limits.maxDepth) return { ok: false, issues: [depthIssue(String(cstDepth))] };

  // Duplicate keys are found by duplicateKeys (linear), not by the composer's `uniqueKeys`, which
  // compares each key with every earlier one of its mapping: 100,000 keys in a 900 KB spec took
  // minutes there.
  const composer = new Composer({ schema: format === 'json' ? 'json' : 'core', uniqueKeys: false });
  const docs = [...composer.compose(tokens, true, text.length)];
  const where = (e: YAMLError) => {
    const pos = lines.linePos(e.pos[0]);
    return `${e.message} (line ${pos.line}, column ${pos.col})`;
  };
  const syntax: SpecIssue[] = [];
  if (docs.length > 1)
    syntax.push(
      issue('$', 'yaml-multi-document', 'the file holds several YAML documents; expected exactly one spec per file'),
    );
  const doc = docs[0];
  if (!doc || (doc.contents === null && doc.errors.length === 0)) {
    return { ok: false, issues: [issue('$', 'spec-empty', 'the spec is empty; expected an AsyncAPI document')] };
  }
  for (const e of doc.errors) syntax.push(issue('$', syntaxRule, where(e)));
  for (const d of duplicateKeys(doc, lines)) syntax.push(issue('$', syntaxRule, d));
  if (syntax.length > 0) return { ok: false, issues: syntax };
  const warnings = doc.warnings.map((w) => issue('$', 'yaml-warning', where(w)));

  let raw: unknown;
  try {
    raw = doc.toJS({ mapAsMap: true, maxAliasCount: limits.maxYamlAliases });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // yaml's own words for maxAliasCount (nodes/Alias.js); an alias to a missing anchor is a
    // syntax error, not "too many aliases".
    if (/Excessive alias count/.test(message)) {
      return {
        ok: false,
        issues: [
          issue(
            '$',
            'yaml-aliases',
            `the document expands too many YAML aliases (at most ${limits.maxYamlAliases} are accepted): ${message}`,
          ),
        ],
      };
    }
    return { ok: false, issues: [issue('$', 'yaml-syntax', message)] };
  }
  const converted = toPlain(raw, limits.maxDepth, Math.max(2 * bytes, 1024), file);
  if (!converted.ok) return converted;
  return { ok: true, value: converted.value, warnings };
}

/**
 * Keys that appear twice in one mapping, in words with their line and column, found with one Set
 * per mapping. Two keys are the same when they are the same scalar (type and value: `1` and `'1'`
 * differ here, toPlain refuses them later) or the same alias; collection keys are never equal (as
 * with yaml's own uniqueKeys). The tree's depth is bounded already (tokenDepth), the walk is not recursive.
 */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter): string[] {
  const out: string[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && out.length < 50) {
    const node = stack.pop();
    if (isSeq(node)) {
      stack.push(...node.items);
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key;
        const id = isScalar(k)
          ? `scalar:${typeof k.value}:${String(k.value)}`
          : isAlias(k)
            ? `alias:${k.source}`
            : undefined;
        if (id !== undefined && seen.has(id)) {
          const at = (k as { range?: [number, number, number] }).range?.[0];
          const pos = at !== undefined ? lines.linePos(at) : undefined;
          const shown = isScalar(k)
            ? JSON.stringify(String(k.value).slice(0, 80))
            : `*${(k as { source: string }).source}`;
          out.push(
            `Map keys must be unique: the key ${shown} appears twice${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`,
          );
        }
        if (id !== undefined) seen.add(id);
        stack.push(pair.key, pair.value);
      }
    }
  }
  return out;
}

const OPENERS = new Set(['flow-map-start', 'flow-seq-start']);
const CLOSERS = new Set(['flow-map-end', 'flow-seq-end']);
const BLOCK_INDICATORS = new Set(['seq-item-ind', 'explicit-key-ind', 'map-value-ind']);

/**
 * A cheap streaming pass that stops at the first sign of pathological nesting (`[[[[…` or
 * `- - - - …`), before the parser spends seconds building a huge tree for it.
 */
function lexicalDepthExceeds(text: string, max: number): boolean {
  let flow = 0;
  let onLine = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const type = CST.tokenType(lexeme);
    if (!type) continue;
    if (OPENERS.has(type)) {
      if (++flow > max) return true;
    } else if (CLOSERS.has(type)) {
      if (flow > 0) flow--;
    } else if (type === 'newline') {
      onLine = 0;
    } else if (flow === 0 && BLOCK_INDICATORS.has(type)) {
      if (++onLine > max) return true;
    }
  }
  return false;
}

/** Deepest collection nesting in the concrete syntax tree, walked without recursion. */
function tokenDepth(tokens: readonly CST.Token[]): number {
  let max = 0;
  const stack: Array<[CST.Token | undefined, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    switch (token.type) {
      case 'document':
        stack.push([token.value, depth]);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        const d = depth + 1;
        if (d > max) max = d;
        for (const item of token.items) {
          if ('key' in item) stack.push([item.key ?? undefined, d]);
          stack.push([item.value, d]);
        }
        break;
      }
      default:
        break;
    }
  }
  return max;
}

type PlainResult = { ok: true; value: Json } | { ok: false; issues: SpecIssue[] };

/**
 * yaml's Maps/arrays/scalars → plain JSON values in null-prototype objects (a `__proto__` key is
 * just a key). Keys must be scalars; depth is checked again here because aliases can deepen a
 * document beyond what its text shows.
 *
 * yaml's toJS shares an aliased node between its uses; copying it here would undo that, so a
 * 400 KB document aliasing a 200,000-element list 90 times (within maxAliasCount) would become
 * 18 million values (seen: 150 s and 1.2 GB). The copy therefore has a budget of `maxValues`
 * values (twice the text's size): without aliases a document of N bytes holds fewer than N
 * values, so only alias expansion can exhaust it.
 */
function toPlain(raw: unknown, maxDepth: number, maxValues: number, file: string): PlainResult {
  const issues: SpecIssue[] = [];
  interface Task {
    src: unknown;
    depth: number;
    parent: Task | undefined;
    segment: PathSegment | undefined;
    set: (v: Json) => void;
  }
  const pathOf = (task: Task): PathSegment[] => {
    const out: PathSegment[] = [];
    for (let t: Task | undefined = task; t?.segment !== undefined; t = t.parent) out.push(t.segment);
    return out.reverse();
  };
  const fail = (path: PathSegment[], rule: string, message: string) => {
    if (issues.length < 50) issues.push({ file, path: jsonPath(path), rule, message });
  };
  const box: { root: Json } = { root: null };
  const stack: Task[] = [{ src: raw, depth: 0, parent: undefined, segment: undefined, set: (v) => (box.root = v) }];
  let values = 0;
  while (stack.length > 0) {
    const task = stack.pop()!;
    const { src, depth, set } = task;
    if (++values > maxValues) {
      return {
        ok: false,
        issues: [
          {
            file,
            path: '$',
            rule: 'yaml-aliases',
            message: `the document expands to more than ${maxValues} values through YAML aliases; expected aliases that repeat small parts only`,
          },
        ],
      };
    }
    if (src === null || src === undefined) set(null);
    else if (typeof src === 'string' || typeof src === 'boolean') set(src);
    else if (typeof src === 'number') set(src);
    else if (typeof src === 'bigint') set(Number(src));
    else if (src instanceof Map || Array.isArray(src)) {
      if (depth + 1 > maxDepth) {
        fail(
          pathOf(task),
          'max-depth',
          `the document nests more than ${maxDepth} levels deep (after expanding aliases); at most ${maxDepth} are accepted`,
        );
        set(null);
        continue;
      }
      if (Array.isArray(src)) {
        const out: Json[] = new Array<Json>(src.length).fill(null);
        set(out);
        src.forEach((item, i) =>
          stack.push({ src: item, depth: depth + 1, parent: task, segment: i, set: (v) => (out[i] = v) }),
        );
      } else {
        const out = Object.create(null) as JsonObject;
        set(out);
        const seen = new Set<string>();
        for (const [k, v] of src) {
          let key: string;
          if (typeof k === 'string') key = k;
          else if (typeof k === 'number' || typeof k === 'boolean') key = String(k);
          else {
            fail(
              pathOf(task),
              'yaml-key',
              `a mapping key is ${k === null || k === undefined ? 'empty (null)' : 'a collection'}; expected a plain string key`,
            );
            continue;
          }
          if (seen.has(key)) {
            fail(
              [...pathOf(task), key],
              'yaml-key',
              `the key ${JSON.stringify(key.slice(0, 80))} appears twice (once quoted, once not); expected unique keys`,
            );
            continue;
          }
          seen.add(key);
          out[key] = null; // keeps the document's key order; the value is filled in when its task runs
          stack.push({ src: v, depth: depth + 1, parent: task, segment: key, set: (val) => (out[key] = val) });
        }
      }
    } else {
      fail(
        pathOf(task),
        'yaml-value',
        'this value has a YAML type that a spec cannot use (binary, set, ...); expected a string, number, boolean, list or mapping',
      );
      set(null);
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: box.root };
}
