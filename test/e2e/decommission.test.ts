// Decommissioning, end to end on a real broker started with allow.everyone.if.no.acl.found=true
// (MSK's default) and the emulated AWS with IAM enforced: a spec removed from the bucket (S3
// "Object Deleted", a delete marker) starts the decommission workflow, which waits its grace
// period, looks again, and revokes in order: SCRAM (disassociation, the secret scheduled for
// deletion), certificates (index entry, PCA revocation, current.json), ACLs (the seal, then the
// managed scope). What we check is what a client and an operator see: logins, real reads and
// writes, the broker's ACLs, reports, events; and, at the end, that no password or key leaked.
//
// One environment for the file; each test provisions the domains it removes (no test reads what
// another left behind). Waits are instant (waitMs 0) except where a scenario needs the grace
// period to be real (restore within it, a bulk removal). Every password of a domain removed here
// is remembered before its secret is scheduled for deletion, for the scan after the file.
import { DeleteObjectCommand, DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { BatchAssociateScramSecretCommand } from '@aws-sdk/client-kafka';
import type { AclBinding } from '../../lib/access/types.js';
import { toKafkaJsAcl } from '../../lib/kafka/index.js';
import { RevokeCertificateCommand } from '@aws-sdk/client-acm-pca';
import type { Environment } from '../../local/environment.js';
import { followExecutions, type FinishedExecution } from '../../local/driver.js';
import { getText, readCurrent } from '../../lib/aws/cert-store.js';
import { readMtlsCredentials } from '../../lib/aws/client-credentials.js';
import { SEAL_PRINCIPAL } from '../../lib/decommission/index.js';
import type { ProbeClient, ProbeOperation } from '../../local/probe.js';
import {
  E2E_TEST_TIMEOUT_MS,
  canLogIn,
  listBucket,
  probe,
  probeMismatches,
  renewalsOf,
  sortedKeys,
  specText,
  useE2eEnvironment,
  type RotationOutput,
} from '../support/e2e.js';

const e2e = useE2eEnvironment({ allowEveryoneIfNoAclFound: true, decommission: { orphanMode: 'DECOMMISSION' } });

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

const report = async (domain: string) => (await e2e.report(domain)) as unknown as DecommissionReport | undefined;

/** Provisions each domain (remembering its password for the scan) and expects PROVISIONED. */
async function provisionAll(specs: readonly (readonly [string, string])[]): Promise<void> {
  for (const [domain, text] of specs) {
    const { report: r } = await e2e.provision(`specs/${domain}.yaml`, text);
    expect([domain, r?.status]).toEqual([domain, 'PROVISIONED']);
    await e2e.rememberPassword(domain);
  }
}

/** An operator's run for one domain (`msk-spec remove --force` starts the same). */
const decommissionRun = (input: object): Promise<FinishedExecution> => e2e.run('decommission', input);

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

/** Who can do what, as the broker decides: `<client> <op> <topic>` → allowed. */
async function accessMatrix(
  clients: readonly ProbeClient[],
  topics: readonly string[],
  ops: readonly ProbeOperation[] = ['WRITE', 'READ'],
): Promise<Record<string, boolean>> {
  const { outcomes } = await probeMismatches(
    clients.flatMap((c) => topics.flatMap((t) => ops.map((o) => probe(c, t, o)))),
  );
  return Object.fromEntries(
    outcomes.map((o) => [`${o.client.domain}/${o.client.auth} ${o.operation} ${o.topic}`, o.allowed]),
  );
}

const goneSpec = specText('urn:e2e:gone', [
  { name: '_public.events' },
  { name: '_protected.shared', grants: ['e2e.keep'] },
  { name: '_private.state' },
]);
const GONE_TOPICS = ['e2e.gone._public.events', 'e2e.gone._protected.shared', 'e2e.gone._private.state'];
const KEEP_TOPICS = ['e2e.keep._protected.feed', 'e2e.keep._private.work', 'e2e.other._public.news'];

describe('decommissioning a removed spec, end to end (allow.everyone.if.no.acl.found=true)', () => {
  it(
    'provision, then remove: the SCRAM login is refused, the certificate is authorized for nothing, no client reads or writes its topics, other domains are untouched',
    async () => {
      const env = e2e.env;
      await provisionAll([
        ['e2e.gone', goneSpec],
        [
          'e2e.keep',
          specText('urn:e2e:keep', [
            { name: '_protected.feed', grants: ['e2e.gone', 'e2e.other'] },
            { name: '_private.work' },
          ]),
        ],
        ['e2e.other', specText('urn:e2e:other', [{ name: '_public.news' }])],
      ]);
      const goneMtls = await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'e2e.gone');
      const goneSerial = (await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.gone'))!.serial;
      const goneScram = await e2e.scram('e2e.gone');
      const goneCert = await e2e.mtls('e2e.gone', goneMtls);
      const others = [
        await e2e.scram('e2e.keep'),
        await e2e.mtls('e2e.keep'),
        await e2e.scram('e2e.other'),
        await e2e.mtls('e2e.other'),
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

      const eventsBefore = e2e.events.length;
      const { run } = await e2e.removeSpec('e2e.gone');
      expect(run.status).toBe('SUCCEEDED');
      const r = await report('e2e.gone');
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
      expect(secret.DeletedDate).toBeDefined();
      const days = (Date.parse(r!.revoked!.scram.deletionDate!) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29);
      expect(days).toBeLessThanOrEqual(30.01);
      expect(await e2e.associations()).not.toContain(secret.ARN);
      // PCA revoked the certificate; current.json says so; the renewal index no longer names it.
      // (Asking PCA to revoke it again is how an operator checks: already revoked.)
      expect(await revokeAgain(env, goneSerial)).toBe('RequestAlreadyProcessedException');
      expect((await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.gone'))?.revoked).toMatchObject({
        reason: 'CESSATION_OF_OPERATION',
        serials: [goneSerial],
      });
      expect(await listBucket(env, env.resources.certBucket, 'certificates/_index/e2e.gone/')).toEqual([]);
      // The broker: nothing of e2e.gone's principals anywhere, nothing on its topics but the seal; topics kept.
      expect(await e2e.aclsOf('e2e.gone')).toEqual([
        expect.objectContaining({ resourceName: 'e2e.gone.', patternType: 'PREFIXED', principal: SEAL_PRINCIPAL }),
      ]);
      expect(await e2e.topics()).toEqual(expect.arrayContaining(GONE_TOPICS));

      // SCRAM: refused at login. mTLS: MSK checks no CRL, so TLS may accept it; it is authorized for nothing.
      expect(await canLogIn(await e2e.scram('e2e.keep'))).toBe(true);
      expect(await canLogIn(goneScram)).toBe(false);
      // (The certificate is probed with writes: a read needs a consumer group, and with no group
      // ACL left kafkajs cannot even find a coordinator for it, which says nothing about the topic.)
      const after = {
        ...(await accessMatrix(others, [...GONE_TOPICS, ...KEEP_TOPICS])),
        ...(await accessMatrix([goneCert], [...GONE_TOPICS, ...KEEP_TOPICS], ['WRITE'])),
      };
      for (const [k, allowed] of Object.entries(after)) {
        if (k.startsWith('e2e.gone/') || GONE_TOPICS.some((t) => k.endsWith(` ${t}`)))
          expect([k, allowed]).toEqual([k, false]);
        // Everyone else: exactly as before, on every other topic.
        else expect([k, allowed]).toEqual([k, before[k]]);
      }
      expect(await e2e.associations()).toContain(keepSecretBefore);
      // One domain decommissioned by this removal, no other.
      const events = e2e.events.slice(eventsBefore).filter((e) => e['detail-type'] === 'Spec Decommissioned');
      expect(events.map((e) => e.detail.domain)).toEqual(['e2e.gone']);
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it(
    'remove, then restore the version within the grace period: RESTORED, nothing changed, the same password logs in',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:back', [{ name: '_private.work' }]);
      expect((await e2e.provision('specs/e2e.back.yaml', text)).report?.status).toBe('PROVISIONED');
      const password = (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_e2e.back' })))
        .SecretString;
      const before = await e2e.snapshot();
      // A real wait, long enough to undo the delete by removing its delete marker (S3 User Guide,
      // "Restoring previous versions": delete the delete marker and the previous version is current).
      env.sfn.setTimeOverrides({ waitMs: 4_000 });
      try {
        const since = new Date();
        const del = await env.clients.s3.send(
          new DeleteObjectCommand({ Bucket: env.resources.specBucket, Key: 'specs/e2e.back.yaml' }),
        );
        await env.clients.s3.send(
          new DeleteObjectCommand({
            Bucket: env.resources.specBucket,
            Key: 'specs/e2e.back.yaml',
            VersionId: del.VersionId!,
          }),
        );
        const [run] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
          since,
          timeoutMs: 150_000,
        });
        expect(run!.status).toBe('SUCCEEDED');
        await e2e.settled();
        expect(await report('e2e.back')).toMatchObject({
          status: 'RESTORED',
          executionId: run!.executionArn,
          removal: { currentKey: 'specs/e2e.back.yaml' },
        });
      } finally {
        env.sfn.setTimeOverrides({ waitMs: 0 });
      }
      expect(await e2e.snapshot()).toEqual(before);
      const client = await e2e.scram('e2e.back');
      expect(await canLogIn(client)).toBe(true);
      expect(
        (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: 'AmazonMSK_e2e.back' }))).SecretString,
      ).toBe(password);
      expect(e2e.events.some((e) => e['detail-type'] === 'Spec Restored' && e.detail.domain === 'e2e.back')).toBe(true);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'remove, then upload again after the decommission: the same password (the secret restored) and a new certificate',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:again', [
        { name: '_public.events' },
        { name: '_protected.shared', grants: ['e2e.friend'] },
        { name: '_private.state' },
      ]);
      await provisionAll([
        ['e2e.again', text],
        ['e2e.friend', specText('urn:e2e:friend', [{ name: '_private.work' }])],
      ]);
      const secretId = 'AmazonMSK_e2e.again';
      const password = (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
      const firstSerial = (await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.again'))!.serial;
      const { run } = await e2e.removeSpec('e2e.again');
      expect(run.status).toBe('SUCCEEDED');
      expect(await report('e2e.again')).toMatchObject({ status: 'DECOMMISSIONED' });
      expect((await e2e.aclsOf('e2e.again')).map((b) => b.principal)).toEqual([SEAL_PRINCIPAL]);

      const { report: r } = await e2e.provision('specs/e2e.again.yaml', text);
      expect(r).toMatchObject({
        status: 'PROVISIONED',
        credentials: { scram: { secret: 'RESTORED', association: 'NEW' }, mtls: { status: 'ISSUED' } },
      });
      expect((await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString).toBe(
        password,
      );
      const current = await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.again');
      expect(current?.serial).not.toBe(firstSerial);
      expect(current?.revoked).toBeUndefined();
      // The seal went with the returning spec; the domain works again, with its new certificate.
      expect((await e2e.aclsOf('e2e.again')).filter((b) => b.principal === SEAL_PRINCIPAL)).toEqual([]);
      // (The reads find the records the writes in the same batch produce.)
      const { wrong } = await probeMismatches([
        probe(await e2e.scram('e2e.again'), 'e2e.again._protected.shared', 'WRITE', true),
        probe(await e2e.scram('e2e.again'), 'e2e.again._private.state', 'WRITE', true),
        probe(await e2e.mtls('e2e.again'), 'e2e.again._private.state', 'READ', true),
        probe(await e2e.scram('e2e.friend'), 'e2e.again._private.state', 'READ', false),
        probe(await e2e.scram('e2e.friend'), 'e2e.again._protected.shared', 'READ', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a crash after the disassociation and before the ACL deletion: the run fails, a retried run converges with nothing left and nothing twice',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:crash', [{ name: '_public.events' }, { name: '_private.state' }]);
      await provisionAll([['e2e.crash', text]]);
      const crashScram = await e2e.scram('e2e.crash');
      const { run: failed } = await e2e.withFault(
        {
          service: 'lambda',
          operation: env.stack.get('RevokeAclsLambdaFunction').ref,
          error: { code: 'ServiceException', message: 'injected: the function crashed' },
          times: 50,
        },
        () => e2e.removeSpec('e2e.crash'),
      );
      expect(failed.status).toBe('FAILED');
      expect(await report('e2e.crash')).toMatchObject({
        status: 'FAILED',
        error: { name: 'Lambda.ServiceException' },
      });
      // Half done: SCRAM and certificates revoked, the ACLs still there.
      expect(await canLogIn(crashScram)).toBe(false);
      expect((await e2e.aclsOf('e2e.crash')).some((b) => b.principal === 'User:e2e.crash')).toBe(true);
      expect(
        e2e.events.some((e) => e['detail-type'] === 'Spec Decommission Failed' && e.detail.domain === 'e2e.crash'),
      ).toBe(true);

      // The same input again (what an operator's retry or StartExecution with the failed input does).
      const retried = await decommissionRun({ domain: 'e2e.crash' });
      expect(retried.status).toBe('SUCCEEDED');
      expect(await report('e2e.crash')).toMatchObject({
        status: 'DECOMMISSIONED',
        revoked: {
          scram: { association: 'NOT_ASSOCIATED', secret: 'ALREADY_SCHEDULED' },
          certificates: { indexEntriesRemoved: 0, newlyRevoked: 0 },
          acls: { sealCreated: true },
        },
      });
      expect((await report('e2e.crash'))!.revoked!.acls.aclsDeleted).toBeGreaterThan(0);
      expect(await e2e.aclsOf('e2e.crash')).toEqual([expect.objectContaining({ principal: SEAL_PRINCIPAL })]);
      // A third run finds nothing to do.
      expect(await decommissionRun({ domain: 'e2e.crash' })).toMatchObject({ status: 'SUCCEEDED' });
      expect(await report('e2e.crash')).toMatchObject({
        revoked: { acls: { aclsDeleted: 0, sealCreated: false } },
      });
      expect(await e2e.aclsOf('e2e.crash')).toHaveLength(1);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "a removed domain's certificate is never renewed: a rotation run past its renewal point renews the others only",
    async () => {
      const env = e2e.env;
      await provisionAll(
        ['e2e.live1', 'e2e.live2', 'e2e.removed'].map(
          (d) => [d, specText(`urn:${d.replace('.', ':')}`, [{ name: '_private.work' }])] as const,
        ),
      );
      expect((await e2e.removeSpec('e2e.removed')).run.status).toBe('SUCCEEDED');
      expect(await report('e2e.removed')).toMatchObject({ status: 'DECOMMISSIONED' });

      const run = await e2e.run('rotateCertificates', { time: new Date(Date.now() + 29 * 86_400_000).toISOString() });
      expect(run.status).toBe('SUCCEEDED');
      const renewed = (await renewalsOf(env, run.output as RotationOutput)).map((x) => x.domain).sort();
      expect(renewed).toEqual(expect.arrayContaining(['e2e.live1', 'e2e.live2']));
      expect(renewed).not.toContain('e2e.removed');
      const current = await readCurrent(env.clients.s3, env.resources.certBucket, 'e2e.removed');
      expect(current?.revoked).toBeDefined();
      expect(await listBucket(env, env.resources.certBucket, 'certificates/_index/e2e.removed/')).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'orphans of each kind, made out of band, are reported by reprovision and, in decommission mode, removed',
    async () => {
      const env = e2e.env;
      const c = env.clients;
      // A domain with a spec, which the reprovision re-applies and leaves working.
      await provisionAll([['e2e.owned', specText('urn:e2e:owned', [{ name: '_private.work' }])]]);
      // A pipeline-tagged secret, an associated SCRAM user, a certificate index entry and an ACL,
      // each of a domain that has no spec.
      await c.secrets.send(
        new CreateSecretCommand({
          Name: 'AmazonMSK_e2e.orph1',
          KmsKeyId: env.resources.kmsKeyArn,
          SecretString: JSON.stringify({ username: 'e2e.orph1', password: 'Xorphan1orphan1orphan1orphan1orp' }),
          Tags: [{ Key: 'msk-spec:domain', Value: 'e2e.orph1' }],
        }),
      );
      const user = await c.secrets.send(
        new CreateSecretCommand({
          Name: 'AmazonMSK_e2e.orph2',
          KmsKeyId: env.resources.kmsKeyArn,
          SecretString: JSON.stringify({ username: 'e2e.orph2', password: 'Xorphan2orphan2orphan2orphan2orp' }),
        }),
      );
      // MSK answers InvalidSecretArn for a while after a secret is created: retry, as the pipeline does.
      for (let i = 0; i < 10 && !(await e2e.associations()).includes(user.ARN!); i++)
        await c.kafka.send(
          new BatchAssociateScramSecretCommand({ ClusterArn: env.resources.clusterArn, SecretArnList: [user.ARN!] }),
        );
      expect(await e2e.associations()).toContain(user.ARN);
      const indexKey = 'certificates/_index/e2e.orph3/20261101T000000Z_20261201T000000Z_1_0a1b';
      await c.s3.send(
        new PutObjectCommand({
          Bucket: env.resources.certBucket,
          Key: indexKey,
          Body: '',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: env.resources.kmsKeyArn,
        }),
      );
      const orphanAcl: AclBinding = {
        resourceType: 'TOPIC',
        resourceName: 'e2e.orph4.',
        patternType: 'PREFIXED',
        principal: 'User:CN=e2e.orph4',
        host: '*',
        operation: 'READ',
        permission: 'ALLOW',
      };
      await e2e.admin.createAcls({ acl: [toKafkaJsAcl(orphanAcl)] });
      e2e.rememberNeedles([
        { what: 'the password of AmazonMSK_e2e.orph1', value: 'Xorphan1orphan1orphan1orphan1orp' },
        { what: 'the password of AmazonMSK_e2e.orph2', value: 'Xorphan2orphan2orphan2orphan2orp' },
      ]);

      const { run } = await e2e.requestReprovision();
      expect(run.status).toBe('SUCCEEDED');
      const orphanReport = JSON.parse(
        (await getText(c.s3, env.resources.specBucket, 'reports/_reprovision/orphans.json')) ?? '{}',
      ) as { mode: string; domains: string[]; orphans: Record<string, { domain: string }[]> };
      expect(orphanReport.mode).toBe('DECOMMISSION');
      expect(orphanReport.domains).toEqual(['e2e.orph1', 'e2e.orph2', 'e2e.orph3', 'e2e.orph4']);
      expect(orphanReport.orphans.secrets!.map((o) => o.domain)).toEqual(['e2e.orph1']);
      expect(orphanReport.orphans.scramUsers!.map((o) => o.domain)).toEqual(['e2e.orph2']);
      expect(orphanReport.orphans.certificateIndex!.map((o) => o.domain)).toEqual(['e2e.orph3']);
      expect(orphanReport.orphans.acls!.map((o) => o.domain)).toEqual(['e2e.orph4']);
      const out = run.output as { orphans: { decommissioned: { domain: string; status: string }[] } };
      expect(out.orphans.decommissioned).toEqual(
        ['e2e.orph1', 'e2e.orph2', 'e2e.orph3', 'e2e.orph4'].map((domain) => ({ domain, status: 'SUCCEEDED' })),
      );
      for (const d of ['e2e.orph1', 'e2e.orph2', 'e2e.orph3', 'e2e.orph4'])
        expect([d, (await report(d))?.status]).toEqual([d, 'DECOMMISSIONED']);
      // Each one is gone: the secret scheduled for deletion, the user disassociated, the entry and the ACL deleted.
      expect(
        (await c.secrets.send(new DescribeSecretCommand({ SecretId: 'AmazonMSK_e2e.orph1' }))).DeletedDate,
      ).toBeDefined();
      expect(await e2e.associations()).not.toContain(user.ARN);
      expect(await listBucket(env, env.resources.certBucket, 'certificates/_index/e2e.orph3/')).toEqual([]);
      expect((await e2e.aclsOf('e2e.orph4')).map((b) => b.principal)).toEqual([SEAL_PRINCIPAL]);
      // Domains with a spec were re-applied, not touched.
      expect((await report('e2e.owned'))?.status).toBe('PROVISIONED');
      expect(await canLogIn(await e2e.scram('e2e.owned'))).toBe(true);
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it(
    'an accidental bulk removal of 4 specs is refused with nothing revoked; a forced run revokes exactly those 4',
    async () => {
      const env = e2e.env;
      const bulk = ['e2e.b1', 'e2e.b2', 'e2e.b3', 'e2e.b4'];
      await provisionAll(bulk.map((d) => [d, specText(`urn:${d.replace('.', ':')}`, [{ name: '_private.work' }])]));
      const before = await e2e.snapshot();
      const aclsBefore = await e2e.acls();
      env.sfn.setTimeOverrides({ waitMs: 3_000 });
      let runs: FinishedExecution[];
      try {
        const since = new Date();
        await env.clients.s3.send(
          new DeleteObjectsCommand({
            Bucket: env.resources.specBucket,
            Delete: { Objects: bulk.map((d) => ({ Key: `specs/${d}.yaml` })) },
          }),
        );
        runs = await followExecutions(env, env.resources.stateMachines.decommission!, 4, undefined, {
          since,
          timeoutMs: 150_000,
        });
      } finally {
        env.sfn.setTimeOverrides({ waitMs: 0 });
      }
      await e2e.settled();
      expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      for (const d of bulk)
        expect(await report(d)).toMatchObject({ status: 'REFUSED', removal: { count: 4, limit: 3 } });
      const { certificateObjects: _c, ...rest } = before;
      const { certificateObjects: _c2, ...now } = await e2e.snapshot();
      expect(now).toEqual(rest);

      for (const d of bulk) expect((await decommissionRun({ domain: d, force: true })).status).toBe('SUCCEEDED');
      for (const d of bulk)
        expect(await report(d)).toMatchObject({ status: 'DECOMMISSIONED', removal: { forced: true } });
      const aclsAfter = await e2e.acls();
      const ofBulk = (k: string) =>
        bulk.some((d) => k.includes(`User:${d}`) || k.includes(`User:CN=${d}`) || k.includes(`:${d}.`));
      const gone = sortedKeys(aclsBefore).filter((k) => !sortedKeys(aclsAfter).includes(k));
      const added = sortedKeys(aclsAfter).filter((k) => !sortedKeys(aclsBefore).includes(k));
      expect(gone.length).toBeGreaterThan(0);
      expect(gone.filter((k) => !ofBulk(k))).toEqual([]);
      expect(
        sortedKeys(aclsAfter)
          .filter(ofBulk)
          .filter((k) => !k.includes(SEAL_PRINCIPAL)),
      ).toEqual([]);
      expect(added.length).toBe(4);
      expect(added.every((k) => k.includes(SEAL_PRINCIPAL))).toBe(true);
      const assoc = await e2e.associations();
      expect(
        before.scramAssociations
          .filter((a) => !assoc.includes(a))
          .map((a) => /AmazonMSK_([^-]+)-/.exec(a)?.[1])
          .sort(),
      ).toEqual(bulk);
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it(
    'leaves no password and no private key in any history (the decommission runs included), report, event or log',
    async () => {
      await provisionAll([['e2e.scanned', specText('urn:e2e:scanned', [{ name: '_private.work' }])]]);
      const { run } = await e2e.removeSpec('e2e.scanned');
      expect(run.status).toBe('SUCCEEDED');
      expect(await report('e2e.scanned')).toMatchObject({ status: 'DECOMMISSIONED' });

      const { needles, surfaces, hits } = await e2e.scanForSecrets();
      // The password of a secret scheduled for deletion is among the needles (remembered before).
      expect(needles.filter((n) => n.what === 'the password of AmazonMSK_e2e.scanned')).toHaveLength(1);
      expect(surfaces[`history of ${run.executionArn}`]).toContain('RevokeAcls');
      expect(surfaces['captured stdout/stderr/console']).toContain('"message":"acls revoked"');
      expect(hits).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
