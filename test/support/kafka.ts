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

/** Kafka error names (`type`) found anywhere in a kafkajs error chain, outermost first. */
export function kafkaErrorTypes(error: unknown): string[] {
  const seen: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (!e || typeof e !== 'object' || depth > 8) return;
    const x = e as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (typeof x.type === 'string') seen.push(x.type);
    visit(x.cause, depth + 1);
    visit(x.originalError, depth + 1);
    if (Array.isArray(x.errors)) for (const inner of x.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return seen;
}

/** Resolves with what `fn` throws (fails the test if it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Every message in an error's cause chain, joined (kafkajs wraps the interesting one). */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  for (
    let e = error as { message?: string; cause?: unknown; originalError?: unknown } | undefined, i = 0;
    e && i < 8;
    i++
  ) {
    if (e.message) parts.push(e.message);
    e = (e.cause ?? e.originalError) as typeof e | undefined;
  }
  return parts.join(' <- ');
}
