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
// and a character trie of prefixed names; each node groups its bindings by principal, so a check
// costs two Map lookups per matching node plus one trie step per character of the name.
import { OPERATIONS, RESOURCE_TYPES } from './types.js';
import type { AccessRequest, AclBinding, Operation, ResourceType } from './types.js';
import { bindingKey } from './bindings.js';

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

const OP_BIT = new Map<Operation, number>(OPERATIONS.map((o, i) => [o, 1 << i]));
const bit = (op: Operation): number => OP_BIT.get(op) ?? 0;
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

class TrieNode {
  children: Map<number, TrieNode> | undefined;
  node: PatternNode | undefined;
}

class TypeIndex {
  readonly literal = new Map<string, PatternNode>();
  wildcard: PatternNode | undefined;
  readonly prefixRoot = new TrieNode();

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
    let t = this.prefixRoot;
    const name = b.resourceName;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      const children = (t.children ??= new Map());
      let next = children.get(c);
      if (!next) children.set(c, (next = new TrieNode()));
      t = next;
    }
    (t.node ??= new PatternNode()).add(e);
  }

  /** Calls `visit` for every pattern node matching `name` (rule R1). */
  forEachMatch(name: string, visit: (n: PatternNode) => void): void {
    const lit = this.literal.get(name);
    if (lit) visit(lit);
    if (this.wildcard) visit(this.wildcard);
    let t: TrieNode | undefined = this.prefixRoot;
    if (t.node) visit(t.node);
    for (let i = 0; i < name.length; i++) {
      t = t.children?.get(name.charCodeAt(i));
      if (!t) break;
      if (t.node) visit(t.node);
    }
  }
}

/** Scratch state of one check; reused so that the hot path allocates only for its answer. */
interface Scan {
  principal: string;
  host: string | undefined;
  opBit: number;
  hasResourceAcls: boolean;
  deny: AclBinding[] | undefined;
  allowAcl: AclBinding[] | undefined;
}

export class Authorizer {
  private readonly byType = new Map<ResourceType, TypeIndex>();
  private readonly allowEveryone: boolean;
  readonly size: number;

  constructor(bindings: Iterable<AclBinding>, opts: AuthorizerOptions = {}) {
    this.allowEveryone = opts.allowEveryoneIfNoAclFound ?? false;
    for (const t of RESOURCE_TYPES) this.byType.set(t, new TypeIndex());
    const seen = new Set<string>(); // Kafka's ACL store is a set: a binding added twice is one binding.
    for (const b of bindings) {
      const k = bindingKey(b);
      if (seen.has(k)) continue;
      seen.add(k);
      const isAllow = b.permission === 'ALLOW';
      let idx = this.byType.get(b.resourceType);
      if (!idx) this.byType.set(b.resourceType, (idx = new TypeIndex()));
      idx.add({ binding: b, anyHost: b.host === WILDCARD_HOST, host: b.host, allow: isAllow, mask: operationMask(b.operation, isAllow) });
    }
    this.size = seen.size;
  }

  private scanEntries(list: Entry[] | undefined, s: Scan): void {
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if ((e.mask & s.opBit) === 0) continue; // R4
      if (!e.anyHost && e.host !== s.host) continue; // R3
      if (e.allow) (s.allowAcl ??= []).push(e.binding);
      else (s.deny ??= []).push(e.binding);
    }
  }

  private scan(req: AccessRequest): Scan {
    const s: Scan = { principal: req.principal, host: req.host, opBit: bit(req.operation), hasResourceAcls: false, deny: undefined, allowAcl: undefined };
    const idx = this.byType.get(req.resourceType);
    if (!idx) return s;
    idx.forEachMatch(req.resourceName, (n) => {
      if (n.count > 0) s.hasResourceAcls = true; // R7: any binding on the resource counts
      this.scanEntries(n.byPrincipal.get(s.principal), s); // R2
      if (s.principal !== WILDCARD_PRINCIPAL) this.scanEntries(n.byPrincipal.get(WILDCARD_PRINCIPAL), s);
    });
    return s;
  }

  authorize(req: AccessRequest): Decision {
    const s = this.scan(req);
    if (s.deny) return { allowed: false, decidedBy: s.deny, reason: 'deny-acl' }; // R5
    if (s.allowAcl) return { allowed: true, decidedBy: s.allowAcl, reason: 'allow-acl' }; // R6
    if (!s.hasResourceAcls && this.allowEveryone) return { allowed: true, decidedBy: [], reason: 'no-acls-allow-everyone' }; // R7
    return { allowed: false, decidedBy: [], reason: 'no-matching-allow' };
  }

  /** Shorthand for authorize(req).allowed. */
  isAllowed(req: AccessRequest): boolean {
    return this.authorize(req).allowed;
  }

  /** Every binding whose resource pattern matches the resource (rule R1), whatever its principal. */
  bindingsOn(resourceType: ResourceType, resourceName: string): AclBinding[] {
    const out: AclBinding[] = [];
    this.byType.get(resourceType)?.forEachMatch(resourceName, (n) => {
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
    this.byType.get(resourceType)?.forEachMatch(resourceName, (n) => {
      for (const p of n.byPrincipal.keys()) out.add(p);
    });
    return out;
  }
}
