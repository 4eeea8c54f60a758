// The kafkajs modules lib/kafka/broker-messages.ts and lib/kafka/metadata-refresh.ts reach into (kafkajs 2.2.4
// ships no types for them).
declare module 'kafkajs/src/protocol/error.js' {
  export function createErrorFromCode(code: number): {
    type: string;
    code: number;
    retriable: boolean;
    message: string;
  };
  export function failure(code: number): boolean;
}
declare module 'kafkajs/src/errors.js' {
  export class KafkaJSProtocolError extends Error {
    constructor(e: { type: string; code: number; retriable: boolean; message: string });
    type: string;
    code: number;
    retriable: boolean;
  }
  export class KafkaJSAggregateError extends Error {
    constructor(message: string, errors: Error[]);
    errors: Error[];
  }
}
declare module 'kafkajs/src/protocol/requests/createTopics/v2/response.js' {
  const m: { parse: (data: unknown) => Promise<unknown>; decode: (raw: Buffer) => Promise<unknown> };
  export default m;
}
declare module 'kafkajs/src/protocol/requests/createTopics/v3/response.js' {
  const m: { parse: (data: unknown) => Promise<unknown>; decode: (raw: Buffer) => Promise<unknown> };
  export default m;
}
declare module 'kafkajs/src/protocol/requests/createPartitions/v0/response.js' {
  const m: { parse: (data: unknown) => Promise<unknown>; decode: (raw: Buffer) => Promise<unknown> };
  export default m;
}
declare module 'kafkajs/src/protocol/requests/createPartitions/v1/response.js' {
  const m: { parse: (data: unknown) => Promise<unknown>; decode: (raw: Buffer) => Promise<unknown> };
  export default m;
}
declare module 'kafkajs/src/cluster/brokerPool.js' {
  export default class BrokerPool {
    refreshMetadata(topics: string[]): Promise<void>;
  }
}
declare module 'kafkajs/src/protocol/encoder.js' {
  export default class Encoder {
    writeArray(array: unknown[]): Encoder;
    writeBoolean(value: boolean): Encoder;
  }
}
declare module 'kafkajs/src/protocol/requests/metadata/index.js' {
  interface MetadataArgs {
    topics: string[];
    allowAutoTopicCreation?: boolean;
  }
  interface Built {
    request: { encode: () => Promise<unknown> } & Record<string, unknown>;
    response: unknown;
  }
  const m: { protocol: (v: { version: number }) => (args: MetadataArgs) => Built };
  export default m;
}
