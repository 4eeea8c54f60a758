// Decommissioning, end to end on a real broker started with allow.everyone.if.no.acl.found=true
// (MSK's default) and the emulated AWS with IAM enforced: a spec removed from the bucket (S3
// "Object Deleted", a delete marker) starts the decommission workflow, which waits its grace
// period, looks again, and revokes in order: SCRAM (disassociation, the secret scheduled for
// deletion), certificates (index entry, PCA revocation, current.json), ACLs (the seal, then the
// managed scope). What we check is what a client and an operator see: logins, real reads and
// writes, the broker's ACLs, reports, events; and, at the end, that no password or key leaked.
//
// One environment for the file; scenarios build on each other. Waits are instant (waitMs 0)
// except where a scenario needs the grace period to be real (restore within it, a bulk removal).
import { DeleteObjectCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, DescribeSecretCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { RevokeCertificateCommand } from '@aws-sdk/client-acm-pca';
import type { Environment } from '../../local/environment.js';
import { followExecutions, type FinishedExecution } from '../../local/driver.js';
import { readCurrent } from '../../lib/aws/cert-store.js';
import { readMtlsCredentials } from '../../lib/aws/client-credentials.js';
import { SEAL_PRINCIPAL } from '../../lib/decommission/index.js';
import type { ProbeClient, ProbeOperation } from '../../local/probe.js';
import {
  E2E_TEST_TIMEOUT_MS,
  brokerAcls,
  brokerTopics,
  canLogIn,
  executionHistory,
  findNeedles,
  listBucket,
  mtlsClient,
  probe,
  probeMismatches,
  publicSurfaces,
  readReport,
  scramClient,
  secretNeedles,
  sortedKeys,
  specText,
  useE2eEnvironment,
} from '../support/e2e.js';

const e2e = useE2eEnvironment({ allowEveryoneIfNoAclFound: true });

interface DecommissionReport {
  status: string;
  domain: string;
  executionId: string;
  removal?: { count?: number; limit?: number; removals?: string[]; forced?: boolean; currentKey?: string };
  revoked?: {
    scram: { secret: string; association?: string; secretArn?: string; deletionDate?: string };
    certificates: {
      indexEntriesRemoved: number;
      revoked: string[];
      newlyRevoked: number;
      currentSerial: string | null;
    };
    acls: { aclsDeleted: number; sealCreated: boolean; topicCount: number; topics: string[] };
  };
  topics?: { kept: number; deleted: number; names: string[] };
  error?: { name: string; cause?: string };
}

const report = async (env: Environment, domain: string) =>
  (await readReport(env.clients.s3, env.resources.specBucket, domain)) as unknown as DecommissionReport | undefined;

/** Deletes the spec (a delete marker) and waits for the decommission run it starts. */
async function removeSpec(env: Environment, domain: string): Promise<{ run: FinishedExecution; markerId: string }> {
  const since = new Date();
  const del = await env.clients.s3.send(
    new DeleteObjectCommand({ Bucket: env.resources.specBucket, Key: `specs/${domain}.yaml` }),
  );
  const [run] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
    since,
    timeoutMs: 150_000,
  });
  await e2e.settled();
  return { run: run!, markerId: del.VersionId! };
}

/** An operator's run for one domain (`msk-spec remove --force` starts the same). */
async function decommissionRun(env: Environment, input: object): Promise<FinishedExecution> {
  const since = new Date();
  await env.clients.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: env.resources.stateMachines.decommission!,
      input: JSON.stringify(input),
    }),
  );
  const [run] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
    since,
    timeoutMs: 150_000,
  });
  await e2e.settled();
  return run!;
}

async function revokeAgain(env: Environment, serial: string): Promise<string> {
  try {
    await env.clients.pca.send(
      new RevokeCertificateCommand({
        CertificateAuthorityArn: env.resources.pcaArn,
        CertificateSerial: serial,
        RevocationReason: 'CESSATION_OF_OPERATION',
      }),
    );
    return 'revoked now';
  } catch (e) {
    return (e as Error).name;
  }
}

const principalsOf = (d: string) => [`User:${d}`, `User:CN=${d}`];
const aclsOf = async (env: Environment, domain: string) =>
  (await brokerAcls(env, e2e.admin)).filter(
    (b) => principalsOf(domain).includes(b.principal) || b.resourceName.startsWith(`${domain}.`),
  );

async function associations(env: Environment): Promise<string[]> {
  const r = await env.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn }));
  return [...(r.SecretArnList ?? [])].sort();
}

async function snapshot(env: Environment) {
  const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  return {
    acls: sortedKeys(await brokerAcls(env, e2e.admin)),
    topics: await brokerTopics(e2e.admin),
    secrets: (secrets.SecretList ?? []).map((s) => s.Name).sort(),
    certificateObjects: await listBucket(env, env.resources.certBucket),
    scramAssociations: await associations(env),
  };
}

/** Who can do what, as the broker decides: `<client> <op> <topic>` → allowed. */
async function accessMatrix(
  clients: readonly ProbeClient[],
  topics: readonly string[],
): Promise<Record<string, boolean>> {
  const ops: ProbeOperation[] = ['WRITE', 'READ'];
  const { outcomes } = await probeMismatches(
    clients.flatMap((c) => topics.flatMap((t) => ops.map((o) => probe(c, t, o)))),
  );
  return Object.fromEntries(
    outcomes.map((o) => [`${o.client.domain}/${o.client.auth} ${o.operation} ${o.topic}`, o.allowed]),
  );
}

