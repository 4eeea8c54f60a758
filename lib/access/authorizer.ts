// The one authorizer model of the project: "may principal P do operation O on resource R", decided
// with the rules of Kafka's KRaft authorizer, org.apache.kafka.metadata.authorizer.StandardAuthorizer
// (the logic lives in StandardAuthorizerData: authorize, findAclRule, checkSection, findResult,
// MatchingRuleBuilder). The ZooKeeper-era kafka.security.authorizer.AclAuthorizer (authorizeAction,
// matchingAcls, denyAclExists, allowAclExists) decides the same way. Rules, with where Kafka states them:
//
// R1 Resource match (StandardAuthorizerData.checkSection): a binding applies to resource (type, name)
//    when its resource type is the same and either it is LITERAL with exactly that name, or LITERAL
//    with the wildcard name `*` (any name of that type), or PREFIXED with a name that is a prefix of
//    the resource name (string prefix: `shop` matches `shops.x`, which is why our prefixes end in `.`).
// R2 Principal match (StandardAuthorizerData.matchingPrincipals / findResult): the binding's principal
//    equals the request principal, or is the wildcard principal `User:*`.
// R3 Host match (findResult): the binding's host is `*` or equals the client's address. A request
//    without a host is matched only by `*` bindings.
// R4 Operation match (findResult): a binding with operation ALL matches every operation. Otherwise an
//    ALLOW binding matches its own operation, and also DESCRIBE when it is READ, WRITE, DELETE or
//    ALTER (IMPLIES_DESCRIBE), and DESCRIBE_CONFIGS when it is ALTER_CONFIGS (IMPLIES_DESCRIBE_CONFIGS).
//    The implication is for ALLOW only: a DENY binding matches exactly its own operation (or ALL);
//    DENY READ does not deny DESCRIBE.
// R5 DENY wins (MatchingRuleBuilder.build, AclAuthorizer.denyAclExists): any matching DENY decides
//    "denied", whatever ALLOWs match.
// R6 Otherwise any matching ALLOW decides "allowed".
// R7 Otherwise, if at least one binding matches the resource by R1 alone (any principal, host,
//    operation or permission: checkSection sets hasResourceAcls before findResult), the answer is
//    "denied". Only when NO binding at all matches the resource does allow.everyone.if.no.acl.found
//    decide (the noAclRule: DefaultAllow when the option is true, DefaultDeny otherwise). So a
//    DENY-only or someone-else-only binding on a resource does count: it switches the default off.
//    (MSK sets the option to true by default: a topic without any ACL is open to every client.)
// Super users are not modelled: this product runs without super.users (MSK does not support it).
//
// Index (not a linear scan): per resource type, a Map from literal name, the wildcard-name bindings,
// a Map of the dot-terminated prefixes (looked up once per dot of the resource name), and a radix
// tree for any other prefix; each pattern groups its bindings by principal. The patterns matching a
// resource name are resolved once and memoized with their entries merged by principal, so a check
// costs two hash lookups (name, principal), independent of the number of bindings.
import { OPERATIONS, RESOURCE_TYPES } from './types.js';
import type { AccessRequest, AclBinding, Operation, ResourceType } from './types.js';
import { BindingSet } from './binding-set.js';

export type DecisionReason = 'deny-acl' | 'allow-acl' | 'no-matching-allow' | 'no-acls-allow-everyone';

export interface Decision {
  readonly allowed: boolean;
  /** The bindings that decided: every matching DENY when denied by ACL, every matching ALLOW when allowed by ACL, else none. */
  readonly decidedBy: AclBinding[];
  readonly reason: DecisionReason;
}

export interface AuthorizerOptions {
  /** Kafka's allow.everyone.if.no.acl.found (false by default, as in Kafka; MSK's default is true). */
  readonly allowEveryoneIfNoAclFound?: boolean;
}

const WILDCARD_PRINCIPAL = 'User:*';
const WILDCARD_RESOURCE = '*';
const WILDCARD_HOST = '*';
const MEMO_LIMIT = 1 << 17;
const MERGE_LIMIT = 16;

// Plain objects, not Maps: a keyed load with an internalized string is cheaper on the hot path.
const OP_BIT: Readonly<Record<string, number>> = Object.fromEntries(OPERATIONS.map((o, i) => [o, 1 << i]));
const bit = (op: Operation): number => OP_BIT[op] ?? 0;
const ALL_OPS = OPERATIONS.reduce((m, o) => m | bit(o), 0);
const IMPLIES_DESCRIBE = new Set<Operation>(['DESCRIBE', 'READ', 'WRITE', 'DELETE', 'ALTER']);
const IMPLIES_DESCRIBE_CONFIGS = new Set<Operation>(['DESCRIBE_CONFIGS', 'ALTER_CONFIGS']);

