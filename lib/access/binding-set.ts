// A set of ACL bindings with value semantics, for the planner's diffs and the authorizer's dedupe.
// Equivalent to a Set of bindingKey strings, but without building a string per binding: bindings
// are filed by resource name, then principal, then host, and the fixed-vocabulary fields (resource
// type, pattern type, permission, operation) become one bit in a small bitmap. On 150,000 bindings
// this is several times cheaper than hashing concatenated keys.
import { OPERATIONS, PATTERN_TYPES, RESOURCE_TYPES } from './types.js';
import type { AclBinding } from './types.js';

const TYPE_IDX: Readonly<Record<string, number>> = Object.fromEntries(RESOURCE_TYPES.map((t, i) => [t, i]));
const PATTERN_IDX: Readonly<Record<string, number>> = Object.fromEntries(PATTERN_TYPES.map((t, i) => [t, i]));
const OP_IDX: Readonly<Record<string, number>> = Object.fromEntries(OPERATIONS.map((t, i) => [t, i]));
const SLOTS = RESOURCE_TYPES.length * PATTERN_TYPES.length * 2;
/** Key for the rare binding outside the vocabulary (an injective encoding of every field). */
const oddKey = (b: AclBinding): string =>
  JSON.stringify([b.resourceType, b.patternType, b.operation, b.permission, b.resourceName, b.principal, b.host]);

/** Slot (type, pattern, permission) and bit (operation), or undefined for a value outside the vocabulary. */
function locate(b: AclBinding): [number, number] | undefined {
  const t = TYPE_IDX[b.resourceType];
  const p = PATTERN_IDX[b.patternType];
  const o = OP_IDX[b.operation];
  const perm = b.permission === 'ALLOW' ? 0 : b.permission === 'DENY' ? 1 : undefined;
  if (t === undefined || p === undefined || o === undefined || perm === undefined) return undefined;
  return [(t * PATTERN_TYPES.length + p) * 2 + perm, 1 << o];
}

export class BindingSet {
  private readonly byName = new Map<string, Map<string, Map<string, Uint16Array>>>();
  /** Bindings outside the known vocabulary (read from a newer broker), by oddKey. */
  private readonly odd = new Set<string>();
  private count = 0;

  constructor(bindings: Iterable<AclBinding> = []) {
    for (const b of bindings) this.add(b);
  }

  get size(): number {
    return this.count;
  }

  private bits(b: AclBinding, create: boolean): Uint16Array | undefined {
    let byPrincipal = this.byName.get(b.resourceName);
    if (!byPrincipal) {
      if (!create) return undefined;
      this.byName.set(b.resourceName, (byPrincipal = new Map()));
    }
    let byHost = byPrincipal.get(b.principal);
    if (!byHost) {
      if (!create) return undefined;
      byPrincipal.set(b.principal, (byHost = new Map()));
    }
    let bits = byHost.get(b.host);
    if (!bits) {
      if (!create) return undefined;
      byHost.set(b.host, (bits = new Uint16Array(SLOTS)));
    }
    return bits;
  }

  has(b: AclBinding): boolean {
    const at = locate(b);
    if (!at) return this.odd.has(oddKey(b));
    const bits = this.bits(b, false);
    return bits !== undefined && (bits[at[0]]! & at[1]) !== 0;
  }

  /** Adds `b`; returns false when it was already present. */
  add(b: AclBinding): boolean {
    const at = locate(b);
    if (!at) {
      const k = oddKey(b);
      if (this.odd.has(k)) return false;
      this.odd.add(k);
      this.count++;
      return true;
    }
    const bits = this.bits(b, true)!;
    if ((bits[at[0]]! & at[1]) !== 0) return false;
    bits[at[0]] = bits[at[0]]! | at[1];
    this.count++;
    return true;
  }

  /** Removes `b`; returns false when it was not present. */
  delete(b: AclBinding): boolean {
    const at = locate(b);
    if (!at) {
      const removed = this.odd.delete(oddKey(b));
      if (removed) this.count--;
      return removed;
    }
    const bits = this.bits(b, false);
    if (bits === undefined || (bits[at[0]]! & at[1]) === 0) return false;
    bits[at[0]] = bits[at[0]]! & ~at[1];
    this.count--;
    return true;
  }
}
