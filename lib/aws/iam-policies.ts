// A domain's customer-managed IAM policies, kept equal to the documents lib/access gives it
// (docs/architecture.md#iam-access). Named from the stage and the domain under the path /msk-spec/:
// `msk-spec-<stage>-<domain>-<n>`, n = 1..k, one per document packPolicies makes.
//
// IAM's rules this follows (IAM API Reference; IAM User Guide, "Versioning IAM policies" and "IAM
// and AWS STS quotas"):
// - a managed policy keeps at most 5 versions; CreatePolicyVersion answers LimitExceeded at the
//   sixth, so the oldest non-default version is deleted first (the default one cannot be);
// - GetPolicyVersion returns the document URL-encoded (RFC 3986);
// - DeletePolicy needs the policy detached from every entity and its non-default versions deleted
//   first (DeleteConflict otherwise);
// - AttachRolePolicy and DetachRolePolicy take the role's name; NoSuchEntity for a missing one.
// An unchanged document is not rewritten: a rerun sends reads only.
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  type IAMClient,
  type PolicyVersion,
} from '@aws-sdk/client-iam';
import { createHash } from 'node:crypto';
import type { IamPolicyDocument } from '../access/iam.js';
import { awsErrorName } from '../errors.js';

export const POLICY_PATH = '/msk-spec/';
/** IAM's limit on managed policy versions. */
export const MAX_POLICY_VERSIONS = 5;
/** IAM policy names: [\w+=,.@-], at most 128 characters (IAM API Reference, CreatePolicy PolicyName). */
const MAX_POLICY_NAME = 128;
const POLICY_NAME_CHARS = /^[\w+=,.@-]+$/;

export interface PolicyNaming {
  readonly partition: string;
  readonly account: string;
  readonly stage: string;
}

/**
 * `msk-spec-<stage>-<domain>` (the base; policy n is `<base>-<n>`). A base that would make a name
 * longer than IAM allows keeps the start of the domain id and adds `+` and a hash of the id: `+` is
 * allowed in policy names and never in domain ids, so no shortened base equals another domain's.
 */
export function policyBase(stage: string, domain: string): string {
  const base = `msk-spec-${stage}-${domain}`;
  if (!POLICY_NAME_CHARS.test(base))
    throw new Error(`stage ${JSON.stringify(stage)} cannot be part of an IAM policy name`);
  const room = MAX_POLICY_NAME - 4; // `-<n>`, n ≤ 999
  if (base.length <= room) return base;
  const hash = createHash('sha256').update(domain).digest('hex').slice(0, 12);
  return `${base.slice(0, room - hash.length - 1)}+${hash}`;
}

export const policyName = (stage: string, domain: string, n: number): string => `${policyBase(stage, domain)}-${n}`;

export const policyArn = (naming: PolicyNaming, name: string): string =>
  `arn:${naming.partition}:iam::${naming.account}:policy${POLICY_PATH}${name}`;

/** Whether a policy name is one of the domain's (`<base>-<n>`). */
export function isPolicyOf(name: string, stage: string, domain: string): boolean {
  const base = policyBase(stage, domain);
  return name.startsWith(`${base}-`) && /^[1-9][0-9]*$/.test(name.slice(base.length + 1));
}

const errorIs = (e: unknown, code: string): boolean => {
  const n = awsErrorName(e);
  return n === code || n === `${code}Exception`;
};

/** Key order does not matter to IAM; compare documents by their sorted-key JSON. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function decodeDocument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // not URL-encoded
  }
  try {
    return JSON.parse(decoded);
  } catch {
    return undefined;
  }
}

export interface PolicyCounts {
  policiesCreated: number;
  policiesUpdated: number;
  policiesUnchanged: number;
  policiesDeleted: number;
  versionsDeleted: number;
  attached: number;
  detached: number;
}

export const zeroCounts = (): PolicyCounts => ({
  policiesCreated: 0,
  policiesUpdated: 0,
  policiesUnchanged: 0,
  policiesDeleted: 0,
  versionsDeleted: 0,
  attached: 0,
  detached: 0,
});

export function addCounts(into: PolicyCounts, c: PolicyCounts): PolicyCounts {
  for (const k of Object.keys(into) as (keyof PolicyCounts)[]) into[k] += c[k];
  return into;
}

const versionNumber = (v: PolicyVersion): number => Number(/^v(\d+)$/.exec(v.VersionId ?? '')?.[1] ?? 0);

/** The oldest non-default version (by CreateDate, then version number), the one IAM guidance says to delete. */
export function oldestNonDefault(versions: readonly PolicyVersion[]): PolicyVersion | undefined {
  return [...versions]
    .filter((v) => !v.IsDefaultVersion)
    .sort(
      (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0) || versionNumber(a) - versionNumber(b),
    )[0];
}