/** The request operations a binding's operation matches (rule R4). */
function operationMask(op: Operation, isAllow: boolean): number {
  if (op === 'ALL') return ALL_OPS;
  let m = bit(op);
  if (isAllow && IMPLIES_DESCRIBE.has(op)) m |= bit('DESCRIBE');
  if (isAllow && IMPLIES_DESCRIBE_CONFIGS.has(op)) m |= bit('DESCRIBE_CONFIGS');
  return m;
}

interface Entry {
  readonly binding: AclBinding;
  readonly anyHost: boolean;
  readonly host: string;
  readonly allow: boolean;
  readonly mask: number;
}

/** The bindings of one resource pattern, grouped by principal (the wildcard principal's apart). */
class PatternNode {
  count = 0;
  readonly byPrincipal = new Map<string, Entry[]>();
  /** Entries of `User:*`, kept out of the Map: every check looks them up. */
  everyone: Entry[] | undefined;
  add(e: Entry): void {
    this.count++;
    const p = e.binding.principal;
    if (p === WILDCARD_PRINCIPAL) {
      (this.everyone ??= []).push(e);
      return;
    }
    const list = this.byPrincipal.get(p);
    if (list) list.push(e);
    else this.byPrincipal.set(p, [e]);
  }
  principals(): string[] {
    return this.everyone ? [...this.byPrincipal.keys(), WILDCARD_PRINCIPAL] : [...this.byPrincipal.keys()];
  }
  entries(): Entry[] {
    const out: Entry[] = [];
    for (const list of this.byPrincipal.values()) out.push(...list);
    if (this.everyone) out.push(...this.everyone);
    return out;
  }
}

/** The patterns matching one resource name, with their entries merged by principal. */
class Resolved {
  hasResourceAcls = false;
  readonly byPrincipal = new Map<string, Entry[]>();
  everyone: Entry[] | undefined;
  /** Patterns naming many principals, visited in place rather than copied. */
  readonly large: PatternNode[] = [];

  include(n: PatternNode): void {
    if (n.count > 0) this.hasResourceAcls = true;
    if (n.everyone) (this.everyone ??= []).push(...n.everyone);
    if (n.byPrincipal.size > MERGE_LIMIT) {
      this.large.push(n);
      return;
    }
    for (const [p, list] of n.byPrincipal) {
      const mine = this.byPrincipal.get(p);
      if (mine) mine.push(...list);
      else this.byPrincipal.set(p, [...list]);
    }
  }
}

/**
 * A radix tree (compressed trie) of PREFIXED resource names: each edge carries a string label and
 * children are keyed by the first character of their label (an array slot for ASCII, a Map beyond),
 * so a lookup costs one indexed load and one startsWith per branching point along the name, not
 * one step per character.
 */
class RadixNode {
  ascii: (RadixNode | undefined)[] | undefined;
  other: Map<number, RadixNode> | undefined;
  node: PatternNode | undefined;
  constructor(public label: string) {}

  child(code: number): RadixNode | undefined {
    return code < 128 ? this.ascii?.[code] : this.other?.get(code);
  }

  setChild(code: number, n: RadixNode): void {
    if (code < 128) (this.ascii ??= new Array<RadixNode | undefined>(128).fill(undefined))[code] = n;
    else (this.other ??= new Map()).set(code, n);
  }
}

function radixInsert(root: RadixNode, key: string): RadixNode {
  let t = root;
  let pos = 0;
  for (;;) {
    if (pos === key.length) return t;
    const c = key.charCodeAt(pos);
    const child = t.child(c);
    if (!child) {
      const leaf = new RadixNode(key.slice(pos));
      t.setChild(c, leaf);
      return leaf;
    }
    const l = child.label;
    let k = 0;
    while (k < l.length && pos + k < key.length && l.charCodeAt(k) === key.charCodeAt(pos + k)) k++;
    if (k < l.length) {
      // Split the edge: `mid` takes the common part, `child` keeps the rest.
      const mid = new RadixNode(l.slice(0, k));
      child.label = l.slice(k);
      mid.setChild(child.label.charCodeAt(0), child);
      t.setChild(c, mid);
      t = mid;
    } else {
      t = child;
    }
    pos += k;
  }
}

