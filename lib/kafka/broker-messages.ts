// Keeps the broker's own error message on CreateTopics and CreatePartitions failures.
//
// Kafka answers each topic of these requests with error_code AND error_message (CreateTopicsResponse
// v1+, CreatePartitionsResponse v0+; clients/src/main/resources/common/message/
// CreateTopicsResponse.json, CreatePartitionsResponse.json). kafkajs 2.2.4 decodes both but throws
// only the code's generic text ("Configuration is invalid"), and CreatePartitions throws the first
// topic's code alone, without the topic. The message is what says which setting and value Kafka
// refused ("Invalid value shred for configuration cleanup.policy: String must be one of: compact,
// delete"), so the response parsers are replaced here, once, by ones that keep it: every failed
// topic becomes a KafkaJSProtocolError with `topic` and `brokerMessage`, inside a
// KafkaJSAggregateError as kafkajs's own CreateTopics parser does. Kafka 4 brokers speak
// CreateTopics v2+ (KIP-896 removed v0-v1), and kafkajs' v3 parser is v2's, v2's is v1's.
import { createErrorFromCode, failure } from 'kafkajs/src/protocol/error.js';
import { KafkaJSAggregateError, KafkaJSProtocolError } from 'kafkajs/src/errors.js';
import createTopicsV2 from 'kafkajs/src/protocol/requests/createTopics/v2/response.js';
import createTopicsV3 from 'kafkajs/src/protocol/requests/createTopics/v3/response.js';
import createPartitionsV0 from 'kafkajs/src/protocol/requests/createPartitions/v0/response.js';
import createPartitionsV1 from 'kafkajs/src/protocol/requests/createPartitions/v1/response.js';

interface TopicError {
  readonly topic: string;
  readonly errorCode: number;
  readonly errorMessage?: string | null;
}

/** A protocol error for one topic, carrying the broker's message. */
export interface TopicProtocolError extends Error {
  readonly type: string;
  readonly code: number;
  readonly retriable: boolean;
  readonly topic: string;
  readonly brokerMessage?: string;
}

function parser(what: string) {
  return async (data: unknown): Promise<unknown> => {
    const failed = ((data as { topicErrors?: TopicError[] }).topicErrors ?? []).filter((t) => failure(t.errorCode));
    if (failed.length === 0) return data;
    throw new KafkaJSAggregateError(
      what,
      failed.map((t) => {
        const e = new KafkaJSProtocolError(createErrorFromCode(t.errorCode)) as unknown as Record<string, unknown>;
        e['topic'] = t.topic;
        if (t.errorMessage) e['brokerMessage'] = t.errorMessage;
        return e as unknown as Error;
      }),
    );
  };
}

let installed = false;
export function keepBrokerMessages(): void {
  if (installed) return;
  installed = true;
  createTopicsV2.parse = parser('Topic creation errors');
  createTopicsV3.parse = parser('Topic creation errors');
  createPartitionsV0.parse = parser('Partition creation errors');
  createPartitionsV1.parse = parser('Partition creation errors');
}