const GONE_TOPICS = ['e2e.gone._public.events', 'e2e.gone._protected.shared', 'e2e.gone._private.state'];
const KEEP_TOPICS = ['e2e.keep._protected.feed', 'e2e.keep._private.work', 'e2e.other._public.news'];
let goneMtls: { certPem: string; keyPem: string } | undefined;
let gonePassword: string | undefined;
let goneSerial: string | undefined;

describe('decommissioning a removed spec, end to end (allow.everyone.if.no.acl.found=true)', () => {
  it(
    'provision, then remove: the SCRAM login is refused, the certificate is authorized for nothing, no client reads or writes its topics, other domains are untouched',
    async () => {
      const env = e2e.env;
      for (const [domain, text] of [
        [
          'e2e.gone',
          specText('urn:e2e:gone', [
            { name: '_public.events' },
            { name: '_protected.shared', grants: ['e2e.keep'] },
            { name: '_private.state' },
          ]),
        ],
        [
          'e2e.keep',
          specText('urn:e2e:keep', [
            { name: '_protected.feed', grants: ['e2e.gone', 'e2e.other'] },
            { name: '_private.work' },
          ]),
        ],
        ['e2e.other', specText('urn:e2e:other', [{ name: '_public.news' }])],
      ] as const) {
        const { report: r } = await e2e.provision(`specs/${domain}.yaml`, text);
        expect([domain, r?.status]).toEqual([domain, 'PROVISIONED']);
      }
      goneMtls = await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'e2e.gone');
      goneSerial = (await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.gone'))!.serial;
      gonePassword = (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_e2e.gone' })))
        .SecretString;
      const goneScram = await scramClient(env, 'e2e.gone');
      const goneCert = await mtlsClient(env, 'e2e.gone', goneMtls);
      const others = [
        await scramClient(env, 'e2e.keep'),
        await mtlsClient(env, 'e2e.keep'),
        await scramClient(env, 'e2e.other'),
        await mtlsClient(env, 'e2e.other'),
      ];

      // Before: gone writes its own topics, keep reads the one shared with it, the public one is open.
      const before = await accessMatrix([goneScram, goneCert, ...others], [...GONE_TOPICS, ...KEEP_TOPICS]);
      expect(before['e2e.gone/SCRAM WRITE e2e.gone._private.state']).toBe(true);
      expect(before['e2e.gone/MTLS READ e2e.keep._protected.feed']).toBe(true);
      expect(before['e2e.keep/SCRAM READ e2e.gone._protected.shared']).toBe(true);
      expect(before['e2e.other/MTLS READ e2e.gone._public.events']).toBe(true);
      const keepSecretBefore = (
        await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: 'AmazonMSK_e2e.keep' }))
      ).ARN!;

      const { run } = await removeSpec(env, 'e2e.gone');
      expect(run.status).toBe('SUCCEEDED');
      const r = await report(env, 'e2e.gone');
      expect(r).toMatchObject({
        status: 'DECOMMISSIONED',
        domain: 'e2e.gone',
        executionId: run.executionArn,
        removal: { count: 1, forced: false },
        revoked: {
          scram: { secret: 'DELETION_SCHEDULED', association: 'DISASSOCIATED' },
          certificates: { indexEntriesRemoved: 1, newlyRevoked: 1, currentSerial: goneSerial },
          acls: { sealCreated: true, topicCount: 3 },
        },
        topics: { kept: 3, deleted: 0, names: [...GONE_TOPICS].sort() },
      });
      // The secret is scheduled for deletion 30 days out (the recovery window), not deleted.
      const secret = await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: 'AmazonMSK_e2e.gone' }));
      const days = (secret.DeletedDate!.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThanOrEqual(30.01);
      expect(await associations(env)).not.toContain(secret.ARN);
      // PCA revoked the certificate; current.json says so; the renewal index no longer names it.
      // (Asking PCA to revoke it again is how an operator checks: already revoked.)
      expect(await revokeAgain(env, goneSerial!)).toBe('RequestAlreadyProcessedException');
      expect((await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.gone'))?.revoked).toMatchObject({
        reason: 'CESSATION_OF_OPERATION',
        serials: [goneSerial],
      });
      expect(await listBucket(env, env.resources.certBucket, 'certificates/_index/e2e.gone/')).toEqual([]);
      // The broker: nothing of e2e.gone's principals anywhere, nothing on its topics but the seal; topics kept.
      expect(await aclsOf(env, 'e2e.gone')).toEqual([
        expect.objectContaining({ resourceName: 'e2e.gone.', patternType: 'PREFIXED', principal: SEAL_PRINCIPAL }),
      ]);
      expect(await brokerTopics(e2e.admin)).toEqual(expect.arrayContaining(GONE_TOPICS));

      // SCRAM: refused at login. mTLS: MSK checks no CRL, so TLS may accept it; it is authorized for nothing.
      expect(await canLogIn(await scramClient(env, 'e2e.keep'))).toBe(true);
      expect(await canLogIn(goneScram)).toBe(false);
      const after = await accessMatrix([goneCert, ...others], [...GONE_TOPICS, ...KEEP_TOPICS]);
      for (const [k, allowed] of Object.entries(after)) {
        if (k.startsWith('e2e.gone/') || GONE_TOPICS.some((t) => k.endsWith(` ${t}`)))
          expect([k, allowed]).toEqual([k, false]);
        // Everyone else: exactly as before, on every other topic.
        else expect([k, allowed]).toEqual([k, before[k]]);
      }
      expect(await associations(env)).toContain(keepSecretBefore);
      const events = e2e.events.filter((e) => e['detail-type'] === 'Spec Decommissioned');
      expect(events.map((e) => e.detail.domain)).toEqual(['e2e.gone']);
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );
});
