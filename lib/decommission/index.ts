// Decommissioning a domain whose spec was removed (docs/architecture.md#decommission), with no I/O:
// whether a removal goes ahead (grace period, bulk guard), which ACL bindings go and which seal
// stays, which certificates are revoked, and what belongs to no spec (orphans). lib/aws/ and the
// decommission Lambdas do the calls these decisions describe.
import { allPrincipalsOf, domainOfPrincipal, inNamespace, isManagedBy } from '../access/bindings.js';
import { bindingKey } from '../access/bindings.js';
import type { AclBinding } from '../access/types.js';
import type { ProvisionConfig } from '../config.js';
import type { CurrentCertificate } from '../cert/policy.js';
import { domainFromKey } from '../spec/key.js';
import { isValidDomainId } from '../spec/names.js';

export const DEFAULT_GRACE_SECONDS = 3600;
export const DEFAULT_MAX_REMOVALS = 3;
/** Secrets Manager's DeleteSecret window: 7 to 30 days; the longest, so a restored spec finds its password. */
export const DEFAULT_SECRET_RECOVERY_DAYS = 30;
/** RevokeCertificate reason (AWS Private CA API Reference, RevokeCertificate, RevocationReason). */
export const REVOCATION_REASON = 'CESSATION_OF_OPERATION';

const EXTENSIONS = ['yaml', 'yml', 'json'] as const;

/** The keys that may hold `D`'s spec (lib/spec/key.ts binds each to its domain). */
export const specKeysOf = (domain: string): string[] => EXTENSIONS.map((e) => `specs/${domain}.${e}`);

// ---- the removal decision ---------------------------------------------------------------------

/** One entry of ListObjectVersions under `specs/`: an object version or a delete marker. */
export interface SpecVersion {
  readonly key: string;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
  readonly lastModified: string;
}

export interface RemovalSettings {
  readonly graceSeconds: number;
  /** More removals than this within the window are refused unless forced. */
  readonly maxRemovals: number;
}

export type RemovalDecision =
  | { readonly status: 'RESTORED'; readonly domain: string; readonly currentKey: string }
  | {
      readonly status: 'REFUSED' | 'DECOMMISSION';
      readonly domain: string;
      /** Domains whose specs were removed within one grace period of this removal (this one included). */
      readonly removals: readonly string[];
      readonly count: number;
      readonly limit: number;
      readonly forced: boolean;
    };

/**
 * After the grace period: RESTORED when any key of the domain has a current version again (an
 * accidental delete undone by restoring the version, or the spec moved to another extension);
 * otherwise REFUSED when more than `maxRemovals` domains lost their spec within one grace period
 * either side of this removal (an `aws s3 rm --recursive` mistake), unless forced; otherwise
 * DECOMMISSION. A domain counts as removed when the latest entry of each of its keys is a delete
 * marker, and the newest of those markers falls in the window; this domain always counts.
 */
export function decideRemoval(input: {
  readonly domain: string;
  readonly versions: readonly SpecVersion[];
  readonly removedAt: string | Date;
  readonly now: string | Date;
  readonly settings: RemovalSettings;
  readonly force: boolean;
}): RemovalDecision {
  const { domain, settings } = input;
  const latest = input.versions.filter((v) => v.isLatest);
  const live = latest.find((v) => !v.deleteMarker && specKeysOf(domain).includes(v.key));
  if (live) return { status: 'RESTORED', domain, currentKey: live.key };

  const removedAt = new Date(input.removedAt).getTime();
  const from = removedAt - settings.graceSeconds * 1000;
  const to = Math.max(new Date(input.now).getTime(), removedAt + settings.graceSeconds * 1000);
  const byDomain = new Map<string, { live: boolean; newestMarker: number }>();
  for (const v of latest) {
    const d = domainFromKey(v.key);
    if (d === undefined) continue;
    const e = byDomain.get(d) ?? { live: false, newestMarker: -Infinity };
    if (v.deleteMarker) e.newestMarker = Math.max(e.newestMarker, new Date(v.lastModified).getTime());
    else e.live = true;
    byDomain.set(d, e);
  }
  const removals = new Set<string>([domain]);
  for (const [d, e] of byDomain) if (!e.live && e.newestMarker >= from && e.newestMarker <= to) removals.add(d);
  const list = [...removals].sort();
  const refused = !input.force && list.length > settings.maxRemovals;
  return {
    status: refused ? 'REFUSED' : 'DECOMMISSION',
    domain,
    removals: list,
    count: list.length,
    limit: settings.maxRemovals,
    forced: input.force,
  };
}