class TypeIndex {
  readonly literal = new Map<string, PatternNode>();
  wildcard: PatternNode | undefined;
  /**
   * PREFIXED names ending in `.` (all that this product writes), by name. The ones matching a
   * resource are exactly `name.slice(0, i + 1)` for each dot position i of the resource name: a few
   * hash lookups per check, touching little memory.
   */
  readonly dotPrefixes = new Map<string, PatternNode>();
  /** Every other PREFIXED name (foreign ACLs such as a bare-id prefix), in a radix tree. */
  readonly otherPrefixes = new RadixNode('');
  hasOtherPrefixes = false;

  add(e: Entry): void {
    const b = e.binding;
    const name = b.resourceName;
    if (b.patternType === 'LITERAL') {
      if (name === WILDCARD_RESOURCE) {
        (this.wildcard ??= new PatternNode()).add(e);
      } else {
        let n = this.literal.get(name);
        if (!n) this.literal.set(name, (n = new PatternNode()));
        n.add(e);
      }
    } else if (name.endsWith('.')) {
      let n = this.dotPrefixes.get(name);
      if (!n) this.dotPrefixes.set(name, (n = new PatternNode()));
      n.add(e);
    } else {
      const t = radixInsert(this.otherPrefixes, name);
      (t.node ??= new PatternNode()).add(e);
      this.hasOtherPrefixes = true;
    }
  }

  /**
   * Everything that decides checks on `name`, memoized per name: the index never changes after
   * construction, so the matching patterns (rule R1) are found once, and their entries merged by
   * principal. A check then costs one lookup for the name and one for the principal, instead of a
   * few hash lookups per matching pattern (each a likely cache miss on a large index). Patterns
   * naming many principals are not copied but visited in place. The memo is bounded (dropped when
   * full).
   */
  private readonly memo = new Map<string, Resolved>();

  resolve(name: string): Resolved {
    const hit = this.memo.get(name);
    if (hit !== undefined) return hit;
    const r = new Resolved();
    this.forEachMatch(name, (n) => r.include(n));
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(name, r);
    return r;
  }

  /** Calls `visit` for every pattern node matching `name` (rule R1). */
  forEachMatch(name: string, visit: (n: PatternNode) => void): void {
    const lit = this.literal.get(name);
    if (lit) visit(lit);
    if (this.wildcard) visit(this.wildcard);
    if (this.dotPrefixes.size > 0) {
      for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
        const n = this.dotPrefixes.get(name.slice(0, i + 1));
        if (n) visit(n);
      }
    }
    if (this.hasOtherPrefixes) this.forEachOtherPrefix(name, visit);
  }

  forEachOtherPrefix(name: string, visit: (n: PatternNode) => void): void {
    let t: RadixNode = this.otherPrefixes;
    if (t.node) visit(t.node);
    let pos = 0;
    while (pos < name.length) {
      const c = t.child(name.charCodeAt(pos));
      if (c === undefined) break;
      // The first character matched through the child key; compare the rest of the label.
      const label = c.label;
      const end = pos + label.length;
      if (end > name.length) break;
      let k = 1;
      while (k < label.length && label.charCodeAt(k) === name.charCodeAt(pos + k)) k++;
      if (k < label.length) break;
      pos = end;
      t = c;
      if (t.node) visit(t.node);
    }
  }
}

const ALLOW = 1;
const DENY = 2;

/** ALLOW and/or DENY bits for the entries of `list` matching the operation and host (rules R3, R4). */
function match(list: Entry[] | undefined, opBit: number, host: string | undefined): number {
  if (list === undefined) return 0;
  let found = 0;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if ((e.mask & opBit) === 0 || (!e.anyHost && e.host !== host)) continue;
    if (!e.allow) return DENY;
    found = ALLOW;
  }
  return found;
}

export class Authorizer {
  private readonly byType: Record<string, TypeIndex | undefined> = Object.create(null) as Record<
    string,
    TypeIndex | undefined
  >;
  private readonly allowEveryone: boolean;
  readonly size: number;

  // Scratch state of the check in progress (checks are synchronous, so one set of fields serves
  // every call and the hot path allocates only for its answer).
  private principal = '';
  private host: string | undefined;
  private opBit = 0;
  private hasResourceAcls = false;
  private denyAcls: AclBinding[] | undefined;
  private allowAcls: AclBinding[] | undefined;

