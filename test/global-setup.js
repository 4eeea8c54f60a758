// Runs once before any test worker starts: fetches what the integration and e2e suites need on a
// fresh clone (Apache Kafka's jars through the Maven wrapper; a SCRAM-capable librdkafka for kcat),
// and the `serverless package` output (local/package.ts: the template and zips the local deployer
// and the template tests use), so parallel workers find them ready instead of all fetching at once.
// Each is also safe to race (complete copies are renamed into place), and a no-op once cached.
// Plain JS through tsx: jest loads globalSetup outside its own module system and mappers.
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const log = (line) => process.stderr.write(`${line}\n`);
  const { ensureKafkaJars } = await tsImport('../local/kafka/fetch.ts', import.meta.url);
  const { modernLibrdkafkaDir } = await tsImport('../local/kafka/librdkafka.ts', import.meta.url);
  const { packageDeployment } = await tsImport('../local/package.ts', import.meta.url);
  const { ensureServiceModels } = await tsImport('../local/aws/models/fetch.ts', import.meta.url);
  await ensureKafkaJars(log);
  modernLibrdkafkaDir(log);
  ensureServiceModels(log); // the AWS service models the emulators validate requests against
  await packageDeployment({ root: fileURLToPath(new URL('..', import.meta.url)), log });
}
