// The emulated IAM API (Query protocol, signing name `iam`, version 2010-05-08): customer-managed
// policies with their versions, and roles with their attached policies and tags. The operations,
// their members, errors and limits follow the IAM API Reference
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_<Operation>.html) and the IAM User Guide,
// "IAM and AWS STS quotas" (reference_iam-quotas.html):
// - a managed policy document holds at most 6,144 characters, not counting whitespace
//   (LimitExceeded "Cannot exceed quota for PolicySize: 6144");
// - a managed policy keeps at most 5 versions (CreatePolicyVersion: LimitExceeded, "A managed policy
//   can have up to 5 versions. Before you create a new version, you must delete an existing
//   version.");
// - a role has at most 10 managed policies attached (AttachRolePolicy: LimitExceeded "Cannot exceed
//   quota for PoliciesPerRole: 10"), at most 50 tags (TagRole: LimitExceeded);
// - version ids are v1, v2, ... and never reused (PolicyVersion: "When a policy is created, the
//   first policy version is v1"); GetPolicyVersion's Document is URL-encoded (RFC 3986), the other
//   operations return no document;
// - errors and their HTTP status are the model's (botocore iam service-2.json, each error shape's
//   `error.httpStatusCode`): NoSuchEntity 404, EntityAlreadyExists / DeleteConflict / LimitExceeded
//   409, MalformedPolicyDocument / InvalidInput 400.
//
// One state with the authority (local/aws/iam/authority.ts, the evaluator): a role is the
// authority's principal, whoever made it (CreateRole here, the CloudFormation deploy, a test), so
// GetRole, AttachRolePolicy and DeleteRole see the stack's roles; and the authority reads the
// default versions of the policies attached to a role at every evaluation (its identity-policy
// provider), so an attach or detach counts from the next request on. The stack's
// AWS::IAM::ManagedPolicy resources are put here too (`putManagedPolicy`).
//
// Not emulated: users and groups through the API (the authority holds the local admin user),
// inline-policy operations (PutRolePolicy, ...), AWS managed policies (ListPolicies with Scope AWS
// lists none), permissions boundaries, policy tags beyond what CreatePolicy stores, and IAM's
// eventual consistency (a change is visible at once, AWS's may take seconds).
import { createHash } from 'node:crypto';
import { AwsServiceError, type RequestContext } from '../core.js';
import type { IamAuthority } from './authority.js';
import { policyProblems } from './authority.js';
import { PageTokens, pageSize } from '../pagination.js';
import type { PolicyDocument } from './types.js';

export const IAM_VERSION = '2010-05-08';
export const IAM_XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** IAM User Guide, "IAM and AWS STS quotas". */
export const MANAGED_POLICY_MAX_CHARS = 6144;
export const MAX_POLICY_VERSIONS = 5;
export const MAX_MANAGED_POLICIES_PER_ROLE = 10;
export const MAX_TAGS_PER_ROLE = 50;

/** HTTP status per IAM error code, as botocore's iam model gives it (a unit test holds them to it). */
export const IAM_ERROR_STATUS: Readonly<Record<string, number>> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  MalformedPolicyDocument: 400,
  InvalidInput: 400,
  ServiceFailure: 500,
};

function iamError(code: keyof typeof IAM_ERROR_STATUS & string, message: string): AwsServiceError {
  return new AwsServiceError(code, message, IAM_ERROR_STATUS[code] ?? 400);
}

type Tag = { Key: string; Value: string };

interface PolicyVersion {
  readonly id: string;
  readonly text: string;
  readonly document: PolicyDocument;
  readonly createDate: Date;
}

interface ManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly accountId: string;
  readonly id: string;
  readonly description?: string;
  readonly createDate: Date;
  updateDate: Date;
  readonly versions: PolicyVersion[];
  defaultVersionId: string;
  nextVersion: number;
  readonly tags: Tag[];
}

