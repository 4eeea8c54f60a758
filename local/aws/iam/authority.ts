// The IAM authority of the embedded cloud: who the callers are (roles and users, their identity
// policies and tags, their access keys) and whether a request is allowed. Policy evaluation is
// @cloud-copilot/iam-simulate's, never ours: identity policies, the resource's policy (a bucket
// policy, a KMS key policy) and explicit deny winning, as in the IAM User Guide, "Policy evaluation
// logic" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
//
// Two entry points over the same inputs:
// - `evaluate` / `authorize` (the synchronous Authorizer contract, for in-process callers) run
//   iam-simulate's `runUnsafeSimulation`. "Unsafe" means it skips input validation and context-key
//   normalization; this class does both itself beforehand: every policy is validated with
//   iam-policy's validators when it is put (an invalid policy is refused, as IAM refuses it), and the
//   services pass only the context keys the Service Authorization Reference lists for the action,
//   with the types it gives them (local/aws/iam/actions.ts; runSimulation would drop any other key,
//   the unsafe path would evaluate it). A unit test holds the two paths to the same decisions.
// - `evaluateAsync` / `authorizeAsync` run the validated `runSimulation`. It also knows which actions
//   are wildcard-only (no resource type in the Service Authorization Reference, e.g.
//   secretsmanager:ListSecrets, kms:CreateKey), for which only a statement with `"Resource": "*"`
//   grants access. The synchronous path cannot tell (runUnsafeSimulation has no such flag), so there
//   an Allow naming specific ARNs also counts for a wildcard-only action; the gateway and S3
//   therefore take the async path for those (resource `*`, local/aws/iam/enforce.ts) and the fast
//   synchronous one for the rest.
//
// Principals are given by their IAM ARN. A role acts through a session
// (`arn:aws:sts::<account>:assumed-role/<name>/<session>`, IAM User Guide, "IAM identifiers"), which
// is what resource policies naming the role match and what denials show. Context keys AWS sets for
// every authenticated request (IAM User Guide, "AWS global condition context keys") are added here:
// aws:PrincipalArn (the role ARN for a role session), aws:PrincipalAccount, aws:PrincipalType,
// aws:userid, aws:username (IAM users only) and aws:PrincipalTag/<key>.
//
// Managed policies (local/aws/iam/service.ts, the IAM API): a provider added with
// `addIdentityPolicyProvider` gives the documents attached to a principal; they are read at every
// evaluation, so an AttachRolePolicy or DetachRolePolicy counts from the next request on, and
// evaluated beside the principal's own (inline) policies, as IAM makes no difference between them.
//
// KMS: a key policy is the primary authority over a key (KMS Developer Guide, "Key policies"). IAM
// policies count only when the key policy delegates to the account with
// `"Principal": {"AWS": "arn:aws:iam::<account>:root"}` ("Default key policy"). iam-simulate follows
// this for key resources when it is given the key policy; with no resource policy at all it denies
// (correctly for a key with no policy, which KMS cannot have). So a key ARN always gets a policy
// here: the one put with `putResourcePolicy`, else the default a provider gives (the KMS emulator
// provides the default key policy for customer keys and the via-service policy of AWS managed keys).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
// iam-policy is iam-simulate's own parser and validator (its dependency, installed with it).
import { validateIdentityPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import { LOCAL_ACCOUNT_ID } from '../core.js';
import type {
  AuthorizationDecision,
  AuthorizationRequest,
  Authorizer,
  Credentials,
  PolicyDocument,
  RequestContext,
} from './types.js';

export interface PrincipalSpec {
  /** Identity policies (inline or managed, it makes no difference to evaluation). */
  readonly policies: readonly PolicyDocument[];
  /** Principal tags: `aws:PrincipalTag/<key>` in every request of this principal. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Role session name (roles only; default: the role name, as a Lambda's session is its function name). */
  readonly sessionName?: string;
}

/** One allowed request, as `authorize` recorded it. */
export interface RecordedRequest {
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
}

export interface IamAuthorityOptions {
  readonly accountId?: string;
  /** Default true. Off: every `authorize` is allowed (and still recorded). */
  readonly enforcing?: boolean;
}

/** The managed policies attached to a principal (their default versions), read at every evaluation. */
export type IdentityPolicyProvider = (principalArn: string) => readonly PolicyDocument[];

/** What the IAM API reads of a principal (local/aws/iam/service.ts). */
export interface PrincipalInfo {
  readonly arn: string;
  readonly kind: 'role' | 'user';
  readonly accountId: string;
  readonly name: string;
  /** The path of the ARN, `/` when none (`arn:aws:iam::1:role/service-role/x` → `/service-role/`). */
  readonly path: string;
  /** The unique id IAM gives the entity (`AROA...` for a role, `AIDA...` for a user). */
  readonly uniqueId: string;
  readonly tags: Readonly<Record<string, string>>;
  /** How many policies the principal holds itself (inline, and the template's ones). */
  readonly ownPolicies: number;
}

/** A resource-policy provider: the policy AWS would apply to `arn` when none was put (e.g. a KMS default key policy). */
export type ResourcePolicyProvider = (arn: string) => PolicyDocument | undefined;

/** Thrown by put* for a policy IAM would refuse (MalformedPolicyDocument). Names the problems, never a value. */
export class MalformedPolicyError extends Error {
  constructor(
    readonly where: string,
    readonly problems: readonly string[],
  ) {
    super(`MalformedPolicyDocument: ${where}: ${problems.join('; ')}`);
    this.name = 'MalformedPolicyError';
  }
}

interface ValidatedPolicyInput {
  readonly __validated: true;
  readonly policyDocument: PolicyDocument;
  readonly metadata: { readonly name: string };
  readonly errors: readonly unknown[];
}

interface Principal {
  readonly arn: string;
  readonly kind: 'role' | 'user';
  readonly accountId: string;
  readonly name: string;
  /** The ARN the simulator evaluates and denials show: the session for a role, the user ARN for a user. */
  readonly callerArn: string;
  readonly policies: readonly { name: string; policy: ValidatedPolicyInput }[];
  readonly context: Record<string, string | string[]>;
  readonly credentials: Credentials;
  readonly spec: PrincipalSpec;
  readonly uniqueId: string;
}

const ROLE_RE = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/;
const USER_RE = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/(?:.*\/)?([\w+=,.@-]{1,64})$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE32[bytes[i % bytes.length]! % 32];
  return out;
}