  constructor(bindings: Iterable<AclBinding>, opts: AuthorizerOptions = {}) {
    this.allowEveryone = opts.allowEveryoneIfNoAclFound ?? false;
    for (const t of RESOURCE_TYPES) this.byType[t] = new TypeIndex();
    const seen = new BindingSet(); // Kafka's ACL store is a set: a binding added twice is one binding.
    for (const b of bindings) {
      if (!seen.add(b)) continue;
      const isAllow = b.permission === 'ALLOW';
      const idx = (this.byType[b.resourceType] ??= new TypeIndex());
      idx.add({
        binding: b,
        anyHost: b.host === WILDCARD_HOST,
        host: b.host,
        allow: isAllow,
        mask: operationMask(b.operation, isAllow),
      });
    }
    this.size = seen.size;
  }

  private scanEntries(list: Entry[] | undefined): void {
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if ((e.mask & this.opBit) === 0) continue; // R4
      if (!e.anyHost && e.host !== this.host) continue; // R3
      if (e.allow) (this.allowAcls ??= []).push(e.binding);
      else (this.denyAcls ??= []).push(e.binding);
    }
  }

  /** Collects the matching DENY and ALLOW bindings for a request (rules R1-R4). */
  private scan(req: AccessRequest): void {
    this.principal = req.principal;
    this.host = req.host;
    this.opBit = bit(req.operation);
    this.hasResourceAcls = false;
    this.denyAcls = undefined;
    this.allowAcls = undefined;
    const idx = this.byType[req.resourceType];
    if (idx === undefined) return;
    const r = idx.resolve(req.resourceName);
    this.hasResourceAcls = r.hasResourceAcls; // R7: any binding on the resource counts
    if (r.byPrincipal.size > 0) this.scanEntries(r.byPrincipal.get(req.principal)); // R2
    this.scanEntries(r.everyone);
    for (let i = 0; i < r.large.length; i++) this.scanEntries(r.large[i]!.byPrincipal.get(req.principal));
  }

  authorize(req: AccessRequest): Decision {
    this.scan(req);
    const deny = this.denyAcls;
    const allowAcls = this.allowAcls;
    this.denyAcls = this.allowAcls = undefined;
    if (deny) return { allowed: false, decidedBy: deny, reason: 'deny-acl' }; // R5
    if (allowAcls) return { allowed: true, decidedBy: allowAcls, reason: 'allow-acl' }; // R6
    if (!this.hasResourceAcls && this.allowEveryone)
      return { allowed: true, decidedBy: [], reason: 'no-acls-allow-everyone' }; // R7
    return { allowed: false, decidedBy: [], reason: 'no-matching-allow' };
  }
  /**
   * The decision alone, as a broker needs it (Kafka's `Authorizer.authorize` answers ALLOWED or
   * DENIED): the same rules as `authorize`, without collecting the deciding bindings, so it
   * allocates nothing and stops at the first matching DENY.
   */
  isAllowed(req: AccessRequest): boolean {
    const idx = this.byType[req.resourceType];
    if (idx === undefined) return this.allowEveryone;
    const r = idx.resolve(req.resourceName);
    const opBit = bit(req.operation);
    const host = req.host;
    let found = match(r.byPrincipal.size > 0 ? r.byPrincipal.get(req.principal) : undefined, opBit, host); // R2
    if (found !== DENY) found |= match(r.everyone, opBit, host);
    for (let i = 0; i < r.large.length && found !== DENY; i++)
      found |= match(r.large[i]!.byPrincipal.get(req.principal), opBit, host);
    if (found & DENY) return false; // R5: deny wins
    if (found & ALLOW) return true; // R6
    return !r.hasResourceAcls && this.allowEveryone; // R7
  }

  /** Every binding whose resource pattern matches the resource (rule R1), whatever its principal. */
  bindingsOn(resourceType: ResourceType, resourceName: string): AclBinding[] {
    const out: AclBinding[] = [];
    this.byType[resourceType]?.forEachMatch(resourceName, (n) => {
      for (const e of n.entries()) out.push(e.binding);
    });
    return out;
  }

  /**
   * The principals named by bindings on the resource. Any principal not in this set is decided
   * exactly like an anonymous principal that only `User:*` bindings match.
   */
  principalsOn(resourceType: ResourceType, resourceName: string): Set<string> {
    const out = new Set<string>();
    this.byType[resourceType]?.forEachMatch(resourceName, (n) => {
      for (const p of n.principals()) out.add(p);
    });
    return out;
  }
}
