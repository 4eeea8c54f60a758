// One real Kafka broker per test file:
//
//   const kafka = useKafka();
//   test('...', async () => { const admin = new Kafka(kafka.broker.adminKafkaJsConfig()).admin(); ... });
//
// beforeAll starts it (the first start of a machine fetches the jars: a generous timeout), afterAll
// stops it. Test files run in separate jest workers, so each gets its own broker and ports.
import { startKafka, type KafkaBroker, type StartKafkaOptions } from '../../local/kafka/broker.js';

export interface KafkaHandle {
  /** The running broker; throws if used outside a test (before beforeAll). */
  readonly broker: KafkaBroker;
}

export const KAFKA_START_TIMEOUT_MS = 300_000;

export function useKafka(opts: StartKafkaOptions = {}): KafkaHandle {
  let broker: KafkaBroker | undefined;
  beforeAll(async () => {
    broker = await startKafka({ log: () => undefined, ...opts });
  }, KAFKA_START_TIMEOUT_MS);
  afterAll(async () => {
    await broker?.stop();
  }, 60_000);
  return {
    get broker(): KafkaBroker {
      if (!broker) throw new Error('useKafka(): the broker is not started (use it inside a test or hook)');
      return broker;
    },
  };
}

/** A unique name per call, so tests sharing a broker do not collide. */
let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${process.pid.toString(36)}${counter}`;
}
