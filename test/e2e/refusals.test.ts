// Refusals and failures, end to end: specs the pipeline must refuse (invalid, hostile, under the
// wrong key, an update that would delete most of a domain's ACLs), and runs that
// fail on the way (AWS refusing a read or a call). Each must end in a FAILED report naming what
// went wrong (file, path, rule) and a "Spec Provisioning Failed" event, and leave nothing half
// applied: no secret, association, certificate object, topic or ACL it would have made. Each test
// provisions what it needs itself; the scan for secret material runs after the file
// (test/support/e2e.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { desiredBindings } from '../../lib/access/bindings.js';
import { DEFAULT_CONFIG } from '../../lib/config.js';
import {
  E2E_TEST_TIMEOUT_MS,
  INVALID_EXAMPLE_DIR,
  credentialsOf,
  exampleText,
  listBucket,
  minus,
  mustParse,
  specText,
  useE2eEnvironment,
} from '../support/e2e.js';

const e2e = useE2eEnvironment();

/** Nine levels of nine aliases: 9^9 strings if expanded. */
function aliasBomb(): string {
  let text = "asyncapi: '2.6.0'\nid: 'urn:e2e:bomb'\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (let i = 1; i < 10; i++)
    text += `x${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return `${text}channels: {}\n`;
}

/** The failure event the run with this execution ARN emitted. */
const failureEvents = (executionArn: string) =>
  e2e.events.filter((e) => e['detail-type'] === 'Spec Provisioning Failed' && e.detail.executionId === executionArn);

describe('refusals and failures: a FAILED report, a failure event, nothing half applied', () => {
  it(
    'refuses a spec whose id does not match its key, and invalid specs: FAILED report with file/path/rule, a failure event, nothing created',
    async () => {
      // shop.order is provisioned: the refusals below reuse its text under other keys, and one
      // refused update of its own must leave it as it is.
      const provisioned = await e2e.provision('specs/shop.order.yaml', exampleText('shop.order'));
      expect(provisioned.report).toMatchObject({ status: 'PROVISIONED' });
      const before = await e2e.snapshot();
      const orderReportBefore = await e2e.report('shop.order');

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
          text: readFileSync(join(INVALID_EXAMPLE_DIR, 'shop.rogue.yaml'), 'utf8'),
          domain: 'shop.rogue',
          rules: ['binding-partitions', 'binding-replicas', 'grant-access', 'grant-on-private', 'topic-name'],
          path: '$.channels["_public.clicks"].bindings.kafka.partitions',
        },
        // an id that would be the wildcard principal
        {
          key: 'specs/wildcard.yaml',
          text: readFileSync(join(INVALID_EXAMPLE_DIR, 'wildcard.yaml'), 'utf8'),
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

        const failed = failureEvents(execution.executionArn);
        expect(failed).toHaveLength(1);
        expect(failed[0]!.detail).toMatchObject({
          status: 'FAILED',
          domain: c.domain,
          error: { name: 'SpecRefused', issues },
        });
      }

      // Nothing was created or changed anywhere: no secret, no association, no certificate object,
      // no topic, no ACL, and shop.order (whose text was used) is untouched.
      expect(await e2e.snapshot()).toEqual(before);
      for (const d of ['shop.rogue', 'wildcard', 'e2e.bomb', 'e2e.huge']) {
        expect(before.secrets).not.toContain(`AmazonMSK_${d}`);
        expect(before.certificateObjects.filter((k) => k.startsWith(`certificates/${d}/`))).toEqual([]);
        expect(before.topics.filter((t) => t.startsWith(`${d}.`))).toEqual([]);
        expect(
          before.acls.filter((k) => k.includes(`User:${d}`) || k.includes(`User:CN=${d}`) || k.includes(`${d}.`)),
        ).toEqual([]);
      }
      expect(await e2e.report('shop.order')).toEqual(orderReportBefore);

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
      expect(await e2e.snapshot()).toEqual(before);
      const restored = await e2e.provision('specs/shop.order.yaml', exampleText('shop.order'));
      expect(restored.report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: false, aclsCreated: 0, aclsDeleted: 0, topicsCreated: 0 },
      });
      expect(await e2e.snapshot()).toEqual(before);
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
      const failed = await e2e.withFault(
        { service: 'kafka', operation: 'GetBootstrapBrokers', error: { code: 'ForbiddenException', statusCode: 403 } },
        () => e2e.provision('specs/e2e.broken.yaml', text),
      );
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({
        status: 'FAILED',
        domain: 'e2e.broken',
        executionId: failed.execution.executionArn,
        error: { name: 'KafkaRefused' },
      });
      expect(failed.report!.error!.cause).toContain('ForbiddenException');
      const events = failureEvents(failed.execution.executionArn);
      expect(events).toHaveLength(1);
      expect(events[0]!.detail).toMatchObject({
        status: 'FAILED',
        domain: 'e2e.broken',
        error: { name: 'KafkaRefused' },
      });
      expect((await e2e.topics()).filter((t) => t.startsWith('e2e.broken.'))).toEqual([]);
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
      const before = await e2e.snapshot();
      const run = await e2e.withFault(
        { service: 's3', operation: 'GetObject', error: { code: 'AccessDenied', statusCode: 403 }, times: 1 },
        () => e2e.provision('specs/e2e.unread.yaml', specText('urn:e2e:unread', [{ name: '_private.work' }])),
      );
      expect(run.execution.status).toBe('FAILED');
      // No domain is known before the spec is read, so there is no report to write; the event says what happened.
      expect(run.report).toBeUndefined();
      const events = failureEvents(run.execution.executionArn);
      expect(events).toHaveLength(1);
      expect(events[0]!.detail).toMatchObject({
        status: 'FAILED',
        domain: null,
        source: { object: { key: 'specs/e2e.unread.yaml' } },
        error: { name: 'AccessDenied' },
      });
      expect(await e2e.snapshot()).toEqual(before);
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
      const before = await e2e.snapshot();
      const aclsBefore = await e2e.acls();

      const refused = await e2e.provision('specs/e2e.guard.yaml', v2);
      expect(refused.execution.status).toBe('FAILED');
      expect(refused.report).toMatchObject({ status: 'FAILED', domain: 'e2e.guard', error: { name: 'PlanRefused' } });
      expect(refused.report!.error!.cause).toContain('mass-deletion');
      expect(await e2e.snapshot()).toEqual(before);

      // An operator who checked the spec re-runs the workflow for it with `force` in the input.
      const forced = await e2e.run('provision', {
        detail: { bucket: { name: env.resources.specBucket }, object: { key: 'specs/e2e.guard.yaml' } },
        force: true,
      });
      expect(forced.status).toBe('SUCCEEDED');
      expect(await e2e.report('e2e.guard')).toMatchObject({
        status: 'PROVISIONED',
        executionId: forced.executionArn,
        applied: { aclsDeleted: minus(d1, d2).length, aclsCreated: 0 },
      });
      const after = await e2e.acls();
      expect(minus(aclsBefore, after)).toEqual(minus(d1, d2));
      expect(minus(after, aclsBefore)).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
