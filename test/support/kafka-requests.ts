// One real Kafka request per access question, so the broker's StandardAuthorizer answers exactly
// the (principal, operation, resource) being asked, with no client-side metadata or retries in the
// way. Sent with @platformatic/kafka's raw protocol APIs over an authenticated connection.
//
//   TOPIC DESCRIBE          Metadata                               29 when denied
//   TOPIC WRITE             Produce (acks=1, not idempotent)       29
//   TOPIC READ              OffsetCommit as a simple consumer      30 if the GROUP is denied, else 29
//   TOPIC DELETE            DeleteRecords up to offset 0 (no-op)   29
//   TOPIC ALTER             CreatePartitions, validateOnly         29
//   TOPIC DESCRIBE_CONFIGS  DescribeConfigs                        29
//   TOPIC ALTER_CONFIGS     IncrementalAlterConfigs, validateOnly  29
//   TOPIC CREATE            CreateTopics, validateOnly             29; allowed by CLUSTER CREATE *or* TOPIC CREATE
//   GROUP READ              JoinGroup (first round)                30
//   GROUP DESCRIBE          DescribeGroups                         30
//   GROUP DELETE            DeleteGroups                           30
//   TRANSACTIONAL_ID WRITE  InitProducerId with the id             53
//   TRANSACTIONAL_ID DESCRIBE FindCoordinator (transaction)        53
//   CLUSTER DESCRIBE        DescribeAcls                           31
//   CLUSTER ALTER           DeleteAcls matching nothing            31
//   CLUSTER DESCRIBE_CONFIGS DescribeConfigs of the broker         31
//   CLUSTER ALTER_CONFIGS   IncrementalAlterConfigs of the broker, validateOnly   31
//   CLUSTER IDEMPOTENT_WRITE InitProducerId without id             31; allowed by IDEMPOTENT_WRITE *or* WRITE on any topic (KIP-679)
import {
  Connection,
  createPartitionsV3,
  createTopicsV7,
  deleteAclsV3,
  deleteGroupsV2,
  deleteRecordsV2,
  describeAclsV3,
  describeConfigsV4,
  describeGroupsV5,
  findCoordinatorV6,
  incrementalAlterConfigsV1,
  initProducerIdV5,
  joinGroupV9,
  metadataV12,
  offsetCommitV8,
  produceV9,
} from '@platformatic/kafka';
import type { AccessRequest, Operation, ResourceType } from '../../lib/access/types.js';
import type { KafkaBroker } from '../../local/kafka/broker.js';

export const AUTHORIZATION_CODES: Readonly<Record<number, string>> = {
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
};
// Kafka authorizes a request before routing it to a coordinator or leader, so any other error
// (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, MEMBER_ID_REQUIRED, GROUP_ID_NOT_FOUND...) means the
// authorizer said yes. (Kafka 4.1 answers DeleteGroups for an unknown group with NOT_COORDINATOR,
// retried forever by clients that treat it as transient.)

export type Decide = (req: AccessRequest) => boolean;

export interface KafkaCheck {
  /** The access this call asks about. */
  readonly request: AccessRequest;
  readonly api: string;
  readonly run: (c: Connection) => Promise<unknown>;
  /** What the broker should answer, given an authorizer for single requests (composite rules above). */
  readonly expected: (allowed: Decide) => boolean;
}

export interface CheckOutcome {
  readonly allowed: boolean;
  /** Kafka error codes in the response (0 entries when everything succeeded). */
  readonly codes: readonly number[];
}

/** A SCRAM connection to the broker as `username`. */
export async function scramConnection(broker: KafkaBroker, username: string, password: string): Promise<Connection> {
  const [host, port] = broker.listeners.scram.split(':') as [string, string];
  const c = new Connection(`probe-${username}`, {
    tls: { ca: [broker.serverCaPem] },
    sasl: { mechanism: 'SCRAM-SHA-512', username, password },
    connectTimeout: 5000,
    requestTimeout: 30_000,
  });
  await c.connect(host, Number(port));
  return c;
}