async function listVersions(iam: IAMClient, arn: string): Promise<PolicyVersion[]> {
  const out: PolicyVersion[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListPolicyVersionsCommand({ PolicyArn: arn, ...(marker ? { Marker: marker } : {}) }),
    );
    out.push(...(page.Versions ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/**
 * Makes policy `name` hold `doc`: created when missing; a new default version when its default
 * version differs (deleting the oldest non-default version first when it has 5); nothing when equal.
 */
export async function ensurePolicy(
  iam: IAMClient,
  naming: PolicyNaming,
  name: string,
  doc: IamPolicyDocument,
  description: string,
): Promise<PolicyCounts> {
  const counts = zeroCounts();
  const arn = policyArn(naming, name);
  const document = JSON.stringify(doc);
  let defaultVersion: string | undefined;
  try {
    defaultVersion = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId;
  } catch (e) {
    if (!errorIs(e, 'NoSuchEntity')) throw e;
    try {
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: name,
          Path: POLICY_PATH,
          PolicyDocument: document,
          Description: description,
        }),
      );
      counts.policiesCreated++;
      return counts;
    } catch (e2) {
      // A concurrent run created it first: update it like an existing one.
      if (!errorIs(e2, 'EntityAlreadyExists')) throw e2;
      defaultVersion = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId;
    }
  }
  if (defaultVersion !== undefined) {
    const current = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: defaultVersion }));
    if (canonical(decodeDocument(current.PolicyVersion?.Document)) === canonical(doc)) {
      counts.policiesUnchanged++;
      return counts;
    }
  }
  // Bounded: each attempt makes room first; a concurrent run may take the room again.
  for (let attempt = 0; ; attempt++) {
    const versions = await listVersions(iam, arn);
    if (versions.length >= MAX_POLICY_VERSIONS) {
      const oldest = oldestNonDefault(versions);
      if (oldest?.VersionId) {
        try {
          await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: oldest.VersionId }));
          counts.versionsDeleted++;
        } catch (e) {
          if (!errorIs(e, 'NoSuchEntity')) throw e;
        }
      }
    }
    try {
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: document, SetAsDefault: true }));
      counts.policiesUpdated++;
      return counts;
    } catch (e) {
      if (!errorIs(e, 'LimitExceeded') || attempt >= 3) throw e;
    }
  }
}

async function attachedPolicyArns(iam: IAMClient, role: string): Promise<Set<string>> {
  const out = new Set<string>();
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListAttachedRolePoliciesCommand({
        RoleName: role,
        PathPrefix: POLICY_PATH,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) out.add(p.PolicyArn);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** The role's policies under /msk-spec/, or none when the role no longer exists (its attachments went with it). */
async function attachedOrNone(iam: IAMClient, role: string): Promise<Set<string>> {
  try {
    return await attachedPolicyArns(iam, role);
  } catch (e) {
    if (errorIs(e, 'NoSuchEntity')) return new Set();
    throw e;
  }
}

async function detach(iam: IAMClient, role: string, arn: string): Promise<boolean> {
  try {
    await iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn }));
    return true;
  } catch (e) {
    if (errorIs(e, 'NoSuchEntity')) return false;
    throw e;
  }
}

/** Detaches the policy from `roles`, deletes its non-default versions, then the policy. */
async function deletePolicy(iam: IAMClient, arn: string, roles: readonly string[]): Promise<PolicyCounts> {
  const counts = zeroCounts();
  for (const role of roles)
    if ((await attachedOrNone(iam, role)).has(arn) && (await detach(iam, role, arn))) counts.detached++;
  for (const v of await listVersions(iam, arn)) {
    if (v.IsDefaultVersion || !v.VersionId) continue;
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }));
    counts.versionsDeleted++;
  }
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
  counts.policiesDeleted++;
  return counts;
}

async function exists(iam: IAMClient, arn: string): Promise<boolean> {
  try {
    await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    return true;
  } catch (e) {
    if (errorIs(e, 'NoSuchEntity')) return false;
    throw e;
  }
}

export interface DomainPolicyState {
  readonly domain: string;
  readonly docs: readonly IamPolicyDocument[];
  /** The roles that must hold exactly the domain's policies. */
  readonly roles: readonly string[];
  /** Roles that held them before and must not any more. */
  readonly formerRoles: readonly string[];
}

/**
 * Makes IAM hold exactly `docs` as the domain's policies 1..k, attached to `roles` and to no former
 * role; policies k+1.. (found by GetPolicy, they are numbered without gaps) are detached and deleted.
 */
export async function applyDomainPolicies(
  iam: IAMClient,
  naming: PolicyNaming,
  state: DomainPolicyState,
): Promise<PolicyCounts> {
  const { domain, docs } = state;
  const counts = zeroCounts();
  const wanted: string[] = [];
  for (const [i, doc] of docs.entries()) {
    const name = policyName(naming.stage, domain, i + 1);
    wanted.push(policyArn(naming, name));
    addCounts(
      counts,
      await ensurePolicy(iam, naming, name, doc, `IAM access of data product ${domain} (msk-spec-provisioner)`),
    );
  }
  const everyRole = [...new Set([...state.roles, ...state.formerRoles])];
  for (let n = docs.length + 1; n <= docs.length + 1000; n++) {
    const arn = policyArn(naming, policyName(naming.stage, domain, n));
    if (!(await exists(iam, arn))) break;
    addCounts(counts, await deletePolicy(iam, arn, everyRole));
  }
  for (const role of state.roles) {
    const attached = await attachedPolicyArns(iam, role);
    for (const arn of wanted) {
      if (attached.has(arn)) continue;
      await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn }));
      counts.attached++;
    }
  }
  for (const role of state.formerRoles) {
    if (state.roles.includes(role)) continue;
    for (const arn of await attachedOrNone(iam, role)) {
      const name = arn.slice(arn.lastIndexOf('/') + 1);
      if (isPolicyOf(name, naming.stage, domain) && (await detach(iam, role, arn))) counts.detached++;
    }
  }
  return counts;
}
