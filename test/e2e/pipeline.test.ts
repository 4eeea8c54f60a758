// The whole pipeline, end to end, on the embedded default: specs PUT into S3 start the provision
// workflow through EventBridge; its Lambdas run against a real Apache Kafka broker and the emulated
// AWS services; what we check is what a user would see (reports, events, the broker's ACLs and
// topics, secrets, certificates) and what a client can actually do with the stored credentials.
//
// ONE environment for the file (a broker start costs 10-15 s); the scenarios run in order and
// build on each other like a day in the life of the bucket (examples first, then a new domain
// changing its spec, refusals, failures the workflow must ride out, drift healed by a reprovision
// event) and end with a scan of everything readable for passwords and private keys.
//
// The emulated PCA answers RequestInProgressException three times for every certificate here
// (pcaReadyAfterPolls), so every run in this file exercises the CollectCertificate Retry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
} from '@aws-sdk/client-secrets-manager';
import { BatchDisassociateScramSecretCommand, ListScramSecretsCommand } from '@aws-sdk/client-kafka';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { REPO_ROOT, type Environment } from '../../local/environment.js';
import { followExecutions, specUpload, uploadSpec } from '../../local/driver.js';
import { readMtlsCredentials } from '../../lib/aws/client-credentials.js';
import { getText } from '../../lib/aws/cert-store.js';
import { listSpecKeys } from '../../lib/aws/specs.js';
import { desiredBindings } from '../../lib/access/bindings.js';
import type { ProvisionReport } from '../../lib/aws/reports.js';
import { exactFilter, readClusterState } from '../../lib/kafka/index.js';
import { checkKeyBinding, parseSpec, type DomainSpec } from '../../lib/spec/index.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import {
  E2E_TEST_TIMEOUT_MS,
  brokerAcls,
  brokerTopics,
  canLogIn,
  certificateOf,
  executionHistory,
  findNeedles,
  listBucket,
  minus,
  mtlsClient,
  mustParse,
  probe,
  probeMismatches,
  publicSurfaces,
  readReport,
  scramClient,
  secretNeedles,
  sortedKeys,
  specText,
  taskErrors,
  useE2eEnvironment,
} from '../support/e2e.js';

const PCA_POLLS_IN_PROGRESS = 3;
const e2e = useE2eEnvironment({ pcaReadyAfterPolls: PCA_POLLS_IN_PROGRESS });

const EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'specs');
const INVALID_DIR = join(REPO_ROOT, 'examples', 'specs-invalid');
const EXAMPLES = ['shop.catalog', 'shop.order', 'shop.orders', 'shop.payments'] as const;
const exampleText = (domain: string) => readFileSync(join(EXAMPLE_DIR, `${domain}.yaml`), 'utf8');

interface Applied {
  domain: string;
  changed: boolean;
  topicsCreated: number;
  partitionsIncreased: number;
  configsAltered: number;
  aclsCreated: number;
  aclsDeleted: number;
  createdTopics: string[];
}
interface Credentials {
  scram: { enabled: boolean; secretArn?: string; secret?: string; association?: string };
  mtls: { enabled: boolean; status?: string; serial?: string; notAfter?: string; generation?: number };
}
const appliedOf = (r: ProvisionReport | undefined) => r?.applied as Applied;
const credentialsOf = (r: ProvisionReport | undefined) => r?.credentials as Credentials;
const normSerial = (s: string) => s.replace(/:/g, '').toLowerCase().replace(/^0+/, '');

/** The specs the bucket holds now that the pipeline accepts: what the broker must match after any run. */
async function acceptedSpecsInBucket(env: Environment): Promise<DomainSpec[]> {
  const specs: DomainSpec[] = [];
  for (const key of await listSpecKeys(env.clients.s3, env.resources.specBucket)) {
    const text = (await getText(env.clients.s3, env.resources.specBucket, key)) ?? '';
    const r = parseSpec(text, key, DEFAULT_CONFIG);
    if (r.ok && !checkKeyBinding(key, r.spec)) specs.push(r.spec);
  }
  return specs;
}

/** Everything a refused spec must leave alone, in one comparable snapshot. */
async function snapshot(env: Environment) {
  const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
  return {
    acls: sortedKeys(await brokerAcls(env, e2e.admin)),
    topics: await brokerTopics(e2e.admin),
    secrets: (secrets.SecretList ?? []).map((s) => s.Name).sort(),
    certificateObjects: await listBucket(env, env.resources.certBucket),
    scramAssociations: (
      await env.clients.kafka.send(new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn }))
    ).SecretArnList?.sort(),
  };
}