/** An mTLS connection to the broker with this client certificate (principal = its subject DN). */
export async function mtlsConnection(broker: KafkaBroker, certPem: string, keyPem: string): Promise<Connection> {
  const [host, port] = broker.listeners.mtls.split(':') as [string, string];
  const c = new Connection('probe-mtls', {
    tls: { ca: [broker.serverCaPem], cert: certPem, key: keyPem },
    connectTimeout: 5000,
    requestTimeout: 30_000,
  });
  await c.connect(host, Number(port));
  return c;
}

function codesOf(e: unknown): number[] | undefined {
  const errors = (e as { errors?: { apiCode?: unknown }[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const codes = errors.map((x) => x.apiCode);
  return codes.every((c): c is number => typeof c === 'number') ? codes : undefined;
}

/** Runs one check; allowed unless the response carries an authorization error code. */
export async function runCheck(c: Connection, check: KafkaCheck): Promise<CheckOutcome> {
  let codes: number[];
  try {
    await check.run(c);
    codes = [];
  } catch (e) {
    const found = codesOf(e);
    if (!found) throw e;
    codes = found;
  }
  return { allowed: !codes.some((x) => x in AUTHORIZATION_CODES), codes };
}

const req = (
  principal: string,
  resourceType: ResourceType,
  resourceName: string,
  operation: Operation,
): AccessRequest => ({
  principal,
  host: '127.0.0.1',
  resourceType,
  resourceName,
  operation,
});

const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;
const KEY_TRANSACTION = 1;
const SET = 0;

export interface CheckContext {
  /** A group the principal may READ, used for the OffsetCommit behind TOPIC READ. */
  readonly probeGroup: string;
  /** The broker's node id, for BROKER config resources. */
  readonly brokerId?: string;
}

/**
 * The check for `operation` on an existing resource (or, for TOPIC CREATE, a topic that does not
 * exist yet). Undefined when no single request isolates that operation (CLUSTER_ACTION, ALL).
 */
export function checkFor(
  principal: string,
  resourceType: ResourceType,
  resourceName: string,
  operation: Operation,
  ctx: CheckContext,
): KafkaCheck | undefined {
  const r = req(principal, resourceType, resourceName, operation);
  const single = (api: string, run: KafkaCheck['run']): KafkaCheck => ({
    request: r,
    api,
    run,
    expected: (allowed) => allowed(r),
  });
  const brokerId = ctx.brokerId ?? '1';
  switch (`${resourceType} ${operation}`) {
    case 'TOPIC DESCRIBE':
      return single('Metadata', (c) => metadataV12.api.async(c, [resourceName], false, false));
    case 'TOPIC WRITE':
      return single('Produce', (c) =>
        produceV9.api.async(c, 1, 5000, [{ topic: resourceName, partition: 0, value: Buffer.from('model-check') }], {
          producerId: -1n,
          producerEpoch: -1,
        }),
      );
    case 'TOPIC READ':
      return {
        request: r,
        api: 'OffsetCommit',
        run: (c) =>
          offsetCommitV8.api.async(c, ctx.probeGroup, -1, '', null, [
            {
              name: resourceName,
              partitions: [
                { partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null },
              ],
            },
          ]),
        expected: (allowed) => allowed(req(principal, 'GROUP', ctx.probeGroup, 'READ')) && allowed(r),
      };
    case 'TOPIC DELETE':
      return single('DeleteRecords', (c) =>
        deleteRecordsV2.api.async(c, [{ name: resourceName, partitions: [{ partitionIndex: 0, offset: 0n }] }], 5000),
      );
    case 'TOPIC ALTER':
      return single('CreatePartitions(validateOnly)', (c) =>
        createPartitionsV3.api.async(c, [{ name: resourceName, count: 2, assignments: null }], 5000, true),
      );
    case 'TOPIC DESCRIBE_CONFIGS':
      return single('DescribeConfigs', (c) =>
        describeConfigsV4.api.async(
          c,
          [{ resourceType: CONFIG_TOPIC, resourceName, configurationKeys: null }],
          false,
          false,
        ),
      );
    case 'TOPIC ALTER_CONFIGS':
      return single('IncrementalAlterConfigs(validateOnly)', (c) =>
        incrementalAlterConfigsV1.api.async(
          c,
          [
            {
              resourceType: CONFIG_TOPIC,
              resourceName,
              configs: [{ name: 'retention.ms', configOperation: SET, value: '86400000' }],
            },
          ],
          true,
        ),
      );
    case 'TOPIC CREATE':
      return {
        request: r,
        api: 'CreateTopics(validateOnly)',
        run: (c) =>
          createTopicsV7.api.async(
            c,
            [{ name: resourceName, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
            5000,
            true,
          ),
        expected: (allowed) => allowed(req(principal, 'CLUSTER', 'kafka-cluster', 'CREATE')) || allowed(r),
      };
    case 'GROUP READ':
      return single('JoinGroup', (c) =>
        joinGroupV9.api.async(
          c,
          resourceName,
          10_000,
          10_000,
          '',
          null,
          'consumer',
          [{ name: 'range', metadata: Buffer.alloc(0) }],
          null,
        ),
      );
    case 'GROUP DESCRIBE':
      return single('DescribeGroups', (c) => describeGroupsV5.api.async(c, [resourceName], false));
    case 'GROUP DELETE':
      return single('DeleteGroups', (c) => deleteGroupsV2.api.async(c, [resourceName]));
    case 'TRANSACTIONAL_ID WRITE':
      return single('InitProducerId(transactional)', (c) =>
        initProducerIdV5.api.async(c, resourceName, 60_000, -1n, -1),
      );
    case 'TRANSACTIONAL_ID DESCRIBE':
      return single('FindCoordinator(transaction)', (c) =>
        findCoordinatorV6.api.async(c, KEY_TRANSACTION, [resourceName]),
      );
    case 'CLUSTER DESCRIBE':
      return single('DescribeAcls', (c) =>
        describeAclsV3.api.async(c, {
          resourceType: 1,
          resourceName: null,
          resourcePatternType: 1,
          principal: 'User:nobody.at.all',
          host: null,
          operation: 1,
          permissionType: 1,
        }),
      );
    case 'CLUSTER ALTER':
      return single('DeleteAcls(matching nothing)', (c) =>
        deleteAclsV3.api.async(c, [
          {
            resourceType: 2,
            resourceName: 'no.such.topic',
            resourcePatternType: 3,
            principal: 'User:nobody.at.all',
            host: '*',
            operation: 3,
            permissionType: 3,
          },
        ]),
      );
    case 'CLUSTER DESCRIBE_CONFIGS':
      return single('DescribeConfigs(broker)', (c) =>
        describeConfigsV4.api.async(
          c,
          [{ resourceType: CONFIG_BROKER, resourceName: brokerId, configurationKeys: ['log.retention.ms'] }],
          false,
          false,
        ),
      );
    case 'CLUSTER ALTER_CONFIGS':
      return single('IncrementalAlterConfigs(broker, validateOnly)', (c) =>
        incrementalAlterConfigsV1.api.async(
          c,
          [
            {
              resourceType: CONFIG_BROKER,
              resourceName: brokerId,
              configs: [{ name: 'log.cleaner.threads', configOperation: SET, value: '1' }],
            },
          ],
          true,
        ),
      );
    case 'CLUSTER IDEMPOTENT_WRITE':
      // Composite by KIP-679 (IDEMPOTENT_WRITE, or WRITE on any topic): callers decide the expectation.
      return single('InitProducerId(idempotent)', (c) => initProducerIdV5.api.async(c, null, 60_000, -1n, -1));
    default:
      return undefined;
  }
}
