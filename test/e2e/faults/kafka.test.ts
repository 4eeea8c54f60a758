// Fault matrix, Kafka with the real broker (issue 13): ACLs changed out of band between the plan and
// the apply, the broker restarted between the plan's read and the apply, the broker down for 20 s
// during ApplyTopicsAndAcls, and a controller-moved answer (NOT_CONTROLLER) to the apply's
// CreateTopics and CreateAcls, injected by a protocol proxy in front of the broker (the local
// cluster has one node, so the broker never gives it). Each: the outcome, the report and the event,
// a zero plan after, no orphans (the broker's ACLs are exactly the desired set).
import { desiredBindings } from '../../../lib/access/bindings.js';
import type { AclBinding } from '../../../lib/access/types.js';
import { DEFAULT_CONFIG } from '../../../lib/config.js';
import { exactFilter, toKafkaJsAcl } from '../../../lib/kafka/index.js';
import { API_KEYS, ERROR_CODES, startKafkaFaultProxy, type KafkaFaultProxy } from '../../../local/kafka/proxy.js';
import { brokerAcls, executionHistory, mustParse, sortedKeys, specText, useE2eEnvironment } from '../../support/e2e.js';
import {
  errorsOf,
  eventOf,
  expectZeroPlanAndNoOrphans,
  withFaults,
  expectCleanAfterFaults,
} from '../../support/faults.js';

const e2e = useE2eEnvironment();
const TIMEOUT = 240_000;

const applyFunction = () => e2e.env.lambda.functionNames().find((n) => n.endsWith('-applyTopicsAndAcls'))!;