// ---- ACLs ---------------------------------------------------------------------------------------

/**
 * The principal of the seal. It holds one ALLOW DESCRIBE on TOPIC PREFIXED `D.` and nothing else.
 * Kafka's StandardAuthorizer applies `allow.everyone.if.no.acl.found` only to a resource that NO
 * ACL matches, whoever the ACL is for (StandardAuthorizerData#findAclRule: a matching ACL for any
 * principal makes the answer "no matching allow = DENIED" instead of the no-ACL default), so this
 * one binding closes `D`'s topics to every client even on a cluster where allow-everyone is on
 * (MSK's default). The name holds a ':' after the CN, which no domain id can (lib/spec/names.ts),
 * so neither a SCRAM user nor a certificate this pipeline issues can ever be this principal; and
 * were it held, it could only describe.
 */
export const SEAL_PRINCIPAL = 'User:CN=internal:decommissioned';

export function sealBindings(domain: string): AclBinding[] {
  return [
    {
      resourceType: 'TOPIC',
      resourceName: `${domain}.`,
      patternType: 'PREFIXED',
      principal: SEAL_PRINCIPAL,
      host: '*',
      operation: 'DESCRIBE',
      permission: 'ALLOW',
    },
  ];
}

export const isSealBinding = (b: AclBinding): boolean => b.principal === SEAL_PRINCIPAL;

/**
 * What decommissioning `D` does to the ACLs it reads (its principals' bindings anywhere, and every
 * binding on a topic under `D.`): every ALLOW among them goes, including other domains' grants on
 * `D`'s topics and the grants other domains gave `D`; DENY bindings stay (they only narrow access
 * and may be an operator's brake); the seal is created if missing. Computed from the live state,
 * so a second run after the first finds nothing to do.
 */
export function aclRevocation(
  current: readonly AclBinding[],
  domain: string,
): { toDelete: AclBinding[]; toCreate: AclBinding[] } {
  const principals = new Set(allPrincipalsOf(domain));
  const toDelete = current.filter(
    (b) =>
      b.permission === 'ALLOW' &&
      !isSealBinding(b) &&
      (principals.has(b.principal) || (b.resourceType === 'TOPIC' && inNamespace(b.resourceName, domain))),
  );
  const have = new Set(current.map(bindingKey));
  const toCreate = sealBindings(domain).filter((b) => !have.has(bindingKey(b)));
  return { toDelete, toCreate };
}

// ---- certificates ---------------------------------------------------------------------------------

/** The serials of the stored certificates still valid at `now` (an expired one needs no revocation). */
export function certificatesToRevoke(
  stored: readonly { readonly serial: string; readonly notAfter: string }[],
  now: Date,
): string[] {
  return stored.filter((c) => new Date(c.notAfter).getTime() > now.getTime()).map((c) => c.serial);
}

/**
 * The serials to send RevokeCertificate for: those current.json does not record as revoked. It
 * records them only after PCA revoked them, so a run after a crash (or any later run) asks PCA
 * nothing twice; PCA's "already revoked" answer stays the fallback for a run that died between
 * the revocation and the record.
 */
export function revocationsToSend(serials: readonly string[], current: CurrentCertificate | undefined): string[] {
  const recorded = new Set(current?.revoked?.serials ?? []);
  return serials.filter((s) => !recorded.has(s));
}

export interface RevokedCurrent extends CurrentCertificate {
  readonly revoked: { readonly at: string; readonly reason: string; readonly serials: readonly string[] };
}

