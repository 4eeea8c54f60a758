// JSON paths for messages that point back into a spec: `$.channels["_public.user"].bindings.kafka`.
// Identifier-like keys use dot notation, everything else bracket notation with a JSON string, so a
// hostile key can never break the path's syntax.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Keys longer than this are cut (with `…`) in paths, so a hostile 500 KB key cannot bloat every report line. */
const MAX_SEGMENT = 256;

export type PathSegment = string | number;

export function jsonPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (s.length > MAX_SEGMENT) out += `[${JSON.stringify(`${s.slice(0, MAX_SEGMENT)}…`)}]`;
    else if (IDENTIFIER.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** A value shown inside a message: JSON-quoted (control characters escaped) and cut to a readable length. */
export function quote(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === null || value === undefined) text = String(value);
  else if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  else return Array.isArray(value) ? 'a list' : 'a mapping';
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** What kind of YAML/JSON value this is, in words for "expected X, got Y" messages. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return `${typeof value} ${String(value)}`;
}
