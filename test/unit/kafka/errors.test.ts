// Classification by the innermost error: kafkajs's wrappers (KafkaJSNonRetriableError,
// KafkaJSNumberOfRetriesExceeded, KafkaJSAggregateError) say nothing about the failure. Built with
// kafkajs's own classes and error table; the real broker's errors are in
// test/integration/kafka/errors.test.ts.
import { describe, expect, it } from '@jest/globals';
import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import { KafkaJSAggregateError, KafkaJSProtocolError } from 'kafkajs/src/errors.js';
import kafkajs from 'kafkajs';
import { classifyKafkaError, KafkaWaitTimeout, kafkaFailures } from '../../../lib/kafka/errors.js';

const { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError, KafkaJSConnectionError } =
  kafkajs as unknown as Record<string, new (e: unknown, o?: unknown) => Error>;

const protocol = (code: number, topic?: string, brokerMessage?: string) =>
  Object.assign(new KafkaJSProtocolError(createErrorFromCode(code)), {
    ...(topic ? { topic } : {}),
    ...(brokerMessage ? { brokerMessage } : {}),
  });

describe('classifyKafkaError', () => {
  it('a permanent failure wrapped in KafkaJSNonRetriableError is terminal (the defect it replaces)', () => {
    const agg = new KafkaJSAggregateError('Topic creation errors', [
      protocol(40, 'a.b', 'Invalid value shred for configuration cleanup.policy'),
    ]);
    const wrapped = new KafkaJSNonRetriableError!(agg, { cause: agg });
    const e = classifyKafkaError(wrapped, {
      operation: 'CreateTopics',
      topics: new Map([['a.b', { configs: { 'cleanup.policy': 'shred', 'retention.ms': '1' } }]]),
    });
    expect([e.name, e.message]).toEqual([
      'KafkaRefused',
      'CreateTopics: topic a.b: INVALID_CONFIG (40) on cleanup.policy=shred: Invalid value shred for configuration cleanup.policy',
    ]);
  });

  it.each([
    [29, 'KafkaRefused'], // TOPIC_AUTHORIZATION_FAILED
    [31, 'KafkaRefused'], // CLUSTER_AUTHORIZATION_FAILED
    [44, 'KafkaRefused'], // POLICY_VIOLATION
    [37, 'KafkaRefused'], // INVALID_PARTITIONS
    [42, 'KafkaRefused'], // INVALID_REQUEST
    [41, 'KafkaTransient'], // NOT_CONTROLLER: the controller moved
    [6, 'KafkaTransient'], // NOT_LEADER_OR_FOLLOWER
    [5, 'KafkaTransient'], // LEADER_NOT_AVAILABLE
    [7, 'KafkaTransient'], // REQUEST_TIMED_OUT
  ])('Kafka error code %i → %s, also inside the wrappers', (code, name) => {
    expect(classifyKafkaError(protocol(code)).name).toBe(name);
    const p = protocol(code);
    expect(classifyKafkaError(new KafkaJSNumberOfRetriesExceeded!(p, { retryCount: 5, retryTime: 100 })).name).toBe(
      name,
    );
  });

  it('connection and request timeouts, and the wait-loop timeout, are transient', () => {
    const timeout = new KafkaJSRequestTimeoutError!('Request createTopics(key: 19, version: 3) timed out', {});
    expect(classifyKafkaError(new KafkaJSNumberOfRetriesExceeded!(timeout, { retryCount: 0, retryTime: 1 })).name).toBe(
      'KafkaTransient',
    );
    expect(
      classifyKafkaError(new KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 10.0.0.1:9098')).name,
    ).toBe('KafkaTransient');
    const wait = classifyKafkaError(new KafkaWaitTimeout('topics a.b'));
    expect([wait.name, wait.message]).toEqual([
      'KafkaTransient',
      'KafkaWaitTimeout: the broker did not show topics a.b in time',
    ]);
  });

  it('one terminal failure in an aggregate makes it terminal; all transient stays transient', () => {
    expect(classifyKafkaError(new KafkaJSAggregateError('x', [protocol(41, 'a'), protocol(40, 'b')])).name).toBe(
      'KafkaRefused',
    );
    expect(classifyKafkaError(new KafkaJSAggregateError('x', [protocol(41, 'a'), protocol(6, 'b')])).name).toBe(
      'KafkaTransient',
    );
    expect(kafkaFailures(new KafkaJSAggregateError('x', [protocol(37, 'a', 'too many')]))).toEqual([
      {
        error: 'KafkaJSProtocolError',
        type: 'INVALID_PARTITIONS',
        code: 37,
        topic: 'a',
        message: 'too many',
        transient: false,
      },
    ]);
  });

  it('an unknown plain error is terminal', () => {
    expect(classifyKafkaError(new Error('something odd')).name).toBe('KafkaRefused');
  });
});

describe('DescribeConfigs errors (lib/kafka/read.ts) carry Kafka code and name', () => {
  it('a per-resource error is classified by its code', async () => {
    const { readDynamicConfigs } = await import('../../../lib/kafka/read.js');
    const admin = (code: number) =>
      ({
        describeConfigs: async () => ({
          resources: [{ resourceName: 'a.b', errorCode: code, errorMessage: 'broker says so', configEntries: [] }],
        }),
      }) as never;
    const transient = await readDynamicConfigs(admin(3), ['a.b']).catch((e: unknown) => classifyKafkaError(e));
    expect([(transient as Error).name, (transient as Error).message]).toEqual([
      'KafkaTransient',
      'topic a.b: UNKNOWN_TOPIC_OR_PARTITION (3): broker says so',
    ]);
    const refused = await readDynamicConfigs(admin(29), ['a.b']).catch((e: unknown) => classifyKafkaError(e));
    expect((refused as Error).name).toBe('KafkaRefused');
  });
});