/** What the IAM API keeps of a role beyond the authority's principal. */
interface RoleMeta {
  readonly createDate: Date;
  readonly assumeRolePolicyDocument?: string;
  readonly description?: string;
  readonly maxSessionDuration: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** A 21-character id with IAM's prefix (IAM User Guide, "IAM identifiers", unique ID prefixes: ANPA for a managed policy). */
function uniqueId(prefix: string, seed: string): string {
  const d = createHash('sha256').update(seed).digest();
  let out = prefix;
  for (let i = 0; out.length < 21; i++) out += BASE32[d[i]! % 32];
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean => v === true || v === 'true';

function tagList(v: unknown): Tag[] {
  return Array.isArray(v)
    ? (v as Record<string, unknown>[]).map((t) => ({ Key: String(t?.Key ?? ''), Value: String(t?.Value ?? '') }))
    : [];
}

/** RFC 3986 percent-encoding (unreserved characters kept), as GetPolicyVersion returns a document. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface IamServiceOptions {
  readonly now?: () => Date;
}

export class IamService {
  readonly signingName = 'iam';
  readonly version = IAM_VERSION;
  readonly xmlNamespace = IAM_XML_NAMESPACE;
  /** IAM is global: its endpoint and SigV4 scope are us-east-1's (AWS General Reference, "IAM endpoints"). */
  readonly globalRegion = 'us-east-1';
  readonly operations: Readonly<Record<string, (input: Record<string, unknown>, ctx: RequestContext) => unknown>>;

  private readonly policies = new Map<string, ManagedPolicy>();
  /** Role ARN → ARNs of the managed policies attached to it, in attach order. */
  private readonly attached = new Map<string, string[]>();
  private readonly roles = new Map<string, RoleMeta>();
  private readonly now: () => Date;
  private readonly tokens = new PageTokens();

  constructor(
    private readonly authority: IamAuthority,
    opts: IamServiceOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    authority.addIdentityPolicyProvider((arn) => this.attachedDocuments(arn));
    this.operations = {
      CreatePolicy: (i, c) => this.createPolicy(i, c.accountId),
      GetPolicy: (i) => ({ Policy: this.policyView(this.policy(i.PolicyArn), true) }),
      DeletePolicy: (i) => this.deletePolicy(i),
      CreatePolicyVersion: (i) => this.createPolicyVersion(i),
      DeletePolicyVersion: (i) => this.deletePolicyVersion(i),
      GetPolicyVersion: (i) => this.getPolicyVersion(i),
      ListPolicyVersions: (i) => this.listPolicyVersions(i),
      ListPolicies: (i, c) => this.listPolicies(i, c.accountId),
      CreateRole: (i, c) => this.createRole(i, c.accountId),
      GetRole: (i, c) => ({ Role: this.roleView(this.role(i.RoleName, c.accountId)) }),
      DeleteRole: (i, c) => this.deleteRole(i, c.accountId),
      AttachRolePolicy: (i, c) => this.attachRolePolicy(this.role(i.RoleName, c.accountId), str(i.PolicyArn) ?? ''),
      DetachRolePolicy: (i, c) => this.detachRolePolicy(i, c.accountId),
      ListAttachedRolePolicies: (i, c) => this.listAttachedRolePolicies(i, c.accountId),
      TagRole: (i, c) => this.tagRole(i, c.accountId),
      UntagRole: (i, c) => this.untagRole(i, c.accountId),
      ListRoleTags: (i, c) => this.listRoleTags(i, c.accountId),
    };
  }

  // ---- in-process API (the CloudFormation deploy, tests) ----

  /** A role as the deploy creates it: the authority's principal with its own (inline) policies. */
  putRole(
    roleArn: string,
    role: { policies: readonly PolicyDocument[]; tags?: Readonly<Record<string, string>> },
  ): void {
    this.authority.putRole(roleArn, role);
    if (!this.roles.has(roleArn)) this.roles.set(roleArn, { createDate: this.now(), maxSessionDuration: 3600 });
  }

  /** A customer-managed policy as AWS::IAM::ManagedPolicy creates it, attached to `roleArns`. */
  putManagedPolicy(policyArn: string, document: PolicyDocument, roleArns: readonly string[] = []): void {
    const m = /^arn:aws[a-z-]*:iam::(\d{12}):policy(\/(?:.*\/)?)([^/]+)$/.exec(policyArn);
    if (!m) throw new Error(`not a managed policy ARN: ${policyArn}`);
    const [, accountId, path, name] = m as unknown as [string, string, string, string];
    this.createPolicy({ PolicyName: name, Path: path, PolicyDocument: JSON.stringify(document) }, accountId);
    for (const r of roleArns) this.attachRolePolicy(r, policyArn);
  }

  /** The ARNs of the managed policies attached to a role. */
  attachedPolicyArns(roleArn: string): string[] {
    return [...(this.attached.get(roleArn) ?? [])];
  }

  /** The default version's document of every policy attached to `principalArn` (the authority's provider). */
  private attachedDocuments(principalArn: string): PolicyDocument[] {
    const arns = this.attached.get(principalArn);
    if (!arns) return [];
    return arns.map((a) => {
      const p = this.policies.get(a)!;
      return p.versions.find((v) => v.id === p.defaultVersionId)!.document;
    });
  }

  /**
   * One page of a listing: MaxItems 1 to 1000, default 100, and an opaque Marker (the list operations'
   * "Marker"/"IsTruncated" members; local/aws/pagination.ts). The model's range check answers a
   * MaxItems outside it first.
   */
  private page<T>(
    items: readonly T[],
    input: Record<string, unknown>,
    listing: string,
  ): { items: T[]; IsTruncated: boolean; Marker?: string } {
    // Typed by the model; a string only when the models are unavailable.
    const max = typeof input.MaxItems === 'string' ? Number(input.MaxItems) : input.MaxItems;
    const size = pageSize(max, { min: 1, max: 1000, default: 100 }, () =>
      iamError('InvalidInput', 'MaxItems must be between 1 and 1000.'),
    );
    const { items: slice, next } = this.tokens.page(items, {
      listing,
      size,
      token: input.Marker,
      invalid: () => iamError('InvalidInput', 'Invalid Marker.'),
    });
    return next ? { items: slice, IsTruncated: true, Marker: next } : { items: slice, IsTruncated: false };
  }

  // ---- policies ----

  /** The document as IAM checks it: JSON, a valid identity policy, at most 6,144 characters without whitespace. */
  private document(text: string): PolicyDocument {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw iamError('MalformedPolicyDocument', 'Syntax errors in policy.');
    }
    const problems = policyProblems(doc, 'identity');
    if (problems.length > 0) throw iamError('MalformedPolicyDocument', problems.join('; '));
    if (text.replace(/\s/g, '').length > MANAGED_POLICY_MAX_CHARS)
      throw iamError('LimitExceeded', `Cannot exceed quota for PolicySize: ${MANAGED_POLICY_MAX_CHARS}`);
    return doc as PolicyDocument;
  }

