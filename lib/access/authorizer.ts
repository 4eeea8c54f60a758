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
// and a radix tree of prefixed names; each node groups its bindings by principal, so a check costs
// two Map lookups per matching pattern plus one step per branching point along the name.
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

/** The bindings of one resource pattern, grouped by principal. */
class PatternNode {
  count = 0;
  readonly byPrincipal = new Map<string, Entry[]>();
  add(e: Entry): void {
    this.count++;
    const list = this.byPrincipal.get(e.binding.principal);
    if (list) list.push(e);
    else this.byPrincipal.set(e.binding.principal, [e]);
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
  readonly prefixRoot = new RadixNode('');

  add(e: Entry): void {
    const b = e.binding;
    if (b.patternType === 'LITERAL') {
      if (b.resourceName === WILDCARD_RESOURCE) {
        (this.wildcard ??= new PatternNode()).add(e);
      } else {
        let n = this.literal.get(b.resourceName);
        if (!n) this.literal.set(b.resourceName, (n = new PatternNode()));
        n.add(e);
      }
      return;
    }
    const t = radixInsert(this.prefixRoot, b.resourceName);
    (t.node ??= new PatternNode()).add(e);
  }

  /** Appends every pattern node matching `name` (rule R1) to `out`. */
  matches(name: string, out: PatternNode[]): void {
    const lit = this.literal.get(name);
    if (lit) out.push(lit);
    if (this.wildcard) out.push(this.wildcard);
    let t: RadixNode = this.prefixRoot;
    if (t.node) out.push(t.node);
    let pos = 0;
    while (pos < name.length) {
      const c = t.child(name.charCodeAt(pos));
      if (!c || !name.startsWith(c.label, pos)) break;
      pos += c.label.length;
      t = c;
      if (t.node) out.push(t.node);
    }
  }

  forEachMatch(name: string, visit: (n: PatternNode) => void): void {
    const out: PatternNode[] = [];
    this.matches(name, out);
    for (const n of out) visit(n);
  }
}

export class Authorizer {
  private readonly byType: Record<string, TypeIndex | undefined> = Object.create(null) as Record<string, TypeIndex | undefined>;
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
      idx.add({ binding: b, anyHost: b.host === WILDCARD_HOST, host: b.host, allow: isAllow, mask: operationMask(b.operation, isAllow) });
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

  private visit(n: PatternNode | undefined): void {
    if (n === undefined) return;
    if (n.count > 0) this.hasResourceAcls = true; // R7: any binding on the resource counts
    this.scanEntries(n.byPrincipal.get(this.principal)); // R2
    if (this.principal !== WILDCARD_PRINCIPAL) this.scanEntries(n.byPrincipal.get(WILDCARD_PRINCIPAL));
  }

  /** Visits every pattern matching the resource (R1): literal name, wildcard name, then the prefixes along the radix tree. */
  private scan(req: AccessRequest): void {
    this.principal = req.principal;
    this.host = req.host;
    this.opBit = bit(req.operation);
    this.hasResourceAcls = false;
    this.denyAcls = undefined;
    this.allowAcls = undefined;
    const idx = this.byType[req.resourceType];
    if (idx === undefined) return;
    const name = req.resourceName;
    this.visit(idx.literal.get(name));
    this.visit(idx.wildcard);
    let t: RadixNode = idx.prefixRoot;
    this.visit(t.node);
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
      this.visit(t.node);
    }
  }

  authorize(req: AccessRequest): Decision {
    this.scan(req);
    const deny = this.denyAcls;
    const allowAcls = this.allowAcls;
    this.denyAcls = this.allowAcls = undefined;
    if (deny) return { allowed: false, decidedBy: deny, reason: 'deny-acl' }; // R5
    if (allowAcls) return { allowed: true, decidedBy: allowAcls, reason: 'allow-acl' }; // R6
    if (!this.hasResourceAcls && this.allowEveryone) return { allowed: true, decidedBy: [], reason: 'no-acls-allow-everyone' }; // R7
    return { allowed: false, decidedBy: [], reason: 'no-matching-allow' };
  }
  /** Shorthand for authorize(req).allowed. */
  isAllowed(req: AccessRequest): boolean {
    return this.authorize(req).allowed;
  }

  /** Every binding whose resource pattern matches the resource (rule R1), whatever its principal. */
  bindingsOn(resourceType: ResourceType, resourceName: string): AclBinding[] {
    const out: AclBinding[] = [];
    this.byType[resourceType]?.forEachMatch(resourceName, (n) => {
      for (const list of n.byPrincipal.values()) for (const e of list) out.push(e.binding);
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
      for (const p of n.byPrincipal.keys()) out.add(p);
    });
    return out;
  }
}