/** AWS's wording for the denial (IAM User Guide, "Troubleshoot access denied error messages"). */
export function denialMessage(
  callerArn: string,
  action: string,
  resource: string,
  why: 'identity-explicit' | 'resource-explicit' | 'identity-implicit' | 'resource-implicit',
  quoteResource = false,
): string {
  const res = quoteResource ? `"${resource}"` : resource;
  const head = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${res}`;
  switch (why) {
    case 'identity-explicit':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'resource-explicit':
      return `${head} with an explicit deny in a resource-based policy`;
    case 'resource-implicit':
      return `${head} because no resource-based policy allows the ${action} action`;
    default:
      return `${head} because no identity-based policy allows the ${action} action`;
  }
}

const ALLOW_ALL: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

export class IamAuthority implements Authorizer {
  readonly accountId: string;
  enforcing: boolean;
  private readonly principals = new Map<string, Principal>();
  private readonly byAccessKey = new Map<string, string>();
  private readonly resourcePolicies = new Map<string, ValidatedPolicyInput>();
  private readonly providers: ResourcePolicyProvider[] = [];
  private readonly identityProviders: IdentityPolicyProvider[] = [];
  private readonly recorded: RecordedRequest[] = [];
  /** Recent decisions of `evaluate`, by decisionKey. */
  private readonly decisions = new Map<string, AuthorizationDecision>();
  /** Per-authority salt for secret access keys: stable within a run, unguessable across runs. */
  private readonly salt = randomBytes(32);
  private readonly allowAll: { name: string; policy: ValidatedPolicyInput }[];

  constructor(opts: IamAuthorityOptions = {}) {
    this.accountId = opts.accountId ?? LOCAL_ACCOUNT_ID;
    this.enforcing = opts.enforcing ?? true;
    this.allowAll = [{ name: 'allow-all', policy: validated(ALLOW_ALL, 'allow-all', 'identity') }];
  }

  /** Every allowed request `authorize` saw, in order (read-only view). */
  get record(): readonly RecordedRequest[] {
    return this.recorded;
  }

  clearRecord(): void {
    this.recorded.length = 0;
  }

  // ---- principals ----

  /** Adds or replaces a role (its identity policies and tags). Its credentials stay the same. */
  putRole(roleArn: string, spec: PrincipalSpec): void {
    const m = ROLE_RE.exec(roleArn);
    if (!m) throw new Error(`not an IAM role ARN: ${roleArn}`);
    const [, partition, accountId, name] = m as unknown as [string, string, string, string];
    const session = spec.sessionName ?? name;
    this.put(
      roleArn,
      'role',
      accountId,
      name,
      `arn:${partition}:sts::${accountId}:assumed-role/${name}/${session}`,
      spec,
    );
  }

  /** Adds or replaces an IAM user. */
  putUser(userArn: string, spec: PrincipalSpec): void {
    const m = USER_RE.exec(userArn);
    if (!m) throw new Error(`not an IAM user ARN: ${userArn}`);
    const [, , accountId, name] = m as unknown as [string, string, string, string];
    this.put(userArn, 'user', accountId, name, userArn, spec);
  }

  /** Removes a role or user; its access key is no longer recognized. */
  deletePrincipal(arn: string): void {
    const p = this.principals.get(arn);
    if (!p) return;
    this.principals.delete(arn);
    this.byAccessKey.delete(p.credentials.accessKeyId);
  }

  hasPrincipal(arn: string): boolean {
    return this.principals.has(arn);
  }

  /** What the IAM API shows of a principal; undefined when there is none. */
  describePrincipal(arn: string): PrincipalInfo | undefined {
    const p = this.principals.get(arn);
    if (!p) return undefined;
    const resource = arn.split(':').slice(5).join(':');
    const path = resource.slice(resource.indexOf('/'), resource.lastIndexOf('/') + 1);
    return {
      arn,
      kind: p.kind,
      accountId: p.accountId,
      name: p.name,
      path,
      uniqueId: p.uniqueId,
      tags: { ...(p.spec.tags ?? {}) },
      ownPolicies: p.policies.length,
    };
  }

  /** The ARN of the role named `name` in `accountId` (role names are unique in an account, whatever the path). */
  findRole(accountId: string, name: string): string | undefined {
    for (const p of this.principals.values())
      if (p.kind === 'role' && p.accountId === accountId && p.name === name) return p.arn;
    return undefined;
  }

  /** Replaces a principal's tags (TagRole, UntagRole): `aws:PrincipalTag/<key>` from the next request on. */
  setPrincipalTags(arn: string, tags: Readonly<Record<string, string>>): void {
    const p = this.principals.get(arn);
    if (!p) throw new Error(`no IAM principal ${arn}`);
    if (p.kind === 'role') this.putRole(arn, { ...p.spec, tags });
    else this.putUser(arn, { ...p.spec, tags });
  }

  /** Adds a source of managed policies attached to principals (asked at every evaluation). */
  addIdentityPolicyProvider(provider: IdentityPolicyProvider): void {
    this.identityProviders.push(provider);
  }

  private attachedPolicies(principalArn: string): { name: string; policy: ValidatedPolicyInput }[] {
    const out: { name: string; policy: ValidatedPolicyInput }[] = [];
    for (const provide of this.identityProviders)
      provide(principalArn).forEach((doc, i) =>
        out.push({ name: `attached-${i}`, policy: validated(doc, `${principalArn} managed policy ${i}`, 'identity') }),
      );
    return out;
  }

  /** The ARN denials show for a principal: a role's session ARN, a user's ARN. */
  callerArn(principalArn: string): string {
    return this.principals.get(principalArn)?.callerArn ?? principalArn;
  }

  private put(
    arn: string,
    kind: 'role' | 'user',
    accountId: string,
    name: string,
    callerArn: string,
    spec: PrincipalSpec,
  ): void {
    const policies = spec.policies.map((doc, i) => ({
      name: `${name}-policy-${i}`,
      policy: validated(doc, `${arn} policy ${i}`, 'identity'),
    }));
    const uniqueId = base32(createHash('sha256').update(arn).digest(), 17);
    const context: Record<string, string | string[]> = {
      'aws:PrincipalArn': arn,
      'aws:PrincipalAccount': accountId,
      'aws:PrincipalType': kind === 'role' ? 'AssumedRole' : 'User',
      'aws:userid': kind === 'role' ? `AROA${uniqueId}:${callerArn.split('/').pop()}` : `AIDA${uniqueId}`,
      ...(kind === 'user' ? { 'aws:username': name } : {}),
    };
    for (const [k, v] of Object.entries(spec.tags ?? {})) context[`aws:PrincipalTag/${k}`] = v;
    const existing = this.principals.get(arn);
    const credentials = existing?.credentials ?? this.makeCredentials(arn, kind);
    const uniqueIdPrefixed = `${kind === 'role' ? 'AROA' : 'AIDA'}${uniqueId}`;
    this.principals.set(arn, {
      arn,
      kind,
      accountId,
      name,
      callerArn,
      policies,
      context,
      credentials,
      spec,
      uniqueId: uniqueIdPrefixed,
    });
    this.byAccessKey.set(credentials.accessKeyId, arn);
  }

  // IAM User Guide, "IAM identifiers" (unique ID prefixes): AKIA for an IAM user's long-term key,
  // ASIA for temporary credentials, which come with a session token.
  private makeCredentials(arn: string, kind: 'role' | 'user'): Credentials {
    const digest = createHmac('sha256', this.salt).update(arn).digest();
    const accessKeyId = (kind === 'role' ? 'ASIA' : 'AKIA') + base32(digest, 16);
    const secretAccessKey = createHmac('sha256', this.salt).update(`secret:${arn}`).digest('base64').slice(0, 40);
    return {
      accessKeyId,
      secretAccessKey,
      ...(kind === 'role'
        ? { sessionToken: createHmac('sha256', this.salt).update(`session:${arn}`).digest('base64') }
        : {}),
    };
  }

  credentialsFor(principalArn: string): Credentials {
    const p = this.principals.get(principalArn);
    if (!p) throw new Error(`no IAM principal ${principalArn}`);
    return p.credentials;
  }

  principalForAccessKey(accessKeyId: string): string | undefined {
    return this.byAccessKey.get(accessKeyId);
  }

  // ---- resource policies ----

  /** Puts the resource policy of `arn` (a KMS key policy, a bucket policy, ...). */
  putResourcePolicy(arn: string, doc: PolicyDocument): void {
    this.resourcePolicies.set(arn, validated(doc, `resource policy of ${arn}`, 'resource'));
  }

  deleteResourcePolicy(arn: string): void {
    this.resourcePolicies.delete(arn);
  }

  /** The policy put for `arn`, else a provider's default, else undefined. */
  resourcePolicy(arn: string): PolicyDocument | undefined {
    return this.resourcePolicies.get(arn)?.policyDocument ?? this.fromProviders(arn);
  }

  /** Adds a source of default resource policies (asked only when none was put for an ARN). */
  addResourcePolicyProvider(provider: ResourcePolicyProvider): void {
    this.providers.push(provider);
  }

  private fromProviders(arn: string): PolicyDocument | undefined {
    for (const p of this.providers) {
      const doc = p(arn);
      if (doc) return doc;
    }
    return undefined;
  }

  private resourcePolicyFor(req: AuthorizationRequest): ValidatedPolicyInput | undefined {
    if (req.resourcePolicy) return validated(req.resourcePolicy, `resource policy of ${req.resource}`, 'resource');
    const stored = this.resourcePolicies.get(req.resource);
    if (stored) return stored;
    const fallback = this.fromProviders(req.resource);
    return fallback ? validated(fallback, `resource policy of ${req.resource}`, 'resource') : undefined;
  }

  // ---- evaluation ----

  evaluate(request: AuthorizationRequest): AuthorizationDecision {
    const parts = this.simulationParts(request);
    const key = decisionKey(parts);
    const known = this.decisions.get(key);
    if (known) return known;
    const decision = this.simulate(request, parts);
    if (this.decisions.size >= REMEMBERED_DECISIONS) this.decisions.clear();
    this.decisions.set(key, decision);
    return decision;
  }

  private simulate(request: AuthorizationRequest, parts: SimulationParts): AuthorizationDecision {
    const run = (identity: Simulation['identityPolicies'], resourcePolicy: ValidatedPolicyInput | undefined) =>
      runUnsafeSimulation(this.simulation(parts, identity, resourcePolicy), {});
    const result = run(parts.identity, parts.resourcePolicy);
    if (result === 'Allowed') return ALLOWED;
    return this.denial(request, parts, result, (identity, rp) => run(identity, rp));
  }

  /** Like `evaluate`, through iam-simulate's validated `runSimulation` (knows wildcard-only actions). */
  async evaluateAsync(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    const parts = this.simulationParts(request);
    const run = async (identity: Simulation['identityPolicies'], rp: ValidatedPolicyInput | undefined) => {
      const out = await runSimulation(this.simulation(parts, identity, rp), { simulationMode: 'Strict' });
      if (out.resultType === 'error') {
        // Inputs are validated on put; what remains is an action or resource the reference does not
        // know for that action, a bug in local/aws/iam/actions.ts, not a denial.
        throw new Error(`iam-simulate refused ${request.action} on ${request.resource}: ${out.errors.message}`);
      }
      return out.overallResult;
    };
    const result = await run(parts.identity, parts.resourcePolicy);
    if (result === 'Allowed') return ALLOWED;
    // Denials are rare: run the two probes the message needs (see `denial`).
    const idOnly = await run(parts.identity, this.identityProbePolicy(parts));
    const trust = parts.resourcePolicy ? await run(this.allowAll, parts.resourcePolicy) : 'Allowed';
    return this.classify(request, parts, result, idOnly, trust);
  }

  authorize(request: AuthorizationRequest): AuthorizationDecision {
    return this.recordDecision(request, this.evaluate(request));
  }

  async authorizeAsync(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    return this.recordDecision(request, await this.evaluateAsync(request));
  }

  private recordDecision(request: AuthorizationRequest, decision: AuthorizationDecision): AuthorizationDecision {
    const effective = decision.allowed || this.enforcing ? decision : ALLOWED;
    if (effective.allowed)
      this.recorded.push({ principalArn: request.principalArn, action: request.action, resource: request.resource });
    return effective;
  }

  private simulationParts(request: AuthorizationRequest): SimulationParts {
    const p = this.principals.get(request.principalArn);
    const context: Record<string, string | string[]> = { ...(p?.context ?? {}) };
    for (const [k, v] of Object.entries(request.context ?? {})) context[k] = typeof v === 'string' ? v : [...v];
    return {
      principal: p?.callerArn ?? request.principalArn,
      request,
      context,
      identity: p ? [...p.policies, ...this.attachedPolicies(request.principalArn)] : [],
      resourcePolicy: this.resourcePolicyFor(request),
      resourceAccount: resourceAccountOf(request.resource, p?.accountId ?? this.accountId),
    };
  }

  private simulation(
    parts: SimulationParts,
    identity: Simulation['identityPolicies'],
    resourcePolicy: ValidatedPolicyInput | undefined,
  ): Simulation {
    return {
      request: {
        principal: parts.principal,
        action: parts.request.action,
        resource: { resource: parts.request.resource, accountId: parts.resourceAccount },
        contextVariables: parts.context,
      },
      identityPolicies: identity,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    };
  }

  /** Why it was denied, by two probes: identity policies alone, and whether the resource policy trusts the account. */
  private denial(
    request: AuthorizationRequest,
    parts: SimulationParts,
    result: string,
    run: (identity: Simulation['identityPolicies'], rp: ValidatedPolicyInput | undefined) => string,
  ): AuthorizationDecision {
    const idOnly = run(parts.identity, this.identityProbePolicy(parts));
    const trust = parts.resourcePolicy ? run(this.allowAll, parts.resourcePolicy) : 'Allowed';
    return this.classify(request, parts, result, idOnly, trust);
  }

  /**
   * The resource policy for the "identity policies alone" probe: none, except for a KMS key, where
   * IAM policies count only through the key policy's delegation to the account, so the probe gives
   * the key the default key policy.
   */
  private identityProbePolicy(parts: SimulationParts): ValidatedPolicyInput | undefined {
    if (!/^arn:[^:]+:kms:[^:]*:\d{12}:key\//.test(parts.request.resource)) return undefined;
    return validated(
      defaultKeyPolicy(parts.resourceAccount),
      `default key policy ${parts.resourceAccount}`,
      'resource',
    );
  }

  private classify(
    request: AuthorizationRequest,
    parts: SimulationParts,
    result: string,
    identityOnly: string,
    resourceTrust: string,
  ): AuthorizationDecision {
    const explicit = result === 'ExplicitlyDenied';
    let why: Parameters<typeof denialMessage>[3];
    if (explicit) why = identityOnly === 'ExplicitlyDenied' ? 'identity-explicit' : 'resource-explicit';
    // Identity policies would allow, yet it is denied: the resource policy does not trust the
    // account (a KMS key policy without the root delegation). Otherwise IAM did not allow it.
    else why = identityOnly === 'Allowed' && resourceTrust !== 'Allowed' ? 'resource-implicit' : 'identity-implicit';
    return {
      allowed: false,
      reason: explicit ? 'explicit-deny' : 'implicit-deny',
      // S3 quotes the resource in its denials; the JSON services do not (IAM User Guide, "Troubleshoot
      // access denied error messages", examples).
      message: denialMessage(parts.principal, request.action, request.resource, why, request.action.startsWith('s3:')),
    };
  }
}

/**
 * Decisions kept by `evaluate`, at most this many (then forgotten all at once). A burst repeats the
 * same requests within a second (EventBridge delivering to one queue, a poller receiving from it, a
 * function starting one state machine); each distinct one costs the simulator about a millisecond.
 */
const REMEMBERED_DECISIONS = 4096;

const policyIds = new WeakMap<object, number>();
let nextPolicyId = 0;
const idOf = (policy: object): number => {
  let id = policyIds.get(policy);
  if (id === undefined) policyIds.set(policy, (id = nextPolicyId++));
  return id;
};

/**
 * Everything a decision depends on: the caller, action, resource and its account, the context
 * (aws:CurrentTime included, so a decision is reused within its second only), and the policies in
 * force by identity. Policies are never changed in place (a put validates a document and keeps it;
 * `validated` caches by that identity), so another set of policies is another key.
 */
function decisionKey(parts: SimulationParts): string {
  const context = Object.keys(parts.context)
    .sort()
    .map((k) => [k, parts.context[k]]);
  return JSON.stringify([
    parts.principal,
    parts.request.action,
    parts.request.resource,
    parts.resourceAccount,
    context,
    parts.identity.map((p) => idOf(p.policy)),
    parts.resourcePolicy ? idOf(parts.resourcePolicy) : -1,
  ]);
}

interface SimulationParts {
  readonly principal: string;
  readonly request: AuthorizationRequest;
  readonly context: Record<string, string | string[]>;
  readonly identity: { name: string; policy: ValidatedPolicyInput }[];
  readonly resourcePolicy: ValidatedPolicyInput | undefined;
  readonly resourceAccount: string;
}

const defaultKeyPolicies = new Map<string, PolicyDocument>();

/** KMS's default key policy (KMS Developer Guide, "Default key policy"): the account may use IAM policies. */
export function defaultKeyPolicy(accountId: string): PolicyDocument {
  let doc = defaultKeyPolicies.get(accountId);
  if (!doc) {
    doc = {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
    defaultKeyPolicies.set(accountId, doc);
  }
  return doc;
}

const ALLOWED: AuthorizationDecision = Object.freeze({ allowed: true, reason: 'allowed', message: 'allowed' });

/** The account that owns a resource: the ARN's, else (S3 ARNs carry none, `*`) the caller's. */
function resourceAccountOf(resource: string, fallback: string): string {
  const account = resource.startsWith('arn:') ? resource.split(':')[4] : undefined;
  return account && /^\d{12}$/.test(account) ? account : fallback;
}

/** What IAM would refuse in a policy document (empty when valid), as iam-policy's validators report it. */
export function policyProblems(doc: unknown, kind: 'identity' | 'resource'): string[] {
  const errors = kind === 'identity' ? validateIdentityPolicy(doc) : validateResourcePolicy(doc);
  return errors.map((e) => `${e.path}: ${e.message}`);
}

const validatedCache = new WeakMap<object, ValidatedPolicyInput>();

/**
 * Validates a policy document with iam-policy (as IAM's MalformedPolicyDocument check would) and
 * wraps it the way iam-simulate accepts pre-validated policies. Documents are cached by identity.
 */
function validated(doc: PolicyDocument, where: string, kind: 'identity' | 'resource'): ValidatedPolicyInput {
  const hit = validatedCache.get(doc);
  if (hit) return hit;
  const problems = policyProblems(doc, kind);
  if (problems.length > 0) throw new MalformedPolicyError(where, problems);
  const out: ValidatedPolicyInput = { __validated: true, policyDocument: doc, metadata: { name: where }, errors: [] };
  validatedCache.set(doc, out);
  return out;
}

export type { RequestContext };