  private createPolicy(input: Record<string, unknown>, accountId: string): { Policy: Record<string, unknown> } {
    const name = str(input.PolicyName) ?? '';
    const path = str(input.Path) ?? '/';
    const text = str(input.PolicyDocument) ?? '';
    const document = this.document(text);
    const arn = `arn:aws:iam::${accountId}:policy${path}${name}`;
    // Policy names are unique in an account whatever the path (API_CreatePolicy: EntityAlreadyExists).
    for (const p of this.policies.values())
      if (p.accountId === accountId && p.name === name)
        throw iamError(
          'EntityAlreadyExists',
          `A policy called ${name} already exists. Duplicate names are not allowed.`,
        );
    const now = this.now();
    const description = str(input.Description);
    const policy: ManagedPolicy = {
      arn,
      name,
      path,
      accountId,
      id: uniqueId('ANPA', `${arn}:${now.getTime()}`),
      ...(description !== undefined ? { description } : {}),
      createDate: now,
      updateDate: now,
      versions: [{ id: 'v1', text, document, createDate: now }],
      defaultVersionId: 'v1',
      nextVersion: 2,
      tags: tagList(input.Tags),
    };
    this.policies.set(arn, policy);
    return { Policy: this.policyView(policy, false) };
  }

  private policy(arnInput: unknown): ManagedPolicy {
    const arn = str(arnInput) ?? '';
    if (!/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\//.test(arn))
      throw iamError('InvalidInput', `ARN ${arn} is not valid.`);
    const p = this.policies.get(arn);
    if (!p) throw iamError('NoSuchEntity', `Policy ${arn} was not found.`);
    return p;
  }

  private attachmentCount(arn: string): number {
    let n = 0;
    for (const list of this.attached.values()) if (list.includes(arn)) n++;
    return n;
  }

  /** The Policy shape; Description and the (possibly empty) Tags list in GetPolicy. */
  private policyView(p: ManagedPolicy, full: boolean): Record<string, unknown> {
    return {
      PolicyName: p.name,
      PolicyId: p.id,
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: p.defaultVersionId,
      AttachmentCount: this.attachmentCount(p.arn),
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      ...(full && p.description !== undefined ? { Description: p.description } : {}),
      CreateDate: p.createDate,
      UpdateDate: p.updateDate,
      ...(p.tags.length > 0 || full ? { Tags: p.tags } : {}),
    };
  }

  // API_DeletePolicy: "Before you can delete a managed policy, you must first detach the policy from
  // all users, groups, and roles that it is attached to. In addition, you must delete all the
  // policy's versions" (DeleteConflict otherwise); the default version goes with the policy.
  private deletePolicy(input: Record<string, unknown>): Record<string, never> {
    const p = this.policy(input.PolicyArn);
    if (this.attachmentCount(p.arn) > 0)
      throw iamError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    if (p.versions.length > 1)
      throw iamError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    this.policies.delete(p.arn);
    return {};
  }

  private createPolicyVersion(input: Record<string, unknown>): { PolicyVersion: Record<string, unknown> } {
    const p = this.policy(input.PolicyArn);
    const text = str(input.PolicyDocument) ?? '';
    const document = this.document(text);
    if (p.versions.length >= MAX_POLICY_VERSIONS)
      throw iamError(
        'LimitExceeded',
        `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    const now = this.now();
    const version: PolicyVersion = { id: `v${p.nextVersion++}`, text, document, createDate: now };
    p.versions.push(version);
    if (bool(input.SetAsDefault)) p.defaultVersionId = version.id;
    p.updateDate = now;
    return { PolicyVersion: this.versionView(p, version, false) };
  }

  private policyVersion(p: ManagedPolicy, idInput: unknown): PolicyVersion {
    const id = str(idInput) ?? '';
    const v = p.versions.find((x) => x.id === id);
    if (!v) throw iamError('NoSuchEntity', `Policy ${p.arn} version ${id} does not exist or is not attachable.`);
    return v;
  }

  private versionView(p: ManagedPolicy, v: PolicyVersion, withDocument: boolean): Record<string, unknown> {
    return {
      ...(withDocument ? { Document: rfc3986(v.text) } : {}),
      VersionId: v.id,
      IsDefaultVersion: v.id === p.defaultVersionId,
      CreateDate: v.createDate,
    };
  }

  // API_DeletePolicyVersion: "You cannot delete the default version from a policy using this
  // operation" (DeleteConflict).
  private deletePolicyVersion(input: Record<string, unknown>): Record<string, never> {
    const p = this.policy(input.PolicyArn);
    const v = this.policyVersion(p, input.VersionId);
    if (v.id === p.defaultVersionId) throw iamError('DeleteConflict', 'Cannot delete the default version of a policy.');
    p.versions.splice(p.versions.indexOf(v), 1);
    return {};
  }

  private getPolicyVersion(input: Record<string, unknown>): { PolicyVersion: Record<string, unknown> } {
    const p = this.policy(input.PolicyArn);
    return { PolicyVersion: this.versionView(p, this.policyVersion(p, input.VersionId), true) };
  }

  /** Newest first, as IAM lists them. */
  private listPolicyVersions(input: Record<string, unknown>): Record<string, unknown> {
    const p = this.policy(input.PolicyArn);
    const { items, ...rest } = this.page([...p.versions].reverse(), input, `versions/${p.arn}`);
    return { Versions: items.map((v) => this.versionView(p, v, false)), ...rest };
  }

  // API_ListPolicies: Scope All (default) | AWS | Local, OnlyAttached, PathPrefix, Marker/MaxItems.
  private listPolicies(input: Record<string, unknown>, accountId: string): Record<string, unknown> {
    const scope = str(input.Scope) ?? 'All';
    const prefix = str(input.PathPrefix) ?? '/';
    const onlyAttached = bool(input.OnlyAttached);
    const all =
      scope === 'AWS'
        ? []
        : [...this.policies.values()].filter(
            (p) =>
              p.accountId === accountId &&
              p.path.startsWith(prefix) &&
              (!onlyAttached || this.attachmentCount(p.arn) > 0),
          );
    const { items, ...rest } = this.page(all, input, `policies/${scope}/${prefix}/${onlyAttached}`);
    return { Policies: items.map((p) => this.policyView(p, false)), ...rest };
  }

  // ---- roles ----

  private role(nameInput: unknown, accountId: string): string {
    const name = str(nameInput) ?? '';
    const arn = this.authority.findRole(accountId, name);
    if (!arn) throw iamError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    return arn;
  }

  private createRole(input: Record<string, unknown>, accountId: string): { Role: Record<string, unknown> } {
    const name = str(input.RoleName) ?? '';
    const path = str(input.Path) ?? '/';
    const trust = str(input.AssumeRolePolicyDocument) ?? '';
    let trustDoc: unknown;
    try {
      trustDoc = JSON.parse(trust);
    } catch {
      throw iamError('MalformedPolicyDocument', 'This policy contains invalid Json');
    }
    const problems = policyProblems(trustDoc, 'resource');
    if (problems.length > 0) throw iamError('MalformedPolicyDocument', problems.join('; '));
    if (this.authority.findRole(accountId, name))
      throw iamError('EntityAlreadyExists', `Role with name ${name} already exists.`);
    const tags = tagList(input.Tags);
    const arn = `arn:aws:iam::${accountId}:role${path}${name}`;
    const description = str(input.Description);
    this.authority.putRole(arn, { policies: [], tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])) });
    this.roles.set(arn, {
      createDate: this.now(),
      assumeRolePolicyDocument: trust,
      ...(description !== undefined ? { description } : {}),
      maxSessionDuration: typeof input.MaxSessionDuration === 'number' ? input.MaxSessionDuration : 3600,
    });
    return { Role: this.roleView(arn) };
  }

  /** A role the API did not create (the deploy's, a test's) is first seen now. */
  private meta(arn: string): RoleMeta {
    let m = this.roles.get(arn);
    if (!m) this.roles.set(arn, (m = { createDate: this.now(), maxSessionDuration: 3600 }));
    return m;
  }

  private roleView(arn: string): Record<string, unknown> {
    const p = this.authority.describePrincipal(arn)!;
    const m = this.meta(arn);
    const tags = Object.entries(p.tags).map(([Key, Value]) => ({ Key, Value }));
    return {
      Path: p.path,
      RoleName: p.name,
      RoleId: p.uniqueId,
      Arn: arn,
      CreateDate: m.createDate,
      // GetRole returns the trust policy URL-encoded, as the other policy documents (API_Role).
      ...(m.assumeRolePolicyDocument !== undefined
        ? { AssumeRolePolicyDocument: rfc3986(m.assumeRolePolicyDocument) }
        : {}),
      ...(m.description !== undefined ? { Description: m.description } : {}),
      MaxSessionDuration: m.maxSessionDuration,
      ...(tags.length > 0 ? { Tags: tags } : {}),
      // Never used locally: no LastUsedDate or Region (API_RoleLastUsed: both absent until the role is used).
      RoleLastUsed: {},
    };
  }

  // API_DeleteRole: the role must have no attached managed policies and no inline policies
  // (DeleteConflict).
  private deleteRole(input: Record<string, unknown>, accountId: string): Record<string, never> {
    const arn = this.role(input.RoleName, accountId);
    if ((this.attached.get(arn)?.length ?? 0) > 0)
      throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    if ((this.authority.describePrincipal(arn)?.ownPolicies ?? 0) > 0)
      throw iamError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    this.authority.deletePrincipal(arn);
    this.roles.delete(arn);
    this.attached.delete(arn);
    return {};
  }

  private attachRolePolicy(roleArn: string, policyArn: string): Record<string, never> {
    const p = this.policies.get(policyArn);
    if (!p) {
      if (!/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\//.test(policyArn))
        throw iamError('InvalidInput', `ARN ${policyArn} is not valid.`);
      throw iamError('NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
    }
    const list = this.attached.get(roleArn) ?? [];
    if (list.includes(policyArn)) return {}; // attaching again changes nothing
    if (list.length >= MAX_MANAGED_POLICIES_PER_ROLE)
      throw iamError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${MAX_MANAGED_POLICIES_PER_ROLE}`);
    this.attached.set(roleArn, [...list, policyArn]);
    return {};
  }

  private detachRolePolicy(input: Record<string, unknown>, accountId: string): Record<string, never> {
    const roleArn = this.role(input.RoleName, accountId);
    const policyArn = str(input.PolicyArn) ?? '';
    const list = this.attached.get(roleArn) ?? [];
    if (!list.includes(policyArn)) throw iamError('NoSuchEntity', `Policy ${policyArn} was not found.`);
    this.attached.set(
      roleArn,
      list.filter((a) => a !== policyArn),
    );
    return {};
  }

  private listAttachedRolePolicies(input: Record<string, unknown>, accountId: string): Record<string, unknown> {
    const roleArn = this.role(input.RoleName, accountId);
    const prefix = str(input.PathPrefix) ?? '/';
    const all = (this.attached.get(roleArn) ?? [])
      .map((a) => this.policies.get(a)!)
      .filter((p) => p.path.startsWith(prefix));
    const { items, ...rest } = this.page(all, input, `attached/${roleArn}/${prefix}`);
    return { AttachedPolicies: items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), ...rest };
  }

