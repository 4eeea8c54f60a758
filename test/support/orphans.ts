// What a run may never leave behind, whatever failed in it (issue 13, "Fault matrix"): one check,
// shared by every fault and crash test, over the emulated services and the real broker.
//
//   - an `AmazonMSK_` secret that is not associated with the cluster (unless it is scheduled for
//     deletion: a decommissioned domain's, which must not be associated);
//   - a stored certificate (`certificates/<D>/<serial>/cert.pem`) of a domain with no `current.json`;
//   - a pending key (`certificates/<D>/pending/<G>/key.pem`) or issued record (`…/<G>/issued.json`,
//     the ARN PCA answered for that key) whose generation is done (G at most current.json's
//     generation) or of a domain with no certificate at all; an issued record without its key;
//   - a broker ACL outside the desired set of the specs the bucket holds (the environment admin's
//     own excepted, and the decommission seal of a domain that has no spec: it stays on purpose,
//     docs/architecture.md#decommission).
import { ListSecretsCommand, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import type { Environment } from '../../local/environment.js';
import { desiredBindings } from '../../lib/access/bindings.js';
import { getText } from '../../lib/aws/cert-store.js';
import { listSpecKeys } from '../../lib/aws/specs.js';
import type { CurrentCertificate } from '../../lib/cert/policy.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import { isSealBinding, sealBindings } from '../../lib/decommission/index.js';
import type { Admin } from '../../lib/kafka/index.js';
import { checkKeyBinding, parseSpec, type DomainSpec } from '../../lib/spec/index.js';
import { brokerAcls, listBucket, minus } from './e2e.js';

/** The specs in the bucket the pipeline accepts: what the broker must match. */
export async function acceptedSpecs(env: Environment): Promise<DomainSpec[]> {
  const specs: DomainSpec[] = [];
  for (const key of await listSpecKeys(env.clients.s3, env.resources.specBucket)) {
    const text = (await getText(env.clients.s3, env.resources.specBucket, key)) ?? '';
    const r = parseSpec(text, key, DEFAULT_CONFIG);
    if (r.ok && !checkKeyBinding(key, r.spec)) specs.push(r.spec);
  }
  return specs;
}

async function allSecrets(env: Environment): Promise<SecretListEntry[]> {
  const out: SecretListEntry[] = [];
  let NextToken: string | undefined;
  do {
    const page = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100, NextToken }));
    out.push(...(page.SecretList ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function associatedSecretArns(env: Environment): Promise<Set<string>> {
  const arns = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await env.clients.kafka.send(
      new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn, NextToken }),
    );
    for (const a of page.SecretArnList ?? []) arns.add(a);
    NextToken = page.NextToken;
  } while (NextToken);
  return arns;
}

/** Every orphan, one readable line each; empty when there is none. */
export async function findOrphans(env: Environment, admin: Admin): Promise<string[]> {
  const found: string[] = [];

  const associated = await associatedSecretArns(env);
  for (const s of await allSecrets(env))
    if (s.Name?.startsWith('AmazonMSK_') && !s.DeletedDate && !associated.has(s.ARN!))
      found.push(`secret ${s.Name} is not associated with the cluster`);

  const bucket = env.resources.certBucket;
  const keys = await listBucket(env, bucket, 'certificates/');
  const domains = new Set(keys.filter((k) => !k.startsWith('certificates/_index/')).map((k) => k.split('/')[1]!));
  for (const domain of domains) {
    const text = await getText(env.clients.s3, bucket, `certificates/${domain}/current.json`);
    const current = text === undefined ? undefined : (JSON.parse(text) as CurrentCertificate);
    const mine = keys.filter((k) => k.startsWith(`certificates/${domain}/`));
    for (const k of mine) {
      const pending = /^certificates\/[^/]+\/pending\/(\d+)\/(key\.pem|issued\.json)$/.exec(k);
      if (pending) {
        const generation = Number(pending[1]);
        const what = pending[2] === 'key.pem' ? 'pending key' : 'issued record';
        if (!current) found.push(`${what} ${k} of a domain with no current.json`);
        else if (generation <= current.generation)
          found.push(`${what} ${k} left past its generation (current is generation ${current.generation})`);
        else if (what === 'issued record' && !mine.includes(k.replace(/issued\.json$/, 'key.pem')))
          found.push(`issued record ${k} without the pending key it names`);
      } else if (k.endsWith('/cert.pem') && !current) found.push(`certificate ${k} without current.json`);
    }
  }

  const specs = await acceptedSpecs(env);
  const withSpec = new Set(specs.map((s) => s.domain));
  const acls = await brokerAcls(env, admin);
  // A seal is kept for a domain with no spec: TOPIC PREFIXED `D.` names D.
  const seals = acls
    .filter(isSealBinding)
    .map((b) => b.resourceName.replace(/\.$/, ''))
    .filter((d) => !withSpec.has(d))
    .flatMap((d) => sealBindings(d));
  const desired = [...desiredBindings(specs, DEFAULT_CONFIG), ...seals];
  for (const extra of minus(acls, desired)) found.push(`ACL outside the desired set: ${extra}`);
  return found;
}

export async function assertNoOrphans(env: Environment, admin: Admin): Promise<void> {
  expect(await findOrphans(env, admin)).toEqual([]);
}