/** current.json after decommissioning: what it named, plus when and which serials were revoked. */
export function markRevoked(
  current: CurrentCertificate,
  revoked: { readonly at: string; readonly serials: readonly string[] },
): RevokedCurrent {
  return { ...current, revoked: { at: revoked.at, reason: REVOCATION_REASON, serials: [...revoked.serials] } };
}

// ---- orphans --------------------------------------------------------------------------------------

export interface OrphanInputs {
  /** Domains that have a spec in the bucket. */
  readonly specDomains: readonly string[];
  /** `AmazonMSK_<prefix>`. */
  readonly secretNamePrefix: string;
  /** Secrets (not scheduled for deletion) with the pipeline's `msk-spec:domain` tag value, if any. */
  readonly secrets: readonly { readonly name: string; readonly arn: string; readonly domainTag?: string }[];
  /** ListScramSecrets of the cluster. */
  readonly associatedSecretArns: readonly string[];
  /** Never orphans: the Kafka admin's own secret. */
  readonly excludedSecretArns?: readonly string[];
  /** Domains with a certificate index entry. */
  readonly indexDomains: readonly string[];
  /** Every ACL binding on the cluster. */
  readonly acls: readonly AclBinding[];
  readonly config: Pick<ProvisionConfig, 'visibilityKeywords'>;
}

export interface Orphans {
  readonly secrets: { domain: string; name: string }[];
  readonly scramUsers: { domain: string; secretArn: string }[];
  readonly certificateIndex: { domain: string }[];
  readonly acls: { domain: string; binding: AclBinding }[];
  /** Every domain with an orphan of any kind. */
  readonly domains: string[];
}

/** `arn:...:secret:AmazonMSK_<prefix><D>-XXXXXX` → `D`, when the name follows our naming. */
function domainOfSecretArn(arn: string, prefix: string): string | undefined {
  const m = /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn);
  const name = m?.[1];
  if (!name?.startsWith(prefix)) return undefined;
  const d = name.slice(prefix.length);
  return isValidDomainId(d) ? d : undefined;
}

/**
 * What belongs to no spec: a pipeline-tagged secret, an associated SCRAM user (its secret named
 * `AmazonMSK_<prefix><D>`), a certificate index entry, or an ACL whose principal is `User:D` or
 * `User:CN=D` and that lies in `D`'s managed scope, for a domain `D` with no spec. Names outside
 * our naming (other prefixes, invalid ids such as the local admin) are never orphans.
 */
export function findOrphans(i: OrphanInputs): Orphans {
  const live = new Set(i.specDomains);
  const excluded = new Set(i.excludedSecretArns ?? []);
  const orphan = (d: string | undefined): d is string => d !== undefined && isValidDomainId(d) && !live.has(d);
  const secrets = i.secrets
    .filter((s) => s.name.startsWith(i.secretNamePrefix) && s.name === `${i.secretNamePrefix}${s.domainTag ?? '\0'}`)
    .filter((s) => orphan(s.domainTag) && !excluded.has(s.arn))
    .map((s) => ({ domain: s.domainTag!, name: s.name }));
  const scramUsers = i.associatedSecretArns
    .filter((a) => !excluded.has(a))
    .map((a) => ({ domain: domainOfSecretArn(a, i.secretNamePrefix), secretArn: a }))
    .filter((u): u is { domain: string; secretArn: string } => orphan(u.domain));
  const certificateIndex = [...new Set(i.indexDomains)].filter(orphan).map((domain) => ({ domain }));
  const acls = i.acls
    .map((binding) => ({ domain: domainOfPrincipal(binding.principal), binding }))
    .filter(
      (a): a is { domain: string; binding: AclBinding } =>
        orphan(a.domain) && isManagedBy(a.binding, a.domain, i.config),
    );
  const domains = [...new Set([...secrets, ...scramUsers, ...certificateIndex, ...acls].map((o) => o.domain))].sort();
  return { secrets, scramUsers, certificateIndex, acls, domains };
}
