// The roles a spec names to receive its domain's IAM policies (auth mode IAM; docs/architecture.md#iam-access):
//
//   x-msk-spec-iam-roles:
//     - orders-service                                   # a role name in the pipeline's account
//     - arn:aws:iam::123456789012:role/teams/debezium    # or a role ARN, same account only
//
// A specification extension (AsyncAPI 2.x and 3.x allow `x-` fields at the top of the document,
// "Specification Extensions"). Role names and paths as IAM allows them (IAM API Reference, CreateRole:
// RoleName `[\w+=,.@-]+`, 1-64 characters; Path `/` or `/…/`, at most 512); AttachRolePolicy takes
// the name only, so two entries naming one role (name and ARN) are one role.
import type { Json, JsonObject } from './load.js';
import type { DomainSpec, SpecIssue } from './model.js';
import { jsonPath, kindOf, quote } from './path.js';
import type { Collector } from './reader.js';

export const IAM_ROLES_KEY = 'x-msk-spec-iam-roles';
/** At most this many roles per spec: each attachment is one AttachRolePolicy per policy per run. */
export const MAX_IAM_ROLES = 20;

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role((?:\/[\w+=,.@-]+)*\/)?([\w+=,.@-]{1,64})$/;

export interface IamRoleRef {
  readonly name: string;
  /** The account of an ARN entry; undefined for a bare name (the pipeline's own account). */
  readonly account?: string;
  /** JSON path of the entry, for refusals that point back at the spec. */
  readonly path: string;
}

/** The role a spec entry names: a bare role name, or a role ARN (any path). Undefined when it is neither. */
export function parseRoleRef(text: string, path: string): IamRoleRef | undefined {
  if (ROLE_NAME.test(text)) return { name: text, path };
  const m = ROLE_ARN.exec(text);
  if (!m || (m[2] ?? '/').length > 512) return undefined;
  return { name: m[3]!, account: m[1]!, path };
}

/** Reads `x-msk-spec-iam-roles` from the top of the document; every bad entry is an `iam-roles` refusal. */
export function readIamRoles(root: JsonObject, c: Collector): IamRoleRef[] | undefined {
  const v: Json | undefined = root[IAM_ROLES_KEY];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    c.error([IAM_ROLES_KEY], 'iam-roles', `expected a list of IAM role names or role ARNs, got ${kindOf(v)}`);
    return undefined;
  }
  if (v.length > MAX_IAM_ROLES) {
    c.error([IAM_ROLES_KEY], 'iam-roles', `the spec names ${v.length} roles; at most ${MAX_IAM_ROLES} are accepted`);
    return undefined;
  }
  const out: IamRoleRef[] = [];
  v.forEach((entry, i) => {
    const ref = typeof entry === 'string' ? parseRoleRef(entry.trim(), jsonPath([IAM_ROLES_KEY, i])) : undefined;
    if (!ref) {
      c.error(
        [IAM_ROLES_KEY, i],
        'iam-roles',
        `expected an IAM role name ([A-Za-z0-9+=,.@_-], 1-64 characters) or arn:aws:iam::<account>:role/<name>, got ${typeof entry === 'string' ? quote(entry) : kindOf(entry)}`,
      );
      return;
    }
    if (!out.some((r) => r.name === ref.name)) out.push(ref);
  });
  return out;
}

/**
 * The `iam-role-account` refusals of a spec: roles of another account than the pipeline's. The
 * pipeline attaches only its own account's managed policies, and only to its own account's roles
 * (AttachRolePolicy takes a role name, so another account's role cannot even be named).
 */
export function iamRoleAccountIssues(spec: DomainSpec, account: string): SpecIssue[] {
  return (spec.iamRoles ?? [])
    .filter((r) => r.account !== undefined && r.account !== account)
    .map((r) => ({
      file: spec.source,
      path: r.path,
      rule: 'iam-role-account',
      message: `the role ${quote(r.name)} is in account ${r.account}; the pipeline attaches policies to roles of its own account ${account} only`,
    }));
}
