// A Kafka broker stand-in for tests of the emulated MSK control plane that never reach Kafka: it
// accepts every SCRAM and trust-store change and does nothing (tests that check those changes keep
// a recording broker of their own).
import type { BrokerControl } from '../../local/aws/msk.js';

export class NoopBroker implements BrokerControl {
  readonly listeners = { scram: '127.0.0.1:19096', mtls: '127.0.0.1:19094' };
  async upsertScramUser(): Promise<void> {}
  async deleteScramUser(): Promise<void> {}
  async setTrustedClientCas(): Promise<void> {}
}