/** Nine levels of nine aliases: 9^9 strings if expanded. */
function aliasBomb(): string {
  let text = "asyncapi: '2.6.0'\nid: 'urn:e2e:bomb'\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (let i = 1; i < 10; i++)
    text += `x${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return `${text}channels: {}\n`;
}

let firstOrderSerial: string | undefined;

describe('the provisioning pipeline, end to end on a real broker and emulated AWS', () => {
  it(
    'provisions the example specs: reports, topics, exact ACLs, secrets, certificates, and real clients over SCRAM and mTLS',
    async () => {
      const env = e2e.env;
      const uploads = EXAMPLES.map((d) => specUpload(join(EXAMPLE_DIR, `${d}.yaml`)));
      const since = new Date();
      for (const u of uploads) await uploadSpec(env, u);
      const finished = await followExecutions(env, env.resources.stateMachines.provision!, uploads.length, undefined, {
        since,
        timeoutMs: 170_000,
      });
      expect(finished.map((f) => [f.key, f.status]).sort()).toEqual(uploads.map((u) => [u.key, 'SUCCEEDED']).sort());

      const specs = uploads.map((u) => mustParse(u.text, u.file));
      for (const spec of specs) {
        const report = await readReport(env.clients.s3, env.resources.specBucket, spec.domain);
        expect(report).toMatchObject({
          status: 'PROVISIONED',
          domain: spec.domain,
          source: { key: `specs/${spec.domain}.yaml` },
        });
        expect(finished.map((f) => f.executionArn)).toContain(report!.executionId);
        const creds = credentialsOf(report);
        expect(appliedOf(report)).toMatchObject({ changed: true, topicsCreated: spec.owned.length });

        // SCRAM: the secret exists under the customer key, holds this domain's username, and MSK has it.
        const secret = await env.clients.secrets.send(
          new DescribeSecretCommand({ SecretId: `AmazonMSK_${spec.domain}` }),
        );
        expect(secret.ARN).toBe(creds.scram.secretArn);
        expect(secret.KmsKeyId).toBe(env.resources.kmsKeyArn);
        const value = await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: secret.ARN! }));
        const body = JSON.parse(value.SecretString!) as { username: string; password: string };
        expect(body.username).toBe(spec.domain);
        expect(body.password).toMatch(/^[A-Za-z][A-Za-z0-9]{31}$/);
        const associated = await env.clients.kafka.send(
          new ListScramSecretsCommand({ ClusterArn: env.resources.clusterArn }),
        );
        expect(associated.SecretArnList).toContain(secret.ARN);

        // mTLS: current.json names a complete certificate for CN=<domain>, the one the report names.
        const mtls = await readMtlsCredentials(env.clients.s3, env.resources.certBucket, spec.domain);
        expect(mtls).toBeDefined();
        const cert = certificateOf(mtls!.certPem);
        expect(cert.subject).toBe(`CN=${spec.domain}`);
        expect(normSerial(cert.serialNumber)).toBe(normSerial(mtls!.current.serial));
        expect(normSerial(creds.mtls.serial!)).toBe(normSerial(mtls!.current.serial));
        expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(mtls!.keyPem))).toBe(true);
        expect(cert.verify(certificateOf(mtls!.chainPem).publicKey)).toBe(true);
        // Every stored certificate object, the private key above all, is encrypted with the customer key.
        for (const key of Object.values(mtls!.current.keys)) {
          const head = await env.clients.s3.send(new HeadObjectCommand({ Bucket: env.resources.certBucket, Key: key }));
          expect([key, head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual([key, 'aws:kms', env.resources.kmsKeyArn]);
        }
        if (spec.domain === 'shop.order') firstOrderSerial = mtls!.current.serial;
      }

      // The broker holds exactly the owned topics and exactly the bindings the access model derives.
      expect(await brokerTopics(e2e.admin)).toEqual(specs.flatMap((s) => s.owned.map((t) => t.name)).sort());
      expect(sortedKeys(await brokerAcls(env, e2e.admin))).toEqual(sortedKeys(desiredBindings(specs, DEFAULT_CONFIG)));

      // Real clients with the stored credentials: each domain writes and reads its own topic over
      // both listeners; a granted domain reads a protected topic; the prefix-alike domain and an
      // ungranted one are refused; nobody writes another domain's topic.
      const clients = new Map<string, Awaited<ReturnType<typeof scramClient>>>();
      for (const spec of specs) {
        clients.set(`${spec.domain}/SCRAM`, await scramClient(env, spec.domain));
        clients.set(`${spec.domain}/MTLS`, await mtlsClient(env, spec.domain));
      }
      const c = (key: string) => clients.get(key)!;
      const own = (d: string) => specs.find((s) => s.domain === d)!.owned[0]!.name;
      const cases = [
        ...specs.flatMap((s) =>
          (['SCRAM', 'MTLS'] as const).flatMap((auth) => [
            probe(c(`${s.domain}/${auth}`), own(s.domain), 'WRITE', true),
            probe(c(`${s.domain}/${auth}`), own(s.domain), 'READ', true),
          ]),
        ),
        probe(c('shop.order/SCRAM'), 'shop.order._protected.payment-requested', 'WRITE', true),
        probe(c('shop.payments/SCRAM'), 'shop.order._protected.payment-requested', 'READ', true),
        probe(c('shop.payments/MTLS'), 'shop.order._protected.payment-requested', 'READ', true),
        probe(c('shop.orders/SCRAM'), 'shop.order._protected.payment-requested', 'READ', false),
        probe(c('shop.orders/MTLS'), 'shop.order._protected.payment-requested', 'READ', false),
        probe(c('shop.catalog/SCRAM'), 'shop.order._protected.payment-requested', 'READ', false),
        probe(c('shop.order/SCRAM'), 'shop.order._public.created', 'WRITE', true),
        probe(c('shop.catalog/MTLS'), 'shop.order._public.created', 'READ', true),
        probe(c('shop.orders/SCRAM'), 'shop.order._public.created', 'WRITE', false),
        probe(c('shop.orders/MTLS'), 'shop.order._private.audit', 'READ', false),
        probe(c('shop.payments/MTLS'), 'shop.catalog._private.price-changes', 'WRITE', false),
      ];
      const { wrong, outcomes } = await probeMismatches(cases);
      expect(wrong).toEqual([]);
      expect(outcomes.filter((o) => o.allowed).length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => !o.allowed).length).toBeGreaterThan(0);

      // Every run rode out the PCA's "in progress" answers through the ASL Retry.
      for (const f of finished) {
        const errors = taskErrors(await executionHistory(env, f.executionArn));
        expect(errors.filter((e) => e === 'RequestInProgressException').length).toBe(PCA_POLLS_IN_PROGRESS);
        // MSK refuses a brand-new secret's first association (InvalidSecretArn, as it often does right
        // after creation; the emulator's default): each first run rode it out through the Retry.
        expect(errors.filter((e) => e === 'ScramAssociationPending').length).toBe(1);
      }

      await e2e.settled();
      const provisioned = e2e.events.filter((e) => e['detail-type'] === 'Spec Provisioned').map((e) => e.detail.domain);
      expect([...provisioned].sort()).toEqual([...EXAMPLES]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a second run of the same spec changes nothing and says so',
    async () => {
      const env = e2e.env;
      const before = { acls: sortedKeys(await brokerAcls(env, e2e.admin)), topics: await brokerTopics(e2e.admin) };
      const { execution, report } = await e2e.provision('specs/shop.order.yaml', exampleText('shop.order'));
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', executionId: execution.executionArn });
      // (toMatchObject: the output may carry more, e.g. counters; every change count must be zero.)
      expect(appliedOf(report)).toMatchObject({
        domain: 'shop.order',
        changed: false,
        topicsCreated: 0,
        partitionsIncreased: 0,
        configsAltered: 0,
        aclsCreated: 0,
        aclsDeleted: 0,
        createdTopics: [],
      });
      // The credentials are reused: same secret, no new certificate.
      const creds = credentialsOf(report);
      expect(creds.scram).toMatchObject({ secret: 'EXISTING', association: 'EXISTING' });
      expect(creds.mtls).toMatchObject({ status: 'CURRENT' });
      expect(firstOrderSerial).toBeDefined();
      expect(normSerial(creds.mtls.serial!)).toBe(normSerial(firstOrderSerial!));
      expect(sortedKeys(await brokerAcls(env, e2e.admin))).toEqual(before.acls);
      expect(await brokerTopics(e2e.admin)).toEqual(before.topics);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a spec update adding and removing a channel and a grant changes exactly the ACL delta; topics are never deleted',
    async () => {
      const env = e2e.env;
      const v1 = specText('urn:e2e:delta', [
        { name: '_public.events' },
        { name: '_protected.shared', grants: ['shop.order'] },
        { name: '_private.state' },
      ]);
      const v2 = specText(
        'urn:e2e:delta',
        [
          { name: '_public.events' },
          // grant moved: shop.order loses it, shop.payments gains it
          { name: '_protected.shared', grants: ['shop.payments'] },
          // new channel with a grant
          { name: '_protected.extra', grants: ['shop.order'] },
          // _private.state removed from the spec
        ],
        '2.0.0',
      );
      const first = await e2e.provision('specs/e2e.delta.yaml', v1);
      expect(first.report).toMatchObject({ status: 'PROVISIONED', executionId: first.execution.executionArn });
      const d1 = desiredBindings([mustParse(v1)], DEFAULT_CONFIG);
      const d2 = desiredBindings([mustParse(v2)], DEFAULT_CONFIG);
      const wantCreated = minus(d2, d1);
      const wantDeleted = minus(d1, d2);
      expect(wantCreated.length).toBeGreaterThan(0);
      expect(wantDeleted.length).toBeGreaterThan(0);

      const aclsBefore = await brokerAcls(env, e2e.admin);
      const topicsBefore = await brokerTopics(e2e.admin);
      expect(
        sortedKeys(
          aclsBefore.filter(
            (b) => b.resourceName.startsWith('e2e.delta.') || /^User:(CN=)?e2e\.delta$/.test(b.principal),
          ),
        ),
      ).toEqual(sortedKeys(d1));

      const second = await e2e.provision('specs/e2e.delta.yaml', v2);
      expect(second.execution.status).toBe('SUCCEEDED');
      expect(second.report).toMatchObject({ status: 'PROVISIONED', executionId: second.execution.executionArn });
      const aclsAfter = await brokerAcls(env, e2e.admin);
      // Over the WHOLE broker: what appeared is exactly new−old, what vanished exactly old−new.
      expect(minus(aclsAfter, aclsBefore)).toEqual(wantCreated);
      expect(minus(aclsBefore, aclsAfter)).toEqual(wantDeleted);
      expect(appliedOf(second.report)).toMatchObject({
        changed: true,
        aclsCreated: wantCreated.length,
        aclsDeleted: wantDeleted.length,
        topicsCreated: 1,
        createdTopics: ['e2e.delta._protected.extra'],
      });
      // The channel left the spec; its topic stays (the pipeline never deletes topics).
      expect(await brokerTopics(e2e.admin)).toEqual([...topicsBefore, 'e2e.delta._protected.extra'].sort());
      expect(topicsBefore).toContain('e2e.delta._private.state');

      // The broker enforces the new grants: shop.payments now reads `shared`, shop.order no longer does.
      const owner = await scramClient(env, 'e2e.delta');
      const order = await scramClient(env, 'shop.order');
      const payments = await mtlsClient(env, 'shop.payments');
      const { wrong } = await probeMismatches([
        probe(owner, 'e2e.delta._protected.shared', 'WRITE', true),
        probe(owner, 'e2e.delta._protected.extra', 'WRITE', true),
        probe(payments, 'e2e.delta._protected.shared', 'READ', true),
        probe(order, 'e2e.delta._protected.shared', 'READ', false),
        probe(order, 'e2e.delta._protected.extra', 'READ', true),
        probe(payments, 'e2e.delta._protected.extra', 'READ', false),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "a grant to a domain that has no spec yet works once that domain arrives, and the grantee's own runs never remove it",
    async () => {
      const env = e2e.env;
      const early = specText('urn:e2e:early', [{ name: '_protected.feed', grants: ['e2e.late'] }]);
      expect((await e2e.provision('specs/e2e.early.yaml', early)).report).toMatchObject({ status: 'PROVISIONED' });
      const grant = desiredBindings([mustParse(early)], DEFAULT_CONFIG).filter((b) =>
        /^User:(CN=)?e2e\.late$/.test(b.principal),
      );
      expect(grant).toHaveLength(4);

      const late = specText('urn:e2e:late', [{ name: '_private.work' }]);
      const first = await e2e.provision('specs/e2e.late.yaml', late);
      expect(first.report).toMatchObject({ status: 'PROVISIONED', applied: { aclsDeleted: 0 } });
      const second = await e2e.provision('specs/e2e.late.yaml', late);
      expect(second.report).toMatchObject({ status: 'PROVISIONED', applied: { changed: false, aclsDeleted: 0 } });
      expect(minus(grant, await brokerAcls(env, e2e.admin))).toEqual([]);

      const { wrong } = await probeMismatches([
        probe(await scramClient(env, 'e2e.early'), 'e2e.early._protected.feed', 'WRITE', true),
        probe(await scramClient(env, 'e2e.late'), 'e2e.early._protected.feed', 'READ', true),
        probe(await mtlsClient(env, 'e2e.late'), 'e2e.early._protected.feed', 'WRITE', false),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'topic settings follow the spec on the broker: more partitions and changed configs are applied, fewer partitions are refused',
    async () => {
      const topic = 'e2e.settings._public.events';
      const v1 = specText('urn:e2e:settings', [{ name: '_public.events', configs: { 'retention.ms': '86400000' } }]);
      const v2 = specText(
        'urn:e2e:settings',
        [
          {
            name: '_public.events',
            partitions: 3,
            configs: { 'retention.ms': '172800000', 'cleanup.policy': 'compact' },
          },
        ],
        '2.0.0',
      );
      const v3 = specText(
        'urn:e2e:settings',
        [
          {
            name: '_public.events',
            partitions: 2,
            configs: { 'retention.ms': '172800000', 'cleanup.policy': 'compact' },
          },
        ],
        '3.0.0',
      );
      const state = async () =>
        (await readClusterState(e2e.admin, { topicPrefixes: ['e2e.settings.'], principals: [] })).topics;

      expect((await e2e.provision('specs/e2e.settings.yaml', v1)).report).toMatchObject({ status: 'PROVISIONED' });
      expect(await state()).toEqual([
        { name: topic, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '86400000' } },
      ]);

      const grown = await e2e.provision('specs/e2e.settings.yaml', v2);
      expect(grown.report).toMatchObject({
        status: 'PROVISIONED',
        applied: {
          changed: true,
          topicsCreated: 0,
          partitionsIncreased: 1,
          configsAltered: 1,
          aclsCreated: 0,
          aclsDeleted: 0,
        },
      });
      const after = await state();
      expect(after).toEqual([
        {
          name: topic,
          partitions: 3,
          replicationFactor: 1,
          configs: { 'retention.ms': '172800000', 'cleanup.policy': 'compact' },
        },
      ]);

      const shrunk = await e2e.provision('specs/e2e.settings.yaml', v3);
      expect(shrunk.execution.status).toBe('FAILED');
      expect(shrunk.report).toMatchObject({ status: 'FAILED', domain: 'e2e.settings', error: { name: 'PlanRefused' } });
      expect(shrunk.report!.error!.cause).toContain('partition-decrease');
      expect(await state()).toEqual(after);
      // Leave the bucket with a spec the pipeline accepts and the broker matches (the reprovision below).
      expect((await e2e.provision('specs/e2e.settings.yaml', v2)).report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: false },
      });
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'refuses a spec whose id does not match its key, and invalid specs: FAILED report with file/path/rule, a failure event, nothing created',
    async () => {
      const env = e2e.env;
      const before = await snapshot(env);
      const orderReportBefore = await readReport(env.clients.s3, env.resources.specBucket, 'shop.order');

      const cases = [
        // shop.order's own (valid) spec, stored under another domain's key
        {
          key: 'specs/shop.rogue.yaml',
          text: exampleText('shop.order'),
          domain: 'shop.rogue',
          rules: ['key-binding'],
          path: '$.id',
        },
        // several mistakes at once
        {
          key: 'specs/shop.rogue.yaml',
          text: readFileSync(join(INVALID_DIR, 'shop.rogue.yaml'), 'utf8'),
          domain: 'shop.rogue',
          rules: ['binding-partitions', 'binding-replicas', 'grant-access', 'grant-on-private', 'topic-name'],
          path: '$.channels["_public.clicks"].bindings.kafka.partitions',
        },
        // an id that would be the wildcard principal
        {
          key: 'specs/wildcard.yaml',
          text: readFileSync(join(INVALID_DIR, 'wildcard.yaml'), 'utf8'),
          domain: 'wildcard',
          rules: ['domain-id'],
          path: '$.id',
        },
        // hostile input: a YAML alias bomb (a billion laughs) and a spec over 1 MiB
        { key: 'specs/e2e.bomb.yaml', text: aliasBomb(), domain: 'e2e.bomb', rules: ['yaml-aliases'], path: '$' },
        {
          key: 'specs/e2e.huge.yaml',
          text: `${specText('urn:e2e:huge', [{ name: '_private.work' }])}${'# padding to exceed the limit\n'.repeat(40_000)}`,
          domain: 'e2e.huge',
          rules: ['max-size'],
          path: '$',
        },
        // a key that names no domain: the report goes under reports/_unknown/
        {
          key: 'specs/team/shop.order.yaml',
          text: exampleText('shop.order'),
          domain: null,
          reportDomain: '_unknown/specs_team_shop.order.yaml',
          rules: ['key-binding'],
          path: '$',
        },
      ] as { key: string; text: string; domain: string | null; reportDomain?: string; rules: string[]; path: string }[];
      for (const c of cases) {
        const { execution, report } = await e2e.provision(c.key, c.text, c.reportDomain ?? c.domain!);
        expect(execution.status).toBe('FAILED');
        expect(report).toMatchObject({
          status: 'FAILED',
          domain: c.domain,
          executionId: execution.executionArn,
          source: { key: c.key },
          error: { name: 'SpecRefused' },
        });
        const issues = report!.error!.issues as { file: string; path: string; rule: string; message: string }[];
        expect([...new Set(issues.map((i) => i.rule))].sort()).toEqual([...c.rules].sort());
        for (const i of issues) {
          expect(i.file).toBe(c.key);
          expect(i.path).toMatch(/^\$/);
          expect(i.message.length).toBeGreaterThan(0);
        }
        expect(issues.map((i) => i.path)).toContain(c.path);

        const failed = e2e.events.filter(
          (e) => e['detail-type'] === 'Spec Provisioning Failed' && e.detail.executionId === execution.executionArn,
        );
        expect(failed).toHaveLength(1);
        expect(failed[0]!.detail).toMatchObject({
          status: 'FAILED',
          domain: c.domain,
          error: { name: 'SpecRefused', issues },
        });
      }

      // Nothing was created or changed anywhere: no secret, no association, no certificate object,
      // no topic, no ACL, and shop.order (whose text was used) is untouched.
      expect(await snapshot(env)).toEqual(before);
      for (const d of ['shop.rogue', 'wildcard', 'e2e.bomb', 'e2e.huge']) {
        expect(before.secrets).not.toContain(`AmazonMSK_${d}`);
        expect(before.certificateObjects.filter((k) => k.startsWith(`certificates/${d}/`))).toEqual([]);
        expect(before.topics.filter((t) => t.startsWith(`${d}.`))).toEqual([]);
        expect(
          before.acls.filter((k) => k.includes(`User:${d}`) || k.includes(`User:CN=${d}`) || k.includes(`${d}.`)),
        ).toEqual([]);
      }
      expect(await readReport(env.clients.s3, env.resources.specBucket, 'shop.order')).toEqual(orderReportBefore);

      // A refused UPDATE of a provisioned domain leaves what it had in place (the report says FAILED
      // until a valid version arrives, which then finds nothing to change).
      const broken = exampleText('shop.order').replace('partitions: 1', 'partitions: 0');
      const refusedUpdate = await e2e.provision('specs/shop.order.yaml', broken);
      expect(refusedUpdate.execution.status).toBe('FAILED');
      expect(refusedUpdate.report).toMatchObject({
        status: 'FAILED',
        domain: 'shop.order',
        error: { name: 'SpecRefused', issues: [{ rule: 'binding-partitions' }] },
      });
      expect(await snapshot(env)).toEqual(before);
      const restored = await e2e.provision('specs/shop.order.yaml', exampleText('shop.order'));
      expect(restored.report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: false, aclsCreated: 0, aclsDeleted: 0, topicsCreated: 0 },
      });
      expect(await snapshot(env)).toEqual(before);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a failure after validation ends in a FAILED report with the error and a failure event; the next upload recovers',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:broken', [{ name: '_public.signals' }]);
      // MSK refuses to name the bootstrap brokers (not a retried error): PlanAgainstCluster cannot
      // reach Kafka and fails with the terminal KafkaRefused, whose cause names MSK's error, before
      // the credentials branch runs.
      const faultId = env.aws.faults.add({
        service: 'kafka',
        operation: 'GetBootstrapBrokers',
        error: { code: 'ForbiddenException', statusCode: 403 },
      });
      let failed;
      try {
        failed = await e2e.provision('specs/e2e.broken.yaml', text);
      } finally {
        env.aws.faults.remove(faultId);
      }
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({
        status: 'FAILED',
        domain: 'e2e.broken',
        executionId: failed.execution.executionArn,
        error: { name: 'KafkaRefused' },
      });
      expect(failed.report!.error!.cause).toContain('ForbiddenException');
      const event = e2e.events.find(
        (e) =>
          e['detail-type'] === 'Spec Provisioning Failed' && e.detail.executionId === failed.execution.executionArn,
      );
      expect(event?.detail).toMatchObject({ status: 'FAILED', domain: 'e2e.broken', error: { name: 'KafkaRefused' } });
      expect((await brokerTopics(e2e.admin)).filter((t) => t.startsWith('e2e.broken.'))).toEqual([]);
      const secrets = await env.clients.secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
      expect((secrets.SecretList ?? []).map((x) => x.Name).filter((n) => n?.endsWith('e2e.broken'))).toEqual([]);
      expect(await listBucket(env, env.resources.certBucket, 'certificates/e2e.broken/')).toEqual([]);

      const recovered = await e2e.provision('specs/e2e.broken.yaml', text);
      expect(recovered.report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: true, topicsCreated: 1, createdTopics: ['e2e.broken._public.signals'] },
      });
      // The failed run made no credentials: the recovery makes them.
      expect(credentialsOf(recovered.report).scram).toMatchObject({ secret: 'CREATED', association: 'NEW' });
      expect(credentialsOf(recovered.report).mtls).toMatchObject({ status: 'ISSUED' });
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a failure before validation (S3 refuses the read) emits the failure event naming the object, and creates nothing',
    async () => {
      const env = e2e.env;
      const before = await snapshot(env);
      const faultId = env.aws.faults.add({
        service: 's3',
        operation: 'GetObject',
        error: { code: 'AccessDenied', statusCode: 403 },
        times: 1,
      });
      let run;
      try {
        run = await e2e.provision('specs/e2e.unread.yaml', specText('urn:e2e:unread', [{ name: '_private.work' }]));
      } finally {
        env.aws.faults.remove(faultId);
      }
      expect(run.execution.status).toBe('FAILED');
      // No domain is known before the spec is read, so there is no report to write; the event says what happened.
      expect(run.report).toBeUndefined();
      const event = e2e.events.find(
        (e) => e['detail-type'] === 'Spec Provisioning Failed' && e.detail.executionId === run.execution.executionArn,
      );
      expect(event?.detail).toMatchObject({
        status: 'FAILED',
        domain: null,
        source: { object: { key: 'specs/e2e.unread.yaml' } },
        error: { name: 'AccessDenied' },
      });
      expect(await snapshot(env)).toEqual(before);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "the mass-deletion guard stops an update that would delete most of a domain's ACLs; an explicitly forced run applies it",
    async () => {
      const env = e2e.env;
      const grantees = ['shop.catalog', 'shop.order', 'shop.orders', 'shop.payments'];
      const v1 = specText('urn:e2e:guard', [
        { name: '_protected.one', grants: grantees },
        { name: '_protected.two', grants: grantees },
        { name: '_private.state' },
      ]);
      const v2 = specText(
        'urn:e2e:guard',
        [{ name: '_protected.one' }, { name: '_protected.two' }, { name: '_private.state' }],
        '2.0.0',
      );
      const first = await e2e.provision('specs/e2e.guard.yaml', v1);
      expect(first.report).toMatchObject({ status: 'PROVISIONED' });
      const d1 = desiredBindings([mustParse(v1)], DEFAULT_CONFIG);
      const d2 = desiredBindings([mustParse(v2)], DEFAULT_CONFIG);
      expect(minus(d1, d2).length / d1.length).toBeGreaterThan(DEFAULT_CONFIG.maxDeleteShare);
      const before = await snapshot(env);
      const aclsBefore = await brokerAcls(env, e2e.admin);

      const refused = await e2e.provision('specs/e2e.guard.yaml', v2);
      expect(refused.execution.status).toBe('FAILED');
      expect(refused.report).toMatchObject({ status: 'FAILED', domain: 'e2e.guard', error: { name: 'PlanRefused' } });
      expect(refused.report!.error!.cause).toContain('mass-deletion');
      expect(await snapshot(env)).toEqual(before);

      // An operator who checked the spec re-runs the workflow for it with `force` in the input.
      const since = new Date();
      await env.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: env.resources.stateMachines.provision!,
          input: JSON.stringify({
            detail: { bucket: { name: env.resources.specBucket }, object: { key: 'specs/e2e.guard.yaml' } },
            force: true,
          }),
        }),
      );
      const [forced] = await followExecutions(env, env.resources.stateMachines.provision!, 1, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(forced!.status).toBe('SUCCEEDED');
      const report = await readReport(env.clients.s3, env.resources.specBucket, 'e2e.guard');
      expect(report).toMatchObject({
        status: 'PROVISIONED',
        executionId: forced!.executionArn,
        applied: { aclsDeleted: minus(d1, d2).length, aclsCreated: 0 },
      });
      const after = await brokerAcls(env, e2e.admin);
      expect(minus(aclsBefore, after)).toEqual(minus(d1, d2));
      expect(minus(after, aclsBefore)).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'rides out a PCA answering RequestInProgressException several times and a throttled SCRAM association',
    async () => {
      const env = e2e.env;
      const faultId = env.aws.faults.add({
        service: 'kafka',
        operation: 'BatchAssociateScramSecret',
        error: { code: 'TooManyRequestsException', message: 'Too Many Requests' },
        // more than the SDK's own 3 attempts inside one Lambda run: the state machine's Retry is needed
        times: 4,
      });
      try {
        const text = specText('urn:e2e:resilient', [{ name: '_private.work' }]);
        const { execution, report } = await e2e.provision('specs/e2e.resilient.yaml', text);
        expect(execution.status).toBe('SUCCEEDED');
        expect(report).toMatchObject({ status: 'PROVISIONED', executionId: execution.executionArn });
        expect(credentialsOf(report).scram).toMatchObject({ association: 'NEW' });

        const errors = taskErrors(await executionHistory(env, execution.executionArn));
        expect(errors.filter((e) => e === 'RequestInProgressException').length).toBe(PCA_POLLS_IN_PROGRESS);
        expect(errors.filter((e) => e === 'TooManyRequestsException').length).toBeGreaterThanOrEqual(1);
        // Every injected throttle was answered (the fault removes itself when used up).
        expect(env.aws.faults.list().map((f) => f.id)).not.toContain(faultId);
      } finally {
        env.aws.faults.remove(faultId);
      }
      // The association really happened and the certificate really works.
      const { wrong } = await probeMismatches([
        probe(await scramClient(env, 'e2e.resilient'), 'e2e.resilient._private.work', 'WRITE', true),
        probe(await mtlsClient(env, 'e2e.resilient'), 'e2e.resilient._private.work', 'READ', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'heals drift (ACLs deleted out of band with kafkajs, a lost SCRAM association, a deleted topic) when a "Reprovision Requested" event arrives',
    async () => {
      const env = e2e.env;
      const accepted = await acceptedSpecsInBucket(env);
      expect(accepted.map((s) => s.domain)).toEqual(expect.arrayContaining([...EXAMPLES]));
      const desired = sortedKeys(desiredBindings(accepted, DEFAULT_CONFIG));
      // Before: the broker matches the accepted specs that were provisioned (e2e.unread never was:
      // its only run could not read it; the reprovision applies it too).
      const provisionedBefore: DomainSpec[] = [];
      for (const spec of accepted) {
        if ((await readReport(env.clients.s3, env.resources.specBucket, spec.domain))?.status === 'PROVISIONED')
          provisionedBefore.push(spec);
      }
      expect(accepted.length - provisionedBefore.length).toBe(1);
      const desiredBefore = sortedKeys(desiredBindings(provisionedBefore, DEFAULT_CONFIG));
      expect(sortedKeys(await brokerAcls(env, e2e.admin))).toEqual(desiredBefore);

      // Out of band: every ACL held by shop.payments' principals goes, including the grant on
      // shop.order's protected topic (shop.order's to manage), plus shop.catalog's public read.
      const victims = (await brokerAcls(env, e2e.admin)).filter(
        (b) =>
          /^User:(CN=)?shop\.payments$/.test(b.principal) ||
          (b.resourceName === 'shop.catalog._public.' && b.principal === 'User:*'),
      );
      expect(victims.length).toBeGreaterThan(10);
      await e2e.admin.deleteAcls({ filters: victims.map(exactFilter) });
      const drifted = sortedKeys(await brokerAcls(env, e2e.admin));
      expect(desiredBefore.filter((k) => !drifted.includes(k))).toEqual(sortedKeys(victims));

      const payments = await scramClient(env, 'shop.payments');
      const ownTopic = 'shop.payments._private.ledger';
      const refused = await probeMismatches([probe(payments, ownTopic, 'WRITE', false)]);
      expect(refused.wrong).toEqual([]);

      // More drift: shop.catalog's SCRAM secret disassociated from the cluster (its users can no
      // longer log in), and one of shop.orders' topics deleted.
      const catalogSecret = (
        await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: 'AmazonMSK_shop.catalog' }))
      ).ARN!;
      await env.clients.kafka.send(
        new BatchDisassociateScramSecretCommand({
          ClusterArn: env.resources.clusterArn,
          SecretArnList: [catalogSecret],
        }),
      );
      const catalog = await scramClient(env, 'shop.catalog');
      expect(await canLogIn(catalog)).toBe(false);
      await e2e.admin.deleteTopics({ topics: ['shop.orders._public.summary'] });
      expect(await brokerTopics(e2e.admin)).not.toContain('shop.orders._public.summary');

      const since = new Date();
      const put = await env.clients.events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'msk-spec-provisioner',
              DetailType: 'Reprovision Requested',
              Detail: JSON.stringify({ reason: 'e2e drift' }),
            },
          ],
        }),
      );
      expect(put.FailedEntryCount).toBe(0);
      const [run] = await followExecutions(env, env.resources.stateMachines.reprovision!, 1, undefined, {
        since,
        timeoutMs: 170_000,
      });
      expect(run!.status).toBe('SUCCEEDED');

      // Every spec in the bucket went through the provision workflow; the refused ones failed again.
      const keys = await listSpecKeys(env.clients.s3, env.resources.specBucket);
      const children = await followExecutions(env, env.resources.stateMachines.provision!, keys.length, undefined, {
        since,
        timeoutMs: 60_000,
      });
      expect(children).toHaveLength(keys.length);
      const failedKeys = children
        .filter((c) => c.status === 'FAILED')
        .map((c) => c.key)
        .sort();
      const refusedKeys = keys.filter((k) => !accepted.some((a) => k === `specs/${a.domain}.yaml`)).sort();
      expect(refusedKeys).toEqual(expect.arrayContaining(['specs/shop.rogue.yaml', 'specs/wildcard.yaml']));
      expect(failedKeys).toEqual(refusedKeys);

      expect(sortedKeys(await brokerAcls(env, e2e.admin))).toEqual(desired);
      expect(await brokerTopics(e2e.admin)).toContain('shop.orders._public.summary');
      expect(await canLogIn(catalog)).toBe(true);
      // (A fresh record for the payments reader: its probe group already consumed the earlier ones.)
      const healed = await probeMismatches([
        probe(await scramClient(env, 'shop.order'), 'shop.order._protected.payment-requested', 'WRITE', true),
        probe(payments, ownTopic, 'WRITE', true),
        probe(payments, 'shop.order._protected.payment-requested', 'READ', true),
        probe(await mtlsClient(env, 'shop.order'), 'shop.catalog._public.products', 'READ', true),
      ]);
      expect(healed.wrong).toEqual([]);
      const report = await readReport(env.clients.s3, env.resources.specBucket, 'shop.payments');
      expect(appliedOf(report)).toMatchObject({ changed: true, topicsCreated: 0, aclsDeleted: 0 });
      expect(appliedOf(report).aclsCreated).toBeGreaterThan(0);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'two uploads of a new domain in quick succession: both runs end well and every stored certificate matches its key',
    async () => {
      const env = e2e.env;
      const text = specText('urn:e2e:twice', [{ name: '_private.work' }]);
      const since = new Date();
      await uploadSpec(env, { key: 'specs/e2e.twice.yaml', text });
      await uploadSpec(env, { key: 'specs/e2e.twice.yaml', text: `${text}# again\n` });
      const runs = await followExecutions(env, env.resources.stateMachines.provision!, 2, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);

      const { createPrivateKey } = await import('node:crypto');
      const stored = await listBucket(env, env.resources.certBucket, 'certificates/e2e.twice/');
      const serials = stored.filter((k) => k.endsWith('/cert.pem')).map((k) => k.split('/')[2]!);
      expect(serials.length).toBeGreaterThanOrEqual(1);
      for (const serial of serials) {
        const certPem = (await getText(
          env.clients.s3,
          env.resources.certBucket,
          `certificates/e2e.twice/${serial}/cert.pem`,
        ))!;
        const keyPem = (await getText(
          env.clients.s3,
          env.resources.certBucket,
          `certificates/e2e.twice/${serial}/key.pem`,
        ))!;
        expect([serial, certificateOf(certPem).checkPrivateKey(createPrivateKey(keyPem))]).toEqual([serial, true]);
      }
      const { wrong } = await probeMismatches([
        probe(await mtlsClient(env, 'e2e.twice'), 'e2e.twice._private.work', 'WRITE', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'restores a SCRAM secret scheduled for deletion, with the same password, and its users log in again',
    async () => {
      const env = e2e.env;
      const name = 'AmazonMSK_e2e.resilient';
      const password = (await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
      await env.clients.secrets.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
      expect((await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toBeDefined();

      const { execution, report } = await e2e.provision(
        'specs/e2e.resilient.yaml',
        specText('urn:e2e:resilient', [{ name: '_private.work' }]),
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(credentialsOf(report).scram).toMatchObject({ secret: 'RESTORED' });
      expect(
        (await env.clients.secrets.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate,
      ).toBeUndefined();
      expect((await env.clients.secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe(
        password,
      );
      const { wrong } = await probeMismatches([
        probe(await scramClient(env, 'e2e.resilient'), 'e2e.resilient._private.work', 'WRITE', true),
      ]);
      expect(wrong).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'leaves no password and no private key in execution histories, reports, emitted events or logs',
    async () => {
      const env = e2e.env;
      await e2e.settled();
      const needles = await secretNeedles(env);
      const passwords = needles.filter((n) => n.what.startsWith('the password'));
      const keys = needles.filter((n) => n.what.includes('(body)'));
      // the admin's plus one per provisioned domain; one key per issued certificate
      expect(passwords.length).toBeGreaterThanOrEqual(EXAMPLES.length + 2 + 1);
      expect(keys.length).toBeGreaterThanOrEqual(EXAMPLES.length + 2);

      // The scan can fail: it finds the real values where they legitimately are.
      const secretValue = await env.clients.secrets.send(
        new GetSecretValueCommand({ SecretId: 'AmazonMSK_shop.order' }),
      );
      const keyPem = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.order'))!.keyPem;
      const control = findNeedles({ secret: JSON.stringify(secretValue), key: JSON.stringify({ keyPem }) }, needles);
      expect(control.some((h) => h.startsWith('the password of AmazonMSK_shop.order in secret'))).toBe(true);
      expect(control.some((h) => h.startsWith('a PEM "PRIVATE KEY" block in key'))).toBe(true);
      expect(control.some((h) => /^the private key certificates\/shop\.order\/.*\(body\) in key$/.test(h))).toBe(true);

      const surfaces = await publicSurfaces(env, e2e.events, e2e.output);
      // Enough was looked at for "nothing found" to mean something.
      expect(Object.keys(surfaces).filter((p) => p.startsWith('history of ')).length).toBeGreaterThanOrEqual(15);
      expect(Object.keys(surfaces).filter((p) => p.startsWith('s3://')).length).toBeGreaterThanOrEqual(
        EXAMPLES.length + 3,
      );
      expect(e2e.events.length).toBeGreaterThanOrEqual(10);
      expect(surfaces['captured stdout/stderr/console']).toContain('"message":"spec valid"');
      expect(surfaces['captured stdout/stderr/console']).toContain('"message":"certificate stored"');

      expect(findNeedles(surfaces, needles)).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
