// Provisioning, end to end on the embedded default: specs PUT into S3 start the provision workflow
// through EventBridge; its Lambdas run against a real Apache Kafka broker and the emulated AWS
// services; what we check is what a user would see (reports, events, the broker's ACLs and
// topics, secrets, certificates) and what a client can actually do with the stored credentials.
//
// The file's beforeAll provisions the four examples and records what that left behind; the tests
// only read that baseline (a second run of an applied spec changes nothing), and each one that
// changes the broker does so with domains of its own.
//
// The emulated PCA answers RequestInProgressException three times for every certificate here
// (pcaReadyAfterPolls), so every run in this file exercises the CollectCertificate Retry.
import { createPrivateKey } from 'node:crypto';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { FinishedExecution } from '../../local/driver.js';
import type { ProbeClient } from '../../local/probe.js';
import { readMtlsCredentials } from '../../lib/aws/client-credentials.js';
import { desiredBindings } from '../../lib/access/bindings.js';
import type { ProvisionReport } from '../../lib/aws/reports.js';
import { readClusterState } from '../../lib/kafka/index.js';
import type { DomainSpec } from '../../lib/spec/index.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import {
  E2E_START_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  EXAMPLES,
  appliedOf,
  certificateOf,
  credentialsOf,
  exampleText,
  exampleUploads,
  executionHistory,
  findNeedles,
  minus,
  mustParse,
  normSerial,
  probe,
  probeMismatches,
  sortedKeys,
  specText,
  taskErrors,
  useE2eEnvironment,
  type CapturedEvent,
} from '../support/e2e.js';

const PCA_POLLS_IN_PROGRESS = 3;
const e2e = useE2eEnvironment({ pcaReadyAfterPolls: PCA_POLLS_IN_PROGRESS });

/** What provisioning the examples left behind, read once, right after it. */
let examples: {
  specs: DomainSpec[];
  finished: FinishedExecution[];
  reports: Map<string, ProvisionReport | undefined>;
  topics: string[];
  acls: string[];
  events: CapturedEvent[];
};

beforeAll(async () => {
  const uploads = exampleUploads();
  const finished = await e2e.provisionAll(uploads);
  const specs = uploads.map((u) => mustParse(u.text, u.file));
  const reports = new Map<string, ProvisionReport | undefined>();
  for (const s of specs) reports.set(s.domain, await e2e.report(s.domain));
  examples = {
    specs,
    finished,
    reports,
    topics: await e2e.topics(),
    acls: sortedKeys(await e2e.acls()),
    events: [...e2e.events],
  };
}, E2E_START_TIMEOUT_MS);

