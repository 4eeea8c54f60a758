// Certificate rotation, end to end: the daily schedule starts the rotation workflow, which renews
// client certificates past 2/3 of their lifetime through the real PCA flow and promotes them by
// switching current.json; the old certificate keeps working until it expires.
//
// The clock. The broker checks certificate validity against the real clock, so "advancing time"
// cannot move the clock forward past the broker: a certificate issued by a PCA running in the
// future would not be valid yet. Instead the environment STARTS in the past: the emulated PCA's
// clock runs 21 days behind while shop.catalog is provisioned (and 5 days behind for shop.order),
// then it is advanced to the real time, which is 21 days into shop.catalog's 30-day certificate
// (past the 2/3 mark at 20 days) and 5 days into shop.order's. The rotation workflow's renewal
// clock is the scheduled event's `time` (FindExpiringCertificates reads `time`, or `now`, from
// the execution input), so a run with an explicit earlier `time` shows the same decision taken at
// another reference time.
//
// The beforeAll provisions both domains with that clock; the renewal test is the only one that
// renews, and the scan's minimums are what the beforeAll alone leaves. A renewal that fails
// (PCA refusing one issuance) is in resilience.test.ts, on certificates of its own.
import { createPrivateKey } from 'node:crypto';
import { ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { followExecutions } from '../../local/driver.js';
import { readMtlsCredentials } from '../../lib/aws/client-credentials.js';
import { getText } from '../../lib/aws/cert-store.js';
import { certificateKeys } from '../../lib/cert/policy.js';
import {
  E2E_START_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  certificateOf,
  exampleText,
  findNeedles,
  listBucket,
  probe,
  probeMismatches,
  renewalsOf,
  useE2eEnvironment,
  type RotationOutput,
} from '../support/e2e.js';

const DAY_MS = 86_400_000;
let pcaClockOffsetMs = -21 * DAY_MS;
const e2e = useE2eEnvironment({ now: () => Date.now() + pcaClockOffsetMs });

/** The daily schedule rule serverless.yml deploys for the rotation workflow fires now; waits for its run. */
async function scheduledRun(): Promise<{ status: string; output: RotationOutput }> {
  const env = e2e.env;
  const rules = await env.clients.events.send(new ListRulesCommand({}));
  const scheduled = (rules.Rules ?? []).filter((r) => r.ScheduleExpression);
  expect(scheduled).toHaveLength(1);
  expect(scheduled[0]!.ScheduleExpression).toBe('rate(1 day)');
  const since = new Date();
  await env.aws.events.triggerSchedule(scheduled[0]!.Name!);
  const [run] = await followExecutions(env, env.resources.stateMachines.rotateCertificates!, 1, undefined, {
    since,
    timeoutMs: 120_000,
  });
  const d = await env.clients.sfn.send(new DescribeExecutionCommand({ executionArn: run!.executionArn }));
  return { status: run!.status, output: JSON.parse(d.output ?? 'null') as RotationOutput };
}

/** An operator's rotation run at another reference time (`time`, as the scheduled event carries it). */
async function rotationAt(time: Date): Promise<{ status: string; output: RotationOutput }> {
  const run = await e2e.run('rotateCertificates', { time: time.toISOString() });
  return { status: run.status, output: run.output as RotationOutput };
}

beforeAll(async () => {
  // shop.catalog's certificate is issued 21 days ago, shop.order's 5 days ago (PCA clock).
  const catalog = await e2e.provision('specs/shop.catalog.yaml', exampleText('shop.catalog'));
  expect(catalog.report).toMatchObject({ status: 'PROVISIONED' });
  pcaClockOffsetMs = -5 * DAY_MS;
  const order = await e2e.provision('specs/shop.order.yaml', exampleText('shop.order'));
  expect(order.report).toMatchObject({ status: 'PROVISIONED' });
  pcaClockOffsetMs = 0; // the clock reaches today
}, E2E_START_TIMEOUT_MS);

describe('certificate rotation, end to end', () => {
  it(
    'renews a certificate past 2/3 of its lifetime, promotes it, keeps the old one valid, and a client connects with the new one',
    async () => {
      const env = e2e.env;

      const old = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.catalog'))!;
      const orderBefore = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.order'))!;
      const lifetime = Date.parse(old.current.notAfter) - Date.parse(old.current.notBefore);
      const age = Date.now() - Date.parse(old.current.notBefore);
      expect(age / lifetime).toBeGreaterThan(2 / 3);
      expect(Date.parse(old.current.notAfter)).toBeGreaterThan(Date.now());
      const orderAge = Date.now() - Date.parse(orderBefore.current.notBefore);
      expect(
        orderAge / (Date.parse(orderBefore.current.notAfter) - Date.parse(orderBefore.current.notBefore)),
      ).toBeLessThan(2 / 3);

      // At a reference time 10 days ago nothing was due yet: the run scans both and renews none.
      const earlier = await rotationAt(new Date(Date.now() - 10 * DAY_MS));
      expect(earlier.status).toBe('SUCCEEDED');
      expect(earlier.output).toMatchObject({ scanned: 2, due: 0, renewed: 0, failed: 0 });
      expect(await renewalsOf(env, earlier.output)).toEqual([]);
      expect((await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.catalog'))!.current).toEqual(
        old.current,
      );

      // Today's scheduled run renews shop.catalog only.
      const today = await scheduledRun();
      expect(today.status).toBe('SUCCEEDED');
      expect(today.output).toMatchObject({ scanned: 2, due: 1, renewed: 1, current: 0, failed: 0, failures: [] });
      const renewals = await renewalsOf(env, today.output);
      expect(renewals).toHaveLength(1);
      expect(renewals[0]).toMatchObject({ domain: 'shop.catalog', status: 'RENEWED', generation: 2 });

      // Promoted: current.json names the new certificate, a different serial and key, valid from now.
      const renewed = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.catalog'))!;
      expect(renewed.current.serial).not.toBe(old.current.serial);
      expect(renewed.current.serial).toBe(renewals[0]!.serial);
      expect(renewed.current.generation).toBe(2);
      expect(renewed.keyPem).not.toBe(old.keyPem);
      const newCert = certificateOf(renewed.certPem);
      expect(newCert.subject).toBe('CN=shop.catalog');
      expect(Date.parse(newCert.validFrom)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(newCert.validTo)).toBeGreaterThan(Date.parse(old.current.notAfter));
      expect(newCert.checkPrivateKey(createPrivateKey(renewed.keyPem))).toBe(true);

      // The old certificate's files are all still there, unchanged, and it is valid until it expires.
      const oldKeys = certificateKeys('shop.catalog', old.current.serial);
      expect(await getText(env.clients.s3, env.resources.certBucket, oldKeys.cert)).toBe(old.certPem);
      expect(await getText(env.clients.s3, env.resources.certBucket, oldKeys.key)).toBe(old.keyPem);
      expect(await getText(env.clients.s3, env.resources.certBucket, oldKeys.chain)).toBe(old.chainPem);
      const oldCert = certificateOf(old.certPem);
      expect(Date.parse(oldCert.validTo)).toBeGreaterThan(Date.now());
      const ca = certificateOf(renewed.chainPem);
      expect(oldCert.verify(ca.publicKey)).toBe(true);
      expect(newCert.verify(ca.publicKey)).toBe(true);

      // shop.order was not due and is untouched.
      expect((await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.order'))!.current).toEqual(
        orderBefore.current,
      );

      // The broker accepts the new certificate, and still the old one.
      const withNew = await e2e.mtls('shop.catalog');
      const withOld = await e2e.mtls('shop.catalog', old);
      const { wrong } = await probeMismatches([
        probe(withNew, 'shop.catalog._private.price-changes', 'WRITE', true),
        probe(withOld, 'shop.catalog._public.products', 'WRITE', true),
        probe(withNew, 'shop.catalog._public.products', 'READ', true),
      ]);
      expect(wrong).toEqual([]);

      // Renewed once: the next daily run finds nothing due.
      const again = await scheduledRun();
      expect(again.status).toBe('SUCCEEDED');
      expect(again.output).toMatchObject({ scanned: 2, due: 0, renewed: 0 });
      expect((await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.catalog'))!.current).toEqual(
        renewed.current,
      );
      expect(
        (await listBucket(env, env.resources.certBucket, 'certificates/shop.catalog/')).filter((k) =>
          k.endsWith('/cert.pem'),
        ),
      ).toHaveLength(2);

      // A provision run of the domain now finds the renewed certificate current and issues nothing.
      const reprovisioned = await e2e.provision('specs/shop.catalog.yaml', exampleText('shop.catalog'));
      expect(reprovisioned.report).toMatchObject({
        status: 'PROVISIONED',
        credentials: { mtls: { status: 'CURRENT', serial: renewed.current.serial, generation: 2 } },
      });

      await e2e.settled();
      expect(e2e.events.filter((e) => e['detail-type'] === 'Certificate Renewal Failed')).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'leaves no password and no private key in the rotation histories, reports, events or logs',
    async () => {
      const env = e2e.env;
      const { needles, surfaces, hits } = await e2e.scanForSecrets();
      // one private key per issued certificate: at least the two the beforeAll issued
      expect(needles.filter((n) => n.what.includes('(body)')).length).toBeGreaterThanOrEqual(2);
      const keyPem = (await readMtlsCredentials(env.clients.s3, env.resources.certBucket, 'shop.catalog'))!.keyPem;
      expect(findNeedles({ control: keyPem }, needles).length).toBeGreaterThan(1);

      expect(Object.keys(surfaces).filter((p) => p.startsWith('history of ')).length).toBeGreaterThanOrEqual(2);
      expect(surfaces['captured stdout/stderr/console']).toContain('"message":"certificate stored"');
      expect(hits).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