  private tagRole(input: Record<string, unknown>, accountId: string): Record<string, never> {
    const arn = this.role(input.RoleName, accountId);
    const tags = { ...this.authority.describePrincipal(arn)!.tags };
    for (const t of tagList(input.Tags)) tags[t.Key] = t.Value;
    if (Object.keys(tags).length > MAX_TAGS_PER_ROLE)
      throw iamError('LimitExceeded', `Cannot exceed quota for TagsPerRole: ${MAX_TAGS_PER_ROLE}`);
    this.authority.setPrincipalTags(arn, tags);
    return {};
  }

  private untagRole(input: Record<string, unknown>, accountId: string): Record<string, never> {
    const arn = this.role(input.RoleName, accountId);
    const tags = { ...this.authority.describePrincipal(arn)!.tags };
    for (const k of Array.isArray(input.TagKeys) ? (input.TagKeys as unknown[]) : []) delete tags[String(k)];
    this.authority.setPrincipalTags(arn, tags);
    return {};
  }

  private listRoleTags(input: Record<string, unknown>, accountId: string): Record<string, unknown> {
    const arn = this.role(input.RoleName, accountId);
    const all = Object.entries(this.authority.describePrincipal(arn)!.tags).map(([Key, Value]) => ({ Key, Value }));
    const { items, ...rest } = this.page(all, input, `tags/${arn}`);
    return { Tags: items, ...rest };
  }
}