describe('provisioning specs, end to end on a real broker and emulated AWS', () => {
  it(
    'provisions the example specs: reports, topics, exact ACLs, secrets, certificates, and real clients over SCRAM and mTLS',
    async () => {
      const env = e2e.env;
      const { specs, finished } = examples;
      expect(finished.map((f) => [f.key, f.status]).sort()).toEqual(
        EXAMPLES.map((d) => [`specs/${d}.yaml`, 'SUCCEEDED']).sort(),
      );

      for (const spec of specs) {
        const report = examples.reports.get(spec.domain);
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
        expect(await e2e.associations()).toContain(secret.ARN);

        // mTLS: current.json names a complete certificate for CN=<domain>, the one the report names.
        const mtls = await readMtlsCredentials(env.clients.s3, env.resources.certBucket, spec.domain);
        expect(mtls).toBeDefined();
        const cert = certificateOf(mtls!.certPem);
        expect(cert.subject).toBe(`CN=${spec.domain}`);
        expect(normSerial(cert.serialNumber)).toBe(normSerial(mtls!.current.serial));
        expect(normSerial(creds.mtls.serial!)).toBe(normSerial(mtls!.current.serial));
        expect(cert.checkPrivateKey(createPrivateKey(mtls!.keyPem))).toBe(true);
        expect(cert.verify(certificateOf(mtls!.chainPem).publicKey)).toBe(true);
        // Every stored certificate object, the private key above all, is encrypted with the customer key.
        for (const key of Object.values(mtls!.current.keys)) {
          const head = await env.clients.s3.send(new HeadObjectCommand({ Bucket: env.resources.certBucket, Key: key }));
          expect([key, head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual([key, 'aws:kms', env.resources.kmsKeyArn]);
        }
      }

      // The broker held exactly the owned topics and exactly the bindings the access model derives.
      expect(examples.topics).toEqual(specs.flatMap((s) => s.owned.map((t) => t.name)).sort());
      expect(examples.acls).toEqual(sortedKeys(desiredBindings(specs, DEFAULT_CONFIG)));

      // Real clients with the stored credentials: each domain writes and reads its own topic over
      // both listeners; a granted domain reads a protected topic; the prefix-alike domain and an
      // ungranted one are refused; nobody writes another domain's topic.
      const clients = new Map<string, ProbeClient>();
      for (const spec of specs) {
        clients.set(`${spec.domain}/SCRAM`, await e2e.scram(spec.domain));
        clients.set(`${spec.domain}/MTLS`, await e2e.mtls(spec.domain));
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

      const provisioned = examples.events
        .filter((e) => e['detail-type'] === 'Spec Provisioned')
        .map((e) => e.detail.domain);
      expect([...provisioned].sort()).toEqual([...EXAMPLES]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a second run of the same spec changes nothing and says so',
    async () => {
      const before = { acls: sortedKeys(await e2e.acls()), topics: await e2e.topics() };
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
      const first = credentialsOf(examples.reports.get('shop.order'));
      expect(creds.scram).toMatchObject({
        secret: 'EXISTING',
        association: 'EXISTING',
        secretArn: first.scram.secretArn,
      });
      expect(creds.mtls).toMatchObject({ status: 'CURRENT' });
      expect(normSerial(creds.mtls.serial!)).toBe(normSerial(first.mtls.serial!));
      expect(sortedKeys(await e2e.acls())).toEqual(before.acls);
      expect(await e2e.topics()).toEqual(before.topics);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a spec update adding and removing a channel and a grant changes exactly the ACL delta; topics are never deleted',
    async () => {
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

      const aclsBefore = await e2e.acls();
      const topicsBefore = await e2e.topics();
      expect(sortedKeys(await e2e.aclsOf('e2e.delta'))).toEqual(sortedKeys(d1));

      const second = await e2e.provision('specs/e2e.delta.yaml', v2);
      expect(second.execution.status).toBe('SUCCEEDED');
      expect(second.report).toMatchObject({ status: 'PROVISIONED', executionId: second.execution.executionArn });
      const aclsAfter = await e2e.acls();
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
      expect(await e2e.topics()).toEqual([...topicsBefore, 'e2e.delta._protected.extra'].sort());
      expect(topicsBefore).toContain('e2e.delta._private.state');

      // The broker enforces the new grants: shop.payments now reads `shared`, shop.order no longer does.
      const owner = await e2e.scram('e2e.delta');
      const order = await e2e.scram('shop.order');
      const payments = await e2e.mtls('shop.payments');
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
      expect(minus(grant, await e2e.acls())).toEqual([]);

      const { wrong } = await probeMismatches([
        probe(await e2e.scram('e2e.early'), 'e2e.early._protected.feed', 'WRITE', true),
        probe(await e2e.scram('e2e.late'), 'e2e.early._protected.feed', 'READ', true),
        probe(await e2e.mtls('e2e.late'), 'e2e.early._protected.feed', 'WRITE', false),
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
      const grownConfigs = { 'retention.ms': '172800000', 'cleanup.policy': 'compact' };
      const v2 = specText(
        'urn:e2e:settings',
        [{ name: '_public.events', partitions: 3, configs: grownConfigs }],
        '2.0.0',
      );
      const v3 = specText(
        'urn:e2e:settings',
        [{ name: '_public.events', partitions: 2, configs: grownConfigs }],
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
      expect(after).toEqual([{ name: topic, partitions: 3, replicationFactor: 1, configs: grownConfigs }]);

      const shrunk = await e2e.provision('specs/e2e.settings.yaml', v3);
      expect(shrunk.execution.status).toBe('FAILED');
      expect(shrunk.report).toMatchObject({ status: 'FAILED', domain: 'e2e.settings', error: { name: 'PlanRefused' } });
      expect(shrunk.report!.error!.cause).toContain('partition-decrease');
      expect(await state()).toEqual(after);
      // The accepted version again: the broker already matches it.
      expect((await e2e.provision('specs/e2e.settings.yaml', v2)).report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: false },
      });
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'leaves no password and no private key in execution histories, reports, emitted events or logs',
    async () => {
      const env = e2e.env;
      const { needles, surfaces, hits } = await e2e.scanForSecrets();
      const passwords = needles.filter((n) => n.what.startsWith('the password'));
      const keys = needles.filter((n) => n.what.includes('(body)'));
      // at least the admin's plus one per example; one key per example's certificate
      expect(passwords.length).toBeGreaterThanOrEqual(EXAMPLES.length + 1);
      expect(keys.length).toBeGreaterThanOrEqual(EXAMPLES.length);

      // The scan can fail: it finds the real values where they legitimately are.
      const secretValue = await env.clients.secrets.send(
        new GetSecretValueCommand({ SecretId: 'AmazonMSK_shop.order' }),
      );
      const keyPem = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.order'))!.keyPem;
      const control = findNeedles({ secret: JSON.stringify(secretValue), key: JSON.stringify({ keyPem }) }, needles);
      expect(control.some((h) => h.startsWith('the password of AmazonMSK_shop.order in secret'))).toBe(true);
      expect(control.some((h) => h.startsWith('a PEM "PRIVATE KEY" block in key'))).toBe(true);
      expect(control.some((h) => /^the private key certificates\/shop\.order\/.*\(body\) in key$/.test(h))).toBe(true);

      // Enough was looked at for "nothing found" to mean something.
      expect(Object.keys(surfaces).filter((p) => p.startsWith('history of ')).length).toBeGreaterThanOrEqual(
        EXAMPLES.length,
      );
      expect(Object.keys(surfaces).filter((p) => p.startsWith('s3://')).length).toBeGreaterThanOrEqual(EXAMPLES.length);
      expect(e2e.events.length).toBeGreaterThanOrEqual(EXAMPLES.length);
      expect(surfaces['captured stdout/stderr/console']).toContain('"message":"spec valid"');
      expect(surfaces['captured stdout/stderr/console']).toContain('"message":"certificate stored"');

      expect(hits).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
