// Runs once before any test worker starts: fetches what the integration and e2e suites need on a
// fresh clone (Apache Kafka's jars through the Maven wrapper; a SCRAM-capable librdkafka for kcat),
// so parallel workers find them ready instead of all fetching at once. Both fetches are also safe
// to race (they rename complete copies into place), and each is a no-op once cached.
// Plain JS through tsx: jest loads globalSetup outside its own module system and mappers.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const log = (line) => process.stderr.write(`${line}\n`);
  const { ensureKafkaJars } = await tsImport('../local/kafka/fetch.ts', import.meta.url);
  const { modernLibrdkafkaDir } = await tsImport('../local/kafka/librdkafka.ts', import.meta.url);
  await ensureKafkaJars(log);
  modernLibrdkafkaDir(log);
}
