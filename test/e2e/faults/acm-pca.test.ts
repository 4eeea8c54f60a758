// Fault matrix, AWS Private CA (issue 13): each fault ends in the state the spec describes, the
// operator sees it in the report and the event, a following run is a zero plan, and nothing is
// orphaned. Retry waits are skipped (retryIntervalMs 0) but still pass on the fault injector's
// clock, so "30 s" below is 30 s of the workflow's time (local/aws/faults.ts).
import { listBucket, specText, useE2eEnvironment } from '../../support/e2e.js';
import {
  errorsOf,
  eventOf,
  expectZeroPlanAndNoOrphans,
  rerun,
  withFaults,
  expectCleanAfterFaults,
} from '../../support/faults.js';

// Every GetCertificate answer comes from the faults below, not from the emulator's own readiness.
const e2e = useE2eEnvironment({ pcaReadyAfterPolls: 0 });
const TIMEOUT = 240_000;

const spec = (domain: string) => specText(`urn:${domain.replace(/\./g, ':')}`, [{ name: '_private.work' }]);
const certificatesOf = async (domain: string) =>
  (await listBucket(e2e.env, e2e.env.resources.certBucket, `certificates/${domain}/`)).filter((k) =>
    k.endsWith('/cert.pem'),
  );

describe('fault matrix: ACM PCA', () => {
  it(
    'RequestInProgressException for 30 simulated seconds: CollectCertificate polls through it and the run succeeds',
    async () => {
      const domain = 'faults.pca-signing';
      const { execution, report } = await withFaults(
        e2e,
        [
          {
            service: 'acm-pca',
            operation: 'GetCertificate',
            durationMs: 30_000,
            fromFirstMatch: true,
            error: { code: 'RequestInProgressException', message: 'Your request is already in progress.' },
          },
        ],
        () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      expect(eventOf(e2e, execution.executionArn)?.['detail-type']).toBe('Spec Provisioned');
      // The ASL's waits 1, 1.5, 2.25, 3.4, 5.1, 7.6 (20.8 s) are not yet 30 s; the 7th retry (32.2 s) is.
      // (The wall time the polls themselves take counts too: 6 would mean they took over 9 s.)
      const polls = (await errorsOf(e2e, execution.executionArn)).filter((e) => e === 'RequestInProgressException');
      expect(polls.length).toBeGreaterThanOrEqual(6);
      expect(polls.length).toBeLessThanOrEqual(7);
      expect(await certificatesOf(domain)).toHaveLength(1);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'RequestInProgressException past the retry budget (12 polls over 257 s): FAILED, and the next run collects the same certificate',
    async () => {
      const domain = 'faults.pca-slow';
      const issuedBefore = e2e.env.pca.issuedCount;
      const failed = await withFaults(
        e2e,
        [
          {
            service: 'acm-pca',
            operation: 'GetCertificate',
            durationMs: 600_000,
            error: { code: 'RequestInProgressException', message: 'Your request is already in progress.' },
          },
        ],
        () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
      );
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: 'RequestInProgressException' } });
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { status: 'FAILED', domain, error: { name: 'RequestInProgressException' } },
      });
      // 1 attempt + MaxAttempts 12.
      expect(
        (await errorsOf(e2e, failed.execution.executionArn)).filter((e) => e === 'RequestInProgressException'),
      ).toHaveLength(13);
      expect(await certificatesOf(domain)).toEqual([]);

      // The next run asks again with the same idempotency token (same domain and generation): PCA
      // answers the same certificate, so one issuance serves both runs.
      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      expect(e2e.env.pca.issuedCount - issuedBefore).toBe(1);
      expect(await certificatesOf(domain)).toHaveLength(1);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'ThrottlingException bursts on IssueCertificate: the SDK and then the state machine retry; one certificate',
    async () => {
      const domain = 'faults.pca-throttled';
      const issuedBefore = e2e.env.pca.issuedCount;
      // More than the SDK's 3 attempts in one invocation, twice over: the ASL Retry must run.
      const { execution, report } = await withFaults(
        e2e,
        [{ service: 'acm-pca', operation: 'IssueCertificate', times: 7, error: { code: 'ThrottlingException' } }],
        () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      expect((await errorsOf(e2e, execution.executionArn)).filter((e) => e === 'ThrottlingException')).toHaveLength(2);
      expect(e2e.env.pca.issuedCount - issuedBefore).toBe(1);
      expect(await certificatesOf(domain)).toHaveLength(1);
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it.each([
    ['LimitExceededException', 'An ACM Private CA quota has been exceeded.'],
    ['InvalidStateException', 'The certificate authority is not in the ACTIVE state.'],
  ])(
    '%s on IssueCertificate (a quota, the CA not ACTIVE) is not retried: FAILED report and event; after the fix the next run converges',
    async (code, message) => {
      const domain = `faults.pca-${code.replace(/Exception$/, '').toLowerCase()}`;
      const failed = await withFaults(
        e2e,
        [{ service: 'acm-pca', operation: 'IssueCertificate', error: { code, message } }],
        () => e2e.provision(`specs/${domain}.yaml`, spec(domain)),
      );
      expect(failed.execution.status).toBe('FAILED');
      expect(failed.report).toMatchObject({ status: 'FAILED', domain, error: { name: code } });
      expect(failed.report!.error!.cause).toContain(message);
      expect(eventOf(e2e, failed.execution.executionArn)).toMatchObject({
        'detail-type': 'Spec Provisioning Failed',
        detail: { status: 'FAILED', domain, error: { name: code } },
      });
      expect((await errorsOf(e2e, failed.execution.executionArn)).filter((e) => e === code)).toHaveLength(1);
      expect(await certificatesOf(domain)).toEqual([]);

      const recovered = await rerun(e2e, domain);
      expect(recovered.report).toMatchObject({ status: 'PROVISIONED', credentials: { mtls: { status: 'ISSUED' } } });
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'at a PCA rate of 1 IssueCertificate per second a rotation run stays within it and renews every due domain, one issuance each',
    async () => {
      const env = e2e.env;
      for (const d of ['faults.pca-rate1', 'faults.pca-rate2'])
        expect((await e2e.provision(`specs/${d}.yaml`, spec(d))).report).toMatchObject({ status: 'PROVISIONED' });
      // Every domain this file gave a certificate (these two, and each test's above).
      const domains = (await listBucket(env, env.resources.certBucket, 'certificates/'))
        .map((k) => /^certificates\/([^_/][^/]*)\/current\.json$/.exec(k)?.[1])
        .filter((d): d is string => d !== undefined);
      expect(domains.length).toBeGreaterThanOrEqual(2);
      // One IssueCertificate a second: the renewal Map's children (40 at a time) may ask for several at once;
      // what goes over is throttled and retried. (The rate counts on the fault injector's clock, which every
      // skipped Retry wait advances, so how many are throttled here depends on timing; the 2,000-domain run,
      // bench/rotation-scale.ts, shows the throttles at the real rate and real waits.)
      const before = env.pca.requestRateStats().IssueCertificate;
      env.pca.setRequestRate('IssueCertificate', 1);
      try {
        const run = await e2e.run('rotateCertificates', { time: new Date(Date.now() + 25 * 86_400_000).toISOString() });
        expect(run.status).toBe('SUCCEEDED');
        expect(run.output).toMatchObject({ due: domains.length, renewed: domains.length, failed: 0 });
        const rate = env.pca.requestRateStats().IssueCertificate;
        expect(rate).toMatchObject({ rate: 1, accepted: domains.length, peakPerSecond: 1 });
        expect(before.peakPerSecond).toBeLessThanOrEqual(25);
      } finally {
        env.pca.setRequestRate('IssueCertificate', 25);
      }
      for (const d of domains) expect(await certificatesOf(d)).toHaveLength(2);
    },
    TIMEOUT,
  );

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