describe('fault matrix: Kafka (real broker)', () => {
  it(
    'ACLs changed out of band between the plan and the apply: the apply re-plans, heals both, and says it differed',
    async () => {
      const env = e2e.env;
      const domain = 'faults.kafka-oob';
      const v1 = specText('urn:faults:kafka-oob', [{ name: '_private.work' }, { name: '_public.news' }]);
      expect((await e2e.provision(`specs/${domain}.yaml`, v1)).report).toMatchObject({ status: 'PROVISIONED' });
      const v2 = specText(
        'urn:faults:kafka-oob',
        [{ name: '_private.work' }, { name: '_public.news' }, { name: '_public.more' }],
        '2.0.0',
      );
      const desired = desiredBindings([mustParse(v2)], DEFAULT_CONFIG);
      const current = await brokerAcls(env, e2e.admin);
      const removed = current.find((b) => b.principal === `User:${domain}`)!;
      // In the managed scope (a principal of the domain), but in no spec.
      const stray: AclBinding = { ...removed, operation: 'ALTER' };
      const { execution, report } = await withFaults(
        e2e,
        [
          {
            service: 'lambda',
            operation: applyFunction(),
            times: 1,
            run: async () => {
              await e2e.admin.deleteAcls({ filters: [exactFilter(removed)] });
              await e2e.admin.createAcls({ acl: [toKafkaJsAcl(stray)] });
            },
          },
        ],
        () => e2e.provision(`specs/${domain}.yaml`, v2),
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({
        status: 'PROVISIONED',
        applied: { changed: true, differsFromCheckedPlan: expect.anything() },
      });
      expect((report!.applied as { differsFromCheckedPlan: unknown }).differsFromCheckedPlan).not.toBe(false);
      expect(eventOf(e2e, execution.executionArn)?.['detail-type']).toBe('Spec Provisioned');
      expect(sortedKeys((await brokerAcls(env, e2e.admin)).filter((b) => b.principal.includes(domain)))).toEqual(
        sortedKeys(desired.filter((b) => b.principal.includes(domain))),
      );
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  it(
    'the broker restarted between the read of the cluster state (PlanAgainstCluster) and CreateAcls (ApplyTopicsAndAcls): applied on the new connection',
    async () => {
      const env = e2e.env;
      const domain = 'faults.kafka-restart';
      const pidBefore = env.kafka.pid;
      const { execution, report } = await withFaults(
        e2e,
        [{ service: 'lambda', operation: applyFunction(), times: 1, run: () => env.kafka.restart() }],
        () => e2e.provision(`specs/${domain}.yaml`, specText('urn:faults:kafka-restart', [{ name: '_private.work' }])),
      );
      expect(env.kafka.pid).not.toBe(pidBefore);
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', applied: { changed: true, topicsCreated: 1 } });
      expect(eventOf(e2e, execution.executionArn)?.['detail-type']).toBe('Spec Provisioned');
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  // The one test with real waits: the broker is down for 20 s of wall time (then takes its start-up
  // time), and the ASL's own KafkaTransient budget (5 s, x2, 4 retries: 75 s) must carry the apply over it.
  it(
    'the broker down for 20 s during ApplyTopicsAndAcls: KafkaTransient, retried at the ASL intervals, then applied',
    async () => {
      const env = e2e.env;
      const domain = 'faults.kafka-down';
      let outage: Promise<void> | undefined;
      env.sfn.setTimeOverrides({ retryIntervalMs: undefined });
      try {
        const { execution, report } = await withFaults(
          e2e,
          [
            {
              service: 'lambda',
              operation: applyFunction(),
              times: 1,
              // The apply starts once the broker has stopped (not before: a fast apply would
              // otherwise finish ahead of the shutdown), and the outage runs on without it.
              run: () =>
                new Promise<void>((stopped) => {
                  outage = env.kafka.restart({ downMs: 20_000, onStopped: stopped });
                }),
            },
          ],
          () => e2e.provision(`specs/${domain}.yaml`, specText('urn:faults:kafka-down', [{ name: '_private.work' }])),
        );
        expect(execution.status).toBe('SUCCEEDED');
        expect(report).toMatchObject({ status: 'PROVISIONED', applied: { changed: true, topicsCreated: 1 } });
        expect(eventOf(e2e, execution.executionArn)?.['detail-type']).toBe('Spec Provisioned');
        expect(await errorsOf(e2e, execution.executionArn)).toContain('KafkaTransient');
      } finally {
        await outage;
        env.sfn.setTimeOverrides({ retryIntervalMs: 0 });
      }
      await expectZeroPlanAndNoOrphans(e2e, domain);
    },
    TIMEOUT,
  );

  // The pipeline's admin (PlanAgainstCluster, ApplyTopicsAndAcls) reaches the broker through the
  // fault proxy: the emulated MSK hands out the proxy as the SCRAM bootstrap string for these runs.
  describe('a controller-moved answer (NOT_CONTROLLER, 41), through a protocol proxy', () => {
    let proxy: KafkaFaultProxy;
    beforeAll(async () => {
      proxy = await startKafkaFaultProxy({
        upstream: e2e.env.kafka.listeners.scram,
        upstreamCaPem: e2e.env.kafka.serverCaPem,
        tls: await e2e.env.kafka.issueServerCertificate('CN=internal:fault-proxy'),
      });
      e2e.env.msk.routeScramBootstrap(proxy.address);
    });
    afterAll(async () => {
      e2e.env.msk.routeScramBootstrap(undefined);
      await proxy?.close();
    });

    /** The causes of the KafkaTransient failures the execution's Lambda tasks met (what its history shows an operator). */
    const transientCauses = async (executionArn: string) =>
      (await executionHistory(e2e.env, executionArn)).flatMap((h) =>
        h.type === 'LambdaFunctionFailed' && h.lambdaFunctionFailedEventDetails?.error === 'KafkaTransient'
          ? [h.lambdaFunctionFailedEventDetails.cause ?? '']
          : [],
      );
    /** The requests of `apiKey` since `from`: answered by the proxy (true) or by the broker (false). */
    const answers = (from: number, apiKey: number) =>
      proxy.requests
        .slice(from)
        .filter((r) => r.apiKey === apiKey)
        .map((r) => r.injected);

    /**
     * Provisions a new one-topic spec with NOT_CONTROLLER answered, by the proxy, to the first
     * `apiKey` request ApplyTopicsAndAcls sends (armed as the apply starts, so PlanAgainstCluster's
     * validateOnly CreateTopics is untouched). It succeeds with the topic created and the event sent;
     * resolves with the execution and, for each `apiKey` request of the run, whether the proxy
     * answered it (true) or the broker did (false).
     */
    async function provisionWithNotControllerOn(apiKey: number, domain: string) {
      const from = proxy.requests.length;
      const { execution, report } = await withFaults(
        e2e,
        [
          {
            service: 'lambda',
            operation: applyFunction(),
            times: 1,
            run: () => void proxy.inject({ apiKey, errorCode: ERROR_CODES.NOT_CONTROLLER }),
          },
        ],
        () =>
          e2e.provision(
            `specs/${domain}.yaml`,
            specText(`urn:${domain.replace('.', ':')}`, [{ name: '_private.work' }]),
          ),
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(report).toMatchObject({ status: 'PROVISIONED', applied: { changed: true, topicsCreated: 1 } });
      expect(eventOf(e2e, execution.executionArn)?.['detail-type']).toBe('Spec Provisioned');
      expect(proxy.failures).toEqual([]);
      return { execution, answered: answers(from, apiKey) };
    }

    it(
      'on the first CreateTopics of ApplyTopicsAndAcls: kafkajs bails on the per-topic error, the workflow retries KafkaTransient, then applied',
      async () => {
        const domain = 'faults.kafka-not-controller-topics';
        const { execution, answered } = await provisionWithNotControllerOn(API_KEYS.CreateTopics, domain);
        // PlanAgainstCluster's validateOnly check, the injected answer, the retried apply's.
        expect(answered).toEqual([false, true, false]);
        const transient = await transientCauses(execution.executionArn);
        expect(transient).toHaveLength(1);
        expect(transient[0]).toContain(`CreateTopics: topic ${domain}._private.work: NOT_CONTROLLER (41)`);
        await expectZeroPlanAndNoOrphans(e2e, domain);
      },
      TIMEOUT,
    );

    it(
      'on the first CreateAcls of ApplyTopicsAndAcls: kafkajs refreshes its metadata and retries by itself; no step fails',
      async () => {
        const domain = 'faults.kafka-not-controller-acls';
        const { execution, answered } = await provisionWithNotControllerOn(API_KEYS.CreateAcls, domain);
        expect(answered).toEqual([true, false]);
        expect(await errorsOf(e2e, execution.executionArn)).not.toContain('KafkaTransient');
        await expectZeroPlanAndNoOrphans(e2e, domain);
      },
      TIMEOUT,
    );

    // NOT_LEADER_OR_FOLLOWER (6) is the answer of a partition's leader-bound requests (Produce, Fetch,
    // ListOffsets, OffsetForLeaderEpoch, DeleteRecords); the admin sends none of them, so it cannot
    // meet one (docs/facts.md). This holds the claim to what the proxy saw the pipeline send.
    it(
      'the pipeline admin sends no leader-bound request, so NOT_LEADER_OR_FOLLOWER cannot reach it',
      async () => {
        const domain = 'faults.kafka-proxied';
        const from = proxy.requests.length;
        const { report } = await e2e.provision(
          `specs/${domain}.yaml`,
          specText('urn:faults:kafka-proxied', [{ name: '_private.work' }]),
        );
        expect(report).toMatchObject({ status: 'PROVISIONED', applied: { changed: true, topicsCreated: 1 } });
        const sent = new Set(proxy.requests.slice(from).map((r) => r.apiKey));
        expect([API_KEYS.CreateTopics, API_KEYS.CreateAcls].filter((k) => !sent.has(k))).toEqual([]);
        const leaderBound = [
          API_KEYS.Produce,
          API_KEYS.Fetch,
          API_KEYS.ListOffsets,
          API_KEYS.OffsetForLeaderEpoch,
          API_KEYS.DeleteRecords,
        ];
        expect(leaderBound.filter((k) => sent.has(k))).toEqual([]);
        await expectZeroPlanAndNoOrphans(e2e, domain);
      },
      TIMEOUT,
    );
  });

  it('leaves no orphans across the whole file', async () => {
    await expectCleanAfterFaults(e2e);
  }, 120_000);
});
